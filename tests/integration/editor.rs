//! The prompt in the user's editor, in a real pty: the TUI gives the terminal to `$EDITOR`,
//! takes it back, redraws, and holds the edited text; a failing editor changes nothing.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::pty::{PtyApp, hermetic_env};

const LONG: Duration = Duration::from_secs(60);

/// A script that appends to the file it is given and records that it saw a terminal.
fn editor_script(dir: &std::path::Path) -> String {
    let path = dir.join("fake-editor.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\n[ -t 0 ] && echo tty > \"$(dirname \"$0\")/saw-a-terminal\"\nprintf '%s, edited in the editor\\n' \"$(cat \"$1\")\" > \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn the_editor_edits_the_prompt_and_the_tui_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = hermetic_env(dir.path(), 0.2);
    env.push(("VISUAL", editor_script(dir.path())));
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    app.wait_for("Prompt", LONG);
    app.type_text("a lighthouse");
    app.wait_for("a lighthouse", LONG);
    app.send(b"\x18"); // Ctrl-X: the editor
    app.wait_for("a lighthouse, edited in the editor", LONG);
    assert!(
        app.alternate_screen(),
        "the TUI is back on the alternate screen"
    );
    assert!(
        dir.path().join("saw-a-terminal").exists(),
        "the editor had the terminal"
    );
    // Keys reach the TUI again.
    app.type_text(" at dusk");
    app.wait_for("edited in the editor at dusk", LONG);
    app.send(b"\x03");
    assert!(app.wait_exit(LONG).success());
    assert!(!app.alternate_screen(), "the terminal is restored");
}

#[test]
fn a_failing_editor_is_a_notice_and_the_text_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = hermetic_env(dir.path(), 0.2);
    env.push(("VISUAL", "false".into()));
    let mut app = PtyApp::spawn(&[], &env, 120, 40);
    app.wait_for("Prompt", LONG);
    app.type_text("keep me");
    app.wait_for("keep me", LONG);
    app.send(b"\x18");
    let screen = app.wait_for("the text was not changed", LONG);
    assert!(screen.contains("keep me"), "{screen}");
    app.send(b"\x03");
    assert!(app.wait_exit(LONG).success());
}
