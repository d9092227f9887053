//! Jobs through the real engine against the simulator: queued → … → done, and every end.

use std::time::Duration;

use qimg::domain::models::{AspectRatio, ParamsKey};
use qimg::domain::{JobRequest, JobState};
use qimg::sim::{ResultShape, SimConfig, switches};

use crate::common::{Rig, sim_config};

fn req(prompt: &str) -> JobRequest {
    JobRequest::apiframe(prompt, AspectRatio::L16x9, 42)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apiframe_job_reaches_done_and_the_png_has_the_ratio_size() {
    let mut rig = Rig::sim(sim_config(Duration::from_millis(1500))).await;
    let id = rig.submit(req("a red kite over dunes"));
    let done = rig.wait_end(id).await;
    assert_eq!(done.state, JobState::Done, "{:?}", done.state);
    assert_eq!(done.saved_paths.len(), 1);
    let img = image::open(&done.saved_paths[0]).unwrap();
    assert_eq!((img.width(), img.height()), (1280, 720));
    assert!(done.remote_id.is_some() && done.submitted_at.is_some() && done.credit_cost == Some(3));
    let stats = rig.simulator().stats();
    assert_eq!((stats.jobs_created, stats.credential_leaks), (1, 0));
}

#[rstest::rstest]
#[case(ResultShape::String)]
#[case(ResultShape::List)]
#[case(ResultShape::Images)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_result_shape_is_downloaded(#[case] shape: ResultShape) {
    let mut rig = Rig::sim(SimConfig {
        result_shape: shape,
        ..sim_config(Duration::from_millis(300))
    })
    .await;
    let id = rig.submit(req("shape test"));
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_failure_cancellation_and_gone_results() {
    let mut rig = Rig::sim(sim_config(Duration::from_millis(600))).await;
    let failed = rig.submit(req(&format!("a cat {}", switches::FAIL)));
    let cancelled = rig.submit(req(&format!("a dog {}", switches::CANCEL)));
    let gone = rig.submit(req(&format!("a fox {}", switches::GONE)));
    let f = rig.wait_end(failed).await;
    assert!(
        matches!(&f.state, JobState::Failed { message } if message.contains("content policy")),
        "{:?}",
        f.state
    );
    assert_eq!(rig.wait_end(cancelled).await.state, JobState::Cancelled);
    let g = rig.wait_end(gone).await;
    assert!(
        matches!(&g.state, JobState::Expired { message } if message.contains("404")),
        "{:?}",
        g.state
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_status_keeps_polling_with_a_note() {
    let mut rig = Rig::sim(sim_config(Duration::from_millis(200))).await;
    let id = rig.submit(req(&format!("odd {}", switches::UNKNOWN)));
    let deadline = tokio::time::Instant::now() + crate::common::WAIT;
    let mut seen = false;
    while !seen && tokio::time::Instant::now() < deadline {
        if let Ok(Some(qimg::api::ApiEvent::JobNote { id: j, note })) =
            tokio::time::timeout(Duration::from_secs(1), rig.events.recv()).await
        {
            seen = j == id && note.is_some_and(|n| n.contains("unknown status \"PAUSED\""));
        }
    }
    assert!(seen, "no note about the unknown status");
    assert!(rig.store.get(id).unwrap().unwrap().state.is_active());
    assert!(rig.engine.send(qimg::api::Command::Cancel(id)));
    assert_eq!(rig.wait_end(id).await.state, JobState::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn params_key_negotiation_falls_back_and_is_remembered() {
    let cfg = SimConfig {
        params_key: ParamsKey::QwenParams,
        ..sim_config(Duration::from_millis(200))
    };
    let mut rig = Rig::sim(cfg).await;
    let first = rig.submit(req("first"));
    assert_eq!(rig.wait_end(first).await.state, JobState::Done);
    assert_eq!(
        rig.store
            .setting("sim", qimg::api::runtime::PARAMS_KEY_SETTING)
            .unwrap()
            .as_deref(),
        Some("qwenParams")
    );
    let before = rig.simulator().stats();
    let second = rig.submit(req("second"));
    assert_eq!(rig.wait_end(second).await.state, JobState::Done);
    let after = rig.simulator().stats();
    assert_eq!(
        after.submit_requests - before.submit_requests,
        1,
        "the remembered key is used at once"
    );
    assert_eq!(after.rejected, 1, "only the very first submit was refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_submit_is_waited_out_and_sent_once() {
    let mut rig = Rig::sim(sim_config(Duration::from_millis(200))).await;
    let id = rig.submit(req(&format!("busy {}", switches::RATE_LIMIT_ONCE)));
    assert_eq!(rig.wait_end(id).await.state, JobState::Done);
    let s = rig.simulator().stats();
    assert_eq!((s.rate_limited, s.jobs_created), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_fails_once_and_stops_further_requests() {
    let mut rig = Rig::sim(SimConfig {
        keys: vec!["right".into()],
        ..sim_config(Duration::from_millis(200))
    })
    .await;
    // Point the profile at the simulator with a wrong key.
    let mut profile = crate::common::apiframe_profile(rig.simulator().base_url().as_str());
    profile.key_source = qimg::config::KeySource::Literal(secrecy::SecretString::from("wrong"));
    let sim = rig.sim.take().unwrap();
    let mut rig2 = Rig::with_profile(profile);
    let a = rig2.submit(req("one"));
    let fa = rig2.wait_end(a).await;
    assert!(
        matches!(&fa.state, JobState::Failed { message } if message.contains("rejected, not charged") && message.contains("key")),
        "{:?}",
        fa.state
    );
    let b = rig2.submit(req("two"));
    let fb = rig2.wait_end(b).await;
    assert!(
        matches!(&fb.state, JobState::Failed { message } if message.contains("refused earlier")),
        "{:?}",
        fb.state
    );
    assert_eq!(
        sim.stats().unauthorized,
        1,
        "no second request with a refused key"
    );
    drop(rig);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_reference_is_uploaded_once_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ref.png");
    std::fs::write(&file, crate::common::png(512, 512)).unwrap();
    let mut rig = Rig::sim(sim_config(Duration::from_millis(300))).await;
    let mut r = req("same scene at night");
    r.images = vec![qimg::domain::ImageInput::File(file)];
    let id = rig.submit(r);
    let job = rig.wait_end(id).await;
    assert_eq!(job.state, JobState::Done, "{:?}", job.state);
    assert_eq!(rig.simulator().stats().uploads, 1);
    let (url, expires) = rig.store.upload_for(&id.to_string()).unwrap().unwrap();
    assert!(url.contains("/uploads/") && expires.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_402_ends_the_job_at_once_and_pauses_the_queued_ones_until_a_new_job() {
    // Slow answers, one job at a time: the second job is queued behind the first's submit.
    let cfg = SimConfig {
        scenarios: qimg::sim::scenarios::Scenarios {
            slow: true,
            ..Default::default()
        },
        ..sim_config(Duration::from_millis(300))
    };
    let mut rig = Rig::sim_with(cfg, |p| p.max_concurrent = 1).await;
    let broke = rig.submit(req(&format!("a kite {}", switches::NO_CREDITS)));
    rig.wait_job(broke, |j| j.state == JobState::Submitting)
        .await;
    // Made before the 402: it is queued, not "a new job after it" (which resumes the paused).
    let waiting = rig.submit(req("a lake"));
    let f = rig.wait_end(broke).await;
    assert!(
        matches!(&f.state, JobState::Failed { message }
            if message.contains("not sent again") && message.contains("needs 3 credits, 1 available")),
        "{:?}",
        f.state
    );
    // The queued job waits, paused, without a request.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !rig
        .drain_notes(waiting)
        .iter()
        .any(|n| n.contains("paused"))
    {
        assert!(tokio::time::Instant::now() < deadline, "no pause note");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        rig.wait_job(waiting, |_| true).await.state,
        JobState::Queued
    );
    let stats = rig.simulator().stats();
    assert_eq!(
        (stats.submit_requests, stats.jobs_created),
        (1, 0),
        "one 402, not sent again"
    );
    // A new job resumes the paused one.
    let fresh = rig.submit(req("a fox"));
    assert_eq!(rig.wait_end(waiting).await.state, JobState::Done);
    assert_eq!(rig.wait_end(fresh).await.state, JobState::Done);
}
