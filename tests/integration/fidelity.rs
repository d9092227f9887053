//! Sending exactly what was asked, through faults: the params-key negotiation under rate
//! limits and flaky answers, idempotent retries until they succeed, and the rewritten prompt
//! kept with the job and in its PNG.

use std::collections::HashSet;
use std::time::Duration;

use qimg::config::Profile;
use qimg::domain::catalogue::Catalogue;
use qimg::domain::draft::{Draft, validate};
use qimg::domain::models::{AspectRatio, ParamsKey};
use qimg::domain::{JobRequest, JobState};
use qimg::services::{NewJobs, make_jobs};
use qimg::sim::SimConfig;
use qimg::sim::scenarios::Scenarios;

use crate::common::Rig;

/// A simulator that accepts only the seed page's `qwenParams`, with fault scenarios on.
fn seed_name_sim(scenarios: &str) -> SimConfig {
    SimConfig {
        job_duration: Duration::from_millis(300),
        params_key: ParamsKey::QwenParams,
        scenarios: Scenarios::parse(scenarios).unwrap(),
        ..SimConfig::default()
    }
}

/// Twelve Apiframe jobs against `scenarios` in seed-name mode: every one ends done and is
/// created exactly once on the server; the negotiated key is remembered.
async fn twelve_jobs(scenarios: &str) {
    let mut rig = Rig::sim_with(seed_name_sim(scenarios), |p| {
        p.request_timeout = Some(Duration::from_secs(5));
    })
    .await;
    let ids: Vec<_> = (0..12)
        .map(|i| {
            rig.submit(JobRequest::apiframe(
                &format!("kite {i}"),
                AspectRatio::Square,
                i,
            ))
        })
        .collect();
    let mut remote = HashSet::new();
    for id in &ids {
        let job = tokio::time::timeout(Duration::from_secs(240), rig.wait_end(*id))
            .await
            .expect("every job ends");
        assert_eq!(job.state, JobState::Done, "{scenarios}: {:?}", job.state);
        assert!(
            remote.insert(job.remote_id.clone().unwrap()),
            "one remote job each"
        );
    }
    let stats = rig.simulator().stats();
    assert_eq!(stats.jobs_created, 12, "{scenarios}: {stats:?}");
    println!(
        "{scenarios}: 12 jobs → {} POSTs ({} answered 429, {} refused with 400, {} idempotent replays), {} created; {} requests answered 429 in all",
        stats.post_requests,
        stats.posts_rate_limited,
        stats.rejected,
        stats.idempotent_replays,
        stats.jobs_created,
        stats.rate_limited
    );
    let key = rig.store.setting("sim", "apiframe_params_key").unwrap();
    assert_eq!(
        key.as_deref(),
        Some("qwenParams"),
        "the switch was persisted"
    );
    let sent_keys: Vec<bool> = rig
        .simulator()
        .requests()
        .iter()
        .map(|r| r.body.get("qwenParams").is_some())
        .collect();
    assert!(
        sent_keys.iter().all(|k| *k),
        "every accepted body carried the key that works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_jobs_negotiate_the_params_key_under_rate_limits() {
    twelve_jobs("ratelimit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_jobs_negotiate_the_params_key_under_rate_limits_and_flaky_answers() {
    twelve_jobs("flaky,ratelimit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rewritten_prompt_is_kept_with_the_job_and_in_its_png() {
    let cfg = SimConfig {
        job_duration: Duration::from_millis(100),
        ..SimConfig::default()
    };
    let mut rig = Rig::sim_with(cfg, |p| *p = Profile::builtin_sim_gateway()).await;
    let spec = Catalogue::builtin().find("qwen-image-plus").unwrap();
    let mut draft = Draft::new("a lighthouse");
    draft.rewrite = Some(true);
    let plan = validate(spec, &draft).unwrap();
    let job = make_jobs(NewJobs::of("sim-gateway", plan), 5, Catalogue::builtin())
        .unwrap()
        .remove(0);
    let (id, seed) = (job.id, job.request.seed);
    assert!(seed.is_some(), "qimg picked the seed");
    rig.engine
        .send(qimg::api::Command::Submit(qimg::api::Submission::of(vec![
            job,
        ])));
    let done = rig.wait_end(id).await;
    assert_eq!(done.state, JobState::Done, "{:?}", done.state);
    let revised = done.revised_prompt.clone().expect("the rewrite is stored");
    assert!(revised.starts_with("a lighthouse,") && revised != "a lighthouse");
    let sent = rig.simulator().requests();
    let params = &sent.last().unwrap().body["parameters"];
    assert_eq!(params["prompt_extend"], true);
    assert_eq!(params["watermark"], false);
    assert_eq!(params["seed"].as_u64(), seed.map(u64::from));
    let png = std::fs::read(&done.saved_paths[0]).unwrap();
    let chunks = qimg::store::images::png_text_chunks(&png);
    let (_, json) = chunks.iter().find(|(k, _)| k == "qimg").unwrap();
    let embedded: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(embedded["revised_prompt"], revised.as_str());
    assert_eq!(embedded["prompt_extend"], true);
}
