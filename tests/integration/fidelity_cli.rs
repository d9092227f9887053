//! The CLI sends every parameter or refuses it (exit 2, nothing stored): seeds on both wires,
//! `n=1` and the watermark on every gateway edit, the rewrite flag, the documented `edit`
//! forms, and a model defined in config.toml.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::cli_cmds::ExtSim;
use crate::common::png;

fn lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The jobs in the store, as `qimg jobs --json` lists them.
fn stored(sim: &ExtSim) -> Vec<Value> {
    let (code, out, err) = sim.run(&["jobs", "--json"]);
    assert_eq!(code, 0, "{err}");
    lines(&out)
}

/// A 512×512 and a 64×48 PNG in the config root.
fn fixtures(sim: &ExtSim) -> (String, String) {
    let good = sim.root.path().join("in.png");
    std::fs::write(&good, png(512, 512)).unwrap();
    let small = sim.root.path().join("small.png");
    std::fs::write(&small, png(64, 48)).unwrap();
    (good.display().to_string(), small.display().to_string())
}

#[test]
fn a_locked_seed_counts_up_and_every_gateway_request_carries_its_parameters() {
    let sim = ExtSim::start(0.1);
    let (code, out, err) = sim.run(&[
        "--profile",
        "gw",
        "generate",
        "a fox",
        "--seed",
        "7",
        "--count",
        "3",
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut seeds: Vec<u64> = lines(&out)
        .iter()
        .map(|j| j["parameters"]["seed"].as_u64().unwrap())
        .collect();
    seeds.sort_unstable();
    assert_eq!(seeds, [7, 8, 9]);
    let (code, out, err) = sim.run(&["--profile", "gw", "generate", "a fox", "--wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    let recorded = lines(&out)[0]["parameters"]["seed"].as_u64();
    assert!(
        recorded.is_some(),
        "a random seed is picked by qimg and recorded"
    );
    let sent = sim.requests();
    assert_eq!(sent.len(), 4);
    for r in &sent {
        let p = &r["body"]["parameters"];
        assert_eq!(r["endpoint"], "generations");
        assert_eq!(p["prompt_extend"], false, "{p}");
        assert_eq!(p["watermark"], false, "{p}");
        assert_eq!(p["n"], 1);
        assert!(p["seed"].is_u64(), "{p}");
    }
    assert_eq!(sent[3]["body"]["parameters"]["seed"].as_u64(), recorded);
    let (code, _, err) = sim.run(&[
        "--profile",
        "gw",
        "generate",
        "x",
        "--seed",
        "7",
        "--seed-mode",
        "random",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--seed-mode random"), "{err}");
}

#[test]
fn gateway_edits_refuse_what_their_form_cannot_carry_and_store_nothing() {
    let sim = ExtSim::start(0.1);
    let (good, small) = fixtures(&sim);
    let model = ["--model", "qwen-image-edit-plus"];
    for (flag, value, named) in [
        ("--seed", "42", "--seed: qwen-image-edit-plus takes no seed"),
        (
            "--negative",
            "blurry",
            "--negative: qwen-image-edit-plus takes no negative prompt",
        ),
        (
            "--size",
            "1328*1328",
            "qwen-image-edit-plus takes no --size",
        ),
    ] {
        let mut args = vec![
            "--profile",
            "gw",
            "edit",
            "make it night",
            "--image",
            &good,
            flag,
            value,
        ];
        args.extend(model);
        let (code, _, err) = sim.run(&args);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(err.contains(named), "{flag}: {err}");
    }
    let (code, _, err) = sim.run(&[
        "--profile",
        "gw",
        "edit",
        "make it night",
        "--image",
        &small,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("64×48"), "{err}");
    assert!(stored(&sim).is_empty(), "a refused job is not stored");
    assert!(sim.requests().is_empty(), "and nothing was sent");
}

#[test]
fn both_edit_forms_work_and_every_gateway_edit_sends_n_and_what_the_model_takes() {
    let sim = ExtSim::start(0.1);
    let (good, _) = fixtures(&sim);
    // Both documented forms: the prompt with --image, and IMAGE PROMPT.
    let (code, _, err) = sim.run(&[
        "--profile",
        "gw",
        "edit",
        "make it night",
        "--image",
        &good,
        "--wait",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = sim.run(&[
        "--profile",
        "gw",
        "edit",
        &good,
        "make it night",
        "--wait",
        "--model",
        "wan2.5-i2i-preview",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = sim.run(&["--profile", "gw", "edit", "make it night"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--image FILE"), "{err}");
    let sent = sim.requests();
    assert_eq!(sent.len(), 2);
    for r in &sent {
        assert_eq!(r["endpoint"], "edits");
        assert_eq!(r["body"]["n"], 1, "{r}");
        assert_eq!(r["body"]["images"], 1);
    }
    assert_eq!(
        sent[0]["body"]["watermark"], false,
        "qwen-image-edit sends it"
    );
    assert!(
        sent[1]["body"].get("watermark").is_none(),
        "wan2.5-i2i's form does not carry it"
    );
}

#[test]
fn the_rewrite_is_off_unless_asked_and_refused_where_it_cannot_be_sent() {
    let sim = ExtSim::start(0.1);
    let (code, out, err) = sim.run(&[
        "--profile",
        "gw",
        "generate",
        "a bay",
        "--rewrite",
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let job = &lines(&out)[0];
    assert_eq!(job["parameters"]["prompt_extend"], true);
    let revised = job["revised_prompt"].as_str().unwrap();
    assert!(revised.starts_with("a bay,"), "{revised}");
    let (code, _, err) = sim.run(&["generate", "a bay", "--rewrite"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("qwen-image-2 takes no prompt rewrite"),
        "{err}"
    );
    assert_eq!(stored(&sim).len(), 1);
}

#[test]
fn a_model_defined_in_config_is_listed_and_usable() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let file = config.join("config.toml");
    std::fs::write(
        &file,
        "default_profile = \"gw\"\n\
         [profiles.gw]\nprovider = \"sim\"\nmodel = \"qwen-image-3.0\"\nsim_job_seconds = 0.1\n\
         [models.\"qwen-image-3.0\"]\nlike = \"qwen-image-plus\"\nlabel = \"Qwen-Image 3.0\"\n\
         sizes = [\"1024*1024\", \"2048*2048\"]\nprice = { per_image = 0.2, unit = \"CNY\" }\n",
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("qimg")
            .unwrap()
            .env("QIMG_CONFIG_DIR", &config)
            .env("QIMG_DATA_DIR", root.path().join("data"))
            .env("QIMG_CACHE_DIR", root.path().join("cache"))
            .env_remove("QIMG_PROFILE")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["models", "--json"]);
    assert_eq!(code, 0, "{err}");
    let models: Vec<Value> = serde_json::from_str(&out).unwrap();
    let m = models.iter().find(|m| m["id"] == "qwen-image-3.0").unwrap();
    assert_eq!(
        m["origin"],
        serde_json::json!({"kind": "config", "like": "qwen-image-plus"})
    );
    assert_eq!(m["wire"], "openai");
    assert!(
        m["profiles"].as_array().unwrap().contains(&"gw".into()),
        "{m}"
    );
    assert_eq!(m["price"]["unit"], "CNY");
    let builtin = models
        .iter()
        .find(|m| m["id"] == "qwen-image-2-pro")
        .unwrap();
    assert_eq!(builtin["origin"]["kind"], "built_in");
    let (code, out, err) = run(&["models"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("qwen-image-3.0  (gateway, text to image; config.toml (like qwen-image-plus)"),
        "{out}"
    );
    let (code, out, err) = run(&[
        "generate",
        "a harbour",
        "--size",
        "2048*2048",
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let job: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(job["model"], "qwen-image-3.0");
    assert_eq!(job["state"], "done");
    let (code, _, err) = run(&["generate", "a harbour", "--size", "1328*1328"]);
    assert_eq!(
        code, 2,
        "the config's sizes replace the base model's: {err}"
    );
    std::fs::write(&file, "[models.\"broken\"]\nlike = \"nope\"\n").unwrap();
    let (code, _, err) = run(&["models"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("broken") && err.contains("nope"), "{err}");
}
