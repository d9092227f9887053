//! A watchdog for a terminal that goes away (SSH drops, the window closes). qimg's input reader
//! ends on EOF or EIO, but a terminal can vanish in ways no read reports (an orphaned session
//! gets no SIGHUP; crossterm's reader, used before, spun forever on a dead tty). This thread
//! looks at the tty without reading it and ends the process the way a kill would, which the
//! store is built to survive: every transition is committed, and unfinished jobs resume on the
//! next start.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the terminal is looked at. A dead terminal costs at most this long plus
/// [`GRACE`] of one spinning core.
const PERIOD: Duration = Duration::from_millis(250);
/// Time left to the normal exit path (SIGHUP handled by the event loop) before the watchdog
/// ends the process itself.
const GRACE: Duration = Duration::from_millis(750);
/// The exit status for a terminal that hung up, as if SIGHUP had ended the process.
const EXIT_HANGUP: i32 = 129;

/// Stops the watchdog when dropped (the event loop has ended on its own).
pub struct HangupWatch {
    stop: Arc<AtomicBool>,
}

impl Drop for HangupWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Starts watching stdin, the terminal the UI reads from.
pub fn watch() -> HangupWatch {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let spawned = std::thread::Builder::new()
        .name("qimg-hangup".into())
        .spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                if terminal_gone() {
                    std::thread::sleep(GRACE);
                    if flag.load(Ordering::SeqCst) {
                        return;
                    }
                    // Nothing may be written to the dead terminal any more (a failed
                    // `eprintln!` panics, and a panic while exiting aborts).
                    super::terminal::detach_stderr();
                    tracing::warn!(
                        "the terminal went away; exiting (unfinished jobs resume on the next start)"
                    );
                    std::process::exit(EXIT_HANGUP);
                }
                std::thread::sleep(PERIOD);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the hangup watchdog: {e}");
    }
    HangupWatch { stop }
}

/// True when the terminal on stdin has hung up: `poll` reports HUP. Nothing is read, so no
/// key is taken from the UI. Linux only: macOS's `poll` answers NVAL for every tty, so there
/// the watchdog never fires (SIGHUP still ends qimg).
#[cfg(target_os = "linux")]
pub fn terminal_gone() -> bool {
    use rustix::event::{PollFd, PollFlags, poll};
    let stdin = std::io::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let zero = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    match poll(&mut fds, Some(&zero)) {
        Ok(_) => fds[0].revents().contains(PollFlags::HUP),
        Err(_) => false,
    }
}

/// See the Linux version: elsewhere a hangup is only noticed through SIGHUP.
#[cfg(not(target_os = "linux"))]
pub fn terminal_gone() -> bool {
    false
}
