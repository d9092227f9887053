//! Key bindings: the `"ctrl-s"` key syntax, the default map per mode (DESIGN.md §7), user
//! overrides from `[keybindings.<mode>]`, and lookups for the help overlay and status line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;

/// Where the focus is, which decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Applies everywhere unless a more specific mode binds the key.
    Global,
    /// A text field of the compose form has focus: printable keys are text.
    Text,
    /// A selector of the compose form (model, aspect ratio, seed mode, count) has focus.
    Form,
    /// The job list has focus.
    Jobs,
    /// The preview pane has focus.
    Preview,
    /// The full-screen viewer is open.
    Viewer,
    /// The gallery of thumbnails is open.
    Gallery,
    /// An overlay is open (help, the profile picker).
    Help,
    /// A yes/no question is open.
    Confirm,
}

impl Mode {
    /// Every mode, in help-overlay order.
    pub const ALL: [Mode; 9] = [
        Self::Global,
        Self::Text,
        Self::Form,
        Self::Jobs,
        Self::Preview,
        Self::Viewer,
        Self::Gallery,
        Self::Help,
        Self::Confirm,
    ];

    /// The `[keybindings.<name>]` table name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Text => "text",
            Self::Form => "form",
            Self::Jobs => "jobs",
            Self::Preview => "preview",
            Self::Viewer => "viewer",
            Self::Gallery => "gallery",
            Self::Help => "help",
            Self::Confirm => "confirm",
        }
    }

    /// Parses a table name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One key with its modifiers, normalised so that `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    /// The key.
    pub code: KeyCode,
    /// Ctrl, Alt and (for non-character keys) Shift.
    pub mods: KeyModifiers,
}

impl KeyCombo {
    /// Normalises a terminal key event.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::BackTab => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            KeyCode::Char(c) => {
                // The character already says whether shift was held.
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            other => other,
        };
        Self { code, mods }
    }

    /// Parses `ctrl-s`, `shift-tab`, `f1`, `?`, `G`, `alt-enter`, `space`, `pgdn`, ….
    pub fn parse(spec: &str) -> Option<Self> {
        let spec = spec.trim();
        if spec.is_empty() {
            return None;
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, m) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            if rest.len() == prefix.len() {
                break; // a bare "-" after the modifier, e.g. "ctrl--"? treat rest as the key
            }
            mods |= m;
            rest = &rest[prefix.len()..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                let n: u8 = f[1..].parse().ok()?;
                if !(1..=24).contains(&n) {
                    return None;
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                    mods.remove(KeyModifiers::SHIFT);
                    KeyCode::Char(c.to_ascii_uppercase())
                } else if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
        };
        if let KeyCode::Char(_) = code {
            mods.remove(KeyModifiers::SHIFT);
        }
        Some(Self { code, mods })
    }

    /// The display form, the same syntax `parse` reads.
    pub fn display(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("Shift-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                s.push(c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => s.push(c),
            KeyCode::F(n) => s.push_str(&format!("F{n}")),
            KeyCode::Enter => s.push_str("Enter"),
            KeyCode::Esc => s.push_str("Esc"),
            KeyCode::Tab => s.push_str("Tab"),
            KeyCode::Backspace => s.push_str("Backspace"),
            KeyCode::Delete => s.push_str("Del"),
            KeyCode::Up => s.push('↑'),
            KeyCode::Down => s.push('↓'),
            KeyCode::Left => s.push('←'),
            KeyCode::Right => s.push('→'),
            KeyCode::Home => s.push_str("Home"),
            KeyCode::End => s.push_str("End"),
            KeyCode::PageUp => s.push_str("PgUp"),
            KeyCode::PageDown => s.push_str("PgDn"),
            other => s.push_str(&format!("{other:?}")),
        }
        s
    }

    /// True when the key is plain text (a character without Ctrl or Alt).
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

/// One binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The key.
    pub key: KeyCombo,
    /// What it does.
    pub action: Action,
}

/// Bindings per mode, in the order they are listed in help.
#[derive(Debug, Clone)]
pub struct Keymap {
    tables: Vec<(Mode, Vec<Binding>)>,
}

