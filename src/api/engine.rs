//! The network task: `Command`s in, `ApiEvent`s out. It owns the profile runtimes (HTTP
//! clients, gates, slots), runs each job as its own task with a cancellation token, and resumes
//! unfinished jobs from the store on start.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indexmap::IndexMap;
use reqwest::Url;
use secrecy::SecretString;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::runtime::{ProfileRuntime, RuntimeError};
use super::{ApiEvent, Command, job};
use crate::config::{Paths, Profile};
use crate::domain::Level;
use crate::domain::{Job, JobId};
use crate::store::{Store, Watcher};

/// Where the in-process simulator listens, and the key it accepts.
#[derive(Clone)]
pub struct SimEndpoint {
    /// `http://127.0.0.1:<port>`.
    pub base_url: Url,
    /// The key the simulator accepts.
    pub key: SecretString,
}

impl SimEndpoint {
    /// The endpoint of a simulator listening at `base_url` with `key`.
    pub fn new(base_url: Url, key: SecretString) -> Self {
        Self { base_url, key }
    }
}

impl std::fmt::Debug for SimEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimEndpoint")
            .field("base_url", &self.base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// Everything the network task needs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The job store.
    pub store: Store,
    /// qimg's directories.
    pub paths: Paths,
    /// The config file (named in hints).
    pub config_file: PathBuf,
    /// Every profile.
    pub profiles: IndexMap<String, Profile>,
    /// Every model.
    pub catalogue: Arc<crate::domain::catalogue::Catalogue>,
    /// The in-process simulator, when running.
    pub sim: Option<SimEndpoint>,
    /// Which unfinished jobs from the store this process takes over.
    pub adopt: Adopt,
    /// Report jobs other qimg processes write to the store (the TUI, `follow`).
    pub watch_store: bool,
    /// Run every request on this transport instead of the network (the virtual-time soak).
    pub transport: Option<TransportOverride>,
}

/// A transport that replaces the network for every profile.
#[derive(Clone)]
pub struct TransportOverride(pub Arc<dyn super::transport::Transport>);

impl std::fmt::Debug for TransportOverride {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TransportOverride")
    }
}

/// Which unfinished jobs an engine takes over from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adopt {
    /// None: only the jobs submitted to this engine.
    Nothing,
    /// Every job nobody drives, on start and whenever a lease expires (the TUI).
    All,
    /// Only these jobs (`qimg wait ID…`).
    Jobs(Vec<JobId>),
}

/// State shared by the engine loop and every job task.
pub(crate) struct Shared {
    pub store: Store,
    pub events: UnboundedSender<ApiEvent>,
    /// This process's lease owner id.
    pub owner: String,
    cfg: EngineConfig,
    runtimes: Mutex<HashMap<String, Arc<ProfileRuntime>>>,
}

impl Shared {
    /// Where results go when their output folder cannot take them: `<data>/rescued/`.
    pub fn rescue_dir(&self) -> std::path::PathBuf {
        self.cfg.paths.data_dir.join("rescued")
    }

    /// A configured profile.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.cfg.profiles.get(name)
    }

    /// Every model.
    pub fn catalogue(&self) -> &crate::domain::catalogue::Catalogue {
        &self.cfg.catalogue
    }

    /// Sends an event; a closed receiver (the UI is gone) is not an error.
    pub fn emit(&self, ev: ApiEvent) {
        let _ = self.events.send(ev);
    }

    /// The runtime of a profile, built on first use (resolving its key).
    pub async fn runtime(
        self: &Arc<Self>,
        name: &str,
    ) -> Result<Arc<ProfileRuntime>, RuntimeError> {
        if let Some(rt) = self.runtimes.lock().ok().and_then(|m| m.get(name).cloned()) {
            return Ok(rt);
        }
        let profile = self
            .cfg
            .profiles
            .get(name)
            .cloned()
            .ok_or_else(|| RuntimeError::NoProfile(name.to_owned()))?;
        let me = Arc::clone(self);
        let built = tokio::task::spawn_blocking(move || {
            ProfileRuntime::build(
                &profile,
                &me.cfg.catalogue,
                me.cfg.sim.as_ref(),
                &me.cfg.paths.images_dir(),
                &me.store,
                &me.cfg.config_file,
                me.cfg.transport.as_ref().map(|t| &t.0),
            )
        })
        .await
        .map_err(|_| RuntimeError::Internal)??;
        let rt = Arc::new(built);
        if let Ok(mut m) = self.runtimes.lock() {
            return Ok(Arc::clone(m.entry(name.to_owned()).or_insert(rt)));
        }
        Ok(rt)
    }
}

