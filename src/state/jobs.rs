//! `JobList`: the jobs the UI shows, newest first, with the selection. `apply` is the only
//! place network results change a job, and it only moves states forward.

use std::collections::HashMap;

use crate::api::ApiEvent;
use crate::domain::{Job, JobId};

/// One job as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    /// The job as stored.
    pub job: Job,
    /// A passing note from the network side ("rate limited, retrying at …").
    pub note: Option<String>,
    /// The user asked to cancel; the engine has not confirmed yet.
    pub cancelling: bool,
}

/// The list.
#[derive(Debug, Clone, Default)]
pub struct JobList {
    items: Vec<JobView>,
    index: HashMap<JobId, usize>,
    /// Index of the selected row.
    pub selected: usize,
    /// Jobs in the store that are not loaded yet (older ones, loaded on scroll).
    pub more_in_store: bool,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
    /// Batches shown folded (their header only).
    pub collapsed: std::collections::HashSet<crate::domain::BatchId>,
}

impl JobList {
    /// All rows, newest first.
    pub fn items(&self) -> &[JobView] {
        &self.items
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The selected row.
    pub fn selected(&self) -> Option<&JobView> {
        self.items.get(self.selected)
    }

    /// A row by id.
    pub fn get(&self, id: JobId) -> Option<&JobView> {
        self.index.get(&id).and_then(|i| self.items.get(*i))
    }

    fn get_mut(&mut self, id: JobId) -> Option<&mut JobView> {
        let i = *self.index.get(&id)?;
        self.items.get_mut(i)
    }

    /// True while any job is not in an end state (the tick runs only then).
    pub fn any_active(&self) -> bool {
        self.items.iter().any(|v| v.job.state.is_active())
    }

    /// Jobs not in an end state.
    pub fn active_count(&self) -> usize {
        self.items
            .iter()
            .filter(|v| v.job.state.is_active())
            .count()
    }

    fn reindex(&mut self) {
        self.index = self
            .items
            .iter()
            .enumerate()
            .map(|(i, v)| (v.job.id, i))
            .collect();
    }

    /// Adds or updates a job. An update that would move the state back is logged and ignored.
    /// Returns true when something visible changed.
    pub fn upsert(&mut self, job: Job) -> bool {
        if let Some(view) = self.get_mut(job.id) {
            let same_state = view.job.state == job.state;
            if !same_state && !view.job.state.can_move_to(&job.state) {
                tracing::debug!(id = %job.id, from = view.job.state.name(), to = job.state.name(), "state would move back; ignored");
                return false;
            }
            if view.job == job {
                return false;
            }
            if job.state.is_end() {
                view.cancelling = false;
                view.note = None;
            }
            view.job = job;
            return true;
        }
        let selected_id = self.selected().map(|v| v.job.id);
        // Newest first (a new job usually goes to the top), or oldest first.
        let key = (job.created_at, job.id);
        let pos = self
            .items
            .iter()
            .position(|v| {
                let k = (v.job.created_at, v.job.id);
                if self.oldest_first { k > key } else { k < key }
            })
            .unwrap_or(self.items.len());
        self.items.insert(
            pos,
            JobView {
                job,
                note: None,
                cancelling: false,
            },
        );
        self.reindex();
        if let Some(id) = selected_id {
            self.selected = self.index.get(&id).copied().unwrap_or(0);
        }
        true
    }

    /// Appends older jobs loaded from the store (lazy loading); known ids are skipped.
    pub fn extend_older(&mut self, jobs: Vec<Job>) {
        let selected_id = self.selected().map(|v| v.job.id);
        for job in jobs {
            if !self.index.contains_key(&job.id) {
                self.items.push(JobView {
                    job,
                    note: None,
                    cancelling: false,
                });
            }
        }
        if self.oldest_first {
            self.items.sort_by_key(|v| (v.job.created_at, v.job.id));
        } else {
            self.items
                .sort_by_key(|v| std::cmp::Reverse((v.job.created_at, v.job.id)));
        }
        self.reindex();
        if let Some(id) = selected_id {
            self.selected = self.index.get(&id).copied().unwrap_or(0);
        }
    }

    /// Replaces every row (a new filter, search or order), keeping the selected job when it
    /// is still listed.
    pub fn replace(&mut self, jobs: Vec<Job>, more: bool) {
        let selected_id = self.selected().map(|v| v.job.id);
        let notes: HashMap<JobId, (Option<String>, bool)> = self
            .items
            .drain(..)
            .map(|v| (v.job.id, (v.note, v.cancelling)))
            .collect();
        self.index.clear();
        self.selected = 0;
        self.extend_older(jobs);
        for v in &mut self.items {
            if let Some((note, cancelling)) = notes.get(&v.job.id) {
                v.note = note.clone();
                v.cancelling = *cancelling;
            }
        }
        if let Some(id) = selected_id {
            self.select(id);
        }
        self.more_in_store = more;
    }

    /// Removes a job from the list.
    pub fn remove(&mut self, id: JobId) {
        if let Some(i) = self.index.get(&id).copied() {
            self.items.remove(i);
            self.reindex();
            self.selected = self.selected.min(self.items.len().saturating_sub(1));
        }
    }

    /// Applies a network event; returns true when something visible changed.
    pub fn apply(&mut self, ev: &ApiEvent) -> bool {
        match ev {
            ApiEvent::JobChanged(job) => self.upsert((**job).clone()),
            ApiEvent::JobNote { id, note } => match self.get_mut(*id) {
                Some(v) => {
                    let new = note.clone().filter(|n| !n.is_empty());
                    let changed = v.note != new;
                    v.note = new;
                    changed
                }
                None => false,
            },
            ApiEvent::Refused { ids, .. } => {
                let listed = ids.iter().any(|id| self.get(*id).is_some());
                for id in ids {
                    self.remove(*id);
                }
                listed
            }
            ApiEvent::Notice { .. } | ApiEvent::Balance { .. } => false,
        }
    }

    /// Marks a job as being cancelled.
    pub fn mark_cancelling(&mut self, id: JobId) {
        if let Some(v) = self.get_mut(id) {
            v.cancelling = true;
        }
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_selection(&mut self, delta: isize) {
        if self.items.is_empty() {
            self.selected = 0;
            return;
        }
        let max = self.items.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(max);
    }

    /// Selects a job by id, when it is listed.
    pub fn select(&mut self, id: JobId) {
        if let Some(i) = self.index.get(&id) {
            self.selected = *i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::models::AspectRatio;
    use crate::domain::{JobRequest, JobState, Timestamp};

    fn job(t: i64) -> Job {
        let mut j = Job::new("sim", JobRequest::apiframe("p", AspectRatio::Square, 1));
        j.created_at = Timestamp(t);
        j
    }

    #[test]
    fn newest_first_and_selection_follows_its_job() {
        let mut l = JobList::default();
        let (a, b, c) = (job(1), job(3), job(2));
        l.upsert(a.clone());
        l.upsert(b.clone());
        l.select(a.id);
        l.upsert(c.clone());
        let order: Vec<_> = l.items().iter().map(|v| v.job.id).collect();
        assert_eq!(order, vec![b.id, c.id, a.id]);
        assert_eq!(l.selected().unwrap().job.id, a.id);
    }

    #[test]
    fn states_only_move_forward() {
        let mut l = JobList::default();
        let mut j = job(1);
        l.upsert(j.clone());
        j.state = JobState::Done;
        assert!(l.apply(&ApiEvent::JobChanged(Box::new(j.clone()))));
        j.state = JobState::Running { progress: Some(5) };
        assert!(!l.apply(&ApiEvent::JobChanged(Box::new(j.clone()))));
        assert_eq!(l.items()[0].job.state, JobState::Done);
        assert!(!l.any_active());
    }

    #[test]
    fn notes_set_and_clear() {
        let mut l = JobList::default();
        let j = job(1);
        l.upsert(j.clone());
        assert!(l.apply(&ApiEvent::JobNote {
            id: j.id,
            note: Some("rate limited".into())
        }));
        assert_eq!(l.items()[0].note.as_deref(), Some("rate limited"));
        assert!(l.apply(&ApiEvent::JobNote {
            id: j.id,
            note: None
        }));
        assert_eq!(l.items()[0].note, None);
    }

    #[test]
    fn selection_is_clamped() {
        let mut l = JobList::default();
        l.move_selection(5);
        assert_eq!(l.selected, 0);
        l.upsert(job(1));
        l.upsert(job(2));
        l.move_selection(10);
        assert_eq!(l.selected, 1);
        l.move_selection(-10);
        assert_eq!(l.selected, 0);
    }
}
