//! The presets popup: the presets of `presets.toml` (read again each time it opens) filtered
//! by what is typed; Enter applies the highlighted one to the form, Ctrl-S saves the form under
//! the typed name, Ctrl-D twice deletes the highlighted one, Esc closes. Reading, saving and
//! deleting are effects (file I/O off the loop).

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::text::{Edited, edit};
use super::{App, Effect};
use crate::domain::Level;
use crate::domain::preset::Preset;
use crate::state::Overlay;

/// The presets file as read after a load, a save or a delete.
#[derive(Debug)]
pub enum PresetsRead {
    /// Its presets.
    Ok(indexmap::IndexMap<String, Preset>),
    /// It cannot be read: why, with its line and column.
    Broken(String),
    /// The save or delete failed (the file is as it was): why.
    WriteFailed(String),
}

/// What a load, save or delete found.
#[derive(Debug)]
pub struct PresetsWritten {
    /// The file as it now is.
    pub read: PresetsRead,
    /// What to say when a write worked ("saved preset `x`"); `None` for a load.
    pub done: Option<String>,
}

impl App {
    /// Opens the popup and reads the file again, in case it was edited.
    pub(super) fn open_presets(&mut self) -> Vec<Effect> {
        self.state.overlay = Some(Overlay::Presets {
            query: crate::state::text::TextInput::single_line(),
            selected: 0,
            armed: false,
        });
        vec![Effect::LoadPresets]
    }

    /// The highlighted preset's name, if any matches.
    fn chosen_preset(&self) -> Option<String> {
        let Some(Overlay::Presets {
            query, selected, ..
        }) = &self.state.overlay
        else {
            return None;
        };
        let matches = self.state.preset_matches(query.text());
        matches.get(*selected).map(|n| (*n).to_owned())
    }

    /// A key in the popup.
    pub(super) fn edit_presets(&mut self, key: &KeyEvent, now: Instant) -> Vec<Effect> {
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(Overlay::Presets { query, armed, .. }) = &mut self.state.overlay else {
            return Vec::new();
        };
        let typed = query.text().trim().to_owned();
        let was_armed = std::mem::take(armed);
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Char('c') if ctrl => self.state.quit = true,
            KeyCode::Char('s') if ctrl => return self.save_preset(&typed, now),
            KeyCode::Char('d') if ctrl => return self.delete_preset(was_armed, now),
            KeyCode::Enter => {
                if !self.apply_chosen_preset(now) {
                    return Vec::new();
                }
            }
            _ => {
                self.move_or_type(key);
                return Vec::new();
            }
        }
        self.state.overlay = None;
        // What was under the popup may be an image.
        vec![Effect::Repaint]
    }

    fn move_or_type(&mut self, key: &KeyEvent) {
        let count = match &self.state.overlay {
            Some(Overlay::Presets { query, .. }) => self.state.preset_matches(query.text()).len(),
            _ => 0,
        };
        let Some(Overlay::Presets {
            query, selected, ..
        }) = &mut self.state.overlay
        else {
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

    /// Applies the highlighted preset; false (the popup stays) when none matches.
    fn apply_chosen_preset(&mut self, now: Instant) -> bool {
        let Some(name) = self.chosen_preset() else {
            self.state.notice(
                Level::Info,
                "no preset of that name; Ctrl-S saves the form as one",
                now,
            );
            return false;
        };
        let Some(preset) = self.state.presets.get(&name).cloned() else {
            return false;
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
        true
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

    /// The first Ctrl-D asks, the second deletes: a preset has no undo.
    fn delete_preset(&mut self, armed: bool, now: Instant) -> Vec<Effect> {
        let Some(name) = self.chosen_preset() else {
            self.state
                .notice(Level::Info, "no preset is highlighted", now);
            return Vec::new();
        };
        if armed {
            return vec![Effect::DeletePreset(name)];
        }
        if let Some(Overlay::Presets { armed, .. }) = &mut self.state.overlay {
            *armed = true;
        }
        self.state.notice(
            Level::Warning,
            format!("press Ctrl-D again to delete preset `{name}`"),
            now,
        );
        Vec::new()
    }

    /// A load, save or delete finished: the list is the file as it now is.
    pub(super) fn on_presets_written(&mut self, written: PresetsWritten, now: Instant) {
        self.dirty = true;
        match written.read {
            PresetsRead::Ok(presets) => {
                self.state.presets = presets;
                self.state.presets_error = None;
                if let Some(done) = written.done {
                    self.state.notice(Level::Info, done, now);
                }
            }
            PresetsRead::Broken(e) => {
                // Said once per new problem (at start, or when an edit broke the file).
                if self.state.presets_error.as_ref() != Some(&e) {
                    let text = format!("{e}; no preset is loaded");
                    self.state.notice(Level::Warning, text, now);
                }
                self.state.presets.clear();
                self.state.presets_error = Some(e);
            }
            PresetsRead::WriteFailed(e) => self.state.notice(Level::Error, e, now),
        }
        let shown = match &self.state.overlay {
            Some(Overlay::Presets { query, .. }) => self.state.preset_matches(query.text()).len(),
            _ => 0,
        };
        if let Some(Overlay::Presets { selected, .. }) = &mut self.state.overlay {
            *selected = (*selected).min(shown.saturating_sub(1));
        }
    }
}
