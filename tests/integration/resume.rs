//! Restarts and several processes on one store: unfinished jobs continue where they were,
//! nothing is sent twice, and a job is driven by one process at a time.

use std::time::Duration;

use indexmap::IndexMap;
use qimg::api::apiframe::ApiframeClient;
use qimg::api::{Adopt, ApiEvent, Command, Engine, EngineConfig};
use qimg::config::{Paths, Profile};
use qimg::domain::models::{AspectRatio, ParamsKey};
use qimg::domain::{Job, JobId, JobRequest, JobState};
use qimg::sim::SimServer;
use qimg::store::{JobPatch, Store};

use crate::common::{Rig, WAIT, gateway_request, sim_config};

fn req(p: &str) -> JobRequest {
    JobRequest::apiframe(p, AspectRatio::Square, 3)
}

/// Jobs left in every unfinished Apiframe state by a qimg that stopped: never sent; sent with
/// the answer lost; accepted and running; finished remotely with the download interrupted.
async fn unfinished_apiframe_jobs(
    store: &Store,
    client: &ApiframeClient,
    sim: &SimServer,
) -> [Job; 4] {
    // Never sent.
    let queued = Job::new("sim", req("queued"));
    store.insert_job(&queued).unwrap();
    // Sent, but the answer was lost before the remote id was stored.
    let submitting = Job::new("sim", req("submitting"));
    store.insert_job(&submitting).unwrap();
    store
        .transition(submitting.id, &JobState::Submitting, &JobPatch::default())
        .unwrap();
    client
        .submit(&submitting.request, &submitting.idempotency_key, None)
        .await
        .0
        .unwrap();
    // Accepted and running.
    let running = Job::new("sim", req("running"));
    store.insert_job(&running).unwrap();
    let acc = client
        .submit(&running.request, &running.idempotency_key, None)
        .await
        .0
        .unwrap();
    store
        .transition(
            running.id,
            &JobState::Running { progress: Some(10) },
            &JobPatch {
                remote_id: Some(acc.remote_id),
                ..JobPatch::default()
            },
        )
        .unwrap();
    // Finished remotely; the download was interrupted.
    let downloading = Job::new("sim", req("downloading"));
    store.insert_job(&downloading).unwrap();
    let acc = client
        .submit(&downloading.request, &downloading.idempotency_key, None)
        .await
        .0
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let url = format!("{}cdn/{}.png", sim.base_url(), acc.remote_id);
    store
        .transition(
            downloading.id,
            &JobState::Downloading,
            &JobPatch {
                remote_id: Some(acc.remote_id),
                result_urls: Some(vec![url]),
                ..JobPatch::default()
            },
        )
        .unwrap();
    [queued, submitting, running, downloading]
}

