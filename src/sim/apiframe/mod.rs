//! The simulator's Apiframe v2 routes: generate (strict validation, idempotency replay, 401,
//! 400 with `details`, 422, 429), job status, uploads, `/v2/me`, and the CDN serving results.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::time::Instant;

mod files;
mod validate;

pub use files::{cdn, me, render_png, upload, uploaded};
use validate::{Valid, validate};

use super::render;
use super::scenarios::Count;
use super::state::{Ending, Inner, SimJob, SimState, Stats};
use super::{ResultShape, scenarios, switches};
use crate::domain::seed::SEED_MAX;

pub(super) fn af_error(status: StatusCode, msg: &str, details: Option<Value>) -> Response {
    let mut body = json!({ "error": msg });
    if let Some(d) = details {
        body["details"] = d;
    }
    (status, Json(body)).into_response()
}

/// Checks `X-API-Key`.
pub(super) fn auth(s: &SimState, headers: &HeaderMap) -> Result<(), Response> {
    match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        None => {
            Stats::bump(&s.stats.unauthorized);
            Err(af_error(
                StatusCode::UNAUTHORIZED,
                "API key is required",
                None,
            ))
        }
        Some(k) if s.config.keys.iter().any(|valid| valid == k) => Ok(()),
        Some(_) => {
            Stats::bump(&s.stats.unauthorized);
            Err(af_error(StatusCode::UNAUTHORIZED, "Invalid API key", None))
        }
    }
}

fn ending_for(prompt: &str) -> Ending {
    if prompt.contains(switches::FAIL) {
        Ending::Fail
    } else if prompt.contains(switches::CANCEL) {
        Ending::Cancel
    } else if prompt.contains(switches::UNKNOWN) {
        Ending::Unknown
    } else if prompt.contains(switches::GONE) {
        Ending::Gone
    } else {
        Ending::Complete
    }
}

/// `POST /v2/images/generate`.
pub async fn generate(State(s): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response {
    Stats::bump(&s.stats.submit_requests);
    if let Err(r) = auth(&s, &headers) {
        return r;
    }
    if let Some(r) = scenarios::before_api(&s.config.scenarios, &s.counters, Count::Shared).await {
        return r;
    }
    let (valid, idem, body_hash) = match accept(&s, &headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Ok(mut inner) = s.inner.lock() else {
        return af_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "simulator state unavailable",
            None,
        );
    };
    if let Some(key) = &idem
        && let Some(r) = replay(&s, &inner, key, body_hash)
    {
        return r;
    }
    if valid.prompt.contains(switches::NO_CREDITS) {
        let body = Json(json!({
            "error": "Insufficient credits",
            "creditsRequired": 3,
            "creditsAvailable": 1
        }));
        return (StatusCode::PAYMENT_REQUIRED, body).into_response();
    }
    if valid.prompt.contains(switches::RATE_LIMIT_ONCE) {
        let k = idem.clone().unwrap_or_else(|| body_hash.to_string());
        if inner.limited_once.insert(k, ()).is_none() {
            let body = Json(json!({"error": "Rate limit exceeded"}));
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "1")],
                body,
            )
                .into_response();
        }
    }
    let job = new_job(&s, &inner, valid);
    let id = job.id.clone();
    inner.jobs.insert(id.clone(), job);
    if let Some(key) = idem {
        inner.idempotency.insert(key, (body_hash, id.clone()));
    }
    Stats::bump(&s.stats.jobs_created);
    drop(inner);
    scenarios::json_body(
        &s.config.scenarios,
        &s.counters,
        Count::Shared,
        StatusCode::ACCEPTED,
        json!({"jobId": id, "status": "QUEUED"}),
    )
}

/// The body parsed and validated, the idempotency key, and the body's hash.
fn accept(
    s: &SimState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Valid, Option<String>, u64), Response> {
    let rejected = |status, msg: &str, details| {
        Stats::bump(&s.stats.rejected);
        af_error(status, msg, details)
    };
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return Err(rejected(StatusCode::BAD_REQUEST, "Invalid JSON body", None));
    };
    let idem = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if idem.as_ref().is_some_and(|k| k.is_empty() || k.len() > 255) {
        let msg = "Idempotency-Key must be 1 to 255 characters";
        return Err(rejected(StatusCode::BAD_REQUEST, msg, None));
    }
    let valid = validate(s.config.params_key, &s.config.catalogue, &json).map_err(
        |(status, details)| {
            let msg = if status == StatusCode::BAD_REQUEST {
                "Validation failed"
            } else {
                "Invalid parameter values"
            };
            rejected(status, msg, Some(details))
        },
    )?;
    s.record("generate", json.clone());
    Ok((valid, idem, render::fnv(json.to_string().as_bytes())))
}