/// A handle to the running network task.
pub struct Engine {
    tx: UnboundedSender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Starts the network task on the current tokio runtime.
    pub fn start(cfg: EngineConfig) -> (Engine, UnboundedReceiver<ApiEvent>) {
        let (tx, rx) = unbounded_channel();
        let (ev_tx, ev_rx) = unbounded_channel();
        let shared = Arc::new(Shared {
            store: cfg.store.clone(),
            events: ev_tx,
            owner: crate::store::lease::owner_id(),
            runtimes: Mutex::new(HashMap::new()),
            cfg,
        });
        let task = tokio::spawn(run(shared, rx));
        (Engine { tx, task }, ev_rx)
    }

    /// Sends a command; false when the task has ended.
    pub fn send(&self, cmd: Command) -> bool {
        self.tx.send(cmd).is_ok()
    }

    /// A sender for commands (the app loop keeps one).
    pub fn sender(&self) -> UnboundedSender<Command> {
        self.tx.clone()
    }

    /// Stops every job task at a safe point and waits for the engine to end.
    pub async fn shutdown(self) {
        let _ = self.tx.send(Command::Shutdown);
        let _ = self.task.await;
    }
}

/// How often the store is checked for jobs other qimg processes wrote.
const WATCH_EVERY: Duration = Duration::from_millis(500);
/// How often leases are renewed and orphaned jobs looked for.
const LEASE_EVERY: Duration = Duration::from_secs(5);

/// The job tasks of this engine.
struct Jobs {
    shared: Arc<Shared>,
    tasks: JoinSet<JobId>,
    cancels: HashMap<JobId, CancellationToken>,
    shutdown: CancellationToken,
}

async fn run(shared: Arc<Shared>, mut rx: UnboundedReceiver<Command>) {
    let store = shared.store.clone();
    let mut watcher = if shared.cfg.watch_store {
        Watcher::start(store.clone(), WATCH_EVERY).await.ok()
    } else {
        None
    };
    let mut jobs = Jobs {
        shared: Arc::clone(&shared),
        tasks: JoinSet::new(),
        cancels: HashMap::new(),
        shutdown: CancellationToken::new(),
    };
    jobs.adopt().await;
    let mut leases = tokio::time::interval(LEASE_EVERY);
    leases.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    leases.reset();
    loop {
        let changed = async {
            match watcher.as_mut() {
                Some(w) => w.changed().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Command::Submit(sub)) => {
                    for job in super::intake::store_submission(&shared, sub).await {
                        jobs.spawn(job, true);
                    }
                }
                Some(Command::Cancel(id)) => jobs.cancel(id).await,
                Some(Command::ReadBalance(profile)) => {
                    let (shared, stop) = (Arc::clone(&shared), jobs.shutdown.clone());
                    tokio::spawn(super::balance::read(shared, profile, stop));
                }
                Some(Command::Shutdown) | None => break,
            },
            Some(done) = jobs.tasks.join_next(), if !jobs.tasks.is_empty() => jobs.ended(done).await,
            // Jobs other qimg processes wrote (the watcher is cancel-safe).
            Ok(changed) = changed => {
                for job in changed {
                    shared.emit(ApiEvent::JobChanged(Box::new(job)));
                }
            }
            _ = leases.tick() => {
                let owner = shared.owner.clone();
                let _ = store.run(move |s| s.renew_leases(&owner)).await;
                jobs.adopt().await;
            }
        }
    }
    jobs.shutdown.cancel();
    while jobs.tasks.join_next().await.is_some() {}
    // Give the jobs back at once, so another qimg can continue them without waiting.
    let owner = shared.owner.clone();
    let _ = store.run(move |s| s.release_all(&owner)).await;
}

