//! Results that are slow, endless, lying about their length, or cannot be saved; status answers
//! that are gone or huge; a 409 on submit.
//! Every server is the raw fault server on 127.0.0.1.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use qimg::domain::models::AspectRatio;
use qimg::domain::{JobRequest, JobState};
use serde_json::json;

use crate::common::{Rig, TEST_KEY, apiframe_profile, gateway_profile, gateway_request, png};
use crate::fault::{FaultServer, Reply};

const RID: &str = "c3d4e5f6-a7b8-9012-cdef-345678901234";

fn req() -> JobRequest {
    JobRequest::apiframe("a lighthouse in fog", AspectRatio::L16x9, 7)
}

/// An Apiframe server whose job completes at once with a result on `/cdn/r.png`, served by
/// the given replies.
async fn apiframe_with_cdn(cdn: Vec<Reply>) -> FaultServer {
    let fault = FaultServer::start(vec![
        (
            "/v2/images/generate",
            vec![Reply::json(202, json!({"jobId": RID, "status": "QUEUED"}))],
        ),
        ("/v2/jobs/", vec![Reply::json(200, json!({"id": RID}))]),
        ("/cdn/", cdn),
    ])
    .await;
    let result = format!("{}/cdn/r.png", fault.base);
    // The poll answer needs the server's own address, so it is set after the start.
    fault.set_route(
        "/v2/jobs/",
        vec![Reply::json(
            200,
            json!({"id": RID, "status": "COMPLETED", "result": result}),
        )],
    );
    fault
}

/// Runs one Apiframe job whose result is served by the `cdn` replies (see [`apiframe_with_cdn`]).
async fn job_with_cdn(cdn: Vec<Reply>) -> (FaultServer, Rig, qimg::domain::Job) {
    let fault = apiframe_with_cdn(cdn).await;
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    (fault, rig, job)
}

/// Runs one Apiframe job against a server that accepts it and answers its polls with `polls`.
async fn one_job(polls: Vec<Reply>) -> (FaultServer, Rig, qimg::domain::Job) {
    let fault = FaultServer::start(vec![
        (
            "/v2/images/generate",
            vec![Reply::json(202, json!({"jobId": RID, "status": "QUEUED"}))],
        ),
        ("/v2/jobs/", polls),
    ])
    .await;
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    (fault, rig, job)
}

