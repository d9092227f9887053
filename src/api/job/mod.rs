//! One job's life, top to bottom, as a state machine over its stored state: `queued` →
//! (inputs prepared) → `submitting` → `submitted` → `running` → `downloading` → `done`, or one
//! of the ends. Every state change is committed to the store before its event is sent, so a
//! job resumes from whatever state it is in. Each step is a module: `submit`, `poll`, and
//! `deliver` (in `api::deliver`); the wire-specific parts come from the job's `Provider`.

mod ctx;
mod poll;
mod submit;

pub use ctx::{Ctx, Stop};
pub use poll::UNKNOWN_STATUS_DEADLINE;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::deliver;
use super::engine::Shared;
use super::error::clean;
use super::provider::Provider;
use super::runtime::ProfileRuntime;
use crate::domain::{Job, JobState};
use crate::store::JobPatch;

/// What a step leaves: the job in its next state, or nothing more to do.
pub enum Next {
    /// Go on from this stored state.
    Continue(Box<Job>),
    /// The job ended (or the store refused the move).
    Ended,
}

impl Next {
    /// `Continue` with the stored job, or `Ended` when the move was refused.
    pub fn from(stored: Option<Job>) -> Self {
        stored.map_or(Self::Ended, |j| Self::Continue(Box::new(j)))
    }
}

/// What the gateway says when qimg stopped with its request in flight.
const IN_FLIGHT: &str = "qimg stopped while this request was in flight, so its outcome is unknown: the gateway may have \
                         made (and charged for) the image. Resubmitting sends it again, which may charge twice.";

/// Runs one stored job; `is_new` when it was just submitted (not resumed).
pub(crate) async fn run(
    shared: Arc<Shared>,
    job: Job,
    is_new: bool,
    cancel: CancellationToken,
    shutdown: CancellationToken,
) {
    let ctx = Ctx::new(shared, job.id, cancel, shutdown);
    if is_new && let Ok(rt) = ctx.shared.runtime(&job.profile).await {
        // A new job is the user saying "try again": after a top-up the paused jobs go on.
        rt.set_out_of_credits(false);
    }
    match drive(&ctx, job).await {
        Ok(()) | Err(Stop::Shutdown) => {}
        Err(Stop::Cancelled) => {
            ctx.move_to(JobState::Cancelled, JobPatch::default()).await;
        }
    }
}

/// Takes the job from its stored state to its end.
async fn drive(ctx: &Ctx, mut job: Job) -> Result<(), Stop> {
    if job.state.is_end() {
        return Ok(());
    }
    let rt = match ctx.shared.runtime(&job.profile).await {
        Ok(rt) => rt,
        Err(why) => {
            let sent = job.state.rank() >= JobState::Submitting.rank();
            let what = if sent { "cannot continue" } else { "not sent" };
            ctx.fail(clean(&format!("{what}: {why}"), "")).await;
            return Ok(());
        }
    };
    // The job waits in `queued` for a slot (the profile's max_concurrent).
    let _permit = ctx.guard(rt.slots.acquire()).await?.ok();
    let Some(provider) = rt.provider(job.request.wire) else {
        let wire = job.request.wire.label();
        ctx.fail(format!(
            "profile `{}` does not speak the {wire} wire",
            rt.profile.name
        ))
        .await;
        return Ok(());
    };
    loop {
        let next = step(ctx, &rt, provider.as_ref(), &job).await?;
        match next {
            Next::Continue(j) => job = *j,
            Next::Ended => return Ok(()),
        }
    }
}

/// One step from the job's current state.
async fn step(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    provider: &dyn Provider,
    job: &Job,
) -> Result<Next, Stop> {
    let resumable = provider.policy().idempotent;
    match job.state {
        JobState::Queued => submit::run(ctx, rt, provider, job).await,
        JobState::Submitting if resumable => submit::run(ctx, rt, provider, job).await,
        JobState::Submitted | JobState::Running { .. } if provider.polls() => {
            poll::run(ctx, rt, provider, job).await
        }
        JobState::Submitting | JobState::Submitted | JobState::Running { .. } => {
            ctx.ambiguous(IN_FLIGHT).await;
            Ok(Next::Ended)
        }
        JobState::Downloading => {
            deliver::finish(ctx, rt, provider, job).await?;
            Ok(Next::Ended)
        }
        _ => Ok(Next::Ended),
    }
}
