//! The loop: one `select!` over network events, helper results, terminal input, a tick that
//! runs only while a job is active, and signals; then the effects; then a frame if anything
//! changed. Input is drawn at once, background changes at most four times a second, and
//! nothing is drawn when nothing changed. It runs over any `Screen` and any input stream, so
//! tests drive it in-process with a `TestScreen` and scripted events.

use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::effects::EffectRunner;
use super::message::Msg;
use super::screen::Screen;
use super::{App, Effect};
use crate::api::ApiEvent;
use crate::domain::Timestamp;
use crate::ui::{self, RenderCtx};

/// Fewest milliseconds between two redraws caused by background changes.
const BACKGROUND_FRAME: Duration = Duration::from_millis(250);
/// The tick while jobs are active (elapsed times change once a second).
const TICK: Duration = Duration::from_secs(1);

/// A signal the launcher forwards into the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM.
    Terminate,
    /// SIGHUP: the terminal went away.
    Hangup,
    /// SIGINT.
    Interrupt,
}

/// Why the loop ended.
#[derive(Debug)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A signal ended it (its number).
    Signal(i32),
    /// Terminal input ended or failed (the terminal may have hung up).
    InputGone,
    /// A frame could not be written.
    DrawFailed(std::io::Error),
}

/// The loop's state between two steps.
pub struct EventLoop<S, I> {
    /// The application.
    pub app: App,
    /// Where frames go.
    pub screen: S,
    input: I,
    api: UnboundedReceiver<ApiEvent>,
    msgs: UnboundedReceiver<Msg>,
    signals: UnboundedReceiver<Signal>,
    runner: EffectRunner,
    tick: Interval,
    background_dirty: bool,
    last_draw: Instant,
    /// Panic after the first frame (a test hook set by the launcher).
    pub panic_after_frame: bool,
}

/// What one turn of the `select!` produced.
enum Turn {
    Effects(Vec<Effect>),
    Exit(Exit),
}

