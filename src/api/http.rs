//! The two HTTP clients: the API client (no redirects, every timeout set, the key
//! only on requests to the API origin) and the credential-free download client (https only
//! except loopback, few redirects, size caps). Also the capped body reader.

use std::net::IpAddr;
use std::time::Duration;

use futures::StreamExt;
use reqwest::{Client, Response, Url, redirect};

use super::error::ApiError;

/// Connect timeout for every request.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Total deadline for a status poll or a small API call.
pub const POLL_TIMEOUT: Duration = Duration::from_secs(30);
/// Total deadline for one download.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// Idle read timeout for downloads (a slowloris server trips it).
pub const DOWNLOAD_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest JSON body read from an API.
pub const JSON_CAP: u64 = 1024 * 1024;
/// Largest job status answer: bigger than `JSON_CAP` because a failed job's message can be long
///; the message itself is cut before it is stored.
pub const POLL_JSON_CAP: u64 = 8 * 1024 * 1024;
/// Largest downloaded image.
pub const DOWNLOAD_CAP: u64 = 50 * 1024 * 1024;

const USER_AGENT: &str = concat!("qimg/", env!("CARGO_PKG_VERSION"));

/// Builds the API client. Redirects are never followed (a custom key header would be forwarded
/// across origins). Proxies are skipped for loopback origins.
pub fn api_client(loopback: bool) -> Result<Client, ApiError> {
    let mut b = Client::builder()
        .user_agent(USER_AGENT)
        .redirect(redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_keepalive(Duration::from_secs(30))
        .https_only(!loopback);
    if loopback {
        b = b.no_proxy();
    }
    b.build()
        .map_err(|e| ApiError::Local(format!("cannot build the HTTP client: {e}")))
}

/// Builds the download client: no credentials, at most 5 redirects, each hop checked by the
/// same URL policy as the first request.
pub fn download_client(allow_loopback: bool, read_timeout: Duration) -> Result<Client, ApiError> {
    let policy = redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("too many redirects")
        } else if let Err(why) = check_download_url(attempt.url(), allow_loopback) {
            attempt.error(why.to_string())
        } else {
            attempt.follow()
        }
    });
    let mut b = Client::builder()
        .user_agent(USER_AGENT)
        .redirect(policy)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(read_timeout.min(DOWNLOAD_READ_TIMEOUT))
        .pool_idle_timeout(Duration::from_secs(60));
    if allow_loopback {
        b = b.no_proxy();
    }
    b.build()
        .map_err(|e| ApiError::Local(format!("cannot build the download client: {e}")))
}

/// Why a result URL is not fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefusedUrl {
    /// No host.
    #[error("the result URL has no host")]
    NoHost,
    /// Plain http where https is required.
    #[error("refusing a plain-http result URL (https required)")]
    PlainHttp,
    /// Another scheme (`file:`, `ftp:`).
    #[error("refusing a result URL that is not https")]
    Scheme,
    /// This machine, while the profile is not on loopback.
    #[error("refusing a result URL on this machine (loopback)")]
    Loopback,
    /// A private or link-local address.
    #[error("refusing a result URL in a private or link-local network")]
    Internal,
    /// User and password in the URL.
    #[error("refusing a result URL with credentials in it")]
    Credentials,
}

/// Checks a result URL before it is fetched: https, or plain http to loopback when the
/// profile itself is on loopback; never link-local, private or unspecified addresses, and
/// loopback only when allowed.
pub fn check_download_url(url: &Url, allow_loopback: bool) -> Result<(), RefusedUrl> {
    let host_ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            Some(IpAddr::from([127, 0, 0, 1]))
        }
        Some(url::Host::Domain(_)) => None,
        None => return Err(RefusedUrl::NoHost),
    };
    let loopback = host_ip.is_some_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback && allow_loopback => {}
        "http" => return Err(RefusedUrl::PlainHttp),
        _ => return Err(RefusedUrl::Scheme),
    }
    if let Some(ip) = host_ip {
        if loopback && !allow_loopback {
            return Err(RefusedUrl::Loopback);
        }
        if !loopback && is_internal(ip) {
            return Err(RefusedUrl::Internal);
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RefusedUrl::Credentials);
    }
    Ok(())
}

fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments()[0];
            v6.is_unspecified()
                || (seg & 0xfe00) == 0xfc00
                || (seg & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Reads a body up to `cap` bytes, failing early on a larger `Content-Length` and stopping as
/// soon as the stream passes the cap, so memory stays bounded whatever the server sends.
pub async fn read_capped(resp: Response, cap: u64, secret: &str) -> Result<Vec<u8>, ApiError> {
    if resp.content_length().is_some_and(|n| n > cap) {
        return Err(ApiError::TooLarge(cap));
    }
    let mut out = Vec::with_capacity(
        usize::try_from(resp.content_length().unwrap_or(8192).min(cap)).unwrap_or(8192),
    );
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::from_reqwest(e, secret))?;
        if out.len() as u64 + chunk.len() as u64 > cap {
            return Err(ApiError::TooLarge(cap));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(u: &str, lo: bool) -> Result<(), RefusedUrl> {
        check_download_url(&Url::parse(u).unwrap(), lo)
    }

    #[test]
    fn url_policy_table() {
        assert!(check("https://cdn.apiframe.ai/x.png", false).is_ok());
        assert!(check("http://cdn.apiframe.ai/x.png", false).is_err());
        assert!(check("http://127.0.0.1:9/x.png", true).is_ok());
        assert!(check("http://127.0.0.1:9/x.png", false).is_err());
        assert!(check("https://127.0.0.1/x.png", false).is_err());
        assert!(check("https://169.254.169.254/latest", true).is_err());
        assert!(check("https://10.0.0.1/x", false).is_err());
        assert!(check("https://192.168.1.2/x", false).is_err());
        assert!(check("https://[::1]/x", false).is_err());
        assert!(check("https://[fe80::1]/x", false).is_err());
        assert!(check("https://[::ffff:10.0.0.1]/x", false).is_err());
        assert!(check("file:///etc/passwd", true).is_err());
        assert!(check("https://u:p@cdn.example/x", false).is_err());
    }
}
