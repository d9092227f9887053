//! CSI sequences (`ESC [ …`): cursor and function keys with their modifiers, focus, SGR mouse
//! reports, bracketed paste, and the terminal's reports (device attributes, status, sizes).

use crossterm::event::{Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::{Step, Token, key};
use crate::preview::Answer;

/// `ESC [ …`: `None` when it is not a CSI sequence after all (read as Alt+`[`).
/// The key a final byte names, in CSI (`ESC [ 1;5 A`) and SS3 (`ESC O A`) alike.
pub(super) fn cursor_key(fin: u8) -> Option<KeyCode> {
    Some(match fin {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'R' => KeyCode::F(3),
        b'S' => KeyCode::F(4),
        _ => return None,
    })
}

pub(super) fn csi(b: &[u8], last: bool) -> Option<Step> {
    let body = &b[2..];
    let Some(end) = body.iter().position(|c| (0x40..=0x7e).contains(c)) else {
        return if last { None } else { Some(Step::Incomplete) };
    };
    if body[..end].iter().any(|c| !(0x20..=0x3f).contains(c)) {
        // Not a well-formed sequence: dropped whole, never typed.
        return Some(Step::Done(2 + end + 1, vec![]));
    }
    let params = std::str::from_utf8(&body[..end]).unwrap_or("");
    let tokens = csi_tokens(params, body[end]);
    Some(Step::Done(2 + end + 1, tokens))
}

fn modifiers(m: u16) -> KeyModifiers {
    let bits = m.saturating_sub(1);
    let mut mods = KeyModifiers::NONE;
    if bits & 1 != 0 {
        mods |= KeyModifiers::SHIFT;
    }
    if bits & 2 != 0 {
        mods |= KeyModifiers::ALT;
    }
    if bits & 4 != 0 {
        mods |= KeyModifiers::CONTROL;
    }
    if bits & 8 != 0 {
        mods |= KeyModifiers::SUPER;
    }
    mods
}

fn numbers(params: &str) -> Vec<u16> {
    params
        .split(';')
        .map(|p| p.split(':').next().unwrap_or("").parse().unwrap_or(0))
        .collect()
}

fn csi_tokens(params: &str, fin: u8) -> Vec<Token> {
    if let Some(rest) = params.strip_prefix('?') {
        return vec![Token::Answer(match fin {
            b'c' => Answer::DeviceAttributes(numbers(rest)),
            _ => Answer::Other,
        })];
    }
    if let Some(rest) = params.strip_prefix('<') {
        return mouse(rest, fin);
    }
    if params.starts_with(['>', '=']) {
        return vec![Token::Answer(Answer::Other)];
    }
    let n = numbers(params);
    let first = n.first().copied().unwrap_or(0);
    let mods = modifiers(n.get(1).copied().unwrap_or(1));
    // `CSI 1;m R` is F3 with modifiers; any other `R` is a cursor position report.
    let report = fin == b'R' && !(first == 1 && n.len() == 2);
    if let Some(code) = cursor_key(fin).filter(|_| !report) {
        return key(code, mods);
    }
    match fin {
        b'Z' => key(KeyCode::BackTab, KeyModifiers::SHIFT),
        b'I' => vec![Token::Event(Event::FocusGained)],
        b'O' => vec![Token::Event(Event::FocusLost)],
        b'n' if first == 0 || first == 3 => vec![Token::Answer(Answer::Status)],
        b't' if n.len() >= 3 && (first == 4 || first == 6) => {
            let (h, w) = (n[1], n[2]);
            vec![Token::Answer(if first == 6 {
                Answer::CellSize(w, h)
            } else {
                Answer::WindowPixels(w, h)
            })]
        }
        b'~' => tilde(first, mods),
        _ => vec![Token::Answer(Answer::Other)],
    }
}

fn tilde(n: u16, mods: KeyModifiers) -> Vec<Token> {
    let code = match n {
        1 | 7 => KeyCode::Home,
        2 => KeyCode::Insert,
        3 => KeyCode::Delete,
        4 | 8 => KeyCode::End,
        5 => KeyCode::PageUp,
        6 => KeyCode::PageDown,
        11..=15 => KeyCode::F((n - 10) as u8),
        17..=21 => KeyCode::F((n - 11) as u8),
        23..=26 => KeyCode::F((n - 12) as u8),
        28 | 29 | 31..=34 => return vec![],
        200 => return vec![Token::PasteStart],
        _ => return vec![Token::Answer(Answer::Other)],
    };
    key(code, mods)
}

/// SGR mouse reports (`CSI < b ; x ; y M|m`).
fn mouse(params: &str, fin: u8) -> Vec<Token> {
    let n = numbers(params);
    let (Some(&cb), Some(&x), Some(&y)) = (n.first(), n.get(1), n.get(2)) else {
        return vec![];
    };
    let mut mods = KeyModifiers::NONE;
    if cb & 4 != 0 {
        mods |= KeyModifiers::SHIFT;
    }
    if cb & 8 != 0 {
        mods |= KeyModifiers::ALT;
    }
    if cb & 16 != 0 {
        mods |= KeyModifiers::CONTROL;
    }
    let button = match cb & 3 {
        0 => MouseButton::Left,
        1 => MouseButton::Middle,
        _ => MouseButton::Right,
    };
    let kind = if cb & 64 != 0 {
        match cb & 3 {
            0 => MouseEventKind::ScrollUp,
            1 => MouseEventKind::ScrollDown,
            2 => MouseEventKind::ScrollLeft,
            _ => MouseEventKind::ScrollRight,
        }
    } else if cb & 32 != 0 {
        if cb & 3 == 3 {
            MouseEventKind::Moved
        } else {
            MouseEventKind::Drag(button)
        }
    } else if fin == b'm' {
        MouseEventKind::Up(button)
    } else {
        MouseEventKind::Down(button)
    };
    vec![Token::Event(Event::Mouse(MouseEvent {
        kind,
        column: x.saturating_sub(1),
        row: y.saturating_sub(1),
        modifiers: mods,
    }))]
}
