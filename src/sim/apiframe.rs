//! The simulator's Apiframe v2 routes: generate (strict validation, idempotency replay, 401,
//! 400 with `details`, 422, 429), job status, uploads, `/v2/me`, and the CDN serving results.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::render;
use super::scenarios::Count;
use super::state::{Ending, SimJob, SimState, Stats};
use super::{ResultShape, scenarios, switches};
use crate::domain::ImageFormat;
use crate::domain::models::{AspectRatio, ParamsKey};
use crate::domain::seed::SEED_MAX;

fn af_error(status: StatusCode, msg: &str, details: Option<Value>) -> Response {
    let mut body = json!({ "error": msg });
    if let Some(d) = details {
        body["details"] = d;
    }
    (status, Json(body)).into_response()
}

/// Checks `X-API-Key`.
fn auth(s: &SimState, headers: &HeaderMap) -> Result<(), Response> {
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

struct Valid {
    prompt: String,
    seed: Option<u64>,
    aspect: AspectRatio,
    image: Option<String>,
}

/// Zod-like validation: unknown keys and wrong types are 400 with `details`; bad values are 422.
fn validate(params_key: ParamsKey, body: &Value) -> Result<Valid, (StatusCode, Value)> {
    let mut type_errors = Map::new();
    let mut value_errors = Map::new();
    let Some(obj) = body.as_object() else {
        return Err((StatusCode::BAD_REQUEST, json!({"": ["Expected object"]})));
    };
    let pk = params_key.as_str();
    for k in obj.keys() {
        if !["prompt", "model", "webhookUrl", "webhookEvents", pk].contains(&k.as_str()) {
            type_errors.insert(k.clone(), json!(["Unrecognized key"]));
        }
    }
    let prompt = match obj.get("prompt") {
        Some(Value::String(p)) => {
            let n = p.chars().count();
            if n == 0 || n > 2000 {
                value_errors.insert(
                    "prompt".into(),
                    json!([format!(
                        "String must contain between 1 and 2000 character(s), got {n}"
                    )]),
                );
            }
            p.clone()
        }
        Some(_) => {
            type_errors.insert("prompt".into(), json!(["Expected string"]));
            String::new()
        }
        None => {
            type_errors.insert("prompt".into(), json!(["Required"]));
            String::new()
        }
    };
    match obj.get("model") {
        Some(Value::String(m)) if m == "qwen-image-2" || m == "qwen-image-2-pro" => {}
        Some(_) | None => {
            type_errors.insert(
                "model".into(),
                json!([
                    "Invalid discriminator value. Expected 'qwen-image-2' | 'qwen-image-2-pro'"
                ]),
            );
        }
    }
    let mut seed = None;
    let mut aspect = AspectRatio::Square;
    let mut image = None;
    match obj.get(pk) {
        None => {}
        Some(Value::Object(p)) => {
            for (k, v) in p {
                let path = format!("{pk}.{k}");
                match (k.as_str(), v) {
                    ("aspect_ratio", Value::String(a)) => match AspectRatio::parse(a) {
                        Some(r) => aspect = r,
                        None => {
                            value_errors.insert(path, json!(["Invalid enum value. Expected '1:1' | '2:3' | '3:2' | '3:4' | '4:3' | '9:16' | '16:9' | '21:9' | '2:1' | '1:2'"]));
                        }
                    },
                    ("negative_prompt", Value::String(n)) => {
                        if n.chars().count() > 500 {
                            value_errors.insert(
                                path,
                                json!(["String must contain at most 500 character(s)"]),
                            );
                        }
                    }
                    ("seed", Value::Number(n)) => match n.as_u64() {
                        Some(v) if v <= u64::from(SEED_MAX) => seed = Some(v),
                        Some(_) => {
                            value_errors.insert(
                                path,
                                json!([format!("Number must be less than or equal to {SEED_MAX}")]),
                            );
                        }
                        None if n.as_i64().is_some() => {
                            value_errors
                                .insert(path, json!(["Number must be greater than or equal to 0"]));
                        }
                        None => {
                            type_errors.insert(path, json!(["Expected integer, received float"]));
                        }
                    },
                    ("image", Value::String(u)) => {
                        if u.starts_with("https://") || u.starts_with("http://") {
                            image = Some(u.clone());
                        } else {
                            value_errors.insert(path, json!(["Invalid url"]));
                        }
                    }
                    ("aspect_ratio" | "negative_prompt" | "image", _) => {
                        type_errors.insert(path, json!(["Expected string"]));
                    }
                    ("seed", _) => {
                        type_errors.insert(path, json!(["Expected number"]));
                    }
                    _ => {
                        type_errors.insert(path, json!(["Unrecognized key"]));
                    }
                }
            }
        }
        Some(_) => {
            type_errors.insert(pk.into(), json!(["Expected object"]));
        }
    }
    if !type_errors.is_empty() {
        return Err((StatusCode::BAD_REQUEST, Value::Object(type_errors)));
    }
    if !value_errors.is_empty() {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Value::Object(value_errors),
        ));
    }
    Ok(Valid {
        prompt,
        seed,
        aspect,
        image,
    })
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
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        Stats::bump(&s.stats.rejected);
        return af_error(StatusCode::BAD_REQUEST, "Invalid JSON body", None);
    };
    let idem = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if idem.as_ref().is_some_and(|k| k.is_empty() || k.len() > 255) {
        Stats::bump(&s.stats.rejected);
        return af_error(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be 1 to 255 characters",
            None,
        );
    }
    let valid = match validate(s.config.params_key, &json) {
        Ok(v) => v,
        Err((status, details)) => {
            Stats::bump(&s.stats.rejected);
            let msg = if status == StatusCode::BAD_REQUEST {
                "Validation failed"
            } else {
                "Invalid parameter values"
            };
            return af_error(status, msg, Some(details));
        }
    };
    let body_hash = render::fnv(json.to_string().as_bytes());
    let now = Instant::now();
    let Ok(mut inner) = s.inner.lock() else {
        return af_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "simulator state unavailable",
            None,
        );
    };
    if let Some(key) = &idem
        && let Some((hash, id)) = inner.idempotency.get(key).cloned()
    {
        if hash != body_hash {
            return af_error(
                StatusCode::CONFLICT,
                "Idempotency-Key was already used with a different request body",
                None,
            );
        }
        Stats::bump(&s.stats.idempotent_replays);
        let status = inner
            .jobs
            .get(&id)
            .map_or("QUEUED", |j| j.snapshot(now).status);
        return (
            StatusCode::ACCEPTED,
            Json(json!({"jobId": id, "status": status})),
        )
            .into_response();
    }
    if valid.prompt.contains(switches::RATE_LIMIT_ONCE) {
        let k = idem.clone().unwrap_or_else(|| body_hash.to_string());
        if inner.limited_once.insert(k, ()).is_none() {
            Stats::bump(&s.stats.rate_limited);
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "1")],
                Json(json!({"error": "Rate limit exceeded"})),
            )
                .into_response();
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    let (width, height) = valid.aspect.sim_dimensions();
    let slow = if valid.prompt.contains(switches::SLOW) {
        3
    } else {
        1
    };
    let base = valid
        .image
        .as_deref()
        .and_then(|u| u.rsplit('/').next())
        .and_then(|name| inner.uploads.get(name).cloned());
    let job = SimJob {
        id: id.clone(),
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
        created: now,
        created_wall: SystemTime::now(),
        duration: s.config.job_duration * slow * if s.config.scenarios.slow { 4 } else { 1 },
        polls: Vec::new(),
        base,
    };
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