/// Files in `dir` (none when it does not exist).
fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drip_fed_download_trips_the_read_timeout_and_is_fetched_again() {
    let fault = apiframe_with_cdn(vec![
        Reply::Drip {
            body: png(16, 16),
            every: Duration::from_secs(3),
        },
        Reply::bytes(200, "image/png", png(16, 16)),
    ])
    .await;
    let mut profile = apiframe_profile(&fault.base);
    profile.request_timeout = Some(Duration::from_secs(1));
    let mut rig = Rig::with_profile(profile);
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(fault.requests("/cdn/").len(), 2, "one slow try, one good");
    let dir = rig.paths.images_dir();
    let files = files_in(&dir);
    assert!(
        files.iter().all(|f| !f.starts_with(".qimg-tmp-")),
        "{files:?}"
    );
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(image::open(&job.saved_paths[0]).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_download_is_fetched_again_and_never_saved_half() {
    let image = png(64, 64);
    let fault = apiframe_with_cdn(vec![
        Reply::Truncated {
            content_length: image.len(),
            body: image[..image.len() / 2].to_vec(),
        },
        Reply::bytes(200, "image/png", image.clone()),
    ])
    .await;
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(fault.requests("/cdn/").len(), 2);
    let saved = image::open(&job.saved_paths[0]).unwrap();
    assert_eq!((saved.width(), saved.height()), (64, 64));
    assert_eq!(files_in(&rig.paths.images_dir()).len(), 1);
}

#[rstest::rstest]
#[case::endless_body(Reply::Endless)]
#[case::five_gigabytes_declared(Reply::Truncated { content_length: 5 << 30, body: png(8, 8) })]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_download_stops_at_the_cap_and_is_not_fetched_again(#[case] reply: Reply) {
    let (fault, rig, job) = job_with_cdn(vec![reply]).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains("result too large")),
        "{:?}",
        job.state
    );
    assert_eq!(
        fault.requests("/cdn/").len(),
        1,
        "a result over the cap is not downloaded again"
    );
    assert_eq!(fault.requests("/v2/images/generate").len(), 1);
    assert!(files_in(&rig.paths.images_dir()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_server_no_longer_knows_is_expired_and_not_resent() {
    let (fault, _rig, job) =
        one_job(vec![Reply::json(404, json!({"error": "Job not found"}))]).await;
    assert!(
        matches!(&job.state, JobState::Expired { message } if message.contains("not found on the server")),
        "{:?}",
        job.state
    );
    assert_eq!(fault.requests("/v2/images/generate").len(), 1);
    assert_eq!(fault.requests("/v2/jobs/").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_answers_too_large_to_read_stop_polling_after_three() {
    let (fault, _rig, job) = one_job(vec![Reply::Truncated {
        content_length: 9 << 20,
        body: b"{\"id\":".to_vec(),
    }])
    .await;
    assert!(
        matches!(&job.state, JobState::Ambiguous { message } if message.contains("too large 3 times") && message.contains(RID)),
        "{:?}",
        job.state
    );
    assert_eq!(fault.requests("/v2/jobs/").len(), 3);
    assert_eq!(fault.requests("/v2/images/generate").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_failure_message_is_cut_cleaned_and_redacted() {
    let mut huge = String::new();
    while huge.len() < 1_000_000 {
        huge.push_str("boom \u{1b}]52;c;cm0gLXJmIH4=\u{7} \u{1b}[2J\u{202e} key=");
        huge.push_str(TEST_KEY);
        huge.push(' ');
    }
    let (fault, _rig, job) = one_job(vec![Reply::json(
        200,
        json!({"id": RID, "status": "FAILED", "error": huge}),
    )])
    .await;
    let JobState::Failed { message } = &job.state else {
        panic!("{:?}", job.state);
    };
    assert!(message.len() <= 64 * 1024, "stored {} bytes", message.len());
    assert!(message.contains("boom"), "{message}");
    assert!(!message.contains(TEST_KEY), "the key is redacted");
    assert!(
        !message
            .chars()
            .any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c) || c == '\u{202e}'),
        "no control or bidi characters survive: {message:?}"
    );
    assert_eq!(
        fault.requests("/v2/jobs/").len(),
        1,
        "an end state is final"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_on_submit_is_ambiguous_and_sent_once() {
    let fault = FaultServer::start(vec![(
        "/v2/images/generate",
        vec![Reply::json(
            409,
            json!({"error": "Idempotency key reused with different payload"}),
        )],
    )])
    .await;
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Ambiguous { message } if message.contains("idempotency key was already used")),
        "{:?}",
        job.state
    );
    assert_eq!(fault.requests("/v2/images/generate").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_output_folder_keeps_the_job_downloading_until_it_can_save() {
    let fault = apiframe_with_cdn(vec![Reply::bytes(200, "image/png", png(16, 16))]).await;
    let blocker = tempfile::tempdir().unwrap();
    // A file where the folder should be: even root cannot create the folder (ENOTDIR).
    let out = blocker.path().join("images");
    std::fs::write(&out, b"not a folder").unwrap();
    let mut profile = apiframe_profile(&fault.base);
    profile.output_dir = Some(out.clone());
    let mut rig = Rig::with_profile(profile);
    let id = rig.submit(req());
    let job = rig.wait_job(id, |j| j.state == JobState::Downloading).await;
    assert!(
        !job.result_urls.is_empty(),
        "the URLs are kept for the retry"
    );
    let deadline = tokio::time::Instant::now() + crate::common::WAIT;
    while !rig
        .drain_notes(id)
        .iter()
        .any(|n| n.contains("cannot save") && n.contains("will try again"))
    {
        assert!(tokio::time::Instant::now() < deadline, "no retry note");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        rig.store.get(id).unwrap().unwrap().state,
        JobState::Downloading
    );
    let ok: String = rusqlite::Connection::open(rig.paths.store_file())
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    // The user frees the folder: the next try saves.
    std::fs::remove_file(&out).unwrap();
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert!(job.saved_paths[0].starts_with(&out));
    assert!(image::open(&job.saved_paths[0]).is_ok());
}

fn gateway_answer(b64: &str) -> Reply {
    Reply::json(200, json!({"created": 1, "data": [{"b64_json": b64}]}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_bytes_that_cannot_go_to_the_output_folder_are_rescued() {
    let image = png(24, 24);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&image);
    let fault =
        FaultServer::start(vec![("/v1/images/generations", vec![gateway_answer(&b64)])]).await;
    let blocker = tempfile::tempdir().unwrap();
    let out = blocker.path().join("images");
    std::fs::write(&out, b"not a folder").unwrap();
    let mut profile = gateway_profile(&fault.base, "qwen-image-plus");
    profile.output_dir = Some(out);
    let mut rig = Rig::with_profile(profile);
    let id = rig.submit(gateway_request(
        "qwen-image-plus",
        "a fox",
        Some("1024*1024"),
    ));
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    let rescued = rig.paths.store_file().parent().unwrap().join("rescued");
    assert!(
        job.saved_paths[0].starts_with(&rescued),
        "{:?}",
        job.saved_paths
    );
    assert_eq!(
        std::fs::read(&job.saved_paths[0]).unwrap(),
        image,
        "raw bytes kept"
    );
    assert_eq!(fault.requests("/v1/images/generations").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_bytes_that_are_not_an_image_are_kept_raw() {
    let junk = b"<html>this is not a picture</html>".to_vec();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&junk);
    let fault =
        FaultServer::start(vec![("/v1/images/generations", vec![gateway_answer(&b64)])]).await;
    let mut rig = Rig::with_profile(gateway_profile(&fault.base, "qwen-image-plus"));
    let id = rig.submit(gateway_request(
        "qwen-image-plus",
        "a fox",
        Some("1024*1024"),
    ));
    let job = rig.wait_end(id).await;
    let JobState::Failed { message } = &job.state else {
        panic!("{:?}", job.state);
    };
    assert!(
        message.contains("could not be decoded") && message.contains(".bin"),
        "{message}"
    );
    let kept: Vec<_> = files_in(&rig.paths.images_dir())
        .into_iter()
        .filter(|f| f.ends_with(".bin"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read(rig.paths.images_dir().join(&kept[0])).unwrap(),
        junk
    );
    assert_eq!(fault.requests("/v1/images/generations").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_follows_a_cdn_redirect_to_the_signed_url() {
    let fault = apiframe_with_cdn(vec![]).await;
    fault.set_route(
        "/cdn/",
        vec![
            Reply::bytes(302, "text/plain", Vec::new())
                .with_header("location", &format!("{}/signed/r.png?sig=abc", fault.base)),
        ],
    );
    fault.set_route(
        "/signed/",
        vec![Reply::bytes(200, "image/png", png(16, 16))],
    );
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    let hop = fault.requests("/signed/");
    assert_eq!(hop.len(), 1);
    assert!(
        !hop[0].headers.contains_key("authorization") && !hop[0].headers.contains_key("x-api-key"),
        "no key on a download hop: {:?}",
        hop[0].headers
    );
}

#[rstest::rstest]
#[case::to_the_cloud_metadata_address("https://169.254.169.254/latest/meta-data", "link-local")]
#[case::to_plain_http("http://images.example.com/r.png", "https required")]
#[case::to_a_file("file:///etc/passwd", "not a web address")]
#[case::in_a_loop("/cdn/r.png", "too many redirects")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_redirect_that_breaks_the_rules_ends_the_job_at_once(
    #[case] target: &str,
    #[case] says: &str,
) {
    let fault = apiframe_with_cdn(vec![]).await;
    let location = if target.starts_with('/') {
        format!("{}{target}", fault.base)
    } else {
        target.to_owned()
    };
    fault.set_route(
        "/cdn/",
        vec![Reply::bytes(302, "text/plain", Vec::new()).with_header("location", &location)],
    );
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains(says)),
        "{:?}",
        job.state
    );
    assert!(
        fault.requests("/cdn/").len() <= 6,
        "not tried again: {} requests",
        fault.requests("/cdn/").len()
    );
}

#[rstest::rstest]
#[case::null(json!(null))]
#[case::empty_list(json!([]))]
#[case::empty_object(json!({}))]
#[case::null_urls(json!({"images": [null, ""]}))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_without_output_fails_once_and_is_not_resent(#[case] result: serde_json::Value) {
    let (fault, _rig, job) = one_job(vec![Reply::json(
        200,
        json!({"id": RID, "status": "COMPLETED", "result": result}),
    )])
    .await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains("completed without output")),
        "{:?}",
        job.state
    );
    assert_eq!(fault.requests("/v2/images/generate").len(), 1);
    assert!(fault.requests("/cdn/").is_empty());
}

#[rstest::rstest]
#[case::json(Reply::json(200, json!({"error": "AccessDenied"})))]
#[case::empty(Reply::bytes(200, "image/png", Vec::new()))]
#[case::html(Reply::bytes(200, "image/png", b"<html><body>captive portal</body></html>".to_vec()))]
#[case::svg(Reply::bytes(200, "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec()))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_that_is_not_an_image_is_tried_three_times_then_kept_aside(#[case] reply: Reply) {
    let (fault, rig, job) = job_with_cdn(vec![reply]).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains("download invalid")),
        "{:?}",
        job.state
    );
    assert_eq!(fault.requests("/cdn/").len(), 3, "at most three GETs");
    let files = files_in(&rig.paths.images_dir());
    assert!(
        files.iter().all(|f| !f.ends_with(".png")),
        "no .png for a non-image: {files:?}"
    );
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".bin")).count(),
        1,
        "{files:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_result_url_is_refreshed_by_one_more_poll() {
    let fault = apiframe_with_cdn(vec![Reply::bytes(
        403,
        "application/xml",
        b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>".to_vec(),
    )])
    .await;
    let first = format!("{}/cdn/r.png", fault.base);
    let fresh = format!("{}/fresh/r.png", fault.base);
    fault.set_route(
        "/v2/jobs/",
        vec![
            Reply::json(
                200,
                json!({"id": RID, "status": "COMPLETED", "result": first}),
            ),
            Reply::json(
                200,
                json!({"id": RID, "status": "COMPLETED", "result": fresh}),
            ),
        ],
    );
    fault.set_route("/fresh/", vec![Reply::bytes(200, "image/png", png(16, 16))]);
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(
        fault.requests("/cdn/").len(),
        1,
        "a 403 is not fetched again"
    );
    assert_eq!(
        fault.requests("/v2/jobs/").len(),
        2,
        "one more poll for a fresh URL"
    );
    assert_eq!(
        fault.requests("/v2/images/generate").len(),
        1,
        "never resubmitted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_that_disappears_into_a_dead_connection_times_out_and_is_retried() {
    let fault = apiframe_with_cdn(vec![Reply::bytes(200, "image/png", png(16, 16))]).await;
    let result = format!("{}/cdn/r.png", fault.base);
    fault.set_route(
        "/v2/jobs/",
        vec![
            Reply::json(
                200,
                json!({"id": RID, "status": "PROCESSING", "progress": 30}),
            ),
            // The connection stays open and nothing ever comes back (NAT dropped it).
            Reply::Silent,
            Reply::json(
                200,
                json!({"id": RID, "status": "COMPLETED", "result": result}),
            ),
        ],
    );
    let mut profile = apiframe_profile(&fault.base);
    profile.request_timeout = Some(Duration::from_secs(1));
    let mut rig = Rig::with_profile(profile);
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(fault.requests("/v2/jobs/").len(), 3);
    assert_eq!(fault.requests("/v2/images/generate").len(), 1);
}

/// A 1×1 GIF.
const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gif_result_is_saved_as_a_gif_without_a_preview() {
    let (_fault, _rig, job) =
        job_with_cdn(vec![Reply::bytes(200, "image/gif", GIF.to_vec())]).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    let saved = &job.saved_paths[0];
    assert_eq!(saved.extension().unwrap(), "gif");
    assert_eq!(std::fs::read(saved).unwrap(), GIF, "saved as it came");
    let preview = qimg::imaging::decode_file_for_preview(saved, 64, 64).unwrap_err();
    assert!(
        preview.to_string().contains("preview unavailable"),
        "{preview}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_base64_that_does_not_decode_is_kept_as_it_came() {
    let broken = "iVBORw0KGgo!!!this is not base64 at all%%%";
    let fault = FaultServer::start(vec![(
        "/v1/images/generations",
        vec![gateway_answer(broken)],
    )])
    .await;
    let mut rig = Rig::with_profile(gateway_profile(&fault.base, "qwen-image-plus"));
    let id = rig.submit(gateway_request(
        "qwen-image-plus",
        "a fox",
        Some("1024*1024"),
    ));
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains("could not be decoded")),
        "{:?}",
        job.state
    );
    let kept: Vec<_> = files_in(&rig.paths.images_dir())
        .into_iter()
        .filter(|f| f.ends_with(".bin"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read(rig.paths.images_dir().join(&kept[0])).unwrap(),
        broken.as_bytes()
    );
    assert_eq!(
        fault.requests("/v1/images/generations").len(),
        1,
        "never resent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_answer_mixing_a_broken_image_with_a_url_loses_neither() {
    let junk = base64::engine::general_purpose::STANDARD.encode(b"<html>oops</html>");
    let fault = FaultServer::start(vec![(
        "/cdn/",
        vec![Reply::bytes(200, "image/png", png(16, 16))],
    )])
    .await;
    let url = format!("{}/cdn/second.png", fault.base);
    fault.set_route(
        "/v1/images/generations",
        vec![Reply::json(
            200,
            json!({"data": [{"b64_json": junk}, {"url": url}]}),
        )],
    );
    let mut rig = Rig::with_profile(gateway_profile(&fault.base, "qwen-image-plus"));
    let id = rig.submit(gateway_request("qwen-image-plus", "two", Some("1024*1024")));
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(
        job.saved_paths.len(),
        1,
        "the URL result is downloaded and saved"
    );
    assert!(image::open(&job.saved_paths[0]).is_ok());
    let files = files_in(&rig.paths.images_dir());
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".bin")).count(),
        1,
        "{files:?}"
    );
    assert_eq!(fault.requests("/cdn/").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_answer_with_one_good_and_one_broken_image_keeps_both() {
    let good = base64::engine::general_purpose::STANDARD.encode(png(12, 12));
    let junk = base64::engine::general_purpose::STANDARD.encode(b"not an image");
    let fault = FaultServer::start(vec![(
        "/v1/images/generations",
        vec![Reply::json(
            200,
            json!({"data": [{"b64_json": good}, {"b64_json": junk}]}),
        )],
    )])
    .await;
    let mut rig = Rig::with_profile(gateway_profile(&fault.base, "qwen-image-plus"));
    let id = rig.submit(gateway_request(
        "qwen-image-plus",
        "pair",
        Some("1024*1024"),
    ));
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(job.saved_paths.len(), 1);
    let files = files_in(&rig.paths.images_dir());
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".png")).count(),
        1,
        "{files:?}"
    );
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".bin")).count(),
        1,
        "{files:?}"
    );
    while let Ok(ev) = rig.events.try_recv() {
        rig.log.push(ev);
    }
    assert!(
        rig.log.iter().any(|ev| matches!(ev, qimg::api::ApiEvent::Notice { text, .. } if text.contains("could not be decoded"))),
        "the user is told about the kept file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_url_whose_tls_fails_ends_the_job_without_retrying() {
    let (port, accepts) = crate::fault::plain_http_on_a_tls_port();
    let fault = apiframe_with_cdn(vec![]).await;
    fault.set_route(
        "/v2/jobs/",
        vec![Reply::json(
            200,
            json!({"id": RID, "status": "COMPLETED", "result": format!("https://127.0.0.1:{port}/r.png")}),
        )],
    );
    let mut rig = Rig::with_profile(apiframe_profile(&fault.base));
    let id = rig.submit(req());
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Failed { message } if message.contains("secure connection failed")),
        "{:?}",
        job.state
    );
    assert_eq!(accepts.load(std::sync::atomic::Ordering::SeqCst), 1);
}