impl Jobs {
    /// Takes over unfinished jobs nobody drives (this process's own after a crash, or a dead
    /// process's), as the configuration allows.
    async fn adopt(&mut self) {
        let wanted: Option<Vec<JobId>> = match &self.shared.cfg.adopt {
            Adopt::Nothing => return,
            Adopt::All => None,
            Adopt::Jobs(ids) => Some(ids.clone()),
        };
        let store = self.shared.store.clone();
        let orphans = match store.run(|s| s.orphans()).await {
            Ok(o) => o,
            Err(e) => {
                self.shared.emit(ApiEvent::Notice {
                    level: Level::Error,
                    text: format!("cannot resume jobs: {e}"),
                });
                return;
            }
        };
        for id in orphans {
            if self.cancels.contains_key(&id) || wanted.as_ref().is_some_and(|w| !w.contains(&id)) {
                continue;
            }
            let owner = self.shared.owner.clone();
            let job = store
                .run(move |s| {
                    if s.try_lease(id, &owner)? {
                        s.get(id)
                    } else {
                        Ok(None)
                    }
                })
                .await;
            if let Ok(Some(job)) = job {
                tracing::info!(id = %job.id.short(), state = job.state.name(), "resuming a job");
                self.spawn(job, false);
            }
        }
    }

    /// Cancels a job: this process's task stops at once; a job another process drives is
    /// recorded as cancelled, and its driver stops when it sees that.
    async fn cancel(&mut self, id: JobId) {
        if let Some(token) = self.cancels.get(&id) {
            token.cancel();
            return;
        }
        let store = self.shared.store.clone();
        let patch = crate::store::JobPatch::default();
        match store
            .run(move |s| s.transition(id, &crate::domain::JobState::Cancelled, &patch))
            .await
        {
            Ok(Some(job)) => self.shared.emit(ApiEvent::JobChanged(Box::new(job))),
            Ok(None) => {}
            Err(e) => self.shared.emit(ApiEvent::Notice {
                level: Level::Error,
                text: format!("cannot cancel: {e}"),
            }),
        }
    }

    /// A job task ended: its lease goes back to the store.
    async fn ended(&mut self, done: Result<JobId, tokio::task::JoinError>) {
        match done {
            Ok(id) => {
                self.cancels.remove(&id);
                let (store, owner) = (self.shared.store.clone(), self.shared.owner.clone());
                let _ = store.run(move |s| s.release_lease(id, &owner)).await;
            }
            Err(e) => {
                tracing::error!("a job task ended abnormally: {e}");
                self.shared.emit(ApiEvent::Notice {
                    level: Level::Error,
                    text: "a job task stopped unexpectedly; it resumes on the next start".into(),
                });
            }
        }
    }

    /// Runs `job` as its own task (never twice at once).
    fn spawn(&mut self, job: Job, is_new: bool) {
        let id = job.id;
        if self.cancels.contains_key(&id) {
            tracing::warn!(%id, "job already running; not started twice");
            return;
        }
        let cancel = CancellationToken::new();
        self.cancels.insert(id, cancel.clone());
        let shared = Arc::clone(&self.shared);
        let shutdown = self.shutdown.clone();
        let span = tracing::info_span!("job", id = %job.id.short(), profile = %job.profile, model = %job.request.model);
        self.tasks.spawn(tracing::Instrument::instrument(
            async move {
                job::run(shared, job, is_new, cancel, shutdown).await;
                id
            },
            span,
        ));
    }
}
