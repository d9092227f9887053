//! Typing: editing keys in the form's text fields and the list's search, and pastes. These keys
//! are not remappable: they are how text works.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect};
use crate::domain::Level;
use crate::state::text::TextInput;
use crate::state::{Field, Focus};

/// What a key did to a text input.
pub(super) enum Edited {
    /// The text or the cursor changed.
    Changed,
    /// Nothing happened.
    Ignored,
    /// The key leaves the field: forward, back, or out of the form (Esc).
    Leave(Leave),
}

pub(super) enum Leave {
    Next,
    Previous,
    Out,
}

/// Applies an editing key to `input`. `multiline` fields take Enter and move by wrapped rows
/// of `width` cells on Up and Down.
pub(super) fn edit(input: &mut TextInput, key: &KeyEvent, multiline: bool, width: usize) -> Edited {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('w') if ctrl => input.delete_word(),
        KeyCode::Char('u') if ctrl => input.clear_to_start(),
        KeyCode::Char('a') if ctrl => input.home(),
        KeyCode::Char('e') if ctrl => input.end(),
        KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => {
            return Edited::Ignored;
        }
        KeyCode::Char(c) => {
            input.insert(c.encode_utf8(&mut [0; 4]));
        }
        KeyCode::Enter if multiline => {
            input.insert("\n");
        }
        KeyCode::Backspace => input.backspace(),
        KeyCode::Delete => input.delete(),
        KeyCode::Left => input.left(),
        KeyCode::Right => input.right(),
        KeyCode::Home => input.home(),
        KeyCode::End => input.end(),
        KeyCode::Up if multiline => input.vertical(width, false),
        KeyCode::Down if multiline => input.vertical(width, true),
        KeyCode::Enter | KeyCode::Down => return Edited::Leave(Leave::Next),
        KeyCode::Up => return Edited::Leave(Leave::Previous),
        KeyCode::Esc => return Edited::Leave(Leave::Out),
        _ => return Edited::Ignored,
    }
    Edited::Changed
}

impl App {
    /// Editing keys for the focused text field of the form.
    pub(super) fn edit_text(&mut self, key: &KeyEvent) {
        let Focus::Form(field) = self.state.focus else {
            return;
        };
        let form = &mut self.state.form;
        if field == Field::Seed && !form.seed_locked {
            // Typing a number into a random seed locks it to that number.
            let digit = matches!(key.code, KeyCode::Char(c) if c.is_ascii_digit())
                && !key.modifiers.contains(KeyModifiers::CONTROL);
            if !digit {
                return;
            }
            form.seed_locked = true;
            form.seed.set("");
        }
        let width = self.view.prompt_width.max(1);
        if field == Field::Prompt && key.modifiers.is_empty() {
            // Up on the first line walks back through the history; Down on the last line
            // walks forward while walking.
            let (lines, (row, _)) = form.prompt.layout(width);
            let last = lines.len().saturating_sub(1);
            let walking = self.state.recall.walking();
            match key.code {
                KeyCode::Up if row == 0 && !self.state.recall.entries.is_empty() => {
                    return self.recall(true);
                }
                KeyCode::Down if walking && row >= last => return self.recall(false),
                _ => {}
            }
        }
        let form = &mut self.state.form;
        let Some(input) = form.text_mut(field) else {
            return;
        };
        match edit(input, key, field == Field::Prompt, width) {
            Edited::Changed => {
                self.state.form.error = None;
                if field == Field::Prompt {
                    // Editing a recalled prompt makes it the text being typed.
                    self.state.recall.stop();
                }
                self.dirty = true;
            }
            Edited::Ignored => {}
            Edited::Leave(to) => {
                match to {
                    Leave::Next => self.move_focus(true),
                    Leave::Previous => self.move_focus(false),
                    Leave::Out => self.state.focus = Focus::Jobs,
                }
                self.dirty = true;
            }
        }
    }

    /// Keys in the search field: typing narrows the list at once; Enter keeps the search,
    /// Esc clears it.
    pub(super) fn edit_search(&mut self, key: &KeyEvent) -> Vec<Effect> {
        self.dirty = true;
        let input = &mut self.state.history.search;
        match key.code {
            KeyCode::Enter => {
                self.state.focus = Focus::Jobs;
                return Vec::new();
            }
            KeyCode::Esc => {
                input.set("");
                self.state.focus = Focus::Jobs;
                return vec![Effect::ReloadJobs];
            }
            KeyCode::Up | KeyCode::Down => return Vec::new(),
            _ => {}
        }
        let before = input.text().to_owned();
        match edit(input, key, false, 1) {
            Edited::Changed if input.text() != before => vec![Effect::ReloadJobs],
            _ => Vec::new(),
        }
    }

    /// A paste goes into the focused text field of the form, cut at the field's limit.
    pub(super) fn paste(&mut self, text: &str, now: Instant) {
        self.dirty = true;
        let Focus::Form(field) = self.state.focus else {
            self.state
                .notice(Level::Warning, "paste into a text field of the form", now);
            return;
        };
        if field == Field::Seed && !self.state.form.seed_locked {
            self.state.form.seed_locked = true;
            self.state.form.seed.set("");
        }
        if let Some(input) = self.state.form.text_mut(field) {
            if !input.insert(text) {
                self.state
                    .notice(Level::Warning, "the paste was cut at 64 KiB", now);
            }
            self.state.form.error = None;
        }
    }
}
