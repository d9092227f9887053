//! Batches: the jobs of one submit of more than one job (a count, a template, a `--batch`
//! file) share a `BatchId`; `BatchProgress` counts where they are.

use super::{Job, StateKind};

super::id::uuid_id!(
    /// The id of a batch: a UUID made on this machine.
    BatchId
);

/// Where the jobs of a batch are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchProgress {
    /// Every job of the batch.
    pub total: usize,
    /// Finished with an image.
    pub done: usize,
    /// Failed or cancelled.
    pub failed: usize,
    /// Needing the user (ambiguous, timed out, expired).
    pub attention: usize,
    /// Queued or on their way.
    pub active: usize,
    /// Credits charged so far, where the jobs say.
    pub credits: i64,
}

impl BatchProgress {
    /// The progress of `jobs`.
    pub fn of<'a>(jobs: impl IntoIterator<Item = &'a Job>) -> Self {
        let mut p = Self::default();
        for j in jobs {
            p.total += 1;
            p.credits += j.credit_cost.unwrap_or(0);
            let kind = j.state.kind();
            if kind == StateKind::Done {
                p.done += 1;
            } else if StateKind::FAILED.contains(&kind) {
                p.failed += 1;
            } else if StateKind::ATTENTION.contains(&kind) {
                p.attention += 1;
            } else {
                p.active += 1;
            }
        }
        p
    }

    /// Every job has ended (done, failed or waiting for a decision).
    pub fn ended(&self) -> bool {
        self.active == 0
    }

    /// "5/8 ✓ 4 ✗ 1 ◐ 3": ended of all, then done, failed, needing the user (`?`), on their
    /// way.
    pub fn label(&self) -> String {
        let mut s = format!(
            "{}/{} ✓ {}",
            self.total - self.active,
            self.total,
            self.done
        );
        if self.failed > 0 {
            s.push_str(&format!(" ✗ {}", self.failed));
        }
        if self.attention > 0 {
            s.push_str(&format!(" ? {}", self.attention));
        }
        if self.active > 0 {
            s.push_str(&format!(" ◐ {}", self.active));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{JobRequest, JobState};

    #[test]
    fn progress_counts_every_state_once() {
        let job = |state| Job {
            state,
            ..Job::new(
                "sim",
                JobRequest::apiframe("x", crate::domain::models::AspectRatio::Square, 1),
            )
        };
        let jobs = [
            job(JobState::Done),
            job(JobState::Done),
            job(JobState::Queued),
            job(JobState::Failed {
                message: "x".into(),
            }),
        ];
        let p = BatchProgress::of(&jobs);
        assert_eq!((p.total, p.done, p.failed, p.active), (4, 2, 1, 1));
        assert_eq!(p.label(), "3/4 ✓ 2 ✗ 1 ◐ 1");
        assert!(!p.ended());
        let p = BatchProgress::of(&jobs[..2]);
        assert_eq!(p.label(), "2/2 ✓ 2");
        assert!(p.ended());
    }
}
