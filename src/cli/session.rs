//! What every headless command sets up: config, the chosen profile, logging, the store, the
//! in-process simulator when the profile needs it, and the engine — the same core as the TUI.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::{Cli, ExitCode};
use crate::api::{Adopt, ApiEvent, Engine, EngineConfig};
use crate::config::{Config, Paths, Profile, ProviderKind};
use crate::sim::{SimConfig, SimServer};
use crate::store::Store;

/// A running headless session.
pub struct Session {
    /// Directories.
    pub paths: Paths,
    /// The configuration.
    pub config: Config,
    /// The active profile.
    pub profile: Profile,
    /// The store.
    pub store: Store,
    /// The in-process simulator, when the profile uses it.
    pub sim: Option<SimServer>,
    /// The engine.
    pub engine: Engine,
    /// Its events.
    pub events: UnboundedReceiver<ApiEvent>,
    _log: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// Config, profile and store without an engine (for `jobs`, `follow`, `show`).
pub fn open(cli: &Cli) -> Result<(Paths, Config, Profile, Store), ExitCode> {
    let (paths, config) = super::tui::load_config()?;
    let profile = config
        .pick_profile(cli.profile.as_deref(), None)
        .map_err(|e| {
            eprintln!("qimg: {e}");
            ExitCode::Usage
        })?;
    let profile = profile.clone();
    let (store, notices) = super::tui::open_store(&paths).map_err(|e| {
        eprintln!("qimg: {e}");
        ExitCode::JobFailed
    })?;
    for n in notices {
        eprintln!("qimg: {n}");
    }
    Ok((paths, config, profile, store))
}

impl Session {
    /// Starts everything. `adopt` says which stored jobs this process takes over.
    pub async fn start(cli: &Cli, adopt: Adopt) -> Result<Self, ExitCode> {
        let (paths, config, profile, store) = open(cli)?;
        let log = crate::logging::init(&paths.logs_dir());
        let needs_sim = profile.kind == ProviderKind::Sim && profile.base_url.is_none();
        let sim = if needs_sim {
            let cfg = SimConfig {
                keys: vec![format!("sim-{}", uuid::Uuid::new_v4().simple())],
                job_duration: Duration::from_secs_f64(profile.sim_job_seconds),
                ..SimConfig::default()
            };
            Some(SimServer::start(cfg, 0).await.map_err(|e| {
                eprintln!("qimg: cannot start the built-in simulator: {e}");
                ExitCode::Network
            })?)
        } else {
            None
        };
        let (engine, events) = Engine::start(EngineConfig {
            store: store.clone(),
            paths: paths.clone(),
            config_file: config.file.clone(),
            profiles: config.profiles.clone(),
            sim: sim.as_ref().map(SimServer::endpoint),
            adopt,
            watch_store: false,
            transport: None,
        });
        Ok(Self {
            paths,
            config,
            profile,
            store,
            sim,
            engine,
            events,
            _log: log,
        })
    }

    /// Stops the engine (jobs stay in the store, resumable) and the simulator.
    pub async fn finish(self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.engine.shutdown()).await;
        if let Some(s) = self.sim {
            s.stop().await;
        }
    }
}
