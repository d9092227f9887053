//! The entry points of the update: terminal events, network events and helper results, and
//! the decode requests for the image on screen.

use std::time::Instant;

use crossterm::event::{Event, KeyEventKind};

use super::message::Msg;
use super::{App, Effect, Sent};
use crate::api::{ApiEvent, Command};
use crate::domain::{Job, JobState, Level};
use crate::state::{Field, Focus};

impl App {
    /// Handles one terminal event.
    pub fn on_event(&mut self, ev: &Event, now: Instant) -> Vec<Effect> {
        match ev {
            // Presses only: terminals that report releases and repeats (kitty's keyboard
            // protocol) would otherwise act twice.
            Event::Key(k) if k.kind == KeyEventKind::Press => self.on_key(k, now),
            Event::Paste(text) => {
                self.paste(text, now);
                Vec::new()
            }
            Event::Resize(..) => {
                self.dirty = true;
                self.redetect_if_unanswered(now)
            }
            // Terminals (and tmux) can drop images while unfocused: repaint.
            Event::FocusLost => {
                self.state.focused = false;
                Vec::new()
            }
            Event::FocusGained => {
                self.state.focused = true;
                let mut fx = vec![Effect::Repaint];
                fx.extend(self.redetect_if_unanswered(now));
                fx
            }
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
        if let ApiEvent::Balance { profile, credits } = ev {
            self.state.balance = Some((profile, credits));
            self.dirty = true;
            return Vec::new();
        }
        if let ApiEvent::Refused { text, .. } = &ev {
            // Nothing was stored: the same form may be sent again at once (after a change).
            self.state.notice(Level::Error, text.clone(), now);
            self.last_submit = None;
            self.dirty = true;
        }
        let mut fx = Vec::new();
        let mut ended = None;
        if let ApiEvent::JobChanged(job) = &ev {
            let listed = self.state.jobs.get(job.id).map(|v| v.job.state.is_active());
            let was_active = listed == Some(true);
            // A job that ends (or reports its cost) changes the spend in the header.
            if (job.state.is_end() && listed != Some(false)) || job.credit_cost.is_some() {
                fx.push(Effect::LoadSpend);
            }
            // The balance moves when a job of this process ends (read at most once a minute).
            if was_active && job.state.is_end() {
                fx.push(Effect::Engine(Command::ReadBalance(job.profile.clone())));
            }
            ended = Some((job.clone(), was_active));
            self.notice_end(job, now);
            // A new job that the current filter or search hides stays out of the list.
            if listed.is_none() && !self.state.history.matches(job) {
                return fx;
            }
        }
        if self.state.jobs.apply(&ev) {
            self.dirty = true;
        }
        // After the list has the change, so a batch's digest sees its last job ended.
        if let Some((job, was_active)) = ended {
            fx.extend(self.ending_effects(&job, was_active));
        }
        fx.extend(self.title_effect());
        fx.extend(self.preview_effects());
        fx
    }

    /// Says when a listed job reaches its end.
    fn notice_end(&mut self, job: &Job, now: Instant) {
        let was_active = self
            .state
            .jobs
            .get(job.id)
            .is_some_and(|old| old.job.state.is_active());
        if !was_active || !job.state.is_end() {
            return;
        }
        tracing::debug!(job = %job.id.short(), state = ?job.state.kind(), "job ended");
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

    /// Handles a result of a background helper.
    pub fn on_msg(&mut self, msg: Msg, now: Instant) -> Vec<Effect> {
        match msg {
            Msg::PreviewDecoded { path, result, dims } => {
                if let Some(d) = dims {
                    self.previews.set_dims(&path, d);
                }
                self.previews.on_decoded(path, result);
                self.dirty = true;
            }
            Msg::TerminalAnswer(answer) => return self.on_answer(&answer),
            Msg::RecallLoaded(history) => {
                // A prompt sent before the history came in stays the newest (the store may
                // have counted it already).
                let sent_meanwhile = std::mem::take(&mut self.state.recall.entries);
                self.state.recall = crate::state::recall::PromptRecall::new(history);
                for p in sent_meanwhile.into_iter().rev() {
                    let counted = self.state.recall.entries.iter().any(|e| e.text == p.text);
                    let uses = if counted { 0 } else { p.uses };
                    self.state.recall.remember(&p.text, uses, p.last_used);
                }
            }
            Msg::PreviewEncoded(done) => {
                if self.previews.on_encoded(done) {
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
            Msg::Params(result) => self.on_params(result, now),
            Msg::PresetsWritten(w) => self.on_presets_written(w, now),
            Msg::OlderJobs { jobs, more } => {
                self.state.jobs.extend_older(jobs);
                self.state.jobs.more_in_store = more;
                self.dirty = true;
            }
            Msg::Created { jobs, sent } => return self.on_created(jobs, &sent, now),
            Msg::Completed { typed, found } => return self.on_completed(&typed, found, now),
            Msg::Failed(text) => {
                self.state.notice(Level::Error, text, now);
                self.dirty = true;
            }
            Msg::Spend(day, week) => {
                self.state.spend = Some((day, week));
                self.dirty = true;
            }
            Msg::Finished(text) => {
                self.state.notice(Level::Info, text, now);
                self.dirty = true;
            }
        }
        Vec::new()
    }

    fn on_params(&mut self, result: Result<crate::domain::JobRequest, String>, now: Instant) {
        match result {
            Ok(req) => {
                if let Some(i) = self.state.profiles.iter().position(|p| p.wire == req.wire)
                    && self.state.profile.wire != req.wire
                {
                    self.state.switch_profile(i);
                }
                self.state.form.load(&req);
                self.state.focus = Focus::Form(Field::Prompt);
                self.state
                    .notice(Level::Info, "parameters loaded from the PNG", now);
            }
            Err(why) => self.state.notice(Level::Error, why, now),
        }
        self.dirty = true;
    }

    /// New jobs exist: list them, select the first, say so, and send them.
    fn on_created(
        &mut self,
        jobs: Result<Vec<Job>, crate::api::input_image::InputError>,
        sent: &Sent,
        now: Instant,
    ) -> Vec<Effect> {
        let jobs = match jobs {
            Ok(jobs) => jobs,
            Err(e) => {
                // Nothing was stored: the form says why, on the image field.
                let message = format!("not sent: {e}");
                self.state.notice(Level::Error, message.clone(), now);
                self.state.focus = Focus::Form(Field::Reference);
                self.state.form.error = Some(crate::state::FormError {
                    field: Field::Reference,
                    message,
                });
                self.last_submit = None;
                self.dirty = true;
                return Vec::new();
            }
        };
        let n = jobs.len();
        let Some(first) = jobs.first().map(|j| j.id) else {
            return Vec::new();
        };
        for job in &jobs {
            self.state.jobs.upsert(job.clone());
        }
        let mut effects = vec![Effect::Engine(Command::Submit(crate::api::Submission::of(
            jobs,
        )))];
        self.state.jobs.select(first);
        let text = match sent {
            Sent::Form => format!("sent {n} job{}", if n == 1 { "" } else { "s" }),
            Sent::Again { of, how } => format!("sent job {} again{how}", of.short()),
            Sent::Batch { of, how } => {
                format!("sent {n} jobs of batch {} again: {how}", of.short())
            }
        };
        self.state.notice(Level::Info, text, now);
        self.dirty = true;
        effects.extend(self.preview_effects());
        effects
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
}
