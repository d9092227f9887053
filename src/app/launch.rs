//! Running the TUI on the real terminal: raw mode and the alternate screen, the graphics
//! query (before anything reads input), tmux's passthrough recorded and put back, the engine,
//! signals, the hang-up watchdog, and the loop. The terminal is restored on every way out.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::effects::EffectRunner;
use super::event_loop::{EventLoop, Exit, Signal};
use super::message::Msg;
use super::terminal::Tui;
use super::{App, PAGE};
use crate::api::{Engine, EngineConfig};
use crate::config::ImageProtocolSetting;
use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::domain::Level;
use crate::preview::{self, Previews};
use crate::services::Services;
use crate::state::State;
use crate::store::{JobFilter, Store};

/// What the TUI needs to start.
pub struct TuiOptions {
    /// The initial state (profile, form).
    pub state: State,
    /// Styles.
    pub theme: Theme,
    /// Bindings.
    pub keymap: Keymap,
    /// Preview protocol choice.
    pub image_protocol: ImageProtocolSetting,
    /// The network task's configuration.
    pub engine: EngineConfig,
    /// Report mouse clicks (config `mouse = true`).
    pub mouse: bool,
    /// `presets.toml`, where the presets popup saves.
    pub presets_file: std::path::PathBuf,
    /// Where contact sheets are exported.
    pub sheets_dir: std::path::PathBuf,
}

/// How the TUI looks, as the command line and the config chose.
#[derive(Debug, Clone)]
pub struct Look {
    /// Theme name: a built-in or `<config_dir>/themes/<name>.toml`.
    pub theme: String,
    /// `NO_COLOR` is set.
    pub no_color: bool,
    /// How previews are drawn.
    pub image_protocol: ImageProtocolSetting,
}

/// Opens the TUI over running services: the first state from the config and the active
/// profile, the theme (a broken one falls back to the default, with a notice), the engine
/// adopting every job nobody drives and watching the store for other processes' jobs.
pub async fn start(services: &Services, look: Look) -> std::io::Result<Ended> {
    let config = &services.config;
    let themes = services.paths.themes_dir();
    let (theme, theme_error) = match Theme::load(&look.theme, &themes, look.no_color) {
        Ok(t) => (t, None),
        Err(e) => (Theme::fallback(), Some(e.to_string())),
    };
    let mut state = State::initial(&services.profile, config);
    let now = std::time::Instant::now();
    for n in &services.store_notices {
        state.notice(Level::Warning, n.clone(), now);
    }
    if let Some(e) = theme_error {
        state.notice(Level::Warning, format!("{e}; using the default theme"), now);
    }
    match crate::config::wildcards::load(&services.paths.wildcards_dir()) {
        Ok(w) => state.form.wildcards = std::sync::Arc::new(w),
        Err(e) => state.notice(
            Level::Warning,
            format!("{e}; templates can use no wildcard"),
            now,
        ),
    }
    run_tui(TuiOptions {
        presets_file: services.paths.presets_file(),
        sheets_dir: services.paths.sheets_dir(),
        mouse: config.mouse,
        state,
        theme,
        keymap: Keymap::with_overrides(&config.key_overrides),
        image_protocol: look.image_protocol,
        engine: services.engine_config(crate::api::Adopt::All, true),
    })
    .await
}

/// How the TUI ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// A signal ended it (its number), or the terminal hung up (1).
    Signal(i32),
}

/// True when qimg runs in a session on this machine (a system viewer can be opened).
pub fn is_local_session() -> bool {
    std::env::var_os("SSH_CONNECTION").is_none() && std::env::var_os("SSH_TTY").is_none()
}

