//! The terminal's input, read by qimg itself on one thread: keys, mouse, paste and focus go to
//! the loop as crossterm events, and the terminal's answers to qimg's queries go to the app as
//! answers, whenever they come. So no query ever needs a reader of its own, none can be left
//! blocked on stdin after its deadline, and a late answer is never typed into a field. Window
//! size changes come from SIGWINCH.

pub mod parse;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::Event;
use futures::Stream;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::preview::Answer;
use parse::{Parser, Token};

/// How often the reader looks at its stop flag while the terminal is quiet.
const IDLE_WAIT: Duration = Duration::from_millis(200);

/// The running reader; it stops when this is dropped.
pub struct Input {
    stop: Arc<AtomicBool>,
    pauser: Pauser,
}

impl Input {
    /// What stops and restarts the reading while another program owns the terminal.
    pub fn pauser(&self) -> Pauser {
        self.pauser.clone()
    }
}

/// Stops the reader reading the terminal (an editor runs) and lets it go on again.
#[derive(Debug, Clone, Default)]
pub struct Pauser {
    paused: Arc<AtomicBool>,
    parked: Arc<AtomicBool>,
}

impl Pauser {
    /// Asks the reader to stop reading and waits until it has (at most a second).
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while !self.parked.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Lets the reader read again.
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The input events, as the loop reads them.
pub struct Events(UnboundedReceiver<io::Result<Event>>);

impl Stream for Events {
    type Item = io::Result<Event>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// Starts reading stdin (raw mode must be on) and listening for window size changes.
/// Answers go to `on_answer`.
pub fn start(on_answer: impl Fn(Answer) + Send + 'static) -> io::Result<(Input, Events)> {
    let (tx, rx) = unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let pauser = Pauser::default();
    let paused = pauser.clone();
    let events = tx.clone();
    std::thread::Builder::new()
        .name("qimg-input".into())
        .spawn(move || read_loop(&events, &on_answer, &flag, &paused))?;
    resizes(tx)?;
    Ok((Input { stop, pauser }, Events(rx)))
}

/// Sends a resize event for every SIGWINCH.
fn resizes(tx: UnboundedSender<io::Result<Event>>) -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut winch = signal(SignalKind::window_change())?;
    tokio::spawn(async move {
        while winch.recv().await.is_some() {
            if let Ok((w, h)) = crossterm::terminal::size()
                && tx.send(Ok(Event::Resize(w, h))).is_err()
            {
                break;
            }
        }
    });
    Ok(())
}

fn read_loop(
    events: &UnboundedSender<io::Result<Event>>,
    on_answer: &impl Fn(Answer),
    stop: &AtomicBool,
    pause: &Pauser,
) {
    let stdin = rustix::stdio::stdin();
    let mut parser = Parser::default();
    let mut chunk = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        if pause.paused.load(Ordering::SeqCst) {
            // Another program reads the terminal now.
            pause.parked.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        pause.parked.store(false, Ordering::SeqCst);
        let wait = if parser.pending() {
            parser.pending_wait()
        } else {
            IDLE_WAIT
        };
        let tokens = match wait_readable(wait) {
            Ok(false) if parser.pending() => parser.flush(),
            Ok(false) => continue,
            Ok(true) => match rustix::io::read(stdin, &mut chunk) {
                Ok(0) => {
                    let _ = events.send(Err(io::Error::from(io::ErrorKind::UnexpectedEof)));
                    return;
                }
                Ok(n) => parser.feed(&chunk[..n]),
                Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => continue,
                Err(e) => {
                    let _ = events.send(Err(e.into()));
                    return;
                }
            },
            Err(e) => {
                let _ = events.send(Err(e));
                return;
            }
        };
        for t in tokens {
            match t {
                Token::Event(ev) => {
                    if events.send(Ok(ev)).is_err() {
                        return;
                    }
                }
                Token::Answer(a) => on_answer(a),
                Token::PasteStart => {}
            }
        }
    }
}

/// Waits up to `wait` for stdin to be readable.
fn wait_readable(wait: Duration) -> io::Result<bool> {
    let stdin = rustix::stdio::stdin();
    let timeout = rustix::event::Timespec::try_from(wait).map_err(io::Error::other)?;
    let mut fds = [rustix::event::PollFd::new(
        &stdin,
        rustix::event::PollFlags::IN,
    )];
    match rustix::event::poll(&mut fds, Some(&timeout)) {
        Ok(0) => Ok(false),
        Ok(_) => {
            let hup = fds[0]
                .revents()
                .intersects(rustix::event::PollFlags::HUP | rustix::event::PollFlags::ERR);
            let readable = fds[0].revents().contains(rustix::event::PollFlags::IN);
            if hup && !readable {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            Ok(true)
        }
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
