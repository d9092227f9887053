//! The plain job types every layer shares: ids, the request a job carries, its state machine
//! and timestamps. No I/O here.

pub mod batch;
pub mod budget;
pub mod catalogue;
pub mod compare;
pub mod draft;
pub mod format;
pub mod grid;
mod id;
pub mod ledger;
mod level;
pub mod models;
pub mod notify;
pub mod preset;
mod request;
pub mod seed;
mod state;
pub mod template;

pub use batch::BatchId;
pub use format::ImageFormat;
pub use level::Level;
pub use request::{BadUrl, ImageInput, JobRequest, check_url};
pub use state::{JobState, StateKind};

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The key the simulator accepts unless told otherwise. Not a secret: it only opens the local
/// simulator.
pub const SIM_DEFAULT_KEY: &str = "sim-local-key";

id::uuid_id!(
    /// A local job id: a UUID made on this machine, used in file names and the store.
    JobId
);

/// Milliseconds since the Unix epoch (wall clock; for display and storage, never scheduling).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Now, by the wall clock. A clock before 1970 reads as 0 rather than panicking.
    pub fn now() -> Self {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self(ms)
    }

    /// Time from `self` to `later`, zero if the clock went backwards.
    pub fn until(self, later: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(later.0.saturating_sub(self.0)).unwrap_or(0))
    }

    /// ISO-8601 in UTC, such as `2026-11-23T11:19:39Z`.
    pub fn to_rfc3339(self) -> String {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .and_then(|t| t.replace_nanosecond(0).ok())
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default()
    }
}

/// One job as qimg keeps it: in the store, in the job list, and in the CLI's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Local id.
    pub id: JobId,
    /// The profile it runs on.
    pub profile: String,
    /// What was asked for.
    pub request: JobRequest,
    /// Sent as `Idempotency-Key` on every attempt of this job's submit (Apiframe).
    pub idempotency_key: String,
    /// The provider's job id, once known.
    pub remote_id: Option<String>,
    /// Where the job is.
    pub state: JobState,
    /// When the job was made.
    pub created_at: Timestamp,
    /// When the state last changed.
    pub updated_at: Timestamp,
    /// When the provider accepted the job.
    pub submitted_at: Option<Timestamp>,
    /// When the job reached an end state.
    pub finished_at: Option<Timestamp>,
    /// Result URLs from the provider (kept so a download can resume).
    pub result_urls: Vec<String>,
    /// Saved files.
    pub saved_paths: Vec<PathBuf>,
    /// Credits charged, when the provider says.
    pub credit_cost: Option<i64>,
    /// The prompt the provider actually drew, when it rewrote the one sent (`prompt_extend`).
    pub revised_prompt: Option<String>,
    /// The job this one resubmits, if any.
    pub resubmit_of: Option<JobId>,
    /// The batch it was sent in (a submit of more than one job).
    pub batch: Option<BatchId>,
    /// The job it came from: the one rerun, rerolled, resubmitted, edited or used as its
    /// reference.
    pub parent: Option<JobId>,
    /// Its cell, when it was sent in a grid run.
    pub grid: Option<grid::GridCell>,
}

impl Job {
    /// A new queued job for `request` on `profile`, with a fresh idempotency key.
    pub fn new(profile: &str, request: JobRequest) -> Self {
        let now = Timestamp::now();
        Self {
            id: JobId::new(),
            profile: profile.to_owned(),
            request,
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            remote_id: None,
            state: JobState::Queued,
            created_at: now,
            updated_at: now,
            submitted_at: None,
            finished_at: None,
            result_urls: Vec::new(),
            saved_paths: Vec::new(),
            credit_cost: None,
            revised_prompt: None,
            resubmit_of: None,
            batch: None,
            parent: None,
            grid: None,
        }
    }

    /// Time the job has taken so far, or took until it ended.
    pub fn elapsed(&self, now: Timestamp) -> Duration {
        let end = self.finished_at.unwrap_or(now);
        self.created_at.until(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format_and_never_go_negative() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(10).until(Timestamp(5)), Duration::ZERO);
        assert_eq!(Timestamp(5).until(Timestamp(1005)), Duration::from_secs(1));
    }

    #[test]
    fn ids_are_unique_and_short_form_is_hex() {
        let (a, b) = (JobId::new(), JobId::new());
        assert_ne!(a, b);
        assert_eq!(a.short().len(), 8);
        assert_eq!(JobId::parse(&a.to_string()), Some(a));
    }
}
