//! Shared helpers: a simulator per test, temp directories, an engine wired to them, and
//! waiting for conditions with explicit timeouts.

use std::time::Duration;

use indexmap::IndexMap;
use qimg::api::{ApiEvent, Engine, EngineConfig};
use qimg::config::{Paths, Profile};
use qimg::domain::{Job, JobId};
use qimg::sim::{SimConfig, SimServer};
use qimg::store::Store;
use tokio::sync::mpsc::UnboundedReceiver;

/// Generous upper bound for waits; CI machines are slow.
pub const WAIT: Duration = Duration::from_secs(60);

/// A simulator, a temp data directory, a store and an engine.
pub struct Harness {
    pub sim: SimServer,
    pub dir: tempfile::TempDir,
    pub paths: Paths,
    pub store: Store,
    pub engine: Engine,
    pub events: UnboundedReceiver<ApiEvent>,
}

pub fn sim_config(job: Duration) -> SimConfig {
    SimConfig { job_duration: job, ..SimConfig::default() }
}

impl Harness {
    pub async fn start(cfg: SimConfig) -> Self {
        Self::start_with(cfg, |_| {}).await
    }

    pub async fn start_with(cfg: SimConfig, tweak: impl FnOnce(&mut Profile)) -> Self {
        let sim = SimServer::start(cfg, 0).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let store = Store::open(&paths.store_file()).unwrap();
        let mut profile = Profile::builtin_sim();
        tweak(&mut profile);
        let mut profiles = IndexMap::new();
        profiles.insert(profile.name.clone(), profile);
        let (engine, events) = Engine::start(EngineConfig {
            store: store.clone(),
            paths: paths.clone(),
            config_file: paths.config_file(),
            profiles,
            sim: Some(sim.endpoint()),
            resume: false,
        });
        Self { sim, dir, paths, store, engine, events }
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
                panic!("job {id} did not reach the expected state; now {:?}", self.store.get(id).unwrap().map(|j| j.state));
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), self.events.recv()).await;
        }
    }
}
