//! The escape sequences qimg writes for previews, read from a real pty: an image is sent once
//! per (image, area), again only after something covered it, and never while idle.

use std::time::Duration;

use crate::pty::{PtyApp, hermetic_env, qimg_ok};

const LONG: Duration = Duration::from_secs(60);
const QUIET: Duration = Duration::from_millis(1200);

/// Sixel images in `raw`: `ESC P`, numeric parameters, then `q`.
fn sixels(raw: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i + 1 < raw.len() {
        if raw[i] == 0x1b && raw[i + 1] == b'P' {
            let mut j = i + 2;
            while j < raw.len() && (raw[j].is_ascii_digit() || raw[j] == b';') {
                j += 1;
            }
            if raw.get(j) == Some(&b'q') {
                n += 1;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    n
}

#[test]
fn sixel_counting_sees_parameters_and_ignores_other_dcs() {
    assert_eq!(sixels(b"\x1bPq#0\x1b\\ \x1bP0;1;0q#1\x1b\\"), 2);
    assert_eq!(sixels(b"\x1bP>|xterm\x1b\\ \x1bP$qm\x1b\\"), 0);
}

fn generate(env: &[(&str, String)], prompt: &str, aspect: &str) {
    qimg_ok(env, &["generate", prompt, "--aspect", aspect, "--wait"]);
}

#[test]
fn each_image_is_sent_once_per_view_and_never_while_idle() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = hermetic_env(dir.path(), 0.2);
    generate(&env, "first: a tall one", "3:4");
    generate(&env, "second: a wide one", "16:9");
    env.retain(|(k, _)| *k != "QIMG_IMAGE_PROTOCOL");
    env.push(("QIMG_IMAGE_PROTOCOL", "sixel".into()));
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    let count = |app: &PtyApp| sixels(&app.raw());
    let expect = |app: &PtyApp, n: usize, why: &str| {
        app.wait_raw(why, LONG, |raw| sixels(raw) >= n);
        app.settle(QUIET, LONG);
        assert_eq!(count(app), n, "{why}: sent {} times", count(app));
    };

    expect(&app, 1, "the selected job's preview");
    let idle_from = app.raw().len();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        app.raw().len(),
        idle_from,
        "idle with a preview writes nothing"
    );

    app.send(b"\x1bOR"); // F3: the job list
    app.settle(QUIET, LONG);
    assert_eq!(count(&app), 1, "moving the focus does not resend");
    app.send(b"j");
    expect(&app, 2, "the next job's image");
    app.send(b"k");
    expect(&app, 3, "back to the first image");
    app.send(b"k"); // already at the top: nothing changes
    app.settle(QUIET, LONG);
    assert_eq!(count(&app), 3, "an unchanged selection sends nothing");

    app.send(b"\x1bOP"); // F1: help covers the image
    app.wait_for("Esc closes", LONG);
    app.settle(QUIET, LONG);
    assert_eq!(count(&app), 3, "nothing is sent under the overlay");
    app.send(b"\x1b");
    expect(&app, 4, "the overlay closed: the image is drawn again");

    app.send(b"\x1b[I"); // focus gained
    expect(&app, 5, "focus came back");
    app.send(b"\x1b[O"); // focus lost
    app.settle(QUIET, LONG);
    assert_eq!(count(&app), 5, "losing focus sends nothing");

    app.resize(140, 44); // still the three-pane layout, with a bigger preview
    expect(&app, 6, "a resize");

    let idle_from = app.raw().len();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(app.raw().len(), idle_from, "idle again: nothing written");

    app.send(b"\x03");
    let status = app.wait_exit(LONG);
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_grid_view_of_nine_jobs_sends_each_thumbnail_once_and_nothing_while_idle() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = hermetic_env(dir.path(), 0.2);
    let grid = "generate|a kite|--grid|seed=1,2,3|--grid|aspect=1:1,16:9,9:16|--wait";
    qimg_ok(&env, &grid.split('|').collect::<Vec<_>>());
    env.retain(|(k, _)| *k != "QIMG_IMAGE_PROTOCOL");
    env.push(("QIMG_IMAGE_PROTOCOL", "sixel".into()));
    // Tall enough for all three rows of thumbnails.
    let mut app = PtyApp::spawn(&[], &env, 120, 52);
    app.wait_raw("the selected job's preview", LONG, |raw| sixels(raw) >= 1);
    app.settle(QUIET, LONG);
    let before = sixels(&app.raw());
    app.send(b"\x1bOR"); // F3: the job list
    app.settle(QUIET, LONG);
    app.send(b"V");
    app.wait_for("Batch", LONG);
    app.wait_raw("nine thumbnails", LONG, |raw| sixels(raw) >= before + 9);
    app.settle(QUIET, LONG);
    assert_eq!(sixels(&app.raw()), before + 9, "each thumbnail once");
    let idle_from = app.raw().len();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        app.raw().len(),
        idle_from,
        "idle with the grid: nothing written"
    );
    app.send(b"\x03");
    let status = app.wait_exit(LONG);
    assert!(status.success(), "{status:?}");
}
