//! The TUI application: the state, theme and keymap, and `update`, the one place that turns
//! keys, network events and helper results into state changes and effects. `run` owns the
//! terminal, the channels and the loop.

mod external;
mod gallery;
mod hangup;
mod history;
mod keys;
mod reference;
mod run;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::Event;

use crate::api::{ApiEvent, Command, Level};
use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::domain::{Job, JobId, JobState};
use crate::message::Msg;
use crate::preview::Previews;
use crate::state::{Field, Focus, Overlay, State};
pub use run::{Exit, TuiOptions, run_tui};

/// Jobs loaded per page from the store.
pub const PAGE: usize = 200;

/// Something the loop must do after an update.
#[derive(Debug)]
pub enum Effect {
    /// Send a command to the network task.
    Engine(Command),
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
    /// Read the parameters embedded in a PNG and load them into the form.
    LoadParams(PathBuf),
    /// Decode this file at full resolution (for zooming).
    DecodeFull(PathBuf),
    /// Make gallery thumbnails for these files.
    Thumbs(Vec<PathBuf>),
}

/// The TUI's model plus what rendering needs.
pub struct App {
    /// The state.
    pub state: State,
    /// Styles.
    pub theme: Theme,
    /// Bindings.
    pub keymap: Keymap,
    /// Preview protocols and decoded images.
    pub previews: Previews,
    /// Whether the screen needs drawing because of input (drawn at once).
    pub dirty: bool,
    last_submit: Option<(String, Instant)>,
}

/// Two submits of an unchanged form closer than this count as one (a key repeated by a
/// laggy link must not pay twice; reliability.md case 11).
const DOUBLE_SUBMIT_WINDOW: Duration = Duration::from_millis(1500);

impl App {
    /// A new app over `state`.
    pub fn new(state: State, theme: Theme, keymap: Keymap, previews: Previews) -> Self {
        Self {
            state,
            theme,
            keymap,
            previews,
            dirty: true,
            last_submit: None,
        }
    }

    /// Handles one terminal event.
    pub fn on_event(&mut self, ev: &Event, now: Instant) -> Vec<Effect> {
        match ev {
            Event::Key(k) if k.kind != crossterm::event::KeyEventKind::Release => {
                self.on_key(k, now)
            }
            Event::Paste(text) => {
                self.paste(text, now);
                Vec::new()
            }
            Event::Resize(..) => {
                self.dirty = true;
                Vec::new()
            }
            // Terminals (and tmux) can drop images while unfocused: repaint (graphics.md P7).
            Event::FocusGained => vec![Effect::Repaint],
            Event::Mouse(m) => self.on_mouse(m),
            _ => Vec::new(),
        }
    }

    /// Handles a network event.
    pub fn on_api(&mut self, ev: ApiEvent, now: Instant) -> Vec<Effect> {
        if let ApiEvent::Notice { level, text } = &ev {
            self.state.notice(*level, text.clone(), now);
            self.dirty = true;
            return Vec::new();
        }
        if let ApiEvent::JobChanged(job) = &ev
            && let Some(old) = self.state.jobs.get(job.id)
            && old.job.state.is_active()
            && job.state.is_end()
        {
            let (level, text) = match &job.state {
                JobState::Done => (Level::Info, format!("job {} done", job.id.short())),
                JobState::Cancelled => (Level::Info, format!("job {} cancelled", job.id.short())),
                s => (
                    Level::Warning,
                    format!("job {} {}", job.id.short(), s.name().replace('_', " ")),
                ),
            };
            self.state.notice(level, text, now);
        }
        // A new job that the current filter or search hides stays out of the list.
        if let ApiEvent::JobChanged(job) = &ev
            && self.state.jobs.get(job.id).is_none()
            && !self.state.history.matches(job)
        {
            return Vec::new();
        }
        if self.state.jobs.apply(&ev) {
            self.dirty = true;
        }
        self.preview_effects()
    }

