//! qimg's terminal queries and what their answers mean. One probe asks everything at once:
//! the kitty graphics protocol (plain, PNG and deflated one-pixel images), the cell and window
//! size in pixels, the terminal's name and version (XTVERSION: kitty before 0.28 accepts
//! images but has no Unicode placeholders), the device attributes (sixel is attribute 4), and
//! last a status report, which every terminal answers, so its reply marks the end. Inside tmux
//! the whole probe goes through passthrough, so the outer terminal answers it in order.
//!
//! Nothing here reads the terminal: the app's input reader recognises the answers among the
//! keys and hands them to a [`Detection`], so no thread is ever left waiting on stdin and a late
//! answer is never read as typing.

use std::time::{Duration, Instant};

/// How long to wait for the end of the answers before concluding "no answer". Terminals
/// answer at once on a local machine; the wait is generous for slow SSH links (an answer that
/// comes later is still recognised and still used).
pub const WAIT: Duration = Duration::from_millis(1500);

/// kitty image ids of the three probes.
const PLAIN: u32 = 31;
const PNG: u32 = 32;
const ZLIB: u32 = 33;

/// A 1×1 PNG (RGB), base64.
const PNG_PIXEL: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC";
/// zlib of three zero bytes, base64.
const ZLIB_PIXEL: &str = "eJxjYGAAAAADAAE=";

/// Something the terminal said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The status report (`CSI 0 n`): the end of the answers.
    Status,
    /// Primary device attributes (`CSI ? … c`).
    DeviceAttributes(Vec<u16>),
    /// A kitty graphics reply: the image id and whether it said OK.
    Kitty {
        /// The probe's id.
        id: u32,
        /// `OK`.
        ok: bool,
    },
    /// The cell size in pixels (width, height).
    CellSize(u16, u16),
    /// The text area in pixels (width, height).
    WindowPixels(u16, u16),
    /// XTVERSION (`DCS > | text ST`), sanitised.
    Version(String),
    /// Any other report (colours, cursor position, modes): not a key, not used.
    Other,
}

impl Answer {
    /// An APC string's meaning (`G…;OK` is a kitty graphics reply).
    pub fn kitty(text: &str) -> Self {
        let Some(body) = text.strip_prefix('G') else {
            return Self::Other;
        };
        let (keys, message) = body.split_once(';').unwrap_or((body, ""));
        let id = keys
            .split(',')
            .find_map(|kv| kv.strip_prefix("i="))
            .and_then(|v| v.parse().ok());
        match id {
            Some(id) => Self::Kitty {
                id,
                ok: message == "OK",
            },
            None => Self::Other,
        }
    }

    /// A DCS string's meaning (`>|version` is XTVERSION).
    pub fn dcs(text: &str) -> Self {
        match text.strip_prefix(">|") {
            Some(v) => Self::Version(crate::sanitize::sanitize_line(v).chars().take(80).collect()),
            None => Self::Other,
        }
    }
}

/// The probe, as bytes to write to the terminal.
pub fn probe(tmux: bool) -> Vec<u8> {
    let esc = if tmux { "\x1b\x1b" } else { "\x1b" };
    let mut q = String::new();
    if tmux {
        q.push_str("\x1bPtmux;");
    }
    q.push_str(&format!(
        "{esc}_Gi={PLAIN},s=1,v=1,a=q,t=d,f=24;AAAA{esc}\\"
    ));
    q.push_str(&format!("{esc}_Gi={PNG},a=q,t=d,f=100;{PNG_PIXEL}{esc}\\"));
    q.push_str(&format!(
        "{esc}_Gi={ZLIB},s=1,v=1,a=q,t=d,f=24,o=z;{ZLIB_PIXEL}{esc}\\"
    ));
    q.push_str(&format!("{esc}[16t{esc}[14t{esc}[>0q{esc}[c{esc}[5n"));
    if tmux {
        q.push_str("\x1b\\");
    }
    q.into_bytes()
}

