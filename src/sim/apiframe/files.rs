//! The simulator's Apiframe side routes: `/v2/me`, uploads, and the CDN that serves results
//! (rendered on demand from the job's prompt and seed).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use super::super::render;
use super::super::scenarios::{self, Count};
use super::super::state::{Ending, SimState, Stats};
use super::{af_error, auth, iso};
use crate::domain::ImageFormat;

/// `GET /v2/me`.
pub async fn me(State(s): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    if let Err(r) = auth(&s, &headers) {
        return r;
    }
    Stats::bump(&s.stats.balance_reads);
    // The team starts with 1000 credits and pays 3 for each job the simulator creates.
    let created = s
        .stats
        .jobs_created
        .load(std::sync::atomic::Ordering::Relaxed);
    let credits =
        1000_i64.saturating_sub(i64::try_from(created.saturating_mul(3)).unwrap_or(i64::MAX));
    Json(json!({"user": {"id": "sim-user", "email": "sim@localhost"}, "team": {"credits": credits, "plan": "simulator"}})).into_response()
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