/// The defaults, as `(mode, key, action)`. DESIGN.md §7 lists the ones that must exist.
const DEFAULTS: &[(Mode, &str, Action)] = &[
    (Mode::Global, "ctrl-c", Action::Quit),
    (Mode::Global, "ctrl-s", Action::Submit),
    (Mode::Global, "f1", Action::Help),
    (Mode::Global, "tab", Action::FocusNext),
    (Mode::Global, "shift-tab", Action::FocusPrev),
    (Mode::Global, "f2", Action::ShowCompose),
    (Mode::Global, "f3", Action::ShowJobs),
    (Mode::Global, "f4", Action::ShowPreview),
    (Mode::Global, "ctrl-l", Action::Redraw),
    (Mode::Global, "f5", Action::Profiles),
    (Mode::Text, "ctrl-r", Action::ToggleSeedLock),
    (Mode::Text, "ctrl-o", Action::LoadParams),
    (Mode::Form, "q", Action::Quit),
    (Mode::Form, "?", Action::Help),
    (Mode::Form, "left", Action::PrevValue),
    (Mode::Form, "h", Action::PrevValue),
    (Mode::Form, "right", Action::NextValue),
    (Mode::Form, "l", Action::NextValue),
    (Mode::Form, "space", Action::NextValue),
    (Mode::Form, "up", Action::FocusPrev),
    (Mode::Form, "k", Action::FocusPrev),
    (Mode::Form, "down", Action::FocusNext),
    (Mode::Form, "j", Action::FocusNext),
    (Mode::Form, "enter", Action::FocusNext),
    (Mode::Form, "r", Action::ToggleSeedLock),
    (Mode::Form, "p", Action::Profiles),
    (Mode::Jobs, "q", Action::Quit),
    (Mode::Jobs, "?", Action::Help),
    (Mode::Jobs, "j", Action::Down),
    (Mode::Jobs, "down", Action::Down),
    (Mode::Jobs, "k", Action::Up),
    (Mode::Jobs, "up", Action::Up),
    (Mode::Jobs, "g", Action::Top),
    (Mode::Jobs, "home", Action::Top),
    (Mode::Jobs, "G", Action::Bottom),
    (Mode::Jobs, "end", Action::Bottom),
    (Mode::Jobs, "pgup", Action::PageUp),
    (Mode::Jobs, "pgdn", Action::PageDown),
    (Mode::Jobs, "enter", Action::Open),
    (Mode::Jobs, "c", Action::CancelJob),
    (Mode::Jobs, "R", Action::Resubmit),
    (Mode::Jobs, "u", Action::UseAsReference),
    (Mode::Jobs, "v", Action::Gallery),
    (Mode::Jobs, "r", Action::Rerun),
    (Mode::Jobs, "n", Action::Reroll),
    (Mode::Jobs, "e", Action::EditJob),
    (Mode::Jobs, "y", Action::CopyPrompt),
    (Mode::Jobs, "Y", Action::CopyPath),
    (Mode::Jobs, "o", Action::OpenImage),
    (Mode::Jobs, "O", Action::OpenFolder),
    (Mode::Jobs, "d", Action::DeleteJob),
    (Mode::Jobs, "delete", Action::DeleteJob),
    (Mode::Jobs, "/", Action::Search),
    (Mode::Jobs, "f", Action::CycleFilter),
    (Mode::Jobs, "s", Action::ToggleSort),
    (Mode::Jobs, "p", Action::Profiles),
    (Mode::Preview, "q", Action::Quit),
    (Mode::Preview, "?", Action::Help),
    (Mode::Preview, "enter", Action::Open),
    (Mode::Preview, "j", Action::Down),
    (Mode::Preview, "k", Action::Up),
    (Mode::Preview, "u", Action::UseAsReference),
    (Mode::Preview, "v", Action::Gallery),
    (Mode::Preview, "y", Action::CopyPrompt),
    (Mode::Preview, "Y", Action::CopyPath),
    (Mode::Preview, "o", Action::OpenImage),
    (Mode::Preview, "p", Action::Profiles),
    (Mode::Viewer, "esc", Action::Close),
    (Mode::Viewer, "q", Action::Close),
    (Mode::Viewer, "enter", Action::Close),
    (Mode::Viewer, "?", Action::Help),
    (Mode::Viewer, "j", Action::Down),
    (Mode::Viewer, "right", Action::Down),
    (Mode::Viewer, "k", Action::Up),
    (Mode::Viewer, "left", Action::Up),
    (Mode::Viewer, "u", Action::UseAsReference),
    (Mode::Viewer, "o", Action::OpenImage),
    (Mode::Viewer, "+", Action::ZoomIn),
    (Mode::Viewer, "=", Action::ZoomIn),
    (Mode::Viewer, "-", Action::ZoomOut),
    (Mode::Viewer, "0", Action::ZoomReset),
    (Mode::Viewer, "H", Action::PanLeft),
    (Mode::Viewer, "shift-left", Action::PanLeft),
    (Mode::Viewer, "L", Action::PanRight),
    (Mode::Viewer, "shift-right", Action::PanRight),
    (Mode::Viewer, "K", Action::PanUp),
    (Mode::Viewer, "shift-up", Action::PanUp),
    (Mode::Viewer, "J", Action::PanDown),
    (Mode::Viewer, "shift-down", Action::PanDown),
    (Mode::Gallery, "esc", Action::Close),
    (Mode::Gallery, "q", Action::Close),
    (Mode::Gallery, "v", Action::Close),
    (Mode::Gallery, "?", Action::Help),
    (Mode::Gallery, "enter", Action::Open),
    (Mode::Gallery, "h", Action::Left),
    (Mode::Gallery, "left", Action::Left),
    (Mode::Gallery, "l", Action::Right),
    (Mode::Gallery, "right", Action::Right),
    (Mode::Gallery, "k", Action::Up),
    (Mode::Gallery, "up", Action::Up),
    (Mode::Gallery, "j", Action::Down),
    (Mode::Gallery, "down", Action::Down),
    (Mode::Gallery, "g", Action::Top),
    (Mode::Gallery, "G", Action::Bottom),
    (Mode::Gallery, "u", Action::UseAsReference),
    (Mode::Help, "esc", Action::Close),
    (Mode::Help, "q", Action::Close),
    (Mode::Help, "?", Action::Close),
    (Mode::Help, "f1", Action::Close),
    (Mode::Help, "j", Action::Down),
    (Mode::Help, "down", Action::Down),
    (Mode::Help, "k", Action::Up),
    (Mode::Help, "up", Action::Up),
    (Mode::Help, "enter", Action::Open),
    (Mode::Confirm, "y", Action::Yes),
    (Mode::Confirm, "Y", Action::Yes),
    (Mode::Confirm, "n", Action::No),
    (Mode::Confirm, "N", Action::No),
    (Mode::Confirm, "esc", Action::No),
    (Mode::Confirm, "f", Action::YesWithFiles),
    (Mode::Confirm, "F", Action::YesWithFiles),
];

