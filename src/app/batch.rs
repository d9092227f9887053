//! Batch actions on the selected job's batch: fold or unfold it, cancel the jobs not sent yet
//! (running ones go on), send its failed jobs again, send the whole batch again with new
//! seeds, or export it as a contact sheet. Jobs sent again are a new batch whose jobs name the old ones as parents.

use std::time::Instant;

use super::jobs::again;
use super::{App, Effect, Sent};
use crate::action::Action;
use crate::api::Command;
use crate::domain::draft::Plan;
use crate::domain::{BatchId, Job, Level, StateKind};
use crate::services::NewJobs;

impl App {
    /// Carries out a batch action.
    pub(super) fn on_batch_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        if action == Action::ExportSheet && !self.state.marked.is_empty() {
            // Marked jobs (an A/B pair) make their own sheet.
            let jobs: Vec<_> = self
                .state
                .marked
                .iter()
                .filter_map(|id| self.state.jobs.get(*id).map(|v| v.job.clone()))
                .collect();
            let text = format!("writing a contact sheet of the {} marked jobs…", jobs.len());
            self.state.notice(Level::Info, text, now);
            return vec![Effect::Sheet(jobs)];
        }
        let Some(batch) = self.state.jobs.selected().and_then(|v| v.job.batch) else {
            self.state
                .notice(Level::Info, "the selected job is not part of a batch", now);
            return Vec::new();
        };
        match action {
            Action::ToggleBatch => {
                self.state.jobs.toggle_batch();
                self.dirty = true;
                self.preview_effects()
            }
            Action::CancelBatch => self.cancel_pending(batch, now),
            Action::RetryBatch => self.send_batch_again(batch, false, now),
            Action::RerunBatch => self.send_batch_again(batch, true, now),
            Action::BatchGrid => {
                self.state.gallery = true;
                self.state.gallery_batch = Some(batch);
                self.preview_effects()
            }
            Action::ExportSheet => {
                let mut jobs: Vec<_> = self
                    .state
                    .jobs
                    .batch_jobs(batch)
                    .map(|v| v.job.clone())
                    .collect();
                let text = format!("writing a contact sheet of {} jobs…", jobs.len());
                self.state.notice(Level::Info, text, now);
                // In the order they were sent: the list shows newest first.
                jobs.sort_by_key(|j| j.created_at);
                vec![Effect::Sheet(jobs)]
            }
            _ => Vec::new(),
        }
    }

    /// Cancels the batch's jobs that have not been sent (queued); the rest go on.
    fn cancel_pending(&mut self, batch: BatchId, now: Instant) -> Vec<Effect> {
        let jobs = &self.state.jobs;
        let pending: Vec<_> = jobs
            .batch_jobs(batch)
            .filter(|v| v.job.state.kind() == StateKind::Queued && !v.cancelling)
            .map(|v| v.job.id)
            .collect();
        let going = jobs
            .batch_jobs(batch)
            .filter(|v| v.job.state.is_active() && v.job.state.kind() != StateKind::Queued)
            .count();
        for id in &pending {
            self.state.jobs.mark_cancelling(*id);
        }
        let text = match (pending.len(), going) {
            (0, _) => format!("batch {}: no job is waiting to be sent", batch.short()),
            (n, 0) => format!("batch {}: cancelling {n} queued jobs", batch.short()),
            (n, g) => format!(
                "batch {}: cancelling {n} queued jobs; {g} already sent go on",
                batch.short()
            ),
        };
        self.state.notice(Level::Info, text, now);
        pending
            .into_iter()
            .map(|id| Effect::Engine(Command::Cancel(id)))
            .collect()
    }

    /// Sends the batch's failed jobs again (`all`: every job, with new seeds) as a new batch.
    fn send_batch_again(&mut self, batch: BatchId, all: bool, now: Instant) -> Vec<Effect> {
        let chosen: Vec<Job> = self
            .state
            .jobs
            .batch_jobs(batch)
            .filter(|v| all || StateKind::FAILED.contains(&v.job.state.kind()))
            .map(|v| v.job.clone())
            .collect();
        let Some(first) = chosen.first() else {
            let text = format!("batch {}: no failed job to send again", batch.short());
            self.state.notice(Level::Info, text, now);
            return Vec::new();
        };
        let profile = first.profile.clone();
        let mut plan = Plan::default();
        for job in &chosen {
            // Retried jobs keep their seed (the same request again); a rerun draws new ones.
            let range = if all { self.seed_range(job) } else { None };
            plan.extend(again(job, all, range));
        }
        let new = NewJobs {
            parents: chosen.iter().map(|j| j.id).collect(),
            ..NewJobs::of(&profile, plan)
        };
        let how = if all {
            "every job, with new seeds"
        } else {
            "its failed jobs"
        };
        vec![Effect::Create(new, Sent::Batch { of: batch, how })]
    }
}
