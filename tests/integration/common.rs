//! Shared helpers: a simulator or a scripted server per test, temp directories, an engine
//! wired to them, and waiting for conditions with explicit timeouts.

use std::time::Duration;

use indexmap::IndexMap;
use qimg::api::{ApiEvent, Engine, EngineConfig};
use qimg::config::{KeySource, Paths, Profile, ProviderKind};
use qimg::domain::models::ParamsKey;
use qimg::domain::{Job, JobId, JobRequest};
use qimg::sim::{SimConfig, SimServer};
use qimg::store::Store;
use secrecy::SecretString;
use tokio::sync::mpsc::UnboundedReceiver;

/// Generous upper bound for waits; CI machines are slow.
/// Long enough for combined fault scenarios on a loaded 2-core CI machine (backoff reaches 15 s).
pub const WAIT: Duration = Duration::from_secs(150);

/// The key every test profile uses.
pub const TEST_KEY: &str = "afk_test_KEY_0123456789";

/// A temp data directory, a store and an engine, optionally with a simulator.
pub struct Rig {
    pub sim: Option<SimServer>,
    pub _dir: tempfile::TempDir,
    pub paths: Paths,
    pub store: Store,
    pub engine: Engine,
    pub events: UnboundedReceiver<ApiEvent>,
    /// Every event seen while waiting.
    pub log: Vec<ApiEvent>,
    pub profile: String,
}

pub fn sim_config(job: Duration) -> SimConfig {
    SimConfig {
        job_duration: job,
        ..SimConfig::default()
    }
}

/// An Apiframe profile pointed at `base` with the test key.
pub fn apiframe_profile(base: &str) -> Profile {
    Profile {
        name: "af".into(),
        kind: ProviderKind::Apiframe,
        base_url: Some(reqwest::Url::parse(base).unwrap()),
        key_source: KeySource::Literal(SecretString::from(TEST_KEY)),
        model: "qwen-image-2".into(),
        output_dir: None,
        params_key: ParamsKey::default(),
        max_concurrent: 4,
        sim_job_seconds: 1.0,
        request_timeout: None,
        wire: qimg::domain::models::Wire::Apiframe,
        watermark: false,
        // Fault servers answer at once: a few seconds of retries make each unclear answer
        // end in about three attempts, as a short real budget would.
        retry_budget: Duration::from_secs(3),
        price: None,
        budget: qimg::domain::budget::Budget::default(),
    }
}

impl Rig {
    /// The built-in simulator profile against a fresh simulator.
    pub async fn sim(cfg: SimConfig) -> Self {
        Self::sim_with(cfg, |_| {}).await
    }

    pub async fn sim_with(cfg: SimConfig, tweak: impl FnOnce(&mut Profile)) -> Self {
        let sim = SimServer::start(cfg, 0).await.unwrap();
        let mut profile = Profile::builtin_sim();
        tweak(&mut profile);
        Self::build(Some(sim), profile, None)
    }

    /// A profile against some other server (wiremock, a fault server, a simulator as Apiframe).
    pub fn with_profile(profile: Profile) -> Self {
        Self::build(None, profile, None)
    }

    /// Like `with_profile`, over an existing data directory (restart tests).
    pub fn reopen(profile: Profile, dir: tempfile::TempDir) -> Self {
        Self::build(None, profile, Some(dir))
    }

    /// A profile against a given simulator, in a fresh directory.
    pub fn sim_reopen_fresh(sim: SimServer, profile: Profile) -> Self {
        Self::build(Some(sim), profile, None)
    }

    /// The simulator profile over an existing data directory, taking over unfinished jobs.
    pub fn sim_reopen(sim: SimServer, profile: Profile, dir: tempfile::TempDir) -> Self {
        Self::build(Some(sim), profile, Some(dir))
    }

