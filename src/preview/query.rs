//! qimg's own terminal queries, made before ratatui-image's. Its query thread keeps reading
//! stdin until the terminal answers, so on a terminal that never answers it would eat the
//! user's keys: qimg first checks that the terminal answers at all. It also
//! asks the terminal's name and version (XTVERSION): kitty before 0.28 answers the kitty
//! graphics query with "OK" but has no Unicode placeholders, which ratatui-image relies on, so
//! it would draw a grid of empty boxes.

use std::io::Write;
use std::time::{Duration, Instant};

/// How long to wait for an answer. Terminals answer at once on a local machine; the wait is
/// generous for slow SSH links, because a reply that comes after it is read as typed keys.
pub const WAIT: Duration = Duration::from_millis(1500);

/// True when the terminal answers a status report (DSR) within `wait`. Every terminal does;
/// a pipe, a bare pty or a serial console may not.
pub fn terminal_answers(wait: Duration) -> bool {
    exchange(b"\x1b[5n", wait, |buf| {
        let text = String::from_utf8_lossy(buf);
        (text.contains("\x1b[0n") || text.contains("\x1b[3n")).then_some(())
    })
    .is_some()
}

/// Sends XTVERSION followed by DA1 (every terminal answers DA1, so its reply marks the end) and
/// returns the version string, such as `kitty(0.26.5)`. Inside tmux the query is wrapped in
/// passthrough so that the outer terminal answers. Must run in raw mode, before input is read.
pub fn xtversion(in_tmux: bool) -> Option<String> {
    // In tmux both go through passthrough: tmux answers a bare DA1 itself, at once, and the
    // outer terminal's XTVERSION reply would then arrive after qimg stopped listening and be
    // read as typed keys.
    let query: &[u8] = if in_tmux {
        b"\x1bPtmux;\x1b\x1b[>0q\x1b\x1b[c\x1b\\"
    } else {
        b"\x1b[>0q\x1b[c"
    };
    exchange(query, WAIT, parse)?
}

/// Writes `query` and reads stdin until `complete` returns a value or `wait` runs out.
fn exchange<T>(query: &[u8], wait: Duration, complete: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
    let mut out = std::io::stdout();
    out.write_all(query).ok()?;
    out.flush().ok()?;
    let stdin = rustix::stdio::stdin();
    let deadline = Instant::now() + wait;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 256];
    loop {
        if let Some(found) = complete(&buf) {
            return Some(found);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        let timeout = rustix::event::Timespec::try_from(left).ok()?;
        let mut fds = [rustix::event::PollFd::new(
            &stdin,
            rustix::event::PollFlags::IN,
        )];
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return None,
        }
        match rustix::io::read(stdin, &mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
            Err(_) => return None,
        }
        if buf.len() > 4096 {
            return None;
        }
    }
}

/// `Some(Some(version))` once the XTVERSION reply is complete, `Some(None)` once the DA1 reply
/// arrived without one, `None` while more input is needed.
fn parse(buf: &[u8]) -> Option<Option<String>> {
    let text = String::from_utf8_lossy(buf);
    if let Some(start) = text.find("\x1bP>|") {
        let rest = &text[start + 4..];
        if let Some(end) = rest.find("\x1b\\") {
            let version: String = rest[..end].chars().filter(|c| !c.is_control()).collect();
            return Some(Some(version));
        }
        return None;
    }
    let da1 = text.find("\x1b[?")?;
    text[da1..].contains('c').then_some(None)
}

/// True for kitty versions older than 0.28, which have no Unicode placeholders.
pub fn kitty_without_placeholders(xtversion: &str) -> bool {
    let Some(v) = xtversion
        .strip_prefix("kitty(")
        .and_then(|r| r.strip_suffix(')'))
    else {
        return false;
    };
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) < (0, 28)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_kitty_is_recognised_and_new_kitty_is_not() {
        assert!(kitty_without_placeholders("kitty(0.26.5)"));
        assert!(kitty_without_placeholders("kitty(0.27.1)"));
        assert!(!kitty_without_placeholders("kitty(0.28.0)"));
        assert!(!kitty_without_placeholders("kitty(0.39.1)"));
        assert!(!kitty_without_placeholders("kitty(1.0)"));
        assert!(!kitty_without_placeholders("WezTerm 20240203"));
        assert!(!kitty_without_placeholders("ghostty 1.1.3"));
        assert!(!kitty_without_placeholders("XTerm(379)"));
    }

    #[test]
    fn replies_are_parsed_as_they_arrive() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"\x1bP>|kitty(0.26"), None);
        assert_eq!(
            parse(b"\x1bP>|kitty(0.26.5)\x1b\\\x1b[?62;c"),
            Some(Some("kitty(0.26.5)".into()))
        );
        // A terminal that ignores XTVERSION still answers DA1.
        assert_eq!(parse(b"\x1b[?64;1;4c"), Some(None));
        assert_eq!(parse(b"\x1b[?64;1"), None);
        // Control characters in the reply never reach the screen.
        assert_eq!(
            parse(b"\x1bP>|evil\x07term\x1b\\"),
            Some(Some("evilterm".into()))
        );
    }
}
