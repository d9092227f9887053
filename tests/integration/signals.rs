//! SIGTERM, SIGINT and SIGHUP (an SSH session that drops) sent to the TUI while a paid job is
//! running: the terminal is restored, the exit status says which signal, the store is intact,
//! and the job finishes on the next run without being sent again.

use std::time::Duration;

use rstest::rstest;

use crate::cli_cmds::ExtSim;
use crate::pty::PtyApp;

const LONG: Duration = Duration::from_secs(60);

/// Waits until the simulator has created the one job the test submitted.
fn wait_until_sent(sim: &ExtSim) {
    let deadline = std::time::Instant::now() + LONG;
    while sim.stats()["jobs_created"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the job never reached the server"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn tui_env(sim: &ExtSim) -> Vec<(&'static str, String)> {
    let root = sim.root.path();
    vec![
        ("QIMG_CONFIG_DIR", root.join("config").display().to_string()),
        ("QIMG_DATA_DIR", root.join("data").display().to_string()),
        ("QIMG_CACHE_DIR", root.join("cache").display().to_string()),
        ("QIMG_IMAGE_PROTOCOL", "halfblocks".to_owned()),
    ]
}

#[rstest]
#[case::sigterm("TERM", 15)]
#[case::sigint("INT", 2)]
#[case::sighup("HUP", 1)]
fn a_signal_mid_job_restores_the_terminal_and_loses_nothing(
    #[case] signal: &str,
    #[case] number: i32,
) {
    let sim = ExtSim::start(6.0);
    let mut app = PtyApp::spawn(&[], &tui_env(&sim), 110, 32);
    app.wait_for("Compose", LONG);
    app.type_text("a ferry crossing at night");
    app.send(b"\x13"); // Ctrl-S
    wait_until_sent(&sim);
    std::process::Command::new("kill")
        .args([&format!("-{signal}"), &app.pid().to_string()])
        .status()
        .unwrap();
    let status = app.wait_exit(Duration::from_secs(15));
    assert_eq!(
        status.exit_code(),
        u32::try_from(128 + number).unwrap(),
        "the exit status names the signal"
    );
    assert!(!app.alternate_screen(), "back on the main screen");
    let raw = String::from_utf8_lossy(&app.raw()).into_owned();
    assert!(
        raw.contains("\x1b[?2004l") && raw.contains("\x1b[?1004l") && raw.contains("\x1b[?25h"),
        "paste and focus reports off, cursor shown"
    );

    // The store is intact and the job is still there, unfinished, with nothing lost.
    let db = sim.root.path().join("data/qimg.db");
    let check: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let (_, listed, _) = sim.run(&["jobs", "--json"]);
    let jobs: Vec<serde_json::Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(jobs.len(), 1, "{listed}");
    assert_ne!(jobs[0]["state"], "done", "the job was still running");

    // The next run finishes it without sending it again.
    let (code, out, err) = sim.run(&["wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"done\""), "{out}");
    assert_eq!(sim.stats()["jobs_created"], 1, "nothing sent twice");
}

/// The SSH case for real: the terminal's master side closes, the kernel sends SIGHUP, and every
/// later write to the terminal fails with EIO. qimg must exit 129 at once (not hang, not abort
/// on a failed `eprintln!`) and keep the job. A 0×0 terminal (as some SSH clients report while
/// connecting) used to abort here: ratatui's "failed to show the cursor" message panicked on the
/// dead stderr, and the panic report panicked again.
///
/// The `no_sighup` cases ignore SIGHUP (a process orphaned from its session gets none): then
/// crossterm spins on the dead tty (crossterm#793) and only qimg's hangup watchdog can end it.
#[rstest]
#[case::normal_size(110, 32, false)]
#[case::zero_size(0, 0, false)]
#[case::normal_size_no_sighup(110, 32, true)]
#[case::zero_size_no_sighup(0, 0, true)]
fn a_terminal_that_hangs_up_mid_job_exits_cleanly_and_keeps_the_job(
    #[case] cols: u16,
    #[case] rows: u16,
    #[case] no_sighup: bool,
) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};

    let sim = ExtSim::start(6.0);
    let pair = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_qimg"));
    cmd.env("TERM", "xterm-256color");
    for (k, v) in tui_env(&sim) {
        cmd.env(k, v);
    }
    if no_sighup {
        cmd.env("QIMG_TEST_NO_SIGHUP", "1");
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    // Reads on this thread (no reader thread holding a copy of the master open), so dropping
    // the master below really hangs the terminal up.
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 65536];
    // At 0×0 nothing is drawn but the (empty) first frame, which comes after the signal
    // handlers and the watchdog are in place.
    let ready = if cols == 0 { "\x1b[?2026l" } else { "Compose" };
    while !String::from_utf8_lossy(&seen).contains(ready) {
        let n = reader.read(&mut buf).unwrap();
        assert!(n > 0, "the terminal closed early");
        seen.extend_from_slice(&buf[..n]);
    }
    // A 0×0 terminal shows no form to type into: it only hangs up.
    let with_job = cols > 0;
    if with_job {
        for c in "a night bus in the rain".chars() {
            write!(writer, "{c}").unwrap();
        }
        writer.write_all(b"\x13").unwrap();
        writer.flush().unwrap();
    }
    // Keep reading output (a full terminal buffer would block qimg) until the job is sent. A
    // watchdog kills qimg if it stops writing, so a blocked read cannot hang the test.
    let pid = child.process_id().unwrap();
    let (done, watchdog) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if watchdog.recv_timeout(LONG).is_err() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    while with_job && sim.stats()["jobs_created"] != 1 {
        let n = reader.read(&mut buf).unwrap_or(0);
        assert!(n > 0, "the job never reached the server");
    }
    if !with_job {
        // Past start-up, into the event loop (a hangup during start-up just ends the process:
        // there is nothing to save yet).
        std::thread::sleep(Duration::from_millis(300));
    }
    done.send(()).unwrap();
    drop((reader, writer, pair.master));

    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let pid = child.process_id().unwrap();
            let diag = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("echo STATE; grep State /proc/{pid}/status; echo THREADS; for t in /proc/{pid}/task/*; do echo $t $(cat $t/comm) $(cat $t/wchan); done; echo PTMX; for p in /proc/[0-9]*; do for f in $p/fd/*; do if [ \"$(readlink $f)\" = /dev/ptmx ]; then echo $p $(cat $p/comm) $(grep tty-index $p/fdinfo/${{f##*/}}); fi; done; done; echo SELF; ls -l /proc/{pid}/fd/0"))
                .output()
                .unwrap();
            // A spinning qimg must not outlive the test.
            let _ = child.kill();
            panic!(
                "qimg hung after the hangup\n{}",
                String::from_utf8_lossy(&diag.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.signal(), None, "killed by a signal: {status:?}");
    assert_eq!(status.exit_code(), 129, "{status:?}");

    if !with_job {
        return;
    }
    let (_, listed, _) = sim.run(&["jobs", "--json"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    let (code, out, err) = sim.run(&["wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"done\""), "{out}");
    assert_eq!(sim.stats()["jobs_created"], 1, "nothing sent twice");
}

/// SIGKILL (or the OOM killer) leaves no chance to clean up: the next start of the TUI picks the
/// job up where it was and finishes it, without sending it again.
#[test]
fn after_a_sigkill_the_next_tui_finishes_the_job_without_sending_it_again() {
    let sim = ExtSim::start(4.0);
    let mut app = PtyApp::spawn(&[], &tui_env(&sim), 120, 40);
    app.wait_for("Compose", LONG);
    app.type_text("a lantern festival");
    app.send(b"\x13");
    wait_until_sent(&sim);
    std::process::Command::new("kill")
        .args(["-KILL", &app.pid().to_string()])
        .status()
        .unwrap();
    let status = app.wait_exit(Duration::from_secs(15));
    assert_eq!(status.signal(), Some("Killed"), "{status:?}");

    let mut again = PtyApp::spawn(&[], &tui_env(&sim), 120, 40);
    let screen = again.wait_for("✓ done", LONG);
    assert!(screen.contains("a lantern festival"), "{screen}");
    again.send(b"\x03");
    assert!(again.wait_exit(LONG).success());
    assert_eq!(sim.stats()["jobs_created"], 1, "nothing sent twice");
    let pngs = std::fs::read_dir(sim.root.path().join("data/images"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert_eq!(pngs, 1);
}
