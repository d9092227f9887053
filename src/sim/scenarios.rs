//! Fault scenarios of the simulator (`qimg sim --scenario a,b`; tests set them directly). Each
//! one misbehaves on a fixed share of requests, counted, so runs are reproducible.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The scenario names, as `--scenario` takes them.
pub const NAMES: &[&str] = &[
    "slow",
    "flaky",
    "ratelimit",
    "html_errors",
    "malformed",
    "bomb",
    "not_image",
    "escape_injection",
    "hang",
    "expired",
    "b64",
];

/// A scenario name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario `{name}`; use {}", NAMES.join(", "), name = .0)]
pub struct UnknownScenario(pub String);

/// Which scenarios are on. "Every Nth request" counts all requests together, except a job's
/// polls, which count per job (see [`Counters`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scenarios {
    /// Jobs take 4× longer and every answer waits 1.5 s.
    pub slow: bool,
    /// Every 4th API request gets a 500; every 5th body is cut halfway (connection dropped).
    pub flaky: bool,
    /// Every 3rd API request gets 429 with `Retry-After: 1`.
    pub ratelimit: bool,
    /// Every 4th API request gets an HTML 502 page.
    pub html_errors: bool,
    /// Every 4th JSON answer is truncated.
    pub malformed: bool,
    /// Results are tiny PNGs declaring 20000×20000 pixels.
    pub bomb: bool,
    /// Results are HTML served as `image/png`.
    pub not_image: bool,
    /// Errors, statuses and URLs carry ESC, OSC, CSI, C1 and bidi characters.
    pub escape_injection: bool,
    /// Every 3rd API request is never answered.
    pub hang: bool,
    /// A result URL answers once, then 404.
    pub expired: bool,
    /// The gateway answers with `b64_json` only.
    pub b64: bool,
}

impl Scenarios {
    /// Parses `a,b,c`.
    pub fn parse(list: &str) -> Result<Self, UnknownScenario> {
        let mut s = Self::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "slow" => s.slow = true,
                "flaky" => s.flaky = true,
                "ratelimit" => s.ratelimit = true,
                "html_errors" => s.html_errors = true,
                "malformed" => s.malformed = true,
                "bomb" => s.bomb = true,
                "not_image" => s.not_image = true,
                "escape_injection" => s.escape_injection = true,
                "hang" => s.hang = true,
                "expired" => s.expired = true,
                "b64" => s.b64 = true,
                other => return Err(UnknownScenario(other.to_owned())),
            }
        }
        Ok(s)
    }
}

/// A text with every kind of terminal trouble in it.
pub const HOSTILE: &str = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x1bP1;2|x\x1b\\\u{9b}31m\u{202e}gnp.exe\u{2066}\r\x08\x07";

/// Per-scenario request counters: one for all requests, and one per polled job. A job's polls
/// count on their own so that faults fall on consecutive polls of that job (it always gets
/// through within a few polls), whatever other jobs are doing; with one shared counter, the
/// interleaving of several jobs could hand one job nothing but faults for minutes.
#[derive(Debug, Default)]
pub struct Counters {
    api: AtomicU64,
    bodies: AtomicU64,
    per_job: std::sync::Mutex<std::collections::HashMap<String, (u64, u64)>>,
}

/// Which counter a request ticks.
#[derive(Debug, Clone, Copy)]
pub enum Count<'a> {
    /// The shared counter (submits, uploads, downloads, the gateway).
    Shared,
    /// The counter of one polled job.
    Job(&'a str),
}

