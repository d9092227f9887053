//! Fuzzes the one sanitiser every server or user string passes before the terminal: nothing
//! that a terminal interprets survives, the result is stable, and cutting keeps it valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qimg::sanitize;

fn dangerous(c: char) -> bool {
    c.is_control()
        || ('\u{80}'..='\u{9f}').contains(&c)
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let line = sanitize::sanitize_line(&text);
    assert!(
        !line.chars().any(dangerous),
        "sanitize_line let through {line:?}"
    );
    assert_eq!(
        sanitize::sanitize_line(&line),
        line,
        "sanitize_line is idempotent"
    );
    let block = sanitize::sanitize_text(&text);
    assert!(
        !block.chars().any(|c| c != '\n' && dangerous(c)),
        "sanitize_text let through {block:?}"
    );
    let width = usize::from(data.first().copied().unwrap_or(0));
    let cut = sanitize::truncate_to_width(&line, width);
    assert!(
        unicode_width(&cut) <= width.max(1),
        "{cut:?} is wider than {width}"
    );
    let chars = sanitize::truncate_chars(&line, width);
    assert!(chars.chars().count() <= width.max(1));
    let redacted = sanitize::redact(&text, "afk_fuzz_SECRET");
    assert!(!redacted.contains("afk_fuzz_SECRET"));
});

fn unicode_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}
