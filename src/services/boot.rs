//! Starting qimg, the same way for the TUI and every CLI command: paths, config, logging, the
//! active profile, the store (with temp files of interrupted saves swept), the in-process
//! simulator when a profile needs it, and the engine's configuration.

use std::time::Duration;

use crate::api::{Adopt, EngineConfig, SimEndpoint};
use crate::config::{Config, ConfigError, Paths, Profile, ProviderKind};
use crate::sim::{SimConfig, SimServer};
use crate::store::open::open_robust;
use crate::store::{Store, StoreError};

/// Why qimg could not start.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    /// The directories, the config file or the profile choice (exit code 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened, not even in memory.
    #[error("{0}")]
    Store(String),
    /// The built-in simulator did not start.
    #[error("cannot start the built-in simulator: {0}")]
    Simulator(std::io::Error),
}

/// What a running qimg has: its configuration, the store and, when needed, the simulator.
pub struct Services {
    /// Directories.
    pub paths: Paths,
    /// The configuration.
    pub config: Config,
    /// The active profile.
    pub profile: Profile,
    /// The job store.
    pub store: Store,
    /// What opening the store had to say (a damaged file moved aside, memory only).
    pub store_notices: Vec<String>,
    /// The in-process simulator, when started.
    pub sim: Option<SimServer>,
    _log: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("profile", &self.profile.name)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// Reads paths and config, picks the profile (`--profile`, `QIMG_PROFILE` or the rules of
    /// `Config::pick_profile`) and opens the store. `log` starts the log file.
    pub fn open(profile: Option<&str>, log: bool) -> Result<Self, BootError> {
        let (paths, config) = load_config()?;
        let log = if log {
            crate::logging::init(&paths.logs_dir())
        } else {
            None
        };
        let profile = config.pick_profile(profile, None)?.clone();
        let (store, store_notices) = open_store(&paths)?;
        Ok(Self {
            paths,
            config,
            profile,
            store,
            store_notices,
            sim: None,
            _log: log,
        })
    }

    /// Starts the in-process simulator when a profile needs it: the active one only
    /// (`everyone == false`, the CLI) or any profile (the TUI, which can switch profiles).
    pub async fn start_simulator(&mut self, everyone: bool) -> Result<(), BootError> {
        let needs = |p: &Profile| p.kind == ProviderKind::Sim && p.base_url.is_none();
        let wanted = if everyone {
            self.config.profiles.values().find(|p| needs(p))
        } else {
            Some(&self.profile).filter(|p| needs(p))
        };
        let Some(p) = wanted else { return Ok(()) };
        let cfg = SimConfig {
            // A fresh key per run: only this process can use its simulator.
            keys: vec![format!("sim-{}", uuid::Uuid::new_v4().simple())],
            job_duration: Duration::from_secs_f64(p.sim_job_seconds),
            catalogue: std::sync::Arc::clone(&self.config.catalogue),
            ..SimConfig::default()
        };
        let sim = SimServer::start(cfg, 0)
            .await
            .map_err(BootError::Simulator)?;
        self.sim = Some(sim);
        Ok(())
    }

    /// The engine's configuration over these services.
    pub fn engine_config(&self, adopt: Adopt, watch_store: bool) -> EngineConfig {
        EngineConfig {
            store: self.store.clone(),
            paths: self.paths.clone(),
            config_file: self.config.file.clone(),
            profiles: self.config.profiles.clone(),
            sim: self
                .sim
                .as_ref()
                .map(|s| SimEndpoint::new(s.base_url().clone(), s.key())),
            adopt,
            watch_store,
            transport: None,
            catalogue: std::sync::Arc::clone(&self.config.catalogue),
        }
    }

    /// Stops the simulator, if it runs.
    pub async fn stop(self) {
        if let Some(s) = self.sim {
            s.stop().await;
        }
    }
}

/// Finds the directories and reads `config.toml`.
pub fn load_config() -> Result<(Paths, Config), BootError> {
    let paths = Paths::from_env().map_err(ConfigError::from)?;
    let config = Config::load(&paths)?;
    Ok((paths, config))
}

/// Opens the job store as well as it can (a newer schema gives an in-memory store and leaves
/// the file alone), and sweeps temp files a crash left in the images folder.
pub fn open_store(paths: &Paths) -> Result<(Store, Vec<String>), BootError> {
    let swept = crate::store::images::sweep_temp_files(&paths.images_dir());
    if swept > 0 {
        tracing::info!(swept, "removed temp files left by an interrupted save");
    }
    match open_robust(&paths.store_file()) {
        Ok(o) => {
            for n in &o.notices {
                tracing::warn!("{n}");
            }
            Ok((o.store, o.notices))
        }
        Err(e) => memory_store(&e),
    }
}

fn memory_store(e: &StoreError) -> Result<(Store, Vec<String>), BootError> {
    let note = format!("{e}; jobs are kept in memory only this session");
    Store::open_in_memory()
        .map(|s| (s, vec![note]))
        .map_err(|e2| BootError::Store(format!("{e}; {e2}")))
}
