//! The simulator's gateway routes, as strict as the seed page: known models only, each on its
//! own endpoint; `n` must be 1; sizes from the model's list; edits need multipart with real
//! image files; errors in the seed's `{"error": {message, type, code}}` shape.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use super::apiframe::render_png;
use super::render::fnv;
use super::scenarios::Count;
use super::state::{GatewayImage, SimState, Stats};
use super::{scenarios, switches};
use crate::domain::ImageFormat;
use crate::domain::models::{self, ModelSpec, Task, Wire};
use crate::domain::seed::SEED_MAX;

fn oa_error(s: &SimState, status: StatusCode, message: &str, code: &str) -> Response {
    if status == StatusCode::BAD_REQUEST {
        Stats::bump(&s.stats.rejected);
    }
    (status, Json(json!({"error": {"message": message, "type": "invalid_request_error", "param": "", "code": code}}))).into_response()
}

fn auth(s: &SimState, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if token.is_some_and(|t| s.config.keys.iter().any(|k| k == t)) {
        return Ok(());
    }
    Stats::bump(&s.stats.unauthorized);
    Err((StatusCode::UNAUTHORIZED, Json(json!({"error": {"message": "invalid token", "type": "new_api_error", "param": "", "code": ""}}))).into_response())
}

/// The prompt, or the gateway's 400 when it is missing, blank or too long for the model.
fn checked_prompt<'a>(
    s: &SimState,
    spec: &ModelSpec,
    prompt: Option<&'a str>,
) -> Result<&'a str, Response> {
    match prompt {
        Some(p) if !p.trim().is_empty() && p.chars().count() <= spec.prompt_max => Ok(p),
        Some(p) if !p.trim().is_empty() => Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            &format!("prompt is longer than {} characters", spec.prompt_max),
            "InvalidParameter",
        )),
        _ => Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            "prompt is required",
            "invalid_request",
        )),
    }
}

fn model_for(s: &SimState, name: Option<&str>, task: Task) -> Result<&'static ModelSpec, Response> {
    let Some(name) = name else {
        return Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            "model is required",
            "invalid_request",
        ));
    };
    match models::find(name) {
        Some(m) if m.wire == Wire::OpenAi && m.task == task => Ok(m),
        Some(m) if m.wire == Wire::OpenAi => {
            let endpoint = if m.task == Task::Edit {
                "/v1/images/edits"
            } else {
                "/v1/images/generations"
            };
            Err(oa_error(
                s,
                StatusCode::BAD_REQUEST,
                &format!("model {name} is served on {endpoint}"),
                "invalid_request",
            ))
        }
        _ => Err(oa_error(
            s,
            StatusCode::BAD_REQUEST,
            &format!("model {name} is not available"),
            "model_not_found",
        )),
    }
}

/// Waits like the real service, answers with an error object for `[sim:fail]`, and never
/// answers for `[sim:hang]`.
async fn simulate_work(s: &SimState, prompt: &str) -> Option<Response> {
    if prompt.contains(switches::HANG) {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(s.config.job_duration).await;
    if prompt.contains(switches::FAIL) {
        // new-api reports a failed upstream task with HTTP 200 and an error object.
        let message = if s.config.scenarios.escape_injection {
            format!(
                "Input data may contain inappropriate content. {}",
                scenarios::HOSTILE
            )
        } else {
            "Input data may contain inappropriate content.".to_owned()
        };
        let body = json!({"error": {"message": message, "type": "ali_error", "param": "", "code": "DataInspectionFailed"}});
        return Some((StatusCode::OK, Json(body)).into_response());
    }
    None
}

fn limited_once(s: &SimState, prompt: &str, key: u64) -> Option<Response> {
    if !prompt.contains(switches::RATE_LIMIT_ONCE) {
        return None;
    }
    let first = s
        .inner
        .lock()
        .ok()
        .is_some_and(|mut i| i.limited_once.insert(key.to_string(), ()).is_none());
    first.then(|| {
        Stats::bump(&s.stats.rate_limited);
        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], Json(json!({"error": {"message": "rate limit exceeded", "type": "new_api_error", "param": "", "code": "rate_limit"}}))).into_response()
    })
}

