//! What every headless command that sends or waits for jobs sets up: the services (config,
//! profile, logging, store, the simulator when the profile needs it) and the engine — the same
//! core as the TUI.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::{Cli, ExitCode};
use crate::api::{Adopt, ApiEvent, Engine};
use crate::services::Services;

/// A running headless session.
pub struct Session {
    /// Config, profile, store and simulator.
    pub services: Services,
    /// The engine.
    pub engine: Engine,
    /// Its events.
    pub events: UnboundedReceiver<ApiEvent>,
}

/// The services without an engine (for `jobs`, `follow`, `show`); store notices go to stderr.
pub fn open(cli: &Cli) -> Result<Services, ExitCode> {
    let services =
        Services::open(cli.profile.as_deref(), false).map_err(|e| super::boot_failed(&e))?;
    for n in &services.store_notices {
        eprintln!("qimg: {n}");
    }
    Ok(services)
}

impl Session {
    /// Starts everything. `adopt` says which stored jobs this process takes over; with
    /// `watch_store` the events also carry jobs other processes change.
    pub async fn start(cli: &Cli, adopt: Adopt, watch_store: bool) -> Result<Self, ExitCode> {
        let mut services =
            Services::open(cli.profile.as_deref(), true).map_err(|e| super::boot_failed(&e))?;
        for n in &services.store_notices {
            eprintln!("qimg: {n}");
        }
        if let Err(e) = services.start_simulator(false).await {
            eprintln!("qimg: {e}");
            return Err(ExitCode::Network);
        }
        let (engine, events) = Engine::start(services.engine_config(adopt, watch_store));
        Ok(Self {
            services,
            engine,
            events,
        })
    }

    /// Stops the engine (jobs stay in the store, resumable) and the simulator.
    pub async fn finish(self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.engine.shutdown()).await;
        self.services.stop().await;
    }
}