/// A gateway request that may have been sent, a done job, and one job in each other end
/// state (which must stay as they are).
fn settled_and_gateway_jobs(store: &Store) -> (Job, Job, Vec<(JobId, JobState)>) {
    // A gateway request that may have been sent.
    let mut gw = Job::new(
        "sim-gateway",
        gateway_request("qwen-image-plus", "gateway", None),
    );
    gw.profile = "sim".into();
    store.insert_job(&gw).unwrap();
    store
        .transition(gw.id, &JobState::Submitting, &JobPatch::default())
        .unwrap();
    // Already done: untouched.
    let done = Job::new("sim", req("done"));
    store.insert_job(&done).unwrap();
    store
        .transition(done.id, &JobState::Done, &JobPatch::default())
        .unwrap();
    // End states stay as they are: an ambiguous job keeps its flag and is never resent, and
    // failed, expired and timed-out jobs are not retried.
    let mut ended = Vec::new();
    for state in [
        JobState::Ambiguous {
            message: "no clear answer".into(),
        },
        JobState::Failed {
            message: "rejected".into(),
        },
        JobState::Expired {
            message: "gone".into(),
        },
        JobState::TimedOut,
        JobState::Cancelled,
    ] {
        let j = Job::new("sim", req("ended"));
        store.insert_job(&j).unwrap();
        store
            .transition(j.id, &JobState::Submitting, &JobPatch::default())
            .unwrap();
        store
            .transition(j.id, &state, &JobPatch::default())
            .unwrap();
        ended.push((j.id, state));
    }
    (gw, done, ended)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_continues_every_unfinished_job_and_sends_nothing_twice() {
    let sim = SimServer::start(sim_config(Duration::from_millis(300)), 0)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    let store = Store::open(&paths.store_file()).unwrap();
    let client =
        ApiframeClient::new(sim.base_url().clone(), sim.key(), ParamsKey::default()).unwrap();

    let [queued, submitting, running, downloading] =
        unfinished_apiframe_jobs(&store, &client, &sim).await;
    let (gw, done, ended) = settled_and_gateway_jobs(&store);
    drop(store);
    let before = sim.stats();
    assert_eq!(before.jobs_created, 3);

    let mut rig = Rig::sim_reopen(sim, Profile::builtin_sim(), dir);
    for id in [queued.id, submitting.id, running.id, downloading.id] {
        let j = rig.wait_end(id).await;
        assert_eq!(
            j.state,
            JobState::Done,
            "{}: {:?}",
            j.request.prompt,
            j.state
        );
        assert_eq!(j.saved_paths.len(), 1);
        image::open(&j.saved_paths[0]).unwrap();
    }
    let g = rig.wait_end(gw.id).await;
    assert!(
        matches!(g.state, JobState::Ambiguous { .. }),
        "{:?}",
        g.state
    );
    assert_eq!(
        rig.store.get(done.id).unwrap().unwrap().state,
        JobState::Done
    );
    for (id, state) in &ended {
        assert_eq!(&rig.store.get(*id).unwrap().unwrap().state, state);
    }
    let after = rig.simulator().stats();
    assert_eq!(
        after.jobs_created, 4,
        "only the never-sent job was created anew"
    );
    assert_eq!(
        after.idempotent_replays, 1,
        "the maybe-sent job was answered from its key"
    );
    assert_eq!(
        after.gateway_generations, 0,
        "an ambiguous gateway job is never resent"
    );
}

fn engine(
    store: Store,
    paths: &Paths,
    sim: &SimServer,
    adopt: Adopt,
) -> (Engine, tokio::sync::mpsc::UnboundedReceiver<ApiEvent>) {
    let mut profiles = IndexMap::new();
    profiles.insert("sim".to_owned(), Profile::builtin_sim());
    Engine::start(EngineConfig {
        store,
        paths: paths.clone(),
        config_file: paths.config_file(),
        profiles,
        sim: Some(qimg::api::SimEndpoint::new(
            sim.base_url().clone(),
            sim.key(),
        )),
        adopt,
        watch_store: true,
        transport: None,
        catalogue: qimg::domain::catalogue::Catalogue::shared_builtin(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_a_store_and_leases_hand_jobs_over() {
    let sim = SimServer::start(sim_config(Duration::from_secs(3)), 0)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    // Two store handles on one file stand for two processes.
    let (a, mut a_events) = engine(
        Store::open(&paths.store_file()).unwrap(),
        &paths,
        &sim,
        Adopt::All,
    );
    let b_store = Store::open(&paths.store_file()).unwrap();
    let (b, mut b_events) = engine(b_store.clone(), &paths, &sim, Adopt::All);

    let job = Job::new("sim", req("shared"));
    let id = job.id;
    assert!(a.send(Command::Submit(qimg::api::Submission::of(vec![job]))));
    // B sees A's job within a second.
    let seen = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if let Some(ApiEvent::JobChanged(j)) = b_events.recv().await
                && j.id == id
            {
                return;
            }
        }
    })
    .await;
    assert!(seen.is_ok(), "the other process did not show the job");
    // A stops half way; B takes the job over and finishes it.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    a.shutdown().await;
    while a_events.try_recv().is_ok() {}
    let deadline = tokio::time::Instant::now() + WAIT;
    let finished = loop {
        let j = b_store.get(id).unwrap().unwrap();
        if j.state.is_end() {
            break j;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "B never took the job over: {:?}",
            j.state
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(finished.state, JobState::Done);
    assert_eq!(sim.stats().jobs_created, 1, "taken over, not resubmitted");
    b.shutdown().await;
}
