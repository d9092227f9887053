//! Every simulator fault scenario, alone and combined: nothing is sent twice, every job ends
//! in a state that fits what happened, messages are clean, nothing panics.

use std::time::Duration;

use qimg::config::Profile;
use qimg::domain::models::AspectRatio;
use qimg::domain::{Job, JobRequest, JobState};
use qimg::sim::scenarios::Scenarios;
use qimg::sim::{SimConfig, SimServer};

use crate::common::{Rig, gateway_request};

const APIFRAME_JOBS: usize = 4;
const GATEWAY_JOBS: usize = 2;

async fn run(names: &str) -> (Vec<Job>, qimg::sim::StatsSnapshot, Rig) {
    let scenarios = Scenarios::parse(names).unwrap();
    let secs = if scenarios.slow { 0.2 } else { 0.4 };
    let cfg = SimConfig {
        job_duration: Duration::from_secs_f64(secs),
        scenarios,
        ..SimConfig::default()
    };
    let sim = SimServer::start(cfg, 0).await.unwrap();
    let mut af = Profile::builtin_sim();
    af.request_timeout = Some(Duration::from_secs(3));
    // A hanging submit is retried (same idempotency key) until the budget runs out.
    af.retry_budget = Duration::from_secs(12);
    let mut rig = Rig::sim_reopen_fresh(sim, af);
    let mut ids = Vec::new();
    for i in 0..APIFRAME_JOBS {
        ids.push(rig.submit(JobRequest::apiframe(
            &format!("{names} {i}"),
            AspectRatio::Square,
            i as u32,
        )));
    }
    for i in 0..GATEWAY_JOBS {
        let mut j = Job::new(
            "sim",
            gateway_request("qwen-image-plus", &format!("{names} gw {i}"), None),
        );
        j.profile = "sim".into();
        ids.push(j.id);
        rig.engine
            .send(qimg::api::Command::Submit(qimg::api::Submission::of(vec![
                j,
            ])));
    }
    let mut jobs = Vec::new();
    for id in ids {
        jobs.push(rig.wait_end(id).await);
    }
    let stats = rig.simulator().stats();
    (jobs, stats, rig)
}

fn check(names: &str, jobs: &[Job], stats: &qimg::sim::StatsSnapshot) {
    let sc = Scenarios::parse(names).unwrap();
    let apiframe: Vec<&Job> = jobs
        .iter()
        .filter(|j| j.request.wire == qimg::domain::models::Wire::Apiframe)
        .collect();
    assert!(
        stats.jobs_created as usize <= apiframe.len(),
        "{names}: {} created for {} jobs",
        stats.jobs_created,
        apiframe.len()
    );
    assert!(
        stats.gateway_generations as usize <= GATEWAY_JOBS,
        "{names}: a gateway request was sent twice"
    );
    assert_eq!(stats.credential_leaks, 0);
    for j in jobs {
        assert!(j.state.is_end(), "{names}: {:?}", j.state);
        if let Some(m) = j.state.message() {
            assert!(
                !m.chars().any(|c| c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)),
                "{names}: unsafe message {m:?}"
            );
            assert!(!m.is_empty(), "{names}: empty message");
        }
        let ok = match &j.state {
            JobState::Done => !sc.not_image,
            JobState::Failed { message } => {
                (sc.not_image && message.contains("download invalid"))
                    || (sc.escape_injection && message.contains("provider reported a failure"))
                    || message.contains("completed without output")
                    || message.contains("rate limited")
                    || message.contains("download failed")
            }
            JobState::Ambiguous { .. } => sc.flaky || sc.hang || sc.malformed || sc.html_errors,
            JobState::Expired { .. } => sc.expired,
            other => panic!("{names}: unexpected end {other:?}"),
        };
        assert!(ok, "{names}: {} ended {:?}", j.request.prompt, j.state);
        for p in &j.saved_paths {
            assert!(p.is_file());
        }
    }
    if sc.bomb && !sc.not_image {
        let done = jobs
            .iter()
            .find(|j| j.state == JobState::Done)
            .expect("a bomb is still saved");
        let bytes = std::fs::read(&done.saved_paths[0]).unwrap();
        assert!(matches!(
            qimg::imaging::decode_for_preview(&bytes, 100, 100),
            Err(qimg::imaging::DecodeError::TooLarge(_))
        ));
    }
}

macro_rules! scenario_tests {
    ($($name:ident: $list:expr,)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (jobs, stats, rig) = tokio::time::timeout(Duration::from_secs(240), run($list)).await.expect("the scenario did not finish");
            check($list, &jobs, &stats);
            drop(rig);
        }
    )*};
}

scenario_tests! {
    slow: "slow",
    flaky: "flaky",
    ratelimit: "ratelimit",
    html_errors: "html_errors",
    malformed: "malformed",
    bomb: "bomb",
    not_image: "not_image",
    escape_injection: "escape_injection",
    hang: "hang",
    expired: "expired",
    b64: "b64",
    combined_network: "flaky,ratelimit,html_errors,malformed",
    combined_hostile: "escape_injection,bomb,b64,expired",
    everything_but_hang: "flaky,ratelimit,html_errors,malformed,escape_injection,bomb,b64",
    hang_and_flaky: "hang,flaky",
}