impl Default for Keymap {
    fn default() -> Self {
        let mut tables: Vec<(Mode, Vec<Binding>)> =
            Mode::ALL.iter().map(|m| (*m, Vec::new())).collect();
        for (mode, key, action) in DEFAULTS {
            if let (Some(key), Some((_, table))) = (
                KeyCombo::parse(key),
                tables.iter_mut().find(|(m, _)| m == mode),
            ) {
                table.push(Binding {
                    key,
                    action: *action,
                });
            }
        }
        Self { tables }
    }
}

/// A user override: bind `key` in `mode` to `action`, or unbind it when `action` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The mode table.
    pub mode: Mode,
    /// The key.
    pub key: KeyCombo,
    /// The new action; `None` removes the binding.
    pub action: Option<Action>,
}

impl Keymap {
    /// The defaults with user overrides applied on top (a user entry replaces that key).
    pub fn with_overrides(overrides: &[Override]) -> Self {
        let mut map = Self::default();
        for o in overrides {
            if let Some((_, table)) = map.tables.iter_mut().find(|(m, _)| *m == o.mode) {
                table.retain(|b| b.key != o.key);
                if let Some(action) = o.action {
                    table.push(Binding { key: o.key, action });
                }
            }
        }
        map
    }

    fn table(&self, mode: Mode) -> &[Binding] {
        self.tables
            .iter()
            .find(|(m, _)| *m == mode)
            .map_or(&[], |(_, t)| t.as_slice())
    }

    /// The action for a key in a mode: the mode's own table first, then the global one.
    /// In text mode a plain character is never looked up globally, so it stays text.
    pub fn resolve(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        let combo = KeyCombo::from_event(key);
        if let Some(b) = self.table(mode).iter().find(|b| b.key == combo) {
            return Some(b.action);
        }
        if mode == Mode::Text && combo.is_text() {
            return None;
        }
        // Overlays swallow global bindings except quitting and help-closing ones.
        self.table(Mode::Global)
            .iter()
            .find(|b| b.key == combo)
            .map(|b| b.action)
    }

