//! `Ctx`: a job task's handle on the engine: run a future unless the job is cancelled or qimg
//! shuts down, commit a state change before its event, and show a passing note.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::super::ApiEvent;
use super::super::engine::Shared;
use crate::domain::{Job, JobId, JobState, Level};
use crate::store::JobPatch;

/// Why a job task stopped before the job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The user cancelled the job.
    Cancelled,
    /// qimg is shutting down; the job resumes on the next start.
    Shutdown,
}

/// A job task's handle on the engine.
pub struct Ctx {
    pub(crate) shared: Arc<Shared>,
    /// The job.
    pub id: JobId,
    cancel: CancellationToken,
    shutdown: CancellationToken,
}

impl Ctx {
    /// The handle of job `id`.
    pub(crate) fn new(
        shared: Arc<Shared>,
        id: JobId,
        cancel: CancellationToken,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            shared,
            id,
            cancel,
            shutdown,
        }
    }

    /// Runs `fut` unless the job is cancelled or qimg shuts down first.
    pub async fn guard<T>(&self, fut: impl Future<Output = T>) -> Result<T, Stop> {
        tokio::select! {
            biased;
            _ = self.shutdown.cancelled() => Err(Stop::Shutdown),
            _ = self.cancel.cancelled() => Err(Stop::Cancelled),
            v = fut => Ok(v),
        }
    }

    /// Sleeps unless interrupted.
    pub async fn sleep(&self, d: Duration) -> Result<(), Stop> {
        self.guard(tokio::time::sleep(d)).await
    }

    /// Commits a state change, then tells the UI. Returns the stored job, or `None` when the
    /// store refused the move (backwards) or could not be written.
    pub async fn move_to(&self, state: JobState, patch: JobPatch) -> Option<Job> {
        let id = self.id;
        let stored = self
            .shared
            .store
            .run(move |s| s.transition(id, &state, &patch))
            .await;
        match stored {
            Ok(Some(job)) => {
                self.shared
                    .emit(ApiEvent::JobChanged(Box::new(job.clone())));
                Some(job)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!("cannot record a state change: {e}");
                self.notice(Level::Error, format!("cannot write the job store: {e}"));
                None
            }
        }
    }

    /// Ends the job as failed with `message`.
    pub async fn fail(&self, message: impl Into<String>) {
        let state = JobState::Failed {
            message: message.into(),
        };
        self.move_to(state, JobPatch::default()).await;
    }

    /// Ends the job as ambiguous with `message`.
    pub async fn ambiguous(&self, message: impl Into<String>) {
        let state = JobState::Ambiguous {
            message: message.into(),
        };
        self.move_to(state, JobPatch::default()).await;
    }

    /// Shows a passing note on the job (not a state change).
    pub fn note(&self, note: impl Into<String>) {
        self.shared.emit(ApiEvent::JobNote {
            id: self.id,
            note: Some(note.into()),
        });
    }

    /// Clears the job's note.
    pub fn clear_note(&self) {
        self.shared.emit(ApiEvent::JobNote {
            id: self.id,
            note: None,
        });
    }

    /// A message for the user that belongs to no single job.
    pub fn notice(&self, level: Level, text: impl Into<String>) {
        self.shared.emit(ApiEvent::Notice {
            level,
            text: text.into(),
        });
    }

    /// Where results go when their output folder cannot take them.
    pub fn rescue_dir(&self) -> std::path::PathBuf {
        self.shared.rescue_dir()
    }

    /// The store.
    pub fn store(&self) -> &crate::store::Store {
        &self.shared.store
    }
}
