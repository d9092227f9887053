//! The simulator's memory: jobs with their clock, idempotency keys, uploads, gateway results,
//! and counters the tests read (`/__sim/stats`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::time::Instant;

use super::SimConfig;

/// How a simulated Apiframe job ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// COMPLETED with a result.
    Complete,
    /// FAILED half way (`[sim:fail]` in the prompt).
    Fail,
    /// CANCELLED half way (`[sim:cancel]`).
    Cancel,
    /// A status qimg does not know, forever (`[sim:unknown]`).
    Unknown,
    /// COMPLETED, but the result URL answers 404 (`[sim:gone]`).
    Gone,
}

/// One simulated Apiframe job.
#[derive(Debug, Clone)]
pub struct SimJob {
    /// Job id.
    pub id: String,
    /// Prompt.
    pub prompt: String,
    /// Seed.
    pub seed: u64,
    /// Output size.
    pub width: u32,
    /// Output size.
    pub height: u32,
    /// When it was made.
    pub created: Instant,
    /// Wall-clock creation time, for `createdAt`.
    pub created_wall: SystemTime,
    /// How long it takes.
    pub duration: Duration,
    /// How it ends.
    pub ending: Ending,
    /// When each poll arrived.
    pub polls: Vec<Instant>,
    /// Input image for edits (uploaded reference).
    pub base: Option<std::sync::Arc<Vec<u8>>>,
}

/// What a job reports at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Apiframe status string.
    pub status: &'static str,
    /// Progress percent.
    pub progress: Option<u8>,
    /// True once it ended.
    pub done: bool,
}

impl SimJob {
    /// Status at `now`.
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let t = now.saturating_duration_since(self.created);
        let queue = (self.duration / 10).min(Duration::from_millis(500));
        let end_at = match self.ending {
            Ending::Fail | Ending::Cancel => self.duration / 2,
            _ => self.duration,
        };
        if t < queue && !self.duration.is_zero() {
            return Snapshot {
                status: "QUEUED",
                progress: None,
                done: false,
            };
        }
        if t < end_at {
            let span = (self.duration - queue).as_secs_f64().max(0.001);
            let p = ((t - queue).as_secs_f64() / span * 100.0).clamp(0.0, 99.0) as u8;
            return Snapshot {
                status: "PROCESSING",
                progress: Some(p),
                done: false,
            };
        }
        match self.ending {
            Ending::Complete | Ending::Gone => Snapshot {
                status: "COMPLETED",
                progress: Some(100),
                done: true,
            },
            Ending::Fail => Snapshot {
                status: "FAILED",
                progress: Some(0),
                done: true,
            },
            Ending::Cancel => Snapshot {
                status: "CANCELLED",
                progress: None,
                done: true,
            },
            Ending::Unknown => Snapshot {
                status: "PAUSED",
                progress: None,
                done: false,
            },
        }
    }

    /// When the job ended (or will end), as an instant.
    pub fn end_instant(&self) -> Instant {
        match self.ending {
            Ending::Fail | Ending::Cancel => self.created + self.duration / 2,
            _ => self.created + self.duration,
        }
    }
}

/// An image the gateway routes made, kept so its URL can be fetched.
#[derive(Debug, Clone)]
pub struct GatewayImage {
    /// Prompt.
    pub prompt: String,
    /// Seed.
    pub seed: u64,
    /// Size.
    pub width: u32,
    /// Size.
    pub height: u32,
    /// Input image for edits.
    pub base: Option<std::sync::Arc<Vec<u8>>>,
}

/// Counters for tests and `/__sim/stats`.
#[derive(Debug, Default)]
pub struct Stats {
    /// Every POST to `/v2/images/generate`.
    pub submit_requests: AtomicU64,
    /// Jobs actually created (each costs credits on the real service).
    pub jobs_created: AtomicU64,
    /// Submits answered from an idempotency key.
    pub idempotent_replays: AtomicU64,
    /// GET `/v2/jobs/{id}`.
    pub polls: AtomicU64,
    /// Result downloads.
    pub downloads: AtomicU64,
    /// Gateway generations that produced an image.
    pub gateway_generations: AtomicU64,
    /// Gateway edits that produced an image.
    pub gateway_edits: AtomicU64,
    /// Uploads.
    pub uploads: AtomicU64,
    /// Download requests that carried a credential (must stay 0).
    pub credential_leaks: AtomicU64,
    /// 401 answers.
    pub unauthorized: AtomicU64,
    /// 429 answers.
    pub rate_limited: AtomicU64,
    /// 400 and 422 answers.
    pub rejected: AtomicU64,
    /// Every POST that reached the server, whatever answered it (a scenario's 429 included).
    pub post_requests: AtomicU64,
    /// POSTs answered 429.
    pub posts_rate_limited: AtomicU64,
    /// Time spent answering requests, in microseconds (the server's own time).
    pub server_time_us: AtomicU64,
    /// GET `/v2/me`.
    pub balance_reads: AtomicU64,
}

