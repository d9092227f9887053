//! `ProfileRuntime`: what the network task keeps per profile: its providers (built once, with
//! the key), the rate gate, the concurrency slots, where images go, and past job durations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use super::apiframe::{ApiframeClient, ApiframeProvider};
use super::engine::SimEndpoint;
use super::gate::RateGate;
use super::http;
use super::openai::{GatewayProvider, OpenAiClient};
use super::provider::Provider;
use super::schedule::Expected;
use super::transport::{Reqwest, Transport};
use crate::config::{Profile, ProviderKind};
use crate::domain::catalogue::Catalogue;
use crate::domain::models::{ParamsKey, Wire};
use crate::store::Store;
use crate::util::is_loopback;

/// Store setting name for the params key that worked.
pub const PARAMS_KEY_SETTING: &str = "apiframe_params_key";

/// Why a profile cannot be used (the texts never contain the key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    /// The job's profile is no longer configured.
    #[error("there is no profile named `{0}` any more")]
    NoProfile(String),
    /// The profile could not be prepared (an internal error).
    #[error("internal error while preparing the profile")]
    Internal,
    /// The profile's key could not be read; the hint says how to give one.
    #[error("{0}")]
    Key(String),
    /// A simulator profile while the built-in simulator is not running.
    #[error("the built-in simulator is not running")]
    NoSimulator,
    /// A profile without an API origin.
    #[error("the profile has no base_url")]
    NoBaseUrl,
    /// An HTTP client could not be built.
    #[error("{0}")]
    Client(String),
}

/// A usable profile.
pub struct ProfileRuntime {
    /// The profile.
    pub profile: Profile,
    /// Its providers: Apiframe, the gateway, or (the simulator) both.
    providers: Vec<Arc<dyn Provider>>,
    /// The credential-free download client.
    pub download: reqwest::Client,
    /// Executes downloads (reqwest, or a test double).
    pub download_transport: Arc<dyn Transport>,
    /// Total deadline of one download.
    pub download_timeout: Duration,
    /// Whether result URLs on loopback are allowed (simulator and loopback profiles).
    pub allow_loopback: bool,
    /// Closed after a 429: every request of the profile waits.
    pub gate: Arc<RateGate>,
    /// At most `max_concurrent` jobs at once.
    pub slots: Semaphore,
    /// Where images are saved.
    pub output_dir: PathBuf,
    /// Set after a 401/403: no more requests until the key changes.
    auth_broken: AtomicBool,
    /// A submit was refused for want of credits (402): the profile's queued jobs wait.
    out_of_credits: AtomicBool,
    /// When the balance was last read (at most once a minute).
    pub balance_clock: Mutex<super::balance::BalanceClock>,
    key: SecretString,
    history: Mutex<HashMap<String, Vec<Duration>>>,
}

impl std::fmt::Debug for ProfileRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileRuntime")
            .field("profile", &self.profile.name)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// The origin and key a profile talks to.
fn origin(
    profile: &Profile,
    sim: Option<&SimEndpoint>,
    config_file: &Path,
) -> Result<(Url, SecretString), RuntimeError> {
    match (profile.kind, &profile.base_url, sim) {
        (ProviderKind::Sim, Some(url), _) => {
            let key = profile
                .resolve_key()
                .map_err(|e| RuntimeError::Key(e.to_string()))?;
            Ok((url.clone(), key))
        }
        (ProviderKind::Sim, None, Some(s)) => Ok((s.base_url.clone(), s.key.clone())),
        (ProviderKind::Sim, None, None) => Err(RuntimeError::NoSimulator),
        (_, None, _) => Err(RuntimeError::NoBaseUrl),
        (_, Some(url), _) => {
            let key = profile.resolve_key().map_err(|e| {
                RuntimeError::Key(format!("{e}; {}", profile.key_hint(config_file)))
            })?;
            Ok((url.clone(), key))
        }
    }
}

