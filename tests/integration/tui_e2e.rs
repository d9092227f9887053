//! The real binary in a pseudo-terminal against its built-in simulator.

use std::time::Duration;

use crate::pty::{PtyApp, hermetic_env};

const LONG: Duration = Duration::from_secs(60);

fn saved_pngs(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(root.join("data/images"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "png"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn type_a_prompt_submit_and_find_the_png() {
    let dir = tempfile::tempdir().unwrap();
    let env = hermetic_env(dir.path(), 1.0);
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    let first = app.wait_for("Compose", LONG);
    assert!(
        first.contains("SIMULATOR"),
        "the header says it is the simulator:\n{first}"
    );
    app.type_text("a red kite over dunes, quiet");
    app.send(b"\x13"); // Ctrl-S
    app.wait_for("job ", LONG);
    let screen = app.wait_for("✓ done", LONG);
    assert!(screen.contains("a red kite over dunes"), "{screen}");
    let pngs = saved_pngs(dir.path());
    assert_eq!(pngs.len(), 1, "{pngs:?}");
    let img = image::open(&pngs[0]).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (1024, 1024),
        "1:1 is the default ratio"
    );
    app.send(b"\x03"); // Ctrl-C
    let status = app.wait_exit(LONG);
    assert!(status.success(), "{status:?}");
    assert!(!app.alternate_screen(), "left the alternate screen");
}

#[test]
fn repeated_ctrl_s_over_a_laggy_link_sends_one_job() {
    let dir = tempfile::tempdir().unwrap();
    let env = hermetic_env(dir.path(), 0.5);
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    app.wait_for("Compose", LONG);
    app.type_text("three presses");
    app.send(b"\x13\x13\x13");
    app.wait_for("✓ done", LONG);
    std::thread::sleep(Duration::from_millis(500));
    assert!(app.screen().contains("1 listed"), "{}", app.screen());
    app.send(b"\x03");
    app.wait_exit(LONG);
    assert_eq!(saved_pngs(dir.path()).len(), 1);
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let env = hermetic_env(dir.path(), 1.0);
    let mut app = PtyApp::spawn(&[], &env, 100, 30);
    app.wait_for("Compose", LONG);
    let pid = app.pid();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let status = app.wait_exit(LONG);
    assert_eq!(status.exit_code(), 128 + 15);
    assert!(!app.alternate_screen());
    let raw = String::from_utf8_lossy(&app.raw()).into_owned();
    assert!(
        raw.contains("\x1b[?2004l") && raw.contains("\x1b[?1004l"),
        "bracketed paste and focus reports are switched off"
    );
}

#[test]
fn a_panic_is_reported_on_a_restored_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = hermetic_env(dir.path(), 1.0);
    env.push(("QIMG_TEST_PANIC", "render".into()));
    let mut app = PtyApp::spawn(&[], &env, 100, 30);
    let status = app.wait_exit(LONG);
    assert!(!status.success());
    assert!(
        !app.alternate_screen(),
        "the panic hook left the alternate screen"
    );
    let raw = String::from_utf8_lossy(&app.raw()).into_owned();
    assert!(
        raw.contains("QIMG_TEST_PANIC"),
        "the report is printed after the restore"
    );
    let report = raw.find("QIMG_TEST_PANIC").unwrap();
    for (seq, what) in [
        ("\x1b[?2004l", "bracketed paste off"),
        ("\x1b[?1004l", "focus reports off"),
        ("\x1b[?25h", "cursor shown"),
        ("\x1b[?1049l", "main screen"),
    ] {
        assert!(
            raw[..report].contains(seq),
            "{what} before the report is printed"
        );
    }
}

#[test]
fn edit_a_finished_image_through_the_gateway_profile() {
    let dir = tempfile::tempdir().unwrap();
    let env = hermetic_env(dir.path(), 0.5);
    let mut app = PtyApp::spawn(&["--profile", "sim-gateway"], &env, 120, 40);
    let screen = app.wait_for("Compose", LONG);
    assert!(
        screen.contains("profile sim-gateway") && screen.contains("qwen-image-plus"),
        "{screen}"
    );
    app.type_text("a harbour at dawn");
    app.send(b"\x13");
    app.wait_for("✓ done", LONG);
    app.send(b"\x1bOR"); // F3: the job list
    app.wait_for("use as reference", LONG);
    app.send(b"u");
    let screen = app.wait_for("image set as reference", LONG);
    assert!(screen.contains("qwen-image-edit"), "{screen}");
    app.send(b"\x13");
    // Two jobs, both done, and the edit's preview on screen.
    let deadline = std::time::Instant::now() + LONG;
    loop {
        let pngs = saved_pngs(dir.path());
        let s = app.screen();
        if pngs.len() == 2
            && s.matches("✓ done").count() >= 2
            && (s.contains('▀') || s.contains('▄'))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "edit not previewed:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    app.send(b"\x03");
    assert!(app.wait_exit(LONG).success());
}

#[test]
fn term_dumb_gets_a_message_not_a_broken_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = hermetic_env(dir.path(), 1.0);
    env.push(("TERM", "dumb".into()));
    let mut app = PtyApp::spawn(&[], &env, 80, 24);
    let status = app.wait_exit(LONG);
    assert_eq!(status.exit_code(), 2, "a usage error");
    // The reader thread may still be catching up with the last bytes.
    app.wait_raw("the message", LONG, |b| {
        String::from_utf8_lossy(b).contains("TERM=dumb cannot show the terminal UI")
    });
    assert!(
        !app.raw().contains(&0x1b),
        "no escape sequence on a dumb terminal"
    );
}

#[test]
fn a_ten_megabyte_paste_is_cut_with_a_notice_and_the_app_stays_responsive() {
    let dir = tempfile::tempdir().unwrap();
    let env = hermetic_env(dir.path(), 1.0);
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    app.wait_for("Compose", LONG);
    let mut paste = b"\x1b[200~".to_vec();
    while paste.len() < 10 * 1024 * 1024 {
        paste.extend_from_slice("lorem ipsum 猫 dolor\n".as_bytes());
    }
    paste.extend_from_slice(b"\x1b[201~");
    app.send(&paste);
    let screen = app.wait_for("the paste was cut at 64 KiB", LONG);
    assert!(screen.contains("lorem ipsum"), "{screen}");
    // Still answering keys: the help opens and closes, Ctrl-C quits.
    app.send(b"\x1bOP"); // F1
    app.wait_for("Help · keys · Esc closes", LONG);
    app.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    app.send(b"\x03");
    let status = app.wait_exit(LONG);
    assert!(status.success(), "{status:?}");
    assert!(!app.alternate_screen());
}
