//! The TUI in-process: the real `App` and `EventLoop` over a `TestScreen`, scripted key
//! events, and the real engine talking to the simulator in memory (no socket), all on tokio's
//! paused clock. A test sends keys and runs the loop until the state or the screen shows what
//! it waits for; failures print the screen.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use indexmap::IndexMap;
use qimg::api::transport::{Responding, Transport};
use qimg::api::{Adopt, Engine, EngineConfig, SimEndpoint, TransportOverride};
use qimg::app::effects::EffectRunner;
use qimg::app::message::Msg;
use qimg::app::screen::TestScreen;
use qimg::app::{App, EventLoop};
use qimg::config::keymap::Keymap;
use qimg::config::theme::Theme;
use qimg::config::{Paths, Profile};
use qimg::domain::catalogue::Catalogue;
use qimg::preview::Previews;
use qimg::sim::{SimConfig, SimService};
use qimg::state::{ProfileView, State};
use qimg::store::Store;
use ratatui_image::picker::Picker;
use secrecy::SecretString;
use tower::ServiceExt;

/// Where the in-memory simulator says it lives (its result URLs start here).
const SIM_BASE: &str = "http://127.0.0.1:9";

/// Real time a test may take before it fails (the clock inside is virtual).
const REAL_LIMIT: Duration = Duration::from_secs(60);

type Input = futures::channel::mpsc::UnboundedReceiver<std::io::Result<Event>>;

/// Hands every request to the simulator's router.
struct InMemory(axum::Router);

impl Transport for InMemory {
    fn execute(&self, mut req: reqwest::Request) -> Responding {
        let router = self.0.clone();
        Box::pin(async move {
            let mut builder = http::Request::builder()
                .method(req.method().clone())
                .uri(req.url().as_str());
            for (k, v) in req.headers() {
                builder = builder.header(k, v);
            }
            // Streaming bodies too (a multipart upload is a stream).
            let body = req
                .body_mut()
                .take()
                .map_or_else(axum::body::Body::empty, axum::body::Body::new);
            let request = builder
                .body(body)
                .map_err(|e| qimg::api::ApiError::Local(e.to_string()))?;
            let resp = router
                .oneshot(request)
                .await
                .map_err(|e| qimg::api::ApiError::Transport(e.to_string()))?;
            let (parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(|e| qimg::api::ApiError::Transport(e.to_string()))?;
            Ok(reqwest::Response::from(http::Response::from_parts(
                parts,
                bytes.to_vec(),
            )))
        })
    }
}

/// The TUI, running in-process.
pub struct Harness {
    pub lp: EventLoop<TestScreen, Input>,
    pub sim: SimService,
    keys: UnboundedSender<std::io::Result<Event>>,
    pub engine: Option<Engine>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// The built-in simulator profile (and its gateway twin in the picker) on a `width`×`height`
    /// screen; jobs take `job` of virtual time. `engine_key` is the key the engine sends.
    pub fn start(width: u16, height: u16, job: Duration, engine_key: &str) -> Self {
        Self::start_tweaked(width, height, job, engine_key, |_| {})
    }

