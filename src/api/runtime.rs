//! `ProfileRuntime`: what the network task keeps per profile: its clients (built once, with the
//! key), the rate gate, the concurrency slots, where images go, and past job durations.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use super::apiframe::ApiframeClient;
use super::engine::SimEndpoint;
use super::gate::RateGate;
use super::http;
use super::openai::OpenAiClient;
use super::schedule::Expected;
use super::transport::{Reqwest, Transport};
use crate::config::{Profile, ProviderKind};
use crate::domain::models::ParamsKey;
use crate::store::Store;
use crate::util::is_loopback;

/// Store setting name for the params key that worked (DESIGN.md §1).
pub const PARAMS_KEY_SETTING: &str = "apiframe_params_key";

/// A usable profile.
pub struct ProfileRuntime {
    /// The profile.
    pub profile: Profile,
    /// Its Apiframe client (Apiframe and simulator profiles).
    pub apiframe: Option<ApiframeClient>,
    /// Its gateway client (gateway and simulator profiles).
    pub openai: Option<OpenAiClient>,
    /// The credential-free download client.
    pub download: reqwest::Client,
    /// Executes downloads (reqwest, or a test double).
    pub download_transport: Arc<dyn Transport>,
    /// Total deadline of one download.
    pub download_timeout: std::time::Duration,
    /// Whether result URLs on loopback are allowed (simulator and loopback profiles).
    pub allow_loopback: bool,
    /// Closed after a 429.
    pub gate: RateGate,
    /// At most `max_concurrent` jobs at once.
    pub slots: Semaphore,
    /// Where images are saved.
    pub output_dir: PathBuf,
    /// Set after a 401/403: no more requests until the key changes.
    pub auth_broken: AtomicBool,
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

impl ProfileRuntime {
    /// Builds the runtime: resolves the key (may run `api_key_cmd`) and the clients.
    pub fn build(
        profile: &Profile,
        sim: Option<&SimEndpoint>,
        images_dir: &std::path::Path,
        store: &Store,
        config_file: &std::path::Path,
        transport: Option<&Arc<dyn Transport>>,
    ) -> Result<Self, String> {
        let (base, key): (Url, SecretString) = match profile.kind {
            ProviderKind::Sim => match (&profile.base_url, sim) {
                (Some(url), _) => (
                    url.clone(),
                    profile.resolve_key().map_err(|e| e.to_string())?,
                ),
                (None, Some(s)) => (s.base_url.clone(), s.key.clone()),
                (None, None) => return Err("the built-in simulator is not running".into()),
            },
            _ => {
                let base = profile
                    .base_url
                    .clone()
                    .ok_or("the profile has no base_url")?;
                let key = profile
                    .resolve_key()
                    .map_err(|e| format!("{e}; {}", profile.key_hint(config_file)))?;
                (base, key)
            }
        };
        let loopback = is_loopback(&base);
        let remembered = store
            .setting(&profile.name, PARAMS_KEY_SETTING)
            .ok()
            .flatten()
            .and_then(|s| ParamsKey::parse(&s));
        let params_key = remembered.unwrap_or(profile.params_key);
        let apiframe = match profile.kind {
            ProviderKind::Apiframe | ProviderKind::Sim => {
                let client = ApiframeClient::new(base.clone(), key.clone(), params_key)
                    .map_err(|e| e.to_string())?;
                let client = match transport {
                    Some(t) => client.with_transport(Arc::clone(t)),
                    None => client,
                };
                Some(match profile.request_timeout {
                    Some(t) => client.with_timeout(t),
                    None => client,
                })
            }
            ProviderKind::OpenAi => None,
        };
        let openai = match profile.kind {
            ProviderKind::OpenAi | ProviderKind::Sim => {
                let client = OpenAiClient::new(base, key.clone()).map_err(|e| e.to_string())?;
                Some(match transport {
                    Some(t) => client.with_transport(Arc::clone(t)),
                    None => client,
                })
            }
            ProviderKind::Apiframe => None,
        };
        let download = http::download_client(
            loopback,
            profile
                .request_timeout
                .unwrap_or(http::DOWNLOAD_READ_TIMEOUT),
        )
        .map_err(|e| e.to_string())?;
        let download_transport: Arc<dyn Transport> = match transport {
            Some(t) => Arc::clone(t),
            None => Arc::new(Reqwest(download.clone())),
        };
        Ok(Self {
            profile: profile.clone(),
            apiframe,
            openai,
            download,
            download_transport,
            download_timeout: profile.request_timeout.map_or(http::DOWNLOAD_TIMEOUT, |t| {
                (t * 4).min(http::DOWNLOAD_TIMEOUT)
            }),
            allow_loopback: loopback,
            gate: RateGate::default(),
            slots: Semaphore::new(usize::try_from(profile.max_concurrent).unwrap_or(4)),
            output_dir: profile
                .output_dir
                .clone()
                .unwrap_or_else(|| images_dir.to_path_buf()),
            auth_broken: AtomicBool::new(false),
            key,
            history: Mutex::new(HashMap::new()),
        })
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
