//! `Provider`: what the job driver needs of a wire. Apiframe is asynchronous (submit returns a
//! job id, then poll); a gateway is synchronous (one request returns the results). Both are
//! driven by the same `job` module; a new provider implements this trait and nothing else.

use futures::future::BoxFuture;

use super::apiframe::RemoteJob;
use super::error::ApiError;
use super::input_image::InputImage;
use super::job::{Ctx, Stop};
use super::openai::GatewayResult;
use super::retry::RetryPolicy;
use crate::domain::Job;
use crate::domain::models::{ParamsKey, Wire};

/// A job's inputs, ready to send: the reference as a URL the provider fetches, or the files
/// themselves.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// A URL in the request body (Apiframe: an https reference or an upload).
    pub image_url: Option<String>,
    /// Files sent with the request (a gateway's multipart edit).
    pub files: Vec<InputImage>,
}

/// What a successful submit returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// The provider took the job and works on it: poll `remote_id`.
    Accepted {
        /// The provider's job id.
        remote_id: String,
    },
    /// The answer carries the results.
    Finished {
        /// The images (bytes or URLs).
        results: Vec<GatewayResult>,
        /// The prompt the provider drew, when it rewrote the one sent.
        revised_prompt: Option<String>,
    },
}

/// What one submit did: its answer, and a params key the server made the client switch to
/// (kept whatever happened to the retry, so later attempts use it).
#[derive(Debug)]
pub struct SubmitOutcome {
    /// The answer.
    pub result: Result<Submitted, ApiError>,
    /// The params key the client now uses, when this submit switched it.
    pub switched_key: Option<ParamsKey>,
}

impl From<Result<Submitted, ApiError>> for SubmitOutcome {
    fn from(result: Result<Submitted, ApiError>) -> Self {
        Self {
            result,
            switched_key: None,
        }
    }
}

/// Why the inputs could not be prepared.
#[derive(Debug)]
pub enum Prepare {
    /// The job cannot be sent (the text says why; nothing was charged).
    Refused(String),
    /// The job task was stopped.
    Stopped(Stop),
}

impl From<Stop> for Prepare {
    fn from(s: Stop) -> Self {
        Self::Stopped(s)
    }
}

/// One wire, as the job driver uses it.
pub trait Provider: Send + Sync {
    /// The wire.
    fn wire(&self) -> Wire;

    /// How submits of this wire are retried (before the profile's retry budget is applied).
    fn policy(&self) -> RetryPolicy;

    /// Whether jobs are polled after the submit (asynchronous wires).
    fn polls(&self) -> bool;

    /// The key, for redacting it from server text. Never displayed.
    fn secret(&self) -> &str;

    /// Checks and loads the job's inputs before the submit: reads the files, and uploads a
    /// reference where the wire wants a URL (reusing an upload this job made before).
    fn prepare<'a>(&'a self, ctx: &'a Ctx, job: &'a Job) -> BoxFuture<'a, Result<Inputs, Prepare>>;

    /// Sends the job once.
    fn submit<'a>(&'a self, job: &'a Job, inputs: &'a Inputs) -> BoxFuture<'a, SubmitOutcome>;

    /// The status of an accepted job (asynchronous wires only).
    fn poll<'a>(&'a self, remote_id: &'a str) -> BoxFuture<'a, Result<RemoteJob, ApiError>>;

    /// The account's credits (Apiframe's `/v2/me`); `None` where the wire has no balance.
    fn balance(&self) -> Option<BoxFuture<'_, Result<Option<i64>, ApiError>>> {
        None
    }
}
