//! Budget caps against a `qimg sim` process: submits racing from two processes and a pool of
//! threads (each with its own engine and store connection) never pass a daily cap; failures
//! release their reservation; `budget.confirm_above` needs `--yes`; unknown prices are refused.

use std::process::Stdio;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use qimg::api::{Adopt, ApiEvent, Command, Engine, EngineConfig, NotStored, Submission};
use qimg::config::{Config, Paths};
use qimg::domain::models::AspectRatio;
use qimg::domain::{Job, JobRequest};
use qimg::store::Store;

use crate::cli_cmds::ExtSim;

/// Adds `text` (profiles) to the simulator's config file.
fn add_profiles(sim: &ExtSim, text: &str) {
    let file = sim.root.path().join("config/config.toml");
    let mut cfg = std::fs::read_to_string(&file).unwrap();
    cfg.push_str(text);
    std::fs::write(&file, cfg).unwrap();
}

/// A capped profile at the simulator: `qwen-image-2` at the catalogue's 3 credits an image.
fn capped(sim: &ExtSim, budget: &str) {
    add_profiles(
        sim,
        &format!(
            "[profiles.capped]\nprovider = \"sim\"\nbase_url = \"{}\"\nmodel = \"qwen-image-2\"\nbudget = {{ {budget} }}\n",
            sim.url
        ),
    );
}

/// `qimg generate PROMPT --profile PROFILE EXTRA…` against the simulator.
fn generate(sim: &ExtSim, profile: &str, prompt: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["generate", prompt, "--profile", profile];
    args.extend_from_slice(extra);
    sim.run(&args)
}

/// The simulator's count of jobs it created.
fn created(sim: &ExtSim) -> u64 {
    sim.stats()["jobs_created"].as_u64().unwrap()
}

/// Today's charged credits by `qimg spend --json`.
fn charged_today(sim: &ExtSim) -> f64 {
    let (code, out, err) = sim.run(&["spend", "--json"]);
    assert_eq!(code, 0, "{err}");
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    last["today"]["charged"]["credits"].as_f64().unwrap_or(0.0)
}

/// One thread of the pool: its own runtime, store connection and engine; submits one job when
/// the barrier opens and waits for it to end. True when the job was stored (and so sent).
fn thread_submit(paths: &Paths, barrier: &Barrier, seed: u32) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Set up before the barrier, which waits for every thread: a failure here must still
        // reach it (and then fail the test) rather than leave the others waiting.
        let setup = Config::load(paths)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                Ok((
                    c,
                    Store::open(&paths.store_file()).map_err(|e| e.to_string())?,
                ))
            });
        let Ok((config, store)) = setup else {
            barrier.wait();
            panic!("{:?}", setup.err());
        };
        let cfg = EngineConfig {
            store,
            paths: paths.clone(),
            config_file: config.file.clone(),
            profiles: config.profiles.clone(),
            catalogue: Arc::clone(&config.catalogue),
            sim: None,
            adopt: Adopt::Nothing,
            watch_store: false,
            transport: None,
        };
        let (engine, mut events) = Engine::start(cfg);
        let job = Job::new(
            "capped",
            JobRequest::apiframe("race", AspectRatio::Square, seed),
        );
        let id = job.id;
        let (tx, rx) = tokio::sync::oneshot::channel();
        barrier.wait();
        engine.send(Command::Submit(Submission {
            jobs: vec![job],
            reply: Some(tx),
        }));
        let reply = tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .expect("the engine answers")
            .unwrap();
        let stored = match reply {
            Ok(()) => true,
            Err(NotStored::OverBudget(text)) => {
                assert!(text.contains("> 9 credits (profile `capped`)"), "{text}");
                false
            }
            Err(e) => panic!("{e}"),
        };
        if stored {
            wait_end(&mut events, id).await;
        }
        engine.shutdown().await;
        stored
    })
}

/// Waits until the job `id` ends.
async fn wait_end(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<ApiEvent>,
    id: qimg::domain::JobId,
) {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("the job ends")
            .unwrap();
        if let ApiEvent::JobChanged(j) = ev
            && j.id == id
            && j.state.is_end()
        {
            return;
        }
    }
}

#[test]
fn racing_submits_from_two_processes_and_a_thread_pool_never_pass_a_daily_cap() {
    let sim = ExtSim::start(0.2);
    // 9 credits a day: three jobs of 3.
    capped(&sim, "daily = 9");
    let go = sim.root.path().join("go");
    let children: Vec<_> = (0..2)
        .map(|_| {
            let script = "while [ ! -e \"$GO\" ]; do sleep 0.002; done; exec \"$QIMG\" generate race --profile capped --wait --json";
            let mut c = std::process::Command::new("sh");
            c.args(["-c", script])
                .env("GO", &go)
                .env("QIMG", env!("CARGO_BIN_EXE_qimg"))
                .env("QIMG_CONFIG_DIR", sim.root.path().join("config"))
                .env("QIMG_DATA_DIR", sim.root.path().join("data"))
                .env("QIMG_CACHE_DIR", sim.root.path().join("cache"))
                .env_remove("QIMG_PROFILE")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    let pool = 6;
    let barrier = Arc::new(Barrier::new(pool + 1));
    let paths = Paths::under(sim.root.path());
    let threads: Vec<_> = (0..pool)
        .map(|i| {
            let (paths, barrier) = (paths.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || thread_submit(&paths, &barrier, 100 + i as u32))
        })
        .collect();
    // Everyone at once: the processes are waiting for the file, the threads for the barrier.
    std::fs::write(&go, "").unwrap();
    barrier.wait();
    let from_threads = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|stored| *stored)
        .count();
    let mut from_processes = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => from_processes += 1,
            Some(2) => assert!(err.contains("over the daily budget"), "{err}"),
            other => panic!("{other:?}: {err}"),
        }
    }
    eprintln!(
        "race: {from_threads} of {pool} threads and {from_processes} of 2 processes stored a job"
    );
    assert_eq!(
        from_threads + from_processes,
        3,
        "exactly the cap's three jobs"
    );
    assert_eq!(created(&sim), 3, "the simulator made exactly three");
    assert_eq!(charged_today(&sim), 9.0, "the ledger matches the simulator");
}

