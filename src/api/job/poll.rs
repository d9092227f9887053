//! Polling an accepted job on the learned schedule until it ends: progress is recorded as it
//! grows, an unknown status is tolerated until a deadline, failing polls back off, and a
//! completed job moves to `downloading` with its result URLs.

use std::time::Duration;

use tokio::time::Instant;

use super::super::apiframe::{RemoteJob, RemoteStatus};
use super::super::error::{ApiError, clean};
use super::super::http;
use super::super::provider::Provider;
use super::super::retry::{PollDecision, decide_poll};
use super::super::runtime::ProfileRuntime;
use super::super::schedule::{self, PollInputs};
use super::{Ctx, Next, Stop};
use crate::domain::{Job, JobState, Timestamp};
use crate::store::JobPatch;

/// How long an unknown remote status is tolerated before the job is `timed_out`.
pub const UNKNOWN_STATUS_DEADLINE: Duration = Duration::from_secs(600);

/// Oversized status answers in a row after which polling stops: the job's status (a huge
/// failure message, say) will not shrink by asking again.
const OVERSIZED_POLLS: u32 = 3;

/// What one poll answer means for the loop.
enum Seen {
    /// Poll again.
    Again,
    /// The job moved on (or ended).
    Done(Next),
}

/// Where the poll loop is.
struct Polling<'a> {
    ctx: &'a Ctx,
    rt: &'a ProfileRuntime,
    inp: PollInputs,
    current: JobState,
    unknown_since: Option<Instant>,
    oversized: u32,
}

/// Polls `job` (in `submitted` or `running`) until it completes or ends.
pub(super) async fn run(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    provider: &dyn Provider,
    job: &Job,
) -> Result<Next, Stop> {
    let Some(remote_id) = job.remote_id.clone() else {
        ctx.fail("cannot poll: the provider's job id was never recorded")
            .await;
        return Ok(Next::Ended);
    };
    let since_submit = job
        .submitted_at
        .unwrap_or(job.created_at)
        .until(Timestamp::now());
    let start = Instant::now()
        .checked_sub(since_submit)
        .unwrap_or_else(Instant::now);
    let mut p = Polling {
        ctx,
        rt,
        inp: PollInputs {
            expected: rt.expected(&job.request.model, ctx.store()),
            ..PollInputs::default()
        },
        current: job.state.clone(),
        unknown_since: None,
        oversized: 0,
    };
    if let JobState::Running {
        progress: Some(pct),
    } = job.state
    {
        p.inp.progress = Some((pct, since_submit));
    }
    loop {
        p.inp.since_submit = start.elapsed();
        ctx.sleep(schedule::next_delay(&p.inp, rand::random()))
            .await?;
        ctx.guard(rt.gate.wait()).await?;
        let res = ctx.guard(provider.poll(&remote_id)).await?;
        p.inp.polls += 1;
        p.inp.since_submit = start.elapsed();
        let seen = match res {
            Ok(rj) => p.answer(rj, &job.request.model).await,
            Err(e) => p.failed(&e, &remote_id).await,
        };
        if let Seen::Done(next) = seen {
            return Ok(next);
        }
    }
}

