//! The network task: `Command`s in, `ApiEvent`s out. It owns the profile runtimes (HTTP
//! clients, gates, slots), runs each job as its own task with a cancellation token, and resumes
//! unfinished jobs from the store on start.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;
use reqwest::Url;
use secrecy::SecretString;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::runtime::ProfileRuntime;
use super::{ApiEvent, Command, Level, runner};
use crate::config::{Paths, Profile};
use crate::domain::{Job, JobId};
use crate::store::Store;

/// Where the in-process simulator listens, and the key it accepts.
#[derive(Clone)]
pub struct SimEndpoint {
    /// `http://127.0.0.1:<port>`.
    pub base_url: Url,
    /// The key the simulator accepts.
    pub key: SecretString,
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
    /// The in-process simulator, when running.
    pub sim: Option<SimEndpoint>,
    /// Resume unfinished jobs from the store on start.
    pub resume: bool,
}

/// State shared by the engine loop and every job task.
pub(crate) struct Shared {
    pub store: Store,
    pub events: UnboundedSender<ApiEvent>,
    cfg: EngineConfig,
    runtimes: Mutex<HashMap<String, Arc<ProfileRuntime>>>,
}

impl Shared {
    /// Sends an event; a closed receiver (the UI is gone) is not an error.
    pub fn emit(&self, ev: ApiEvent) {
        let _ = self.events.send(ev);
    }

    /// The runtime of a profile, built on first use (resolving its key).
    pub async fn runtime(self: &Arc<Self>, name: &str) -> Result<Arc<ProfileRuntime>, String> {
        if let Some(rt) = self.runtimes.lock().ok().and_then(|m| m.get(name).cloned()) {
            return Ok(rt);
        }
        let profile = self
            .cfg
            .profiles
            .get(name)
            .cloned()
            .ok_or_else(|| format!("there is no profile named `{name}` any more"))?;
        let me = Arc::clone(self);
        let built = tokio::task::spawn_blocking(move || {
            ProfileRuntime::build(
                &profile,
                me.cfg.sim.as_ref(),
                &me.cfg.paths.images_dir(),
                &me.store,
                &me.cfg.config_file,
            )
        })
        .await
        .map_err(|_| "internal error while preparing the profile".to_owned())??;
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

async fn run(shared: Arc<Shared>, mut rx: UnboundedReceiver<Command>) {
    let shutdown = CancellationToken::new();
    let mut cancels: HashMap<JobId, CancellationToken> = HashMap::new();
    let mut tasks: JoinSet<JobId> = JoinSet::new();

    if shared.cfg.resume {
        let store = shared.store.clone();
        match store.run(|s| s.unfinished()).await {
            Ok(jobs) => {
                if !jobs.is_empty() {
                    tracing::info!(count = jobs.len(), "resuming unfinished jobs");
                }
                for job in jobs {
                    spawn_job(&shared, &mut tasks, &mut cancels, &shutdown, job, false);
                }
            }
            Err(e) => shared.emit(ApiEvent::Notice {
                level: Level::Error,
                text: format!("cannot resume jobs: {e}"),
            }),
        }
    }

    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Command::Submit(job)) => spawn_job(&shared, &mut tasks, &mut cancels, &shutdown, *job, true),
                Some(Command::Cancel(id)) => match cancels.get(&id) {
                    Some(token) => token.cancel(),
                    None => tracing::debug!(%id, "cancel for a job that is not running here"),
                },
                Some(Command::Shutdown) | None => break,
            },
            Some(done) = tasks.join_next(), if !tasks.is_empty() => match done {
                Ok(id) => { cancels.remove(&id); }
                Err(e) => {
                    tracing::error!("a job task ended abnormally: {e}");
                    shared.emit(ApiEvent::Notice { level: Level::Error, text: "a job task stopped unexpectedly; it resumes on the next start".into() });
                }
            },
        }
    }
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
}

fn spawn_job(
    shared: &Arc<Shared>,
    tasks: &mut JoinSet<JobId>,
    cancels: &mut HashMap<JobId, CancellationToken>,
    shutdown: &CancellationToken,
    job: Job,
    is_new: bool,
) {
    let id = job.id;
    if cancels.contains_key(&id) {
        tracing::warn!(%id, "job already running; not started twice");
        return;
    }
    let cancel = CancellationToken::new();
    cancels.insert(id, cancel.clone());
    let shared = Arc::clone(shared);
    let shutdown = shutdown.clone();
    let span = tracing::info_span!("job", id = %job.id.short(), profile = %job.profile, model = %job.request.model);
    tasks.spawn(tracing::Instrument::instrument(
        async move {
            runner::run(shared, job, is_new, cancel, shutdown).await;
            id
        },
        span,
    ));
}
