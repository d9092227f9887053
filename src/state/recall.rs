//! Walking back through the prompts sent before (Up on the prompt's first line, Ctrl-P /
//! Ctrl-N): newest first, the text being typed kept aside and given back at the end.

use crate::domain::Timestamp;
use crate::store::history::PromptUse;

/// The prompt history as the form walks it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptRecall {
    /// Prompts, newest first, each once, with when they were last used and how often.
    pub entries: Vec<PromptUse>,
    /// Where the walk is (`None`: at the text being typed).
    pos: Option<usize>,
    /// The text being typed when the walk began.
    draft: String,
}

impl PromptRecall {
    /// A history of `entries` (newest first).
    pub fn new(entries: Vec<PromptUse>) -> Self {
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
        self.entries.get(next).map(|e| e.text.as_str())
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
                self.entries.get(i - 1).map(|e| e.text.clone())
            }
        }
    }

    /// The walk ends where it is (the user edits or sends the shown text).
    pub fn stop(&mut self) {
        self.pos = None;
    }

    /// A prompt was sent by `jobs` jobs at `at`: it becomes the newest entry.
    pub fn remember(&mut self, text: &str, jobs: u64, at: Timestamp) {
        if text.trim().is_empty() {
            return;
        }
        let before = self.entries.iter().position(|e| e.text == text);
        let uses = before.map_or(0, |i| self.entries.remove(i).uses);
        self.entries.insert(
            0,
            PromptUse {
                text: text.to_owned(),
                last_used: at,
                uses: uses + jobs,
            },
        );
        self.pos = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(texts: &[&str]) -> Vec<PromptUse> {
        texts
            .iter()
            .map(|t| PromptUse {
                text: (*t).to_owned(),
                last_used: Timestamp(0),
                uses: 1,
            })
            .collect()
    }

    #[test]
    fn walks_back_and_forth_and_gives_the_draft_back() {
        let mut r = PromptRecall::new(uses(&["newest", "older"]));
        assert_eq!(r.older("typing"), Some("newest"));
        assert_eq!(r.older("newest"), Some("older"));
        assert_eq!(r.older("older"), None, "no older one");
        assert_eq!(r.newer().as_deref(), Some("newest"));
        assert_eq!(r.newer().as_deref(), Some("typing"));
        assert!(!r.walking());
        assert_eq!(r.newer(), None);
        r.remember("older", 2, Timestamp(9));
        let texts: Vec<_> = r
            .entries
            .iter()
            .map(|e| (e.text.as_str(), e.uses))
            .collect();
        assert_eq!(
            texts,
            [("older", 3), ("newest", 1)],
            "deduplicated, newest first"
        );
    }
}