    /// Handles a result of a background helper.
    pub fn on_msg(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::PreviewDecoded { path, result, dims } => {
                if let Some(d) = dims {
                    self.previews.set_dims(&path, d);
                }
                self.previews.on_decoded(path, result);
                self.dirty = true;
            }
            Msg::PreviewResized(resp) => {
                if self.previews.on_resized(resp) {
                    self.dirty = true;
                }
            }
            Msg::Reloaded { jobs, more } => {
                self.state.jobs.replace(jobs, more);
                self.dirty = true;
                return self.preview_effects();
            }
            Msg::FullDecoded { path, result } => {
                self.previews.on_full_decoded(path, result);
                self.dirty = true;
            }
            Msg::ThumbReady {
                path,
                result,
                kitty_id,
            } => {
                let evicted = self.previews.thumbs.on_ready(path, result, kitty_id);
                self.previews.retire_kitty(evicted);
                self.dirty = true;
            }
            Msg::Params(Ok(req)) => {
                if let Some(i) = self.state.profiles.iter().position(|p| p.wire == req.wire)
                    && self.state.profile.wire != req.wire
                {
                    self.state.switch_profile(i);
                }
                self.state.form.load(&req);
                self.state.focus = crate::state::Focus::Form(crate::state::Field::Prompt);
                self.state.form.focus = crate::state::Field::Prompt;
                self.state.notice(
                    Level::Info,
                    "parameters loaded from the PNG",
                    std::time::Instant::now(),
                );
                self.dirty = true;
            }
            Msg::Params(Err(why)) => {
                self.state
                    .notice(Level::Error, why, std::time::Instant::now());
                self.dirty = true;
            }
            Msg::OlderJobs { jobs, more } => {
                self.state.jobs.extend_older(jobs);
                self.state.jobs.more_in_store = more;
                self.dirty = true;
            }
        }
        Vec::new()
    }

    /// Decode requests for the image on screen (the selected job, or the viewer's), and the
    /// gallery's thumbnails.
    pub fn preview_effects(&mut self) -> Vec<Effect> {
        let mut fx = self.main_preview_effects();
        fx.extend(self.thumb_effects());
        fx
    }

    fn main_preview_effects(&mut self) -> Vec<Effect> {
        let id = self
            .state
            .viewer
            .or_else(|| self.state.jobs.selected().map(|v| v.job.id));
        let path = id
            .and_then(|id| self.state.jobs.get(id))
            .filter(|v| v.job.state == JobState::Done)
            .and_then(|v| v.job.saved_paths.first().cloned());
        let Some(p) = path else { return Vec::new() };
        let mut fx = Vec::new();
        if self.previews.needs_decode(&p) {
            fx.push(Effect::Decode(p.clone()));
        }
        if self.state.viewer.is_some() && self.state.zoom.level > 1 && self.previews.needs_full(&p)
        {
            fx.push(Effect::DecodeFull(p));
        }
        fx
    }

    fn paste(&mut self, text: &str, now: Instant) {
        let Focus::Form(field) = self.state.focus else {
            self.state
                .notice(Level::Warning, "paste into a text field of the form", now);
            self.dirty = true;
            return;
        };
        if field == Field::Seed && !self.state.form.seed_locked {
            self.state.form.seed_locked = true;
            self.state.form.seed.set("");
        }
        if let Some(input) = self.state.form.focused_text() {
            if !input.insert(text) {
                self.state
                    .notice(Level::Warning, "the paste was cut at 64 KiB", now);
            }
            self.state.form.error = None;
            self.dirty = true;
        }
    }

    /// Sends the form: one job per image, unless this exact form was just sent.
    fn submit(&mut self, now: Instant) -> Vec<Effect> {
        let requests = match self.state.form.validate() {
            Ok(r) => r,
            Err(e) => {
                self.state.notice(Level::Error, e.message.clone(), now);
                self.state.focus = Focus::Form(e.field);
                self.state.form.error = Some(e);
                return Vec::new();
            }
        };
        let fingerprint = format!(
            "{:?}|{}|{}",
            requests.first().map(|r| (
                &r.prompt,
                &r.model,
                r.seed.filter(|_| self.state.form.seed_locked)
            )),
            self.state.form.count,
            self.state.profile.name
        );
        if let Some((last, at)) = &self.last_submit
            && *last == fingerprint
            && now.saturating_duration_since(*at) < DOUBLE_SUBMIT_WINDOW
        {
            tracing::info!("repeated submit of an unchanged form ignored");
            return Vec::new();
        }
        self.last_submit = Some((fingerprint, now));
        self.state.form.error = None;
        let n = requests.len();
        let mut effects = Vec::with_capacity(n);
        let mut first = None;
        for req in requests {
            let job = Job::new(&self.state.profile.name, req);
            first.get_or_insert(job.id);
            self.state.jobs.upsert(job.clone());
            effects.push(Effect::Engine(Command::Submit(Box::new(job))));
        }
        if let Some(id) = first {
            self.state.jobs.select(id);
        }
        self.state.notice(
            Level::Info,
            format!("sent {n} job{}", if n == 1 { "" } else { "s" }),
            now,
        );
        effects
    }

    /// Sends a finished job's parameters again. Apiframe jobs reuse their idempotency key when
    /// the outcome was unknown, so the provider returns the original job instead of charging
    /// twice; gateway jobs have no such key, so an ambiguous one asks first.
    fn resubmit(&mut self, id: JobId, confirmed: bool, now: Instant) -> Vec<Effect> {
        let Some(old) = self.state.jobs.get(id).map(|v| v.job.clone()) else {
            return Vec::new();
        };
        if old.state.is_active() {
            self.state
                .notice(Level::Warning, "the job is still running", now);
            return Vec::new();
        }
        let ambiguous = matches!(old.state, JobState::Ambiguous { .. });
        let same_key = ambiguous && old.request.wire == crate::api::models::Wire::Apiframe;
        if ambiguous && !same_key && !confirmed {
            self.state.overlay = Some(Overlay::Confirm {
                text: "This gateway request may already have been made and charged. Send it again (it may charge twice)?".into(),
                on_yes: crate::state::Confirmed::Resubmit(id),
            });
            return Vec::new();
        }
        let mut job = Job::new(&old.profile, old.request.clone());
        job.resubmit_of = Some(old.id);
        if same_key {
            job.idempotency_key = old.idempotency_key.clone();
        }
        self.state.jobs.upsert(job.clone());
        self.state.jobs.select(job.id);
        let how = if same_key {
            " with the same idempotency key"
        } else {
            ""
        };
        self.state.notice(
            Level::Info,
            format!("sent job {} again{how}", old.id.short()),
            now,
        );
        vec![Effect::Engine(Command::Submit(Box::new(job)))]
    }
}

#[cfg(test)]
mod tests;
