//! `ApiError`: every provider failure in one type. Error bodies in any of the
//! three wire shapes (Apiframe, OpenAI/new-api, DashScope), with HTTP 200 or not, become one
//! sanitised message with the key redacted. The raw body is never shown.

use std::time::Duration;

use serde_json::Value;

use crate::sanitize::{redact, sanitize_line, truncate_chars};

/// Longest message kept from a server, in characters.
const MESSAGE_MAX: usize = 300;

/// A provider error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error (possibly with HTTP 200).
    #[error("{}", server_display(.status, .message, .details))]
    Server {
        /// HTTP status.
        status: u16,
        /// Provider error code, when there is one (`InvalidParameter`, `insufficient_user_quota`).
        code: Option<String>,
        /// The message, sanitised and redacted.
        message: String,
        /// Field errors (`qwenImage2Params.seed: Expected number`), sanitised.
        details: Vec<String>,
        /// How long the server asked us to wait.
        retry_after: Option<Duration>,
    },
    /// Nothing was sent: DNS, refused connection, connect timeout. Safe to retry.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The secure connection could not be set up (a bad certificate, or something that does
    /// not speak TLS, such as a proxy or captive portal in the way). Nothing was sent, and
    /// trying again will meet the same certificate: not retried.
    #[error(
        "the secure connection failed, nothing was sent: {0}; check base_url, and any proxy or \
         captive portal between you and the API"
    )]
    Tls(String),
    /// The request may have reached the server, but no complete answer came in time.
    #[error("no answer in time: {0}")]
    Timeout(String),
    /// The connection broke after the request was sent.
    #[error("connection lost: {0}")]
    Transport(String),
    /// The answer is not what the API promises (bad JSON, missing fields).
    #[error("unexpected answer from the server: {0}")]
    Invalid(String),
    /// The server redirected an API call; qimg never follows redirects with a key.
    #[error(
        "the server redirected (HTTP {status}) and qimg does not follow redirects on API calls"
    )]
    Redirect {
        /// HTTP status.
        status: u16,
    },
    /// A download's redirect pointed somewhere qimg does not fetch from (a private address,
    /// another scheme, a loop): the text says why. Only the download client follows redirects.
    #[error("the result URL redirected where qimg does not follow: {0}")]
    RedirectRefused(String),
    /// The body was larger than allowed.
    #[error("answer too large (over {0} bytes)")]
    TooLarge(u64),
    /// A local problem before anything was sent (unreadable input image, no key, …).
    #[error("{0}")]
    Local(String),
}

fn server_display(status: &u16, message: &str, details: &[String]) -> String {
    let mut s = format!("{message} (HTTP {status})");
    if !details.is_empty() {
        s.push_str(": ");
        s.push_str(&details.join("; "));
    }
    s
}

/// What a failure says about whether the request did anything on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing reached the server: safe to send again.
    NotSent,
    /// The server refused to process it for now (429): safe to send again after waiting.
    NotProcessed,
    /// The server rejected it for good (4xx): not charged; sending again will not help.
    Rejected,
    /// It may have been processed (timeout, 5xx, broken connection, unreadable 2xx).
    Unknown,
}

