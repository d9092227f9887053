//! Starting the system opener for a file or folder with no secret in its environment
//!: a viewer or a shell it starts must never see the user's key.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::{Command, Stdio};

/// Words in a variable name that say it may hold a secret. `AUTH` is not one of them: removing
/// `XAUTHORITY` would stop X11 viewers from opening at all.
const SECRET_WORDS: [&str; 5] = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"];

/// Whether the variable `name` may hold a secret: a profile reads its key from it
/// (`api_key_env`, whatever it is called), or its name says so.
pub fn holds_secret(name: &OsStr, key_vars: &[String]) -> bool {
    if key_vars.iter().any(|k| OsStr::new(k) == name) {
        return true;
    }
    let upper = name.to_string_lossy().to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// The command that opens `path` with `opener`: its environment is `env` without any variable
/// that may hold a secret, and it reads and writes nothing of the terminal's.
pub fn command(
    opener: &OsStr,
    path: &Path,
    env: impl IntoIterator<Item = (OsString, OsString)>,
    key_vars: &[String],
) -> Command {
    let mut cmd = Command::new(opener);
    cmd.arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_clear()
        .envs(env.into_iter().filter(|(k, _)| !holds_secret(k, key_vars)));
    cmd
}

/// Opens `path` with the system opener. The child is waited for on a thread of its own, so
/// no zombie is left behind and the UI never waits.
pub fn open(path: &Path, key_vars: &[String]) -> std::io::Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let mut child = command(OsStr::new(opener), path, std::env::vars_os(), key_vars).spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "afk_CANARY_7f3e9a1c";

    #[test]
    fn the_child_sees_no_key_whatever_its_variable_is_called() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("show-env.sh");
        std::fs::write(&script, "env\n").unwrap();
        let env = [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", "/home/someone".to_owned()),
            ("XAUTHORITY", "/run/user/1000/xauth".to_owned()),
            ("APIFRAME_API_KEY", CANARY.to_owned()),
            ("GATEWAY_TOKEN", CANARY.to_owned()),
            ("my_secret", CANARY.to_owned()),
            // A profile's `api_key_env` with a name that says nothing.
            ("APIFRAME_PASS_WORD_X", CANARY.to_owned()),
            ("QWEN_AUTH", CANARY.to_owned()),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let key_vars = ["APIFRAME_PASS_WORD_X".to_owned(), "QWEN_AUTH".to_owned()];
        let out = command(OsStr::new("sh"), &script, env, &key_vars)
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        let seen = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{seen}");
        assert!(!seen.contains(CANARY), "a key reached the child:\n{seen}");
        assert!(seen.contains("HOME=/home/someone"), "{seen}");
        assert!(seen.contains("XAUTHORITY="), "X11 viewers need it: {seen}");
    }

    #[test]
    fn names_that_say_secret() {
        for name in [
            "OPENAI_API_KEY",
            "gh_token",
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASSWORD",
        ] {
            assert!(holds_secret(OsStr::new(name), &[]), "{name}");
        }
        for name in ["PATH", "HOME", "XAUTHORITY", "DISPLAY", "TERM", "LANG"] {
            assert!(!holds_secret(OsStr::new(name), &[]), "{name}");
        }
        assert!(holds_secret(OsStr::new("QWEN"), &["QWEN".to_owned()]));
    }
}
