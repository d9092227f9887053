//! The Apiframe flow against wiremock and the raw fault server: exact requests, retries with
//! the same idempotency key, errors in every shape, dropped connections while polling.

use std::time::Duration;

use qimg::config::Profile;
use qimg::domain::models::AspectRatio;
use qimg::domain::{JobRequest, JobState};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{Rig, TEST_KEY, apiframe_profile, png};
use crate::fault::{FaultServer, Reply};

const RID: &str = "b2c3d4e5-f6a7-8901-bcde-f23456789012";

fn req() -> JobRequest {
    JobRequest::apiframe("a serene mountain lake at dawn", AspectRatio::L16x9, 42)
}

async fn mount_poll_and_cdn(server: &MockServer) {
    let url = format!("{}/cdn/{RID}.png", server.uri());
    Mock::given(method("GET"))
        .and(path(format!("/v2/jobs/{RID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": RID, "status": "COMPLETED", "progress": 100, "result": url, "error": null, "creditCost": 3,
            "createdAt": "2026-03-15T10:00:00.000Z", "completedAt": "2026-03-15T10:00:15.000Z"
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/cdn/{RID}.png")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(png(32, 18)),
        )
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_on_submit_are_retried_with_the_same_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/images/generate"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html><title>502</title></html>"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/images/generate"))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"jobId": RID, "status": "QUEUED"})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    mount_poll_and_cdn(&server).await;
    // Two backoffs (1 s and 2 s, with jitter) must fit in the budget: the suite's 3 s would
    // race the third try.
    let profile = Profile {
        retry_budget: Duration::from_secs(30),
        ..apiframe_profile(&server.uri())
    };
    let mut rig = Rig::with_profile(profile);
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    let reqs = server.received_requests().await.unwrap();
    let submits: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path() == "/v2/images/generate")
        .collect();
    assert_eq!(submits.len(), 3);
    let keys: Vec<_> = submits
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(keys.iter().all(|k| *k == job.idempotency_key), "{keys:?}");
    let body: serde_json::Value = serde_json::from_slice(&submits[0].body).unwrap();
    assert_eq!(
        body,
        json!({"prompt": "a serene mountain lake at dawn", "model": "qwen-image-2", "qwenImage2Params": {"aspect_ratio": "16:9", "seed": 42}})
    );
    assert_eq!(submits[0].headers.get("x-api-key").unwrap(), TEST_KEY);
    let cdn: Vec<_> = reqs
        .iter()
        .filter(|r| r.url.path().starts_with("/cdn/"))
        .collect();
    assert_eq!(cdn.len(), 1);
    assert!(
        cdn[0].headers.get("x-api-key").is_none() && cdn[0].headers.get("authorization").is_none(),
        "the key never goes to downloads"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_with_details_fails_at_once_and_names_the_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "Validation failed", "details": {"prompt": ["String must contain at most 2000 character(s)"]}})))
        .expect(1)
        .mount(&server)
        .await;
    let mut rig = Rig::with_profile(apiframe_profile(&server.uri()));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.starts_with("rejected, not charged") && message.contains("prompt: String must contain at most 2000")),
        "{:?}",
        job.state
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_naming_the_params_key_retries_once_with_the_other_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("qwenImage2Params"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "Validation failed", "details": {"qwenImage2Params": ["Unrecognized key"]}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("\"qwenParams\""))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"jobId": RID, "status": "QUEUED"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_poll_and_cdn(&server).await;
    let mut rig = Rig::with_profile(apiframe_profile(&server.uri()));
    let id = rig.submit(req());
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "2")
                .set_body_json(json!({"error": "Too many requests"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"jobId": RID, "status": "QUEUED"})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    mount_poll_and_cdn(&server).await;
    let mut rig = Rig::with_profile(apiframe_profile(&server.uri()));
    let t0 = std::time::Instant::now();
    let id = rig.submit(req());
    rig.wait_job(id, |j| j.remote_id.is_some()).await;
    assert!(
        t0.elapsed() >= Duration::from_secs(2),
        "resent after {:?}",
        t0.elapsed()
    );
    let notes = rig.drain_notes(id);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("rate limited; retrying at")),
        "{notes:?}"
    );
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_echoing_the_key_are_redacted_and_sanitised() {
    let server = MockServer::start().await;
    let body = format!("{{\"error\":\"Invalid API key {TEST_KEY} \\u001b]0;pwned\\u0007\"}}");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let mut rig = Rig::with_profile(apiframe_profile(&server.uri()));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    let msg = job.state.message().unwrap().to_owned();
    assert!(
        !msg.contains(TEST_KEY) && msg.contains("[REDACTED]"),
        "{msg}"
    );
    assert!(!msg.chars().any(char::is_control), "{msg:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_and_5xx_while_polling_are_retried() {
    let cdn = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(png(16, 16)),
        )
        .mount(&cdn)
        .await;
    let result = format!("{}/r.png", cdn.uri());
    let fault = FaultServer::start(vec![
        (
            "/v2/images/generate",
            vec![Reply::json(202, json!({"jobId": RID, "status": "QUEUED"}))],
        ),
        (
            "/v2/jobs/",
            vec![
                Reply::Drop,
                Reply::json(503, json!({"error": "queue unavailable"})),
                Reply::json(
                    200,
                    json!({"id": RID, "status": "PROCESSING", "progress": 50}),
                ),
                Reply::Drop,
                Reply::json(
                    200,
                    json!({"id": RID, "status": "COMPLETED", "result": {"images": [result]}}),
                ),
            ],
        ),
    ])
    .await;
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(
        fault.requests("/v2/jobs/").len(),
        5,
        "two drops and a 503 were retried"
    );
    assert_eq!(
        fault.requests("/v2/images/generate").len(),
        1,
        "polling errors never resubmit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_that_never_gets_an_answer_becomes_ambiguous_with_one_key() {
    let fault = FaultServer::start(vec![("/v2/images/generate", vec![Reply::Silent])]).await;
    let mut profile = apiframe_profile(&fault.base);
    profile.request_timeout = Some(Duration::from_millis(700));
    let mut rig = Rig::with_profile(profile);
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Ambiguous { message } if message.contains("same idempotency key")),
        "{:?}",
        job.state
    );
    let submits = fault.requests("/v2/images/generate");
    assert!(
        (2..=4).contains(&submits.len()),
        "sent again within the 3 s budget: {}",
        submits.len()
    );
    assert!(
        submits
            .iter()
            .all(|s| s.headers.get("idempotency-key") == Some(&job.idempotency_key))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_never_followed_with_the_key() {
    let other = MockServer::start().await;
    Mock::given(path_regex(".*"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"jobId": RID})))
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/v2/images/generate", other.uri()).as_str(),
        ))
        .mount(&server)
        .await;
    let mut rig = Rig::with_profile(apiframe_profile(&server.uri()));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains("redirect")),
        "{:?}",
        job.state
    );
    assert!(
        other.received_requests().await.unwrap().is_empty(),
        "the key went to another origin"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_refused_is_not_sent_and_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut rig = Rig::with_profile(apiframe_profile(&base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.starts_with("not sent: could not connect")),
        "{:?}",
        job.state
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_failure_is_not_sent_and_not_retried() {
    // Something that answers a TLS handshake with plain HTTP (a captive portal, say).
    let (port, accepts) = crate::fault::plain_http_on_a_tls_port();
    let mut rig = Rig::with_profile(apiframe_profile(&format!("https://127.0.0.1:{port}")));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Failed { message }
            if message.contains("secure connection failed") && message.starts_with("not sent, not retried")),
        "{:?}",
        job.state
    );
    assert_eq!(
        accepts.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "a TLS failure is not retried"
    );
}