impl<S: Screen, I: Stream<Item = std::io::Result<Event>> + Unpin> EventLoop<S, I> {
    /// A loop over `screen` and `input`, with the network events `api`, the helper results
    /// `msgs` (their sender is in `runner`) and the forwarded `signals`.
    pub fn new(
        app: App,
        screen: S,
        input: I,
        api: UnboundedReceiver<ApiEvent>,
        msgs: UnboundedReceiver<Msg>,
        signals: UnboundedReceiver<Signal>,
        runner: EffectRunner,
    ) -> Self {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            app,
            screen,
            input,
            api,
            msgs,
            signals,
            runner,
            tick,
            background_dirty: false,
            last_draw: Instant::now() - BACKGROUND_FRAME,
            panic_after_frame: false,
        }
    }

    /// Runs effects as if the update had asked for them (the first decodes at start).
    pub fn apply(&mut self, effects: Vec<Effect>) {
        let now = Instant::now().into_std();
        self.runner
            .run(effects, &mut self.app, &mut self.screen, now);
    }

    /// Runs until the loop ends.
    pub async fn run(&mut self) -> Exit {
        loop {
            if let Some(exit) = self.step().await {
                return exit;
            }
        }
    }

    /// One turn: a frame if one is due, then wait for the next thing to happen and handle it.
    pub async fn step(&mut self) -> Option<Exit> {
        if let Err(e) = self.draw_if_due() {
            return Some(Exit::DrawFailed(e));
        }
        match self.next_turn().await {
            Turn::Exit(exit) => return Some(exit),
            Turn::Effects(fx) => self.apply(fx),
        }
        self.app.state.quit.then_some(Exit::Quit)
    }

    /// Draws now if anything changed, ignoring the background frame rate.
    pub fn draw_now(&mut self) -> std::io::Result<()> {
        if self.app.dirty || self.background_dirty {
            self.draw()?;
        }
        Ok(())
    }

    fn draw_if_due(&mut self) -> std::io::Result<()> {
        let due = self.background_dirty && Instant::now() >= self.last_draw + BACKGROUND_FRAME;
        if self.app.dirty || due {
            self.draw()?;
        }
        Ok(())
    }

    fn draw(&mut self) -> std::io::Result<()> {
        let now = Instant::now();
        let app = &mut self.app;
        let ctx = RenderCtx {
            theme: &app.theme,
            keymap: &app.keymap,
            now: now.into_std(),
            wall: Timestamp::now(),
        };
        let (state, view, previews) = (&app.state, &mut app.view, &mut app.previews);
        self.screen
            .draw(&mut |f| ui::render(f, state, view, previews, &ctx))?;
        // kitty images that are no longer shown are freed in the terminal.
        let stale = app.previews.take_stale_kitty();
        if !stale.is_empty() {
            let tmux = app.previews.in_tmux();
            let seq: String = stale
                .iter()
                .map(|id| crate::preview::kitty::delete(*id, tmux))
                .collect();
            self.screen.write_raw(seq.as_bytes())?;
        }
        app.dirty = false;
        self.background_dirty = false;
        self.last_draw = now;
        if self.panic_after_frame {
            // Lets the test suite prove the terminal is restored after a panic.
            panic!("QIMG_TEST_PANIC=render is set: a deliberate panic after the first frame");
        }
        Ok(())
    }

    /// Marks a background change: drawn at the background frame rate, not at once.
    fn settle_background(&mut self) {
        if self.app.dirty {
            self.app.dirty = false;
            self.background_dirty = true;
        }
    }

    async fn next_turn(&mut self) -> Turn {
        let now = Instant::now();
        let frame_deadline = self
            .background_dirty
            .then_some(self.last_draw + BACKGROUND_FRAME);
        let notice_deadline = self
            .app
            .state
            .notice_expiry(now.into_std())
            .map(Instant::from_std);
        let active = self.app.state.jobs.any_active();
        let detection_deadline = self.app.detection_deadline().map(Instant::from_std);
        let mut fx = Vec::new();
        tokio::select! {
            biased;
            Some(ev) = self.api.recv() => {
                fx.extend(self.app.on_api(ev, Instant::now().into_std()));
                // Drain what else arrived, so a burst costs one frame.
                while let Ok(ev) = self.api.try_recv() {
                    fx.extend(self.app.on_api(ev, Instant::now().into_std()));
                }
                self.settle_background();
            }
            ev = self.input.next() => match ev {
                Some(Ok(ev)) => {
                    fx.extend(self.app.on_event(&ev, Instant::now().into_std()));
                    self.drain_input(&mut fx).await;
                }
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    return Turn::Exit(Exit::InputGone);
                }
                None => return Turn::Exit(Exit::InputGone),
            },
            Some(msg) = self.msgs.recv() => {
                // A preview is what the user waits for: a decode is drawn at once (drawing asks
                // the worker for the picture), and so is the picture, not at the background
                // frame rate.
                let at_once = matches!(msg, Msg::PreviewEncoded(_) | Msg::PreviewDecoded { .. });
                fx.extend(self.app.on_msg(msg, Instant::now().into_std()));
                if !at_once {
                    self.settle_background();
                }
            }
            Some(sig) = self.signals.recv() => return Turn::Exit(Exit::Signal(match sig {
                Signal::Terminate => 15,
                Signal::Hangup => 1,
                Signal::Interrupt => 2,
            })),
            _ = self.tick.tick(), if active => self.background_dirty = true,
            _ = sleep_until_opt(frame_deadline), if frame_deadline.is_some() => {}
            _ = sleep_until_opt(notice_deadline), if notice_deadline.is_some() => self.app.dirty = true,
            _ = sleep_until_opt(detection_deadline), if detection_deadline.is_some() => {
                fx.extend(self.app.on_detection_deadline(Instant::now().into_std()));
            }
        }
        Turn::Effects(fx)
    }

    /// Takes input that is already waiting (paste storms, resize storms), so it costs one
    /// frame. A zero timeout polls with this task's waker, so no wake-up is lost (a no-op
    /// waker would swallow the input stream's).
    async fn drain_input(&mut self, fx: &mut Vec<Effect>) {
        while let Ok(Some(Ok(ev))) = tokio::time::timeout(Duration::ZERO, self.input.next()).await {
            fx.extend(self.app.on_event(&ev, Instant::now().into_std()));
        }
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
