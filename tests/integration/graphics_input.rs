//! Graphics detection never costs a key and never holds up the first frame: the real binary in
//! a pty behind fake terminals (answering everything, only the status report, late, or not at
//! all), inside a detached tmux server, and the kitty payload the answers allow.

use std::time::Duration;

use crate::pty::{Answers, PtyApp, hermetic_env, qimg_ok};

const LONG: Duration = Duration::from_secs(60);

fn env_auto(root: &std::path::Path) -> Vec<(&'static str, String)> {
    let mut env = hermetic_env(root, 0.2);
    env.retain(|(k, _)| *k != "QIMG_IMAGE_PROTOCOL");
    env
}

/// The prompt field's text: the line after "Prompt" in the compose pane.
fn prompt_has(screen: &str, text: &str) -> bool {
    screen.lines().any(|l| l.contains(text))
}

#[test]
fn a_terminal_that_answers_only_the_status_report_loses_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let answers = Answers {
        status: true,
        ..Answers::default()
    };
    let mut app = PtyApp::spawn_answering(&[], &env_auto(dir.path()), 120, 40, Some(answers));
    app.wait_for("Prompt", LONG);
    println!("first frame after {:?}", app.started.elapsed());
    std::thread::sleep(Duration::from_millis(300));
    app.type_text("abc");
    let screen = app.wait_for("abc", LONG);
    assert!(prompt_has(&screen, "abc"), "{screen}");
    app.send(b"\x03");
    assert!(app.wait_exit(LONG).success());
}

#[test]
fn the_first_frame_does_not_wait_for_late_answers_and_late_answers_are_not_typed() {
    let dir = tempfile::tempdir().unwrap();
    // A slow link: every answer comes 2 s after its query, past qimg's deadline.
    let answers = Answers {
        status: true,
        kitty: true,
        kitty_compression: true,
        delay: Duration::from_secs(2),
        ..Answers::default()
    };
    let mut app = PtyApp::spawn_answering(&[], &env_auto(dir.path()), 120, 40, Some(answers));
    app.wait_for("Prompt", LONG);
    let first = app.started.elapsed();
    println!("first frame after {first:?}");
    assert!(
        first < Duration::from_secs(2),
        "the first frame was drawn before any answer could come"
    );
    app.type_text("abc");
    app.wait_for("abc", LONG);
    // The answers arrive now: recognised, used, and never typed.
    app.wait_for("kitty", LONG);
    app.settle(Duration::from_millis(500), LONG);
    app.type_text("d");
    let screen = app.wait_for("abcd", LONG);
    assert!(!screen.contains("Gi="), "{screen}");
    assert!(!screen.contains(";OK"), "{screen}");
    app.send(b"\x03");
    assert!(app.wait_exit(LONG).success());
}

#[test]
fn no_answer_at_all_keeps_every_key_and_says_so_then_asks_again_on_focus() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = PtyApp::spawn_answering(&[], &env_auto(dir.path()), 120, 40, None);
    app.wait_for("Prompt", LONG);
    app.type_text("abc");
    app.wait_for("abc", LONG);
    app.wait_for("did not answer", LONG);
    let probes = |app: &PtyApp| {
        String::from_utf8_lossy(&app.raw())
            .matches("\x1b_Gi=31,")
            .count()
    };
    assert_eq!(probes(&app), 1);
    app.send(b"\x1b[I"); // focus gained: the pane may be visible now
    app.wait_raw("a second probe", LONG, |raw| {
        String::from_utf8_lossy(raw).matches("\x1b_Gi=31,").count() == 2
    });
    app.type_text("d");
    app.wait_for("abcd", LONG);
    app.send(b"\x03");
    assert!(app.wait_exit(LONG).success());
}

/// kitty transmissions in `raw`: the control data of each first chunk (`a=T`).
fn transmissions(raw: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(raw)
        .split("\x1b_G")
        .skip(1)
        .filter_map(|c| c.split(';').next())
        .filter(|head| head.contains("a=T"))
        .map(str::to_owned)
        .collect()
}

fn kitty_run(compression: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let env = env_auto(dir.path());
    qimg_ok(&env, &["generate", "a kite over the sea", "--wait"]);
    let answers = Answers {
        status: true,
        kitty: true,
        kitty_compression: compression,
        ..Answers::default()
    };
    let mut app = PtyApp::spawn_answering(&[], &env, 120, 40, Some(answers));
    app.wait_raw("a kitty image", LONG, |raw| !transmissions(raw).is_empty());
    app.settle(Duration::from_millis(1200), LONG);
    let sent = transmissions(&app.raw());
    let bytes = app.raw().len();
    println!(
        "kitty (compression {compression}): {} transmissions, {bytes} bytes in all",
        sent.len()
    );
    app.send(b"\x03");
    assert!(app.wait_exit(LONG).success());
    sent
}

#[test]
fn kitty_previews_are_compressed_when_the_terminal_can_and_never_when_it_cannot() {
    let sent = kitty_run(true);
    assert_eq!(sent.len(), 1, "one image, one view, sent once: {sent:?}");
    assert!(
        sent[0].contains("f=100") || sent[0].contains("o=z"),
        "{sent:?}"
    );
    let plain = kitty_run(false);
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert!(
        !plain[0].contains("f=100") && !plain[0].contains("o=z"),
        "{plain:?}"
    );
    assert!(plain[0].contains("f=24"), "RGB, never RGBA: {plain:?}");
}

#[test]
fn a_hidden_tmux_pane_loses_no_key() {
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_err()
    {
        println!("skipped: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let env = env_auto(dir.path());
    let socket = dir.path().join("tmux.sock");
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    };
    let mut cmd = String::from("env");
    for (k, v) in &env {
        cmd += &format!(" {k}={}", shell_quote(v));
    }
    cmd += &format!(" {}", shell_quote(env!("CARGO_BIN_EXE_qimg")));
    let out = tmux(&["new-session", "-d", "-x", "120", "-y", "40", &cmd]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let capture = || String::from_utf8_lossy(&tmux(&["capture-pane", "-p"]).stdout).into_owned();
    let wait = |what: &str| {
        let deadline = std::time::Instant::now() + LONG;
        loop {
            let s = capture();
            if s.contains(what) {
                return s;
            }
            assert!(std::time::Instant::now() < deadline, "no {what:?} in:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait("Prompt");
    tmux(&["send-keys", "-l", "abc"]);
    wait("abc");
    // The probe through passthrough has no client to answer it.
    wait("did not answer");
    tmux(&["send-keys", "-l", "d"]);
    let screen = wait("abcd");
    assert!(!screen.contains("Gi="), "{screen}");
    tmux(&["kill-server"]);
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
