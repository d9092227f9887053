//! Submitting: prepare the inputs, then send until the provider takes the job (or answers
//! with its results), retrying as `retry::decide` says. Apiframe's attempts all carry the
//! job's idempotency key, so a retry cannot charge twice; a gateway request that may have
//! been sent is never sent again by itself.

use super::super::deliver;
use super::super::error::ApiError;
use super::super::provider::{Prepare, Provider, Submitted};
use super::super::retry::{self, Decision, Tries};
use super::super::runtime::{PARAMS_KEY_SETTING, ProfileRuntime};
use super::{Ctx, Next, Stop};
use crate::domain::models::ParamsKey;
use crate::domain::{Job, JobState, Level};
use crate::store::JobPatch;

/// Submits `job` (in `queued`, or `submitting` when resumed on an idempotent wire).
pub(super) async fn run(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    provider: &dyn Provider,
    job: &Job,
) -> Result<Next, Stop> {
    if rt.is_auth_broken() {
        let name = &rt.profile.name;
        ctx.fail(format!(
            "not sent: the key of profile `{name}` was refused earlier; fix it and restart qimg"
        ))
        .await;
        return Ok(Next::Ended);
    }
    while rt.is_out_of_credits() && job.state == JobState::Queued {
        // Paused, not failed: it stays queued (in the store too) until credits are back.
        ctx.note("paused: the profile is out of credits; top up, then send a new job to resume");
        ctx.sleep(std::time::Duration::from_secs(2)).await?;
    }
    ctx.clear_note();
    let inputs = match provider.prepare(ctx, job).await {
        Ok(i) => i,
        Err(Prepare::Refused(why)) => {
            ctx.fail(format!("not sent: {why}")).await;
            return Ok(Next::Ended);
        }
        Err(Prepare::Stopped(stop)) => return Err(stop),
    };
    let mut job = job.clone();
    if job.state == JobState::Queued {
        match ctx.move_to(JobState::Submitting, JobPatch::default()).await {
            Some(j) => job = j,
            None => return Ok(Next::Ended),
        }
    }
    let policy = provider.policy().with_budget(rt.profile.retry_budget);
    let mut tries = Tries::default();
    let started = tokio::time::Instant::now();
    loop {
        ctx.guard(rt.gate.wait()).await?;
        let answer = match ctx.guard(provider.submit(&job, &inputs)).await {
            Ok(a) => a,
            Err(Stop::Cancelled) if !policy.idempotent => {
                ctx.note("cancelled; the gateway may still bill a request that had reached it");
                return Err(Stop::Cancelled);
            }
            Err(stop) => return Err(stop),
        };
        if let Some(key) = answer.switched_key {
            // Kept whatever happens to this attempt: every later one uses the key that works.
            remember_params_key(ctx, rt, key).await;
        }
        let err = match answer.result {
            Ok(submitted) => return accepted(ctx, rt, &job, submitted).await,
            Err(e) => e,
        };
        let moment = retry::Moment::now(started.elapsed());
        let decision = retry::decide(&err, &mut tries, &policy, &rt.profile.name, moment);
        if let Some(next) = carry_out(ctx, rt, decision, &err).await? {
            return Ok(next);
        }
    }
}

/// Carries out a retry decision: `None` to send again, or how the job ended.
async fn carry_out(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    decision: Decision,
    err: &ApiError,
) -> Result<Option<Next>, Stop> {
    match decision {
        Decision::Retry {
            after,
            note,
            rate_limited,
        } => {
            ctx.note(note);
            if rate_limited {
                // Every request of the profile waits; this one at the gate.
                rt.gate.close_for(after);
            } else {
                ctx.sleep(after).await?;
            }
            return Ok(None);
        }
        Decision::Fail(message) => ctx.fail(message).await,
        Decision::AuthFailed(message) => {
            rt.mark_auth_broken();
            let name = &rt.profile.name;
            ctx.notice(
                Level::Error,
                format!("profile `{name}`: the key was refused ({err})"),
            );
            ctx.fail(message).await;
        }
        Decision::NoCredits(message) => {
            rt.set_out_of_credits(true);
            let name = &rt.profile.name;
            ctx.notice(
                Level::Error,
                format!(
                    "profile `{name}` is out of credits ({err}): its queued jobs are paused; \
                     top up, then send a new job to resume them"
                ),
            );
            ctx.fail(message).await;
        }
        Decision::Ambiguous(message) => ctx.ambiguous(message).await,
    }
    Ok(Some(Next::Ended))
}

/// The provider took the job: record its id, or deliver the results it answered with (and
/// the prompt it drew, when it rewrote the one sent).
async fn accepted(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    job: &Job,
    submitted: Submitted,
) -> Result<Next, Stop> {
    match submitted {
        Submitted::Accepted { remote_id } => {
            crate::failpoint::hit("submit.after_response");
            ctx.clear_note();
            let patch = JobPatch {
                remote_id: Some(remote_id),
                ..JobPatch::default()
            };
            Ok(Next::from(ctx.move_to(JobState::Submitted, patch).await))
        }
        Submitted::Finished {
            results,
            revised_prompt,
        } => {
            let mut job = job.clone();
            if let Some(revised) = revised_prompt {
                job.revised_prompt = Some(revised);
            }
            deliver::take_results(ctx, rt, &job, results).await
        }
    }
}

/// Persists the params key the server accepted for this profile, and says so once: only the
/// submit that switched reports it, however many jobs are in flight.
async fn remember_params_key(ctx: &Ctx, rt: &ProfileRuntime, key: ParamsKey) {
    let profile = rt.profile.name.clone();
    let stored = ctx
        .store()
        .run(move |s| s.set_setting(&profile, PARAMS_KEY_SETTING, key.as_str()))
        .await;
    if let Err(e) = stored {
        tracing::warn!("cannot record the params key: {e}");
    }
    ctx.notice(
        Level::Info,
        format!(
            "profile `{}` uses the params key `{}` (the server refused `{}`)",
            rt.profile.name,
            key.as_str(),
            key.other().as_str()
        ),
    );
}
