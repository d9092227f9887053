//! The TUI application. `App` holds the model, the theme, the keymap, the previews and the
//! view state, and its `on_*` methods are the update: terminal input, network events and
//! helper results in, state changes and `Effect`s out. They do no I/O and read no clock or
//! randomness (the loop passes `now` in; seeds come from an injected stream). `effects` carries
//! the effects out, `event_loop` runs the loop over any `Screen` and input stream, and
//! `launch` wires the real terminal, signals and engine.

mod batch;
mod compare;
mod editor;
pub mod effects;
pub mod event_loop;
mod external;
mod gallery;
pub mod graphics;
mod grid;
mod hangup;
pub mod input;
mod jobs;
mod keys;
pub mod launch;
pub mod message;
pub mod notify;
mod notify_cmd;
pub mod presets;
mod recall;
mod reference;
pub mod screen;
pub mod terminal;
mod text;
mod update;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::api::Command;
use crate::config::keymap::{Keymap, Mode};
use crate::config::theme::Theme;
use crate::domain::JobId;
use crate::domain::seed::SeedStream;
use crate::preview::Previews;
use crate::services::NewJobs;
use crate::state::State;
use crate::ui::ViewState;

pub use event_loop::{EventLoop, Exit, Signal};
pub use launch::{Ended, Look, TuiOptions, run_tui, start};

/// Jobs loaded per page from the store.
pub const PAGE: usize = 200;

/// Why new jobs were made; decides the notice once they exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The compose form was submitted.
    Form,
    /// The jobs of a batch were sent again: `how` says which and how.
    Batch {
        /// The batch sent again.
        of: crate::domain::BatchId,
        /// "failed jobs", "with new seeds".
        how: &'static str,
    },
    /// A job was sent again: `how` says in what way ("same seed", …).
    Again {
        /// The job sent again.
        of: JobId,
        /// How, for the notice.
        how: &'static str,
    },
}

/// Something the loop must do after an update.
#[derive(Debug)]
pub enum Effect {
    /// Send a command to the network task.
    Engine(Command),
    /// Make jobs (resolve their files, draw their seeds) and send them.
    Create(NewJobs, Sent),
    /// Decode this file for preview, off the UI thread.
    Decode(PathBuf),
    /// Repaint the whole screen (an overlay covered an image, focus came back).
    Repaint,
    /// Load the next page of older jobs from the store.
    LoadOlder,
    /// Load the job list again for the current filter, search and order.
    ReloadJobs,
    /// Put text on the clipboard with OSC 52.
    Clipboard(String),
    /// Open a file or folder with the system's opener.
    OpenExternal(PathBuf),
    /// Delete a job's row, and its files when asked.
    DeleteJob {
        /// The job.
        id: JobId,
        /// Also delete these files.
        files: Vec<PathBuf>,
    },
    /// Read the parameters embedded in the PNG at this typed path and load them into the form.
    LoadParams(String),
    /// Decode this file at full resolution (for zooming).
    DecodeFull(PathBuf),
    /// Make gallery thumbnails for these files.
    Thumbs(Vec<PathBuf>),
    /// Complete the last path in the image field (this is its text).
    Complete(String),
    /// Write these bytes to the terminal (a graphics probe).
    WriteTerminal(Vec<u8>),
    /// Edit this field's text in the user's editor.
    Editor(crate::domain::draft::Field),
    /// Save the form's settings as a preset of this name (replacing one of that name).
    SavePreset {
        /// The name.
        name: String,
        /// The settings.
        preset: crate::domain::preset::Preset,
    },
    /// Delete the preset of this name.
    DeletePreset(String),
    /// Read `presets.toml` again (it may have been edited while qimg runs).
    LoadPresets,
    /// Read today's and this week's spend from the store.
    LoadSpend,
    /// Run `notify_cmd` with this JSON on stdin.
    NotifyCmd(String),
    /// Write a contact sheet of these jobs (a batch) to the sheets folder.
    Sheet(Vec<crate::domain::Job>),
}

/// The TUI's model plus what rendering needs.
pub struct App {
    /// The model.
    pub state: State,
    /// Styles by role.
    pub theme: Theme,
    /// Key bindings; every key name shown comes from here.
    pub keymap: Keymap,
    /// Preview protocols and decoded images (widget state of the preview pane).
    pub previews: Previews,
    /// What rendering remembers between frames (list and grid geometry, prompt width).
    pub view: ViewState,
    /// The screen must be drawn because of input (drawn at once).
    pub dirty: bool,
    /// qimg runs on this machine (not over SSH): a system viewer can be opened.
    pub local_session: bool,
    /// Graphics detection.
    pub graphics: graphics::Graphics,
    /// Seeds for a seed locked without a number typed.
    seeds: SeedStream,
    /// The last submitted form and when, to ignore a key repeated by a laggy link.
    last_submit: Option<(String, Instant)>,
    /// The window title last set (a progress line).
    last_title: Option<String>,
}

/// Two submits of an unchanged form closer than this count as one (a key repeated by a
/// laggy link must not pay twice).
const DOUBLE_SUBMIT_WINDOW: Duration = Duration::from_millis(1500);

impl App {
    /// A new app over `state`.
    pub fn new(state: State, theme: Theme, keymap: Keymap, previews: Previews) -> Self {
        Self {
            state,
            theme,
            keymap,
            previews,
            view: ViewState::default(),
            dirty: true,
            local_session: true,
            graphics: graphics::Graphics::fixed(crate::config::ImageProtocolSetting::Auto),
            seeds: SeedStream::new(0),
            last_submit: None,
            last_title: None,
        }
    }

    /// Seeds the stream of seeds drawn when a seed is locked without a number (production
    /// passes real entropy; tests a fixed value).
    pub fn with_entropy(mut self, entropy: u64) -> Self {
        self.seeds = SeedStream::new(entropy);
        self
    }

    /// The display name of the key bound to `action` in `mode` (or globally), for hints and
    /// notices; `None` when it is unbound.
    pub fn key_name(&self, mode: Mode, action: crate::action::Action) -> Option<String> {
        self.keymap.key_for(mode, action).map(|k| k.display())
    }

    /// `text` with "(KEY)" when `action` has a key in `mode`, else `text` alone.
    fn hint(&self, text: &str, mode: Mode, action: crate::action::Action) -> String {
        match self.key_name(mode, action) {
            Some(k) => format!("{text} ({k})"),
            None => text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests;
