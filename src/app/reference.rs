//! The image field: Tab completes file paths (the folder is read off the UI thread), "use as
//! reference" puts a finished job's image there, and switching profiles keeps the form's texts.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{App, Effect};
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::JobState;
use crate::domain::Level;
use crate::domain::catalogue::ModelSpec;
use crate::domain::models::Task;
use crate::state::{Field, Focus};

/// Extensions offered by completion (besides folders).
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp"];

/// Completes `input` as a path: the longest common prefix of the matching folders and images.
/// Returns the new text and the candidates (file names) when several match.
pub fn complete(input: &str, home: Option<&Path>) -> Option<(String, Vec<String>)> {
    if input.starts_with("http://") || input.starts_with("https://") {
        return None;
    }
    let (dir_part, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir: PathBuf = match (dir_part, home) {
        ("", _) => PathBuf::from("."),
        (d, Some(h)) if d.starts_with("~/") => h.join(&d[2..]),
        (d, _) => PathBuf::from(d),
    };
    let mut matches: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .take(10_000)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().ok()?.is_dir() || e.path().is_dir();
            let is_image = Path::new(&name)
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| IMAGE_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()));
            (is_dir || is_image).then_some((name, is_dir))
        })
        .collect();
    if matches.is_empty() {
        return None;
    }
    matches.sort();
    let first = &matches[0].0;
    let common_len = matches.iter().fold(first.len(), |len, (m, _)| {
        first
            .char_indices()
            .zip(m.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, c), _)| i + c.len_utf8())
            .min(len)
    });
    let mut completed = format!("{dir_part}{}", &first[..common_len]);
    if matches.len() == 1 && matches[0].1 {
        completed.push('/');
    }
    let names = if matches.len() > 1 {
        matches
            .iter()
            .map(|(n, d)| if *d { format!("{n}/") } else { n.clone() })
            .collect()
    } else {
        Vec::new()
    };
    Some((completed, names))
}

/// Splits the image field's text into the entries before the last and the last one: only
/// the last entry of a `;`-separated list is completed.
fn last_entry(text: &str) -> (String, String) {
    match text.rfind(';') {
        Some(i) => (
            text[..=i].to_owned() + " ",
            text[i + 1..].trim_start().to_owned(),
        ),
        None => (String::new(), text.to_owned()),
    }
}

/// Completes the last entry of the image field's `text` (reads the folder: run it off the UI
/// thread). `None` when there is nothing to complete.
pub fn complete_field(text: &str, home: Option<&Path>) -> Option<(String, Vec<String>)> {
    let (head, last) = last_entry(text);
    if last.is_empty() {
        return None;
    }
    let (completed, candidates) = complete(&last, home)?;
    if completed == last && candidates.is_empty() {
        return None;
    }
    Some((format!("{head}{completed}"), candidates))
}

impl App {
    /// Tab in the image field: asks for a completion when the last entry has text. `None`
    /// when there is nothing to complete, so Tab moves focus as usual.
    pub(super) fn start_completion(&mut self) -> Option<Vec<Effect>> {
        let text = self.state.form.reference.text().to_owned();
        if last_entry(&text).1.is_empty() {
            return None;
        }
        Some(vec![Effect::Complete(text)])
    }

    /// A completion arrived. It applies only while the field still holds the text it was
    /// made for; with nothing to complete, Tab does what it does elsewhere: move on.
    pub(super) fn on_completed(
        &mut self,
        typed: &str,
        found: Option<(String, Vec<String>)>,
        now: Instant,
    ) -> Vec<Effect> {
        let still = self.state.focus == Focus::Form(Field::Reference)
            && self.state.form.reference.text() == typed;
        if !still {
            return Vec::new();
        }
        self.dirty = true;
        let Some((completed, candidates)) = found else {
            self.move_focus(true);
            return Vec::new();
        };
        self.state.form.reference.set(&completed);
        if !candidates.is_empty() {
            let shown: Vec<&str> = candidates.iter().take(8).map(String::as_str).collect();
            let more = if candidates.len() > 8 {
                format!(" … ({} in all)", candidates.len())
            } else {
                String::new()
            };
            self.state
                .notice(Level::Info, format!("{}{more}", shown.join("  ")), now);
        }
        Vec::new()
    }

