//! One job from start to end: wait for a slot, submit (Apiframe: with its idempotency key and
//! safe retries), poll on the learned schedule, download and save. Every state change is
//! committed to the store before its event is sent. A job resumes from whatever state it is in.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ApiEvent;
use super::apiframe::{ApiframeClient, RemoteStatus};
use super::engine::Shared;
use super::error::{ApiError, Outcome, clean};
use super::finish::finish;
use super::http;
use super::runtime::{PARAMS_KEY_SETTING, ProfileRuntime};
use super::schedule::{self, PollInputs};
use crate::domain::Level;
use crate::domain::models::Wire;
use crate::domain::{Job, JobId, JobState, Timestamp};
use crate::store::JobPatch;

/// How long an unknown remote status is tolerated before the job is `timed_out`.
pub const UNKNOWN_STATUS_DEADLINE: Duration = Duration::from_secs(600);

/// Why a job task stopped before the job ended.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The user cancelled the job.
    Cancelled,
    /// qimg is shutting down; the job resumes on the next start.
    Shutdown,
}

/// A job task's handle on the engine.
pub(crate) struct Ctx {
    pub shared: Arc<Shared>,
    pub id: JobId,
    cancel: CancellationToken,
    shutdown: CancellationToken,
}

impl Ctx {
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
        match self
            .shared
            .store
            .run(move |s| s.transition(id, &state, &patch))
            .await
        {
            Ok(Some(job)) => {
                self.shared
                    .emit(ApiEvent::JobChanged(Box::new(job.clone())));
                Some(job)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!("cannot record a state change: {e}");
                self.shared.emit(ApiEvent::Notice {
                    level: Level::Error,
                    text: format!("cannot write the job store: {e}"),
                });
                None
            }
        }
    }

    pub(crate) async fn fail(&self, message: impl Into<String>) {
        self.move_to(
            JobState::Failed {
                message: message.into(),
            },
            JobPatch::default(),
        )
        .await;
    }

    /// Shows a note on the job (not a state change).
    pub fn note(&self, note: impl Into<String>) {
        self.shared.emit(ApiEvent::JobNote {
            id: self.id,
            note: note.into(),
        });
    }
}

/// Runs one job. `is_new` jobs are written to the store first; resumed ones already are.
pub(crate) async fn run(
    shared: Arc<Shared>,
    job: Job,
    is_new: bool,
    cancel: CancellationToken,
    shutdown: CancellationToken,
) {
    let ctx = Ctx {
        shared,
        id: job.id,
        cancel,
        shutdown,
    };
    if is_new {
        let row = job.clone();
        let owner = ctx.shared.owner.clone();
        if let Err(e) = ctx
            .shared
            .store
            .run(move |s| s.insert_job_leased(&row, Some(&owner)))
            .await
        {
            // Without a row nothing may be sent: a crash would lose a paid job.
            tracing::error!("job not sent, the store refused it: {e}");
            let mut failed = job.clone();
            failed.state = JobState::Failed {
                message: format!("not sent: cannot write the job store ({e})"),
            };
            ctx.shared.emit(ApiEvent::JobChanged(Box::new(failed)));
            return;
        }
        ctx.shared.emit(ApiEvent::JobChanged(Box::new(job.clone())));
    }
    match drive(&ctx, job).await {
        Ok(()) | Err(Stop::Shutdown) => {}
        Err(Stop::Cancelled) => {
            ctx.move_to(JobState::Cancelled, JobPatch::default()).await;
        }
    }
}

async fn drive(ctx: &Ctx, job: Job) -> Result<(), Stop> {
    if job.state.is_end() {
        return Ok(());
    }
    let rt = match ctx.shared.runtime(&job.profile).await {
        Ok(rt) => rt,
        Err(why) => {
            let msg = if job.state.rank() <= JobState::Submitting.rank()
                && job.state != JobState::Submitting
            {
                format!("not sent: {why}")
            } else {
                format!("cannot continue: {why}")
            };
            ctx.fail(clean(&msg, "")).await;
            return Ok(());
        }
    };
    // The job waits in `queued` for a slot (the profile's max_concurrent).
    let _permit = ctx.guard(rt.slots.acquire()).await?.ok();
    match job.request.wire {
        Wire::Apiframe => apiframe_flow(ctx, &rt, job).await,
        Wire::OpenAi => super::gateway_flow::run(ctx, &rt, job).await,
    }
}

