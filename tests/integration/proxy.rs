//! Proxy variables: HTTPS to the API goes through the proxy only as a
//! `CONNECT` tunnel, so the proxy never sees the key; loopback (the simulator) never goes
//! through a proxy at all.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use assert_cmd::cargo::CommandCargoExt;

use crate::cli_cmds::ExtSim;

const CANARY: &str = "afk_CANARY_proxy_5e1d9c3b";

/// A proxy that records everything it is sent and refuses every request with a 502.
fn fake_proxy() -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut buf = [0u8; 8192];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            log.lock().unwrap().extend_from_slice(&got);
            let _ = conn.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, seen)
}

#[test]
fn https_goes_through_the_proxy_only_as_a_tunnel_and_the_key_never_shows() {
    let (proxy, seen) = fake_proxy();
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let file = config.join("config.toml");
    std::fs::write(
        &file,
        "default_profile = \"remote\"\n[profiles.remote]\nprovider = \"apiframe\"\n\
         base_url = \"https://api.example.invalid\"\napi_key_env = \"QIMG_PROXY_TEST_KEY\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = std::process::Command::cargo_bin("qimg")
        .unwrap()
        .args(["generate", "a tunnel", "--wait"])
        .env("QIMG_CONFIG_DIR", &config)
        .env("QIMG_DATA_DIR", root.path().join("data"))
        .env("QIMG_CACHE_DIR", root.path().join("cache"))
        .env("QIMG_PROXY_TEST_KEY", CANARY)
        .env("HTTPS_PROXY", &proxy)
        .env("https_proxy", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the proxy refuses everything: {stderr}"
    );
    assert!(stderr.contains("not sent"), "{stderr}");
    let seen = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    let requests: Vec<&str> = seen
        .split("\r\n\r\n")
        .filter(|r| !r.is_empty())
        .map(|r| r.lines().next().unwrap_or(""))
        .collect();
    assert!(!requests.is_empty(), "the proxy was used");
    assert!(
        requests
            .iter()
            .all(|l| l.starts_with("CONNECT api.example.invalid:443 ")),
        "only tunnels: {requests:?}"
    );
    assert!(!seen.contains(CANARY), "the proxy saw the key: {seen}");
    assert!(!seen.contains("/v2/"), "the proxy saw the API path: {seen}");
}

#[test]
fn loopback_never_goes_through_a_proxy() {
    let (proxy, seen) = fake_proxy();
    let sim = ExtSim::start(0.3);
    let out = sim
        .cmd()
        .args(["generate", "no proxy here", "--wait"])
        .env("HTTP_PROXY", &proxy)
        .env("http_proxy", &proxy)
        .env("ALL_PROXY", &proxy)
        .env("all_proxy", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(seen.lock().unwrap().is_empty(), "the proxy was asked");
    assert_eq!(sim.stats()["jobs_created"], 1);
}
