//! Terminal input bytes to key, mouse, paste, focus events and terminal answers. qimg reads
//! the terminal itself so that an answer to one of its queries (a kitty graphics reply, a
//! device-attributes report, a version string), however late it comes, is recognised as an
//! answer and never typed into a field. Keys are decoded as crossterm decodes them, so the
//! keymap sees the same events.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use crate::preview::Answer;

/// What a run of input bytes meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Something the user did.
    Event(Event),
    /// Something the terminal said.
    Answer(Answer),
    /// The start of a bracketed paste (the parser's own marker; never returned).
    PasteStart,
}

/// The longest sequence kept while waiting for its end; longer ones are dropped.
const MAX_PENDING: usize = 64 * 1024;
/// The most of one paste kept (the app cuts it further and says so).
const MAX_PASTE: usize = 1024 * 1024;
/// The end of a bracketed paste.
const PASTE_END: &[u8] = b"\x1b[201~";

/// The parser: bytes in, tokens out; an unfinished sequence waits for more bytes.
#[derive(Debug, Default)]
pub struct Parser {
    buf: Vec<u8>,
    /// Inside a bracketed paste: the text so far.
    paste: Option<Vec<u8>>,
}

/// How far one parse step got.
enum Step {
    /// `n` bytes made these tokens.
    Done(usize, Vec<Token>),
    /// The sequence has not ended yet.
    Incomplete,
}

impl Parser {
    /// True while bytes wait for the rest of their sequence.
    pub fn pending(&self) -> bool {
        !self.buf.is_empty() || self.paste.is_some()
    }

    /// How long to wait for the rest before [`Parser::flush`]: a lone ESC is the Esc key
    /// soon; a longer sequence may be an answer split by a slow link; a paste may pause.
    pub fn pending_wait(&self) -> std::time::Duration {
        let ms = if self.paste.is_some() {
            2000
        } else if self.buf == [0x1b] {
            40
        } else {
            300
        };
        std::time::Duration::from_millis(ms)
    }

    /// Adds bytes and returns what they completed.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Token> {
        self.buf.extend_from_slice(bytes);
        self.drain(false)
    }

    /// No more bytes came in time: what waits is read as it stands (a lone ESC is the Esc key;
    /// an unfinished answer is dropped).
    pub fn flush(&mut self) -> Vec<Token> {
        self.drain(true)
    }

    fn drain(&mut self, last: bool) -> Vec<Token> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < self.buf.len() {
            let step = if self.paste.is_some() {
                self.paste(at, last)
            } else {
                step(&self.buf[at..], last)
            };
            match step {
                Step::Done(n, tokens) => {
                    at += n.max(1);
                    for t in tokens {
                        match t {
                            Token::PasteStart => self.paste = Some(Vec::new()),
                            t => out.push(t),
                        }
                    }
                }
                Step::Incomplete => {
                    if self.buf.len() - at > MAX_PENDING {
                        at = self.buf.len();
                    }
                    break;
                }
            }
        }
        self.buf.drain(..at);
        if last && self.buf.is_empty() {
            // A paste whose end never came: what arrived is the paste.
            if let Some(text) = self.paste.take() {
                out.push(Token::Event(Event::Paste(
                    String::from_utf8_lossy(&text).into_owned(),
                )));
            }
        }
        out
    }

    /// Inside a bracketed paste: everything up to `ESC [201~` is the pasted text (kept up to
    /// [`MAX_PASTE`]; the rest of a huge paste is dropped, never typed).
    fn paste(&mut self, at: usize, last: bool) -> Step {
        let rest = &self.buf[at..];
        let (take, done) = match rest.windows(PASTE_END.len()).position(|w| w == PASTE_END) {
            Some(end) => (end, true),
            // Keep what may be the start of the end marker.
            None => (rest.len().saturating_sub(PASTE_END.len() - 1), false),
        };
        let Some(text) = &mut self.paste else {
            return Step::Done(0, vec![]);
        };
        // A paste whose end never comes (nothing for a while) ends here, so input goes on.
        let (take, done) = if last && !done {
            (rest.len(), true)
        } else {
            (take, done)
        };
        let room = MAX_PASTE.saturating_sub(text.len());
        text.extend_from_slice(&rest[..take.min(room)]);
        if !done {
            return if take == 0 {
                Step::Incomplete
            } else {
                Step::Done(take, vec![])
            };
        }
        let text = self.paste.take().unwrap_or_default();
        let text = String::from_utf8_lossy(&text)
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        let marker = if rest[take..].starts_with(PASTE_END) {
            PASTE_END.len()
        } else {
            0
        };
        Step::Done(take + marker, vec![Token::Event(Event::Paste(text))])
    }
}

fn key(code: KeyCode, mods: KeyModifiers) -> Vec<Token> {
    vec![Token::Event(Event::Key(KeyEvent::new(code, mods)))]
}

/// One sequence from the start of `b`.
fn step(b: &[u8], last: bool) -> Step {
    match b[0] {
        0x1b => escape(b, last),
        b'\r' => Step::Done(1, key(KeyCode::Enter, KeyModifiers::NONE)),
        b'\t' => Step::Done(1, key(KeyCode::Tab, KeyModifiers::NONE)),
        0x7f => Step::Done(1, key(KeyCode::Backspace, KeyModifiers::NONE)),
        0x00 => Step::Done(1, key(KeyCode::Char(' '), KeyModifiers::CONTROL)),
        c @ 0x01..=0x1a => Step::Done(
            1,
            key(
                KeyCode::Char(char::from(c - 1 + b'a')),
                KeyModifiers::CONTROL,
            ),
        ),
        c @ 0x1c..=0x1f => Step::Done(
            1,
            key(
                KeyCode::Char(char::from(c - 0x1c + b'4')),
                KeyModifiers::CONTROL,
            ),
        ),
        _ => match utf8(b) {
            Utf8::Char(ch, n) => Step::Done(n, char_key(ch, KeyModifiers::NONE)),
            Utf8::Short if !last => Step::Incomplete,
            // Not text: skipped.
            Utf8::Short | Utf8::Invalid => Step::Done(1, vec![]),
        },
    }
}