async fn apiframe_flow(ctx: &Ctx, rt: &ProfileRuntime, mut job: Job) -> Result<(), Stop> {
    let Some(client) = rt.apiframe.as_ref() else {
        ctx.fail(format!(
            "profile `{}` does not speak the Apiframe wire",
            rt.profile.name
        ))
        .await;
        return Ok(());
    };
    if matches!(job.state, JobState::Queued | JobState::Submitting) {
        match submit(ctx, rt, client, &job).await? {
            Some(j) => job = j,
            None => return Ok(()),
        }
    }
    if matches!(job.state, JobState::Submitted | JobState::Running { .. }) {
        match poll_until_done(ctx, rt, client, &job).await? {
            Some(j) => job = j,
            None => return Ok(()),
        }
    }
    if job.state == JobState::Downloading {
        finish(ctx, rt, &job, Some(client)).await?;
    }
    Ok(())
}

pub(crate) fn retry_delay(n: u32) -> Duration {
    Duration::from_millis(500 * (1 << n.min(5))).mul_f64(0.8 + 0.4 * rand::random::<f64>())
}

fn clock_in(d: Duration) -> String {
    let at = time::OffsetDateTime::now_utc() + d;
    format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second())
}

/// Submits with the job's idempotency key. Returns the job in `submitted`, or `None` when the
/// job ended (failed, ambiguous).
async fn submit(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    client: &ApiframeClient,
    job: &Job,
) -> Result<Option<Job>, Stop> {
    if rt.is_auth_broken() {
        ctx.fail(format!(
            "not sent: the key of profile `{}` was refused earlier; fix it and restart qimg",
            rt.profile.name
        ))
        .await;
        return Ok(None);
    }
    if job.state == JobState::Queued
        && ctx
            .move_to(JobState::Submitting, JobPatch::default())
            .await
            .is_none()
    {
        return Ok(None);
    }
    let image_url = match super::reference::apiframe_image_url(ctx, rt, client, job).await? {
        Ok(u) => u,
        Err(why) => {
            ctx.fail(format!("not sent: {why}")).await;
            return Ok(None);
        }
    };
    let (mut connect_tries, mut unknown_tries, mut limited_tries) = (0u32, 0u32, 0u32);
    loop {
        ctx.guard(rt.gate.wait()).await?;
        let key_before = client.params_key();
        let res = ctx
            .guard(client.submit(&job.request, &job.idempotency_key, image_url.as_deref()))
            .await?;
        let key_after = client.params_key();
        if key_after != key_before {
            let (store, profile) = (ctx.shared.store.clone(), rt.profile.name.clone());
            let _ = store
                .run(move |s| s.set_setting(&profile, PARAMS_KEY_SETTING, key_after.as_str()))
                .await;
            ctx.shared.emit(ApiEvent::Notice {
                level: Level::Info,
                text: format!(
                    "profile `{}` uses the params key `{}` (the server refused `{}`)",
                    rt.profile.name,
                    key_after.as_str(),
                    key_before.as_str()
                ),
            });
        }
        let err = match res {
            Ok(acc) => {
                crate::failpoint::hit("submit.after_response");
                ctx.note("");
                let patch = JobPatch {
                    remote_id: Some(acc.remote_id),
                    ..JobPatch::default()
                };
                return Ok(ctx.move_to(JobState::Submitted, patch).await);
            }
            Err(e) => e,
        };
        match err.outcome() {
            Outcome::NotSent if connect_tries < 2 => {
                connect_tries += 1;
                ctx.note(format!("{err}; retrying"));
                ctx.sleep(retry_delay(connect_tries)).await?;
            }
            Outcome::NotSent => {
                ctx.fail(format!("not sent: {err}")).await;
                return Ok(None);
            }
            Outcome::NotProcessed if limited_tries < 10 => {
                limited_tries += 1;
                let wait = err
                    .retry_after()
                    .unwrap_or_else(|| retry_delay(limited_tries + 1));
                rt.gate.close_for(wait);
                ctx.note(format!("rate limited; retrying at {}", clock_in(wait)));
            }
            Outcome::NotProcessed => {
                ctx.fail(format!(
                    "not sent: still rate limited after {limited_tries} tries ({err})"
                ))
                .await;
                return Ok(None);
            }
            Outcome::Rejected if err.status() == Some(409) => {
                let message = format!(
                    "the provider says this job's idempotency key was already used with a different request ({err}); \
                     the first request may have created a job. Check the dashboard before sending it again."
                );
                ctx.move_to(JobState::Ambiguous { message }, JobPatch::default())
                    .await;
                return Ok(None);
            }
            Outcome::Rejected if err.is_auth() => {
                rt.mark_auth_broken();
                ctx.shared.emit(ApiEvent::Notice {
                    level: Level::Error,
                    text: format!("profile `{}`: the key was refused ({err})", rt.profile.name),
                });
                ctx.fail(format!(
                    "rejected, not charged: the key of profile `{}` was refused: {err}",
                    rt.profile.name
                ))
                .await;
                return Ok(None);
            }
            Outcome::Rejected if matches!(err, ApiError::Tls(_)) => {
                ctx.fail(format!("not sent, not retried: {err}")).await;
                return Ok(None);
            }
            Outcome::Rejected => {
                ctx.fail(format!("rejected, not charged: {err}")).await;
                return Ok(None);
            }
            Outcome::Unknown if unknown_tries < 2 => {
                unknown_tries += 1;
                ctx.note(format!("{err}; retrying with the same idempotency key"));
                ctx.sleep(retry_delay(unknown_tries)).await?;
            }
            Outcome::Unknown => {
                let message = format!(
                    "no clear answer from the provider after {} tries ({err}). The job may exist there and cost credits. \
                     Resubmit (R) sends it again with the same idempotency key, so Apiframe returns the original job \
                     instead of charging twice (within 24 h).",
                    unknown_tries + 1
                );
                ctx.move_to(JobState::Ambiguous { message }, JobPatch::default())
                    .await;
                return Ok(None);
            }
        }
    }
}