#[rstest::rstest]
#[case::missing(json!({"status": "QUEUED"}))]
#[case::null(json!({"jobId": null}))]
#[case::number(json!({"jobId": 5}))]
#[case::empty(json!({"jobId": ""}))]
#[case::ten_thousand_chars(json!({"jobId": "x".repeat(10_000)}))]
#[case::escape(json!({"jobId": "a\u{1b}[2J"}))]
#[case::path(json!({"jobId": "../../.bashrc"}))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_without_a_usable_job_id_is_ambiguous_with_one_key(#[case] body: serde_json::Value) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/images/generate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let mut rig = Rig::with_profile(apiframe_profile(&server.uri()));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Ambiguous { message } if message.contains("same idempotency key")),
        "{:?}",
        job.state
    );
    let posts = server.received_requests().await.unwrap();
    assert!(
        !posts.is_empty() && posts.len() <= 3,
        "{} POSTs",
        posts.len()
    );
    assert!(posts.iter().all(|p| {
        p.headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            == Some(job.idempotency_key.as_str())
    }));
    if let JobState::Ambiguous { message } = &job.state {
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
}

/// At the moment the server receives the paid POST, the job's row is already committed in
/// `submitting` with the key the request carries.
struct RowMustExist {
    db: std::path::PathBuf,
    seen: SeenRows,
}

/// Each POST's idempotency key, and the state of its row at that moment.
type SeenRows = std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

impl wiremock::Respond for RowMustExist {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let key = req
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // A second connection, as another process would see the file.
        let state: Option<String> = rusqlite::Connection::open_with_flags(
            &self.db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .ok()
        .and_then(|c| {
            c.query_row(
                "SELECT state FROM jobs WHERE idempotency_key = ?1",
                [&key],
                |r| r.get(0),
            )
            .ok()
        });
        self.seen.lock().unwrap().push((key, state));
        ResponseTemplate::new(202).set_body_json(json!({"jobId": RID, "status": "QUEUED"}))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_row_is_committed_in_submitting_before_the_paid_post_arrives() {
    let server = MockServer::start().await;
    let mut rig = Rig::with_profile(apiframe_profile(&server.uri()));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path("/v2/images/generate"))
        .respond_with(RowMustExist {
            db: rig.paths.store_file(),
            seen: std::sync::Arc::clone(&seen),
        })
        .mount(&server)
        .await;
    mount_poll_and_cdn(&server).await;
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, job.idempotency_key);
    let state = seen[0].1.as_deref().unwrap_or("no row");
    assert!(
        state.contains("submitting"),
        "the row was `{state}` when the POST arrived"
    );
}
