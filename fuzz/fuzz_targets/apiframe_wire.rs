//! Fuzzes everything qimg reads from an Apiframe answer: the status, headers and body of an
//! error, the accepted-job answer, the job object and its result shapes, and `Retry-After`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qimg::api::apiframe::wire;
use qimg::api::error;
use qimg::api::retry_after;

const KEY: &str = "afk_fuzz_SECRET_0123456789";

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(2));
    let status = head
        .iter()
        .fold(200u16, |s, b| s.wrapping_mul(7).wrapping_add(u16::from(*b)))
        % 600;
    for content_type in [Some("application/json"), Some("text/html"), None] {
        let err = error::from_response(status, content_type, body, None, KEY);
        let shown = err.to_string();
        assert!(
            !shown.contains(KEY),
            "the key leaked into an error: {shown:?}"
        );
        let _ = err.outcome();
    }
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = retry_after::parse(text, std::time::SystemTime::UNIX_EPOCH);
        let _ = wire::valid_remote_id(text);
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    if let Ok((id, _)) = wire::parse_accepted(&json) {
        assert!(
            wire::valid_remote_id(&id),
            "an accepted id must be a valid id: {id:?}"
        );
    }
    let job = wire::parse_job(&json);
    assert!(job.progress.is_none_or(|p| p <= 100));
    let _ = wire::parse_result(&json);
    let _ = error::error_in_success_body(status, &json, KEY);
    for key in [
        qimg::api::models::ParamsKey::QwenImage2Params,
        qimg::api::models::ParamsKey::QwenParams,
    ] {
        let _ = wire::names_params_key(&json, key);
    }
});
