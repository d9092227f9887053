//! The binary from the outside: config errors, refusals without a terminal, `qimg sim`.

use assert_cmd::Command;
use std::io::{BufRead, BufReader};
use std::time::Duration;

fn qimg(root: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("qimg").unwrap();
    c.env("QIMG_CONFIG_DIR", root.join("config"))
        .env("QIMG_DATA_DIR", root.join("data"))
        .env("QIMG_CACHE_DIR", root.join("cache"))
        .env_remove("QIMG_PROFILE");
    c
}

fn write_config(root: &std::path::Path, text: &str) {
    std::fs::create_dir_all(root.join("config")).unwrap();
    std::fs::write(root.join("config/config.toml"), text).unwrap();
}

#[test]
fn a_bad_config_names_file_line_and_field_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "theme = \"default\"\n\n[profiles.studio]\nprovider = \"apiframee\"\n",
    );
    let out = qimg(dir.path())
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml")
            && err.contains("line 4")
            && err.contains("profiles.studio.provider"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn plain_http_to_a_remote_host_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "[profiles.gw]\nprovider = \"openai\"\nbase_url = \"http://gateway.example\"\n",
    );
    let out = qimg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = qimg(dir.path())
        .args(["--profile", "ghost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no profile named `ghost`"));
}

#[test]
fn without_a_terminal_the_tui_refuses_politely() {
    let dir = tempfile::tempdir().unwrap();
    let out = qimg(dir.path()).write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

#[test]
fn help_documents_the_exit_codes() {
    let out = Command::cargo_bin("qimg")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "0  success",
        "1  a job failed",
        "2  a usage or config error",
        "3  a network or auth error",
        "4  ambiguous or timed out",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

#[test]
fn qimg_sim_prints_its_url_and_serves_stats() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qimg"))
        .args(["sim", "--port", "0", "--job-seconds", "0.2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stats: serde_json::Value = rt.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{url}/__sim/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(stats["jobs_created"], 0);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
