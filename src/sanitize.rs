//! The one sanitiser for every server or user string before it reaches a terminal, a log line,
//! the window title or stdout: control, C1 and bidi characters become visible placeholders.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// What replaces ESC, so the user can see that an escape sequence was removed.
const ESC_PLACEHOLDER: char = '\u{241B}'; // ␛
/// What replaces every other character that could change how the terminal behaves.
const OTHER_PLACEHOLDER: char = '\u{FFFD}'; // �

/// True for characters that must never reach a terminal as they are: C0 controls, DEL, C1
/// controls, and the bidi overrides and isolates that reorder what is shown (CVE-2021-42574).
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn placeholder(c: char) -> char {
    match c {
        '\u{1B}' => ESC_PLACEHOLDER,
        // Control pictures (U+2400 block) keep C0 controls recognisable: BEL shows as ␇.
        '\0'..='\u{1F}' => char::from_u32(0x2400 + c as u32).unwrap_or(OTHER_PLACEHOLDER),
        '\u{7F}' => '\u{2421}', // ␡
        _ => OTHER_PLACEHOLDER,
    }
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let needs_work = s.chars().any(|c| {
        if keep_newlines && c == '\n' {
            return false;
        }
        is_dangerous(c)
    });
    if !needs_work {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            // Whitespace controls become a plain space: readable, and harmless everywhere.
            '\t' | '\n' | '\r' => out.push(' '),
            c if is_dangerous(c) => out.push(placeholder(c)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One line of text, safe for any sink: newlines, tabs and CR become spaces, every other control
/// or bidi character becomes a visible placeholder. `sanitize_line(sanitize_line(s)) ==
/// sanitize_line(s)` for every `s`.
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Like [`sanitize_line`] but keeps `\n`, for multi-line text such as a prompt.
pub fn sanitize_text(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// Replaces every occurrence of `secret` in `s` with `[REDACTED]`. Secrets shorter than 4
/// characters are ignored, because redacting them would mangle ordinary text.
pub fn redact(s: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return s.to_owned();
    }
    s.replace(secret, "[REDACTED]")
}

/// Cuts `s` to at most `max_width` terminal cells, on a grapheme boundary, ending with `…` when
/// something was cut. Never slices inside a character.
pub fn truncate_to_width(s: &str, max_width: usize) -> Cow<'_, str> {
    if s.width() <= max_width {
        return Cow::Borrowed(s);
    }
    if max_width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = g.width();
        if used + w > max_width - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// Cuts `s` to at most `max_chars` characters on a grapheme boundary (for stored messages).
pub fn truncate_chars(s: &str, max_chars: usize) -> Cow<'_, str> {
    if s.chars().count() <= max_chars {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut count = 0;
    for g in s.graphemes(true) {
        let n = g.chars().count();
        if count + n > max_chars.saturating_sub(1) {
            break;
        }
        out.push_str(g);
        count += n;
    }
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(sanitize_line("a\x1b[2Jb"), "a␛[2Jb");
        assert_eq!(sanitize_line("ok\rFAILED"), "ok FAILED");
        assert_eq!(sanitize_line("bell\x07"), "bell␇");
        assert_eq!(sanitize_line("c1\u{9b}31m"), "c1\u{FFFD}31m");
        assert_eq!(sanitize_line("rlo\u{202E}txt"), "rlo\u{FFFD}txt");
        assert_eq!(sanitize_line("del\x7f"), "del␡");
    }

    #[test]
    fn text_keeps_newlines_but_not_cr() {
        assert_eq!(sanitize_text("a\nb\r\nc"), "a\nb \nc");
        assert_eq!(sanitize_line("a\nb"), "a b");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            sanitize_line("plain text ✓ 日本"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn zwj_emoji_survive() {
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(sanitize_line(family), family);
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("key afk_123456 leaked", "afk_123456"),
            "key [REDACTED] leaked"
        );
        assert_eq!(redact("abc", "ab"), "abc");
    }

    #[test]
    fn truncation_respects_graphemes_and_width() {
        assert_eq!(truncate_to_width("hello world", 5), "hell…");
        assert_eq!(truncate_to_width("日本語テキスト", 5), "日本…");
        assert_eq!(truncate_to_width("short", 10), "short");
        assert_eq!(truncate_to_width("abc", 0), "");
        assert_eq!(truncate_chars("ééé", 2), "é…");
        assert_eq!(truncate_chars("e\u{301}e\u{301}e\u{301}", 3), "e\u{301}…");
    }

    proptest::proptest! {
        #[test]
        fn sanitized_output_is_safe_and_idempotent(s in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}\\u{202a}-\\u{202e}a-z]*") {
            let once = sanitize_line(&s).into_owned();
            proptest::prop_assert!(!once.chars().any(is_dangerous));
            proptest::prop_assert_eq!(sanitize_line(&once).into_owned(), once.clone());
            proptest::prop_assert_eq!(once.chars().count(), s.chars().count());
        }

        #[test]
        fn truncation_never_panics(s in "\\PC*", w in 0usize..40) {
            let t = truncate_to_width(&s, w);
            proptest::prop_assert!(t.width() <= w.max(1));
        }
    }
}
