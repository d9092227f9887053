//! The OpenAI-compatible gateway client (new-api relaying to DashScope): `POST
//! /v1/images/generations` (JSON) and `POST /v1/images/edits` (multipart). One long request per
//! job; nothing here retries.

mod provider;
pub mod wire;

pub use provider::GatewayProvider;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Url};
use secrecy::{ExposeSecret, SecretString};

use super::apiframe::{BodyKind, read_json};
use super::error::ApiError;
use super::http;
use super::input_image::InputImage;
use super::transport::{Reqwest, Transport, send};
use crate::domain::JobRequest;
use crate::domain::catalogue::ModelSpec;
use std::sync::Arc;
pub use wire::GatewayResult;

/// One gateway origin with its key.
#[derive(Clone)]
pub struct OpenAiClient {
    base: Url,
    key: SecretString,
    http: Client,
    transport: Arc<dyn Transport>,
}

impl std::fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("base", &self.base.as_str())
            .field("key", &"[REDACTED]")
            .finish()
    }
}

impl OpenAiClient {
    /// A client for `base` with `key`.
    pub fn new(base: Url, key: SecretString) -> Result<Self, ApiError> {
        let loopback = crate::util::is_loopback(&base);
        let http = http::api_client(loopback)?;
        Ok(Self {
            base,
            key,
            transport: Arc::new(Reqwest(http.clone())),
            http,
        })
    }

    /// Executes requests on `transport` instead of the network (tests).
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = transport;
        self
    }

    fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        let base_path = u.path().trim_end_matches('/').to_owned();
        // A base URL that already ends in /v1 is accepted too.
        let path = if base_path.ends_with("/v1") {
            path.trim_start_matches("/v1")
        } else {
            path
        };
        u.set_path(&format!("{base_path}{path}"));
        u
    }

    fn secret(&self) -> &str {
        self.key.expose_secret()
    }

    fn auth(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {}", self.key.expose_secret())) {
            v.set_sensitive(true);
            h.insert(reqwest::header::AUTHORIZATION, v);
        }
        h.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        h
    }

    /// Generates one image. `timeout` covers the whole request (the gateway holds it open while
    /// it waits for DashScope).
    pub async fn generate(
        &self,
        req: &JobRequest,
        spec: &ModelSpec,
        timeout: Duration,
    ) -> Result<Answer, ApiError> {
        let body = wire::generations_body(req, spec, "url");
        let rb = self
            .http
            .post(self.url("/v1/images/generations"))
            .headers(self.auth())
            .timeout(timeout)
            .json(&body);
        self.finish(rb).await
    }

    /// Edits: multipart with `model`, `prompt`, `n=1`, the input image(s), and each
    /// parameter the request carries. The form is rebuilt from the bytes on every call, so a
    /// retry sends the identical body.
    pub async fn edit(
        &self,
        req: &JobRequest,
        images: &[InputImage],
        timeout: Duration,
    ) -> Result<Answer, ApiError> {
        let form = edit_form(req, images)?;
        let rb = self
            .http
            .post(self.url("/v1/images/edits"))
            .headers(self.auth())
            .timeout(timeout)
            .multipart(form);
        self.finish(rb).await
    }

    async fn finish(&self, rb: reqwest::RequestBuilder) -> Result<Answer, ApiError> {
        let secret = self.key.expose_secret();
        let resp = send(&self.transport, rb).await?;
        let json = read_gateway_json(resp, secret).await?;
        let results = wire::parse_data(&json).map_err(ApiError::Invalid)?;
        Ok(Answer {
            results,
            revised_prompt: wire::revised_prompt(&json)
                .map(|p| super::error::clean_text(&p, secret)),
        })
    }
}

/// A gateway's answer: the images, and the prompt it drew when it rewrote the one sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The images.
    pub results: Vec<GatewayResult>,
    /// `revised_prompt`, when the gateway sent a non-empty one (sanitised, key redacted).
    pub revised_prompt: Option<String>,
}

/// Builds the edit form: `n=1` always (an older gateway bills wan edits as 4 when it is
/// missing), and each parameter the request carries, sent explicitly.
pub fn edit_form(
    req: &JobRequest,
    images: &[InputImage],
) -> Result<reqwest::multipart::Form, ApiError> {
    let mut form = reqwest::multipart::Form::new()
        .text("model", req.model.clone())
        .text("prompt", req.prompt.clone())
        .text("n", "1");
    for (name, value) in wire::edit_fields(req) {
        form = form.text(name, value);
    }
    let field = wire::image_field_name(images.len());
    for (i, img) in images.iter().enumerate() {
        let part = reqwest::multipart::Part::bytes(img.bytes.clone())
            .file_name(img.upload_name(i))
            .mime_str(img.format.mime())
            .map_err(|e| ApiError::Local(format!("bad MIME type: {e}")))?;
        form = form.part(field, part);
    }
    Ok(form)
}

/// Gateway answers can carry several large `b64_json` images: a bigger cap than other JSON.
const GATEWAY_JSON_CAP: u64 = 4 * 40 * 1024 * 1024;

async fn read_gateway_json(
    resp: reqwest::Response,
    secret: &str,
) -> Result<serde_json::Value, ApiError> {
    // Same rules as Apiframe (3xx refused, error objects win over data), larger cap.
    if resp.status().is_success() && resp.content_length().is_some_and(|n| n > GATEWAY_JSON_CAP) {
        return Err(ApiError::TooLarge(GATEWAY_JSON_CAP));
    }
    let status = resp.status().as_u16();
    if resp.status().is_success() {
        let body = http::read_capped(resp, GATEWAY_JSON_CAP, secret).await?;
        let json: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
            ApiError::Invalid(format!("HTTP {status} with a body that is not JSON"))
        })?;
        if !json.is_object() {
            return Err(ApiError::Invalid(format!(
                "HTTP {status} with a body that is not a JSON object"
            )));
        }
        if let Some(e) = super::error::error_in_success_body(status, &json, secret) {
            return Err(e);
        }
        return Ok(json);
    }
    read_json(resp, secret, BodyKind::Plain)
        .await
        .map(|(_, j)| j)
        .map_err(|(e, _)| e)
}
