//! Picking the graphics protocol from the terminal's answers, with the user's override, and
//! tmux handled in the open: passthrough is needed for images, so qimg switches it on for the
//! pane, records the old value, says so, and puts it back.

use ratatui_image::picker::{Picker, ProtocolType};

use super::kitty::KittyCaps;
use super::query::Found;
use crate::config::ImageProtocolSetting;
use crate::state::GraphicsInfo;

/// True inside tmux.
pub fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some()
        || std::env::var("TERM").is_ok_and(|t| t.starts_with("tmux"))
        || std::env::var("TERM_PROGRAM").is_ok_and(|t| t == "tmux")
}

fn tmux(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("tmux")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The pane's `allow-passthrough` before qimg started, to be put back on exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmuxPassthrough {
    /// The pane-level value, or `None` when the pane had no own value (inherited).
    previous: Option<String>,
}

impl TmuxPassthrough {
    /// Records the current value (inside tmux only).
    pub fn record() -> Option<Self> {
        if !in_tmux() {
            return None;
        }
        let v = tmux(&["show", "-pv", "allow-passthrough"]).filter(|v| !v.is_empty());
        Some(Self { previous: v })
    }

    /// Switches passthrough on for this pane (the probe and the images need it).
    pub fn enable(&self) {
        if self.changed() {
            let _ = tmux(&["set", "-p", "allow-passthrough", "on"]);
        }
    }

    /// True when qimg's start changed the option (it was not already on).
    pub fn changed(&self) -> bool {
        !matches!(self.previous.as_deref(), Some("on" | "all"))
    }

    /// Puts the pane's option back as it was.
    pub fn restore(&self) {
        if !self.changed() {
            return;
        }
        let _ = match &self.previous {
            Some(v) => tmux(&["set", "-p", "allow-passthrough", v]),
            None => tmux(&["set", "-pu", "allow-passthrough"]),
        };
    }
}

/// True when the terminal must be asked (the user did not choose half blocks or off).
pub fn wants_probe(setting: ImageProtocolSetting) -> bool {
    !matches!(
        setting,
        ImageProtocolSetting::Off | ImageProtocolSetting::Halfblocks
    )
}

/// What previews use, from what the terminal said (`None`: nothing asked yet, or no answer).
pub fn conclude(
    setting: ImageProtocolSetting,
    found: Option<&Found>,
) -> (Option<Picker>, KittyCaps, GraphicsInfo) {
    let caps = found.map_or(KittyCaps::default(), |f| KittyCaps {
        png: f.kitty_png,
        zlib: f.kitty_zlib,
    });
    let detected = found.filter(|f| f.answered).map(|f| {
        if f.kitty {
            ProtocolType::Kitty
        } else if f.sixel {
            ProtocolType::Sixel
        } else {
            iterm2_from_env().unwrap_or(ProtocolType::Halfblocks)
        }
    });
    let protocol = match setting {
        ImageProtocolSetting::Off => {
            let info = GraphicsInfo {
                protocol: None,
                note: Some("previews are off (image_protocol = off)".into()),
            };
            return (None, caps, info);
        }
        ImageProtocolSetting::Halfblocks => ProtocolType::Halfblocks,
        ImageProtocolSetting::Auto => detected.unwrap_or(ProtocolType::Halfblocks),
        ImageProtocolSetting::Kitty => ProtocolType::Kitty,
        ImageProtocolSetting::Sixel => ProtocolType::Sixel,
        ImageProtocolSetting::Iterm2 => ProtocolType::Iterm2,
    };
    let font = found
        .and_then(|f| f.cell)
        .or_else(|| cell_from_window(found.and_then(|f| f.window)));
    let mut picker = picker_with(font);
    picker.set_protocol_type(protocol);
    let mut info = super::info_for(&picker, setting);
    if setting == ImageProtocolSetting::Auto && found.is_some_and(|f| !f.answered) {
        info.note = Some(NO_ANSWER.into());
    }
    if setting == ImageProtocolSetting::Auto {
        adjust_for_terminal(&mut picker, &mut info, found);
    }
    if picker.protocol_type() == ProtocolType::Kitty {
        info.note = info.note.or_else(|| {
            Some(format!(
                "kitty images travel as {}",
                super::kitty::Payload::best(caps).name()
            ))
        });
    }
    tracing::info!(protocol = ?picker.protocol_type(), font = ?picker.font_size(), tmux = picker.tmux_detected(), ?caps, "graphics");
    (Some(picker), caps, info)
}

