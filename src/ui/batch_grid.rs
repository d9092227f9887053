//! The grid view of one batch: its thumbnails in the grid's rows and columns, each labelled
//! with its axis values (a two-axis grid: a title line over each row, the column's value under
//! each thumbnail); other batches flow in the order they were sent. Cells still running show
//! their state; the selected cell is framed; rows scroll to keep it in view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::RenderCtx;
use super::fmt::one_line;
use super::gallery::{CELL_H, CELL_W, render_cell};
use super::view::GridGeometry;
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::BatchId;
use crate::preview::Previews;
use crate::state::{GridRow, State};

/// Draws the grid view of `batch` over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    (state, batch): (&State, BatchId),
    geo: &mut GridGeometry,
    previews: &mut Previews,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    // The layout needs the inner width, the title the rows it shows: measure first.
    let inner = Block::bordered().inner(area);
    let fit = usize::from((inner.width / CELL_W).max(1));
    let grid = state.jobs.batch_grid(batch, fit);
    let selected_row = grid.find(state.jobs.selected).map_or(0, |(r, _)| r);
    let row_h = CELL_H + u16::from(!grid.columns.is_empty());
    let visible = usize::from((inner.height / row_h).max(1));
    let first = first_row(geo.first, selected_row, visible);
    let rows = grid.rows.len();
    let shown = if rows > visible {
        format!(
            " · rows {}–{} of {rows}",
            first + 1,
            (first + visible).min(rows)
        )
    } else {
        String::new()
    };
    let title = format!(
        " Batch {} · {}{shown} · {} opens · {} closes ",
        batch.short(),
        state.jobs.batch_progress(batch).label(),
        ctx.key(Mode::Gallery, Action::Open),
        ctx.key(Mode::Gallery, Action::Close)
    );
    let block = Block::bordered()
        .title(Span::styled(
            one_line(&title, area.width.saturating_sub(2) as usize),
            t.title,
        ))
        .border_style(t.border_focused);
    frame.render_widget(block, area);
    *geo = GridGeometry {
        area: inner,
        columns: u16::try_from(fit).unwrap_or(1),
        cell: (CELL_W, CELL_H),
        first,
    };
    if grid.rows.is_empty() {
        let line = Line::styled("No job of this batch is listed.", t.muted);
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }
    let mut y = inner.y;
    for row in grid.rows.iter().skip(first).take(visible) {
        y = render_row(
            frame,
            Rect { y, ..inner },
            (state, row, &grid.columns),
            previews,
            ctx,
        );
    }
}

/// One row: its title line (a labelled grid), then its cells; returns the y below it.
fn render_row(
    frame: &mut Frame,
    area: Rect,
    (state, row, columns): (&State, &GridRow, &[String]),
    previews: &mut Previews,
    ctx: &RenderCtx,
) -> u16 {
    let t = ctx.theme;
    let mut y = area.y;
    let bottom = area.y + area.height;
    if let Some(title) = &row.title {
        let line = Line::styled(one_line(title, area.width as usize), t.accent);
        frame.render_widget(
            Paragraph::new(line),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
        y += 1;
    }
    for (c, index) in row.cells.iter().enumerate() {
        let x = area.x + u16::try_from(c).unwrap_or(u16::MAX).saturating_mul(CELL_W);
        let cell = Rect {
            x,
            y,
            width: CELL_W,
            height: CELL_H.min(bottom.saturating_sub(y)),
        }
        .intersection(area);
        let Some(view) = index.and_then(|i| state.jobs.items().get(i)) else {
            continue;
        };
        if cell.width < 4 || cell.height < 3 {
            continue;
        }
        // The column's value under a labelled cell; the whole cell label (or the prompt) else.
        let label = match (columns.get(c), &view.job.grid) {
            (Some(col), _) => col.clone(),
            (None, Some(g)) => g.label(),
            (None, None) => view.job.request.prompt.clone(),
        };
        let selected = *index == Some(state.jobs.selected);
        render_cell(frame, cell, (view, &label), selected, previews, ctx);
    }
    y + CELL_H
}

/// The first row shown: rows scroll only when the selection leaves them.
fn first_row(previous: usize, selected: usize, visible: usize) -> usize {
    if selected < previous {
        selected
    } else if selected >= previous + visible {
        selected + 1 - visible
    } else {
        previous
    }
}