/// Runs the TUI until the user quits or a signal arrives.
pub async fn run_tui(opts: TuiOptions) -> std::io::Result<Ended> {
    let mut tui = Tui::enter(opts.mouse)?;
    // Images in tmux need the pane's allow-passthrough: record it, switch it on, put it back.
    let tmux = preview::TmuxPassthrough::record();
    let (msg_tx, msg_rx) = unbounded_channel::<Msg>();
    let answers_tx = msg_tx.clone();
    let (input, events) = super::input::start(move |a| {
        let _ = answers_tx.send(Msg::TerminalAnswer(a));
    })?;
    tui.set_input(input.pauser());
    let (graphics, picker, caps, info) =
        start_detection(&mut tui, opts.image_protocol, tmux.as_ref());
    let encoded_tx = msg_tx.clone();
    let mut previews = Previews::new(picker, &info, move |done| {
        let _ = encoded_tx.send(Msg::PreviewEncoded(done));
    });
    previews.set_kitty_caps(caps);
    let mut state = opts.state;
    state.graphics = info;
    if tmux.as_ref().is_some_and(|t| t.changed()) && state.graphics.protocol.is_some() {
        state.notice(
            Level::Info,
            "tmux: allow-passthrough is on for this pane while qimg runs (for images); it is set back on exit",
            std::time::Instant::now(),
        );
    }
    let store = opts.engine.store.clone();
    load_first_page(&store, &mut state).await;
    // The prompt history is not needed for the first frame: it comes in afterwards.
    load_recall(store.clone(), msg_tx.clone());
    let mut app = App::new(state, opts.theme, opts.keymap, previews).with_entropy(rand::random());
    app.local_session = is_local_session();
    app.graphics = graphics;
    let key_vars = key_variables(&opts.engine);
    let catalogue = std::sync::Arc::clone(&opts.engine.catalogue);
    let prices = crate::config::prices_of(&catalogue, &opts.engine.profiles);
    let (engine, api_rx) = Engine::start(opts.engine);
    let runner = EffectRunner {
        engine: engine.sender(),
        msgs: msg_tx,
        store,
        key_vars,
        tmux: preview::in_tmux(),
        home: directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()),
        catalogue,
        presets_file: opts.presets_file,
        sheets_dir: opts.sheets_dir,
        prices,
        spend_load: std::sync::Arc::default(),
    };
    let hangup_watch = super::hangup::watch();
    let signals = forward_signals()?;
    let mut event_loop = EventLoop::new(app, tui, events, api_rx, msg_rx, signals, runner);
    event_loop.panic_after_frame =
        std::env::var_os("QIMG_TEST_PANIC").is_some_and(|v| v == "render");
    let mut first = event_loop.app.preview_effects();
    // Neither is needed for the first frame: both are read after it, off the loop.
    let profile = event_loop.app.state.profile.name.clone();
    first.extend([
        super::Effect::LoadSpend,
        super::Effect::LoadPresets,
        super::Effect::Engine(crate::api::Command::ReadBalance(profile)),
    ]);
    event_loop.apply(first);
    let exit = event_loop.run().await;
    drop(input);
    drop(hangup_watch);
    let (result, terminal_gone) = finish(exit);
    if terminal_gone {
        // The terminal is gone: nothing may be written to stderr any more.
        super::terminal::detach_stderr();
    }
    drop(event_loop);
    if let Some(t) = tmux {
        t.restore();
    }
    // Job tasks stop at a safe point; their state is in the store and resumes next time.
    let _ = tokio::time::timeout(Duration::from_secs(3), engine.shutdown()).await;
    result
}

/// Writes the graphics probe (unless the user chose half blocks or off): its answers come
/// through the input reader, so the first frame does not wait for them. Until they come,
/// previews are off and the pane says the terminal is being asked.
fn start_detection(
    tui: &mut Tui,
    setting: crate::config::ImageProtocolSetting,
    tmux: Option<&preview::TmuxPassthrough>,
) -> (
    super::graphics::Graphics,
    Option<ratatui_image::picker::Picker>,
    preview::kitty::KittyCaps,
    crate::state::GraphicsInfo,
) {
    if !preview::wants_probe(setting) {
        let (picker, caps, info) = preview::conclude(setting, None);
        return (
            super::graphics::Graphics::fixed(setting),
            picker,
            caps,
            info,
        );
    }
    if let Some(t) = tmux {
        t.enable();
    }
    let in_tmux = tmux.is_some();
    if let Err(e) = tui.write_raw(&preview::probe(in_tmux)) {
        tracing::warn!("cannot write the graphics probe: {e}");
    }
    let info = crate::state::GraphicsInfo {
        protocol: None,
        note: Some(super::graphics::ASKING.into()),
    };
    let graphics = super::graphics::Graphics::probing(setting, in_tmux, std::time::Instant::now());
    (graphics, None, preview::kitty::KittyCaps::default(), info)
}

