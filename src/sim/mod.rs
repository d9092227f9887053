//! The built-in simulator: an HTTP server on 127.0.0.1 that speaks Apiframe v2
//! and the OpenAI-compatible gateway as strictly as they are documented, takes a few seconds
//! per job, and serves real PNGs. The `sim` profile runs it in-process; `qimg sim` runs it
//! standalone; the tests use it.

// Route helpers return an axum `Response` as their early-exit error, as handlers do; boxing it
// would gain nothing on a test server.
#![allow(clippy::result_large_err)]

mod apiframe;
mod gateway;
pub mod render;
pub mod scenarios;
pub mod state;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use reqwest::Url;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::domain::catalogue::Catalogue;
use crate::domain::models::ParamsKey;
use state::{Inner, SimState, Stats};
pub use state::{JobReport, SeenRequest, StatsSnapshot};

/// How the `result` field of a COMPLETED job is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ResultShape {
    /// A single URL string (AF-DOC2, the SDK tests).
    #[default]
    String,
    /// A list of URL strings.
    List,
    /// `{"images": [...]}` (the newer docs).
    Images,
}

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Keys it accepts (`X-API-Key` for Apiframe, `Bearer` for the gateway).
    pub keys: Vec<String>,
    /// How long a job takes.
    pub job_duration: Duration,
    /// The Apiframe params key it accepts; the other one gets a 400 naming it.
    pub params_key: ParamsKey,
    /// Shape of `result`.
    pub result_shape: ResultShape,
    /// Fault scenarios.
    pub scenarios: scenarios::Scenarios,
    /// The models it serves, with their rules (the same catalogue the client validates with).
    pub catalogue: Arc<Catalogue>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            keys: vec![DEFAULT_KEY.to_owned()],
            job_duration: Duration::from_secs(4),
            params_key: ParamsKey::default(),
            result_shape: ResultShape::default(),
            scenarios: scenarios::Scenarios::default(),
            catalogue: Catalogue::shared_builtin(),
        }
    }
}

/// The key `qimg sim` accepts unless told otherwise (not a secret).
pub use crate::domain::SIM_DEFAULT_KEY as DEFAULT_KEY;

/// A running simulator.
pub struct SimServer {
    base_url: Url,
    state: Arc<SimState>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl SimServer {
    /// Binds 127.0.0.1:`port` (0 picks a free port) and starts serving.
    pub async fn start(config: SimConfig, port: u16) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let base_url = Url::parse(&base).map_err(std::io::Error::other)?;
        let state = Arc::new(SimState {
            config,
            base_url: base,
            inner: std::sync::Mutex::new(Inner::default()),
            counters: scenarios::Counters::default(),
            stats: Stats::default(),
        });
        let app = router(Arc::clone(&state));
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await });
            if let Err(e) = serve.await {
                tracing::error!("simulator stopped: {e}");
            }
        });
        Ok(Self {
            base_url,
            state,
            shutdown,
            task,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The first accepted key.
    pub fn key(&self) -> SecretString {
        SecretString::from(self.state.config.keys.first().cloned().unwrap_or_default())
    }

    /// The counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
    }

    /// Per-job poll facts.
    pub fn job_reports(&self) -> Vec<JobReport> {
        self.state.job_reports()
    }

    /// The latest requests that passed validation, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.state.requests()
    }

    /// Stops serving and waits for the server task.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}

/// A simulator that answers in memory, without a socket: its router serves requests handed
/// to it directly (in-process tests on tokio's paused clock, where a real socket would race the
/// clock).
pub struct SimService {
    state: Arc<SimState>,
    router: Router,
}

impl SimService {
    /// A simulator whose URLs (result links) start with `base_url`.
    pub fn new(config: SimConfig, base_url: &str) -> Self {
        let state = Arc::new(SimState {
            config,
            base_url: base_url.trim_end_matches('/').to_owned(),
            inner: std::sync::Mutex::new(Inner::default()),
            counters: scenarios::Counters::default(),
            stats: Stats::default(),
        });
        Self {
            router: router(Arc::clone(&state)),
            state,
        }
    }

    /// The router: a tower service from HTTP requests to responses.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
    }

    /// The latest requests that passed validation, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.state.requests()
    }
}

fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/v2/images/generate", post(apiframe::generate))
        .route("/v2/jobs/{id}", get(apiframe::job))
        .route("/v2/uploads", post(apiframe::upload))
        .route("/v2/me", get(apiframe::me))
        .merge(
            Router::new()
                .route("/v1/images/generations", post(gateway::generations))
                .route("/v1/images/edits", post(gateway::edits))
                .route_layer(axum::middleware::from_fn_with_state(
                    Arc::clone(&state),
                    gateway::guard,
                )),
        )
        .route("/cdn/{name}", get(apiframe::cdn))
        .route("/uploads/{name}", get(apiframe::uploaded))
        .route("/__sim/stats", get(stats))
        .route("/__sim/jobs", get(jobs))
        .route("/__sim/requests", get(requests))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            timed,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(state)
}

/// Adds each request's handling time to `server_time_us` (benchmarks subtract it), and counts
/// every POST and every 429, whichever switch or scenario sent it.
async fn timed(
    axum::extract::State(s): axum::extract::State<Arc<SimState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let t = std::time::Instant::now();
    let post = req.method() == axum::http::Method::POST;
    if post {
        state::Stats::bump(&s.stats.post_requests);
    }
    let resp = next.run(req).await;
    if resp.status() == axum::http::StatusCode::TOO_MANY_REQUESTS {
        state::Stats::bump(&s.stats.rate_limited);
        if post {
            state::Stats::bump(&s.stats.posts_rate_limited);
        }
    }
    let us = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
    s.stats
        .server_time_us
        .fetch_add(us, std::sync::atomic::Ordering::Relaxed);
    resp
}

async fn stats(
    axum::extract::State(s): axum::extract::State<Arc<SimState>>,
) -> axum::Json<StatsSnapshot> {
    axum::Json(s.stats.snapshot())
}

async fn requests(
    axum::extract::State(s): axum::extract::State<Arc<SimState>>,
) -> axum::Json<Vec<SeenRequest>> {
    axum::Json(s.requests())
}

async fn jobs(
    axum::extract::State(s): axum::extract::State<Arc<SimState>>,
) -> axum::Json<Vec<JobReport>> {
    axum::Json(s.job_reports())
}

/// Prompt switches that make a simulated job misbehave on purpose (documented in the README).
pub mod switches {
    /// The job fails half way (Apiframe) or the gateway answers with an error object.
    pub const FAIL: &str = "[sim:fail]";
    /// The job is cancelled on the server half way.
    pub const CANCEL: &str = "[sim:cancel]";
    /// The job reports a status qimg does not know.
    pub const UNKNOWN: &str = "[sim:unknown]";
    /// The first attempt is answered 429 with `Retry-After: 1`.
    pub const RATE_LIMIT_ONCE: &str = "[sim:429]";
    /// The job takes three times as long.
    pub const SLOW: &str = "[sim:slow]";
    /// The result URL answers 404.
    pub const GONE: &str = "[sim:gone]";
    /// The gateway never answers.
    pub const HANG: &str = "[sim:hang]";
    /// The submit is refused with 402: the team has 1 credit, the job needs 3.
    pub const NO_CREDITS: &str = "[sim:402]";
}