/// The character at the start of some bytes.
enum Utf8 {
    /// A character and its length.
    Char(char, usize),
    /// Cut off: more bytes may finish it.
    Short,
    /// Not UTF-8.
    Invalid,
}

fn char_key(ch: char, mut mods: KeyModifiers) -> Vec<Token> {
    if ch.is_uppercase() {
        mods |= KeyModifiers::SHIFT;
    }
    key(KeyCode::Char(ch), mods)
}

fn utf8(b: &[u8]) -> Utf8 {
    let len = match b[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Utf8::Invalid,
    };
    if b.len() < len {
        return if b[1..].iter().all(|c| (0x80..=0xbf).contains(c)) {
            Utf8::Short
        } else {
            Utf8::Invalid
        };
    }
    match std::str::from_utf8(&b[..len])
        .ok()
        .and_then(|s| s.chars().next())
    {
        Some(c) => Utf8::Char(c, len),
        None => Utf8::Invalid,
    }
}

/// A sequence starting with ESC.
fn escape(b: &[u8], last: bool) -> Step {
    let Some(&next) = b.get(1) else {
        return if last {
            Step::Done(1, key(KeyCode::Esc, KeyModifiers::NONE))
        } else {
            Step::Incomplete
        };
    };
    // A sequence cut off for good is the Alt chord it starts with (`ESC [` is Alt+[).
    let alt = Step::Done(2, char_key(char::from(next), KeyModifiers::ALT));
    match next {
        b'[' => csi(b, last).unwrap_or(alt),
        b'O' => match b.get(2) {
            Some(&c) => Step::Done(3, ss3(c)),
            None if last => alt,
            None => Step::Incomplete,
        },
        b'_' | b'P' | b']' | b'X' | b'^' => string(b, last),
        0x1b => Step::Done(1, key(KeyCode::Esc, KeyModifiers::NONE)),
        b'\r' => Step::Done(2, key(KeyCode::Enter, KeyModifiers::ALT)),
        0x7f => Step::Done(2, key(KeyCode::Backspace, KeyModifiers::ALT)),
        // Esc, then a control key typed right after it (Esc Tab, Esc Ctrl-C): two keys, not an
        // Alt+Ctrl chord nobody binds.
        0x01..=0x1a => Step::Done(1, key(KeyCode::Esc, KeyModifiers::NONE)),
        _ => match utf8(&b[1..]) {
            Utf8::Char(ch, len) => Step::Done(1 + len, char_key(ch, KeyModifiers::ALT)),
            Utf8::Short if !last => Step::Incomplete,
            Utf8::Short | Utf8::Invalid => Step::Done(1, key(KeyCode::Esc, KeyModifiers::NONE)),
        },
    }
}

/// `ESC O x`: the application-mode arrows, Home/End and F1–F4.
fn ss3(c: u8) -> Vec<Token> {
    let code = match c {
        b'M' => Some(KeyCode::Enter),
        c => csi::cursor_key(c),
    };
    match code {
        Some(code) => key(code, KeyModifiers::NONE),
        None => vec![Token::Answer(Answer::Other)],
    }
}

/// APC, DCS, OSC, SOS and PM strings, ended by ST (`ESC \`) or BEL: always answers.
fn string(b: &[u8], last: bool) -> Step {
    let body = &b[2..];
    let end = body.iter().enumerate().find_map(|(i, &c)| match c {
        0x07 => Some((i, 1)),
        0x1b if body.get(i + 1) == Some(&b'\\') => Some((i, 2)),
        _ => None,
    });
    match end {
        Some((i, stop)) => {
            let text = String::from_utf8_lossy(&body[..i]);
            let answer = match b[1] {
                b'_' => Answer::kitty(&text),
                b'P' => Answer::dcs(&text),
                _ => Answer::Other,
            };
            Step::Done(2 + i + stop, vec![Token::Answer(answer)])
        }
        None if !last => Step::Incomplete,
        // Nothing more came: only the introducer is Alt+key (Alt+], Alt+P); the start of an
        // answer cut off for good is dropped, never typed; anything else is the Alt chord
        // followed by keys.
        None if !body.is_empty() && looks_like_answer(b[1], body) => Step::Done(b.len(), vec![]),
        None => Step::Done(2, char_key(char::from(b[1]), KeyModifiers::ALT)),
    }
}

/// True when a string's first bytes are how terminals begin an answer: kitty's `G`, a DCS
/// report (`>|`, `1$r`, `1+r`), an OSC colour (`11;`).
fn looks_like_answer(intro: u8, body: &[u8]) -> bool {
    match intro {
        b'_' => body[0] == b'G',
        b'P' => body[0] == b'>' || body[0] == b'$' || body[0] == b'+' || body[0].is_ascii_digit(),
        b']' => body[0].is_ascii_digit(),
        _ => false,
    }
}

mod csi;

use csi::csi;

#[cfg(test)]
mod tests;
