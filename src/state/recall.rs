//! Walking back through the prompts sent before (Up on the prompt's first line, Ctrl-P /
//! Ctrl-N): newest first, the text being typed kept aside and given back at the end.

/// The prompt history as the form walks it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptRecall {
    /// Prompts, newest first, each once.
    pub entries: Vec<String>,
    /// Where the walk is (`None`: at the text being typed).
    pos: Option<usize>,
    /// The text being typed when the walk began.
    draft: String,
}

impl PromptRecall {
    /// A history of `entries` (newest first).
    pub fn new(entries: Vec<String>) -> Self {
        Self {
            entries,
            ..Self::default()
        }
    }

    /// True while an older prompt is shown.
    pub fn walking(&self) -> bool {
        self.pos.is_some()
    }

    /// One older prompt (`current` is what the field holds, kept when the walk begins).
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let next = match self.pos {
            None => {
                self.draft = current.to_owned();
                0
            }
            Some(i) => i + 1,
        };
        if next >= self.entries.len() {
            return None;
        }
        self.pos = Some(next);
        self.entries.get(next).map(String::as_str)
    }

    /// One newer prompt, or the text typed before the walk at its end.
    pub fn newer(&mut self) -> Option<String> {
        match self.pos? {
            0 => {
                self.pos = None;
                Some(std::mem::take(&mut self.draft))
            }
            i => {
                self.pos = Some(i - 1);
                self.entries.get(i - 1).cloned()
            }
        }
    }

    /// The walk ends where it is (the user edits or sends the shown text).
    pub fn stop(&mut self) {
        self.pos = None;
    }

    /// A prompt was sent: it becomes the newest entry.
    pub fn remember(&mut self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        self.entries.retain(|e| e != text);
        self.entries.insert(0, text.to_owned());
        self.pos = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_back_and_forth_and_gives_the_draft_back() {
        let mut r = PromptRecall::new(vec!["newest".into(), "older".into()]);
        assert_eq!(r.older("typing"), Some("newest"));
        assert_eq!(r.older("newest"), Some("older"));
        assert_eq!(r.older("older"), None, "no older one");
        assert_eq!(r.newer().as_deref(), Some("newest"));
        assert_eq!(r.newer().as_deref(), Some("typing"));
        assert!(!r.walking());
        assert_eq!(r.newer(), None);
        r.remember("older");
        assert_eq!(r.entries, ["older", "newest"], "deduplicated, newest first");
    }
}
