//! Key bindings: the `"ctrl-s"` key syntax, the default map per mode, user
//! overrides from `[keybindings.<mode>]`, and lookups for the help overlay and status line.

use crossterm::event::KeyEvent;

use crate::action::Action;

mod defaults;
mod key;

pub use key::KeyCombo;

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

pub use defaults::DEFAULTS;

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
    use crossterm::event::{KeyCode, KeyModifiers};

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