/// Polls until the job completes. Returns the job in `downloading`, or `None` when it ended.
async fn poll_until_done(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    client: &ApiframeClient,
    job: &Job,
) -> Result<Option<Job>, Stop> {
    let Some(remote_id) = job.remote_id.clone() else {
        ctx.fail("cannot poll: the provider's job id was never recorded")
            .await;
        return Ok(None);
    };
    let since_submit = job
        .submitted_at
        .unwrap_or(job.created_at)
        .until(Timestamp::now());
    let start = Instant::now()
        .checked_sub(since_submit)
        .unwrap_or_else(Instant::now);
    let store = ctx.shared.store.clone();
    let model = job.request.model.clone();
    let expected = rt.expected(&model, &store);
    let mut inp = PollInputs {
        expected,
        ..PollInputs::default()
    };
    let mut current = job.state.clone();
    if let JobState::Running { progress: Some(p) } = current {
        inp.progress = Some((p, since_submit));
    }
    let mut unknown_since: Option<Instant> = None;
    let mut oversized = 0u32;
    loop {
        inp.since_submit = start.elapsed();
        ctx.sleep(schedule::next_delay(&inp, rand::random()))
            .await?;
        ctx.guard(rt.gate.wait()).await?;
        let res = ctx.guard(client.poll(&remote_id)).await?;
        inp.polls += 1;
        inp.since_submit = start.elapsed();
        oversized = if matches!(res, Err(ApiError::TooLarge(_))) {
            oversized + 1
        } else {
            0
        };
        if oversized >= OVERSIZED_POLLS {
            // The same oversized answer would come back forever (reliability.md case 20). The
            // job was accepted and may have finished: its outcome is unknown, not failed.
            let message = format!(
                "stopped polling: the provider's status answer was too large {oversized} times in a row \
                 (over {} MiB); the job may have finished and been charged: look for job id {} in the \
                 provider's dashboard",
                http::POLL_JSON_CAP / (1024 * 1024),
                clean(&remote_id, ""),
            );
            ctx.move_to(JobState::Ambiguous { message }, JobPatch::default())
                .await;
            return Ok(None);
        }
        let rj = match res {
            Ok(rj) => rj,
            Err(e) => match poll_error(ctx, rt, &e, &mut inp).await {
                Some(()) => continue,
                None => return Ok(None),
            },
        };
        if inp.failing > 0 {
            inp.failing = 0;
            ctx.note("");
        }
        if !matches!(rj.status, RemoteStatus::Unknown(_)) && unknown_since.take().is_some() {
            ctx.note("");
        }
        match rj.status {
            RemoteStatus::Queued => inp.queued = true,
            RemoteStatus::Processing => {
                inp.queued = false;
                if let Some(p) = rj.progress {
                    inp.progress = Some((p, inp.since_submit));
                    if inp.first_progress.is_none() && (1..=95).contains(&p) {
                        inp.first_progress = inp.progress;
                    }
                }
                let next = JobState::Running {
                    progress: rj.progress,
                };
                if next != current
                    && current.can_move_to(&next)
                    && let Some(j) = ctx.move_to(next, JobPatch::default()).await
                {
                    current = j.state;
                }
            }
            RemoteStatus::Completed => {
                if rj.result_urls.is_empty() {
                    let why = if rj.expired {
                        "the results were purged before qimg saw them"
                    } else {
                        "the provider reported success but sent no image URL"
                    };
                    let state = if rj.expired {
                        JobState::Expired {
                            message: why.into(),
                        }
                    } else {
                        JobState::Failed {
                            message: format!("completed without output: {why}"),
                        }
                    };
                    ctx.move_to(
                        state,
                        JobPatch {
                            credit_cost: rj.credit_cost,
                            ..JobPatch::default()
                        },
                    )
                    .await;
                    return Ok(None);
                }
                if let Some(ms) = rj.server_duration_ms {
                    rt.record_duration(
                        &model,
                        Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
                    );
                }
                let patch = JobPatch {
                    result_urls: Some(rj.result_urls),
                    credit_cost: rj.credit_cost,
                    server_duration_ms: rj.server_duration_ms,
                    ..JobPatch::default()
                };
                return Ok(ctx.move_to(JobState::Downloading, patch).await);
            }
            RemoteStatus::Failed => {
                let reason = rj
                    .error
                    .as_deref()
                    .map_or_else(|| "no reason given".to_owned(), |e| clean(e, rt.secret()));
                ctx.fail(format!("the provider reported a failure: {reason}"))
                    .await;
                return Ok(None);
            }
            RemoteStatus::Cancelled => {
                ctx.move_to(JobState::Cancelled, JobPatch::default()).await;
                return Ok(None);
            }
            RemoteStatus::Unknown(raw) => {
                let since = *unknown_since.get_or_insert_with(|| {
                    tracing::warn!(status = %raw, "unknown job status");
                    Instant::now()
                });
                if since.elapsed() >= UNKNOWN_STATUS_DEADLINE {
                    ctx.move_to(JobState::TimedOut, JobPatch::default()).await;
                    return Ok(None);
                }
                ctx.note(format!("unknown status \"{raw}\"; still polling"));
            }
        }
    }
}

