//! Graphics detection in the loop: the probe is written when the TUI starts and its answers
//! come back through the input reader as [`Answer`]s, so the first frame never waits for
//! them. When no answer comes by the deadline (a tmux pane no client shows), previews use half
//! blocks and qimg asks again the next time the pane may have become visible: focus gained, a
//! resize, or Ctrl-L. An answer that comes after the deadline still counts.

use std::time::Instant;

use super::{App, Effect};
use crate::config::ImageProtocolSetting;
use crate::preview::{self, Answer, Detection};

/// Where detection stands.
#[derive(Debug, Clone)]
pub struct Graphics {
    /// The user's choice.
    pub setting: ImageProtocolSetting,
    /// The probe in flight (kept after its deadline, so a late answer still counts).
    pub running: Option<Detection>,
    /// The deadline passed with no answer: ask again when the pane may be visible.
    pub unanswered: bool,
    /// Wrap the probe for tmux.
    pub tmux: bool,
}

impl Graphics {
    /// Nothing to detect (half blocks or off were chosen, or tests).
    pub fn fixed(setting: ImageProtocolSetting) -> Self {
        Self {
            setting,
            running: None,
            unanswered: false,
            tmux: false,
        }
    }

    /// A probe was just written.
    pub fn probing(setting: ImageProtocolSetting, tmux: bool, now: Instant) -> Self {
        Self {
            setting,
            running: Some(Detection::started(now)),
            unanswered: false,
            tmux,
        }
    }
}

/// What the pane says while the terminal is being asked.
pub const ASKING: &str = "asking the terminal which graphics it speaks…";

impl App {
    /// When the loop must call [`App::on_detection_deadline`].
    pub fn detection_deadline(&self) -> Option<Instant> {
        let g = &self.graphics;
        g.running
            .as_ref()
            .filter(|_| !g.unanswered)
            .map(|d| d.deadline)
    }

    /// The terminal said something.
    pub fn on_answer(&mut self, answer: &Answer) -> Vec<Effect> {
        let Some(d) = &mut self.graphics.running else {
            return Vec::new();
        };
        if !d.take(answer) {
            return Vec::new();
        }
        let found = d.found.clone();
        self.graphics.running = None;
        self.graphics.unanswered = false;
        self.apply_graphics(Some(&found))
    }

    /// No answer by the deadline: half blocks for now.
    pub fn on_detection_deadline(&mut self, now: Instant) -> Vec<Effect> {
        let Some(d) = &self.graphics.running else {
            return Vec::new();
        };
        if now < d.deadline || self.graphics.unanswered {
            return Vec::new();
        }
        let found = d.found.clone();
        self.graphics.unanswered = true;
        tracing::info!("the terminal did not answer the graphics probe");
        self.apply_graphics(Some(&found))
    }

    /// The pane may have become visible: ask again when the last probe got no answer.
    pub fn redetect_if_unanswered(&mut self, now: Instant) -> Vec<Effect> {
        if !self.graphics.unanswered {
            return Vec::new();
        }
        self.graphics.running = Some(Detection::started(now));
        self.graphics.unanswered = false;
        // The pane keeps what it says until the answers change it: a line more or less would
        // move the image and send it again.
        vec![Effect::WriteTerminal(preview::probe(self.graphics.tmux))]
    }

    fn apply_graphics(&mut self, found: Option<&preview::Found>) -> Vec<Effect> {
        let (picker, caps, info) = preview::conclude(self.graphics.setting, found);
        let new_picker = self.previews.set_picker(picker, &info);
        let new_caps = self.previews.set_kitty_caps(caps);
        if self.state.graphics != info {
            self.state.graphics = info;
            self.dirty = true;
        }
        if !new_picker && !new_caps {
            return Vec::new();
        }
        self.dirty = true;
        let mut fx = vec![Effect::Repaint];
        fx.extend(self.preview_effects());
        fx
    }
}
