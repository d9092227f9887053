//! Sending jobs and acting on them: submit the form (once per draft), send a job again (rerun,
//! reroll, resubmit), edit it in the form, copy, open, delete, and the list's search, filter
//! and order. Every new job goes through `Effect::Create`.

use std::time::Instant;

use super::{App, DOUBLE_SUBMIT_WINDOW, Effect, Sent};
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::draft::Plan;
use crate::domain::models::Wire;
use crate::domain::{Job, JobId, JobState, Level};
use crate::services::NewJobs;
use crate::state::{Confirmed, Field, Focus, Overlay};

impl App {
    /// Sends the form: one job per image, unless this exact form was just sent. A submit of
    /// many jobs or a high estimated cost asks first.
    pub(super) fn submit(&mut self, now: Instant) -> Vec<Effect> {
        self.submit_confirmed(now, false)
    }

    /// Sends the form; `confirmed` when the user already said yes to its size or cost.
    pub(super) fn submit_confirmed(&mut self, now: Instant, confirmed: bool) -> Vec<Effect> {
        let plan = match self.state.form.validate() {
            Ok(p) => p,
            Err(e) => {
                self.state.notice(Level::Error, e.message.clone(), now);
                self.state.focus = Focus::Form(e.field);
                self.state.form.error = Some(e);
                return Vec::new();
            }
        };
        let first = plan.jobs.first().map(|p| &p.request);
        let fingerprint = format!(
            "{:?}|{}|{}",
            first.map(|r| (&r.prompt, &r.model, r.seed)),
            plan.jobs.len(),
            self.state.profile.name
        );
        if let Some((last, at)) = &self.last_submit
            && *last == fingerprint
            && now.saturating_duration_since(*at) < DOUBLE_SUBMIT_WINDOW
        {
            tracing::info!("repeated submit of an unchanged form ignored");
            return Vec::new();
        }
        if !confirmed
            && self
                .state
                .form
                .estimate(&plan)
                .needs_confirming(self.state.confirm_rule())
        {
            self.state.overlay = Some(Overlay::Confirm {
                text: self.confirm_text(&Confirmed::Submit),
                on_yes: Confirmed::Submit,
            });
            return Vec::new();
        }
        self.last_submit = Some((fingerprint, now));
        self.state.form.error = None;
        let typed = self.state.form.prompt.text().trim().to_owned();
        let jobs = plan.jobs.len() as u64;
        self.state
            .recall
            .remember(&typed, jobs, crate::domain::Timestamp::now());
        let new = NewJobs {
            parent: self.state.form.parent,
            ..NewJobs::of(&self.state.profile.name, plan)
        };
        vec![Effect::Create(new, Sent::Form)]
    }

    /// Sends a finished job's parameters again. Apiframe jobs reuse their idempotency key when
    /// the outcome was unknown, so the provider returns the original job instead of charging
    /// twice; gateway jobs have no such key, so an ambiguous one asks first.
    pub(super) fn resubmit(&mut self, id: JobId, confirmed: bool, now: Instant) -> Vec<Effect> {
        let Some(old) = self.state.jobs.get(id).map(|v| v.job.clone()) else {
            return Vec::new();
        };
        if old.state.is_active() {
            self.state
                .notice(Level::Warning, "the job is still running", now);
            return Vec::new();
        }
        let ambiguous = matches!(old.state, JobState::Ambiguous { .. });
        let same_key = ambiguous && old.request.wire == Wire::Apiframe;
        if ambiguous && !same_key && !confirmed {
            let on_yes = Confirmed::Resubmit(id);
            self.state.overlay = Some(Overlay::Confirm {
                text: self.confirm_text(&on_yes),
                on_yes,
            });
            return Vec::new();
        }
        let new = NewJobs {
            resubmit_of: Some(old.id),
            idempotency_key: same_key.then(|| old.idempotency_key.clone()),
            ..NewJobs::of(&old.profile, again(&old, false, None))
        };
        let how = if same_key {
            " with the same idempotency key"
        } else {
            ""
        };
        vec![Effect::Create(new, Sent::Again { of: old.id, how })]
    }

