//! Presets from the CLI: `--preset` fills the flags not given (flags win), `qimg presets`
//! lists them, and a malformed file or an unknown name is refused with exit 2 before anything
//! is sent.

use serde_json::Value;

use crate::cli_cmds::ExtSim;

fn presets(sim: &ExtSim, text: &str) {
    let dir = sim.root.path().join("config");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("presets.toml"), text).unwrap();
}

fn objects(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn first_job(out: &str) -> Value {
    serde_json::from_str(out.lines().next().unwrap()).unwrap()
}

const FILE: &str = r#"
# three portraits from one locked seed, no rewrite
[portrait]
model = "qwen-image-2"
aspect = "3:4"
negative = "blurry"
seed_mode = "increment"
seed = 100
count = 3
draws = 2
"#;

#[test]
fn a_preset_fills_the_flags_not_given_and_flags_win() {
    let sim = ExtSim::start(0.1);
    presets(&sim, FILE);
    let (code, out, err) = sim.run(&[
        "generate",
        "a {red|blue|green} kite",
        "--preset",
        "portrait",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let all = objects(&out);
    assert_eq!(all.len(), 7, "2 draws × count 3, and the totals: {out}");
    let j = &all[0];
    assert_eq!(j["parameters"]["aspect_ratio"], "3:4", "{j}");
    assert_eq!(j["parameters"]["negative_prompt"], "blurry", "{j}");
    assert_eq!(j["parameters"]["seed"], 100, "{j}");
    assert_eq!(all[1]["parameters"]["seed"], 101, "{out}");
    // A flag given wins over the preset.
    let (code, out, err) = sim.run(&[
        "generate",
        "a kite",
        "--preset",
        "portrait",
        "--aspect",
        "16:9",
        "--count",
        "1",
        "--seed",
        "7",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j = first_job(&out);
    assert_eq!(j["parameters"]["aspect_ratio"], "16:9", "{j}");
    assert_eq!(j["parameters"]["seed"], 7, "{j}");
    assert_eq!(out.lines().count(), 2, "one job and the totals: {out}");
    // One half of the seed from a flag, the other from the preset.
    let (code, out, err) = sim.run(&[
        "generate",
        "a kite",
        "--preset",
        "portrait",
        "--seed-mode",
        "fixed",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let all = objects(&out);
    assert_eq!(all[0]["parameters"]["seed"], 100, "{out}");
    assert_eq!(all[1]["parameters"]["seed"], 100, "fixed: {out}");
    // The listing.
    let (code, out, err) = sim.run(&["presets", "--json"]);
    assert_eq!(code, 0, "{err}");
    let p = first_job(&out);
    assert_eq!(p["name"], "portrait");
    assert_eq!(p["seed"], 100);
    assert_eq!(p["draws"], 2);
    let (code, out, _) = sim.run(&["presets"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("portrait\tqwen-image-2 · 3:4 · 3 jobs · seed 100"),
        "{out}"
    );
}

#[test]
fn a_bad_presets_file_or_name_is_refused_before_anything_is_sent() {
    let sim = ExtSim::start(0.1);
    presets(&sim, FILE);
    let (code, _, err) = sim.run(&["generate", "a kite", "--preset", "nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no preset named `nope`") && err.contains("portrait"),
        "{err}"
    );
    presets(&sim, "[portrait]\ncount = 3\nseed_mode = \"sometimes\"\n");
    let (code, _, err) = sim.run(&["generate", "a kite", "--preset", "portrait"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("presets.toml, line 3, column 13"), "{err}");
    assert!(err.contains("field `portrait.seed_mode`"), "{err}");
    let (code, _, err) = sim.run(&["presets"]);
    assert_eq!(code, 2, "{err}");
    // A preset whose model the profile does not offer names it.
    presets(&sim, "[gw]\nmodel = \"qwen-image-plus\"\n");
    let (code, _, err) = sim.run(&["generate", "a kite", "--preset", "gw"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no model `qwen-image-plus`"), "{err}");
    assert!(err.contains("(with preset `gw`)"), "{err}");
    // Without --preset a broken file is not in the way.
    presets(&sim, "[[[");
    let (code, _, err) = sim.run(&["generate", "a kite", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.stats()["submit_requests"], 0);
}
