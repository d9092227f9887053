//! One gateway job: a single long request whose outcome decides everything. A request whose
//! body may have been sent is never sent again by itself: a lost answer makes the job
//! `ambiguous` and the user decides. Only failures before sending, and 429s, are retried.

use std::time::Duration;

use super::ApiEvent;
use super::deliver;
use super::error::Outcome;
use super::finish::finish;
use super::input_image::{self, InputImage};
use super::openai::GatewayResult;
use super::runner::{Ctx, Stop};
use super::runtime::ProfileRuntime;
use crate::domain::Level;
use crate::domain::models::{self, Task};
use crate::domain::{ImageInput, Job, JobState};
use crate::store::JobPatch;

/// Runs a gateway job from whatever state it is in.
pub(crate) async fn run(ctx: &Ctx, rt: &ProfileRuntime, job: Job) -> Result<(), Stop> {
    let Some(client) = rt.openai.as_ref() else {
        ctx.move_to(
            JobState::Failed {
                message: format!(
                    "profile `{}` does not speak the gateway wire",
                    rt.profile.name
                ),
            },
            JobPatch::default(),
        )
        .await;
        return Ok(());
    };
    match job.state {
        JobState::Queued => {}
        JobState::Submitting | JobState::Submitted | JobState::Running { .. } => {
            let message = "qimg stopped while this request was in flight, so its outcome is unknown: the gateway may have \
                           made (and charged for) the image. Resubmit (R) sends it again, which may charge twice."
                .to_owned();
            ctx.move_to(JobState::Ambiguous { message }, JobPatch::default())
                .await;
            return Ok(());
        }
        JobState::Downloading => return finish(ctx, rt, &job, None).await,
        _ => return Ok(()),
    }
    let fail = |message: String| ctx.move_to(JobState::Failed { message }, JobPatch::default());
    if rt.is_auth_broken() {
        fail(format!(
            "not sent: the key of profile `{}` was refused earlier; fix it and restart qimg",
            rt.profile.name
        ))
        .await;
        return Ok(());
    }
    let Some(spec) = models::find(&job.request.model) else {
        fail(format!("not sent: unknown model `{}`", job.request.model)).await;
        return Ok(());
    };
    let images = if spec.task == Task::Edit {
        match load_inputs(&job).await {
            Ok(i) => i,
            Err(why) => {
                fail(format!("not sent: {why}")).await;
                return Ok(());
            }
        }
    } else {
        Vec::new()
    };
    if ctx
        .move_to(JobState::Submitting, JobPatch::default())
        .await
        .is_none()
    {
        return Ok(());
    }
    let timeout = rt
        .profile
        .request_timeout
        .unwrap_or(Duration::from_secs(spec.timeout_secs));
    let (mut connect_tries, mut limited_tries) = (0u32, 0u32);
    loop {
        ctx.guard(rt.gate.wait()).await?;
        let call = async {
            match spec.task {
                Task::Generate => client.generate(&job.request, timeout).await,
                Task::Edit => client.edit(&job.request, &images, timeout).await,
            }
        };
        let res = match ctx.guard(call).await {
            Ok(r) => r,
            Err(Stop::Cancelled) => {
                ctx.note("cancelled; the gateway may still bill a request that had reached it");
                return Err(Stop::Cancelled);
            }
            Err(stop) => return Err(stop),
        };
        let err = match res {
            Ok(results) => return deliver_results(ctx, rt, &job, results).await,
            Err(e) => e,
        };
        match err.outcome() {
            Outcome::NotSent if connect_tries < 2 => {
                connect_tries += 1;
                ctx.note(format!("{err}; retrying"));
                ctx.sleep(Duration::from_secs(1 << connect_tries)).await?;
            }
            Outcome::NotSent => {
                fail(format!("not sent: {err}")).await;
                return Ok(());
            }
            Outcome::NotProcessed if limited_tries < 5 => {
                // A 429 means the gateway did not take the request: waiting and sending again is safe.
                limited_tries += 1;
                let wait = err
                    .retry_after()
                    .unwrap_or(Duration::from_secs(2 << limited_tries));
                rt.gate.close_for(wait);
                ctx.note(format!(
                    "rate limited; retrying in {} s",
                    wait.as_secs().max(1)
                ));
            }
            Outcome::NotProcessed => {
                fail(format!(
                    "not sent: still rate limited after {limited_tries} tries ({err})"
                ))
                .await;
                return Ok(());
            }
            Outcome::Rejected if err.is_auth() => {
                rt.mark_auth_broken();
                fail(format!(
                    "rejected, not charged: the key of profile `{}` was refused: {err}",
                    rt.profile.name
                ))
                .await;
                return Ok(());
            }
            Outcome::Rejected if matches!(err, super::ApiError::Tls(_)) => {
                fail(format!("not sent, not retried: {err}")).await;
                return Ok(());
            }
            Outcome::Rejected => {
                fail(format!("rejected, not charged: {err}")).await;
                return Ok(());
            }
            Outcome::Unknown if matches!(err, super::ApiError::Invalid(_)) => {
                fail(format!(
                    "completed without output: {err}; the gateway may have charged for it"
                ))
                .await;
                return Ok(());
            }
            Outcome::Unknown => {
                let message = format!(
                    "no clear answer from the gateway ({err}). The image may have been made and charged. \
                     Resubmit (R) sends the request again, which may charge twice."
                );
                ctx.move_to(JobState::Ambiguous { message }, JobPatch::default())
                    .await;
                return Ok(());
            }
        }
    }
}

