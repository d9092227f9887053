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
use serde_json::json;

mod edit_form;
mod parse;

use edit_form::{check_images, edit_params};
use parse::{Asked, bad, checked_prompt, model_for, parse_generation, read_edit_form};

use super::apiframe::render_png;
use super::render::fnv;
use super::scenarios::Count;
use super::state::{GatewayImage, SimState, Stats};
use super::{scenarios, switches};
use crate::domain::models::Task;

pub(super) fn oa_error(s: &SimState, status: StatusCode, message: &str, code: &str) -> Response {
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
                (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], Json(json!({"error": {"message": "rate limit exceeded", "type": "new_api_error", "param": "", "code": "rate_limit"}}))).into_response()
    })
}

/// The prompt the provider drew when it rewrote `prompt` (the simulator's rewrite adds detail).
fn rewritten(prompt: &str) -> String {
    format!("{prompt}, rich detail, soft natural light, high quality")
}

/// Renders `image` as base64 PNG (for `b64_json`).
async fn encoded(image: &GatewayImage) -> String {
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
}

/// The answer: `count` images (seed, seed+1, …, as DashScope numbers a batch), each with the
/// rewritten prompt when the provider rewrote it.
async fn answer(
    s: &SimState,
    image: GatewayImage,
    b64: bool,
    count: u32,
    revised: Option<String>,
) -> Response {
    let sc = s.config.scenarios;
    let b64 = b64 || sc.b64;
    let revised = if sc.escape_injection {
        scenarios::HOSTILE.to_owned()
    } else {
        revised.unwrap_or_default()
    };
    let mut data = Vec::new();
    for i in 0..u64::from(count.max(1)) {
        let one = GatewayImage {
            seed: image.seed.wrapping_add(i),
            ..image.clone()
        };
        let id = format!("g-{}", uuid::Uuid::new_v4().simple());
        let b64_json = if b64 {
            encoded(&one).await
        } else {
            String::new()
        };
        // The b64 scenario: only `b64_json`, as some gateway builds answer.
        let url = if sc.b64 {
            String::new()
        } else {
            format!("{}/cdn/{id}.png", s.base_url)
        };
        if let Ok(mut inner) = s.inner.lock() {
            inner.gateway.insert(id, one);
        }
        data.push(json!({"url": url, "b64_json": b64_json, "revised_prompt": revised}));
    }
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    scenarios::json_body(
        &sc,
        &s.counters,
        Count::Shared,
        StatusCode::OK,
        json!({"created": created, "data": data}),
    )
}

/// Every gateway route: the key first, then the fault scenarios.
pub async fn guard(
    State(s): State<Arc<SimState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Err(r) = auth(&s, req.headers()) {
        return r;
    }
    if let Some(r) = scenarios::before_api(&s.config.scenarios, &s.counters, Count::Shared).await {
        return r;
    }
    next.run(req).await
}

/// `POST /v1/images/generations`.
pub async fn generations(State(s): State<Arc<SimState>>, body: Bytes) -> Response {
    let g = match parse_generation(&s, &body) {
        Ok(g) => g,
        Err(r) => return r,
    };
    if let Some(r) = limited_once(&s, &g.prompt, fnv(&body)) {
        return r;
    }
    if let Some(r) = simulate_work(&s, &g.prompt).await {
        return r;
    }
    Stats::bump(&s.stats.gateway_generations);
    let seed = g
        .asked
        .seed
        .unwrap_or_else(|| fnv(g.prompt.as_bytes()) ^ rand::random::<u64>());
    let (width, height) = g.asked.size.unwrap_or((1024, 1024));
    let revised = g.asked.rewrites(&g.spec).then(|| rewritten(&g.prompt));
    let image = GatewayImage {
        prompt: revised.clone().unwrap_or_else(|| g.prompt.clone()),
        seed,
        width,
        height,
        base: None,
    };
    answer(&s, image, g.b64, g.asked.count(), revised).await
}

/// The output size of an edit: the size asked for, or the input's ratio within 2048 a side.
fn edit_size(asked: &Asked, (w, h): (u32, u32)) -> (u32, u32) {
    asked.size.unwrap_or_else(|| {
        let scale = (2048.0 / f64::from(w.max(h))).min(1.0);
        let side = |v: u32| ((f64::from(v) * scale) as u32).max(1);
        (side(w), side(h))
    })
}

/// `POST /v1/images/edits` (multipart only).
pub async fn edits(
    State(s): State<Arc<SimState>>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Ok(form) = form else {
        return bad(
            &s,
            "image edits need a multipart/form-data body",
            "invalid_request",
        );
    };
    let f = match read_edit_form(&s, form).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let spec = match model_for(&s, f.model.as_deref(), Task::Edit) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let prompt = match checked_prompt(&s, &spec, f.prompt.as_deref()) {
        Ok(p) => p.to_owned(),
        Err(r) => return r,
    };
    let (dims, asked) = match check_images(&s, &spec, &f.images)
        .and_then(|d| Ok((d, edit_params(&s, &spec, &f)?)))
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut key = fnv(prompt.as_bytes());
    for img in &f.images {
        key ^= fnv(img);
    }
    if let Some(r) = limited_once(&s, &prompt, key) {
        return r;
    }
    if let Some(r) = simulate_work(&s, &prompt).await {
        return r;
    }
    Stats::bump(&s.stats.gateway_edits);
    let (width, height) = edit_size(&asked, dims);
    let revised = asked.rewrites(&spec).then(|| rewritten(&prompt));
    let image = GatewayImage {
        prompt: revised.clone().unwrap_or(prompt),
        seed: asked.seed.unwrap_or(key),
        width,
        height,
        base: f.images.first().map(|b| Arc::new(b.to_vec())),
    };
    answer(&s, image, f.b64, asked.count(), revised).await
}
