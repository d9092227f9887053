//! The loop (DESIGN.md §3): `select!` over network events, helper results, terminal input, a
//! tick that runs only while a job is active, and signals. Input is drawn at once; background
//! changes at most four times a second; nothing is drawn when nothing changed.

use std::time::Duration;

use crossterm::event::EventStream;
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::time::{Instant, MissedTickBehavior};

use super::{App, Effect, PAGE};
use crate::api::{Command, Engine, EngineConfig};
use crate::config::ImageProtocolSetting;
use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::domain::Timestamp;
use crate::message::Msg;
use crate::preview::{self, Previews};
use crate::state::State;
use crate::store::{JobFilter, Store};
use crate::tui::Tui;
use crate::ui::{self, RenderCtx};

/// Fewest milliseconds between two redraws caused by background changes.
const BACKGROUND_FRAME: Duration = Duration::from_millis(250);
/// The tick while jobs are active (elapsed times change once a second).
const TICK: Duration = Duration::from_secs(1);

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
}

/// How the TUI ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A signal ended it (its number).
    Signal(i32),
}

/// Runs the TUI until the user quits or a signal arrives. The terminal is restored on every
/// way out.
pub async fn run_tui(opts: TuiOptions) -> std::io::Result<Exit> {
    let mut tui = Tui::enter(opts.mouse)?;
    // ratatui-image turns tmux's allow-passthrough on for this pane; record it to put it back.
    let tmux = preview::TmuxPassthrough::record();
    // Ask the terminal about graphics before anything reads input (graphics.md P10).
    let (picker, info) = preview::detect(opts.image_protocol);
    let (msg_tx, mut msg_rx) = unbounded_channel::<Msg>();
    let resized_tx = msg_tx.clone();
    let previews = Previews::new(picker, &info, move |resp| {
        let _ = resized_tx.send(Msg::PreviewResized(resp));
    });
    let mut state = opts.state;
    state.graphics = info;
    if tmux.as_ref().is_some_and(|t| t.changed()) && state.graphics.protocol.is_some() {
        state.notice(crate::api::Level::Info, "tmux: allow-passthrough is on for this pane while qimg runs (for images); it is set back on exit", std::time::Instant::now());
    }
    let store = opts.engine.store.clone();
    load_first_page(&store, &mut state).await;
    let mut app = App::new(state, opts.theme, opts.keymap, previews);
    let mut events = EventStream::new();
    // Variables the profiles read keys from: removed from every program qimg starts.
    let key_vars: Vec<String> = opts
        .engine
        .profiles
        .values()
        .filter_map(|p| match &p.key_source {
            crate::config::KeySource::Env(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let (engine, mut api_rx) = Engine::start(opts.engine);
    let engine_tx = engine.sender();

    let hangup_watch = super::hangup::watch();
    // Test hook: ignore SIGHUP, as a process orphaned from its session never gets one, so the
    // suite can prove the watchdog alone ends a session whose terminal vanished.
    let listen_for_hup = std::env::var_os("QIMG_TEST_NO_SIGHUP").is_none();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);

    let mut background_dirty = false;
    let mut last_draw = Instant::now() - BACKGROUND_FRAME;
    let mut exit = Exit::Quit;
    // Set when the terminal hung up or input failed: nothing may be written to stderr after.
    let mut terminal_gone = false;
    // A write to the terminal that failed; reported after the terminal is restored.
    let mut failure: Option<std::io::Error> = None;
    let initial = app.preview_effects();
    run_effects(
        initial, &mut app, &mut tui, &engine_tx, &msg_tx, &store, &key_vars,
    );

    loop {
        let now = Instant::now();
        let due = background_dirty && now >= last_draw + BACKGROUND_FRAME;
        if app.dirty || due {
            let ctx = RenderCtx {
                theme: &app.theme,
                keymap: &app.keymap,
                now: now.into_std(),
                wall: Timestamp::now(),
            };
            let (state, previews) = (&app.state, &mut app.previews);
            if let Err(e) = tui.draw(|f| ui::render(f, state, previews, &ctx)) {
                failure = Some(e);
                break;
            }
            // kitty images that are no longer shown are freed in the terminal.
            let stale = app.previews.take_stale_kitty();
            if !stale.is_empty() {
                let tmux = app.previews.in_tmux();
                let seq: String = stale
                    .iter()
                    .map(|id| crate::preview::kitty::delete(*id, tmux))
                    .collect();
                if let Err(e) = tui.write_raw(seq.as_bytes()) {
                    failure = Some(e);
                    break;
                }
            }
            app.dirty = false;
            background_dirty = false;
            last_draw = now;
            if std::env::var_os("QIMG_TEST_PANIC").is_some_and(|v| v == "render") {
                // Lets the test suite prove the terminal is restored after a panic.
                panic!("QIMG_TEST_PANIC=render is set: a deliberate panic after the first frame");
            }
        }
        let frame_deadline = background_dirty.then_some(last_draw + BACKGROUND_FRAME);
        let notice_deadline = app
            .state
            .notice_expiry(now.into_std())
            .map(Instant::from_std);
        let active = app.state.jobs.any_active();
        let mut effects = Vec::new();
        tokio::select! {
            biased;
            Some(ev) = api_rx.recv() => {
                effects.extend(app.on_api(ev, std::time::Instant::now()));
                // Drain what else arrived, so a burst costs one frame.
                while let Ok(ev) = api_rx.try_recv() {
                    effects.extend(app.on_api(ev, std::time::Instant::now()));
                }
                if app.dirty {
                    app.dirty = false;
                    background_dirty = true;
                }
            }
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    effects.extend(app.on_event(&ev, std::time::Instant::now()));
                    // Coalesce input that is already waiting (paste storms, resize storms). A zero
                    // timeout polls with this task's waker, so no wake-up is lost (now_or_never's
                    // no-op waker would swallow crossterm's).
                    while let Ok(Some(Ok(ev))) = tokio::time::timeout(Duration::ZERO, events.next()).await {
                        effects.extend(app.on_event(&ev, std::time::Instant::now()));
                    }
                }
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    terminal_gone = true;
                    if super::hangup::terminal_gone() {
                        exit = Exit::Signal(1);
                    }
                    break;
                }
                None => {
                    terminal_gone = true;
                    if super::hangup::terminal_gone() {
                        exit = Exit::Signal(1);
                    }
                    break;
                }
            },
            Some(msg) = msg_rx.recv() => {
                effects.extend(app.on_msg(msg));
                if app.dirty {
                    app.dirty = false;
                    background_dirty = true;
                }
            }
            _ = tick.tick(), if active => background_dirty = true,
            _ = sleep_until_opt(frame_deadline), if frame_deadline.is_some() => {}
            _ = sleep_until_opt(notice_deadline), if notice_deadline.is_some() => app.dirty = true,
            _ = sigterm.recv() => { exit = Exit::Signal(15); break; }
            _ = sighup.recv(), if listen_for_hup => { exit = Exit::Signal(1); terminal_gone = true; break; }
            _ = sigint.recv() => { exit = Exit::Signal(2); break; }
        }
        run_effects(
            effects, &mut app, &mut tui, &engine_tx, &msg_tx, &store, &key_vars,
        );
        if app.state.quit {
            break;
        }
    }
    drop(hangup_watch);
    // A failed write usually means the terminal hung up before SIGHUP arrived.
    if failure.is_some() && super::hangup::terminal_gone() {
        terminal_gone = true;
        exit = Exit::Signal(1);
        failure = None;
    }
    if terminal_gone {
        crate::tui::detach_stderr();
    }
    drop(tui);
    if let Some(t) = tmux {
        t.restore();
    }
    // Job tasks stop at a safe point; their state is in the store and resumes next time.
    let _ = tokio::time::timeout(Duration::from_secs(3), engine.shutdown()).await;
    match failure {
        Some(e) => Err(e),
        None => Ok(exit),
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
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
            crate::api::Level::Error,
            format!("cannot read the job history: {e}"),
            std::time::Instant::now(),
        ),
    }
}