async fn answer(s: &SimState, image: GatewayImage, b64: bool) -> Response {
    let id = format!("g-{}", uuid::Uuid::new_v4().simple());
    let url = format!("{}/cdn/{id}.png", s.base_url);
    let sc = s.config.scenarios;
    let b64 = b64 || sc.b64;
    let b64_json = if b64 {
        let g = image.clone();
        let png = tokio::task::spawn_blocking(move || {
            render_png(
                g.width,
                g.height,
                &g.prompt,
                g.seed,
                g.base.as_deref().map(Vec::as_slice),
            )
        })
        .await
        .unwrap_or_default();
        base64::engine::general_purpose::STANDARD.encode(png)
    } else {
        String::new()
    };
    if let Ok(mut inner) = s.inner.lock() {
        inner.gateway.insert(id, image);
    }
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // The b64 scenario: only `b64_json`, as some gateway builds answer.
    let url = if sc.b64 { String::new() } else { url };
    let revised = if sc.escape_injection {
        scenarios::HOSTILE
    } else {
        ""
    };
    scenarios::json_body(
        &sc,
        &s.counters,
        Count::Shared,
        StatusCode::OK,
        json!({"created": created, "data": [{"url": url, "b64_json": b64_json, "revised_prompt": revised}]}),
    )
}