    /// Like `start`, with the `sim` profile changed by `tweak` first.
    pub fn start_tweaked(
        width: u16,
        height: u16,
        job: Duration,
        engine_key: &str,
        tweak: impl FnOnce(&mut Profile),
    ) -> Self {
        let sim = SimService::new(
            SimConfig {
                job_duration: job,
                ..SimConfig::default()
            },
            SIM_BASE,
        );
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let mut profiles = IndexMap::new();
        let mut sim_profile = Profile::builtin_sim();
        tweak(&mut sim_profile);
        for p in [sim_profile, Profile::builtin_sim_gateway()] {
            profiles.insert(p.name.clone(), p);
        }
        let store = Store::open_in_memory().unwrap();
        let transport: Arc<dyn Transport> = Arc::new(InMemory(sim.router()));
        let (engine, api) = Engine::start(EngineConfig {
            store: store.clone(),
            paths: paths.clone(),
            config_file: paths.config_file(),
            profiles: profiles.clone(),
            sim: Some(SimEndpoint::new(
                reqwest::Url::parse(SIM_BASE).unwrap(),
                SecretString::from(engine_key.to_owned()),
            )),
            adopt: Adopt::Nothing,
            watch_store: false,
            transport: Some(TransportOverride(transport)),
            catalogue: qimg::domain::catalogue::Catalogue::shared_builtin(),
        });
        let (msg_tx, msg_rx) = tokio::sync::mpsc::unbounded_channel();
        let resized = msg_tx.clone();
        let catalogue = Catalogue::builtin();
        let view = ProfileView::of(&profiles["sim"], &paths.config_file(), catalogue);
        let mut state = State::new(view.clone(), view.form());
        state.profiles = profiles
            .values()
            .map(|p| ProfileView::of(p, &paths.config_file(), catalogue))
            .collect();
        state.graphics = qimg::preview::info_for(
            &Picker::halfblocks(),
            qimg::config::ImageProtocolSetting::Halfblocks,
        );
        let previews = Previews::new(Some(Picker::halfblocks()), &state.graphics, move |r| {
            let _ = resized.send(Msg::PreviewEncoded(r));
        });
        let app = App::new(state, Theme::fallback(), Keymap::default(), previews).with_entropy(7);
        let runner = EffectRunner {
            engine: engine.sender(),
            msgs: msg_tx,
            store,
            key_vars: Vec::new(),
            catalogue: Catalogue::shared_builtin(),
            tmux: false,
            home: None,
            presets_file: paths.presets_file(),
            sheets_dir: paths.sheets_dir(),
            prices: qimg::domain::ledger::Prices::new(Catalogue::shared_builtin(), []),
            spend_load: std::sync::Arc::default(),
        };
        let (keys, input) = unbounded();
        let (_signal_tx, signals) = tokio::sync::mpsc::unbounded_channel();
        // The loop keeps running without signals: the sender may go.
        let screen = TestScreen::new(width, height).unwrap();
        let lp = EventLoop::new(app, screen, input, api, msg_rx, signals, runner);
        Self {
            lp,
            sim,
            keys,
            engine: Some(engine),
            _dir: dir,
        }
    }

    /// Sends one key.
    pub fn key(&self, code: KeyCode, mods: KeyModifiers) {
        self.keys
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, mods))))
            .unwrap();
    }

    /// Types `text`, one key per character.
    pub fn text(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    /// Sends Ctrl-`c`.
    pub fn ctrl(&self, c: char) {
        self.key(KeyCode::Char(c), KeyModifiers::CONTROL);
    }

    /// The screen as text, after drawing what changed.
    pub fn screen(&mut self) -> String {
        self.lp.draw_now().unwrap();
        self.lp.screen.text()
    }

    /// Runs the loop until `done` holds for the app and the screen, or fails (with the screen)
    /// after the real-time limit. The virtual timeout only makes each turn give way.
    pub async fn run_until(
        &mut self,
        what: &str,
        mut done: impl FnMut(&App, &str) -> bool,
    ) -> String {
        let start = std::time::Instant::now();
        loop {
            let screen = self.screen();
            if done(&self.lp.app, &screen) {
                return screen;
            }
            assert!(
                start.elapsed() < REAL_LIMIT,
                "gave up waiting for {what}; the screen:\n{screen}"
            );
            if let Ok(Some(exit)) =
                tokio::time::timeout(Duration::from_secs(5), self.lp.step()).await
            {
                panic!("the loop ended ({exit:?}) while waiting for {what}");
            }
        }
    }

    /// Runs the loop until the pending input has been handled (every key sent so far).
    pub async fn settle(&mut self) -> String {
        let start = std::time::Instant::now();
        // Two quiet turns in a row: the keys are in, and what they asked for is done.
        let mut quiet = 0;
        while quiet < 2 {
            assert!(start.elapsed() < REAL_LIMIT, "the loop never settled");
            match tokio::time::timeout(Duration::from_millis(300), self.lp.step()).await {
                Ok(Some(exit)) => panic!("the loop ended: {exit:?}"),
                Ok(None) => quiet = 0,
                Err(_) => quiet += 1,
            }
        }
        self.screen()
    }

    /// Stops the engine.
    pub async fn stop(mut self) {
        if let Some(e) = self.engine.take() {
            e.shutdown().await;
        }
    }
}
