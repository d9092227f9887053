//! Tests of `retry`.

use super::*;
use crate::api::error::from_response;
use rstest::rstest;

fn at() -> Moment {
    Moment {
        jitter: 0.5,
        now: time::macros::datetime!(2026-12-02 12:00:00 UTC),
        elapsed: Duration::ZERO,
    }
}

fn after(secs: u64) -> Moment {
    Moment {
        elapsed: Duration::from_secs(secs),
        ..at()
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
        Decision::NoCredits(_) => "credits",
        Decision::Ambiguous(_) => "ambiguous",
    };
    assert_eq!(got, want, "{err:?}");
}

#[test]
fn a_gateway_retries_what_was_not_sent_a_few_times() {
    let p = RetryPolicy::GATEWAY;
    let mut t = Tries::default();
    let err = ApiError::Connect("refused".into());
    for _ in 0..2 {
        assert!(matches!(
            decide(&err, &mut t, &p, "p", at()),
            Decision::Retry { .. }
        ));
    }
    assert_eq!(
        decide(&err, &mut t, &p, "p", at()),
        Decision::Fail("not sent: could not connect: refused (after 3 tries)".into())
    );
    let mut t = Tries {
        limited: 5,
        ..Tries::default()
    };
    let Decision::Fail(m) = decide(&server(429), &mut t, &p, "p", at()) else {
        panic!()
    };
    assert!(m.contains("still rate limited after 6 tries"), "{m}");
}

#[test]
fn apiframe_retries_unclear_answers_with_the_same_key_until_the_budget_runs_out() {
    let p = RetryPolicy::APIFRAME.with_budget(Duration::from_secs(15 * 60));
    let mut t = Tries::default();
    let unclear = server(502);
    let mut notes = Vec::new();
    let mut waited = Duration::ZERO;
    loop {
        match decide(
            &unclear,
            &mut t,
            &p,
            "p",
            Moment {
                elapsed: waited,
                ..at()
            },
        ) {
            Decision::Retry {
                after,
                note,
                rate_limited: false,
            } => {
                notes.push(note);
                waited += after;
            }
            Decision::Ambiguous(m) => {
                assert!(m.contains("no clear answer") && m.contains("over 1"), "{m}");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(notes[0], "retrying: HTTP 502, attempt 2, next in 1 s");
    assert_eq!(notes[3], "retrying: HTTP 502, attempt 5, next in 8 s");
    assert!(notes.iter().all(|n| n.starts_with("retrying: HTTP 502")));
    assert!(waited <= Duration::from_secs(15 * 60), "{waited:?}");
    assert!(
        notes.len() >= 18,
        "about 15 minutes of capped backoff: {}",
        notes.len()
    );
    // A shorter budget gives up sooner; the note counts every attempt.
    let short = RetryPolicy::APIFRAME.with_budget(Duration::from_secs(5));
    let mut t = Tries::default();
    assert!(matches!(
        decide(&unclear, &mut t, &short, "p", after(3)),
        Decision::Retry { .. }
    ));
    assert!(matches!(
        decide(&unclear, &mut t, &short, "p", after(4)),
        Decision::Ambiguous(_)
    ));
}

#[test]
fn apiframe_fails_fast_when_nothing_was_sent_and_retries_429s_within_the_budget() {
    let p = RetryPolicy::APIFRAME;
    let mut t = Tries::default();
    let err = ApiError::Connect("refused".into());
    for _ in 0..2 {
        assert!(matches!(
            decide(&err, &mut t, &p, "p", at()),
            Decision::Retry { .. }
        ));
    }
    let Decision::Fail(m) = decide(&err, &mut t, &p, "p", at()) else {
        panic!()
    };
    assert!(m.starts_with("not sent: could not connect"), "{m}");
    let mut t = Tries::default();
    for _ in 0..30 {
        assert!(matches!(
            decide(&server(429), &mut t, &p, "p", after(10)),
            Decision::Retry {
                rate_limited: true,
                ..
            }
        ));
    }
    let Decision::Fail(m) = decide(&server(429), &mut t, &p, "p", after(15 * 60)) else {
        panic!()
    };
    assert!(
        m.contains("still rate limited") && m.contains("over 15 min"),
        "{m}"
    );
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
    let secs: Vec<u64> = (0..9).map(|n| b.delay(n).as_secs()).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    assert_eq!(b.jittered(1, 0.0), Duration::from_millis(1600));
    assert_eq!(b.jittered(1, 0.5), Duration::from_millis(2000));
    assert!(b.jittered(1, 0.999) < Duration::from_millis(2400));
    assert_eq!(b.jittered(1, f64::NAN), Duration::from_millis(2000));
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