    /// The question for an action that needs a yes, with the keys that answer it.
    pub(super) fn confirm_text(&self, what: &Confirmed) -> String {
        let key = |a| {
            self.key_name(Mode::Confirm, a)
                .unwrap_or_else(|| "?".into())
        };
        let (yes, no, files) = (key(Action::Yes), key(Action::No), key(Action::YesWithFiles));
        match what {
            Confirmed::Submit => {
                let what = self
                    .state
                    .form
                    .validate()
                    .map(|plan| self.state.form.estimate(&plan).to_string())
                    .unwrap_or_else(|_| "these jobs".into());
                format!("Send {what}? {yes}: send, {no}: keep editing")
            }
            Confirmed::Grid(plan) => {
                let what = self.state.form.estimate(plan).to_string();
                format!("Send this grid run, {what}? {yes}: send, {no}: keep editing")
            }
            Confirmed::Resubmit(_) => format!(
                "This gateway request may already have been made and charged. Send it again (it may charge twice)? {yes}: send, {no}: keep"
            ),
            Confirmed::Delete(id) => {
                let with_files = self
                    .state
                    .jobs
                    .get(*id)
                    .is_some_and(|v| !v.job.saved_paths.is_empty());
                let files = if with_files {
                    format!(", {files}: delete it and its image file")
                } else {
                    String::new()
                };
                format!(
                    "Delete job {} from the history? {yes}: delete the job (the image stays){files}, {no}: keep",
                    id.short()
                )
            }
        }
    }

    /// The seed range of `job`'s model, as its profile's catalogue says; a model no profile
    /// offers any more keeps the full range when the job had a seed.
    pub(super) fn seed_range(&self, job: &Job) -> Option<(u32, u32)> {
        let spec = self
            .state
            .profiles
            .iter()
            .flat_map(|p| p.models.iter())
            .find(|m| m.id == job.request.model);
        match spec {
            Some(m) => m.seed,
            None => job.request.seed.map(|_| (0, crate::domain::seed::SEED_MAX)),
        }
    }

    fn selected_job(&self) -> Option<Job> {
        let id = self
            .state
            .viewer
            .or_else(|| self.state.jobs.selected().map(|v| v.job.id))?;
        self.state.jobs.get(id).map(|v| v.job.clone())
    }

