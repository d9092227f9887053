//! The long-running monitor on virtual time: 200 jobs over 12 simulated hours through a fake
//! Apiframe that fails and rate-limits on purpose. Every job ends, nothing is created twice,
//! polls stay within the budget, and no task is left behind. Runs in seconds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indexmap::IndexMap;
use qimg::api::transport::{Responding, Transport};
use qimg::api::{Adopt, ApiEvent, Command, Engine, EngineConfig, TransportOverride};
use qimg::config::{Paths, Profile};
use qimg::domain::models::AspectRatio;
use qimg::domain::{Job, JobRequest};
use qimg::store::Store;
use serde_json::json;
use tokio::time::Instant;

struct FakeJob {
    created: Instant,
    duration: Duration,
    polls: u64,
}

/// An in-memory Apiframe on tokio's (paused) clock.
#[derive(Default)]
struct Fake {
    jobs: Mutex<HashMap<String, FakeJob>>,
    keys: Mutex<HashMap<String, String>>,
    requests: AtomicU64,
    created: AtomicU64,
    png: Vec<u8>,
}

fn reply(status: u16, body: Vec<u8>, retry_after: Option<&str>) -> reqwest::Response {
    let mut b = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(r) = retry_after {
        b = b.header("retry-after", r);
    }
    reqwest::Response::from(b.body(body).unwrap())
}

impl Transport for Fake {
    fn execute(&self, req: reqwest::Request) -> Responding {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let path = req.url().path().to_owned();
        let resp = if n % 7 == 3 {
            reply(500, br#"{"error":"internal error"}"#.to_vec(), None)
        } else if n % 11 == 5 {
            reply(
                429,
                br#"{"error":"Rate limit exceeded"}"#.to_vec(),
                Some("30"),
            )
        } else if path == "/v2/images/generate" {
            let key = req
                .headers()
                .get("idempotency-key")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let mut keys = self.keys.lock().unwrap();
            let id = keys.entry(key.clone()).or_insert_with(|| {
                self.created.fetch_add(1, Ordering::Relaxed);
                let id = uuid::Uuid::new_v4().to_string();
                let secs = 20 + (qimg::sim::render::fnv(key.as_bytes()) % 580);
                self.jobs.lock().unwrap().insert(
                    id.clone(),
                    FakeJob {
                        created: Instant::now(),
                        duration: Duration::from_secs(secs),
                        polls: 0,
                    },
                );
                id
            });
            reply(
                202,
                json!({"jobId": id, "status": "QUEUED"})
                    .to_string()
                    .into_bytes(),
                None,
            )
        } else if let Some(id) = path.strip_prefix("/v2/jobs/") {
            let mut jobs = self.jobs.lock().unwrap();
            let j = jobs.get_mut(id).unwrap();
            j.polls += 1;
            let t = j.created.elapsed();
            let body = if t >= j.duration {
                json!({"id": id, "status": "COMPLETED", "progress": 100, "result": format!("http://127.0.0.1:9/cdn/{id}.png")})
            } else {
                json!({"id": id, "status": "PROCESSING", "progress": (t.as_secs_f64() / j.duration.as_secs_f64() * 100.0) as u64})
            };
            reply(200, body.to_string().into_bytes(), None)
        } else {
            reqwest::Response::from(
                http::Response::builder()
                    .status(200)
                    .header("content-type", "image/png")
                    .body(self.png.clone())
                    .unwrap(),
            )
        };
        Box::pin(async move { Ok(resp) })
    }
}

/// An engine over an in-memory store whose every request goes to `fake`.
fn soak_engine(
    fake: &Arc<Fake>,
    dir: &std::path::Path,
) -> (Engine, tokio::sync::mpsc::UnboundedReceiver<ApiEvent>) {
    let paths = Paths::under(dir);
    let store = Store::open_in_memory().unwrap();
    let profile = Profile {
        name: "af".into(),
        base_url: Some(reqwest::Url::parse("http://127.0.0.1:9").unwrap()),
        key_source: qimg::config::KeySource::Literal(secrecy::SecretString::from("afk_soak")),
        // Virtual time: the real default budget costs nothing.
        retry_budget: qimg::config::profile::RETRY_BUDGET,
        ..crate::common::apiframe_profile("http://127.0.0.1:9")
    };
    let mut profiles = IndexMap::new();
    profiles.insert("af".to_owned(), profile);
    Engine::start(EngineConfig {
        store: store.clone(),
        paths: paths.clone(),
        config_file: paths.config_file(),
        profiles,
        sim: None,
        adopt: Adopt::Nothing,
        watch_store: false,
        transport: Some(TransportOverride(fake.clone())),
        catalogue: qimg::domain::catalogue::Catalogue::shared_builtin(),
    })
}

#[tokio::test(start_paused = true)]
async fn twelve_virtual_hours_two_hundred_jobs() {
    let fake = Arc::new(Fake {
        png: qimg::sim::render::encode_png(&qimg::sim::render::render(8, 8, "soak", 1, None)),
        ..Fake::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let baseline_tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let (engine, mut events) = soak_engine(&fake, dir.path());
    let t0 = Instant::now();
    let mut ids = Vec::new();
    let mut ended = HashMap::new();
    let mut peak_tasks = 0;
    for i in 0..200u32 {
        let job = Job::new(
            "af",
            JobRequest::apiframe(&format!("soak {i}"), AspectRatio::Square, i),
        );
        ids.push(job.id);
        engine.send(Command::Submit(qimg::api::Submission::of(vec![job])));
        // One job every 3.6 virtual minutes: 200 jobs over 12 hours.
        let until = Instant::now() + Duration::from_secs(216);
        while let Ok(Some(ev)) = tokio::time::timeout_at(until, events.recv()).await {
            if let ApiEvent::JobChanged(j) = ev
                && j.state.is_end()
            {
                ended.insert(j.id, j.state.clone());
            }
        }
        peak_tasks = peak_tasks.max(
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(4 * 3600);
    while ended.len() < ids.len() && Instant::now() < deadline {
        if let Ok(Some(ApiEvent::JobChanged(j))) =
            tokio::time::timeout(Duration::from_secs(60), events.recv()).await
            && j.state.is_end()
        {
            ended.insert(j.id, j.state.clone());
        }
    }
    let hours = t0.elapsed().as_secs_f64() / 3600.0;
    assert_eq!(
        ended.len(),
        200,
        "every job ends ({} did, after {hours:.1} virtual hours)",
        ended.len()
    );
    let done = ended
        .values()
        .filter(|s| **s == qimg::domain::JobState::Done)
        .count();
    let created = fake.created.load(Ordering::Relaxed);
    assert!(created <= 200, "{created} jobs created for 200 local jobs");
    let (polls, budget) = {
        let jobs = fake.jobs.lock().unwrap();
        jobs.values().fold((0u64, 0.0), |(p, b), j| {
            (p + j.polls, b + j.duration.as_secs_f64() / 2.0 + 3.0)
        })
    };
    assert!(
        (polls as f64) <= budget,
        "{polls} polls, budget {budget:.0}"
    );
    // Every job task has ended: only the engine loop (and the test's own tasks) remain.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert!(
        tasks <= baseline_tasks + 2,
        "{tasks} tasks alive at the end (baseline {baseline_tasks})"
    );
    engine.shutdown().await;
    eprintln!(
        "soak: {hours:.1} virtual hours, 200 jobs ({done} done, others ambiguous after repeated 500s), {created} created remotely, {} requests, {polls} polls (budget {budget:.0}), peak {peak_tasks} live tasks, {tasks} at the end",
        fake.requests.load(Ordering::Relaxed)
    );
}
