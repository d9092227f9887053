//! Actions on jobs of the history: rerun, reroll, edit and resend, copy (OSC 52), open with
//! the system viewer, delete, and the list's search, filter and order.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect};
use crate::action::Action;
use crate::api::models::{SEED_MAX, Wire};
use crate::api::{Command, Level};
use crate::domain::{Job, JobId, JobState};
use crate::state::{Confirmed, Field, Focus, Overlay};

/// True when qimg runs in a session on this machine (a system viewer can be opened).
pub fn is_local_session() -> bool {
    std::env::var_os("SSH_CONNECTION").is_none() && std::env::var_os("SSH_TTY").is_none()
}

impl App {
    fn selected_job(&self) -> Option<Job> {
        let id = self
            .state
            .viewer
            .or_else(|| self.state.jobs.selected().map(|v| v.job.id))?;
        self.state.jobs.get(id).map(|v| v.job.clone())
    }

    /// Carries out a history action.
    pub(super) fn on_history_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        match action {
            Action::Search => {
                self.state.focus = Focus::Search;
                return Vec::new();
            }
            Action::CycleFilter => {
                self.state.history.filter = self.state.history.filter.next();
                self.state.notice(
                    Level::Info,
                    format!("showing {} jobs", self.state.history.filter.label()),
                    now,
                );
                return vec![Effect::ReloadJobs];
            }
            Action::ToggleSort => {
                self.state.history.oldest_first = !self.state.history.oldest_first;
                self.state.jobs.oldest_first = self.state.history.oldest_first;
                return vec![Effect::ReloadJobs];
            }
            Action::LoadParams => {
                let path = self.state.form.reference.text().trim().to_owned();
                if path.is_empty() || path.starts_with("http") {
                    self.state.notice(
                        Level::Warning,
                        "type the path of a PNG in the Image field, then Ctrl-O",
                        now,
                    );
                    return Vec::new();
                }
                return vec![Effect::LoadParams(crate::api::input_image::resolve(
                    std::path::Path::new(&path),
                ))];
            }
            _ => {}
        }
        let Some(job) = self.selected_job() else {
            self.state.notice(Level::Warning, "select a job first", now);
            return Vec::new();
        };
        match action {
            Action::Rerun | Action::Reroll => {
                let mut req = job.request.clone();
                if action == Action::Reroll {
                    req.seed = match (req.seed, req.wire) {
                        (Some(_), _) | (None, Wire::Apiframe) => {
                            Some(rand::random::<u32>() % (SEED_MAX + 1))
                        }
                        (None, Wire::OpenAi) => None,
                    };
                }
                let new = Job::new(&job.profile, req);
                self.state.jobs.upsert(new.clone());
                self.state.jobs.select(new.id);
                let what = if action == Action::Rerun {
                    "same seed"
                } else {
                    "new seed"
                };
                self.state.notice(
                    Level::Info,
                    format!("sent job {} again ({what})", job.id.short()),
                    now,
                );
                vec![Effect::Engine(Command::Submit(Box::new(new)))]
            }
            Action::EditJob => {
                let view = self
                    .state
                    .profiles
                    .iter()
                    .position(|p| p.name == job.profile);
                if let Some(i) = view.filter(|_| self.state.profile.name != job.profile) {
                    self.state.switch_profile(i);
                }
                self.state.form.load(&job.request);
                self.state.focus = Focus::Form(Field::Prompt);
                self.state.form.focus = Field::Prompt;
                self.state.notice(
                    Level::Info,
                    "parameters loaded; change them and press Ctrl-S",
                    now,
                );
                Vec::new()
            }
            Action::CopyPrompt => {
                self.state.notice(Level::Info, "prompt copied", now);
                vec![Effect::Clipboard(job.request.prompt.clone())]
            }
            Action::CopyPath => match job.saved_paths.first() {
                Some(p) => {
                    self.state.notice(Level::Info, "path copied", now);
                    vec![Effect::Clipboard(p.display().to_string())]
                }
                None => {
                    self.state
                        .notice(Level::Warning, "this job has no saved image", now);
                    Vec::new()
                }
            },
            Action::OpenImage | Action::OpenFolder => {
                let Some(path) = job.saved_paths.first() else {
                    self.state
                        .notice(Level::Warning, "this job has no saved image", now);
                    return Vec::new();
                };
                if !is_local_session() {
                    self.state.notice(
                        Level::Warning,
                        "this is a remote (SSH) session: no viewer here; copy the path with Y",
                        now,
                    );
                    return Vec::new();
                }
                let target = if action == Action::OpenFolder {
                    path.parent()
                        .map(std::path::Path::to_path_buf)
                        .unwrap_or_default()
                } else {
                    path.clone()
                };
                vec![Effect::OpenExternal(target)]
            }
            Action::DeleteJob => {
                if job.state.is_active() {
                    self.state
                        .notice(Level::Warning, "cancel the job (c) before deleting it", now);
                    return Vec::new();
                }
                let files = if job.saved_paths.is_empty() {
                    String::new()
                } else {
                    ", f: delete it and its image file".to_owned()
                };
                self.state.overlay = Some(Overlay::Confirm {
                    text: format!(
                        "Delete job {} from the history? y: delete the job (the image stays){files}, n: keep",
                        job.id.short()
                    ),
                    on_yes: Confirmed::Delete(job.id),
                });
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Deletes a job from the list and asks the loop to delete it from the store.
    pub(super) fn delete(&mut self, id: JobId, with_files: bool, now: Instant) -> Vec<Effect> {
        let Some(job) = self.state.jobs.get(id).map(|v| v.job.clone()) else {
            return Vec::new();
        };
        if job.state != JobState::Done && job.state.is_active() {
            return Vec::new();
        }
        self.state.jobs.remove(id);
        let files = if with_files {
            job.saved_paths.clone()
        } else {
            Vec::new()
        };
        let what = if with_files && !files.is_empty() {
            " and its image"
        } else {
            ""
        };
        self.state.notice(
            Level::Info,
            format!("deleted job {}{what}", id.short()),
            now,
        );
        let mut fx = vec![Effect::DeleteJob { id, files }];
        fx.extend(self.preview_effects());
        fx
    }

    /// Keys in the search field: typing narrows the list at once; Enter keeps the search,
    /// Esc clears it.
    pub(super) fn edit_search(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let input = &mut self.state.history.search;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        self.dirty = true;
        match key.code {
            KeyCode::Enter => {
                self.state.focus = Focus::Jobs;
                return Vec::new();
            }
            KeyCode::Esc => {
                input.set("");
                self.state.focus = Focus::Jobs;
            }
            KeyCode::Char('u') if ctrl => input.clear_to_start(),
            KeyCode::Char('w') if ctrl => input.delete_word(),
            KeyCode::Char(_) if ctrl => return Vec::new(),
            KeyCode::Char(c) => {
                input.insert(c.encode_utf8(&mut [0; 4]));
            }
            KeyCode::Backspace => input.backspace(),
            KeyCode::Delete => input.delete(),
            KeyCode::Left => input.left(),
            KeyCode::Right => input.right(),
            _ => return Vec::new(),
        }
        vec![Effect::ReloadJobs]
    }
}