    /// Puts the selected (or viewed) finished job's image into the image field, switching to
    /// a model that takes an image when the current one does not.
    pub(super) fn use_as_reference(&mut self, now: Instant) -> Vec<Effect> {
        let s = &mut self.state;
        let id = s.viewer.or_else(|| s.jobs.selected().map(|v| v.job.id));
        let Some(path) = id
            .and_then(|id| s.jobs.get(id))
            .filter(|v| v.job.state == JobState::Done)
            .and_then(|v| v.job.saved_paths.first().cloned())
        else {
            s.notice(
                Level::Warning,
                "select a finished job to use its image",
                now,
            );
            return Vec::new();
        };
        let takes_image = s.form.spec().is_some_and(ModelSpec::takes_images);
        if !takes_image {
            let edit = s
                .form
                .models
                .iter()
                .position(|m| m.task == Task::Edit || m.takes_images());
            match edit {
                Some(i) => s.form.model = i,
                None => {
                    let text = format!(
                        "profile `{}` has no model that takes an image; switch profiles",
                        s.profile.name
                    );
                    let text = self.hint(&text, Mode::Jobs, Action::Profiles);
                    self.state.notice(Level::Warning, text, now);
                    return Vec::new();
                }
            }
            s.form.shape = 0;
        }
        // A model that takes several images gets this one added after the others.
        let (at, max) = match s.form.add_reference(&path.display().to_string()) {
            Ok(placed) => placed,
            Err(e) => {
                s.notice(Level::Warning, e, now);
                return Vec::new();
            }
        };
        s.form.parent = id;
        s.viewer = None;
        s.focus = Focus::Form(Field::Reference);
        let model = s.form.spec().map_or("-", |m| m.id.as_str());
        let text = match max {
            1 => format!("image set as reference for {model}; write the edit and submit"),
            _ => format!(
                "image {at} of at most {max} for {model}; add more with u, or write the edit and submit"
            ),
        };
        let text = self.hint(&text, Mode::Text, Action::Submit);
        self.state.notice(Level::Info, text, now);
        vec![Effect::Repaint]
    }

    /// Reorders or removes the reference under the cursor (in the image field only).
    pub(super) fn edit_references(&mut self, action: Action, now: Instant) {
        let s = &mut self.state;
        if s.focus != Focus::Form(Field::Reference) {
            s.notice(Level::Info, "this works in the Image field", now);
            return;
        }
        let done = match action {
            Action::ReferenceEarlier => s
                .form
                .move_reference(-1)
                .map(|i| format!("reference now {}", i + 1)),
            Action::ReferenceLater => s
                .form
                .move_reference(1)
                .map(|i| format!("reference now {}", i + 1)),
            _ => s
                .form
                .remove_reference()
                .map(|r| format!("removed {}", crate::sanitize::sanitize_line(&r))),
        };
        if let Some(text) = done {
            s.notice(Level::Info, text, now);
        }
        self.dirty = true;
    }

    /// Switches to profile `index`.
    pub(super) fn switch_profile(&mut self, index: usize, now: Instant) -> Vec<Effect> {
        if self.state.switch_profile(index) {
            let p = &self.state.profile;
            let text = match &p.key_note {
                Some(note) => format!("profile {} ({}): {note}", p.name, p.kind.as_str()),
                None => format!("profile {} ({})", p.name, p.kind.as_str()),
            };
            let level = if p.key_note.is_some() {
                Level::Warning
            } else {
                Level::Info
            };
            self.state.notice(level, text, now);
        }
        vec![Effect::Repaint]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_folders_and_images_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("shots")).unwrap();
        for f in ["kite-1.png", "kite-2.png", "notes.txt", ".hidden.png"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        let base = format!("{}/", dir.path().display());
        let (text, names) = complete(&format!("{base}k"), None).unwrap();
        assert_eq!(text, format!("{base}kite-"));
        assert_eq!(names, vec!["kite-1.png", "kite-2.png"]);
        let (text, names) = complete(&format!("{base}sh"), None).unwrap();
        assert_eq!(text, format!("{base}shots/"));
        assert!(names.is_empty());
        assert!(complete(&format!("{base}no"), None).is_none());
        assert!(complete("https://x/y", None).is_none());
    }
}
