//! `TextInput`: an editable string with a cursor on grapheme boundaries, for the prompt (multi
//! line) and the one-line fields. Editing never slices inside a character.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Longest text a field accepts (a 10 MB paste is cut here, with a notice).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// An editable text with a cursor (a byte index that is always on a grapheme boundary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    cursor: usize,
    multiline: bool,
}

impl TextInput {
    /// An empty one-line field.
    pub fn single_line() -> Self {
        Self::default()
    }

    /// An empty multi-line field.
    pub fn multi_line() -> Self {
        Self {
            multiline: true,
            ..Self::default()
        }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor as a byte index.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = self.clean(text);
        self.cursor = self.text.len();
    }

    /// Puts the cursor at byte `at` (moved back to a character boundary).
    pub fn set_cursor(&mut self, at: usize) {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        self.cursor = at;
    }

    /// Characters in the text.
    pub fn char_count(&self) -> usize {
        self.text.chars().count()
    }

    fn clean(&self, s: &str) -> String {
        let s: String = s
            .chars()
            .filter_map(|c| match c {
                '\r' => None,
                '\n' if !self.multiline => Some(' '),
                '\t' => Some(' '),
                c if c.is_control() && c != '\n' => None,
                c => Some(c),
            })
            .collect();
        s
    }

    /// Inserts text at the cursor (typed or pasted). Returns false when it had to be cut at
    /// [`MAX_INPUT_BYTES`].
    pub fn insert(&mut self, s: &str) -> bool {
        let clean = self.clean(s);
        let room = MAX_INPUT_BYTES.saturating_sub(self.text.len());
        let mut take = clean.len().min(room);
        while !clean.is_char_boundary(take) {
            take -= 1;
        }
        self.text.insert_str(self.cursor, &clean[..take]);
        self.cursor += take;
        take == clean.len()
    }

    fn prev_boundary(&self) -> Option<usize> {
        self.text[..self.cursor]
            .grapheme_indices(true)
            .next_back()
            .map(|(i, _)| i)
    }

    fn next_boundary(&self) -> Option<usize> {
        self.text[self.cursor..]
            .graphemes(true)
            .next()
            .map(|g| self.cursor + g.len())
    }

    /// Deletes the grapheme before the cursor.
    pub fn backspace(&mut self) {
        if let Some(p) = self.prev_boundary() {
            self.text.replace_range(p..self.cursor, "");
            self.cursor = p;
        }
    }

    /// Deletes the grapheme after the cursor.
    pub fn delete(&mut self) {
        if let Some(n) = self.next_boundary() {
            self.text.replace_range(self.cursor..n, "");
        }
    }

    /// Deletes the word before the cursor (Ctrl-W).
    pub fn delete_word(&mut self) {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end();
        let start = trimmed.rfind(char::is_whitespace).map_or(0, |i| {
            i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
        });
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Clears the line before the cursor (Ctrl-U).
    pub fn clear_to_start(&mut self) {
        let start = self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Moves one grapheme left.
    pub fn left(&mut self) {
        if let Some(p) = self.prev_boundary() {
            self.cursor = p;
        }
    }

    /// Moves one grapheme right.
    pub fn right(&mut self) {
        if let Some(n) = self.next_boundary() {
            self.cursor = n;
        }
    }

    /// Moves to the start of the line.
    pub fn home(&mut self) {
        self.cursor = self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1);
    }

    /// Moves to the end of the line.
    pub fn end(&mut self) {
        self.cursor = self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |i| self.cursor + i);
    }

