//! Timing rules on tokio's paused clock, against a scripted in-memory Apiframe: a 429 holds
//! every job of the profile until `Retry-After`, failing polls back off and say "degraded", and
//! an unknown status ends in `timed_out` after its deadline. Hours of virtual time run in milliseconds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indexmap::IndexMap;
use qimg::api::transport::{Responding, Transport};
use qimg::api::{Adopt, ApiEvent, Command, Engine, EngineConfig, TransportOverride};
use qimg::config::{Paths, Profile};
use qimg::domain::models::AspectRatio;
use qimg::domain::{Job, JobId, JobRequest, JobState};
use qimg::store::Store;
use tokio::time::Instant;

/// One request the fake saw: when (since the test started), the path, the idempotency key.
#[derive(Clone, Debug)]
struct Seen {
    at: Duration,
    path: String,
    key: Option<String>,
}

/// What the fake answers: (status, JSON body, Retry-After) for the `n`-th request to a path.
type Script = dyn Fn(&str, u64) -> (u16, String, Option<&'static str>) + Send + Sync;

struct Fake {
    t0: Instant,
    seen: Mutex<Vec<Seen>>,
    submits: AtomicU64,
    polls: AtomicU64,
    script: Box<Script>,
    png: Vec<u8>,
}

impl Transport for Fake {
    fn execute(&self, req: reqwest::Request) -> Responding {
        let path = req.url().path().to_owned();
        self.seen.lock().unwrap().push(Seen {
            at: self.t0.elapsed(),
            path: path.clone(),
            key: req
                .headers()
                .get("idempotency-key")
                .map(|v| v.to_str().unwrap().to_owned()),
        });
        let resp = if path.starts_with("/cdn/") {
            http::Response::builder()
                .status(200)
                .header("content-type", "image/png")
                .body(self.png.clone())
                .unwrap()
        } else {
            let counter = if path == "/v2/images/generate" {
                &self.submits
            } else {
                &self.polls
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let (status, body, retry_after) = (self.script)(&path, n);
            let mut b = http::Response::builder()
                .status(status)
                .header("content-type", "application/json");
            if let Some(r) = retry_after {
                b = b.header("retry-after", r);
            }
            b.body(body.into_bytes()).unwrap()
        };
        let resp = reqwest::Response::from(resp);
        Box::pin(async move { Ok(resp) })
    }
}

fn accepted(job: u64) -> String {
    format!(r#"{{"jobId":"00000000-0000-4000-8000-{job:012}","status":"QUEUED"}}"#)
}

fn completed(path: &str) -> String {
    let id = path.trim_start_matches("/v2/jobs/");
    format!(
        r#"{{"id":"{id}","status":"COMPLETED","progress":100,"result":"http://127.0.0.1:9/cdn/{id}.png"}}"#
    )
}

struct Harness {
    fake: Arc<Fake>,
    engine: Engine,
    events: tokio::sync::mpsc::UnboundedReceiver<ApiEvent>,
    notes: Vec<(JobId, String)>,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn start(script: Box<Script>) -> Self {
        let fake = Arc::new(Fake {
            t0: Instant::now(),
            seen: Mutex::new(Vec::new()),
            submits: AtomicU64::new(0),
            polls: AtomicU64::new(0),
            script,
            png: qimg::sim::render::encode_png(&qimg::sim::render::render(8, 8, "vt", 1, None)),
        });
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let profile = Profile {
            key_source: qimg::config::KeySource::Literal(secrecy::SecretString::from("afk_vt")),
            // Virtual time: the real default budget costs nothing.
            retry_budget: qimg::config::profile::RETRY_BUDGET,
            ..crate::common::apiframe_profile("http://127.0.0.1:9")
        };
        let mut profiles = IndexMap::new();
        profiles.insert("af".to_owned(), profile);
        let (engine, events) = Engine::start(EngineConfig {
            store: Store::open_in_memory().unwrap(),
            paths: paths.clone(),
            config_file: paths.config_file(),
            profiles,
            sim: None,
            adopt: Adopt::Nothing,
            watch_store: false,
            transport: Some(TransportOverride(fake.clone())),
            catalogue: qimg::domain::catalogue::Catalogue::shared_builtin(),
        });
        Self {
            fake,
            engine,
            events,
            notes: Vec::new(),
            _dir: dir,
        }
    }

    fn submit(&self, prompt: &str) -> JobId {
        let job = Job::new("af", JobRequest::apiframe(prompt, AspectRatio::Square, 1));
        let id = job.id;
        assert!(
            self.engine
                .send(Command::Submit(qimg::api::Submission::of(vec![job])))
        );
        id
    }

    /// Runs the engine until every job in `ids` has ended (virtual time; a generous bound).
    async fn ends(&mut self, ids: &[JobId]) -> Vec<JobState> {
        let mut states: Vec<Option<JobState>> = vec![None; ids.len()];
        let deadline = Instant::now() + Duration::from_secs(6 * 3600);
        while states.iter().any(Option::is_none) {
            assert!(Instant::now() < deadline, "jobs did not end: {states:?}");
            match tokio::time::timeout(Duration::from_secs(60), self.events.recv()).await {
                Ok(Some(ApiEvent::JobChanged(j))) if j.state.is_end() => {
                    if let Some(i) = ids.iter().position(|id| *id == j.id) {
                        states[i] = Some(j.state.clone());
                    }
                }
                Ok(Some(ApiEvent::JobNote {
                    id,
                    note: Some(note),
                })) => self.notes.push((id, note)),
                _ => {}
            }
        }
        states.into_iter().map(Option::unwrap).collect()
    }

    fn seen(&self) -> Vec<Seen> {
        self.fake.seen.lock().unwrap().clone()
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_holds_every_job_of_the_profile_until_retry_after() {
    let mut h = Harness::start(Box::new(|path, n| {
        if path == "/v2/images/generate" {
            if n == 0 {
                (429, r#"{"error":"Rate limit exceeded"}"#.into(), Some("7"))
            } else {
                (202, accepted(n), None)
            }
        } else {
            (200, completed(path), None)
        }
    }));
    let a = h.submit("first");
    // Let A's POST get its 429, then two more jobs arrive while the gate is closed.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let b = h.submit("second");
    let c = h.submit("third");
    let states = h.ends(&[a, b, c]).await;
    assert!(states.iter().all(|s| *s == JobState::Done), "{states:?}");
    let seen = h.seen();
    let first = &seen[0];
    assert_eq!(first.path, "/v2/images/generate");
    let held: Vec<&Seen> = seen[1..]
        .iter()
        .filter(|s| s.at < first.at + Duration::from_secs(7))
        .collect();
    assert!(held.is_empty(), "requests during the 7 s pause: {held:?}");
    let a_posts: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.path == "/v2/images/generate" && s.key == first.key)
        .collect();
    assert_eq!(a_posts.len(), 2, "A is sent again once, with the same key");
    assert_eq!(
        seen.iter()
            .filter(|s| s.path == "/v2/images/generate")
            .count(),
        4,
        "one 429 and three accepted submits"
    );
    h.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn failing_polls_back_off_say_degraded_and_recover() {
    let mut h = Harness::start(Box::new(|path, n| {
        if path == "/v2/images/generate" {
            (202, accepted(n), None)
        } else if n < 8 {
            (502, r#"{"error":"bad gateway"}"#.into(), None)
        } else {
            (200, completed(path), None)
        }
    }));
    let a = h.submit("patient");
    let states = h.ends(&[a]).await;
    assert_eq!(states[0], JobState::Done);
    let polls: Vec<Duration> = h
        .seen()
        .iter()
        .filter(|s| s.path.starts_with("/v2/jobs/"))
        .map(|s| s.at)
        .collect();
    assert_eq!(polls.len(), 9, "8 failures, then the answer");
    let gaps: Vec<f64> = polls
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .collect();
    // Backing off: each gap at least as long as the one before (jitter allows 20 %), none
    // longer than the 60 s cap plus jitter.
    for w in gaps.windows(2) {
        assert!(w[1] >= w[0] * 0.8 * 0.8, "gaps shrink: {gaps:?}");
    }
    assert!(gaps.iter().all(|g| *g <= 72.0), "{gaps:?}");
    assert!(
        gaps.last().unwrap() > &(gaps[0] * 2.0),
        "no backoff: {gaps:?}"
    );
    assert!(
        h.notes
            .iter()
            .any(|(id, n)| *id == a && n.contains("degraded")),
        "the user is told polling is degraded: {:?}",
        h.notes
    );
    assert_eq!(
        h.fake.submits.load(Ordering::SeqCst),
        1,
        "never resubmitted"
    );
    h.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_unknown_status_times_out_after_its_deadline_and_is_never_resent() {
    let mut h = Harness::start(Box::new(|path, n| {
        if path == "/v2/images/generate" {
            (202, accepted(n), None)
        } else {
            let id = path.trim_start_matches("/v2/jobs/");
            (200, format!(r#"{{"id":"{id}","status":"PAUSED"}}"#), None)
        }
    }));
    let t0 = Instant::now();
    let a = h.submit("paused");
    let states = h.ends(&[a]).await;
    assert_eq!(states[0], JobState::TimedOut);
    let took = t0.elapsed();
    assert!(
        took >= qimg::api::UNKNOWN_STATUS_DEADLINE
            && took <= qimg::api::UNKNOWN_STATUS_DEADLINE + Duration::from_secs(120),
        "timed out after {took:?}"
    );
    assert!(
        h.notes
            .iter()
            .any(|(_, n)| n.contains("unknown status \"PAUSED\"")),
        "{:?}",
        h.notes
    );
    assert_eq!(h.fake.submits.load(Ordering::SeqCst), 1);
    h.engine.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_balance_is_read_at_most_once_a_minute_and_never_while_idle() {
    let mut h = Harness::start(Box::new(|path, n| {
        if path == "/v2/me" {
            let body = format!(r#"{{"team":{{"credits":{}}}}}"#, 100 - n);
            (200, body, None)
        } else {
            (200, completed(path), None)
        }
    }));
    // The start, then three jobs ending within the minute.
    for _ in 0..4 {
        assert!(h.engine.send(Command::ReadBalance("af".into())));
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    // Then ten quiet minutes.
    let until = Instant::now() + Duration::from_secs(600);
    let mut balances = Vec::new();
    while let Ok(Some(ev)) = tokio::time::timeout_at(until, h.events.recv()).await {
        if let ApiEvent::Balance { profile, credits } = ev {
            balances.push((profile, credits));
        }
    }
    let reads: Vec<Duration> = h
        .seen()
        .iter()
        .filter(|s| s.path == "/v2/me")
        .map(|s| s.at)
        .collect();
    assert_eq!(
        reads.len(),
        2,
        "one at start, one a minute later: {reads:?}"
    );
    assert!(reads[0] < Duration::from_secs(1), "{reads:?}");
    assert!(
        reads[1] >= Duration::from_secs(60) && reads[1] < Duration::from_secs(61),
        "{reads:?}"
    );
    assert_eq!(balances, vec![("af".into(), 100), ("af".into(), 99)]);
}
