//! `Screen`: what the loop needs of a terminal — draw a frame, repaint everything, write bytes
//! outside ratatui's buffer, know the size. The real terminal implements it in `terminal`;
//! `TestScreen` implements it over ratatui's `TestBackend` for in-process tests.

use std::io;

use ratatui::backend::TestBackend;
use ratatui::{Frame, Terminal};

/// A terminal the loop can draw on.
pub trait Screen {
    /// Draws one frame.
    fn draw(&mut self, render: &mut dyn FnMut(&mut Frame)) -> io::Result<()>;
    /// Makes the next frame write every cell (after something drew over the screen).
    fn repaint(&mut self);
    /// Writes bytes the terminal must get outside ratatui's buffer (kitty deletions, OSC 52).
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// The size in cells.
    fn size(&self) -> (u16, u16);
    /// Gives the terminal to another program (an editor): input is no longer read, raw mode
    /// and the alternate screen are off.
    fn suspend(&mut self) -> io::Result<()>;
    /// Takes the terminal back after [`Screen::suspend`]; the next frame repaints everything.
    fn resume(&mut self) -> io::Result<()>;
}

/// The OSC 52 sequence that puts `text` on the clipboard (at most 100,000 characters); inside
/// tmux it goes through passthrough, which tmux forwards without `set-clipboard`.
pub fn osc52(text: &str, tmux: bool) -> String {
    use base64::Engine as _;
    let text: String = text.chars().take(100_000).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    if tmux {
        format!("\x1bPtmux;\x1b\x1b]52;c;{b64}\x07\x1b\\")
    } else {
        format!("\x1b]52;c;{b64}\x07")
    }
}

/// A screen in memory: the frames land in a `TestBackend`, raw bytes in `raw`.
pub struct TestScreen {
    /// The terminal over the test backend.
    pub terminal: Terminal<TestBackend>,
    /// Every byte written outside the buffer.
    pub raw: Vec<u8>,
    /// How many full repaints were asked for.
    pub repaints: usize,
    /// Frames drawn.
    pub frames: usize,
    /// How often another program was given the terminal.
    pub suspends: usize,
}

impl TestScreen {
    /// A screen of `width`×`height` cells.
    pub fn new(width: u16, height: u16) -> io::Result<Self> {
        Ok(Self {
            terminal: Terminal::new(TestBackend::new(width, height)).map_err(io::Error::other)?,
            raw: Vec::new(),
            repaints: 0,
            frames: 0,
            suspends: 0,
        })
    }

    /// The screen's text, one line per row (trailing spaces kept).
    pub fn text(&self) -> String {
        let buf = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }
}

impl Screen for TestScreen {
    fn draw(&mut self, render: &mut dyn FnMut(&mut Frame)) -> io::Result<()> {
        self.frames += 1;
        self.terminal
            .draw(|f| render(f))
            .map(|_| ())
            .map_err(io::Error::other)
    }

    fn repaint(&mut self) {
        self.repaints += 1;
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
    }

    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.raw.extend_from_slice(bytes);
        Ok(())
    }

    fn size(&self) -> (u16, u16) {
        let a = self.terminal.backend().buffer().area;
        (a.width, a.height)
    }

    fn suspend(&mut self) -> io::Result<()> {
        self.suspends += 1;
        Ok(())
    }

    fn resume(&mut self) -> io::Result<()> {
        self.repaint();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipboard_sequences() {
        assert_eq!(osc52("hi", false), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("hi", true), "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\");
    }

    #[test]
    fn a_test_screen_keeps_what_was_drawn() {
        let mut s = TestScreen::new(10, 2).unwrap();
        s.draw(&mut |f| {
            f.render_widget(ratatui::widgets::Paragraph::new("qimg"), f.area());
        })
        .unwrap();
        assert!(s.text().starts_with("qimg"));
        assert_eq!((s.frames, s.size()), (1, (10, 2)));
    }
}
