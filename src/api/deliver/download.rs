//! Fetching result images with the credential-free client: URL policy, size cap, magic-byte
//! check, retries (a paid result is worth waiting for: downloads are free to repeat), and the
//! distinction between "gone" (expired) and "broken" results.

use std::time::Duration;

use reqwest::{Client, Url};

use super::super::error::ApiError;
use super::super::http::{self, DOWNLOAD_CAP};
use super::super::retry::Backoff;
use super::super::transport::{Transport, send};
use crate::domain::ImageFormat;
use std::sync::Arc;

/// How many times one result URL is tried at least; more while the retry budget lasts.
pub const ATTEMPTS: u32 = 5;

/// The wait before attempt `n` of a download: 1, 2, 4, 8, 16, 30 s, … (no jitter: downloads
/// of one job run one after the other).
const RETRY: Backoff = Backoff {
    base: Duration::from_millis(500),
    factor: 2.0,
    cap: Duration::from_secs(30),
};

/// The longest `Retry-After` a download honours.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// How one result is fetched.
#[derive(Debug, Clone, Copy)]
pub struct Fetch {
    /// Loopback URLs are allowed (the simulator).
    pub allow_loopback: bool,
    /// The timeout of one attempt.
    pub timeout: Duration,
    /// Transient failures are retried past `ATTEMPTS` until this long after the first.
    pub budget: Duration,
}

/// Why a result could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// The URL answered 403, 404 or 410: the result is gone (job state `expired`).
    #[error("the result is gone from the server (HTTP {0})")]
    Gone(u16),
    /// The URL is refused by policy (http, private address, …).
    #[error("{0}")]
    Refused(String),
    /// The body is not an image (HTML served as image/png, empty, …); the body is kept.
    #[error("the download is not an image: {0}")]
    NotAnImage(String, Vec<u8>),
    /// The result is bigger than the cap: it is not fetched again (a larger answer would not fit
    /// next time either), and nothing is kept.
    #[error("result too large: the server sent more than {} MiB, so the download was stopped", .0 / (1024 * 1024))]
    TooLarge(u64),
    /// Every attempt failed.
    #[error("download failed: {0}")]
    Failed(String),
}

/// Downloads one result, retrying transient failures (at least `ATTEMPTS` tries, then while
/// the budget lasts; at most three answered with something that is not an image).
pub async fn fetch(
    client: &Client,
    transport: &Arc<dyn Transport>,
    raw_url: &str,
    how: Fetch,
) -> Result<Vec<u8>, DownloadError> {
    let url = Url::parse(raw_url.trim())
        .map_err(|_| DownloadError::Refused("the result URL is not a valid URL".into()))?;
    http::check_download_url(&url, how.allow_loopback)
        .map_err(|e| DownloadError::Refused(e.to_string()))?;
    let mut last = String::new();
    let mut not_image = 0;
    let started = tokio::time::Instant::now();
    let mut wait = Duration::ZERO;
    for attempt in 0.. {
        if attempt > 0 {
            if attempt >= ATTEMPTS && started.elapsed() + wait > how.budget {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        wait = RETRY.delay(attempt + 1);
        match fetch_once(client, transport, &url, how.timeout).await {
            Ok(bytes) if ImageFormat::sniff(&bytes).is_some() => return Ok(bytes),
            Ok(bytes) => {
                not_image += 1;
                last = describe_non_image(&bytes);
                if not_image >= 3 {
                    return Err(DownloadError::NotAnImage(last, bytes));
                }
            }
            Err(FetchError::Gone(s)) => return Err(DownloadError::Gone(s)),
            Err(FetchError::TooLarge(cap)) => return Err(DownloadError::TooLarge(cap)),
            Err(FetchError::Refused(why)) => return Err(DownloadError::Refused(why)),
            Err(FetchError::Retry(why, asked)) => {
                last = why;
                if let Some(a) = asked {
                    wait = a.min(RETRY_AFTER_CAP);
                }
            }
        }
    }
    Err(DownloadError::Failed(last))
}

enum FetchError {
    Gone(u16),
    TooLarge(u64),
    /// The same answer would come again: a redirect the policy refuses.
    Refused(String),
    /// Worth another try; the server may say when (`Retry-After` on a 429 or 503).
    Retry(String, Option<Duration>),
}

async fn fetch_once(
    client: &Client,
    transport: &Arc<dyn Transport>,
    url: &Url,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    let resp = send(transport, client.get(url.clone()).timeout(timeout))
        .await
        .map_err(|e| match e {
            ApiError::RedirectRefused(why) => FetchError::Refused(format!(
                "the result URL redirected where qimg does not follow: {why}"
            )),
            // The same certificate would be met again.
            tls @ ApiError::Tls(_) => FetchError::Refused(tls.to_string()),
            other => FetchError::Retry(other.to_string(), None),
        })?;
    let status = resp.status().as_u16();
    if matches!(status, 403 | 404 | 410) {
        return Err(FetchError::Gone(status));
    }
    if resp.status().is_redirection() {
        // Redirects the client could follow were followed; this one points to another scheme
        // (`file:`, `ftp:`) or nowhere.
        return Err(FetchError::Refused(format!(
            "the result URL redirected (HTTP {status}) to something that is not a web address"
        )));
    }
    if !resp.status().is_success() {
        let asked =
            super::super::retry_after::from_headers(resp.headers(), std::time::SystemTime::now());
        return Err(FetchError::Retry(format!("HTTP {status}"), asked));
    }
    http::read_capped(resp, DOWNLOAD_CAP, "")
        .await
        .map_err(|e| match e {
            ApiError::TooLarge(cap) => FetchError::TooLarge(cap),
            other => FetchError::Retry(other.to_string(), None),
        })
}

fn describe_non_image(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "empty body".into();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    let head = crate::sanitize::sanitize_line(head.trim());
    format!(
        "starts with \"{}\"",
        crate::sanitize::truncate_chars(&head, 60)
    )
}