impl Polling<'_> {
    async fn failed(&mut self, e: &ApiError, remote_id: &str) -> Seen {
        self.oversized = if matches!(e, ApiError::TooLarge(_)) {
            self.oversized + 1
        } else {
            0
        };
        if self.oversized >= OVERSIZED_POLLS {
            // The same oversized answer would come back forever. The job was accepted and may
            // have finished: its outcome is unknown, not failed.
            let message = format!(
                "stopped polling: the provider's status answer was too large {} times in a row \
                 (over {} MiB); the job may have finished and been charged: look for job id {} in the \
                 provider's dashboard",
                self.oversized,
                http::POLL_JSON_CAP / (1024 * 1024),
                clean(remote_id, ""),
            );
            self.ctx.ambiguous(message).await;
            return Seen::Done(Next::Ended);
        }
        self.inp.failing += 1;
        match decide_poll(
            e,
            self.inp.failing,
            self.inp.polls,
            time::OffsetDateTime::now_utc(),
        ) {
            PollDecision::Again { note, gate } => {
                if let Some(wait) = gate {
                    // A 429 is not a failing poll: the schedule keeps its pace after the wait.
                    self.inp.failing -= 1;
                    self.rt.gate.close_for(wait);
                }
                if let Some(n) = note {
                    self.ctx.note(n);
                }
                Seen::Again
            }
            PollDecision::Expired(message) => {
                let state = JobState::Expired { message };
                self.ctx.move_to(state, JobPatch::default()).await;
                Seen::Done(Next::Ended)
            }
            PollDecision::Fail { message, auth } => {
                if auth {
                    self.rt.mark_auth_broken();
                }
                self.ctx.fail(message).await;
                Seen::Done(Next::Ended)
            }
        }
    }

    async fn answer(&mut self, rj: RemoteJob, model: &str) -> Seen {
        self.oversized = 0;
        if self.inp.failing > 0 {
            self.inp.failing = 0;
            self.ctx.clear_note();
        }
        if !matches!(rj.status, RemoteStatus::Unknown(_)) && self.unknown_since.take().is_some() {
            self.ctx.clear_note();
        }
        match rj.status {
            RemoteStatus::Queued => {
                self.inp.queued = true;
                Seen::Again
            }
            RemoteStatus::Processing => {
                self.progress(rj.progress).await;
                Seen::Again
            }
            RemoteStatus::Completed => Seen::Done(self.completed(rj, model).await),
            RemoteStatus::Failed => {
                let reason = rj.error.as_deref().map_or_else(
                    || "no reason given".to_owned(),
                    |e| clean(e, self.rt.secret()),
                );
                let message = format!("the provider reported a failure: {reason}");
                let patch = JobPatch {
                    credit_cost: rj.credit_cost,
                    ..JobPatch::default()
                };
                let state = JobState::Failed { message };
                self.ctx.move_to(state, patch).await;
                Seen::Done(Next::Ended)
            }
            RemoteStatus::Cancelled => {
                self.ctx
                    .move_to(JobState::Cancelled, JobPatch::default())
                    .await;
                Seen::Done(Next::Ended)
            }
            RemoteStatus::Unknown(raw) => self.unknown(&raw).await,
        }
    }

    async fn progress(&mut self, progress: Option<u8>) {
        self.inp.queued = false;
        if let Some(pct) = progress {
            self.inp.progress = Some((pct, self.inp.since_submit));
            if self.inp.first_progress.is_none() && (1..=95).contains(&pct) {
                self.inp.first_progress = self.inp.progress;
            }
        }
        let next = JobState::Running { progress };
        if next != self.current
            && self.current.can_move_to(&next)
            && let Some(j) = self.ctx.move_to(next, JobPatch::default()).await
        {
            self.current = j.state;
        }
    }

    async fn unknown(&mut self, raw: &str) -> Seen {
        let since = *self.unknown_since.get_or_insert_with(|| {
            tracing::warn!(status = %raw, "unknown job status");
            Instant::now()
        });
        if since.elapsed() >= UNKNOWN_STATUS_DEADLINE {
            self.ctx
                .move_to(JobState::TimedOut, JobPatch::default())
                .await;
            return Seen::Done(Next::Ended);
        }
        self.ctx
            .note(format!("unknown status \"{raw}\"; still polling"));
        Seen::Again
    }

    /// A completed job moves to `downloading` with its result URLs; one without any fails,
    /// or expired when the provider says its results were purged.
    async fn completed(&mut self, rj: RemoteJob, model: &str) -> Next {
        if rj.result_urls.is_empty() {
            let state = if rj.expired {
                JobState::Expired {
                    message: "the results were purged before qimg saw them".into(),
                }
            } else {
                JobState::Failed {
                    message: "completed without output: the provider reported success but sent no image URL".into(),
                }
            };
            let patch = JobPatch {
                credit_cost: rj.credit_cost,
                ..JobPatch::default()
            };
            self.ctx.move_to(state, patch).await;
            return Next::Ended;
        }
        if let Some(ms) = rj.server_duration_ms {
            let took = Duration::from_millis(u64::try_from(ms).unwrap_or(0));
            self.rt.record_duration(model, took);
        }
        let patch = JobPatch {
            result_urls: Some(rj.result_urls),
            credit_cost: rj.credit_cost,
            server_duration_ms: rj.server_duration_ms,
            ..JobPatch::default()
        };
        Next::from(self.ctx.move_to(JobState::Downloading, patch).await)
    }
}