/// How the loop's end maps to the exit, and whether the terminal is gone (then nothing may be
/// written to it or to stderr). Input that ended, or a write that failed, on a terminal that
/// hung up is a hang-up: SIGHUP may not have arrived yet.
fn finish(exit: Exit) -> (std::io::Result<Ended>, bool) {
    match exit {
        Exit::Quit => (Ok(Ended::Quit), false),
        Exit::Signal(1) => (Ok(Ended::Signal(1)), true),
        Exit::Signal(n) => (Ok(Ended::Signal(n)), false),
        Exit::InputGone if super::hangup::terminal_gone() => (Ok(Ended::Signal(1)), true),
        Exit::InputGone => (Ok(Ended::Quit), true),
        Exit::DrawFailed(_) if super::hangup::terminal_gone() => (Ok(Ended::Signal(1)), true),
        Exit::DrawFailed(e) => (Err(e), false),
    }
}

/// Variables the profiles read keys from: removed from every program qimg starts.
fn key_variables(engine: &EngineConfig) -> Vec<String> {
    engine
        .profiles
        .values()
        .filter_map(|p| match &p.key_source {
            crate::config::KeySource::Env(name) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Forwards SIGTERM, SIGINT and SIGHUP into the loop. With `QIMG_TEST_NO_SIGHUP` set (a test
/// hook) SIGHUP is caught but not forwarded, as a process orphaned from its session never
/// gets one, so the suite can prove the watchdog alone ends a session whose terminal vanished.
fn forward_signals() -> std::io::Result<UnboundedReceiver<Signal>> {
    let (tx, rx) = unbounded_channel();
    let listen_for_hup = std::env::var_os("QIMG_TEST_NO_SIGHUP").is_none();
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        let send = |tx: &UnboundedSender<Signal>, s| tx.send(s).is_ok();
        loop {
            let go_on = tokio::select! {
                Some(()) = term.recv() => send(&tx, Signal::Terminate),
                Some(()) = int.recv() => send(&tx, Signal::Interrupt),
                Some(()) = hup.recv() => !listen_for_hup || send(&tx, Signal::Hangup),
                else => false,
            };
            if !go_on {
                break;
            }
        }
    });
    Ok(rx)
}

/// Reads the prompts sent before (the newest 10,000) for recall in the prompt field, off the
/// start-up path.
fn load_recall(store: Store, msgs: tokio::sync::mpsc::UnboundedSender<Msg>) {
    use crate::store::history::PromptKind;
    tokio::spawn(async move {
        match store
            .run(|s| s.prompt_history(PromptKind::Prompt, 10_000))
            .await
        {
            Ok(h) => {
                let _ = msgs.send(Msg::RecallLoaded(h));
            }
            Err(e) => tracing::warn!("cannot read the prompt history: {e}"),
        }
    });
}

async fn load_first_page(store: &Store, state: &mut State) {
    let result = store
        .run(|s| {
            let jobs = s.list(&JobFilter::default(), PAGE, 0)?;
            let more = jobs.len() == PAGE;
            Ok((jobs, more))
        })
        .await;
    match result {
        Ok((jobs, more)) => {
            state.jobs.extend_older(jobs);
            state.jobs.more_in_store = more;
        }
        Err(e) => state.notice(
            Level::Error,
            format!("cannot read the job history: {e}"),
            std::time::Instant::now(),
        ),
    }
}
