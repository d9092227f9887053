//! The canary: a distinctive fake key goes through the TUI and CLI
//! flows, including servers that echo it back and a panic, with trace logging. Then every
//! transcript, log, the store, saved files and panic output are searched for it.

use std::io::Read;
use std::time::Duration;

use serde_json::json;

use crate::cli_cmds::ExtSim;
use crate::fault::{FaultServer, Reply};
use crate::pty::PtyApp;

const CANARY: &str = "afk_CANARY_7f3a9e1d5b2c4e60";

/// What every CLI command printed (stdout and stderr) with the canary key in the environment.
fn cli_outputs(sim: &ExtSim) -> Vec<Vec<u8>> {
    let env = |c: &mut std::process::Command| {
        c.env("QIMG_CANARY_KEY", CANARY).env("QIMG_LOG", "trace");
    };
    let mut outputs = Vec::new();
    for args in [
        vec!["generate", "a fine job", "--wait", "--json"],
        vec![
            "--profile",
            "echo",
            "generate",
            "an echoed failure",
            "--wait",
            "--json",
        ],
        vec![
            "--profile",
            "echogw",
            "generate",
            "a gateway echo",
            "--wait",
            "--json",
        ],
        vec!["jobs", "--json"],
        vec!["config", "check"],
    ] {
        let mut c = sim.cmd();
        env(&mut c);
        let out = c.args(&args).output().unwrap();
        outputs.push(out.stdout);
        outputs.push(out.stderr);
    }
    outputs
}

/// The TUI's screen and raw bytes: a failing job on screen, then a deliberate panic.
fn tui_outputs(root: &std::path::Path) -> Vec<Vec<u8>> {
    let mut outputs = Vec::new();
    // The TUI: a failing job on screen, then a deliberate panic.
    let mut pty_env = vec![
        ("QIMG_CONFIG_DIR", root.join("config").display().to_string()),
        ("QIMG_DATA_DIR", root.join("data").display().to_string()),
        ("QIMG_CACHE_DIR", root.join("cache").display().to_string()),
        ("QIMG_IMAGE_PROTOCOL", "halfblocks".into()),
        ("QIMG_CANARY_KEY", CANARY.into()),
        ("QIMG_LOG", "trace".into()),
        ("QIMG_PROFILE", "echo".into()),
    ];
    let mut app = PtyApp::spawn(&[], &pty_env, 120, 40);
    app.wait_for("Compose", Duration::from_secs(30));
    app.type_text("echo in the tui");
    app.send(b"\x13");
    app.wait_for("failed", Duration::from_secs(30));
    app.send(b"\x1bOR"); // F3: the job list, with the message in the preview
    app.wait_for("reported a failure", Duration::from_secs(30));
    outputs.push(app.screen().into_bytes());
    app.send(b"\x03");
    app.wait_exit(Duration::from_secs(30));
    outputs.push(app.raw());
    pty_env.push(("QIMG_TEST_PANIC", "render".into()));
    let mut panicking = PtyApp::spawn(&[], &pty_env, 100, 30);
    panicking.wait_exit(Duration::from_secs(30));
    outputs.push(panicking.raw());

    outputs
}

fn grep_tree(dir: &std::path::Path, needle: &[u8], hits: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            grep_tree(&p, needle, hits);
        } else if let Ok(mut f) = std::fs::File::open(&p) {
            let mut bytes = Vec::new();
            let _ = f.read_to_end(&mut bytes);
            if bytes.windows(needle.len()).any(|w| w == needle) {
                hits.push(p.display().to_string());
            }
        }
    }
}