/// What the answers said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The terminal answered at all.
    pub answered: bool,
    /// kitty graphics accepted.
    pub kitty: bool,
    /// A PNG accepted.
    pub kitty_png: bool,
    /// A deflated image accepted.
    pub kitty_zlib: bool,
    /// Sixel in the device attributes.
    pub sixel: bool,
    /// Cell size in pixels.
    pub cell: Option<(u16, u16)>,
    /// Text area in pixels.
    pub window: Option<(u16, u16)>,
    /// XTVERSION.
    pub version: Option<String>,
}

/// One run of the probe: the answers so far and the deadline.
#[derive(Debug, Clone)]
pub struct Detection {
    /// What came so far.
    pub found: Found,
    /// When to stop waiting.
    pub deadline: Instant,
}

impl Detection {
    /// A detection whose probe was just written.
    pub fn started(now: Instant) -> Self {
        Self {
            found: Found::default(),
            deadline: now + WAIT,
        }
    }

    /// Takes one answer. True when it was the last one (the status report).
    pub fn take(&mut self, answer: &Answer) -> bool {
        let f = &mut self.found;
        // Any answer shows the terminal is there, even if its status report never comes.
        if *answer != Answer::Other {
            f.answered = true;
        }
        match answer {
            Answer::Status => {
                f.answered = true;
                return true;
            }
            Answer::DeviceAttributes(attrs) => f.sixel = attrs.iter().skip(1).any(|a| *a == 4),
            Answer::Kitty { id, ok } => match *id {
                PLAIN => f.kitty = *ok,
                PNG => f.kitty_png = *ok,
                ZLIB => f.kitty_zlib = *ok,
                _ => {}
            },
            Answer::CellSize(w, h) if *w > 0 && *h > 0 => f.cell = Some((*w, *h)),
            Answer::WindowPixels(w, h) if *w > 0 && *h > 0 => f.window = Some((*w, *h)),
            Answer::Version(v) => f.version = Some(v.clone()),
            _ => {}
        }
        false
    }
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
        assert!(!kitty_without_placeholders("XTerm(379)"));
    }

    #[test]
    fn answers_fill_a_detection_until_the_status_report() {
        let mut d = Detection::started(Instant::now());
        assert!(!d.take(&Answer::kitty("Gi=31;OK")));
        assert!(!d.take(&Answer::kitty("Gi=32;OK")));
        assert!(!d.take(&Answer::kitty("Gi=33;EINVAL:bad")));
        assert!(!d.take(&Answer::CellSize(9, 18)));
        assert!(!d.take(&Answer::dcs(">|kitty(0.35.2)")));
        assert!(!d.take(&Answer::DeviceAttributes(vec![62, 22])));
        assert!(d.take(&Answer::Status));
        let f = d.found;
        assert!(f.answered && f.kitty && f.kitty_png && !f.kitty_zlib && !f.sixel);
        assert_eq!(f.cell, Some((9, 18)));
        assert_eq!(f.version.as_deref(), Some("kitty(0.35.2)"));
        let mut x = Detection::started(Instant::now());
        x.take(&Answer::DeviceAttributes(vec![63, 1, 4, 6]));
        assert!(x.found.sixel);
    }

    #[test]
    fn the_png_probe_is_a_real_png() {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(PNG_PIXEL)
            .unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (1, 1));
    }

    #[test]
    fn the_probe_ends_with_a_status_report_and_goes_through_tmux_whole() {
        let plain = String::from_utf8(probe(false)).unwrap();
        assert!(plain.ends_with("\x1b[c\x1b[5n"));
        assert_eq!(plain.matches("a=q").count(), 3);
        let tmux = String::from_utf8(probe(true)).unwrap();
        assert!(tmux.starts_with("\x1bPtmux;\x1b\x1b_G"));
        assert!(tmux.ends_with("\x1b\x1b[5n\x1b\\"));
        // Control characters in a version never reach the screen as controls.
        assert_eq!(
            Answer::dcs(">|evil\x07term"),
            Answer::Version("evil␇term".into())
        );
        assert_eq!(Answer::kitty("Xfoo"), Answer::Other);
    }
}
