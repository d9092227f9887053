//! When qimg tells the user a job or a batch ended (`notify` in config.toml), and the text it
//! says: one line per job, one digest per batch, safe for a title or a notification.

/// When to notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyMode {
    /// Never.
    Off,
    /// Only while the terminal (or the tmux pane) does not have the focus.
    #[default]
    Unfocused,
    /// Always.
    Always,
}

impl NotifyMode {
    /// True when a notification goes out with the terminal `focused` or not.
    pub fn wants(self, focused: bool) -> bool {
        match self {
            Self::Off => false,
            Self::Unfocused => !focused,
            Self::Always => true,
        }
    }
}

/// Text made safe for an OSC string (a title, a notification): control characters, C1 and
/// bidi overrides become spaces, `;` (the OSC field separator of some terminals) a comma, and
/// the length is capped.
pub fn osc_safe(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => ' ',
            ';' => ',',
            c => c,
        })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.chars().count() > max {
        let cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_safe_text() {
        assert!(NotifyMode::Unfocused.wants(false) && !NotifyMode::Unfocused.wants(true));
        assert!(NotifyMode::Always.wants(true) && !NotifyMode::Off.wants(false));
        let hostile = "done \u{1b}]0;x\u{7}\u{9b}31m\u{202e}evil; text";
        let safe = osc_safe(hostile, 100);
        assert!(
            !safe
                .chars()
                .any(|c| c.is_control() || c == ';' || c == '\u{202e}'),
            "{safe:?}"
        );
        assert_eq!(safe, "done ]0,x 31m evil, text");
        assert_eq!(osc_safe("abcdef", 4), "abc…");
    }
}
