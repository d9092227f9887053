//! The network side: the providers (Apiframe, the gateway) behind one `Provider` trait, HTTP
//! and error normalisation, the job driver (`job`: a job's life as a state machine, with
//! `retry` deciding and `deliver` saving), the poll schedule, and the network task (`engine`)
//! that runs every job. Never imports ratatui.

pub mod apiframe;
pub mod deliver;
pub mod engine;
pub mod error;
pub mod gate;
pub mod http;
pub mod input_image;
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
    /// Run a new job. The engine writes its row before the first network byte.
    Submit(Box<Job>),
    /// Stop working on a job (Apiframe has no remote cancel: the job may still finish there).
    Cancel(JobId),
    /// Finish: stop every job task at a safe point (their state is in the store).
    Shutdown,
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
    /// A message for the user that belongs to no single job.
    Notice {
        /// Severity.
        level: Level,
        /// The text, sanitised.
        text: String,
    },
}