impl ApiError {
    /// Classifies the failure.
    pub fn outcome(&self) -> Outcome {
        match self {
            Self::Connect(_) | Self::Local(_) => Outcome::NotSent,
            Self::Server { status: 429, .. } => Outcome::NotProcessed,
            // An error object in a 2xx body is the provider's definite answer: the task failed.
            Self::Server { status, .. } if (200..300).contains(status) => Outcome::Rejected,
            Self::Server { status, .. } if (400..500).contains(status) => Outcome::Rejected,
            Self::Redirect { .. } | Self::RedirectRefused(_) | Self::Tls(_) => Outcome::Rejected,
            Self::Server { .. }
            | Self::Timeout(_)
            | Self::Transport(_)
            | Self::Invalid(_)
            | Self::TooLarge(_) => Outcome::Unknown,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Server { status, .. } | Self::Redirect { status } => Some(*status),
            _ => None,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// True for 401 and 403: the key is wrong, revoked or not allowed.
    pub fn is_auth(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// Turns a reqwest error into an `ApiError`. The URL is dropped from the text and the key
    /// redacted, so neither can leak through an error message.
    pub fn from_reqwest(err: reqwest::Error, secret: &str) -> Self {
        let is_connect = err.is_connect();
        let is_tls = is_connect && is_tls_failure(&err);
        let is_timeout = err.is_timeout();
        let is_redirect = err.is_redirect();
        let mut text = error_chain(&err.without_url());
        text = clean(&text, secret);
        if is_tls {
            Self::Tls(text)
        } else if is_connect {
            Self::Connect(text)
        } else if is_timeout {
            Self::Timeout(text)
        } else if is_redirect {
            // Only the download client follows redirects; its policy refused this one.
            Self::RedirectRefused(text)
        } else {
            Self::Transport(text)
        }
    }
}

/// Whether the TLS layer refused the connection: a `rustls::Error` somewhere in the chain, on
/// its own or wrapped in I/O errors (hyper-util wraps tokio-rustls's I/O error in another).
fn is_tls_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    fn wraps_rustls(mut e: &(dyn std::error::Error + 'static)) -> bool {
        loop {
            if e.is::<rustls::Error>() {
                return true;
            }
            // `io::Error::source` skips the error it wraps, so look inside by hand.
            match e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                Some(inner) => e = inner,
                None => return false,
            }
        }
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(s) = src {
        if wraps_rustls(s) {
            return true;
        }
        src = s.source();
    }
    false
}

/// The error and its sources in one line (reqwest's own Display hides the cause).
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut src = err.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

/// Sanitises and redacts a longer server text (a rewritten prompt), keeping up to 4,000
/// characters and its line breaks.
pub fn clean_text(s: &str, secret: &str) -> String {
    let redacted = redact(s, secret);
    let text = crate::sanitize::sanitize_text(&redacted);
    truncate_chars(text.trim(), 4000).into_owned()
}

/// Sanitises, redacts and shortens one server string.
pub fn clean(s: &str, secret: &str) -> String {
    let redacted = redact(s, secret);
    truncate_chars(sanitize_line(&redacted).trim(), MESSAGE_MAX).into_owned()
}

/// Builds the error for a non-success answer (or a 2xx whose JSON is an error object).
pub fn from_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    retry_after: Option<Duration>,
    secret: &str,
) -> ApiError {
    let (message, code, details) = describe_body(status, content_type, body);
    ApiError::Server {
        status,
        code: code.map(|c| clean(&c, secret)).filter(|c| !c.is_empty()),
        message: clean(&message, secret),
        details: details.iter().map(|d| clean(d, secret)).take(12).collect(),
        retry_after,
    }
}

/// If a 2xx JSON body is really an error (`{"error": …}` or DashScope `{code, message}`),
/// returns that error: `error` is checked before `data` is read, even on HTTP 200.
pub fn error_in_success_body(status: u16, json: &Value, secret: &str) -> Option<ApiError> {
    let has_error = match json.get("error") {
        Some(Value::Null) | None => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    };
    let dashscope = json
        .get("code")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty())
        && json.get("message").is_some()
        && json.get("data").is_none();
    if !has_error && !dashscope {
        return None;
    }
    let body = serde_json::to_vec(json).unwrap_or_default();
    Some(from_response(
        status,
        Some("application/json"),
        &body,
        None,
        secret,
    ))
}

/// Message, code and field details from an error body of any shape.
fn describe_body(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> (String, Option<String>, Vec<String>) {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
        .to_owned();
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        return describe_json(&json, reason);
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return (reason, None, Vec::new());
    }
    let looks_html = content_type.is_some_and(|c| c.contains("html")) || trimmed.starts_with('<');
    if looks_html {
        let title = between(trimmed, "<title>", "</title>")
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        let message = match title {
            Some(t) => format!("{reason}: the server sent an HTML page ({t})"),
            None => format!("{reason}: the server sent an HTML page instead of JSON"),
        };
        return (message, None, Vec::new());
    }
    let preview: String = trimmed.chars().take(200).collect();
    (format!("{reason}: {preview}"), None, Vec::new())
}

fn describe_json(json: &Value, reason: String) -> (String, Option<String>, Vec<String>) {
    let str_of = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut details = Vec::new();
    if let Some(Value::Object(d)) = json.get("details") {
        for (path, msgs) in d {
            let text = match msgs {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            details.push(if path.is_empty() {
                text
            } else {
                format!("{path}: {text}")
            });
        }
    }
    match json.get("error") {
        // Apiframe: {"error": "…", "details": {…}, "creditsRequired": N, "creditsAvailable": M}
        Some(Value::String(msg)) => {
            let mut message = msg.clone();
            if let (Some(req), Some(avail)) =
                (json.get("creditsRequired"), json.get("creditsAvailable"))
            {
                message.push_str(&format!(" (needs {req} credits, {avail} available)"));
            }
            (message, None, details)
        }
        // OpenAI / new-api: {"error": {"message", "type", "code"}}
        Some(Value::Object(obj)) => {
            let message = str_of(obj.get("message")).unwrap_or(reason);
            let code = str_of(obj.get("code")).or_else(|| str_of(obj.get("type")));
            (message, code, details)
        }
        _ => {
            // DashScope: {"code", "message"}, possibly inside "output".
            let src = json
                .get("output")
                .filter(|o| o.get("code").is_some())
                .unwrap_or(json);
            let message = str_of(src.get("message")).unwrap_or(reason);
            (message, str_of(src.get("code")), details)
        }
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let lower = s.to_ascii_lowercase();
    let a = lower.find(start)? + start.len();
    let b = lower[a..].find(end)? + a;
    s.get(a..b)
}

#[cfg(test)]
mod tests;
