//! The terminal: raw mode, alternate screen, bracketed paste and focus reports on; everything
//! undone on every way out (drop, error, panic). Frames are wrapped in synchronized updates.

use std::io::{Stdout, Write, stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, EnableBracketedPaste, EnableFocusChange,
};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal in TUI mode; restored when dropped.
pub struct Tui {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    /// The screen is cleared at the start of the next frame (inside its synchronized update).
    clear_pending: bool,
    /// Stops qimg's input reader while another program owns the terminal.
    input: Option<super::input::Pauser>,
    /// Mouse reports were asked for.
    mouse: bool,
}

/// Whether mouse reports were switched on (and must be switched off again).
static MOUSE_ON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Puts the terminal back the way the user had it. Safe to call more than once; errors (such
/// as a terminal that hung up) are ignored.
pub fn restore() {
    let _ = crossterm::terminal::disable_raw_mode();
    let mut out = stdout();
    if MOUSE_ON.swap(false, std::sync::atomic::Ordering::SeqCst) {
        let _ = execute!(out, crossterm::event::DisableMouseCapture);
    }
    let _ = out.write_all(super::notify::restore_title());
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        DisableFocusChange,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = out.flush();
}

/// Points stderr at /dev/null. Used when the terminal has gone (SSH dropped, SIGHUP): every
/// later `eprintln!` (ratatui's "failed to show the cursor", a panic report) would otherwise
/// fail with EIO and panic, and a panic while restoring aborts the process.
pub fn detach_stderr() {
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stderr(&null);
    }
}

/// Installs a panic hook that restores the terminal before the report is printed.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

impl Tui {
    /// Writes bytes the terminal must get outside ratatui's buffer (kitty deletions).
    pub fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let out = self.terminal.backend_mut();
        out.write_all(bytes)?;
        out.flush()
    }

    /// Enters TUI mode; `mouse` turns on mouse reports.
    pub fn enter(mouse: bool) -> std::io::Result<Self> {
        install_panic_hook();
        crossterm::terminal::enable_raw_mode()?;
        let mut out = stdout();
        if let Err(e) = execute!(
            out,
            EnterAlternateScreen,
            EnableBracketedPaste,
            EnableFocusChange
        ) {
            restore();
            return Err(e);
        }
        if mouse {
            MOUSE_ON.store(true, std::sync::atomic::Ordering::SeqCst);
            if let Err(e) = execute!(out, crossterm::event::EnableMouseCapture) {
                restore();
                return Err(e);
            }
        }
        let terminal = match Terminal::new(CrosstermBackend::new(stdout())) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(Self {
            terminal,
            clear_pending: false,
            input: None,
            mouse,
        })
    }

    /// The reader to pause while another program owns the terminal.
    pub fn set_input(&mut self, pauser: super::input::Pauser) {
        self.input = Some(pauser);
    }

    /// Puts the terminal in TUI mode again after `restore` (an editor ran).
    fn reenter(&mut self) -> std::io::Result<()> {
        crossterm::terminal::enable_raw_mode()?;
        execute!(
            stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            EnableFocusChange,
            cursor::Hide
        )?;
        if self.mouse {
            MOUSE_ON.store(true, std::sync::atomic::Ordering::SeqCst);
            execute!(stdout(), crossterm::event::EnableMouseCapture)?;
        }
        Ok(())
    }

    /// Draws one frame inside a synchronized update (no tearing).
    pub fn draw(&mut self, f: impl FnOnce(&mut ratatui::Frame)) -> std::io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        if std::mem::take(&mut self.clear_pending) {
            queue!(
                self.terminal.backend_mut(),
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
            )?;
        }
        let res = self.terminal.draw(f).map(|_| ());
        queue!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        self.terminal.backend_mut().flush()?;
        res
    }

    /// Repaints everything on the next draw (after an overlay covered images, on focus gain).
    ///
    /// Not `Terminal::clear`: since ratatui 0.30 it first asks the terminal for the cursor
    /// position, and that answer cannot be read while the event stream owns the input, so it
    /// stalled the UI for 2 s and failed. Emptying both buffers makes the next draw write every
    /// cell, and the screen is cleared inside that frame's synchronized update (no flicker).
    pub fn clear(&mut self) {
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        self.clear_pending = true;
    }

    /// The terminal size in cells.
    pub fn size(&self) -> (u16, u16) {
        self.terminal
            .size()
            .map_or((80, 24), |s| (s.width, s.height))
    }
}

impl super::screen::Screen for Tui {
    fn draw(&mut self, render: &mut dyn FnMut(&mut ratatui::Frame)) -> std::io::Result<()> {
        Tui::draw(self, |f| render(f))
    }

    fn repaint(&mut self) {
        self.clear();
    }

    fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        Tui::write_raw(self, bytes)
    }

    fn size(&self) -> (u16, u16) {
        Tui::size(self)
    }

    fn suspend(&mut self) -> std::io::Result<()> {
        if let Some(p) = &self.input {
            p.pause();
        }
        restore();
        Ok(())
    }

    fn resume(&mut self) -> std::io::Result<()> {
        let result = self.reenter();
        self.clear();
        if let Some(p) = &self.input {
            p.resume();
        }
        result
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}
