//! Telling the user: when a job (or a whole batch) ends and the terminal does not have the
//! focus (`notify`), a desktop notification escape — kitty's OSC 99, VTE's OSC 777, else OSC 9
//! — wrapped for tmux passthrough, with a bell when asked; and the window title kept as a
//! progress line ("qimg ◐2 ✓5 ✗1"), the previous title saved first and put back on exit.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{App, Effect};
use crate::domain::notify::osc_safe;
use crate::domain::{Job, JobState, StateKind};

/// The title was saved on the terminal's title stack (it is put back on exit).
pub(super) static TITLE_PUSHED: AtomicBool = AtomicBool::new(false);

/// The bytes that set the window title to `text` (saving the old one the first time).
fn title_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if !TITLE_PUSHED.swap(true, Ordering::SeqCst) {
        out.extend_from_slice(b"\x1b[22;0t");
    }
    out.extend_from_slice(format!("\x1b]2;{}\x07", osc_safe(text, 80)).as_bytes());
    out
}

/// Which notification escape the terminal understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Osc {
    /// kitty's OSC 99.
    Kitty,
    /// VTE terminals' (GNOME Terminal, Tilix…) OSC 777.
    Vte,
    /// OSC 9 (iTerm2, WezTerm, Windows Terminal, foot, ghostty…).
    Nine,
}

/// The bytes of one notification saying `text`.
fn notification_bytes(text: &str, osc: Osc, tmux: bool, bell: bool) -> Vec<u8> {
    let body = osc_safe(text, 200);
    let seq = match osc {
        Osc::Kitty => format!("\x1b]99;;{body}\x1b\\"),
        Osc::Vte => format!("\x1b]777;notify;qimg;{body}\x07"),
        Osc::Nine => format!("\x1b]9;{body}\x07"),
    };
    let mut out = if tmux {
        // Through tmux to the outer terminal: every ESC inside is doubled.
        let inner = seq.replace('\x1b', "\x1b\x1b");
        format!("\x1bPtmux;{inner}\x1b\\").into_bytes()
    } else {
        seq.into_bytes()
    };
    if bell {
        out.push(0x07);
    }
    out
}

/// Puts the saved title back (on exit).
pub fn restore_title() -> &'static [u8] {
    if TITLE_PUSHED.swap(false, Ordering::SeqCst) {
        b"\x1b[23;0t"
    } else {
        b""
    }
}

impl App {
    /// After `job` changed: the notification of its end (or its batch's), when one is due,
    /// and `notify_cmd` with its JSON.
    pub(super) fn ending_effects(&mut self, job: &Job, was_active: bool) -> Vec<Effect> {
        if !was_active || !job.state.is_end() {
            return Vec::new();
        }
        let (mode, bell) = self.state.notify;
        if !mode.wants(self.state.focused) {
            return Vec::new();
        }
        let Some((text, json)) = self.ending(job) else {
            return Vec::new();
        };
        let mut fx = Vec::new();
        if self.state.notify_cmd.is_some() {
            fx.push(Effect::NotifyCmd(json.to_string()));
        }
        let osc = if self.previews.is_kitty() {
            Osc::Kitty
        } else if std::env::var_os("VTE_VERSION").is_some() {
            Osc::Vte
        } else {
            Osc::Nine
        };
        fx.push(Effect::WriteTerminal(notification_bytes(
            &text,
            osc,
            self.previews.in_tmux(),
            bell,
        )));
        fx
    }

    /// The text and the JSON of `job`'s end, or of its batch's when it was the batch's last
    /// job; `None` while the batch goes on (one digest per batch).
    fn ending(&self, job: &Job) -> Option<(String, serde_json::Value)> {
        if let Some(b) = job.batch {
            let p = self.state.jobs.batch_progress(b);
            if !p.ended() {
                return None;
            }
            let cost = if p.credits > 0 {
                format!(", {} credits", p.credits)
            } else {
                String::new()
            };
            let failed = p.failed + p.attention;
            let text = format!(
                "qimg: batch {} ended: {} done, {failed} failed{cost}",
                b.short(),
                p.done
            );
            let json = serde_json::json!({
                "event": "batch_ended", "batch": b.to_string(), "done": p.done,
                "failed": failed, "credits": p.credits, "text": text,
            });
            return Some((text, json));
        }
        let text = match &job.state {
            JobState::Done => format!("qimg: job {} done: {}", job.id.short(), job.request.prompt),
            s => format!(
                "qimg: job {} {}: {}",
                job.id.short(),
                s.name().replace('_', " "),
                s.message().unwrap_or("")
            ),
        };
        let json = serde_json::json!({
            "event": "job_ended", "id": job.id.to_string(), "profile": job.profile,
            "model": job.request.model, "prompt": job.request.prompt, "state": job.state.name(),
            "message": job.state.message(), "saved_paths": job.saved_paths,
            "credit_cost": job.credit_cost, "text": text,
        });
        Some((text, json))
    }

    /// The title as a progress line, when it changed.
    pub(super) fn title_effect(&mut self) -> Option<Effect> {
        let items = self.state.jobs.items();
        if items.is_empty() {
            return None;
        }
        let count = |kinds: &[StateKind]| {
            items
                .iter()
                .filter(|v| kinds.contains(&v.job.state.kind()))
                .count()
        };
        let (active, done, failed) = (
            count(&StateKind::ACTIVE),
            count(&[StateKind::Done]),
            count(&StateKind::FAILED),
        );
        let mut title = format!("qimg ◐{active} ✓{done}");
        if failed > 0 {
            title.push_str(&format!(" ✗{failed}"));
        }
        if self.last_title.as_deref() == Some(title.as_str()) {
            return None;
        }
        let bytes = title_bytes(&title);
        self.last_title = Some(title);
        Some(Effect::WriteTerminal(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_are_wrapped_for_tmux_and_carry_no_control_text() {
        let n = notification_bytes("done \u{1b}]0;x\u{7}", Osc::Nine, false, true);
        assert_eq!(n, b"\x1b]9;done ]0,x\x07\x07");
        let t = notification_bytes("ok", Osc::Nine, true, false);
        assert_eq!(t, b"\x1bPtmux;\x1b\x1b]9;ok\x07\x1b\\");
        let k = notification_bytes("ok", Osc::Kitty, false, false);
        assert_eq!(k, b"\x1b]99;;ok\x1b\\");
        let v = notification_bytes("ok", Osc::Vte, false, false);
        assert_eq!(v, b"\x1b]777;notify;qimg;ok\x07");
    }
}