    /// The first key bound to `action` in `mode` (or globally), for status-line hints.
    pub fn key_for(&self, mode: Mode, action: Action) -> Option<KeyCombo> {
        self.table(mode)
            .iter()
            .chain(self.table(Mode::Global))
            .find(|b| b.action == action)
            .map(|b| b.key)
    }

    /// Every key bound to `action` in `mode` (or globally, when the mode binds none).
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<KeyCombo> {
        let own: Vec<KeyCombo> = self
            .table(mode)
            .iter()
            .filter(|b| b.action == action)
            .map(|b| b.key)
            .collect();
        if !own.is_empty() {
            return own;
        }
        self.table(Mode::Global)
            .iter()
            .filter(|b| b.action == action)
            .map(|b| b.key)
            .collect()
    }

    /// Every binding, grouped by mode, for the help overlay.
    pub fn all(&self) -> impl Iterator<Item = (Mode, &[Binding])> {
        self.tables.iter().map(|(m, t)| (*m, t.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_the_key_syntax() {
        let k = KeyCombo::parse("ctrl-s").unwrap();
        assert_eq!(
            (k.code, k.mods),
            (KeyCode::Char('s'), KeyModifiers::CONTROL)
        );
        assert_eq!(KeyCombo::parse("shift-tab"), KeyCombo::parse("backtab"));
        assert_eq!(KeyCombo::parse("G"), KeyCombo::parse("shift-g"));
        assert_eq!(KeyCombo::parse("f1").unwrap().code, KeyCode::F(1));
        assert_eq!(KeyCombo::parse("?").unwrap().code, KeyCode::Char('?'));
        assert!(KeyCombo::parse("f99").is_none());
        assert!(KeyCombo::parse("banana").is_none());
        assert!(KeyCombo::parse("").is_none());
    }

    #[test]
    fn display_round_trips() {
        for spec in [
            "ctrl-s",
            "shift-tab",
            "f1",
            "?",
            "G",
            "alt-x",
            "space",
            "pgdn",
            "enter",
        ] {
            let k = KeyCombo::parse(spec).unwrap();
            assert_eq!(KeyCombo::parse(&k.display()), Some(k), "{spec}");
        }
    }

    #[test]
    fn required_defaults_exist() {
        let km = Keymap::default();
        let ctrl_s = ev(KeyCode::Char('s'), KeyModifiers::CONTROL);
        for mode in [Mode::Text, Mode::Form, Mode::Jobs] {
            assert_eq!(km.resolve(mode, &ctrl_s), Some(Action::Submit), "{mode:?}");
        }
        assert_eq!(
            km.resolve(Mode::Text, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.resolve(Mode::Text, &ev(KeyCode::F(1), KeyModifiers::NONE)),
            Some(Action::Help)
        );
        assert_eq!(
            km.resolve(Mode::Text, &ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            km.resolve(Mode::Jobs, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.resolve(Mode::Jobs, &ev(KeyCode::Char('?'), KeyModifiers::NONE)),
            Some(Action::Help)
        );
        assert_eq!(
            km.resolve(Mode::Jobs, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.resolve(Mode::Jobs, &ev(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Open)
        );
    }

    #[test]
    fn text_mode_keeps_q_and_question_mark_as_text() {
        let km = Keymap::default();
        assert_eq!(
            km.resolve(Mode::Text, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            km.resolve(Mode::Text, &ev(KeyCode::Char('?'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn overrides_replace_and_unbind() {
        let km = Keymap::with_overrides(&[
            Override {
                mode: Mode::Global,
                key: KeyCombo::parse("ctrl-g").unwrap(),
                action: Some(Action::Submit),
            },
            Override {
                mode: Mode::Jobs,
                key: KeyCombo::parse("q").unwrap(),
                action: None,
            },
        ]);
        assert_eq!(
            km.resolve(Mode::Text, &ev(KeyCode::Char('g'), KeyModifiers::CONTROL)),
            Some(Action::Submit)
        );
        assert_eq!(
            km.resolve(Mode::Jobs, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
    }
}
