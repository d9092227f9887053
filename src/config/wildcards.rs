//! Wildcard files for prompt templates: `<config_dir>/wildcards/<name>.txt`, one choice per
//! line (blank lines and `#` comments skipped). Read once when the TUI starts and for each CLI
//! run; a folder that is not there means no wildcards.

use std::path::Path;

use crate::domain::template::Wildcards;

/// The largest wildcard file read.
const MAX_FILE: u64 = 1024 * 1024;
/// The most wildcard files read.
const MAX_FILES: usize = 1000;

/// Why the wildcards could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the wildcard file {path}: {why}")]
pub struct WildcardError {
    /// The file.
    pub path: String,
    /// What went wrong.
    pub why: String,
}

/// Reads every `*.txt` in `dir`.
pub fn load(dir: &Path) -> Result<Wildcards, WildcardError> {
    let mut out = Wildcards::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    let err = |path: &Path, why: String| WildcardError {
        path: path.display().to_string(),
        why,
    };
    for entry in entries.flatten().take(MAX_FILES) {
        let path = entry.path();
        let Some(name) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|_| path.extension().is_some_and(|e| e == "txt"))
        else {
            continue;
        };
        let meta = std::fs::metadata(&path).map_err(|e| err(&path, e.to_string()))?;
        if !meta.is_file() {
            continue;
        }
        if meta.len() > MAX_FILE {
            return Err(err(&path, format!("larger than {MAX_FILE} bytes")));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| err(&path, e.to_string()))?;
        out.0.insert(name.to_owned(), Wildcards::lines_of(&text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_files_become_wildcards_and_a_missing_folder_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            load(&dir.path().join("nope")).unwrap(),
            Wildcards::default()
        );
        std::fs::write(dir.path().join("colour.txt"), "# colours\nred\n\n blue \n").unwrap();
        std::fs::write(dir.path().join("notes.md"), "ignored").unwrap();
        let w = load(dir.path()).unwrap();
        assert_eq!(w.0.len(), 1);
        assert_eq!(w.0["colour"], ["red", "blue"]);
        std::fs::write(dir.path().join("bad.txt"), [0xff, 0xfe]).unwrap();
        let e = load(dir.path()).unwrap_err();
        assert!(e.to_string().contains("bad.txt"), "{e}");
    }
}