#[test]
fn a_failed_job_releases_its_reservation_and_the_ledger_is_the_sum_reported() {
    let sim = ExtSim::start(0.2);
    capped(&sim, "daily = 6");
    let (code, _, err) = generate(&sim, "capped", "[sim:fail] x", &["--wait"]);
    assert_eq!(code, 1, "{err}");
    // The failure was refunded (creditCost 0), so both jobs fit the 6 credits.
    let (code, _, err) = generate(&sim, "capped", "two", &["--count", "2", "--wait"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = generate(&sim, "capped", "one more", &["--wait"]);
    assert_eq!(
        (code, out.as_str()),
        (2, ""),
        "refused before any id: {err}"
    );
    assert!(
        err.contains("6 spent or reserved + ≈ 3 asked > 6 credits"),
        "{err}"
    );
    assert_eq!(created(&sim), 3, "the refused job was never sent");
    assert_eq!(charged_today(&sim), 6.0, "0 + 3 + 3 reported");
}

#[test]
fn confirm_above_needs_yes_and_an_unknown_price_is_refused_under_a_cap() {
    let sim = ExtSim::start(0.2);
    capped(&sim, "confirm_above = 5");
    let (code, _, err) = generate(&sim, "capped", "many", &["--count", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("≈ 6 credits") && err.contains("--yes"),
        "{err}"
    );
    assert_eq!(created(&sim), 0);
    let (code, _, err) = generate(&sim, "capped", "many", &["--count", "2", "--yes", "--wait"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(created(&sim), 2);
    add_profiles(
        &sim,
        &format!(
            "[profiles.gwcap]\nprovider = \"sim\"\nbase_url = \"{}\"\nmodel = \"qwen-image-plus\"\nbudget = {{ daily = 10 }}\n\
             [profiles.gwpriced]\nprovider = \"sim\"\nbase_url = \"{}\"\nmodel = \"qwen-image-plus\"\nprice_per_image = 0.2\nprice_unit = \"CNY\"\nbudget = {{ daily = 0.3 }}\n",
            sim.url, sim.url
        ),
    );
    let (code, _, err) = generate(&sim, "gwcap", "gw", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("price_per_image") && err.contains("qwen-image-plus"),
        "{err}"
    );
    let (code, _, err) = generate(&sim, "gwpriced", "gw", &["--wait"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = generate(&sim, "gwpriced", "gw", &[]);
    assert_eq!(code, 2, "0.2 + 0.2 CNY passes 0.3: {err}");
    assert!(
        err.contains("0.20 spent or reserved + ≈ 0.20 asked > 0.30 CNY"),
        "{err}"
    );
    let (_, out, _) = sim.run(&["config", "check"]);
    assert!(
        out.contains("0.20 CNY an image · daily budget 0.30 CNY"),
        "{out}"
    );
    let (_, out, _) = sim.run(&["spend", "--by", "profile"]);
    assert!(
        out.contains("gwpriced") && out.contains("≈ 0.20 CNY"),
        "{out}"
    );
}

#[test]
fn a_cap_is_told_before_the_cost_question_dry_runs_say_it_and_old_jobs_keep_their_price() {
    let sim = ExtSim::start(0.2);
    capped(&sim, "daily = 6, confirm_above = 2");
    let (code, _, err) = generate(&sim, "capped", "one", &["--yes", "--wait"]);
    assert_eq!(code, 0, "{err}");
    // 2 more jobs pass the cap: the refusal is the cap's, not "add --yes".
    let (code, _, err) = generate(&sim, "capped", "two", &["--count", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("over the daily budget") && !err.contains("--yes"),
        "{err}"
    );
    let (code, out, err) = generate(&sim, "capped", "two", &["--count", "2", "--dry-run"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.contains("nothing was sent or stored"), "{out}");
    assert!(
        err.contains("would be refused: over the daily budget"),
        "{err}"
    );
    assert_eq!(created(&sim), 1);
    // A gateway job estimated at 0.2 CNY stays at that when the price changes later.
    let gw = |price: &str| {
        format!(
            "[profiles.gw2]\nprovider = \"sim\"\nbase_url = \"{}\"\nmodel = \"qwen-image-plus\"\nprice_per_image = {price}\nprice_unit = \"CNY\"\n",
            sim.url
        )
    };
    let file = sim.root.path().join("config/config.toml");
    let base = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{base}{}", gw("0.2"))).unwrap();
    let (code, _, err) = generate(&sim, "gw2", "gw", &["--wait"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&file, format!("{base}{}", gw("0.5"))).unwrap();
    let (_, out, _) = sim.run(&["spend", "--by", "profile"]);
    assert!(out.contains("≈ 0.20 CNY") && !out.contains("0.50"), "{out}");
    let (_, out, _) = sim.run(&["jobs", "--json", "--limit", "1"]);
    let job: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(job["cost"]["amount"], 0.2, "{job}");
}