/// Handles a failed poll. `Some` means poll again; `None` means the job ended.
/// Oversized status answers in a row after which polling stops: the job's status (a huge
/// failure message, say) will not shrink by asking again.
const OVERSIZED_POLLS: u32 = 3;

async fn poll_error(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    e: &ApiError,
    inp: &mut PollInputs,
) -> Option<()> {
    match e.status() {
        Some(404) => {
            ctx.move_to(JobState::Expired { message: "the job is not found on the server (HTTP 404); Apiframe keeps jobs for a limited time".into() }, JobPatch::default()).await;
            None
        }
        Some(401 | 403) => {
            rt.mark_auth_broken();
            ctx.fail(format!("the key was refused while polling ({e}); the job may still finish on the provider's side")).await;
            None
        }
        Some(400) => {
            ctx.fail(format!("the provider refused the job id: {e}"))
                .await;
            None
        }
        Some(429) => {
            let wait = e
                .retry_after()
                .unwrap_or_else(|| schedule::backoff(inp.polls, schedule::CAP));
            rt.gate.close_for(wait);
            ctx.note(format!("rate limited; polling again at {}", clock_in(wait)));
            Some(())
        }
        _ => {
            inp.failing += 1;
            if inp.failing >= 3 {
                ctx.note(format!(
                    "degraded: {} polls in a row failed ({e}); still retrying",
                    inp.failing
                ));
            }
            Some(())
        }
    }
}
