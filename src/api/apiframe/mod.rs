//! The Apiframe v2 client: submit with an `Idempotency-Key` and params-key negotiation, poll a
//! job, upload a reference image, and read `/v2/me`. No retry policy lives here: the job driver
//! (`api::job`) decides what to retry, as `api::retry` says.

mod provider;
pub mod wire;

pub use provider::ApiframeProvider;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Method, RequestBuilder, Response, Url};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::error::{self, ApiError};
use super::http::{self, JSON_CAP, POLL_TIMEOUT};
use super::transport::{Reqwest, Transport, send};
use crate::domain::JobRequest;
use crate::domain::models::ParamsKey;
pub use wire::{RemoteJob, RemoteStatus};

/// Timeout for the submit request (the SDK's default is 60 s).
pub const SUBMIT_TIMEOUT: Duration = Duration::from_secs(60);

/// What the submit returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Apiframe's job id.
    pub remote_id: String,
    /// The status it reported (almost always QUEUED).
    pub status: RemoteStatus,
}

/// One Apiframe origin with its key.
#[derive(Clone)]
pub struct ApiframeClient {
    base: Url,
    key: SecretString,
    http: Client,
    transport: Arc<dyn Transport>,
    params_key: Arc<Mutex<ParamsKey>>,
    submit_timeout: Duration,
    poll_timeout: Duration,
}

impl std::fmt::Debug for ApiframeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiframeClient")
            .field("base", &self.base.as_str())
            .field("key", &"[REDACTED]")
            .field("params_key", &self.params_key())
            .finish()
    }
}

impl ApiframeClient {
    /// A client for `base` (validated: https, or http on loopback) with `key`.
    pub fn new(base: Url, key: SecretString, params_key: ParamsKey) -> Result<Self, ApiError> {
        let loopback = crate::util::is_loopback(&base);
        let http = http::api_client(loopback)?;
        Ok(Self {
            base,
            key,
            transport: Arc::new(Reqwest(http.clone())),
            http,
            params_key: Arc::new(Mutex::new(params_key)),
            submit_timeout: SUBMIT_TIMEOUT,
            poll_timeout: POLL_TIMEOUT,
        })
    }

