//! The presets popup: the presets of `presets.toml` filtered by what is typed; Enter applies
//! the highlighted one to the form, Ctrl-S saves the form under the typed name, Ctrl-D deletes
//! the highlighted one, Esc closes. Saving and deleting are effects (file I/O off the loop).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::text::{Edited, edit};
use super::{App, Effect};
use crate::domain::Level;
use crate::state::Overlay;

/// What a save or delete did, as the file now is.
#[derive(Debug)]
pub struct PresetsWritten {
    /// The presets read back after the write, or why the write failed.
    pub result: Result<indexmap::IndexMap<String, crate::domain::preset::Preset>, String>,
    /// What to say when it worked ("saved preset `x`").
    pub done: String,
}

impl App {
    /// Opens the popup.
    pub(super) fn open_presets(&mut self) {
        self.state.overlay = Some(Overlay::Presets {
            query: crate::state::text::TextInput::single_line(),
            selected: 0,
        });
    }

    /// The highlighted preset's name, if any matches.
    fn chosen_preset(&self) -> Option<String> {
        let Some(Overlay::Presets { query, selected }) = &self.state.overlay else {
            return None;
        };
        let matches = self.state.preset_matches(query.text());
        matches.get(*selected).map(|n| (*n).to_owned())
    }

    /// A key in the popup.
    pub(super) fn edit_presets(&mut self, key: &KeyEvent, now: Instant) -> Vec<Effect> {
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(Overlay::Presets { query, .. }) = &self.state.overlay else {
            return Vec::new();
        };
        let count = self.state.preset_matches(query.text()).len();
        let typed = query.text().trim().to_owned();
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Char('c') if ctrl => self.state.quit = true,
            KeyCode::Char('s') if ctrl => return self.save_preset(&typed, now),
            KeyCode::Char('d') if ctrl => return self.delete_preset(now),
            KeyCode::Enter => self.apply_chosen_preset(now),
            _ => {
                self.move_or_type(key, count);
                return Vec::new();
            }
        }
        self.state.overlay = None;
        // What was under the popup may be an image.
        vec![Effect::Repaint]
    }

    fn move_or_type(&mut self, key: &KeyEvent, count: usize) {
        let Some(Overlay::Presets { query, selected }) = &mut self.state.overlay else {
            return;
        };
        match key.code {
            KeyCode::Up => *selected = selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => {
                *selected = (*selected + 1).min(count.saturating_sub(1));
            }
            _ => {
                if let Edited::Changed = edit(query, key, false, 1) {
                    *selected = 0;
                }
            }
        }
    }

    fn apply_chosen_preset(&mut self, now: Instant) {
        let Some(name) = self.chosen_preset() else {
            self.state.notice(
                Level::Info,
                "no preset of that name; Ctrl-S saves the form as one",
                now,
            );
            return;
        };
        let Some(preset) = self.state.presets.get(&name).cloned() else {
            return;
        };
        match self.state.form.apply_preset(&preset) {
            Ok(()) => self
                .state
                .notice(Level::Info, format!("preset `{name}` applied"), now),
            Err(e) => self.state.notice(
                Level::Warning,
                format!("preset `{name}` not applied, nothing changed: {e}"),
                now,
            ),
        }
    }

    fn save_preset(&mut self, name: &str, now: Instant) -> Vec<Effect> {
        if let Err(e) = crate::domain::preset::check_name(name) {
            let e = if name.is_empty() {
                "type a name for the preset, then Ctrl-S".to_owned()
            } else {
                e
            };
            self.state.notice(Level::Warning, e, now);
            return Vec::new();
        }
        match self.state.form.to_preset() {
            Ok(preset) => vec![Effect::SavePreset {
                name: name.to_owned(),
                preset,
            }],
            Err(e) => {
                self.state.notice(
                    Level::Warning,
                    format!("the form cannot be saved: {e}"),
                    now,
                );
                Vec::new()
            }
        }
    }

    fn delete_preset(&mut self, now: Instant) -> Vec<Effect> {
        match self.chosen_preset() {
            Some(name) => vec![Effect::DeletePreset(name)],
            None => {
                self.state
                    .notice(Level::Info, "no preset is highlighted", now);
                Vec::new()
            }
        }
    }

    /// A save or delete finished: the list is the file as it now is.
    pub(super) fn on_presets_written(&mut self, written: PresetsWritten, now: Instant) {
        self.dirty = true;
        match written.result {
            Ok(presets) => {
                self.state.presets = presets;
                self.state.notice(Level::Info, written.done, now);
                let shown = match &self.state.overlay {
                    Some(Overlay::Presets { query, .. }) => {
                        self.state.preset_matches(query.text()).len()
                    }
                    _ => 0,
                };
                if let Some(Overlay::Presets { selected, .. }) = &mut self.state.overlay {
                    *selected = (*selected).min(shown.saturating_sub(1));
                }
            }
            Err(e) => self.state.notice(Level::Error, e, now),
        }
    }
}