    /// Carries out a history action.
    pub(super) fn on_history_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        match action {
            Action::Search => {
                self.state.focus = Focus::Search;
                return Vec::new();
            }
            Action::CycleFilter => {
                let h = &mut self.state.history;
                h.filter = h.filter.next();
                let label = h.filter.label();
                self.state
                    .notice(Level::Info, format!("showing {label} jobs"), now);
                return vec![Effect::ReloadJobs];
            }
            Action::ToggleSort => {
                self.state.history.oldest_first = !self.state.history.oldest_first;
                self.state.jobs.oldest_first = self.state.history.oldest_first;
                return vec![Effect::ReloadJobs];
            }
            Action::LoadParams => return self.load_params(now),
            _ => {}
        }
        let Some(job) = self.selected_job() else {
            self.state.notice(Level::Warning, "select a job first", now);
            return Vec::new();
        };
        match action {
            Action::Rerun | Action::Reroll => {
                let reroll = action == Action::Reroll;
                let how = if reroll {
                    " (new seed)"
                } else {
                    " (same seed)"
                };
                let range = self.seed_range(&job);
                let new = NewJobs {
                    parent: Some(job.id),
                    ..NewJobs::of(&job.profile, again(&job, reroll, range))
                };
                vec![Effect::Create(new, Sent::Again { of: job.id, how })]
            }
            Action::EditJob => self.edit_job(&job, now),
            Action::CopyPrompt => {
                self.state.notice(Level::Info, "prompt copied", now);
                vec![Effect::Clipboard(job.request.prompt.clone())]
            }
            Action::CopyPath | Action::OpenImage | Action::OpenFolder => {
                self.on_file_action(action, &job, now)
            }
            Action::DeleteJob => self.ask_delete(&job, now),
            _ => Vec::new(),
        }
    }

    fn load_params(&mut self, now: Instant) -> Vec<Effect> {
        let path = self.state.form.reference.text().trim().to_owned();
        if path.is_empty() || path.starts_with("http") {
            let text = self.hint(
                "type the path of a PNG in the Image field, then load its parameters",
                Mode::Text,
                Action::LoadParams,
            );
            self.state.notice(Level::Warning, text, now);
            return Vec::new();
        }
        vec![Effect::LoadParams(path)]
    }

    fn edit_job(&mut self, job: &Job, now: Instant) -> Vec<Effect> {
        let view = self
            .state
            .profiles
            .iter()
            .position(|p| p.name == job.profile);
        if let Some(i) = view.filter(|_| self.state.profile.name != job.profile) {
            self.state.switch_profile(i);
        }
        self.state.form.load(&job.request);
        self.state.form.parent = Some(job.id);
        self.state.focus = Focus::Form(Field::Prompt);
        let text = self.hint(
            "parameters loaded; change them and submit",
            Mode::Text,
            Action::Submit,
        );
        self.state.notice(Level::Info, text, now);
        Vec::new()
    }

    fn on_file_action(&mut self, action: Action, job: &Job, now: Instant) -> Vec<Effect> {
        let Some(path) = job.saved_paths.first() else {
            self.state
                .notice(Level::Warning, "this job has no saved image", now);
            return Vec::new();
        };
        if action == Action::CopyPath {
            self.state.notice(Level::Info, "path copied", now);
            return vec![Effect::Clipboard(path.display().to_string())];
        }
        if !self.local_session {
            let text = self.hint(
                "this is a remote (SSH) session: no viewer here; copy the path",
                Mode::Jobs,
                Action::CopyPath,
            );
            self.state.notice(Level::Warning, text, now);
            return Vec::new();
        }
        let target = if action == Action::OpenFolder {
            path.parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default()
        } else {
            path.clone()
        };
        vec![Effect::OpenExternal(target)]
    }

    fn ask_delete(&mut self, job: &Job, now: Instant) -> Vec<Effect> {
        if job.state.is_active() {
            let text = self.hint(
                "cancel the job before deleting it",
                Mode::Jobs,
                Action::CancelJob,
            );
            self.state.notice(Level::Warning, text, now);
            return Vec::new();
        }
        let on_yes = Confirmed::Delete(job.id);
        self.state.overlay = Some(Overlay::Confirm {
            text: self.confirm_text(&on_yes),
            on_yes,
        });
        Vec::new()
    }

    /// Deletes a job from the list and asks the loop to delete it from the store.
    pub(super) fn delete(&mut self, id: JobId, with_files: bool, now: Instant) -> Vec<Effect> {
        let Some(job) = self.state.jobs.get(id).map(|v| v.job.clone()) else {
            return Vec::new();
        };
        if job.state.is_active() {
            return Vec::new();
        }
        self.state.jobs.remove(id);
        let files = if with_files {
            job.saved_paths.clone()
        } else {
            Vec::new()
        };
        let what = if files.is_empty() {
            ""
        } else {
            " and its image"
        };
        self.state.notice(
            Level::Info,
            format!("deleted job {}{what}", id.short()),
            now,
        );
        let mut fx = vec![Effect::DeleteJob { id, files }];
        fx.extend(self.preview_effects());
        fx
    }
}

/// A plan that sends `job`'s request once more: with its seed, or (`new_seed`) with a new one
/// in `range`, the model's seed range (`None`: the wire carries no seed).
pub(super) fn again(job: &Job, new_seed: bool, range: Option<(u32, u32)>) -> Plan {
    let mut request = job.request.clone();
    let draw = range.filter(|_| new_seed);
    if draw.is_some() {
        request.seed = None;
    }
    Plan::one(request, draw)
}
