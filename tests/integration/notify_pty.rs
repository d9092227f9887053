//! Notifications as the terminal receives them: the TUI in a pty watches jobs a `qimg generate`
//! makes; with focus in (the terminal sent `ESC [ I`) nothing is told, with focus out (`ESC [ O`)
//! exactly one OSC 9 arrives, inert even for a prompt carrying `ESC ] 0 ; x BEL`, wrapped for
//! tmux when `TMUX` is set; `notify_cmd` gets the job's JSON and no key; the title is put back.

use std::time::Duration;

use crate::pty::PtyApp;

const CANARY: &str = "afk_CANARY_notify_5d1e";
const INJECTED: &str = "kite \u{1b}]0;x\u{7} over the sea";

/// A config with the simulator (jobs of 2 s, so the TUI sees them running), a profile whose
/// key is in `QIMG_ZZ_AF` (a name no rule calls secret), and `notify_cmd` writing what it got.
fn env(root: &std::path::Path) -> Vec<(&'static str, String)> {
    let mut env = crate::pty::hermetic_env(root, 2.0);
    let cmd = format!("cat > {0}/got.json; env > {0}/env.txt", root.display());
    std::fs::write(
        root.join("config/config.toml"),
        format!(
            "notify = \"unfocused\"\nnotify_cmd = \"{cmd}\"\n\
             [profiles.sim]\nprovider = \"sim\"\nsim_job_seconds = 2\n\
             [profiles.real]\nprovider = \"apiframe\"\napi_key_env = \"QIMG_ZZ_AF\"\n"
        ),
    )
    .unwrap();
    env.extend([
        ("QIMG_PROFILE", "sim".to_owned()),
        ("QIMG_ZZ_AF", CANARY.to_owned()),
    ]);
    env
}

/// Runs `qimg generate PROMPT --wait` beside the TUI (same store) and waits for it.
fn generate(env: &[(&str, String)], prompt: &str) {
    crate::pty::qimg_ok(env, &["generate", prompt, "--wait"]);
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

fn position_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[test]
fn one_notification_while_unfocused_none_while_focused_inert_and_the_title_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let env = env(dir.path());
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    app.wait_for("Compose", Duration::from_secs(30));
    app.send(b"\x1b[I");
    generate(&env, "seen while focused");
    // The TUI saw it end: the title counts it.
    app.wait_raw(
        "the first job done in the title",
        Duration::from_secs(30),
        |r| count(r, "✓1\x07".as_bytes()) > 0,
    );
    assert_eq!(count(&app.raw(), b"\x1b]9;"), 0, "focused: no notification");
    app.send(b"\x1b[O");
    generate(&env, INJECTED);
    app.wait_raw("a notification", Duration::from_secs(30), |r| {
        count(r, b"\x1b]9;") > 0
    });
    let got = dir.path().join("got.json");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !(got.exists() && dir.path().join("env.txt").exists()) {
        assert!(std::time::Instant::now() < deadline, "notify_cmd never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    app.send(b"\x03");
    app.wait_exit(Duration::from_secs(30));
    let raw = app.raw();
    assert_eq!(count(&raw, b"\x1b]9;"), 1, "exactly one notification");
    let start = position_last(&raw, b"\x1b]9;").unwrap() + 4;
    let end = start + raw[start..].iter().position(|b| *b == 0x07).unwrap();
    let payload = String::from_utf8_lossy(&raw[start..end]).into_owned();
    assert!(
        payload.contains("done: kite ]0,x over the sea"),
        "{payload:?}"
    );
    assert!(!payload.chars().any(char::is_control), "inert: {payload:?}");
    assert_eq!(
        count(&raw, b"\x1b]0;x"),
        0,
        "the injected title never reached the terminal"
    );
    // The old title was saved before the first change and put back after the last.
    let saved = position_last(&raw, b"\x1b[22;0t").unwrap();
    let restored = position_last(&raw, b"\x1b[23;0t").expect("the title is put back");
    let last_title = position_last(&raw, b"\x1b]2;").unwrap();
    assert!(saved < last_title && last_title < restored);
    // notify_cmd: the job's JSON on stdin, and no key in its environment.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&got).unwrap()).unwrap();
    assert_eq!(
        (&json["event"], &json["state"]),
        (&"job_ended".into(), &"done".into())
    );
    assert_eq!(json["prompt"], INJECTED);
    let child_env = std::fs::read_to_string(dir.path().join("env.txt")).unwrap();
    assert!(!child_env.contains(CANARY), "the key reached notify_cmd");
    assert!(!child_env.contains("QIMG_ZZ_AF"), "{child_env}");
    assert!(
        child_env.contains("QIMG_DATA_DIR"),
        "the rest of the environment is kept"
    );
}

#[test]
fn inside_tmux_the_notification_goes_through_passthrough() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path());
    // A socket no tmux server listens on: qimg's own tmux calls fail harmlessly.
    env.push(("TMUX", format!("{}/no-tmux,1,0", dir.path().display())));
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    app.wait_for("Compose", Duration::from_secs(30));
    app.send(b"\x1b[O");
    generate(&env, "through tmux");
    app.wait_raw("a wrapped notification", Duration::from_secs(30), |r| {
        count(r, b"\x1bPtmux;\x1b\x1b]9;") > 0
    });
    app.send(b"\x03");
    app.wait_exit(Duration::from_secs(30));
    let raw = app.raw();
    assert_eq!(count(&raw, b"\x1bPtmux;\x1b\x1b]9;"), 1);
    assert_eq!(
        count(&raw, b"\x1b]9;") - count(&raw, b"\x1b\x1b]9;"),
        0,
        "no bare OSC 9 outside the wrapper"
    );
}
