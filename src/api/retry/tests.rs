//! Tests of `retry`.

use super::*;
use crate::api::error::from_response;
use rstest::rstest;

fn at() -> Moment {
    Moment {
        jitter: 0.5,
        now: time::macros::datetime!(2026-12-02 12:00:00 UTC),
    }
}

fn server(status: u16) -> ApiError {
    from_response(status, None, b"{}", None, "k")
}

/// (error, policy) → the kind of decision, over a fresh `Tries`.
#[rstest]
#[case::connect_retried(ApiError::Connect("refused".into()), RetryPolicy::APIFRAME, "retry")]
#[case::rate_limited(server(429), RetryPolicy::GATEWAY, "retry")]
#[case::rejected(server(422), RetryPolicy::APIFRAME, "fail")]
#[case::auth(server(401), RetryPolicy::GATEWAY, "auth")]
#[case::tls(ApiError::Tls("bad cert".into()), RetryPolicy::APIFRAME, "fail")]
#[case::conflict_apiframe(server(409), RetryPolicy::APIFRAME, "ambiguous")]
#[case::conflict_gateway(server(409), RetryPolicy::GATEWAY, "fail")]
#[case::unknown_apiframe(server(502), RetryPolicy::APIFRAME, "retry")]
#[case::unknown_gateway(server(502), RetryPolicy::GATEWAY, "ambiguous")]
#[case::timeout_gateway(ApiError::Timeout("x".into()), RetryPolicy::GATEWAY, "ambiguous")]
#[case::invalid_gateway(ApiError::Invalid("x".into()), RetryPolicy::GATEWAY, "fail")]
fn first_decisions(#[case] err: ApiError, #[case] policy: RetryPolicy, #[case] want: &str) {
    let d = decide(&err, &mut Tries::default(), &policy, "p", at());
    let got = match d {
        Decision::Retry { .. } => "retry",
        Decision::Fail(_) => "fail",
        Decision::AuthFailed(_) => "auth",
        Decision::Ambiguous(_) => "ambiguous",
    };
    assert_eq!(got, want, "{err:?}");
}

#[test]
fn retries_stop_at_the_policy_s_limits_with_their_messages() {
    let p = RetryPolicy::APIFRAME;
    let mut t = Tries::default();
    let err = ApiError::Connect("refused".into());
    assert!(matches!(
        decide(&err, &mut t, &p, "p", at()),
        Decision::Retry { .. }
    ));
    assert!(matches!(
        decide(&err, &mut t, &p, "p", at()),
        Decision::Retry { .. }
    ));
    assert_eq!(
        decide(&err, &mut t, &p, "p", at()),
        Decision::Fail("not sent: could not connect: refused".into())
    );
    let mut t = Tries::default();
    let unclear = server(500);
    for _ in 0..2 {
        let d = decide(&unclear, &mut t, &p, "p", at());
        assert!(
            matches!(&d, Decision::Retry { note, .. } if note.contains("same idempotency key"))
        );
    }
    let Decision::Ambiguous(m) = decide(&unclear, &mut t, &p, "p", at()) else {
        panic!()
    };
    assert!(
        m.contains("no clear answer") && m.contains("after 3 tries"),
        "{m}"
    );
    let mut t = Tries {
        limited: 10,
        ..Tries::default()
    };
    let Decision::Fail(m) = decide(&server(429), &mut t, &p, "p", at()) else {
        panic!()
    };
    assert!(m.contains("still rate limited after 10 tries"), "{m}");
}

#[test]
fn a_429_waits_what_the_server_asks_and_closes_the_gate() {
    let err = from_response(429, None, b"{}", Some(Duration::from_secs(7)), "k");
    let d = decide(
        &err,
        &mut Tries::default(),
        &RetryPolicy::APIFRAME,
        "p",
        at(),
    );
    assert_eq!(
        d,
        Decision::Retry {
            after: Duration::from_secs(7),
            note: "rate limited; retrying at 12:00:07 UTC".into(),
            rate_limited: true
        }
    );
}

#[test]
fn backoff_grows_caps_and_jitters_within_a_fifth() {
    let b = RetryPolicy::APIFRAME.backoff;
    let ms: Vec<u128> = (0..8).map(|n| b.delay(n).as_millis()).collect();
    assert_eq!(ms, [500, 1000, 2000, 4000, 8000, 16000, 16000, 16000]);
    assert_eq!(b.jittered(1, 0.0), Duration::from_millis(800));
    assert_eq!(b.jittered(1, 0.5), Duration::from_millis(1000));
    assert!(b.jittered(1, 0.999) < Duration::from_millis(1200));
    assert_eq!(b.jittered(1, f64::NAN), Duration::from_millis(1000));
}

#[rstest]
#[case(404, "expired")]
#[case(401, "auth")]
#[case(400, "fail")]
#[case(429, "again")]
#[case(502, "again")]
fn poll_decisions(#[case] status: u16, #[case] want: &str) {
    let got = match decide_poll(&server(status), 1, 0, at().now) {
        PollDecision::Expired(_) => "expired",
        PollDecision::Fail { auth: true, .. } => "auth",
        PollDecision::Fail { .. } => "fail",
        PollDecision::Again { .. } => "again",
    };
    assert_eq!(got, want);
}

#[test]
fn failing_polls_say_degraded_from_the_third() {
    let e = server(502);
    assert_eq!(
        decide_poll(&e, 2, 5, at().now),
        PollDecision::Again {
            note: None,
            gate: None
        }
    );
    assert!(
        matches!(decide_poll(&e, 3, 5, at().now), PollDecision::Again { note: Some(n), .. } if n.contains("degraded: 3 polls"))
    );
}
