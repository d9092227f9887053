//! `ViewState`: what rendering remembers between frames and the app reads back: where the job
//! list and the gallery were drawn (for mouse clicks), their scroll positions, and the width of
//! the prompt (Up/Down move the cursor by wrapped lines). Widget state, not part of the model.

use ratatui::layout::Rect;

/// Where the job list was drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListGeometry {
    /// The rows area.
    pub area: Rect,
    /// The first visible row.
    pub first: usize,
}

/// Where the gallery grid was drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GridGeometry {
    /// The grid area.
    pub area: Rect,
    /// Columns of thumbnails.
    pub columns: u16,
    /// One cell's width and height in terminal cells.
    pub cell: (u16, u16),
    /// The first visible item.
    pub first: usize,
}

/// Render-time memory, owned by the app and passed `&mut` to `ui::render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewState {
    /// The job list.
    pub list: ListGeometry,
    /// The gallery.
    pub grid: GridGeometry,
    /// The prompt's width in cells as last drawn.
    pub prompt_width: usize,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            list: ListGeometry::default(),
            grid: GridGeometry::default(),
            prompt_width: 40,
        }
    }
}

/// The first row to show of `len` rows in a view of `height` rows, given the one shown
/// before: the view moves only when the selection leaves it, so scrolling is stable.
pub fn scroll_offset(previous: usize, selected: usize, len: usize, height: usize) -> usize {
    let mut off = previous;
    if selected < off {
        off = selected;
    }
    if height > 0 && selected >= off + height {
        off = selected + 1 - height;
    }
    off.min(len.saturating_sub(height.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_scrolls_only_when_the_selection_leaves_it() {
        let mut off = 0;
        let mut at = |selected: usize| {
            off = scroll_offset(off, selected, 20, 5);
            off
        };
        assert_eq!(at(0), 0);
        assert_eq!(at(7), 3);
        assert_eq!(at(5), 3);
        assert_eq!(at(0), 0);
        assert_eq!(scroll_offset(18, 19, 20, 5), 15, "never past the end");
    }
}
