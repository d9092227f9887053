//! Editing a long prompt in the user's editor: `$VISUAL`, else `$EDITOR`, else `vi`, run by
//! `sh -c` (so `EDITOR="code -w"` works) on a private temporary file, with no secret in its
//! environment. The caller gives it the terminal first and takes it back after.

use std::ffi::OsString;
use std::io::Write;
use std::process::Command;

/// Why the edit did not happen (the text in the form stays as it was).
#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    /// The temporary file could not be made or read.
    #[error("cannot prepare the file for the editor: {0}")]
    File(#[from] std::io::Error),
    /// The editor could not be started.
    #[error("cannot start the editor {editor:?}: {why}")]
    Start {
        /// The command.
        editor: String,
        /// The OS error.
        why: String,
    },
    /// The editor ended with a failure (`:cq` in vi): the edit is discarded.
    #[error("the editor {editor:?} ended with status {code}; the text was not changed")]
    Failed {
        /// The command.
        editor: String,
        /// Its exit status.
        code: i32,
    },
}

/// The editor command the environment names.
pub fn editor_command(var: impl Fn(&str) -> Option<OsString>) -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| var(v))
        .map(|v| v.to_string_lossy().trim().to_owned())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

/// Runs the editor on `text` and returns what it saved (one trailing newline removed).
/// Blocks until the editor ends; the terminal must be given to it first.
pub fn edit(text: &str, key_vars: &[String]) -> Result<String, EditorError> {
    let editor = editor_command(|v| std::env::var_os(v));
    let mut file = tempfile::Builder::new()
        .prefix("qimg-prompt-")
        .suffix(".txt")
        .tempfile()?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    let path = file.path().to_path_buf();
    let env = std::env::vars_os().filter(|(k, _)| !super::external::holds_secret(k, key_vars));
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("qimg-editor")
        .arg(&path)
        .env_clear()
        .envs(env)
        .status()
        .map_err(|e| EditorError::Start {
            editor: editor.clone(),
            why: e.to_string(),
        })?;
    match status.code() {
        Some(0) => {}
        // 127: sh could not find the command.
        Some(127) => {
            return Err(EditorError::Start {
                editor,
                why: "command not found".into(),
            });
        }
        code => {
            return Err(EditorError::Failed {
                editor,
                code: code.unwrap_or(-1),
            });
        }
    }
    let edited = std::fs::read_to_string(&path)?;
    let edited = edited.strip_suffix('\n').unwrap_or(&edited);
    Ok(edited.strip_suffix('\r').unwrap_or(edited).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_wins_then_editor_then_vi() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(
            editor_command(env(&[("VISUAL", "nano"), ("EDITOR", "ed")])),
            "nano"
        );
        assert_eq!(
            editor_command(env(&[("VISUAL", " "), ("EDITOR", "code -w")])),
            "code -w"
        );
        assert_eq!(editor_command(env(&[])), "vi");
    }
}
