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
/// is on and before anything reads input (graphics.md P10).
pub fn detect(setting: ImageProtocolSetting) -> (Option<Picker>, GraphicsInfo) {
    let queried = || {
        Picker::from_query_stdio().unwrap_or_else(|e| {
            tracing::info!("terminal graphics query failed ({e}); using half blocks");
            Picker::halfblocks()
        })
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
        ImageProtocolSetting::Auto => queried(),
        forced => {
            let mut p = queried();
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
    // through passthrough is broken in ratatui-image 11 (graphics.md P6, P7). Unless the user
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
    tracing::info!(protocol = ?picker.protocol_type(), font = ?picker.font_size(), tmux = picker.tmux_detected(), "graphics");
    (Some(picker), info)
}
