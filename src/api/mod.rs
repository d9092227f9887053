//! The network side: the providers (Apiframe, the gateway) behind one `Provider` trait, HTTP
//! and error normalisation, the job driver (`job`: a job's life as a state machine, with
//! `retry` deciding and `deliver` saving), the poll schedule, and the network task (`engine`)
//! that runs every job. Never imports ratatui.

pub mod apiframe;
pub mod balance;
pub mod deliver;
pub mod engine;
pub mod error;
pub mod gate;
pub mod http;
pub mod input_image;
mod intake;
pub mod job;
pub mod openai;
pub mod provider;
pub mod retry;
pub mod retry_after;
pub mod runtime;
pub mod schedule;
pub mod transport;

use crate::domain::{Job, JobId, Level};

pub use engine::{Adopt, Engine, EngineConfig, SimEndpoint, TransportOverride};
pub use error::ApiError;
pub use job::UNKNOWN_STATUS_DEADLINE;

/// What the network task must do, sent by the TUI or the CLI.
#[derive(Debug)]
pub enum Command {
    /// Run the new jobs of one submit. The engine writes their rows, all or none and within the
    /// profile's budget, before the first network byte.
    Submit(Submission),
    /// Read a profile's balance (Apiframe's `/v2/me`), at most once a minute; answered with
    /// `ApiEvent::Balance`.
    ReadBalance(String),
    /// Stop working on a job (Apiframe has no remote cancel: the job may still finish there).
    Cancel(JobId),
    /// Finish: stop every job task at a safe point (their state is in the store).
    Shutdown,
}

/// The jobs of one submit, stored together or not at all.
#[derive(Debug)]
pub struct Submission {
    /// The jobs, in the order they were planned.
    pub jobs: Vec<Job>,
    /// Told whether they were stored, with the reason when not (the CLI waits for it).
    pub reply: Option<tokio::sync::oneshot::Sender<Result<(), NotStored>>>,
}

/// Why the jobs of a submit were not stored (so none was sent).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotStored {
    /// The profile's budget does not allow them.
    #[error("{0}")]
    OverBudget(String),
    /// The store could not write them, or the engine stopped.
    #[error("{0}")]
    Failed(String),
}

impl Submission {
    /// A submit nobody waits on (the TUI learns from events).
    pub fn of(jobs: Vec<Job>) -> Self {
        Self { jobs, reply: None }
    }
}

/// What happened on the network side. The store already holds every state change an event
/// reports.
#[derive(Debug, Clone)]
pub enum ApiEvent {
    /// A job changed (or appeared, from this or another qimg process).
    JobChanged(Box<Job>),
    /// A note about a job that is not a state change ("rate limited; retrying in 7 s").
    JobNote {
        /// The job.
        id: JobId,
        /// The note, sanitised; `None` clears it.
        note: Option<String>,
    },
    /// A profile's credits, as the provider reported them.
    Balance {
        /// The profile.
        profile: String,
        /// Its team's credits.
        credits: i64,
    },
    /// A submit the budget refused: none of its jobs was stored or sent.
    Refused {
        /// The jobs of the submit.
        ids: Vec<JobId>,
        /// Why, with the numbers.
        text: String,
    },
    /// A message for the user that belongs to no single job.
    Notice {
        /// Severity.
        level: Level,
        /// The text, sanitised.
        text: String,
    },
}
