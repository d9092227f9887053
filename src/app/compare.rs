//! A/B compare: `m` marks up to two jobs (a third mark replaces the older one), `x` opens the
//! two marked jobs (or the marked one and the selected one) in the viewer with what differs
//! between them underneath, and space or `x` there flips between them at full size.

use std::time::Instant;

use super::{App, Effect};
use crate::action::Action;
use crate::domain::{JobId, Level};

impl App {
    /// Carries out a compare action.
    pub(super) fn on_compare_action(&mut self, action: Action, now: Instant) -> Vec<Effect> {
        match action {
            Action::Mark => self.toggle_mark(now),
            Action::Compare => return self.open_compare(now),
            Action::Flip => return self.flip(now),
            Action::SideBySide if self.state.compare.is_some() => {
                self.state.compare_side = !self.state.compare_side;
                self.dirty = true;
                let mut fx = vec![Effect::Repaint];
                fx.extend(self.preview_effects());
                return fx;
            }
            Action::Parent | Action::Child => return self.lineage(action == Action::Parent, now),
            _ => {}
        }
        Vec::new()
    }

    fn toggle_mark(&mut self, now: Instant) {
        let Some(id) = self.state.jobs.selected().map(|v| v.job.id) else {
            return;
        };
        let marked = &mut self.state.marked;
        if let Some(i) = marked.iter().position(|m| *m == id) {
            marked.remove(i);
            self.state
                .notice(Level::Info, format!("job {} unmarked", id.short()), now);
            return;
        }
        if marked.len() == 2 {
            marked.remove(0);
        }
        marked.push(id);
        let text = match marked.as_slice() {
            [a, b] => format!(
                "A {} and B {} marked: x compares them",
                a.short(),
                b.short()
            ),
            _ => format!(
                "job {} marked as A: mark another, or select one and press x",
                id.short()
            ),
        };
        self.state.notice(Level::Info, text, now);
    }

    /// The pair to compare: both marks, or the one mark and the selected job.
    fn pair(&self) -> Option<(JobId, JobId)> {
        let selected = self.state.jobs.selected().map(|v| v.job.id);
        match (self.state.marked.as_slice(), selected) {
            ([a, b], _) => Some((*a, *b)),
            ([a], Some(s)) if *a != s => Some((*a, s)),
            _ => None,
        }
    }

    fn open_compare(&mut self, now: Instant) -> Vec<Effect> {
        let Some((a, b)) = self.pair() else {
            let text = "mark a job with m, then select (or mark) another and press x";
            self.state.notice(Level::Info, text, now);
            return Vec::new();
        };
        if self.state.jobs.get(a).is_none() || self.state.jobs.get(b).is_none() {
            self.state
                .marked
                .retain(|m| self.state.jobs.get(*m).is_some());
            self.state
                .notice(Level::Warning, "a marked job is no longer listed", now);
            return Vec::new();
        }
        self.state.compare = Some((a, b));
        self.state.viewer = Some(a);
        self.state.jobs.select(a);
        self.dirty = true;
        let mut fx = vec![Effect::Repaint];
        fx.extend(self.preview_effects());
        fx
    }

    /// The viewer goes to the shown job's parent (`[`), or (`]`) to its first child — or,
    /// for a job without children, to its next sibling, so `]` walks a parent's children.
    fn lineage(&mut self, to_parent: bool, now: Instant) -> Vec<Effect> {
        let Some(shown) = self.state.viewer.and_then(|id| self.state.jobs.get(id)) else {
            return Vec::new();
        };
        let (id, parent) = (shown.job.id, shown.job.parent);
        let jobs = &self.state.jobs;
        let target = if to_parent {
            parent.filter(|p| jobs.get(*p).is_some())
        } else {
            let children = jobs.children(id);
            match (children.first(), parent) {
                (Some(first), _) => Some(*first),
                (None, Some(p)) => {
                    let siblings = jobs.children(p);
                    let at = siblings.iter().position(|s| *s == id).unwrap_or(0);
                    siblings
                        .get((at + 1) % siblings.len().max(1))
                        .copied()
                        .filter(|s| *s != id)
                }
                (None, None) => None,
            }
        };
        let Some(target) = target else {
            let text = match (to_parent, parent) {
                (true, None) => "this job came from no other",
                (true, Some(_)) => "its parent is not listed (deleted, or older than the list)",
                (false, _) => "no other job came from this one or its parent",
            };
            self.state.notice(Level::Info, text, now);
            return Vec::new();
        };
        self.state.viewer = Some(target);
        self.state.jobs.select(target);
        self.dirty = true;
        self.preview_effects()
    }

    fn flip(&mut self, now: Instant) -> Vec<Effect> {
        let (Some((a, b)), Some(shown)) = (self.state.compare, self.state.viewer) else {
            self.state.notice(
                Level::Info,
                "flip works in a compare (x in the job list)",
                now,
            );
            return Vec::new();
        };
        let other = if shown == a { b } else { a };
        self.state.viewer = Some(other);
        self.state.jobs.select(other);
        self.dirty = true;
        self.preview_effects()
    }
}
