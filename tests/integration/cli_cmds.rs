//! Every headless command and exit code, against a `qimg sim` process.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

/// A `qimg sim` child process and a config whose profiles point at it.
pub struct ExtSim {
    child: Child,
    pub url: String,
    pub root: tempfile::TempDir,
}

impl ExtSim {
    pub fn start(job_seconds: f64) -> Self {
        Self::start_with_key(job_seconds, "sim-local-key")
    }

    pub fn start_with_key(job_seconds: f64, key: &str) -> Self {
        Self::start_with(job_seconds, key, &[])
    }

    /// A simulator with extra `qimg sim` arguments (`--scenario …`).
    pub fn start_with(job_seconds: f64, key: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qimg"))
            .args([
                "sim",
                "--port",
                "0",
                "--job-seconds",
                &job_seconds.to_string(),
                "--key",
                key,
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_owned();
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("config")).unwrap();
        let cfg = format!(
            "default_profile = \"af\"\n\
             [profiles.af]\nprovider = \"sim\"\nbase_url = \"{url}\"\nmodel = \"qwen-image-2\"\n\
             [profiles.gw]\nprovider = \"sim\"\nbase_url = \"{url}\"\nmodel = \"qwen-image-plus\"\ntimeout_secs = 2\n\
             [profiles.wrongkey]\nprovider = \"sim\"\nbase_url = \"{url}\"\napi_key = \"not-the-key\"\n\
             [profiles.down]\nprovider = \"apiframe\"\nbase_url = \"http://127.0.0.1:9\"\napi_key = \"afk_x\"\n\
             [profiles.nokey]\nprovider = \"apiframe\"\napi_key_env = \"QIMG_TEST_SURELY_UNSET\"\n"
        );
        let file = root.path().join("config/config.toml");
        std::fs::write(&file, cfg).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        Self { child, url, root }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("qimg").unwrap();
        c.env("QIMG_CONFIG_DIR", self.root.path().join("config"))
            .env("QIMG_DATA_DIR", self.root.path().join("data"))
            .env("QIMG_CACHE_DIR", self.root.path().join("cache"))
            .env_remove("QIMG_PROFILE")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn stats(&self) -> serde_json::Value {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(format!("{}/__sim/stats", self.url))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    }
}

impl ExtSim {
    /// The requests the simulator accepted, oldest first (`/__sim/requests`).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(format!("{}/__sim/requests", self.url))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    }
}

impl Drop for ExtSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn generate_wait_json_and_exit_0() {
    let sim = ExtSim::start(0.3);
    let (code, out, err) = sim.run(&["generate", "a red kite", "--count", "2", "--wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    let jobs = json_lines(&out);
    assert_eq!(jobs.len(), 2);
    assert_ne!(
        jobs[0]["parameters"]["seed"], jobs[1]["parameters"]["seed"],
        "each job its own seed"
    );
    for j in &jobs {
        assert_eq!(j["state"], "done");
        let f = j["files"][0].as_str().unwrap();
        assert_eq!(image::open(f).unwrap().width(), 1024);
    }
    let (code, out, _) = sim.run(&[
        "generate",
        "fixed",
        "--count",
        "2",
        "--seed",
        "9",
        "--seed-mode",
        "fixed",
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert!(
        json_lines(&out)
            .iter()
            .all(|j| j["parameters"]["seed"] == 9)
    );
}

#[test]
fn prompt_from_stdin_and_paths_without_json() {
    let sim = ExtSim::start(0.2);
    let mut child = sim
        .cmd()
        .args(["generate", "-", "--wait"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from stdin\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "the id, then the path: {text}");
    assert!(lines[1].ends_with("_from-stdin.png"), "{text}");
}

#[test]
fn without_wait_ids_come_at_once_and_wait_finishes_them() {
    let sim = ExtSim::start(1.0);
    let (code, out, _) = sim.run(&["generate", "later"]);
    assert_eq!(code, 0);
    let id = out.trim().to_owned();
    assert_eq!(id.len(), 36, "{out}");
    let (_, listed, _) = sim.run(&["jobs", "--status", "active", "--json"]);
    assert_eq!(json_lines(&listed)[0]["id"], id.as_str());
    let (code, out, err) = sim.run(&["wait", &id[..8]]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().ends_with(".png"));
    let (_, listed, _) = sim.run(&["jobs", "--status", "done"]);
    assert!(listed.contains(&id[..8]));
}

#[test]
fn exit_codes_1_2_3_4() {
    let sim = ExtSim::start(0.3);
    let (code, _, err) = sim.run(&["generate", "x [sim:fail]", "--wait"]);
    assert_eq!(code, 1, "a job failed: {err}");
    assert!(err.contains("content policy"), "{err}");
    let (code, _, err) = sim.run(&["generate", "x", "--aspect", "5:4"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = sim.run(&["--profile", "ghost", "jobs"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = sim.run(&["--profile", "wrongkey", "generate", "x", "--wait"]);
    assert_eq!(code, 3, "auth: {err}");
    let (code, _, err) = sim.run(&["--profile", "down", "generate", "x", "--wait"]);
    assert_eq!(code, 3, "network: {err}");
    let (code, _, err) = sim.run(&["--profile", "gw", "generate", "x [sim:hang]", "--wait"]);
    assert_eq!(code, 4, "ambiguous: {err}");
    let (code, _, _) = sim.run(&["generate", "slow [sim:unknown]", "--wait", "--timeout", "2"]);
    assert_eq!(code, 4, "timed out waiting");
}

#[test]
fn edit_works_for_both_providers() {
    let sim = ExtSim::start(0.3);
    let input = sim.root.path().join("in.png");
    std::fs::write(&input, crate::common::png(600, 400)).unwrap();
    let input = input.display().to_string();
    let (code, out, err) = sim.run(&["edit", &input, "make it night", "--wait", "--json"]);
    assert_eq!(code, 0, "apiframe: {err}");
    assert_eq!(
        json_lines(&out)[0]["parameters"]["images"][0],
        input.as_str()
    );
    let (code, out, err) = sim.run(&[
        "--profile",
        "gw",
        "edit",
        &input,
        "make it night",
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0, "gateway: {err}");
    let j = &json_lines(&out)[0];
    assert_eq!(j["model"], "qwen-image-edit");
    assert_eq!(
        image::open(j["files"][0].as_str().unwrap())
            .unwrap()
            .width(),
        600
    );
    let s = sim.stats();
    assert_eq!(
        (s["uploads"].as_u64(), s["gateway_edits"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn a_batch_of_50_runs_and_every_path_is_in_the_json() {
    let sim = ExtSim::start(0.3);
    let batch = sim.root.path().join("batch.txt");
    let mut text = String::from("# fifty prompts\n");
    for i in 0..40 {
        text.push_str(&format!("prompt number {i}\n"));
    }
    for i in 0..10 {
        text.push_str(&format!(
            "{{\"prompt\": \"json prompt {i}\", \"aspect\": \"16:9\", \"seed\": {i}}}\n"
        ));
    }
    std::fs::write(&batch, text).unwrap();
    let (code, out, err) = sim.run(&[
        "generate",
        "--batch",
        batch.to_str().unwrap(),
        "--wait",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let jobs = json_lines(&out);
    assert_eq!(jobs.len(), 50);
    for j in &jobs {
        assert_eq!(j["state"], "done");
        assert!(std::path::Path::new(j["files"][0].as_str().unwrap()).is_file());
    }
    assert_eq!(jobs[45]["parameters"]["aspect_ratio"], "16:9");
    assert_eq!(sim.stats()["jobs_created"], 50, "each sent once");
}

#[test]
fn interrupting_a_batch_keeps_every_job_resumable() {
    let sim = ExtSim::start(2.0);
    let batch = sim.root.path().join("b.txt");
    std::fs::write(
        &batch,
        (0..12).map(|i| format!("p{i}\n")).collect::<String>(),
    )
    .unwrap();
    let child = sim
        .cmd()
        .args(["generate", "--batch", batch.to_str().unwrap(), "--wait"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("kept in the store"));
    let (_, listed, _) = sim.run(&["jobs", "--json"]);
    assert_eq!(json_lines(&listed).len(), 12, "every job is in the store");
    let (code, out, err) = sim.run(&["wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(json_lines(&out).iter().all(|j| j["state"] == "done"));
    let (_, listed, _) = sim.run(&["jobs", "--status", "done"]);
    assert_eq!(listed.lines().count(), 12);
    assert_eq!(sim.stats()["jobs_created"], 12, "nothing sent twice");
}

#[test]
fn follow_streams_jobs_other_processes_create() {
    let sim = ExtSim::start(0.3);
    let mut follow = sim
        .cmd()
        .args(["follow", "--jsonl"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follow.stdout.take().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let (code, out, _) = sim.run(&["generate", "followed", "--wait", "--json"]);
    assert_eq!(code, 0);
    let id = json_lines(&out)[0]["id"].as_str().unwrap().to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut states = Vec::new();
    while std::time::Instant::now() < deadline && !states.contains(&"done".to_owned()) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            if v["id"] == id.as_str() {
                states.push(v["state"].as_str().unwrap().to_owned());
                if v["state"] == "done" {
                    assert_eq!(
                        v["cost"],
                        serde_json::json!({"amount": 3.0, "unit": "credits", "basis": "charged"}),
                        "the cost as reported: {v}"
                    );
                } else if v["state"] == "queued" {
                    assert_eq!(v["cost"]["basis"], "none", "{v}");
                }
            }
        }
    }
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(states.contains(&"done".to_owned()), "{states:?}");
    let (code, line, _) = sim.run(&["follow", "--line", "--once"]);
    assert_eq!(code, 0);
    assert!(line.starts_with("qimg ◐0 ✓1"), "{line}");
    assert!(
        line.trim_end().ends_with("· today 3 credits"),
        "today's spend: {line}"
    );
    let (code, out, err) = sim.run(&["spend", "--by", "model", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["group"], "qwen-image-2");
    assert_eq!(
        rows[0]["charged"]["credits"], 3.0,
        "the simulator reports creditCost 3"
    );
    assert_eq!(rows.last().unwrap()["today"]["jobs"], 1);
    let (code, _, err) = sim.run(&["spend", "--since", "yesterday"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn show_config_check_and_completions() {
    let sim = ExtSim::start(0.2);
    let (_, out, _) = sim.run(&["generate", "to show", "--wait"]);
    let id = out.lines().next().unwrap().to_owned();
    let (code, out, err) = sim.run(&["show", &id[..8]]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().ends_with(".png") && err.contains("not a terminal"));
    let (code, _, err) = sim.run(&["show", "nope"]);
    assert_eq!(code, 2, "{err}");
    let (code, out, _) = sim.run(&["config", "check"]);
    assert_eq!(code, 2, "the nokey profile cannot be used:\n{out}");
    assert!(out.contains("QIMG_TEST_SURELY_UNSET is not set"), "{out}");
    assert!(
        out.contains("wrongkey") && !out.contains("afk_x") && !out.contains("not-the-key"),
        "keys are never shown:\n{out}"
    );
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = sim.run(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(out.contains("qimg"));
    }
}

#[test]
fn dumb_terminals_and_no_color_still_work() {
    let sim = ExtSim::start(0.2);
    let out = sim
        .cmd()
        .args(["generate", "plain", "--wait"])
        .env("TERM", "dumb")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\x1b'));
}
