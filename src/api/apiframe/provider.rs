//! Apiframe as a `Provider`: asynchronous (submit, then poll), idempotent submits, and
//! reference images as URLs — an https URL as it is, a local file checked and uploaded with
//! `POST /v2/uploads` (an upload of this job that is still valid is reused, so every attempt
//! sends the same body).

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::super::error::{ApiError, Outcome};
use super::super::gate::RateGate;
use super::super::input_image;
use super::super::job::Ctx;
use super::super::provider::{Inputs, Prepare, Provider, SubmitOutcome, Submitted};
use super::super::retry::{Backoff, RetryPolicy};
use super::{ApiframeClient, RemoteJob};
use crate::domain::catalogue::Catalogue;
use crate::domain::models::Wire;
use crate::domain::{ImageInput, Job, Timestamp};

/// An upload closer than this to its expiry is replaced (Apiframe keeps uploads ~1–2 h).
const UPLOAD_MARGIN_MS: i64 = 10 * 60 * 1000;

/// Uploads are free: a failed one is tried again after 1 s and 2 s.
const UPLOAD_RETRY: Backoff = Backoff {
    base: std::time::Duration::from_secs(1),
    factor: 2.0,
    cap: std::time::Duration::from_secs(4),
};

/// The Apiframe wire of a profile.
pub struct ApiframeProvider {
    client: ApiframeClient,
    gate: Arc<RateGate>,
    catalogue: Arc<Catalogue>,
}

impl ApiframeProvider {
    /// The provider over `client`; `gate` is the profile's rate gate (uploads honour it);
    /// `catalogue` gives each model's limits on reference images.
    pub fn new(client: ApiframeClient, gate: Arc<RateGate>, catalogue: Arc<Catalogue>) -> Self {
        Self {
            client,
            gate,
            catalogue,
        }
    }

    /// The URL of the job's reference image, uploading a local file when needed.
    async fn image_url(&self, ctx: &Ctx, job: &Job) -> Result<Option<String>, Prepare> {
        let Some(first) = job.request.images.first() else {
            return Ok(None);
        };
        if job.request.images.len() > 1 {
            return Err(Prepare::Refused(
                "Apiframe takes one reference image".into(),
            ));
        }
        let path = match first {
            ImageInput::Url(u) => {
                return crate::domain::check_url(u)
                    .map(Some)
                    .map_err(|e| Prepare::Refused(e.to_string()));
            }
            ImageInput::File(p) => p.clone(),
        };
        let spec = self.catalogue.find(&job.request.model).cloned();
        let img = tokio::task::spawn_blocking(move || input_image::load(&path, spec.as_deref()))
            .await
            .map_err(|_| Prepare::Refused("cannot read the reference image".into()))?
            .map_err(|e| Prepare::Refused(e.to_string()))?;
        if let Some(url) = recorded_upload(ctx, job).await {
            return Ok(Some(url));
        }
        ctx.note("uploading the reference image");
        self.upload(ctx, job, img).await.map(Some)
    }

    async fn upload(
        &self,
        ctx: &Ctx,
        job: &Job,
        img: input_image::InputImage,
    ) -> Result<String, Prepare> {
        for attempt in 0..3u32 {
            ctx.guard(self.gate.wait()).await?;
            let name = img.upload_name(0);
            let sent = self
                .client
                .upload(img.bytes.clone(), &name, img.format.mime());
            match ctx.guard(sent).await? {
                Ok((url, expires)) => {
                    ctx.clear_note();
                    record_upload(ctx, job, &url, expires).await;
                    return Ok(url);
                }
                Err(e) if retryable(&e) && attempt < 2 => {
                    if let Some(d) = e.retry_after() {
                        self.gate.close_for(d);
                    }
                    ctx.sleep(UPLOAD_RETRY.delay(attempt)).await?;
                }
                Err(e) => {
                    return Err(Prepare::Refused(format!(
                        "the reference image upload failed: {e}"
                    )));
                }
            }
        }
        Err(Prepare::Refused("the reference image upload failed".into()))
    }
}

fn retryable(e: &ApiError) -> bool {
    matches!(
        e.outcome(),
        Outcome::NotSent | Outcome::NotProcessed | Outcome::Unknown
    )
}

/// This job's upload, while it is valid for a while yet.
async fn recorded_upload(ctx: &Ctx, job: &Job) -> Option<String> {
    let key = job.id.to_string();
    let recorded = ctx.store().run(move |s| s.upload_for(&key)).await.ok()??;
    let (url, expires) = recorded;
    let margin = Timestamp::now().0 + UPLOAD_MARGIN_MS;
    if expires.is_none_or(|e| e > margin) {
        return Some(url);
    }
    tracing::info!("the reference upload expired; uploading again");
    None
}

async fn record_upload(ctx: &Ctx, job: &Job, url: &str, expires: Option<std::time::SystemTime>) {
    let expires_ms = expires
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok());
    let (key, u) = (job.id.to_string(), url.to_owned());
    if let Err(e) = ctx
        .store()
        .run(move |s| s.set_upload(&key, &u, expires_ms))
        .await
    {
        tracing::warn!("cannot record the upload: {e}");
    }
}

impl Provider for ApiframeProvider {
    fn wire(&self) -> Wire {
        Wire::Apiframe
    }

    fn policy(&self) -> RetryPolicy {
        RetryPolicy::APIFRAME
    }

    fn polls(&self) -> bool {
        true
    }

    fn secret(&self) -> &str {
        self.client.secret()
    }

    fn prepare<'a>(&'a self, ctx: &'a Ctx, job: &'a Job) -> BoxFuture<'a, Result<Inputs, Prepare>> {
        async move {
            Ok(Inputs {
                image_url: self.image_url(ctx, job).await?,
                files: Vec::new(),
            })
        }
        .boxed()
    }

    fn submit<'a>(&'a self, job: &'a Job, inputs: &'a Inputs) -> BoxFuture<'a, SubmitOutcome> {
        async move {
            let image = inputs.image_url.as_deref();
            let (answer, switched_key) = self
                .client
                .submit(&job.request, &job.idempotency_key, image)
                .await;
            SubmitOutcome {
                result: answer.map(|a| Submitted::Accepted {
                    remote_id: a.remote_id,
                }),
                switched_key,
            }
        }
        .boxed()
    }

    fn poll<'a>(&'a self, remote_id: &'a str) -> BoxFuture<'a, Result<RemoteJob, ApiError>> {
        self.client.poll(remote_id).boxed()
    }

    fn balance(&self) -> Option<BoxFuture<'_, Result<Option<i64>, ApiError>>> {
        Some(self.client.me().boxed())
    }
}