async fn load_inputs(job: &Job) -> Result<Vec<InputImage>, String> {
    let spec = models::find(&job.request.model);
    let inputs = job.request.images.clone();
    tokio::task::spawn_blocking(move || {
        inputs
            .iter()
            .map(|i| match i {
                ImageInput::File(p) => input_image::load(p, spec),
                ImageInput::Url(_) => {
                    Err("the gateway takes image files; save the image locally first".to_owned())
                }
            })
            .collect()
    })
    .await
    .unwrap_or_else(|_| Err("cannot read the input images".into()))
}

/// Saves bytes at once (they can never be fetched again), records the URLs, then downloads.
async fn deliver_results(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    job: &Job,
    results: Vec<GatewayResult>,
) -> Result<(), Stop> {
    let total = results.len();
    let mut bytes = Vec::new();
    let mut urls = Vec::new();
    for r in results {
        match r {
            GatewayResult::Bytes(b) => bytes.push(b),
            GatewayResult::Url(u) => urls.push(u),
            // Kept raw through the not-an-image path: saved as `.bin`, and the job says where.
            GatewayResult::Undecodable(text) => bytes.push(text.into_bytes()),
        }
    }
    let mut saved = Vec::new();
    let mut kept = Vec::new();
    if !bytes.is_empty() {
        let sent = deliver::save_sent_bytes(rt, job, bytes, total, &ctx.shared.rescue_dir()).await;
        for note in &sent.notes {
            ctx.shared.emit(ApiEvent::Notice {
                level: Level::Warning,
                text: note.clone(),
            });
        }
        // Paid bytes that are not an image: kept raw, and the user is told where.
        for (why, path) in &sent.not_images {
            kept.push(format!(
                "a result could not be decoded ({why}); kept in {}",
                path.display()
            ));
        }
        kept.extend(
            sent.lost
                .iter()
                .map(|why| format!("a result could not be saved anywhere: {why}")),
        );
        saved = sent.saved;
    }
    if saved.is_empty() && urls.is_empty() {
        // Nothing usable: the job failed, saying where every paid byte went.
        ctx.move_to(
            JobState::Failed {
                message: super::error::clean(
                    &format!("the gateway's image could not be used: {}", kept.join("; ")),
                    "",
                ),
            },
            JobPatch::default(),
        )
        .await;
        return Ok(());
    }
    for text in kept {
        ctx.shared.emit(ApiEvent::Notice {
            level: Level::Warning,
            text: super::error::clean(&text, ""),
        });
    }
    let patch = JobPatch {
        result_urls: Some(urls),
        saved_paths: Some(saved),
        ..JobPatch::default()
    };
    let Some(job) = ctx.move_to(JobState::Downloading, patch).await else {
        return Ok(());
    };
    finish(ctx, rt, &job, None).await
}
