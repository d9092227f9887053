//! The gateway flow: every generation and edit model against the simulator, and every answer
//! shape and failure against wiremock and the fault server.

use std::time::Duration;

use base64::Engine as _;
use qimg::domain::{ImageInput, JobState};
use qimg::sim::switches;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{
    Rig, TEST_KEY, gateway_profile, gateway_request, multipart_parts, png, sim_config,
};
use crate::fault::{FaultServer, Reply};

async fn sim_gateway() -> Rig {
    Rig::sim_with(sim_config(Duration::from_millis(300)), |p| {
        *p = qimg::config::Profile::builtin_sim_gateway()
    })
    .await
}

fn write_png(dir: &std::path::Path, name: &str, w: u32, h: u32) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, png(w, h)).unwrap();
    p
}

#[rstest::rstest]
#[case("qwen-image-plus", "1664*928", (1664, 928))]
#[case("wan2.5-t2i-preview", "1280*1280", (1280, 1280))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_generation_model_against_the_simulator(
    #[case] model: &str,
    #[case] size: &str,
    #[case] dims: (u32, u32),
) {
    let mut rig = sim_gateway().await;
    let id = rig.submit(gateway_request(model, "a lighthouse in fog", Some(size)));
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    let img = image::open(&job.saved_paths[0]).unwrap();
    assert_eq!((img.width(), img.height()), dims);
    assert_eq!(rig.simulator().stats().gateway_generations, 1);
    assert_eq!(rig.simulator().stats().credential_leaks, 0);
}

#[rstest::rstest]
#[case("qwen-image-edit", 1)]
#[case("qwen-image-edit-plus", 2)]
#[case("wan2.5-i2i-preview", 3)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_edit_model_against_the_simulator(#[case] model: &str, #[case] images: usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = sim_gateway().await;
    let mut req = gateway_request(model, "make it night", None);
    req.images = (0..images)
        .map(|i| ImageInput::File(write_png(dir.path(), &format!("in{i}.png"), 640, 480)))
        .collect();
    let id = rig.submit(req);
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    let img = image::open(&job.saved_paths[0]).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (640, 480),
        "an edit keeps the input's size"
    );
    assert_eq!(rig.simulator().stats().gateway_edits, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_images_are_refused_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = sim_gateway().await;
    let fake = dir.path().join("fake.png");
    std::fs::write(&fake, b"<html>not an image</html>").unwrap();
    let mut req = gateway_request("qwen-image-edit", "x", None);
    req.images = vec![ImageInput::File(fake)];
    let a = rig.submit(req);
    let mut req = gateway_request("qwen-image-edit", "x", None);
    req.images = vec![ImageInput::File(write_png(dir.path(), "tiny.png", 50, 50))];
    let b = rig.submit(req);
    let ja = rig.wait_end(a).await;
    let jb = rig.wait_end(b).await;
    assert!(
        matches!(&ja.state, JobState::Failed { message } if message.contains("not a PNG, JPEG or WebP")),
        "{:?}",
        ja.state
    );
    assert!(
        matches!(&jb.state, JobState::Failed { message } if message.contains("between 384 and 3072")),
        "{:?}",
        jb.state
    );
    assert_eq!(rig.simulator().stats().gateway_edits, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_failures_429_and_hangs() {
    let mut rig = Rig::sim_with(sim_config(Duration::from_millis(200)), |p| {
        *p = qimg::config::Profile::builtin_sim_gateway();
        p.request_timeout = Some(Duration::from_secs(2));
    })
    .await;
    let failed = rig.submit(gateway_request(
        "qwen-image-plus",
        &format!("x {}", switches::FAIL),
        None,
    ));
    let limited = rig.submit(gateway_request(
        "qwen-image-plus",
        &format!("y {}", switches::RATE_LIMIT_ONCE),
        None,
    ));
    let hung = rig.submit(gateway_request(
        "qwen-image-plus",
        &format!("z {}", switches::HANG),
        None,
    ));
    let f = rig.wait_end(failed).await;
    assert!(
        matches!(&f.state, JobState::Failed { message } if message.contains("inappropriate content")),
        "{:?}",
        f.state
    );
    assert_eq!(rig.wait_end(limited).await.state, JobState::Done);
    let h = rig.wait_end(hung).await;
    assert!(
        matches!(&h.state, JobState::Ambiguous { message } if message.contains("may charge twice")),
        "{:?}",
        h.state
    );
    let s = rig.simulator().stats();
    assert_eq!(s.rate_limited, 1);
}

async fn one_shot(server: &MockServer) -> Rig {
    Rig::with_profile(gateway_profile(&server.uri(), "qwen-image-plus"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generation_body_and_url_only_answer() {
    let server = MockServer::start().await;
    let url = format!("{}/img/a.png", server.uri());
    Mock::given(method("POST"))
        .and(path("/v1/images/generations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"created": 1, "data": [{"url": url, "b64_json": "", "revised_prompt": ""}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/img/a.png"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(png(8, 8)))
        .mount(&server)
        .await;
    let mut rig = one_shot(&server).await;
    let mut req = gateway_request("qwen-image-plus", "a cat", Some("1328*1328"));
    req.negative_prompt = Some("blurry".into());
    req.seed = Some(7);
    let id = rig.submit(req);
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
    let reqs = server.received_requests().await.unwrap();
    let post = reqs.iter().find(|r| r.method.as_str() == "POST").unwrap();
    assert_eq!(
        post.headers.get("authorization").unwrap().to_str().unwrap(),
        format!("Bearer {TEST_KEY}")
    );
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(
        body,
        json!({"model": "qwen-image-plus", "prompt": "a cat", "n": 1, "size": "1328*1328", "response_format": "url",
               "parameters": {"size": "1328*1328", "n": 1, "negative_prompt": "blurry", "seed": 7}})
    );
    let get = reqs.iter().find(|r| r.method.as_str() == "GET").unwrap();
    assert!(
        get.headers.get("authorization").is_none(),
        "the key never goes to downloads"
    );
}

#[rstest::rstest]
#[case::b64_only(true, false)]
#[case::both(true, true)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b64_answers_are_saved_without_a_download(#[case] b64: bool, #[case] with_url: bool) {
    let server = MockServer::start().await;
    let data = base64::engine::general_purpose::STANDARD.encode(png(12, 10));
    let item = json!({"url": if with_url { format!("{}/never", server.uri()) } else { String::new() }, "b64_json": if b64 { data } else { String::new() }});
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"created": 1, "data": [item]})),
        )
        .mount(&server)
        .await;
    let mut rig = one_shot(&server).await;
    let id = rig.submit(gateway_request("qwen-image-plus", "a cat", None));
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(image::open(&job.saved_paths[0]).unwrap().width(), 12);
    assert!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.method.as_str() == "POST"),
        "b64 wins: no download"
    );
}

