//! The crash test: `qimg generate --wait` is killed with SIGKILL at
//! random points of its submit, poll and download cycles, then `qimg wait` resumes. Checked
//! after every cycle and at the end: no job lost, none submitted twice (counted at the
//! simulator), every finished image saved exactly once and decodable.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::Duration;

use crate::cli_cmds::ExtSim;

/// A small deterministic generator (seeded, logged for replay).
struct Lcg(u64);
impl Lcg {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % max
    }
}

fn sim_jobs(sim: &ExtSim) -> Vec<serde_json::Value> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{}/__sim/jobs", sim.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

/// How one cycle's `qimg generate` ended.
enum Ended {
    Killed,
    Aborted,
    Finished,
}

/// One cycle: start three jobs, kill the process at a random moment (every other cycle with
/// failpoints that abort inside submit and download), then let `qimg wait` resume them.
fn crash_cycle(sim: &ExtSim, cycle: u64, rng: &mut Lcg) -> Ended {
    let mut cmd = sim.cmd();
    // Every other cycle also aborts at named points inside the submit and download paths.
    if cycle % 2 == 1 {
        cmd.env(
            "QIMG_FAILPOINTS",
            "submit.after_response=0.3,download.before_save=0.3,download.after_save=0.3",
        );
    }
    let child = cmd
        .args([
            "generate",
            &format!("crash cycle {cycle}"),
            "--count",
            "3",
            "--wait",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let delay = rng.next_ms(2200);
    std::thread::sleep(Duration::from_millis(delay));
    let mut child = child;
    let mut ended = Ended::Finished;
    match child.try_wait().unwrap() {
        None => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status();
            ended = Ended::Killed;
        }
        Some(status) if std::os::unix::process::ExitStatusExt::signal(&status) == Some(6) => {
            ended = Ended::Aborted;
        }
        Some(_) => {}
    }
    let _ = child.wait();
    // The next start (here: `qimg wait`) resumes whatever was left.
    let (code, _, err) = sim.run(&["wait", "--timeout", "60"]);
    assert!(
        code == 0,
        "cycle {cycle} (killed after {delay} ms): wait exited {code}: {err}"
    );
    ended
}

/// Checks that no job was lost or sent twice and each has exactly one decodable file; returns
/// the local rows, the simulator's job ids and its counters.
fn check_invariants(sim: &ExtSim) -> (Vec<serde_json::Value>, Vec<String>, serde_json::Value) {
    // Invariants.
    let (_, out, _) = sim.run(&["jobs", "--json", "--limit", "10000"]);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let remote: HashSet<String> = rows
        .iter()
        .filter_map(|r| r["remote_id"].as_str().map(str::to_owned))
        .collect();
    let created: Vec<String> = sim_jobs(sim)
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &created {
        assert!(
            remote.contains(id),
            "the simulator made job {id} but no local row knows it (lost)"
        );
    }
    assert_eq!(
        created.len(),
        remote.len(),
        "every local job reached the simulator once"
    );
    let stats = sim.stats();
    assert_eq!(
        stats["jobs_created"].as_u64().unwrap() as usize,
        created.len()
    );
    let mut files_per_job: HashMap<String, usize> = HashMap::new();
    for entry in std::fs::read_dir(sim.root.path().join("data/images"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with(".qimg-tmp-"),
            "a temp file survived: {name}"
        );
        let short = name.split('_').nth(1).unwrap().to_owned();
        *files_per_job.entry(short).or_default() += 1;
        image::open(entry.path()).unwrap_or_else(|e| panic!("{name} does not decode: {e}"));
    }
    for r in &rows {
        assert_eq!(r["state"], "done", "{r}");
        let short = &r["id"].as_str().unwrap()[..8];
        assert_eq!(
            files_per_job.get(short),
            Some(&1),
            "job {short} has {:?} files",
            files_per_job.get(short)
        );
    }
    (rows, created, stats)
}

#[test]
fn random_sigkills_lose_nothing_and_send_nothing_twice() {
    let cycles: u64 = std::env::var("QIMG_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let seed: u64 = std::env::var("QIMG_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_123);
    eprintln!("crash test: {cycles} cycles, seed {seed}");
    let mut rng = Lcg(seed);
    let sim = ExtSim::start(0.6);
    let (mut kills, mut aborts) = (0, 0);
    for cycle in 0..cycles {
        match crash_cycle(&sim, cycle, &mut rng) {
            Ended::Killed => kills += 1,
            Ended::Aborted => aborts += 1,
            Ended::Finished => {}
        }
    }
    let (rows, created, stats) = check_invariants(&sim);
    eprintln!(
        "crash test: {cycles} cycles, {kills} SIGKILLs, {aborts} failpoint aborts, {} jobs, {} created at the simulator, {} idempotent replays, invariants: no job lost, none sent twice, one decodable file per done job",
        rows.len(),
        created.len(),
        stats["idempotent_replays"]
    );
}