/// The answer to a key seen before: the same job, or 409 when the body differs.
fn replay(s: &SimState, inner: &Inner, key: &str, body_hash: u64) -> Option<Response> {
    let (hash, id) = inner.idempotency.get(key)?;
    if *hash != body_hash {
        let msg = "Idempotency-Key was already used with a different request body";
        return Some(af_error(StatusCode::CONFLICT, msg, None));
    }
    Stats::bump(&s.stats.idempotent_replays);
    let status = inner
        .jobs
        .get(id)
        .map_or("QUEUED", |j| j.snapshot(Instant::now()).status);
    Some(
        (
            StatusCode::ACCEPTED,
            Json(json!({"jobId": id, "status": status})),
        )
            .into_response(),
    )
}

fn new_job(s: &SimState, inner: &Inner, valid: Valid) -> SimJob {
    let (width, height) = valid.model.ratio_size(valid.aspect).unwrap_or((1024, 1024));
    let slow = if valid.prompt.contains(switches::SLOW) {
        3
    } else {
        1
    };
    let scenario_slow = if s.config.scenarios.slow { 4 } else { 1 };
    let base = valid
        .image
        .as_deref()
        .and_then(|u| u.rsplit('/').next())
        .and_then(|name| inner.uploads.get(name).cloned());
    SimJob {
        id: uuid::Uuid::new_v4().to_string(),
        seed: valid
            .seed
            .unwrap_or_else(|| rand::random::<u64>() % u64::from(SEED_MAX)),
        ending: if s.config.scenarios.escape_injection && inner.jobs.len() % 3 == 2 {
            Ending::Fail
        } else {
            ending_for(&valid.prompt)
        },
        prompt: valid.prompt,
        width,
        height,
        created: Instant::now(),
        created_wall: SystemTime::now(),
        duration: s.config.job_duration * slow * scenario_slow,
        polls: Vec::new(),
        base,
    }
}

pub(super) fn iso(t: SystemTime) -> String {
    time::OffsetDateTime::from(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `GET /v2/jobs/{id}`.
pub async fn job(
    State(s): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    Stats::bump(&s.stats.polls);
    if let Err(r) = auth(&s, &headers) {
        return r;
    }
    if let Some(r) = scenarios::before_api(&s.config.scenarios, &s.counters, Count::Job(&id)).await
    {
        return r;
    }
    if uuid::Uuid::parse_str(&id).is_err() {
        return af_error(StatusCode::BAD_REQUEST, "Invalid job id", None);
    }
    let now = Instant::now();
    let Ok(mut inner) = s.inner.lock() else {
        return af_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "simulator state unavailable",
            None,
        );
    };
    let Some(job) = inner.jobs.get_mut(&id) else {
        return af_error(StatusCode::NOT_FOUND, "Job not found", None);
    };
    if job.polls.len() < 10_000 {
        job.polls.push(now);
    }
    let snap = job.snapshot(now);
    let hostile = s.config.scenarios.escape_injection;
    let url = if hostile {
        // Escapes and bidi in the URL, where they cannot break routing.
        format!("{}/cdn/{}.png?x=%1B%5B2J%E2%80%AE", s.base_url, job.id)
    } else {
        format!("{}/cdn/{}.png", s.base_url, job.id)
    };
    let status = if hostile && job.polls.len() == 1 {
        "QUEU\u{1b}]0;pwned\u{7}ED"
    } else {
        snap.status
    };
    let error = if hostile {
        format!("Provider returned an error: {}", scenarios::HOSTILE)
    } else {
        "Provider returned an error: content policy violation".to_owned()
    };
    let result = match (snap.status, s.config.result_shape) {
        ("COMPLETED", ResultShape::String) => json!(url),
        ("COMPLETED", ResultShape::List) => json!([url]),
        ("COMPLETED", ResultShape::Images) => json!({"images": [url]}),
        _ => Value::Null,
    };
    let completed_at = snap
        .done
        .then(|| iso(job.created_wall + (job.end_instant() - job.created)));
    let body = json!({
        "id": job.id,
        "status": status,
        "model": if hostile { "qwen-image-2\u{202e}" } else { "qwen-image-2" },
        "progress": snap.progress,
        "result": result,
        "error": if snap.status == "FAILED" { json!(error) } else { Value::Null },
        "creditCost": match snap.status { "COMPLETED" => json!(3), "FAILED" => json!(0), _ => Value::Null },
        "webhookStatus": Value::Null,
        "createdAt": iso(job.created_wall),
        "completedAt": completed_at,
        "expired": false,
    });
    drop(inner);
    scenarios::json_body(
        &s.config.scenarios,
        &s.counters,
        Count::Job(&id),
        StatusCode::OK,
        body,
    )
}