#[rstest::rstest]
#[case::error_with_200(200, json!({"error": {"message": "task failed: DataInspectionFailed", "type": "ali_error", "code": "DataInspectionFailed"}}), "failed", "DataInspectionFailed")]
#[case::empty_data(200, json!({"created": 1, "data": []}), "failed", "empty `data`")]
#[case::bad_request(400, json!({"error": {"message": "size is invalid", "type": "invalid_request_error", "code": "InvalidParameter"}}), "failed", "rejected, not charged: size is invalid")]
#[case::unauthorized(401, json!({"error": {"message": "invalid token", "type": "new_api_error", "code": ""}}), "failed", "refused")]
#[case::server_error(500, json!({"error": {"message": "upstream error", "type": "upstream_error", "code": ""}}), "ambiguous", "may charge twice")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_answers(
    #[case] status: u16,
    #[case] body: serde_json::Value,
    #[case] state: &str,
    #[case] text: &str,
) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let mut rig = one_shot(&server).await;
    let id = rig.submit(gateway_request("qwen-image-plus", "a cat", None));
    let job = rig.wait_end(id).await;
    assert_eq!(job.state.name(), state, "{:?}", job.state);
    assert!(
        job.state.message().unwrap().contains(text),
        "{:?}",
        job.state
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_after_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "slow down", "type": "new_api_error"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let data = base64::engine::general_purpose::STANDARD.encode(png(4, 4));
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [{"b64_json": data}]})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let mut rig = one_shot(&server).await;
    let t0 = std::time::Instant::now();
    let id = rig.submit(gateway_request("qwen-image-plus", "a cat", None));
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
    assert!(t0.elapsed() >= Duration::from_secs(1));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_after_the_body_was_sent_is_ambiguous_and_never_resent() {
    let fault = FaultServer::start(vec![("/v1/images/generations", vec![Reply::Silent])]).await;
    let mut profile = gateway_profile(&fault.base, "qwen-image-plus");
    profile.request_timeout = Some(Duration::from_millis(800));
    let mut rig = Rig::with_profile(profile);
    let id = rig.submit(gateway_request("qwen-image-plus", "a cat", None));
    let job = rig.wait_end(id).await;
    assert!(
        matches!(&job.state, JobState::Ambiguous { message } if message.contains("no clear answer")),
        "{:?}",
        job.state
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posts = fault.requests("/v1/images/generations");
    assert_eq!(posts.len(), 1, "a paid POST is never sent again by itself");
    assert!(!posts[0].body.is_empty(), "the body was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_multipart_edit_body_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    let data = base64::engine::general_purpose::STANDARD.encode(png(4, 4));
    Mock::given(method("POST"))
        .and(path("/v1/images/edits"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [{"b64_json": data}]})),
        )
        .mount(&server)
        .await;
    let mut rig = Rig::with_profile(gateway_profile(&server.uri(), "qwen-image-edit-plus"));
    let files: Vec<_> = (0..2)
        .map(|i| write_png(dir.path(), &format!("src{i}.png"), 400 + i, 400))
        .collect();
    let mut req = gateway_request("qwen-image-edit-plus", "make it night, keep the boat", None);
    req.images = files.iter().cloned().map(ImageInput::File).collect();
    let id = rig.submit(req);
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
    let reqs = server.received_requests().await.unwrap();
    let r = &reqs[0];
    let ct = r
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let parts = multipart_parts(&ct, &r.body);
    let names: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "model",
            "prompt",
            "n",
            "response_format",
            "image[]",
            "image[]"
        ]
    );
    assert_eq!(parts[0].3, b"qwen-image-edit-plus");
    assert_eq!(parts[1].3, "make it night, keep the boat".as_bytes());
    assert_eq!(parts[2].3, b"1", "n is explicit");
    for (i, part) in parts[4..].iter().enumerate() {
        assert_eq!(
            part.1.as_deref(),
            Some(format!("image{}.png", i + 1).as_str()),
            "safe file names, never the user's"
        );
        assert_eq!(part.2.as_deref(), Some("image/png"));
        assert_eq!(part.3, std::fs::read(&files[i]).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_input_image_uses_the_plain_image_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    let data = base64::engine::general_purpose::STANDARD.encode(png(4, 4));
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [{"b64_json": data}]})),
        )
        .mount(&server)
        .await;
    let mut rig = Rig::with_profile(gateway_profile(&server.uri(), "qwen-image-edit"));
    let mut req = gateway_request("qwen-image-edit", "sepia", None);
    req.watermark = Some(false);
    req.images = vec![ImageInput::File(write_png(dir.path(), "one.png", 500, 500))];
    let id = rig.submit(req);
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
    let r = &server.received_requests().await.unwrap()[0];
    let parts = multipart_parts(
        r.headers.get("content-type").unwrap().to_str().unwrap(),
        &r.body,
    );
    assert_eq!(
        parts.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        [
            "model",
            "prompt",
            "n",
            "response_format",
            "watermark",
            "image"
        ]
    );
    assert_eq!(
        parts[4].3, b"false",
        "the watermark setting as the request carries it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_sent_again_after_a_429_carries_the_same_parts() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/images/edits"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": {"message": "slow down", "type": "rate_limit"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let data = base64::engine::general_purpose::STANDARD.encode(png(4, 4));
    Mock::given(method("POST"))
        .and(path("/v1/images/edits"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [{"b64_json": data}]})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let mut rig = Rig::with_profile(gateway_profile(&server.uri(), "qwen-image-edit-plus"));
    let files: Vec<_> = (0..2)
        .map(|i| write_png(dir.path(), &format!("in{i}.png"), 420 + i, 400))
        .collect();
    let mut req = gateway_request("qwen-image-edit-plus", "add falling snow", None);
    req.images = files.iter().cloned().map(ImageInput::File).collect();
    let id = rig.submit(req);
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2, "one 429, one retry");
    let parts: Vec<_> = reqs
        .iter()
        .map(|r| {
            let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
            multipart_parts(ct, &r.body)
        })
        .collect();
    assert_eq!(parts[0].len(), 6);
    assert_eq!(
        parts[0], parts[1],
        "the retry sends the same fields, file names, types and bytes"
    );
}