impl ProfileRuntime {
    /// Builds the runtime: resolves the key (may run `api_key_cmd`) and the providers.
    pub fn build(
        profile: &Profile,
        catalogue: &Arc<Catalogue>,
        sim: Option<&SimEndpoint>,
        images_dir: &Path,
        store: &Store,
        config_file: &Path,
        transport: Option<&Arc<dyn Transport>>,
    ) -> Result<Self, RuntimeError> {
        let (base, key) = origin(profile, sim, config_file)?;
        let loopback = is_loopback(&base);
        let gate = Arc::new(RateGate::default());
        let client_err = |e: super::error::ApiError| RuntimeError::Client(e.to_string());
        let mut providers: Vec<Arc<dyn Provider>> = Vec::new();
        if matches!(profile.kind, ProviderKind::Apiframe | ProviderKind::Sim) {
            let remembered = store
                .setting(&profile.name, PARAMS_KEY_SETTING)
                .ok()
                .flatten()
                .and_then(|s| ParamsKey::parse(&s));
            let params_key = remembered.unwrap_or(profile.params_key);
            let mut client =
                ApiframeClient::new(base.clone(), key.clone(), params_key).map_err(client_err)?;
            if let Some(t) = transport {
                client = client.with_transport(Arc::clone(t));
            }
            if let Some(t) = profile.request_timeout {
                client = client.with_timeout(t);
            }
            let provider = ApiframeProvider::new(client, Arc::clone(&gate), Arc::clone(catalogue));
            providers.push(Arc::new(provider));
        }
        if matches!(profile.kind, ProviderKind::OpenAi | ProviderKind::Sim) {
            let mut client = OpenAiClient::new(base, key.clone()).map_err(client_err)?;
            if let Some(t) = transport {
                client = client.with_transport(Arc::clone(t));
            }
            providers.push(Arc::new(GatewayProvider::new(
                client,
                profile.request_timeout,
                Arc::clone(catalogue),
            )));
        }
        let read_timeout = profile
            .request_timeout
            .unwrap_or(http::DOWNLOAD_READ_TIMEOUT);
        let download = http::download_client(loopback, read_timeout).map_err(client_err)?;
        let download_transport: Arc<dyn Transport> = match transport {
            Some(t) => Arc::clone(t),
            None => Arc::new(Reqwest(download.clone())),
        };
        Ok(Self {
            profile: profile.clone(),
            providers,
            download,
            download_transport,
            download_timeout: profile.request_timeout.map_or(http::DOWNLOAD_TIMEOUT, |t| {
                (t * 4).min(http::DOWNLOAD_TIMEOUT)
            }),
            allow_loopback: loopback,
            gate,
            slots: Semaphore::new(usize::try_from(profile.max_concurrent).unwrap_or(4)),
            output_dir: profile
                .output_dir
                .clone()
                .unwrap_or_else(|| images_dir.to_path_buf()),
            auth_broken: AtomicBool::new(false),
            balance_clock: Mutex::default(),
            out_of_credits: AtomicBool::new(false),
            key,
            history: Mutex::new(HashMap::new()),
        })
    }

    /// The provider that speaks `wire` for this profile, if any.
    pub fn provider(&self, wire: Wire) -> Option<Arc<dyn Provider>> {
        self.providers.iter().find(|p| p.wire() == wire).cloned()
    }
    /// The key, for redacting it from server text. Never displayed.
    pub fn secret(&self) -> &str {
        self.key.expose_secret()
    }

    /// True after the provider refused the key.
    pub fn is_auth_broken(&self) -> bool {
        self.auth_broken.load(Ordering::Relaxed)
    }

    /// Marks the key as refused.
    pub fn mark_auth_broken(&self) {
        self.auth_broken.store(true, Ordering::Relaxed);
    }

    /// True while the provider says the account has too few credits.
    pub fn is_out_of_credits(&self) -> bool {
        self.out_of_credits.load(Ordering::Relaxed)
    }

    /// Pauses (or, `false`, resumes) the profile's queued jobs for want of credits.
    pub fn set_out_of_credits(&self, out: bool) {
        self.out_of_credits.store(out, Ordering::Relaxed);
    }

    /// The expected duration of a job of `model`, from past jobs (loaded from the store once).
    pub fn expected(&self, model: &str, store: &Store) -> Option<Expected> {
        let mut h = self.history.lock().ok()?;
        if !h.contains_key(model) {
            let past = store
                .recent_durations(&self.profile.name, model, 20)
                .unwrap_or_default();
            h.insert(model.to_owned(), past);
        }
        Expected::from_history(h.get(model)?)
    }

    /// Adds a finished job's server-side duration to the history.
    pub fn record_duration(&self, model: &str, d: Duration) {
        if let Ok(mut h) = self.history.lock() {
            let v = h.entry(model.to_owned()).or_default();
            v.insert(0, d);
            v.truncate(20);
        }
    }
}