impl Counters {
    fn tick(c: &AtomicU64) -> u64 {
        c.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Ticks the API (`body == false`) or body counter chosen by `count`. A job's counters
    /// start at an offset taken from its id, so jobs do not all fail on the same polls.
    fn tick_for(&self, count: Count<'_>, body: bool) -> u64 {
        match count {
            Count::Shared if body => Self::tick(&self.bodies),
            Count::Shared => Self::tick(&self.api),
            Count::Job(id) => {
                let Ok(mut map) = self.per_job.lock() else {
                    return Self::tick(if body { &self.bodies } else { &self.api });
                };
                let start = super::render::fnv(id.as_bytes()) % 60;
                let (api, bodies) = map.entry(id.to_owned()).or_insert((start, start));
                let c = if body { bodies } else { api };
                *c += 1;
                *c
            }
        }
    }
}

/// What happens before an API request is handled: a delay, or a faulty answer instead.
pub async fn before_api(s: &Scenarios, c: &Counters, count: Count<'_>) -> Option<Response> {
    if s.slow {
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    let n = c.tick_for(count, false);
    if s.hang && n.is_multiple_of(3) {
        std::future::pending::<()>().await;
    }
    if s.ratelimit && n % 3 == 1 {
        return Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "1")],
                axum::Json(serde_json::json!({"error": "Rate limit exceeded"})),
            )
                .into_response(),
        );
    }
    if s.html_errors && n % 4 == 2 {
        let html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><script>alert(1)</script></body></html>";
        return Some(
            (
                StatusCode::BAD_GATEWAY,
                [(header::CONTENT_TYPE, "text/html")],
                html,
            )
                .into_response(),
        );
    }
    if s.flaky && n % 4 == 3 {
        let msg = if s.escape_injection {
            format!("internal error {HOSTILE}")
        } else {
            "internal error".to_owned()
        };
        return Some(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(serde_json::json!({"error": msg})),
            )
                .into_response(),
        );
    }
    None
}

/// A body that sends half its bytes and then breaks the connection.
fn cut(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let half = Bytes::from(bytes[..bytes.len() / 2].to_vec());
    let len = bytes.len();
    let stream = futures::stream::iter(vec![
        Ok(half),
        Err(std::io::Error::other(
            "connection dropped by the flaky scenario",
        )),
    ]);
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    resp
}

/// Applies body faults to a JSON answer of status 2xx.
pub fn json_body(
    s: &Scenarios,
    c: &Counters,
    count: Count<'_>,
    status: StatusCode,
    body: serde_json::Value,
) -> Response {
    let n = c.tick_for(count, true);
    let text = body.to_string().into_bytes();
    if s.malformed && n.is_multiple_of(4) {
        let truncated = text[..text.len() * 2 / 3].to_vec();
        return (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            truncated,
        )
            .into_response();
    }
    if s.flaky && n.is_multiple_of(5) {
        let mut r = cut(text, "application/json");
        *r.status_mut() = status;
        return r;
    }
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// Applies body faults to an image answer.
pub fn image_body(s: &Scenarios, c: &Counters, png: Vec<u8>) -> Response {
    if s.not_image {
        let html = b"<html><body>Access denied</body></html>".to_vec();
        return ([(header::CONTENT_TYPE, "image/png")], html).into_response();
    }
    let png = if s.bomb { bomb_png() } else { png };
    let n = Counters::tick(&c.bodies);
    if s.flaky && n.is_multiple_of(5) {
        return cut(png, "image/png");
    }
    ([(header::CONTENT_TYPE, "image/png")], png).into_response()
}

/// A valid, tiny PNG that declares 20000×20000 RGBA pixels (a decompression bomb).
pub fn bomb_png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |b: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
        b.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        b.extend_from_slice(kind);
        b.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        b.extend_from_slice(&h.finalize().to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut b, b"IHDR", &ihdr);
    // A few bytes of zlib data (an empty stored block): far too little for the declared size.
    chunk(
        &mut b,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
        ],
    );
    chunk(&mut b, b"IEND", &[]);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        let s = Scenarios::parse("flaky, ratelimit").unwrap();
        assert!(s.flaky && s.ratelimit && !s.hang);
        assert!(
            Scenarios::parse("nope")
                .unwrap_err()
                .to_string()
                .contains("unknown scenario")
        );
        for n in NAMES {
            Scenarios::parse(n).unwrap();
        }
    }

    #[test]
    fn the_bomb_is_refused_by_the_decoder_but_sniffs_as_png() {
        let b = bomb_png();
        assert_eq!(
            crate::domain::ImageFormat::sniff(&b),
            Some(crate::domain::ImageFormat::Png)
        );
        assert!(matches!(
            crate::imaging::decode_for_preview(&b, 100, 100),
            Err(crate::imaging::DecodeError::TooLarge(_))
        ));
    }
}