    fn build(sim: Option<SimServer>, profile: Profile, dir: Option<tempfile::TempDir>) -> Self {
        let adopt = if dir.is_some() {
            qimg::api::Adopt::All
        } else {
            qimg::api::Adopt::Nothing
        };
        let dir = dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
        let paths = Paths::under(dir.path());
        let store = Store::open(&paths.store_file()).unwrap();
        let name = profile.name.clone();
        let mut profiles = IndexMap::new();
        profiles.insert(name.clone(), profile);
        let (engine, events) = Engine::start(EngineConfig {
            store: store.clone(),
            paths: paths.clone(),
            config_file: paths.config_file(),
            profiles,
            sim: sim
                .as_ref()
                .map(|s| qimg::api::SimEndpoint::new(s.base_url().clone(), s.key())),
            adopt,
            watch_store: true,
            transport: None,
            catalogue: qimg::domain::catalogue::Catalogue::shared_builtin(),
        });
        Self {
            sim,
            _dir: dir,
            paths,
            store,
            engine,
            events,
            log: Vec::new(),
            profile: name,
        }
    }

    pub fn submit(&self, req: JobRequest) -> JobId {
        let job = Job::new(&self.profile, req);
        let id = job.id;
        assert!(
            self.engine
                .send(qimg::api::Command::Submit(qimg::api::Submission::of(vec![
                    job
                ])))
        );
        id
    }

    /// Waits until the stored job satisfies `pred`, with a timeout.
    pub async fn wait_job(&mut self, id: JobId, pred: impl Fn(&Job) -> bool) -> Job {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(j) = self.store.get(id).unwrap()
                && pred(&j)
            {
                return j;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "job {id} did not reach the expected state; now {:?}",
                    self.store.get(id).unwrap().map(|j| j.state)
                );
            }
            if let Ok(Some(ev)) =
                tokio::time::timeout(Duration::from_millis(100), self.events.recv()).await
            {
                self.log.push(ev);
            }
        }
    }

    /// Waits for the job to end.
    pub async fn wait_end(&mut self, id: JobId) -> Job {
        self.wait_job(id, |j| j.state.is_end()).await
    }

    /// Collects the notes sent so far for a job.
    pub fn drain_notes(&mut self, id: JobId) -> Vec<String> {
        while let Ok(ev) = self.events.try_recv() {
            self.log.push(ev);
        }
        self.log
            .iter()
            .filter_map(|ev| match ev {
                ApiEvent::JobNote { id: j, note } if *j == id => note.clone(),
                _ => None,
            })
            .collect()
    }

    pub fn simulator(&self) -> &SimServer {
        self.sim.as_ref().unwrap()
    }
}

/// A small real PNG.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    qimg::sim::render::encode_png(&qimg::sim::render::render(w, h, "fixture", 1, None))
}

/// A gateway profile pointed at `base` with the test key.
pub fn gateway_profile(base: &str, model: &str) -> Profile {
    Profile {
        name: "gw".into(),
        kind: ProviderKind::OpenAi,
        model: model.into(),
        wire: qimg::domain::models::Wire::OpenAi,
        ..apiframe_profile(base)
    }
}

/// A gateway request with the given size.
pub fn gateway_request(model: &str, prompt: &str, size: Option<&str>) -> JobRequest {
    JobRequest {
        model: model.into(),
        wire: qimg::domain::models::Wire::OpenAi,
        prompt: prompt.into(),
        negative_prompt: None,
        seed: None,
        aspect_ratio: None,
        size: size.map(Into::into),
        images: Vec::new(),
        prompt_extend: None,
        watermark: None,
        template: None,
    }
}

/// One multipart part: (name, filename, content type, bytes).
pub type Part = (String, Option<String>, Option<String>, Vec<u8>);

/// The parts of a multipart body.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<Part> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap()
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let text = body;
    let mut parts = Vec::new();
    let positions: Vec<usize> = text
        .windows(delim.len())
        .enumerate()
        .filter(|(_, w)| *w == delim.as_bytes())
        .map(|(i, _)| i)
        .collect();
    for pair in positions.windows(2) {
        let chunk = &text[pair[0] + delim.len()..pair[1]];
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let split = chunk.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&chunk[..split]).into_owned();
        let mut data = chunk[split + 4..].to_vec();
        if data.ends_with(b"\r\n") {
            data.truncate(data.len() - 2);
        }
        let disp = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap()
            .to_owned();
        let name = disp
            .split("name=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let filename = disp
            .split("filename=\"")
            .nth(1)
            .map(|f| f.split('"').next().unwrap().to_owned());
        let ctype = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-type"))
            .map(|l| l.split(':').nth(1).unwrap().trim().to_owned());
        parts.push((name, filename, ctype, data));
    }
    parts
}
