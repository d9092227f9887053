//! Results that arrive in the answer itself (a gateway's `b64_json`): they exist nowhere
//! else, so they are saved at once, and none is given up — an unwritable output folder sends
//! them to the rescue folder, and bytes that are not an image are kept raw.

use std::path::PathBuf;
use std::sync::Arc;

use super::super::job::{Ctx, Next, Stop};
use super::super::openai::GatewayResult;
use super::super::runtime::ProfileRuntime;
use super::save::{keep_somewhere, save};
use crate::domain::{ImageFormat, Job, JobState, Level};
use crate::sanitize::sanitize_line;
use crate::store::JobPatch;
use crate::store::images::SaveError;

/// What became of results that arrived as bytes.
#[derive(Debug, Default)]
struct SentBytes {
    /// Images saved (in the output folder, or in the rescue folder when that failed).
    saved: Vec<PathBuf>,
    /// Notes for the user: where bytes went instead of the output folder, and why.
    notes: Vec<String>,
    /// Why results could not be used, and where they are kept.
    kept: Vec<String>,
}

/// Takes a synchronous answer's results: saves the bytes at once, records the URLs, and moves
/// the job to `downloading` (the URLs are fetched next). A job with nothing usable fails,
/// saying where every paid byte went.
pub async fn take_results(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    job: &Job,
    results: Vec<GatewayResult>,
) -> Result<Next, Stop> {
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
    let sent = save_sent(ctx, rt, job, bytes, total).await;
    for note in &sent.notes {
        ctx.notice(Level::Warning, note.clone());
    }
    if sent.saved.is_empty() && urls.is_empty() {
        let why = format!(
            "the gateway's image could not be used: {}",
            sent.kept.join("; ")
        );
        ctx.fail(super::super::error::clean(&why, "")).await;
        return Ok(Next::Ended);
    }
    for text in &sent.kept {
        ctx.notice(Level::Warning, super::super::error::clean(text, ""));
    }
    let patch = JobPatch {
        result_urls: Some(urls),
        saved_paths: Some(sent.saved),
        revised_prompt: job.revised_prompt.clone(),
        ..JobPatch::default()
    };
    Ok(Next::from(ctx.move_to(JobState::Downloading, patch).await))
}

/// Saves results that arrived as bytes as results `0..` of `total`. Every result is tried,
/// whatever happened to the ones before.
async fn save_sent(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    job: &Job,
    results: Vec<Vec<u8>>,
    total: usize,
) -> SentBytes {
    let rescue = ctx.rescue_dir();
    let mut out = SentBytes::default();
    for (index, bytes) in results.into_iter().enumerate() {
        // Shared, not copied: a gateway answer can hold several large images.
        let bytes = Arc::new(bytes);
        let keep = |ext| keep_somewhere(rt, job, (index, total), ext, Arc::clone(&bytes), &rescue);
        match save(rt, job, index, total, Arc::clone(&bytes)).await {
            Ok(path) => out.saved.push(path),
            Err(SaveError::NotAnImage(why)) => match keep("bin").await {
                Ok((path, note)) => {
                    out.notes.extend(note);
                    out.kept.push(format!(
                        "a result could not be decoded ({why}); kept in {}",
                        path.display()
                    ));
                }
                Err(e) => out
                    .kept
                    .push(format!("a result could not be saved anywhere: {e}")),
            },
            Err(e) => {
                let ext = ImageFormat::sniff(&bytes).map_or("bin", |f| f.extension());
                match keep(ext).await {
                    Ok((path, _)) => {
                        out.notes.push(format!(
                            "{}; saved in {} instead",
                            sanitize_line(&e.to_string()),
                            sanitize_line(&path.display().to_string()),
                        ));
                        out.saved.push(path);
                    }
                    Err(again) => out.kept.push(format!(
                        "a result could not be saved anywhere: {e}; and {again}"
                    )),
                }
            }
        }
    }
    out
}