fn parse_size(spec: &ModelSpec, v: Option<&Value>) -> Result<(u32, u32), String> {
    let Some(v) = v else {
        return spec
            .sizes
            .first()
            .map(|p| (p.width, p.height))
            .ok_or_else(|| "this model has no size".to_owned());
    };
    let text = v
        .as_str()
        .ok_or("size must be a string like \"1328*1328\"")?;
    spec.sizes
        .iter()
        .find(|p| p.wire() == text.replace('x', "*"))
        .map(|p| (p.width, p.height))
        .ok_or_else(|| {
            format!(
                "size {text} is not supported by {}; use one of {}",
                spec.id,
                spec.sizes
                    .iter()
                    .map(|p| p.wire())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// `POST /v1/images/generations`.
pub async fn generations(
    State(s): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = auth(&s, &headers) {
        return r;
    }
    if let Some(r) = scenarios::before_api(&s.config.scenarios, &s.counters, Count::Shared).await {
        return r;
    }
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(&body) else {
        return oa_error(
            &s,
            StatusCode::BAD_REQUEST,
            "the request body must be a JSON object",
            "bad_request_body",
        );
    };
    if let Some(k) = obj.keys().find(|k| {
        ![
            "model",
            "prompt",
            "n",
            "size",
            "response_format",
            "parameters",
        ]
        .contains(&k.as_str())
    }) {
        return oa_error(
            &s,
            StatusCode::BAD_REQUEST,
            &format!("unknown parameter: {k}"),
            "invalid_request",
        );
    }
    let spec = match model_for(&s, obj.get("model").and_then(Value::as_str), Task::Generate) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let prompt = match checked_prompt(&s, spec, obj.get("prompt").and_then(Value::as_str)) {
        Ok(p) => p.to_owned(),
        Err(r) => return r,
    };
    if obj.get("n").is_some_and(|n| n.as_u64() != Some(1)) {
        return oa_error(
            &s,
            StatusCode::BAD_REQUEST,
            "n must be 1",
            "InvalidParameter",
        );
    }
    let b64 = match obj.get("response_format").map(|v| v.as_str()) {
        None | Some(Some("url")) => false,
        Some(Some("b64_json")) => true,
        _ => {
            return oa_error(
                &s,
                StatusCode::BAD_REQUEST,
                "response_format must be \"url\" or \"b64_json\"",
                "invalid_request",
            );
        }
    };
    let mut seed = None;
    let mut size_value = obj.get("size");
    if let Some(p) = obj.get("parameters") {
        let Some(p) = p.as_object() else {
            return oa_error(
                &s,
                StatusCode::BAD_REQUEST,
                "parameters must be an object",
                "invalid_request",
            );
        };
        for (k, v) in p {
            let bad = match k.as_str() {
                "size" => {
                    size_value = Some(v);
                    None
                }
                "n" => (v.as_u64() != Some(1)).then_some("parameters.n must be 1"),
                "negative_prompt" => v
                    .as_str()
                    .is_none_or(|n| n.chars().count() > 500)
                    .then_some("negative_prompt must be a string of at most 500 characters"),
                "seed" => match v.as_u64() {
                    Some(n) if n <= u64::from(SEED_MAX) => {
                        seed = Some(n);
                        None
                    }
                    _ => Some("seed must be an integer between 0 and 2147483647"),
                },
                "prompt_extend" | "watermark" => {
                    (!v.is_boolean()).then_some("must be true or false")
                }
                _ => Some("unknown field in parameters"),
            };
            if let Some(msg) = bad {
                return oa_error(
                    &s,
                    StatusCode::BAD_REQUEST,
                    &format!("{k}: {msg}"),
                    "InvalidParameter",
                );
            }
        }
    }
    let (width, height) = match parse_size(spec, size_value) {
        Ok(wh) => wh,
        Err(m) => return oa_error(&s, StatusCode::BAD_REQUEST, &m, "InvalidParameter"),
    };
    if let Some(r) = limited_once(&s, &prompt, fnv(&body)) {
        return r;
    }
    if let Some(r) = simulate_work(&s, &prompt).await {
        return r;
    }
    Stats::bump(&s.stats.gateway_generations);
    let seed = seed.unwrap_or_else(|| fnv(prompt.as_bytes()) ^ rand::random::<u64>());
    answer(
        &s,
        GatewayImage {
            prompt,
            seed,
            width,
            height,
            base: None,
        },
        b64,
    )
    .await
}

/// `POST /v1/images/edits` (multipart only).
pub async fn edits(
    State(s): State<Arc<SimState>>,
    headers: HeaderMap,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if let Err(r) = auth(&s, &headers) {
        return r;
    }
    if let Some(r) = scenarios::before_api(&s.config.scenarios, &s.counters, Count::Shared).await {
        return r;
    }
    let Ok(mut form) = form else {
        return oa_error(
            &s,
            StatusCode::BAD_REQUEST,
            "image edits need a multipart/form-data body",
            "invalid_request",
        );
    };
    let (mut model, mut prompt, mut images, mut b64) = (None, None, Vec::new(), false);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return oa_error(
                    &s,
                    StatusCode::BAD_REQUEST,
                    "malformed multipart body",
                    "bad_request_body",
                );
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let Ok(data) = field.bytes().await else {
            return oa_error(
                &s,
                StatusCode::BAD_REQUEST,
                "malformed multipart body",
                "bad_request_body",
            );
        };
        match name.as_str() {
            "model" => model = Some(String::from_utf8_lossy(&data).into_owned()),
            "prompt" => prompt = Some(String::from_utf8_lossy(&data).into_owned()),
            "n" if data.as_ref() == b"1" => {}
            "n" => {
                return oa_error(
                    &s,
                    StatusCode::BAD_REQUEST,
                    "n must be 1",
                    "InvalidParameter",
                );
            }
            "response_format" => b64 = data.as_ref() == b"b64_json",
            n if n == "image" || n.starts_with("image[") => {
                if !is_file {
                    return oa_error(
                        &s,
                        StatusCode::BAD_REQUEST,
                        "image must be a file",
                        "invalid_request",
                    );
                }
                images.push(data);
            }
            other => {
                return oa_error(
                    &s,
                    StatusCode::BAD_REQUEST,
                    &format!("unknown field: {other}"),
                    "invalid_request",
                );
            }
        }
    }
    let spec = match model_for(&s, model.as_deref(), Task::Edit) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let prompt = match checked_prompt(&s, spec, prompt.as_deref()) {
        Ok(p) => p.to_owned(),
        Err(r) => return r,
    };
    let (lo, hi) = spec.images;
    if images.len() < lo.max(1) || images.len() > hi {
        return oa_error(
            &s,
            StatusCode::BAD_REQUEST,
            &format!(
                "{} takes {}–{} input images, got {}",
                spec.id,
                lo.max(1),
                hi,
                images.len()
            ),
            "InvalidParameter",
        );
    }
    let mut first_dims = None;
    for img in &images {
        if img.len() as u64 > models::IMAGE_MAX_BYTES || ImageFormat::sniff(img).is_none() {
            return oa_error(
                &s,
                StatusCode::BAD_REQUEST,
                "each image must be a PNG, JPEG or WebP file of at most 10 MB",
                "InvalidParameter",
            );
        }
        let Ok((w, h)) = crate::imaging::dimensions(img) else {
            return oa_error(
                &s,
                StatusCode::BAD_REQUEST,
                "an input image could not be read",
                "InvalidParameter",
            );
        };
        let (min, max) = spec.image_side;
        if w < min || h < min || w > max || h > max {
            return oa_error(
                &s,
                StatusCode::BAD_REQUEST,
                &format!("image sides must be between {min} and {max} pixels, got {w}x{h}"),
                "InvalidParameter",
            );
        }
        first_dims.get_or_insert((w, h));
    }
    let mut key = fnv(prompt.as_bytes());
    for img in &images {
        key ^= fnv(img);
    }
    if let Some(r) = limited_once(&s, &prompt, key) {
        return r;
    }
    if let Some(r) = simulate_work(&s, &prompt).await {
        return r;
    }
    let (w, h) = first_dims.unwrap_or((1024, 1024));
    // Keep the input's ratio, within 2048 per side.
    let scale = (2048.0 / f64::from(w.max(h))).min(1.0);
    let (width, height) = (
        ((f64::from(w) * scale) as u32).max(1),
        ((f64::from(h) * scale) as u32).max(1),
    );
    Stats::bump(&s.stats.gateway_edits);
    let base = images.first().map(|b| Arc::new(b.to_vec()));
    answer(
        &s,
        GatewayImage {
            prompt,
            seed: key,
            width,
            height,
            base,
        },
        b64,
    )
    .await
}
