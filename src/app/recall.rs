//! The prompt search popup: the prompts sent before, filtered fuzzily as you type (nucleo's
//! matcher), best first; Up and Down choose, Enter puts the prompt in the form, Esc closes.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::text::{Edited, edit};
use super::{App, Effect};
use crate::domain::Level;
use crate::state::{Field, Focus, Overlay};
use crate::store::history::{PromptUse, search};

impl App {
    /// Opens the popup (from the prompt field).
    pub(super) fn open_prompt_search(&mut self, now: Instant) {
        if self.state.recall.entries.is_empty() {
            self.state.notice(Level::Info, "no prompt sent yet", now);
            return;
        }
        self.state.focus = Focus::Form(Field::Prompt);
        self.state.overlay = Some(Overlay::PromptSearch {
            query: crate::state::text::TextInput::single_line(),
            selected: 0,
        });
    }

    /// The matches of the popup's query, best first.
    pub fn prompt_matches(&self) -> Vec<PromptUse> {
        match &self.state.overlay {
            Some(Overlay::PromptSearch { query, .. }) => {
                search(&self.state.recall.entries, query.text())
            }
            _ => Vec::new(),
        }
    }

    /// A key in the popup.
    pub(super) fn edit_prompt_search(&mut self, key: &KeyEvent) -> Vec<Effect> {
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let count = self.prompt_matches().len();
        let Some(Overlay::PromptSearch { query, selected }) = &mut self.state.overlay else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Char('c') if ctrl => self.state.quit = true,
            KeyCode::Up => {
                *selected = selected.saturating_sub(1);
                return Vec::new();
            }
            KeyCode::Down | KeyCode::Tab => {
                *selected = (*selected + 1).min(count.saturating_sub(1));
                return Vec::new();
            }
            KeyCode::Enter => {
                let chosen = self.prompt_matches().into_iter().nth(self.selected_row());
                if let Some(p) = chosen {
                    self.state.form.prompt.set(&p.text);
                    self.state.form.error = None;
                }
            }
            _ => {
                if let Edited::Changed = edit(query, key, false, 1) {
                    *selected = 0;
                }
                return Vec::new();
            }
        }
        self.state.overlay = None;
        // What was under the popup may be an image.
        vec![Effect::Repaint]
    }

    fn selected_row(&self) -> usize {
        match &self.state.overlay {
            Some(Overlay::PromptSearch { selected, .. }) => *selected,
            _ => 0,
        }
    }
}