#[test]
fn the_key_never_leaks() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A server that echoes the key everywhere it can.
    let echo = rt.block_on(FaultServer::start(vec![
        ("/v2/images/generate", vec![Reply::json(202, json!({"jobId": "0c7c5a5e-1111-4222-8333-944455556666", "status": "QUEUED"}))]),
        ("/v2/jobs/", vec![Reply::json(200, json!({"id": "x", "status": "FAILED", "error": format!("bad key {CANARY} (Authorization: Bearer {CANARY})")}))]),
        ("/v1/images/generations", vec![Reply::json(500, json!({"error": {"message": format!("upstream saw X-API-Key: {CANARY}"), "type": "x"}}))]),
    ]));
    let sim = ExtSim::start_with_key(0.3, CANARY);
    let cfg = format!(
        "default_profile = \"good\"\n\
         [profiles.good]\nprovider = \"sim\"\nbase_url = \"{}\"\napi_key_env = \"QIMG_CANARY_KEY\"\n\
         [profiles.echo]\nprovider = \"apiframe\"\nbase_url = \"{}\"\napi_key_env = \"QIMG_CANARY_KEY\"\n\
         [profiles.echogw]\nprovider = \"openai\"\nbase_url = \"{}\"\napi_key_env = \"QIMG_CANARY_KEY\"\n",
        sim.url, echo.base, echo.base
    );
    std::fs::write(sim.root.path().join("config/config.toml"), cfg).unwrap();
    let mut outputs = cli_outputs(&sim);
    let root = sim.root.path();
    outputs.extend(tui_outputs(root));

    let needle = CANARY.as_bytes();
    for (i, o) in outputs.iter().enumerate() {
        assert!(
            !o.windows(needle.len()).any(|w| w == needle),
            "output {i} contains the key:\n{}",
            String::from_utf8_lossy(o)
        );
    }
    let mut hits = Vec::new();
    grep_tree(&root.join("data"), needle, &mut hits);
    grep_tree(&root.join("cache"), needle, &mut hits);
    assert!(hits.is_empty(), "the key was written to {hits:?}");
    // Sanity: the flows did run, and the logs are there to search.
    let mut logs = Vec::new();
    grep_tree(&root.join("data/logs"), b"qimg", &mut logs);
    let (_, listed, _) = sim.run(&["jobs"]);
    assert!(listed.lines().count() >= 4, "{listed}");
    assert!(
        String::from_utf8_lossy(&outputs[2]).contains("[REDACTED]")
            || String::from_utf8_lossy(&outputs[3]).contains("[REDACTED]"),
        "the echo was redacted, not dropped"
    );
}

/// The `Debug` and `Display` of every type that holds or met the key
/// shows `[REDACTED]` or nothing, never the key.
#[test]
fn debug_and_display_never_show_the_key() {
    use qimg::api::apiframe::ApiframeClient;
    use qimg::api::openai::OpenAiClient;
    use qimg::api::runtime::ProfileRuntime;
    use qimg::domain::models::ParamsKey;
    use secrecy::SecretString;

    let base = reqwest::Url::parse("https://api.example.invalid").unwrap();
    let mut profile = crate::common::apiframe_profile("https://api.example.invalid");
    profile.key_source = qimg::config::KeySource::Literal(SecretString::from(CANARY));
    let apiframe = ApiframeClient::new(
        base.clone(),
        SecretString::from(CANARY),
        ParamsKey::default(),
    )
    .unwrap();
    let openai = OpenAiClient::new(base, SecretString::from(CANARY)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = qimg::store::Store::open_in_memory().unwrap();
    let runtime = ProfileRuntime::build(
        &profile,
        &qimg::domain::catalogue::Catalogue::shared_builtin(),
        None,
        dir.path(),
        &store,
        &dir.path().join("config.toml"),
        None,
    )
    .unwrap();
    let echoed = qimg::api::error::from_response(
        401,
        Some("application/json"),
        json!({"error": format!("invalid key {CANARY}"), "key": CANARY})
            .to_string()
            .as_bytes(),
        None,
        CANARY,
    );
    let shown = [
        format!("{profile:?}"),
        format!("{apiframe:?}"),
        format!("{openai:?}"),
        format!("{runtime:?}"),
        format!("{echoed:?}"),
        echoed.to_string(),
    ];
    for s in &shown {
        assert!(!s.contains(CANARY), "the key is shown: {s}");
    }
    assert!(shown[1].contains("[REDACTED]") && shown[2].contains("[REDACTED]"));
}

/// What the CLI prints (stdout and stderr, text and JSON) after talking
/// to a server that puts ESC, OSC, CSI, C1 and bidi characters in every string it can.
#[test]
fn cli_output_never_carries_terminal_controls_from_the_server() {
    let sim = ExtSim::start_with(0.3, "sim-local-key", &["--scenario", "escape_injection"]);
    let mut outputs = Vec::new();
    for args in [
        &["generate", "one", "--wait"][..],
        &["generate", "two", "--count", "2", "--wait", "--json"],
        &["jobs"],
        &["jobs", "--json"],
        &["wait"],
    ] {
        let out = sim
            .cmd()
            .env("QIMG_LOG", "trace")
            .args(args)
            .output()
            .unwrap();
        outputs.push((args.join(" "), out.stdout));
        outputs.push((format!("{} (stderr)", args.join(" ")), out.stderr));
    }
    let (_, listed, _) = sim.run(&["jobs", "--json"]);
    assert!(listed.lines().count() >= 3, "{listed}");
    let logs = sim.root.path().join("data/logs");
    for entry in std::fs::read_dir(&logs).unwrap().flatten() {
        let name = format!("log {}", entry.file_name().to_string_lossy());
        outputs.push((name, std::fs::read(entry.path()).unwrap()));
    }
    assert!(
        outputs
            .iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains('\u{241b}')),
        "the server's escapes reached the output, made visible as ␛"
    );
    for (what, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| {
                (c.is_control() && c != '\n')
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            })
            .collect();
        assert!(bad.is_empty(), "`qimg {what}` printed {bad:?}:\n{text}");
    }
}
