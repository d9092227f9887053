//! Keys and actions: a key resolves to an `Action` through the keymap for the current mode,
//! and each action changes the state or asks for an effect.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Effect};
use crate::action::Action;
use crate::api::Command;
use crate::config::keymap::Mode;
use crate::domain::Level;
use crate::domain::models::Wire;
use crate::state::{Confirmed, Field, Focus, Overlay, ZoomView};

/// The actions an overlay or the confirm question takes (others are ignored there).
fn allowed_in(mode: Mode, action: Action) -> bool {
    match mode {
        Mode::Help => matches!(
            action,
            Action::Close | Action::Up | Action::Down | Action::Quit | Action::Help | Action::Open
        ),
        Mode::Confirm => matches!(
            action,
            Action::Yes | Action::No | Action::YesWithFiles | Action::Quit
        ),
        _ => true,
    }
}

impl App {
    /// Handles a key press.
    pub fn on_key(&mut self, key: &KeyEvent, now: Instant) -> Vec<Effect> {
        let mode = self.state.mode();
        if mode == Mode::Text
            && self.state.focus == Focus::Form(Field::Reference)
            && key.code == KeyCode::Tab
            && key.modifiers.is_empty()
            && let Some(fx) = self.start_completion()
        {
            return fx;
        }
        if matches!(self.state.overlay, Some(Overlay::PromptSearch { .. })) {
            return self.edit_prompt_search(key);
        }
        if matches!(self.state.overlay, Some(Overlay::Presets { .. })) {
            return self.edit_presets(key, now);
        }
        if matches!(self.state.overlay, Some(Overlay::Grid { .. })) {
            return self.edit_grid(key, now);
        }
        if let Some(action) = self.keymap.resolve(mode, key) {
            if !allowed_in(mode, action) {
                return Vec::new();
            }
            self.dirty = true;
            return self.on_action(action, now);
        }
        match mode {
            Mode::Text if self.state.focus == Focus::Search => self.edit_search(key),
            Mode::Text => {
                self.edit_text(key);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Carries out an action.
    pub fn on_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        match action {
            Action::Quit => self.state.quit = true,
            Action::Submit => return self.submit(now),
            Action::FocusNext | Action::FocusPrev => self.move_focus(action == Action::FocusNext),
            Action::Help => self.state.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Close => return self.close(),
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => return self.navigate(action),
            Action::Open => return self.open(now),
            Action::CancelJob => return self.cancel_selected(now),
            Action::Resubmit => {
                if let Some(id) = self.state.jobs.selected().map(|v| v.job.id) {
                    return self.resubmit(id, false, now);
                }
            }
            Action::Yes | Action::No | Action::YesWithFiles => return self.answer(action, now),
            Action::Profiles => self.open_profiles(),
            Action::UseAsReference => return self.use_as_reference(now),
            Action::ExternalEditor => return self.external_editor(now),
            Action::OlderPrompt => self.recall(true),
            Action::SearchPrompts => self.open_prompt_search(now),
            Action::Presets => return self.open_presets(),
            Action::GridRun => self.open_grid(),
            Action::ReferenceEarlier | Action::ReferenceLater | Action::ReferenceRemove => {
                self.edit_references(action, now);
            }
            Action::ToggleBatch
            | Action::CancelBatch
            | Action::RetryBatch
            | Action::RerunBatch
            | Action::ExportSheet
            | Action::BatchGrid => {
                return self.on_batch_action(action, now);
            }
            Action::Mark
            | Action::Compare
            | Action::Flip
            | Action::SideBySide
            | Action::Parent
            | Action::Child => {
                return self.on_compare_action(action, now);
            }
            Action::NewerPrompt => self.recall(false),
            _ => return self.on_other_action(action, now),
        }
        Vec::new()
    }

    /// Shows an older or a newer prompt from the history in the prompt field.
    pub(super) fn recall(&mut self, older: bool) {
        let s = &mut self.state;
        if s.focus != Focus::Form(Field::Prompt) {
            return;
        }
        let text = if older {
            s.recall.older(s.form.prompt.text()).map(str::to_owned)
        } else {
            s.recall.newer()
        };
        if let Some(t) = text {
            s.form.prompt.set(&t);
            s.form.error = None;
            self.dirty = true;
        }
    }

    /// Opens the editor on the prompt or the negative prompt (whichever has the focus; the
    /// prompt from anywhere else in the form).
    fn external_editor(&mut self, now: Instant) -> Vec<Effect> {
        match self.state.focus {
            Focus::Form(Field::Negative) => vec![Effect::Editor(Field::Negative)],
            Focus::Form(_) => vec![Effect::Editor(Field::Prompt)],
            _ => {
                self.state.notice(
                    Level::Info,
                    "the editor opens from the compose form (prompt or negative prompt)",
                    now,
                );
                Vec::new()
            }
        }
    }

    /// The form, pane, view and history actions.
    fn on_other_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        let s = &mut self.state;
        let field = match s.focus {
            Focus::Form(f) => Some(f),
            _ => None,
        };
        match action {
            Action::ToggleSeedLock => {
                let fresh = self.seeds.next_seed();
                s.form.cycle_seed(fresh);
            }
            Action::NextValue | Action::PrevValue => {
                let delta = if action == Action::NextValue { 1 } else { -1 };
                if let Some(f) = field {
                    s.form.step(f, delta);
                }
                if field == Some(Field::Seed) {
                    self.fill_locked_seed();
                }
            }
            Action::ShowCompose => s.focus = Focus::Form(Field::Prompt),
            Action::ShowJobs => s.focus = Focus::Jobs,
            Action::ShowPreview => s.focus = Focus::Preview,
            Action::Redraw => {
                let mut fx = vec![Effect::Repaint];
                fx.extend(self.redetect_if_unanswered(now));
                return fx;
            }
            Action::Gallery
            | Action::Left
            | Action::Right
            | Action::ZoomIn
            | Action::ZoomOut
            | Action::ZoomReset
            | Action::PanLeft
            | Action::PanRight
            | Action::PanUp
            | Action::PanDown => return self.on_view_action(action),
            _ => return self.on_history_action(action, now),
        }
        Vec::new()
    }

    /// A seed just locked from a selector gets a number when none was typed.
    fn fill_locked_seed(&mut self) {
        let form = &mut self.state.form;
        if form.seed_locked && form.seed.text().is_empty() {
            form.seed.set(&self.seeds.next_seed().to_string());
        }
    }

    /// Closes the overlay, the viewer or the gallery (the first that is open).
    fn close(&mut self) -> Vec<Effect> {
        let s = &mut self.state;
        let closing_gallery = s.overlay.is_none() && s.viewer.is_none() && s.gallery;
        let had = s.overlay.take().is_some()
            || s.viewer.take().is_some()
            || std::mem::take(&mut s.gallery);
        if !s.gallery {
            s.gallery_batch = None;
        }
        if s.viewer.is_none() {
            s.compare = None;
            s.compare_side = false;
        }
        s.zoom = ZoomView::FIT;
        if closing_gallery {
            let ids = self.previews.thumbs.clear();
            self.previews.retire_kitty(ids);
        }
        // What was under the overlay may be an image that must be sent again.
        if had {
            vec![Effect::Repaint]
        } else {
            Vec::new()
        }
    }

    /// Enter: switch to the highlighted profile, or open the selected job full screen.
    fn open(&mut self, now: Instant) -> Vec<Effect> {
        let s = &mut self.state;
        if let Some(Overlay::Profiles { selected }) = s.overlay {
            s.overlay = None;
            return self.switch_profile(selected, now);
        }
        if s.overlay.is_some() {
            return Vec::new();
        }
        match s.jobs.selected() {
            Some(v) => {
                s.viewer = Some(v.job.id);
                self.preview_effects()
            }
            None => Vec::new(),
        }
    }

    fn open_profiles(&mut self) {
        let s = &mut self.state;
        let selected = s
            .profiles
            .iter()
            .position(|p| p.name == s.profile.name)
            .unwrap_or(0);
        s.overlay = Some(Overlay::Profiles { selected });
    }

    fn cancel_selected(&mut self, now: Instant) -> Vec<Effect> {
        let s = &mut self.state;
        let Some(v) = s.jobs.selected().filter(|v| v.job.state.is_active()) else {
            return Vec::new();
        };
        let id = v.job.id;
        let apiframe = v.job.request.wire == Wire::Apiframe && v.job.remote_id.is_some();
        s.jobs.mark_cancelling(id);
        if apiframe {
            s.notice(
                Level::Warning,
                "Apiframe has no cancel: qimg stops waiting, but the job may still finish there and cost credits",
                now,
            );
        }
        vec![Effect::Engine(Command::Cancel(id))]
    }

    /// The answer to the open question.
    fn answer(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        let Some(Overlay::Confirm { on_yes, .. }) = self.state.overlay.take() else {
            return Vec::new();
        };
        let mut fx = match (action, on_yes) {
            (Action::Yes, Confirmed::Resubmit(id)) => self.resubmit(id, true, now),
            (Action::Yes, Confirmed::Submit) => self.submit_confirmed(now, true),
            (Action::Yes, Confirmed::Grid(plan)) => self.send_plan(*plan),
            (Action::Yes, Confirmed::Delete(id)) => self.delete(id, false, now),
            (Action::YesWithFiles, Confirmed::Delete(id)) => self.delete(id, true, now),
            (Action::YesWithFiles, other) => {
                // Not a choice for this question: ask again.
                self.state.overlay = Some(Overlay::Confirm {
                    text: self.confirm_text(&other),
                    on_yes: other,
                });
                return Vec::new();
            }
            _ => Vec::new(),
        };
        fx.push(Effect::Repaint);
        fx
    }

    pub(super) fn move_focus(&mut self, forward: bool) {
        let s = &mut self.state;
        s.focus = match s.focus {
            Focus::Form(f) => match s.form.next_field(f, forward) {
                Some(next) => Focus::Form(next),
                None if forward => Focus::Jobs,
                None => Focus::Preview,
            },
            Focus::Jobs if forward => Focus::Preview,
            Focus::Jobs => Focus::Form(*s.form.visible_fields().last().unwrap_or(&Field::Prompt)),
            Focus::Preview if forward => Focus::Form(Field::Prompt),
            Focus::Preview => Focus::Jobs,
            Focus::Search => Focus::Jobs,
        };
    }

    fn navigate(&mut self, action: Action) -> Vec<Effect> {
        let s = &mut self.state;
        match &mut s.overlay {
            Some(Overlay::Help { scroll }) => {
                *scroll = match action {
                    Action::Up => scroll.saturating_sub(1),
                    Action::Down => scroll.saturating_add(1),
                    _ => *scroll,
                };
                return Vec::new();
            }
            Some(Overlay::Profiles { selected }) => {
                let last = s.profiles.len().saturating_sub(1);
                *selected = match action {
                    Action::Up => selected.saturating_sub(1),
                    Action::Down => (*selected + 1).min(last),
                    _ => *selected,
                };
                return Vec::new();
            }
            _ => {}
        }
        if s.gallery && s.viewer.is_none() {
            return self.navigate_gallery(action);
        }
        let delta: isize = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -10,
            Action::PageDown => 10,
            Action::Top => isize::MIN / 2,
            _ => isize::MAX / 2,
        };
        if s.viewer.is_some() {
            s.jobs.move_selection(delta);
        } else {
            // The list steps over a folded batch as one row.
            s.jobs.move_in_list(delta);
        }
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
}