fn iso(t: SystemTime) -> String {
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

/// `GET /v2/me`.
pub async fn me(State(s): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    if let Err(r) = auth(&s, &headers) {
        return r;
    }
    Json(json!({"user": {"id": "sim-user", "email": "sim@localhost"}, "team": {"credits": 1000, "plan": "simulator"}})).into_response()
}

/// `POST /v2/uploads` with one multipart `file`.
pub async fn upload(
    State(s): State<Arc<SimState>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    if let Err(r) = auth(&s, &headers) {
        return r;
    }
    let mut file = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            match field.bytes().await {
                Ok(b) => file = Some(b),
                Err(_) => {
                    return af_error(StatusCode::BAD_REQUEST, "Could not read the upload", None);
                }
            }
        }
    }
    let Some(bytes) = file else {
        Stats::bump(&s.stats.rejected);
        return af_error(
            StatusCode::BAD_REQUEST,
            "Missing file",
            Some(json!({"file": ["Required"]})),
        );
    };
    let Some(format) = ImageFormat::sniff(&bytes) else {
        Stats::bump(&s.stats.rejected);
        return af_error(StatusCode::BAD_REQUEST, "Unsupported file type", None);
    };
    if bytes.len() > 25 * 1024 * 1024 {
        return af_error(StatusCode::PAYLOAD_TOO_LARGE, "File too large", None);
    }
    let id = format!("{}.{}", uuid::Uuid::new_v4().simple(), format.extension());
    if let Ok(mut inner) = s.inner.lock() {
        inner.uploads.insert(id.clone(), Arc::new(bytes.to_vec()));
    }
    Stats::bump(&s.stats.uploads);
    let expires = iso(SystemTime::now() + Duration::from_secs(3600));
    (StatusCode::CREATED, Json(json!({"id": id, "url": format!("{}/uploads/{id}", s.base_url), "mimeType": format.mime(), "size": bytes.len(), "expiresAt": expires}))).into_response()
}

