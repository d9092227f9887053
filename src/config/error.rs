//! `ConfigError`: what is wrong with `config.toml`, with the file, line, column and field named.

use std::path::PathBuf;

/// A configuration problem that stops qimg from starting (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file could not be parsed, or a value in it is not allowed.
    #[error("config error in {path}, line {line}, column {column}{}: {message}", field_suffix(.field))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending value (0 when unknown).
        line: usize,
        /// 1-based column of the offending value (0 when unknown).
        column: usize,
        /// Dotted path of the field, such as `profiles.studio.provider`, when known.
        field: Option<String>,
        /// What is wrong, already sanitised.
        message: String,
    },
    /// `--profile`, `QIMG_PROFILE` or `default_profile` names a profile that does not exist.
    #[error("no profile named `{name}`; available profiles: {available}")]
    UnknownProfile {
        /// The requested name (sanitised).
        name: String,
        /// The names that exist, comma separated.
        available: String,
    },
    /// The home directory could not be found and no overrides were given.
    #[error(transparent)]
    NoHome(#[from] super::paths::NoHomeDir),
}

fn field_suffix(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|f| format!(", field `{f}`"))
        .unwrap_or_default()
}

/// Turns a byte offset into a 1-based (line, column) pair, counting columns in characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 11), (2, 6));
        assert_eq!(line_col(t, 999), (3, 1));
    }

    #[test]
    fn message_names_file_line_and_field() {
        let e = ConfigError::Invalid {
            path: PathBuf::from("/c/config.toml"),
            line: 3,
            column: 12,
            field: Some("profiles.a.provider".into()),
            message: "unknown variant `x`".into(),
        };
        assert_eq!(
            e.to_string(),
            "config error in /c/config.toml, line 3, column 12, field `profiles.a.provider`: unknown variant `x`"
        );
    }
}
