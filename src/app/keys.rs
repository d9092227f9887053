//! Keys and actions: what each `Action` does to the state, and text editing in form fields.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect};
use crate::action::Action;
use crate::api::{Command, Level};
use crate::config::keymap::Mode;
use crate::state::{Confirmed, Field, Focus, Overlay};

impl App {
    /// Handles a key press.
    pub fn on_key(&mut self, key: &KeyEvent, now: Instant) -> Vec<Effect> {
        if let Some(Overlay::Confirm { on_yes, .. }) = self.state.overlay.clone() {
            return self.on_confirm_key(key, on_yes, now);
        }
        let mode = self.state.mode();
        if mode == Mode::Text
            && self.state.focus == Focus::Form(Field::Reference)
            && key.code == KeyCode::Tab
            && key.modifiers.is_empty()
            && self.complete_path(now)
        {
            return Vec::new();
        }
        if let Some(action) = self.keymap.resolve(mode, key) {
            // Overlays and the viewer take only their own actions, plus quitting.
            let allowed = match mode {
                Mode::Help => matches!(
                    action,
                    Action::Close
                        | Action::Up
                        | Action::Down
                        | Action::Quit
                        | Action::Help
                        | Action::Open
                ),
                _ => true,
            };
            if allowed {
                self.dirty = true;
                return self.on_action(action, now);
            }
            return Vec::new();
        }
        if mode == Mode::Text {
            if self.state.focus == Focus::Search {
                return self.edit_search(key);
            }
            self.edit_text(key);
        }
        Vec::new()
    }