fn run_effects(
    effects: Vec<Effect>,
    app: &mut App,
    tui: &mut Tui,
    engine: &UnboundedSender<Command>,
    msg_tx: &UnboundedSender<Msg>,
    store: &Store,
    key_vars: &[String],
) {
    for fx in effects {
        match fx {
            Effect::Engine(cmd) => {
                if engine.send(cmd).is_err() {
                    app.state.notice(
                        crate::api::Level::Error,
                        "the network task stopped; restart qimg (jobs resume)",
                        std::time::Instant::now(),
                    );
                }
            }
            Effect::Decode(path) => {
                let (cols, rows) = tui.size();
                let (fw, fh) = app.previews.font_size();
                let max_w = (u32::from(cols) * u32::from(fw)).clamp(64, 2048);
                let max_h = (u32::from(rows) * u32::from(fh)).clamp(64, 2048);
                let tx = msg_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = crate::imaging::decode_file_for_preview(&path, max_w, max_h)
                        .map_err(|e| e.to_string());
                    let dims = crate::imaging::file_dimensions(&path);
                    let _ = tx.send(Msg::PreviewDecoded { path, result, dims });
                });
            }
            Effect::Repaint => {
                tui.clear();
                app.dirty = true;
            }
            Effect::LoadOlder => {
                let offset = app.state.jobs.len();
                let tx = msg_tx.clone();
                let store = store.clone();
                let filter = app.state.history.to_filter();
                tokio::spawn(async move {
                    let page = store.run(move |s| s.list(&filter, PAGE, offset)).await;
                    if let Ok(jobs) = page {
                        let more = jobs.len() == PAGE;
                        let _ = tx.send(Msg::OlderJobs { jobs, more });
                    }
                });
                // Only one page at a time.
                app.state.jobs.more_in_store = false;
            }
            Effect::ReloadJobs => {
                let tx = msg_tx.clone();
                let store = store.clone();
                let filter = app.state.history.to_filter();
                tokio::spawn(async move {
                    if let Ok(jobs) = store.run(move |s| s.list(&filter, PAGE, 0)).await {
                        let more = jobs.len() == PAGE;
                        let _ = tx.send(Msg::Reloaded { jobs, more });
                    }
                });
            }
            Effect::Clipboard(text) => {
                if let Err(e) = tui.copy_to_clipboard(&text) {
                    tracing::warn!("clipboard write failed: {e}");
                }
            }
            Effect::OpenExternal(path) => {
                if let Err(e) = super::external::open(&path, key_vars) {
                    app.state.notice(
                        crate::api::Level::Error,
                        format!("cannot open it: {e}"),
                        std::time::Instant::now(),
                    );
                    app.dirty = true;
                }
            }
            Effect::DeleteJob { id, files } => {
                let store = store.clone();
                tokio::spawn(async move {
                    if let Err(e) = store.run(move |s| s.delete_job(id)).await {
                        tracing::error!("cannot delete job {id}: {e}");
                    }
                    for f in files {
                        if let Err(e) = tokio::fs::remove_file(&f).await {
                            tracing::warn!("cannot delete {}: {e}", f.display());
                        }
                    }
                });
            }
            Effect::DecodeFull(path) => {
                let tx = msg_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = crate::imaging::decode_file_for_preview(&path, 8192, 8192)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::FullDecoded { path, result });
                });
            }
            Effect::Thumbs(paths) => {
                let Some(picker) = app.previews.picker().cloned() else {
                    continue;
                };
                let (fw, fh) = app.previews.font_size();
                let size = crate::preview::thumbs::THUMB;
                for path in paths {
                    let kitty_id = app
                        .previews
                        .is_kitty()
                        .then(|| app.previews.next_kitty_id());
                    let (tx, picker) = (msg_tx.clone(), picker.clone());
                    tokio::task::spawn_blocking(move || {
                        let max = (
                            u32::from(size.width) * u32::from(fw),
                            u32::from(size.height) * u32::from(fh),
                        );
                        let result = crate::imaging::decode_file_for_preview(&path, max.0, max.1)
                            .map_err(|e| e.to_string())
                            .and_then(|img| {
                                crate::preview::thumbs::encode(
                                    &picker,
                                    &img,
                                    size,
                                    kitty_id.unwrap_or(0),
                                )
                            });
                        let _ = tx.send(Msg::ThumbReady {
                            path,
                            result,
                            kitty_id,
                        });
                    });
                }
            }
            Effect::LoadParams(path) => {
                let tx = msg_tx.clone();
                tokio::task::spawn_blocking(move || {
                    use std::io::Read;
                    let mut bytes = Vec::new();
                    let read = std::fs::File::open(&path)
                        .and_then(|f| f.take(64 * 1024 * 1024).read_to_end(&mut bytes));
                    let shown =
                        crate::sanitize::sanitize_line(&path.display().to_string()).into_owned();
                    let result = match read {
                        Err(e) => Err(format!("{shown}: {e}")),
                        Ok(_) => crate::store::params::from_png(&bytes)
                            .map_err(|e| format!("{shown}: {e}")),
                    };
                    let _ = tx.send(Msg::Params(result));
                });
            }
        }
    }
}