/// A copy of the counters, as JSON.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// See [`Stats`].
    pub submit_requests: u64,
    /// See [`Stats`].
    pub jobs_created: u64,
    /// See [`Stats`].
    pub idempotent_replays: u64,
    /// See [`Stats`].
    pub polls: u64,
    /// See [`Stats`].
    pub downloads: u64,
    /// See [`Stats`].
    pub gateway_generations: u64,
    /// See [`Stats`].
    pub gateway_edits: u64,
    /// See [`Stats`].
    pub uploads: u64,
    /// See [`Stats`].
    pub credential_leaks: u64,
    /// See [`Stats`].
    pub unauthorized: u64,
    /// See [`Stats`].
    pub rate_limited: u64,
    /// See [`Stats`].
    pub rejected: u64,
    /// See [`Stats`].
    #[serde(default)]
    pub post_requests: u64,
    /// See [`Stats`].
    #[serde(default)]
    pub posts_rate_limited: u64,
    /// See [`Stats`].
    #[serde(default)]
    pub server_time_us: u64,
    /// See [`Stats`].
    #[serde(default)]
    pub balance_reads: u64,
}

impl Stats {
    /// Adds one to a counter.
    pub fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            submit_requests: g(&self.submit_requests),
            jobs_created: g(&self.jobs_created),
            idempotent_replays: g(&self.idempotent_replays),
            polls: g(&self.polls),
            downloads: g(&self.downloads),
            gateway_generations: g(&self.gateway_generations),
            gateway_edits: g(&self.gateway_edits),
            uploads: g(&self.uploads),
            credential_leaks: g(&self.credential_leaks),
            unauthorized: g(&self.unauthorized),
            rate_limited: g(&self.rate_limited),
            rejected: g(&self.rejected),
            post_requests: g(&self.post_requests),
            posts_rate_limited: g(&self.posts_rate_limited),
            server_time_us: g(&self.server_time_us),
            balance_reads: g(&self.balance_reads),
        }
    }
}

/// Everything the simulator remembers.
#[derive(Debug, Default)]
pub struct Inner {
    /// Apiframe jobs by id.
    pub jobs: HashMap<String, SimJob>,
    /// Idempotency key → (body hash, job id).
    pub idempotency: HashMap<String, (u64, String)>,
    /// Keys whose first attempt was answered 429 (`[sim:429]`).
    pub limited_once: HashMap<String, ()>,
    /// Uploaded files by id.
    pub uploads: HashMap<String, std::sync::Arc<Vec<u8>>>,
    /// Gateway images by id.
    pub gateway: HashMap<String, GatewayImage>,
    /// Result names fetched once (the `expired` scenario answers 404 after that).
    pub fetched: std::collections::HashSet<String>,
    /// The latest requests that passed validation, oldest first.
    pub requests: std::collections::VecDeque<SeenRequest>,
}

/// The most requests the simulator remembers (a standalone simulator runs for hours).
const REQUESTS_KEPT: usize = 1000;

/// A request that passed validation, as the simulator read it: tests check what was sent.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SeenRequest {
    /// `generate` (Apiframe), `generations` or `edits` (gateway).
    pub endpoint: String,
    /// The JSON body; for a multipart edit, its text fields and `images`, the file count.
    pub body: serde_json::Value,
}

/// Shared simulator state.
#[derive(Debug)]
pub struct SimState {
    /// Settings.
    pub config: SimConfig,
    /// `http://127.0.0.1:<port>`, set once bound.
    pub base_url: String,
    /// Jobs and the rest.
    pub inner: Mutex<Inner>,
    /// Counters.
    pub stats: Stats,
    /// Fault-scenario request counters.
    pub counters: super::scenarios::Counters,
}

/// Per-job facts for `/__sim/jobs` (the poll-schedule measurements read these).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct JobReport {
    /// Job id.
    pub id: String,
    /// How many polls it got.
    pub polls: usize,
    /// Smallest gap between two polls, in ms.
    pub min_poll_gap_ms: Option<u64>,
    /// Time from the job's end to the first poll that saw it, in ms.
    pub seen_after_end_ms: Option<i64>,
    /// Duration in ms.
    pub duration_ms: u64,
    /// When the job ended on the server (wall clock, ms since the epoch).
    pub ended_at_ms: i64,
}

impl SimState {
    /// Remembers a request that passed validation.
    pub fn record(&self, endpoint: &str, body: serde_json::Value) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.requests.len() >= REQUESTS_KEPT {
                inner.requests.pop_front();
            }
            inner.requests.push_back(SeenRequest {
                endpoint: endpoint.to_owned(),
                body,
            });
        }
    }

    /// The requests remembered, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.inner
            .lock()
            .map(|i| i.requests.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Reports on every job.
    pub fn job_reports(&self) -> Vec<JobReport> {
        let Ok(inner) = self.inner.lock() else {
            return Vec::new();
        };
        let mut out: Vec<JobReport> = inner
            .jobs
            .values()
            .map(|j| {
                let gaps = j
                    .polls
                    .windows(2)
                    .map(|w| (w[1] - w[0]).as_millis() as u64)
                    .min();
                let end = j.end_instant();
                let seen = j
                    .polls
                    .iter()
                    .find(|p| **p >= end)
                    .map(|p| (*p - end).as_millis() as i64);
                let ended = j.created_wall + (end - j.created);
                let ended_at_ms = ended
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                JobReport {
                    id: j.id.clone(),
                    polls: j.polls.len(),
                    min_poll_gap_ms: gaps,
                    seen_after_end_ms: seen,
                    duration_ms: j.duration.as_millis() as u64,
                    ended_at_ms,
                }
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}