    fn on_confirm_key(&mut self, key: &KeyEvent, on_yes: Confirmed, now: Instant) -> Vec<Effect> {
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            _ if ctrl_c => {
                self.state.quit = true;
                Vec::new()
            }
            KeyCode::Char('y' | 'Y') => {
                self.state.overlay = None;
                self.dirty = true;
                let mut fx = match on_yes {
                    Confirmed::Resubmit(id) => self.resubmit(id, true, now),
                    Confirmed::Delete(id) => self.delete(id, false, now),
                };
                fx.push(Effect::Repaint);
                fx
            }
            KeyCode::Char('f' | 'F') if matches!(on_yes, Confirmed::Delete(_)) => {
                self.state.overlay = None;
                self.dirty = true;
                let Confirmed::Delete(id) = on_yes else {
                    return Vec::new();
                };
                let mut fx = self.delete(id, true, now);
                fx.push(Effect::Repaint);
                fx
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                self.state.overlay = None;
                self.dirty = true;
                vec![Effect::Repaint]
            }
            _ => Vec::new(),
        }
    }

    /// Carries out an action.
    pub fn on_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        let s = &mut self.state;
        match action {
            Action::Quit => s.quit = true,
            Action::Submit => return self.submit(now),
            Action::FocusNext | Action::FocusPrev => self.move_focus(action == Action::FocusNext),
            Action::Help => s.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Close => {
                let closing_gallery = s.overlay.is_none() && s.viewer.is_none() && s.gallery;
                let had = s.overlay.take().is_some()
                    || s.viewer.take().is_some()
                    || std::mem::take(&mut s.gallery);
                s.zoom = crate::preview::ZoomView {
                    level: 1,
                    cx: 0.5,
                    cy: 0.5,
                };
                if closing_gallery {
                    let ids = self.previews.thumbs.clear();
                    self.previews.retire_kitty(ids);
                }
                // What was under the overlay may be an image that must be sent again.
                return if had {
                    vec![Effect::Repaint]
                } else {
                    Vec::new()
                };
            }
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => return self.navigate(action),
            Action::Open if matches!(s.overlay, Some(Overlay::Profiles { .. })) => {
                if let Some(Overlay::Profiles { selected }) = s.overlay.take() {
                    return self.switch_profile(selected, now);
                }
            }
            Action::Open if s.overlay.is_some() => {}
            Action::Open if s.gallery && s.viewer.is_none() => {
                if let Some(v) = s.jobs.selected() {
                    s.viewer = Some(v.job.id);
                    return self.preview_effects();
                }
            }
            Action::Open => {
                if let Some(v) = s.jobs.selected() {
                    s.viewer = Some(v.job.id);
                    return self.preview_effects();
                }
            }
            Action::CancelJob => {
                if let Some(v) = s.jobs.selected().filter(|v| v.job.state.is_active()) {
                    let id = v.job.id;
                    let apiframe = v.job.request.wire == crate::api::models::Wire::Apiframe
                        && v.job.remote_id.is_some();
                    s.jobs.mark_cancelling(id);
                    if apiframe {
                        s.notice(Level::Warning, "Apiframe has no cancel: qimg stops waiting, but the job may still finish there and cost credits", now);
                    }
                    return vec![Effect::Engine(Command::Cancel(id))];
                }
            }
            Action::Resubmit => {
                if let Some(id) = s.jobs.selected().map(|v| v.job.id) {
                    return self.resubmit(id, false, now);
                }
            }
            Action::ToggleSeedLock => s.form.toggle_seed(),
            Action::NextValue => s.form.step(1),
            Action::PrevValue => s.form.step(-1),
            Action::ShowCompose => s.focus = Focus::Form(Field::Prompt),
            Action::ShowJobs => s.focus = Focus::Jobs,
            Action::ShowPreview => s.focus = Focus::Preview,
            Action::Redraw => return vec![Effect::Repaint],
            Action::Profiles => {
                let selected = s
                    .profiles
                    .iter()
                    .position(|p| p.name == s.profile.name)
                    .unwrap_or(0);
                s.overlay = Some(Overlay::Profiles { selected });
            }
            Action::UseAsReference => return self.use_as_reference(now),
            Action::Gallery
            | Action::Left
            | Action::Right
            | Action::ZoomIn
            | Action::ZoomOut
            | Action::ZoomReset
            | Action::PanLeft
            | Action::PanRight
            | Action::PanUp
            | Action::PanDown => {
                return self.on_view_action(action);
            }
            Action::Rerun
            | Action::Reroll
            | Action::EditJob
            | Action::CopyPrompt
            | Action::CopyPath
            | Action::OpenImage
            | Action::OpenFolder
            | Action::DeleteJob
            | Action::Search
            | Action::CycleFilter
            | Action::ToggleSort
            | Action::LoadParams => return self.on_history_action(action, now),
        }
        Vec::new()
    }

    fn move_focus(&mut self, forward: bool) {
        let s = &mut self.state;
        s.focus = match s.focus {
            Focus::Form(f) => {
                s.form.focus = f;
                match s.form.next_field(forward) {
                    Some(next) => Focus::Form(next),
                    None if forward => Focus::Jobs,
                    None => Focus::Preview,
                }
            }
            Focus::Jobs if forward => Focus::Preview,
            Focus::Jobs => Focus::Form(*s.form.visible_fields().last().unwrap_or(&Field::Prompt)),
            Focus::Preview if forward => Focus::Form(Field::Prompt),
            Focus::Preview => Focus::Jobs,
            Focus::Search => Focus::Jobs,
        };
        if let Focus::Form(f) = s.focus {
            s.form.focus = f;
        }
    }

    fn navigate(&mut self, action: Action) -> Vec<Effect> {
        let s = &mut self.state;
        if let Some(Overlay::Help { scroll }) = &mut s.overlay {
            *scroll = match action {
                Action::Up => scroll.saturating_sub(1),
                Action::Down => scroll.saturating_add(1),
                _ => *scroll,
            };
            return Vec::new();
        }
        if let Some(Overlay::Profiles { selected }) = &mut s.overlay {
            let last = s.profiles.len().saturating_sub(1);
            *selected = match action {
                Action::Up => selected.saturating_sub(1),
                Action::Down => (*selected + 1).min(last),
                _ => *selected,
            };
            return Vec::new();
        }
        if s.gallery && s.viewer.is_none() {
            match action {
                Action::Up => self.gallery_rows(-1),
                Action::Down => self.gallery_rows(1),
                Action::Top => self.state.jobs.move_selection(isize::MIN / 2),
                Action::Bottom => self.state.jobs.move_selection(isize::MAX / 2),
                _ => {}
            }
            return self.preview_effects();
        }
        let page = 10;
        let delta: isize = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Top => isize::MIN / 2,
            _ => isize::MAX / 2,
        };
        s.jobs.move_selection(delta);
        if let Some(v) = s.viewer.and(s.jobs.selected()) {
            s.viewer = Some(v.job.id);
        }
        let mut fx = self.preview_effects();
        let jobs = &self.state.jobs;
        if jobs.more_in_store && jobs.selected + 20 >= jobs.len() {
            fx.push(Effect::LoadOlder);
        }
        fx
    }

    /// Editing keys for the focused text field (not remappable: they are how text works).
    fn edit_text(&mut self, key: &KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let form = &mut self.state.form;
        let field = form.focus;
        let multiline = field == Field::Prompt;
        if field == Field::Seed && !form.seed_locked {
            // Typing a number into a random seed locks it to that number.
            if let KeyCode::Char(c) = key.code
                && c.is_ascii_digit()
                && !ctrl
            {
                form.seed_locked = true;
                form.seed.set("");
            } else {
                return;
            }
        }
        let width_hint = form.prompt_width.get().max(1);
        let Some(input) = form.focused_text() else {
            return;
        };
        let mut changed = true;
        match key.code {
            KeyCode::Char('w') if ctrl => input.delete_word(),
            KeyCode::Char('u') if ctrl => input.clear_to_start(),
            KeyCode::Char('a') if ctrl => input.home(),
            KeyCode::Char('e') if ctrl => input.end(),
            KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => {
                changed = false
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
            KeyCode::Up if multiline => input.vertical(width_hint, false),
            KeyCode::Down if multiline => input.vertical(width_hint, true),
            KeyCode::Enter | KeyCode::Down => {
                self.move_focus(true);
                changed = false;
                self.dirty = true;
            }
            KeyCode::Up => {
                self.move_focus(false);
                changed = false;
                self.dirty = true;
            }
            KeyCode::Esc => {
                self.state.focus = Focus::Jobs;
                changed = false;
                self.dirty = true;
            }
            _ => changed = false,
        }
        if changed {
            self.state.form.error = None;
            self.dirty = true;
        }
    }
}
