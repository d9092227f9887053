//! An OpenAI-compatible gateway as a `Provider`: synchronous (one long request returns the
//! results), not idempotent (a request that may have been sent is never sent again by itself),
//! and edits send the input files as multipart.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::super::apiframe::RemoteJob;
use super::super::error::ApiError;
use super::super::input_image::{self, InputImage};
use super::super::job::Ctx;
use super::super::provider::{Inputs, Prepare, Provider, SubmitOutcome, Submitted};
use super::super::retry::RetryPolicy;
use super::OpenAiClient;

use crate::domain::catalogue::{Catalogue, ModelSpec};
use crate::domain::models::{Task, Wire};
use crate::domain::{ImageInput, Job};

/// The gateway wire of a profile.
pub struct GatewayProvider {
    client: OpenAiClient,
    /// The profile's own request timeout, over the model's.
    timeout: Option<Duration>,
    catalogue: Arc<Catalogue>,
}

impl GatewayProvider {
    /// The provider over `client`; `timeout` overrides the per-model request timeout;
    /// `catalogue` says what each model takes.
    pub fn new(client: OpenAiClient, timeout: Option<Duration>, catalogue: Arc<Catalogue>) -> Self {
        Self {
            client,
            timeout,
            catalogue,
        }
    }

    fn spec_of(&self, job: &Job) -> Result<Arc<ModelSpec>, ApiError> {
        self.catalogue
            .find(&job.request.model)
            .cloned()
            .ok_or_else(|| ApiError::Local(format!("unknown model `{}`", job.request.model)))
    }
}

/// Reads and checks the input files (off the async threads).
async fn load_files(job: &Job, spec: Arc<ModelSpec>) -> Result<Vec<InputImage>, Prepare> {
    let inputs = job.request.images.clone();
    tokio::task::spawn_blocking(move || {
        inputs
            .iter()
            .map(|i| match i {
                ImageInput::File(p) => {
                    input_image::load(p, Some(spec.as_ref())).map_err(|e| e.to_string())
                }
                ImageInput::Url(_) => {
                    Err("the gateway takes image files; save the image locally first".to_owned())
                }
            })
            .collect::<Result<Vec<_>, String>>()
    })
    .await
    .map_err(|_| Prepare::Refused("cannot read the input images".into()))?
    .map_err(Prepare::Refused)
}

impl Provider for GatewayProvider {
    fn wire(&self) -> Wire {
        Wire::OpenAi
    }

    fn policy(&self) -> RetryPolicy {
        RetryPolicy::GATEWAY
    }

    fn polls(&self) -> bool {
        false
    }

    fn secret(&self) -> &str {
        self.client.secret()
    }

    fn prepare<'a>(
        &'a self,
        _ctx: &'a Ctx,
        job: &'a Job,
    ) -> BoxFuture<'a, Result<Inputs, Prepare>> {
        async move {
            let spec = self
                .spec_of(job)
                .map_err(|e| Prepare::Refused(e.to_string()))?;
            let files = if job.request.images.is_empty() {
                Vec::new()
            } else {
                load_files(job, spec).await?
            };
            Ok(Inputs {
                image_url: None,
                files,
            })
        }
        .boxed()
    }

    fn submit<'a>(&'a self, job: &'a Job, inputs: &'a Inputs) -> BoxFuture<'a, SubmitOutcome> {
        async move {
            let spec = self.spec_of(job)?;
            let timeout = self
                .timeout
                .unwrap_or(Duration::from_secs(spec.timeout_secs));
            // An edit sends its input files as multipart; a model that takes an optional
            // reference generates from text when it has none.
            let answer = if inputs.files.is_empty() && spec.task != Task::Edit {
                self.client.generate(&job.request, &spec, timeout).await?
            } else {
                self.client
                    .edit(&job.request, &inputs.files, timeout)
                    .await?
            };
            Ok(Submitted::Finished {
                results: answer.results,
                revised_prompt: answer.revised_prompt,
            })
        }
        .map(SubmitOutcome::from)
        .boxed()
    }

    fn poll<'a>(&'a self, _remote_id: &'a str) -> BoxFuture<'a, Result<RemoteJob, ApiError>> {
        async { Err(ApiError::Local("a gateway job has nothing to poll".into())) }.boxed()
    }
}
