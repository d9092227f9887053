//! Parsing `Retry-After` (seconds, fractions, HTTP-dates) and `retry-after-ms` without ever
//! panicking: invalid values give `None` (use the default backoff); large ones are capped.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The longest wait a server can ask for; longer requests are scheduled at this cap.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(120);

/// Reads `retry-after-ms`, then `Retry-After`, relative to `now`.
pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = headers.get("retry-after-ms").and_then(|v| v.to_str().ok())
        && let Some(d) = parse_seconds(ms, 0.001)
    {
        return Some(d);
    }
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse(value, now)
}

/// Parses one `Retry-After` value: delta-seconds (floats allowed) or an HTTP-date.
pub fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Some(d) = parse_seconds(v, 1.0) {
        return Some(d);
    }
    let when = httpdate::parse_http_date(v).ok()?;
    // A date in the past means "now".
    let d = when.duration_since(now).unwrap_or(Duration::ZERO);
    Some(d.min(RETRY_AFTER_CAP))
}

fn parse_seconds(v: &str, unit: f64) -> Option<Duration> {
    let v = v.trim();
    if v.is_empty()
        || !v
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
    {
        return None;
    }
    let n: f64 = v.parse().ok()?;
    let secs = n * unit;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    if secs > RETRY_AFTER_CAP.as_secs_f64() {
        return Some(RETRY_AFTER_CAP);
    }
    let d = Duration::try_from_secs_f64(secs).ok()?;
    Some(d.min(RETRY_AFTER_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn at() -> SystemTime {
        httpdate::parse_http_date("Sun, 23 Nov 2025 12:00:00 GMT").unwrap()
    }

    // The openai-python table, ported, with a 120 s cap.
    #[rstest]
    #[case("20", Some(20.0))]
    #[case("0", Some(0.0))]
    #[case("-10", None)]
    #[case("60", Some(60.0))]
    #[case("61", Some(61.0))]
    #[case("120", Some(120.0))]
    #[case("121", Some(120.0))]
    #[case("1.5", Some(1.5))]
    #[case("Sun, 23 Nov 2025 11:59:00 GMT", Some(0.0))]
    #[case("Sun, 23 Nov 2025 12:00:07 GMT", Some(7.0))]
    #[case("Sun, 23 Nov 2025 12:05:00 GMT", Some(120.0))]
    #[case("99999999999999999999999999999999999", Some(120.0))]
    #[case("1e30", None)]
    #[case("inf", None)]
    #[case("nan", None)]
    #[case("Zun, 23 Nov 2025 12:00:07 GMT", None)]
    #[case("Sun, 23 Nov 100000 12:00:07 GMT", None)]
    #[case("", None)]
    #[case("soon", None)]
    fn retry_after_table(#[case] input: &str, #[case] expected: Option<f64>) {
        assert_eq!(
            parse(input, at()),
            expected.map(Duration::from_secs_f64),
            "{input:?}"
        );
    }

    #[test]
    fn ms_header_wins() {
        let mut h = HeaderMap::new();
        h.insert("retry-after-ms", "1500".parse().unwrap());
        h.insert("retry-after", "9".parse().unwrap());
        assert_eq!(from_headers(&h, at()), Some(Duration::from_millis(1500)));
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(from_headers(&h, at()), Some(Duration::from_secs(3)));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_never_exceeds_the_cap(s in "\\PC{0,40}") {
            if let Some(d) = parse(&s, SystemTime::now()) {
                proptest::prop_assert!(d <= RETRY_AFTER_CAP);
            }
        }
    }
}