    /// Executes requests on `transport` instead of the network (the virtual-time soak test).
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = transport;
        self
    }

    /// Overrides the submit and poll timeouts (a profile's `timeout_secs`; tests).
    pub fn with_timeout(mut self, t: Duration) -> Self {
        self.submit_timeout = t;
        self.poll_timeout = t.min(POLL_TIMEOUT);
        self
    }

    /// The params key that currently works for this profile.
    pub fn params_key(&self) -> ParamsKey {
        self.params_key.lock().map(|k| *k).unwrap_or_default()
    }

    /// Switches from `from` to `to`; false when another submit switched already.
    fn switch_params_key(&self, from: ParamsKey, to: ParamsKey) -> bool {
        match self.params_key.lock() {
            Ok(mut k) if *k == from => {
                *k = to;
                true
            }
            _ => false,
        }
    }

    fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        let base_path = u.path().trim_end_matches('/').to_owned();
        u.set_path(&format!("{base_path}{path}"));
        u
    }

    fn request(&self, method: Method, path: &str, timeout: Duration) -> RequestBuilder {
        let mut headers = HeaderMap::new();
        if let Ok(mut v) = HeaderValue::from_str(self.key.expose_secret()) {
            // Marked sensitive so it never shows in reqwest's debug output.
            v.set_sensitive(true);
            headers.insert("x-api-key", v);
        }
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        self.http
            .request(method, self.url(path))
            .headers(headers)
            .timeout(timeout)
    }

    fn secret(&self) -> &str {
        self.key.expose_secret()
    }

    /// Sends a request and reads a capped JSON body. Non-2xx answers, 3xx, and 2xx bodies that
    /// are error objects all become `ApiError`s.
    async fn send_json(
        &self,
        rb: RequestBuilder,
        body_kind: BodyKind,
    ) -> Result<(u16, Value), (ApiError, Option<Value>)> {
        let resp = send(&self.transport, rb).await.map_err(|e| (e, None))?;
        read_json(resp, self.secret(), body_kind).await
    }

    /// Submits one generation. The same `idempotency_key` must be used for every attempt of
    /// the same job. A 400 that names the params key switches this client to the other key at
    /// once (a 400 creates no job, so sending again is safe) and sends again; the switch holds
    /// whatever happens to that attempt. Returns the answer and the key switched to, when this
    /// call did the switching (so one job reports it, however many were in flight).
    pub async fn submit(
        &self,
        req: &JobRequest,
        idempotency_key: &str,
        image_url: Option<&str>,
    ) -> (Result<Accepted, ApiError>, Option<ParamsKey>) {
        let first = self.params_key();
        match self
            .submit_with(req, idempotency_key, image_url, first)
            .await
        {
            Err((err, Some(body)))
                if err.status() == Some(400) && wire::names_params_key(&body, first) =>
            {
                let second = first.other();
                tracing::info!(
                    refused = first.as_str(),
                    trying = second.as_str(),
                    "params key refused; switching"
                );
                let switched = self.switch_params_key(first, second);
                let again = self
                    .submit_with(req, idempotency_key, image_url, second)
                    .await
                    .map_err(|(e, _)| e);
                (again, switched.then_some(second))
            }
            Err((e, _)) => (Err(e), None),
            Ok(a) => (Ok(a), None),
        }
    }

    async fn submit_with(
        &self,
        req: &JobRequest,
        idem: &str,
        image_url: Option<&str>,
        key: ParamsKey,
    ) -> Result<Accepted, (ApiError, Option<Value>)> {
        let body = wire::generate_body(req, key, image_url);
        let mut rb = self
            .request(Method::POST, "/v2/images/generate", self.submit_timeout)
            .json(&body);
        // A key that cannot be sent must stop the submit: without it a retry could charge twice.
        let idem = HeaderValue::from_str(idem).map_err(|_| {
            (
                ApiError::Local("the job's idempotency key cannot be sent as a header".into()),
                None,
            )
        })?;
        rb = rb.header("idempotency-key", idem);
        let (_, json) = self.send_json(rb, BodyKind::Plain).await?;
        wire::parse_accepted(&json)
            .map(|(remote_id, status)| Accepted { remote_id, status })
            .map_err(|e| (e, None))
    }

    /// Fetches a job's status.
    pub async fn poll(&self, remote_id: &str) -> Result<RemoteJob, ApiError> {
        if !wire::valid_remote_id(remote_id) {
            return Err(ApiError::Invalid("stored job id is not usable".into()));
        }
        let rb = self.request(
            Method::GET,
            &format!("/v2/jobs/{remote_id}"),
            self.poll_timeout,
        );
        let (_, json) = self
            .send_json(rb, BodyKind::JobObject)
            .await
            .map_err(|(e, _)| e)?;
        Ok(wire::parse_job(&json))
    }

    /// Uploads a reference image (`POST /v2/uploads`, field `file`); returns its URL and the
    /// time it expires, when the server says.
    pub async fn upload(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        mime: &str,
    ) -> Result<(String, Option<SystemTime>), ApiError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(mime)
            .map_err(|e| ApiError::Local(format!("bad MIME type: {e}")))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let rb = self
            .request(Method::POST, "/v2/uploads", self.submit_timeout)
            .multipart(form);
        let (_, json) = self
            .send_json(rb, BodyKind::Plain)
            .await
            .map_err(|(e, _)| e)?;
        let url = json
            .get("url")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("http"))
            .ok_or_else(|| ApiError::Invalid("upload answer has no url".into()))?;
        let expires = json
            .get("expiresAt")
            .and_then(Value::as_str)
            .and_then(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(SystemTime::from);
        Ok((url.to_owned(), expires))
    }

    /// Reads `/v2/me`: confirms the key works and returns the team's credits when reported.
    pub async fn me(&self) -> Result<Option<i64>, ApiError> {
        let rb = self.request(Method::GET, "/v2/me", self.poll_timeout);
        let (_, json) = self
            .send_json(rb, BodyKind::Plain)
            .await
            .map_err(|(e, _)| e)?;
        Ok(json.pointer("/team/credits").and_then(Value::as_i64))
    }
}

/// What a 2xx body is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// A plain answer: an `error` member means the call failed, even with HTTP 200.
    Plain,
    /// An Apiframe job object, whose `error` member is the job's own failure reason.
    JobObject,
}

/// Reads a response: 3xx is refused, non-2xx becomes a server error (with the parsed body so
/// the caller can look at `details`), and a 2xx must be a JSON object that is not an error.
pub async fn read_json(
    resp: Response,
    secret: &str,
    body_kind: BodyKind,
) -> Result<(u16, Value), (ApiError, Option<Value>)> {
    let status = resp.status().as_u16();
    if resp.status().is_redirection() {
        return Err((ApiError::Redirect { status }, None));
    }
    let retry_after = super::retry_after::from_headers(resp.headers(), SystemTime::now());
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let cap = if resp.status().is_success() {
        match body_kind {
            BodyKind::JobObject => http::POLL_JSON_CAP,
            BodyKind::Plain => JSON_CAP,
        }
    } else {
        64 * 1024
    };
    let body = match http::read_capped(resp, cap, secret).await {
        Ok(b) => b,
        // An oversized error page still tells us the status.
        Err(ApiError::TooLarge(_)) if !(200..300).contains(&status) => Vec::new(),
        Err(e) => return Err((e, None)),
    };
    let json = serde_json::from_slice::<Value>(&body).ok();
    if !(200..300).contains(&status) {
        return Err((
            error::from_response(status, content_type.as_deref(), &body, retry_after, secret),
            json,
        ));
    }
    let Some(json) = json.filter(Value::is_object) else {
        return Err((
            ApiError::Invalid(format!(
                "HTTP {status} with a body that is not a JSON object"
            )),
            None,
        ));
    };
    if body_kind == BodyKind::Plain
        && let Some(e) = error::error_in_success_body(status, &json, secret)
    {
        return Err((e, Some(json)));
    }
    Ok((status, json))
}