    /// Lays the text out in rows of at most `width` cells (hard breaks at `\n`, wrapping by
    /// grapheme). Returns the rows as byte ranges and the cursor's (row, column).
    pub fn layout(&self, width: usize) -> (Vec<std::ops::Range<usize>>, (usize, usize)) {
        let width = width.max(1);
        let mut rows = Vec::new();
        let mut cursor_pos = (0, 0);
        let mut start = 0;
        let mut col = 0;
        for (i, g) in self.text.grapheme_indices(true) {
            if i == self.cursor {
                cursor_pos = (rows.len(), col);
            }
            if g == "\n" {
                rows.push(start..i);
                start = i + 1;
                col = 0;
                continue;
            }
            let w = g.width();
            if col + w > width {
                rows.push(start..i);
                start = i;
                col = 0;
                if i == self.cursor {
                    cursor_pos = (rows.len(), 0);
                }
            }
            col += w;
        }
        if self.cursor == self.text.len() {
            if col >= width {
                rows.push(start..self.text.len());
                start = self.text.len();
                col = 0;
            }
            cursor_pos = (rows.len(), col);
        }
        rows.push(start..self.text.len());
        (rows, cursor_pos)
    }

    /// Moves the cursor one row up or down in a layout of `width` cells.
    pub fn vertical(&mut self, width: usize, down: bool) {
        let (rows, (row, col)) = self.layout(width);
        let target = if down { row + 1 } else { row.wrapping_sub(1) };
        let Some(range) = rows.get(target) else {
            return;
        };
        let mut pos = range.start;
        let mut used = 0;
        for (i, g) in self.text[range.clone()].grapheme_indices(true) {
            if used + g.width() > col {
                break;
            }
            used += g.width();
            pos = range.start + i + g.len();
        }
        self.cursor = pos;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_respects_graphemes() {
        let mut t = TextInput::single_line();
        t.insert("e\u{301}👨\u{200D}👩x");
        t.left();
        t.backspace();
        assert_eq!(t.text(), "e\u{301}x");
        t.home();
        t.delete();
        assert_eq!(t.text(), "x");
    }

    #[test]
    fn single_line_fields_flatten_pastes() {
        let mut t = TextInput::single_line();
        t.insert("a\nb\tc\x1b[31m\r");
        assert_eq!(t.text(), "a b c[31m");
        let mut m = TextInput::multi_line();
        m.insert("a\r\nb");
        assert_eq!(m.text(), "a\nb");
    }

    #[test]
    fn huge_pastes_are_capped() {
        let mut t = TextInput::multi_line();
        assert!(!t.insert(&"é".repeat(MAX_INPUT_BYTES)));
        assert!(t.text().len() <= MAX_INPUT_BYTES);
    }

    #[test]
    fn layout_wraps_and_places_the_cursor() {
        let mut t = TextInput::multi_line();
        t.insert("abcdef\ngh");
        let (rows, cur) = t.layout(4);
        let texts: Vec<&str> = rows.iter().map(|r| &t.text()[r.clone()]).collect();
        assert_eq!(texts, ["abcd", "ef", "gh"]);
        assert_eq!(cur, (2, 2));
        t.vertical(4, false);
        assert_eq!(t.layout(4).1, (1, 2));
        t.vertical(4, false);
        assert_eq!(t.layout(4).1, (0, 2));
    }

    #[test]
    fn cursor_at_a_full_row_moves_to_the_next() {
        let mut t = TextInput::single_line();
        t.insert("abcd");
        let (rows, cur) = t.layout(4);
        assert_eq!(rows.len(), 2);
        assert_eq!(cur, (1, 0));
    }

    #[test]
    fn word_and_line_deletion() {
        let mut t = TextInput::single_line();
        t.insert("a red kite");
        t.delete_word();
        assert_eq!(t.text(), "a red ");
        t.clear_to_start();
        assert_eq!(t.text(), "");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(ops in proptest::collection::vec(0u8..10, 0..60), s in "\\PC{0,8}") {
            let mut t = TextInput::multi_line();
            for op in ops {
                match op {
                    0 => { t.insert(&s); }
                    1 => t.backspace(),
                    2 => t.delete(),
                    3 => t.left(),
                    4 => t.right(),
                    5 => t.home(),
                    6 => t.end(),
                    7 => t.vertical(5, true),
                    8 => t.vertical(3, false),
                    _ => t.delete_word(),
                }
                proptest::prop_assert!(t.text().is_char_boundary(t.cursor()));
                let _ = t.layout(7);
            }
        }
    }
}
