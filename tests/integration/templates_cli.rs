//! Templates and the dry run from the CLI: every combination or seeded draws, wildcards from
//! the config folder, the template kept in the job and its JSON, and a dry run that sends and
//! stores nothing.

use serde_json::Value;

use crate::cli_cmds::ExtSim;

fn lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn wildcard(sim: &ExtSim, name: &str, text: &str) {
    let dir = sim.root.path().join("config/wildcards");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.txt")), text).unwrap();
}

#[test]
fn a_dry_run_prints_every_job_and_the_cost_and_sends_and_stores_nothing() {
    let sim = ExtSim::start(0.1);
    wildcard(&sim, "place", "# where\ndunes\nthe sea\n");
    let (code, out, err) = sim.run(&[
        "generate",
        "a {red|blue} kite over __place__",
        "--count",
        "2",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let all = lines(&out);
    assert_eq!(all.len(), 9, "8 jobs and the totals: {out}");
    let jobs = &all[..8];
    for j in jobs {
        assert_eq!(j["dry_run"], true);
        assert_eq!(j["schema"], 1);
        assert_eq!(j["model"], "qwen-image-2");
        assert_eq!(
            j["parameters"]["template"],
            "a {red|blue} kite over __place__"
        );
        assert_eq!(j["seed_drawn_at_send"], true);
        assert_eq!(j["estimated_cost"], 3.0);
        assert_eq!(j["unit"], "credits");
    }
    let mut prompts: Vec<&str> = jobs
        .iter()
        .map(|j| j["parameters"]["prompt"].as_str().unwrap())
        .collect();
    prompts.dedup();
    assert_eq!(
        prompts,
        [
            "a red kite over dunes",
            "a red kite over the sea",
            "a blue kite over dunes",
            "a blue kite over the sea"
        ]
    );
    let total = &all[8];
    assert_eq!(total["jobs"], 8);
    assert_eq!(total["models"], 1);
    assert_eq!(total["estimated_cost"]["credits"], 24.0);
    assert_eq!(total["price_unknown"], 0);
    // Text form.
    let (code, out, _) = sim.run(&["generate", "a {red|blue} kite", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("2 jobs · 1 model · ≈ 6 credits · nothing was sent or stored"),
        "{out}"
    );
    // Nothing reached the simulator, nothing was stored.
    assert_eq!(sim.stats()["submit_requests"], 0);
    let (code, out, err) = sim.run(&["jobs", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().is_empty(), "{out}");
}

#[test]
fn templates_send_their_expansions_and_keep_the_template() {
    let sim = ExtSim::start(0.1);
    let (code, out, err) = sim.run(&["generate", "a {fox|hare}", "--wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    let jobs = lines(&out);
    let mut prompts: Vec<&str> = jobs
        .iter()
        .map(|j| j["parameters"]["prompt"].as_str().unwrap())
        .collect();
    prompts.sort_unstable();
    assert_eq!(prompts, ["a fox", "a hare"]);
    assert!(
        jobs.iter()
            .all(|j| j["parameters"]["template"] == "a {fox|hare}")
    );
    assert_eq!(sim.stats()["jobs_created"], 2);
    // Random draws: the same seed draws the same prompts, in the dry run and when sent.
    let draw = |sim: &ExtSim, dry: bool| {
        let mut args = vec![
            "generate",
            "{a|b|c|d|e|f|g|h} {i|j|k|l|m|n|o|p}",
            "--draws",
            "3",
            "--seed",
            "40",
            "--json",
        ];
        args.push(if dry { "--dry-run" } else { "--wait" });
        let (code, out, err) = sim.run(&args);
        assert_eq!(code, 0, "{err}");
        let mut got: Vec<(u64, String)> = lines(&out)
            .iter()
            .filter(|j| j.get("parameters").is_some())
            .map(|j| {
                let p = &j["parameters"];
                (
                    p["seed"].as_u64().unwrap(),
                    p["prompt"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        got.sort();
        got
    };
    let dry = draw(&sim, true);
    // Every draw keeps the seed (a prompt sweep at one seed); each draws by its place.
    assert_eq!(
        dry.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [40, 40, 40]
    );
    assert!(
        dry.iter().all(|(_, p)| p.len() == 3 && !p.contains('{')),
        "{dry:?}"
    );
    assert_eq!(draw(&sim, true), dry, "a dry run again draws the same");
    assert_eq!(
        draw(&sim, false),
        dry,
        "sending draws what the dry run showed"
    );
}

#[test]
fn a_bad_template_is_refused_with_exit_2_and_nothing_stored() {
    let sim = ExtSim::start(0.1);
    for (prompt, says) in [
        ("a {red|blue kite", "is never closed"),
        ("a __nowhere__ kite", "no wildcard file for __nowhere__"),
        (
            "{a|b|c|d|e|f|g|h|i|j}{a|b|c|d|e|f|g|h|i|j}{a|b|c|d|e|f|g|h|i|j}{a|b}",
            "makes 2000 prompts",
        ),
    ] {
        let (code, _, err) = sim.run(&["generate", prompt, "--wait"]);
        assert_eq!(code, 2, "{prompt}: {err}");
        assert!(err.contains(says), "{prompt}: {err}");
    }
    wildcard(&sim, "a", "__b__");
    wildcard(&sim, "b", "x __a__");
    let (code, _, err) = sim.run(&["generate", "__a__", "--wait"]);
    assert_eq!(code, 2);
    assert!(err.contains("circle: __a__ → __b__ → __a__"), "{err}");
    assert_eq!(sim.stats()["submit_requests"], 0);
    let (_, out, _) = sim.run(&["jobs", "--json"]);
    assert!(out.trim().is_empty(), "{out}");
}

#[test]
fn history_lists_prompts_once_newest_first_and_searches_fuzzily() {
    let sim = ExtSim::start(0.1);
    for p in ["a red kite", "a lighthouse at dusk", "a red kite"] {
        let (code, _, err) = sim.run(&["generate", p, "--negative", "blurry", "--wait"]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = sim.run(&["history", "--json"]);
    assert_eq!(code, 0, "{err}");
    let h = lines(&out);
    let texts: Vec<(&str, u64)> = h
        .iter()
        .map(|e| (e["text"].as_str().unwrap(), e["uses"].as_u64().unwrap()))
        .collect();
    assert_eq!(texts, [("a red kite", 2), ("a lighthouse at dusk", 1)]);
    let (_, out, _) = sim.run(&["history", "--search", "lhdsk"]);
    assert!(
        out.contains("a lighthouse at dusk") && !out.contains("kite"),
        "{out}"
    );
    let (_, out, _) = sim.run(&["history", "--negative", "--json"]);
    assert_eq!(lines(&out)[0]["uses"], 3);
}
