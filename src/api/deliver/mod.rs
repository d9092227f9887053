//! The last step of every job: fetch each result URL with the credential-free client and save
//! it, refresh an expired URL once (asynchronous wires), keep what is not an image, retry when
//! the disk refuses, then mark the job done. Results that came as bytes were saved before.

mod bytes;
pub mod download;
mod save;

pub use bytes::take_results;

use std::path::PathBuf;
use std::sync::Arc;

use super::error::clean;
use super::job::{Ctx, Stop};
use super::provider::Provider;
use super::retry::RetryPolicy;
use super::runtime::ProfileRuntime;
use crate::domain::{Job, JobState, Level};
use crate::store::JobPatch;
use crate::store::images::SaveError;
use download::DownloadError;

/// Why the results could not be delivered this time.
#[derive(Debug, thiserror::Error)]
enum DeliverError {
    /// A download failed.
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// Saving failed (disk full, read-only folder); the job can try again.
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// Save failures in a row after which the job waits in `downloading` for the next start.
const SAVE_TRIES: u32 = 5;

/// Downloads and saves the results of a job in `downloading`, then marks it done.
pub async fn finish(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    provider: &dyn Provider,
    job: &Job,
) -> Result<(), Stop> {
    let mut job = job.clone();
    let mut refreshed = false;
    let mut save_failures = 0u32;
    loop {
        let fetched = ctx.guard(fetch_and_save(rt, &job)).await?;
        let err = match fetched {
            Ok(paths) => return done(ctx, &job, paths).await,
            Err(e) => e,
        };
        match err {
            DeliverError::Download(DownloadError::Gone(status)) => {
                // A fresh URL may exist: ask the provider once more.
                if !refreshed && let Some(j) = refresh(ctx, provider, &job).await? {
                    refreshed = true;
                    job = j;
                    continue;
                }
                let message =
                    format!("the result was gone (HTTP {status}) before it could be downloaded");
                ctx.move_to(JobState::Expired { message }, JobPatch::default())
                    .await;
                return Ok(());
            }
            DeliverError::Download(DownloadError::NotAnImage(why, body)) => {
                return not_an_image(ctx, rt, &job, &why, body).await;
            }
            DeliverError::Download(e) => {
                ctx.fail(e.to_string()).await;
                return Ok(());
            }
            DeliverError::Save(e) => {
                // The job keeps its URLs in `downloading`; saving is tried again (disk full…).
                save_failures += 1;
                let msg = clean(&e.to_string(), "");
                ctx.note(format!("{msg}; will try again"));
                if save_failures >= SAVE_TRIES {
                    ctx.notice(
                        Level::Error,
                        format!(
                            "{msg}; the job stays in `downloading` and resumes on the next start"
                        ),
                    );
                    return Ok(());
                }
                let wait = RetryPolicy::APIFRAME
                    .backoff
                    .jittered(save_failures + 2, rand::random());
                ctx.sleep(wait).await?;
            }
        }
    }
}

async fn done(ctx: &Ctx, job: &Job, fetched: Vec<PathBuf>) -> Result<(), Stop> {
    crate::failpoint::hit("download.after_save");
    let mut paths = job.saved_paths.clone();
    paths.extend(fetched);
    ctx.clear_note();
    let patch = JobPatch {
        saved_paths: Some(paths),
        ..JobPatch::default()
    };
    ctx.move_to(JobState::Done, patch).await;
    Ok(())
}

/// Asks an asynchronous provider for the job's results again; the job with new URLs, when
/// there are any.
async fn refresh(ctx: &Ctx, provider: &dyn Provider, job: &Job) -> Result<Option<Job>, Stop> {
    let Some(rid) = job.remote_id.as_deref().filter(|_| provider.polls()) else {
        return Ok(None);
    };
    let Ok(rj) = ctx.guard(provider.poll(rid)).await? else {
        return Ok(None);
    };
    if rj.result_urls.is_empty() || rj.result_urls == job.result_urls {
        return Ok(None);
    }
    let patch = JobPatch {
        result_urls: Some(rj.result_urls),
        ..JobPatch::default()
    };
    Ok(ctx.move_to(JobState::Downloading, patch).await)
}

/// The job was paid for: keep what the provider sent (raw, never as an image) and say where.
async fn not_an_image(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    job: &Job,
    why: &str,
    body: Vec<u8>,
) -> Result<(), Stop> {
    let at = (
        job.saved_paths.len(),
        job.saved_paths.len() + job.result_urls.len(),
    );
    let kept = save::keep_somewhere(rt, job, at, "bin", Arc::new(body), &ctx.rescue_dir()).await;
    let where_ = match kept {
        Ok((p, _)) => format!("; the provider's answer is kept in {}", p.display()),
        Err(e) => format!("; it could not be kept either ({e})"),
    };
    ctx.fail(clean(
        &format!("download invalid: not an image ({why}){where_}"),
        "",
    ))
    .await;
    Ok(())
}

/// Downloads and saves the job's result URLs in order, after the results that came as bytes.
async fn fetch_and_save(rt: &ProfileRuntime, job: &Job) -> Result<Vec<PathBuf>, DeliverError> {
    let first = job.saved_paths.len();
    let total = first + job.result_urls.len();
    let mut saved = Vec::with_capacity(job.result_urls.len());
    for (i, url) in job.result_urls.iter().enumerate() {
        let index = first + i;
        if let Some(p) = save::existing(&rt.output_dir, job, index, total) {
            tracing::info!(path = %p.display(), "result already saved by an earlier run");
            saved.push(p);
            continue;
        }
        let how = download::Fetch {
            allow_loopback: rt.allow_loopback,
            timeout: rt.download_timeout,
            budget: rt.profile.retry_budget,
        };
        let bytes = download::fetch(&rt.download, &rt.download_transport, url, how).await?;
        crate::failpoint::hit("download.before_save");
        saved.push(save::save(rt, job, index, total, Arc::new(bytes)).await?);
    }
    Ok(saved)
}
