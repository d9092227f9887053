//! kitty graphics: qimg's own transmission (PNG or deflated when the terminal can), drawing by
//! Unicode placeholders, and housekeeping: qimg picks the image ids itself, so images that are
//! no longer shown can be deleted from the terminal's memory.

pub mod placeholders;
pub mod transmit;

pub use transmit::{KittyCaps, Payload};

/// The sequence that deletes image `id` and its data.
pub fn delete(id: u32, tmux: bool) -> String {
    wrap(&format!("\x1b_Ga=d,d=I,i={id},q=2\x1b\\"), tmux)
}

/// The sequence that deletes every image this program placed.
pub fn delete_all(tmux: bool) -> String {
    wrap("\x1b_Ga=d,d=A,q=2\x1b\\", tmux)
}

/// Wraps a sequence for tmux passthrough when `tmux`.
fn wrap(seq: &str, tmux: bool) -> String {
    if tmux {
        crate::imaging::sixel::tmux_wrap(seq)
    } else {
        seq.to_owned()
    }
}

/// Hands out image ids: never 0, and different from the last ones used.
#[derive(Debug, Default)]
pub struct Ids {
    next: u32,
}

impl Ids {
    /// The next id (starting from a process-specific base so two qimg in one terminal differ).
    pub fn take(&mut self) -> u32 {
        if self.next == 0 {
            self.next = (std::process::id() % 0x00FF_0000).wrapping_mul(16) % 0x00FF_FFFF + 1;
        }
        let id = self.next;
        self.next = if self.next >= 0x00FF_FFFF {
            1
        } else {
            self.next + 1
        };
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences() {
        assert_eq!(delete(7, false), "\x1b_Ga=d,d=I,i=7,q=2\x1b\\");
        assert_eq!(
            delete_all(true),
            "\x1bPtmux;\x1b\x1b_Ga=d,d=A,q=2\x1b\x1b\\\x1b\\"
        );
    }

    #[test]
    fn ids_are_unique_and_never_zero() {
        let mut ids = Ids::default();
        let a = ids.take();
        let b = ids.take();
        assert!(a != 0 && b != 0 && a != b);
    }
}
