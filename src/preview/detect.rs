//! Picking the graphics protocol once at start (before input is read), with the user's
//! override, and tmux handled in the open: passthrough is needed for images, ratatui-image
//! switches it on for the pane, so qimg records the old value, says so, and puts it back.

use ratatui_image::picker::{Picker, ProtocolType};

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

/// Asks the terminal (unless the user chose) and applies the choice. Must run after raw mode
/// is on and before anything reads input.
pub fn detect(setting: ImageProtocolSetting) -> (Option<Picker>, GraphicsInfo) {
    // ratatui-image's query thread reads stdin until the terminal answers: never start it on
    // a terminal that does not answer at all, or it would eat the user's keys.
    let queried = || {
        if !super::query::terminal_answers(super::query::WAIT) {
            tracing::info!("the terminal does not answer queries; graphics not queried");
            return None;
        }
        Picker::from_query_stdio()
            .inspect_err(|e| tracing::info!("terminal graphics query failed ({e})"))
            .ok()
    };
    let mut picker = match setting {
        ImageProtocolSetting::Off => {
            return (
                None,
                GraphicsInfo {
                    protocol: None,
                    note: Some("previews are off (image_protocol = off)".into()),
                },
            );
        }
        ImageProtocolSetting::Halfblocks => Picker::halfblocks(),
        ImageProtocolSetting::Auto => queried().unwrap_or_else(Picker::halfblocks),
        forced => {
            let mut p = queried().unwrap_or_else(picker_from_window_size);
            p.set_protocol_type(match forced {
                ImageProtocolSetting::Kitty => ProtocolType::Kitty,
                ImageProtocolSetting::Sixel => ProtocolType::Sixel,
                ImageProtocolSetting::Iterm2 => ProtocolType::Iterm2,
                _ => ProtocolType::Halfblocks,
            });
            p
        }
    };
    let mut info = super::info_for(&picker, setting);
    // In tmux only kitty's Unicode placeholders survive redraws and window switches; sixel
    // through passthrough is broken in ratatui-image 11. Unless the user
    // chose a protocol, use half blocks there.
    if setting == ImageProtocolSetting::Auto
        && picker.tmux_detected()
        && picker.protocol_type() != ProtocolType::Kitty
        && picker.protocol_type() != ProtocolType::Halfblocks
    {
        let was = super::protocol_name(picker.protocol_type());
        picker.set_protocol_type(ProtocolType::Halfblocks);
        info = GraphicsInfo {
            protocol: Some("halfblocks".into()),
            note: Some(format!(
                "inside tmux the outer terminal's {was} cannot be drawn reliably; half blocks are used (kitty ≥ 0.28 outside tmux gives real images)"
            )),
        };
    }
    // kitty < 0.28 says "OK" to the kitty query but has no Unicode placeholders: ratatui-image
    // would draw empty boxes there. Unless the user chose kitty, ask its version.
    if setting == ImageProtocolSetting::Auto && picker.protocol_type() == ProtocolType::Kitty {
        let version = super::query::xtversion(picker.tmux_detected());
        tracing::info!(?version, "terminal version");
        if let Some(v) = version.filter(|v| super::query::kitty_without_placeholders(v)) {
            picker.set_protocol_type(ProtocolType::Halfblocks);
            info = GraphicsInfo {
                protocol: Some("halfblocks".into()),
                note: Some(format!(
                    "{} has no Unicode placeholders (kitty 0.28 or newer has): half blocks are used",
                    crate::sanitize::sanitize_line(&v)
                )),
            };
        }
    }
    tracing::info!(protocol = ?picker.protocol_type(), font = ?picker.font_size(), tmux = picker.tmux_detected(), "graphics");
    (Some(picker), info)
}

/// A picker for a protocol the user chose on a terminal that does not answer queries: the cell
/// size comes from the window size in pixels when the terminal reports one (10×20 otherwise).
fn picker_from_window_size() -> Picker {
    let font = rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .filter(|w| w.ws_col > 0 && w.ws_row > 0 && w.ws_xpixel > 0 && w.ws_ypixel > 0)
        .map_or((10, 20), |w| {
            (w.ws_xpixel / w.ws_col, w.ws_ypixel / w.ws_row)
        });
    // The constructor is deprecated in favour of the query, which is exactly what cannot run here.
    #[allow(deprecated)]
    Picker::from_fontsize(font.into())
}