/// What the pane says when the probe got no answer.
pub const NO_ANSWER: &str = "the terminal did not answer the graphics query, so half blocks are used; Ctrl-L asks again (so do focus and a resize; a tmux pane no client shows never answers)";

/// The tmux and old-kitty rules: sixel through tmux passthrough is unreliable, and kitty
/// before 0.28 has no Unicode placeholders.
fn adjust_for_terminal(picker: &mut Picker, info: &mut GraphicsInfo, found: Option<&Found>) {
    let p = picker.protocol_type();
    if picker.tmux_detected() && p != ProtocolType::Kitty && p != ProtocolType::Halfblocks {
        picker.set_protocol_type(ProtocolType::Halfblocks);
        *info = GraphicsInfo {
            protocol: Some("halfblocks".into()),
            note: Some(format!(
                "inside tmux the outer terminal's {} cannot be drawn reliably; half blocks are used (kitty ≥ 0.28 outside tmux gives real images)",
                super::protocol_name(p)
            )),
        };
        return;
    }
    let old = found
        .and_then(|f| f.version.as_deref())
        .filter(|v| super::query::kitty_without_placeholders(v));
    if let (ProtocolType::Kitty, Some(v)) = (p, old) {
        picker.set_protocol_type(ProtocolType::Halfblocks);
        *info = GraphicsInfo {
            protocol: Some("halfblocks".into()),
            note: Some(format!(
                "{v} has no Unicode placeholders (kitty 0.28 or newer has): half blocks are used"
            )),
        };
    }
}

/// iTerm2-speaking terminals named by the environment (they do not announce it in answers).
fn iterm2_from_env() -> Option<ProtocolType> {
    let program = std::env::var("TERM_PROGRAM").unwrap_or_default();
    let named = [
        "iTerm",
        "WezTerm",
        "mintty",
        "vscode",
        "Tabby",
        "rio",
        "WarpTerminal",
    ]
    .iter()
    .any(|n| program.contains(n));
    let lc = std::env::var("LC_TERMINAL").is_ok_and(|t| t.contains("iTerm"));
    (named || lc).then_some(ProtocolType::Iterm2)
}

/// The cell size from the text area's pixels and the window size in cells.
fn cell_from_window(window: Option<(u16, u16)>) -> Option<(u16, u16)> {
    let (w, h) = window?;
    let (cols, rows) = crossterm::terminal::size().ok()?;
    (cols > 0 && rows > 0 && w >= cols && h >= rows).then(|| (w / cols, h / rows))
}

/// A picker for a cell size (from the answers, else the kernel's window size, else 10×20).
/// ratatui-image reads tmux from the environment itself.
fn picker_with(font: Option<(u16, u16)>) -> Picker {
    let font = font.or_else(window_size_font).unwrap_or((10, 20));
    // The constructor is deprecated in favour of ratatui-image's own query, which qimg does not
    // use: it reads stdin on a thread that outlives its timeout and eats the next key.
    #[allow(deprecated)]
    Picker::from_fontsize(font.into())
}

/// The cell size from the kernel's window size, when the terminal reports pixels.
fn window_size_font() -> Option<(u16, u16)> {
    rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .filter(|w| w.ws_col > 0 && w.ws_row > 0 && w.ws_xpixel > 0 && w.ws_ypixel > 0)
        .map(|w| (w.ws_xpixel / w.ws_col, w.ws_ypixel / w.ws_row))
}