/// `GET /uploads/{name}`: the uploaded bytes.
pub async fn uploaded(State(s): State<Arc<SimState>>, Path(name): Path<String>) -> Response {
    let file = s
        .inner
        .lock()
        .ok()
        .and_then(|i| i.uploads.get(&name).cloned());
    match file {
        Some(b) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            b.as_ref().clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /cdn/{id}.png`: renders the result. Counts any credential sent here: the download
/// client must never carry one.
pub async fn cdn(
    State(s): State<Arc<SimState>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    Stats::bump(&s.stats.downloads);
    if headers.contains_key("x-api-key") || headers.contains_key(header::AUTHORIZATION) {
        Stats::bump(&s.stats.credential_leaks);
        tracing::error!("a download request carried a credential");
    }
    if let Some(r) = scenarios::before_api(&s.config.scenarios, &s.counters, Count::Shared).await {
        return r;
    }
    let id = name.trim_end_matches(".png").to_owned();
    let spec = {
        let Ok(mut inner) = s.inner.lock() else {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        };
        // The `expired` scenario: a result answers once, then it is gone.
        if s.config.scenarios.expired && !inner.fetched.insert(id.clone()) {
            return af_error(StatusCode::NOT_FOUND, "Not found", None);
        }
        if let Some(j) = inner.jobs.get(&id) {
            let snap = j.snapshot(Instant::now());
            if snap.status != "COMPLETED" || j.ending == Ending::Gone {
                return af_error(StatusCode::NOT_FOUND, "Not found", None);
            }
            Some((j.prompt.clone(), j.seed, j.width, j.height, j.base.clone()))
        } else {
            inner
                .gateway
                .get(&id)
                .map(|g| (g.prompt.clone(), g.seed, g.width, g.height, g.base.clone()))
        }
    };
    let Some((prompt, seed, w, h, base)) = spec else {
        return af_error(StatusCode::NOT_FOUND, "Not found", None);
    };
    match tokio::task::spawn_blocking(move || {
        render_png(w, h, &prompt, seed, base.as_deref().map(Vec::as_slice))
    })
    .await
    {
        Ok(png) if !png.is_empty() => scenarios::image_body(&s.config.scenarios, &s.counters, png),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Renders and encodes a result, using `base` (an input image) when given.
pub fn render_png(w: u32, h: u32, prompt: &str, seed: u64, base: Option<&[u8]>) -> Vec<u8> {
    let base_img = base.and_then(|b| {
        let mut r = image::ImageReader::new(std::io::Cursor::new(b))
            .with_guessed_format()
            .ok()?;
        r.limits(crate::imaging::limits());
        r.decode().ok().map(|i| i.to_rgb8())
    });
    render::encode_png(&render::render(w, h, prompt, seed, base_img.as_ref()))
}
