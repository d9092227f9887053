//! The form's reference images as a list: the Image field holds them separated by `;`, in the
//! order they are sent. Adding respects the model's maximum; the entry under the cursor can be
//! moved earlier or later, or removed.

use super::ComposeForm;

impl ComposeForm {
    /// The references as typed, in order.
    pub fn references(&self) -> Vec<String> {
        self.reference
            .text()
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// How many references the chosen model takes at most.
    pub fn references_max(&self) -> usize {
        self.spec().map_or(0, |s| s.images.max)
    }

    /// Adds `path` at the end when the model takes another image, else replaces the list when
    /// it takes one; returns its place (1-based) and the maximum, or why not.
    pub fn add_reference(&mut self, path: &str) -> Result<(usize, usize), String> {
        let max = self.references_max();
        let mut list = self.references();
        if list.iter().any(|r| r == path) {
            let at = list.iter().position(|r| r == path).unwrap_or(0);
            return Ok((at + 1, max));
        }
        match max {
            0 => return Err("this model takes no image".into()),
            1 => list = vec![path.to_owned()],
            m if list.len() >= m => {
                return Err(format!(
                    "this model takes at most {m} images; remove one first (Alt-X in the Image field)"
                ));
            }
            _ => list.push(path.to_owned()),
        }
        self.set_references(&list);
        Ok((list.len(), max))
    }

    /// The index of the entry the cursor is in.
    fn reference_at_cursor(&self) -> Option<usize> {
        let before = self.reference.text().get(..self.reference.cursor())?;
        let n = before.matches([';', '\n']).count();
        // Blank entries (";;") do not count.
        let skipped = before
            .split([';', '\n'])
            .take(n)
            .filter(|s| s.trim().is_empty())
            .count();
        let i = n - skipped;
        (i < self.references().len()).then_some(i)
    }

    /// Moves the entry under the cursor by `delta` places; the cursor follows it.
    pub fn move_reference(&mut self, delta: isize) -> Option<usize> {
        let i = self.reference_at_cursor()?;
        let mut list = self.references();
        let j = i
            .saturating_add_signed(delta)
            .min(list.len().checked_sub(1)?);
        let item = list.remove(i);
        list.insert(j, item);
        self.set_references(&list);
        self.cursor_to_reference(j);
        Some(j)
    }

    /// Removes the entry under the cursor; returns it.
    pub fn remove_reference(&mut self) -> Option<String> {
        let i = self.reference_at_cursor()?;
        let mut list = self.references();
        let gone = list.remove(i);
        self.set_references(&list);
        self.cursor_to_reference(i.min(list.len().saturating_sub(1)));
        Some(gone)
    }

    fn set_references(&mut self, list: &[String]) {
        self.reference.set(&list.join("; "));
        self.error = None;
    }

    /// Puts the cursor at the end of entry `i` (the text is `a; b; c` after a change).
    fn cursor_to_reference(&mut self, i: usize) {
        let list = self.references();
        let end: usize = list.iter().take(i + 1).map(String::len).sum::<usize>() + 2 * i;
        self.reference
            .set_cursor(end.min(self.reference.text().len()));
    }
}
