//! Reference images for Apiframe: an https URL goes into the params block as it is; a local
//! file is checked and uploaded with `POST /v2/uploads`, and the returned URL is used.

use super::apiframe::ApiframeClient;
use super::error::Outcome;
use super::input_image;
use super::runner::{Ctx, Stop};
use super::runtime::ProfileRuntime;
use crate::domain::{ImageInput, Job};

/// An upload closer than this to its expiry is replaced (Apiframe keeps uploads ~1–2 h).
const UPLOAD_MARGIN_MS: i64 = 10 * 60 * 1000;

/// The URL to put in the params block's `image` field, if the job has a reference image.
/// The outer `Result` is interruption; the inner one is a reason the job cannot be sent.
pub(crate) async fn apiframe_image_url(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    client: &ApiframeClient,
    job: &Job,
) -> Result<Result<Option<String>, String>, Stop> {
    let Some(first) = job.request.images.first() else {
        return Ok(Ok(None));
    };
    if job.request.images.len() > 1 {
        return Ok(Err("Apiframe takes one reference image".into()));
    }
    match first {
        ImageInput::Url(u) => Ok(crate::domain::check_url(u)
            .map(Some)
            .map_err(|e| e.to_string())),
        ImageInput::File(path) => {
            let spec = crate::domain::models::find(&job.request.model);
            let path = path.clone();
            let loaded = tokio::task::spawn_blocking(move || input_image::load(&path, spec))
                .await
                .unwrap_or_else(|_| Err("cannot read the reference image".into()));
            let img = match loaded {
                Ok(img) => img,
                Err(why) => return Ok(Err(why)),
            };
            // Reuse this job's upload while it is valid, so every attempt sends the same body.
            let (store, key) = (ctx.shared.store.clone(), job.id.to_string());
            let recorded = store.run(move |s| s.upload_for(&key)).await.ok().flatten();
            let margin = crate::domain::Timestamp::now().0 + UPLOAD_MARGIN_MS;
            if let Some((url, expires)) = recorded {
                if expires.is_none_or(|e| e > margin) {
                    return Ok(Ok(Some(url)));
                }
                tracing::info!("the reference upload expired; uploading again");
            }
            ctx.note("uploading the reference image");
            for attempt in 0..3u32 {
                ctx.guard(rt.gate.wait()).await?;
                match ctx
                    .guard(client.upload(img.bytes.clone(), &img.upload_name(0), img.format.mime()))
                    .await?
                {
                    Ok((url, expires)) => {
                        ctx.note("");
                        let expires_ms = expires
                            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                            .and_then(|d| i64::try_from(d.as_millis()).ok());
                        let (store, key, u) =
                            (ctx.shared.store.clone(), job.id.to_string(), url.clone());
                        if let Err(e) = store.run(move |s| s.set_upload(&key, &u, expires_ms)).await
                        {
                            tracing::warn!("cannot record the upload: {e}");
                        }
                        return Ok(Ok(Some(url)));
                    }
                    Err(e)
                        if matches!(
                            e.outcome(),
                            Outcome::NotSent | Outcome::NotProcessed | Outcome::Unknown
                        ) && attempt < 2 =>
                    {
                        // Uploads are free: retrying one costs nothing.
                        if let Some(d) = e.retry_after() {
                            rt.gate.close_for(d);
                        }
                        ctx.sleep(std::time::Duration::from_secs(1 << attempt))
                            .await?;
                    }
                    Err(e) => return Ok(Err(format!("the reference image upload failed: {e}"))),
                }
            }
            Ok(Err("the reference image upload failed".into()))
        }
    }
}
