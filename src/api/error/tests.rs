//! Tests of `error`.

use super::*;
use serde_json::json;

fn msg(e: &ApiError) -> String {
    e.to_string()
}

#[test]
fn apiframe_shape_with_details() {
    let body = br#"{"error":"Validation failed","details":{"qwenImage2Params.seed":["Expected number, received string"]}}"#;
    let e = from_response(400, Some("application/json"), body, None, "k");
    assert_eq!(
        msg(&e),
        "Validation failed (HTTP 400): qwenImage2Params.seed: Expected number, received string"
    );
    assert_eq!(e.outcome(), Outcome::Rejected);
}

#[test]
fn apiframe_credits() {
    let body = br#"{"error":"Insufficient credits","creditsRequired":3,"creditsAvailable":1}"#;
    let e = from_response(402, None, body, None, "k");
    assert!(
        msg(&e).contains("needs 3 credits, 1 available"),
        "{}",
        msg(&e)
    );
}

#[test]
fn openai_shape() {
    let body = br#"{"error":{"message":"invalid token (request id: 42)","type":"new_api_error","param":"","code":""}}"#;
    let e = from_response(401, None, body, None, "k");
    assert_eq!(msg(&e), "invalid token (request id: 42) (HTTP 401)");
    assert!(e.is_auth());
    if let ApiError::Server { code, .. } = e {
        assert_eq!(code.as_deref(), Some("new_api_error"));
    }
}

#[test]
fn dashscope_shape() {
    let body = br#"{"request_id":"r","code":"InvalidParameter","message":"size is invalid"}"#;
    let e = from_response(400, None, body, None, "k");
    assert_eq!(msg(&e), "size is invalid (HTTP 400)");
}

#[test]
fn html_is_summarised_not_shown() {
    let body = b"<html><head><title>502 Bad Gateway</title></head><body><script>evil()</script></body></html>";
    let e = from_response(502, Some("text/html"), body, None, "k");
    assert_eq!(
        msg(&e),
        "Bad Gateway: the server sent an HTML page (502 Bad Gateway) (HTTP 502)"
    );
    assert_eq!(e.outcome(), Outcome::Unknown);
}

#[test]
fn empty_and_plain_bodies() {
    assert_eq!(
        msg(&from_response(503, None, b"", None, "k")),
        "Service Unavailable (HTTP 503)"
    );
    assert_eq!(
        msg(&from_response(500, None, b"oops", None, "k")),
        "Internal Server Error: oops (HTTP 500)"
    );
}

#[test]
fn escapes_and_the_key_never_survive() {
    let body = br#"{"error":"bad key afk_SECRET123 \u001b]52;c;aGk=\u0007 \u001b[2J"}"#;
    let e = from_response(401, None, body, None, "afk_SECRET123");
    let m = msg(&e);
    assert!(!m.contains("afk_SECRET123"));
    assert!(!m.chars().any(|c| c.is_control()), "{m:?}");
    assert!(m.contains("[REDACTED]"));
}

#[test]
fn huge_messages_are_cut() {
    let body = json!({"error": "x".repeat(1_000_000)}).to_string();
    assert!(
        msg(&from_response(500, None, body.as_bytes(), None, "k"))
            .chars()
            .count()
            < 400
    );
}

#[test]
fn errors_hidden_in_200_bodies() {
    let j = json!({"error": {"message": "task failed", "type": "ali_error", "code": "DataInspectionFailed"}});
    let e = error_in_success_body(200, &j, "k").unwrap();
    assert_eq!(msg(&e), "task failed (HTTP 200)");
    assert!(error_in_success_body(200, &json!({"data": [], "error": null}), "k").is_none());
    assert!(error_in_success_body(200, &json!({"jobId": "x"}), "k").is_none());
    assert!(
        error_in_success_body(
            200,
            &json!({"code": "Throttling", "message": "slow down"}),
            "k"
        )
        .is_some()
    );
}

#[test]
fn outcomes() {
    assert_eq!(ApiError::Connect("x".into()).outcome(), Outcome::NotSent);
    assert_eq!(ApiError::Timeout("x".into()).outcome(), Outcome::Unknown);
    assert_eq!(
        from_response(429, None, b"{}", None, "k").outcome(),
        Outcome::NotProcessed
    );
    assert_eq!(
        from_response(422, None, b"{}", None, "k").outcome(),
        Outcome::Rejected
    );
    assert_eq!(
        from_response(500, None, b"{}", None, "k").outcome(),
        Outcome::Unknown
    );
}
