//! The grid popup: the rows' and columns' axes as typed, the axes it takes, and what the grid
//! would send — cells and cost — or why it cannot, as you type.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::RenderCtx;
use super::fmt::one_line;
use crate::domain::seed::SeedStream;
use crate::state::State;
use crate::state::text::TextInput;

/// Draws the popup over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    (rows, columns, on_columns): (&TextInput, &TextInput, bool),
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    let rect = super::popup::centered(area, 86, 11);
    let width = rect.width.saturating_sub(2) as usize;
    let field = |label: &str, input: &TextInput, active: bool| {
        let style = if active { t.input_focused } else { t.text };
        Line::from(vec![
            Span::styled(format!("{label:<9}"), t.muted),
            Span::styled(one_line(input.text(), width.saturating_sub(11)), style),
            Span::styled(if active { "▏" } else { "" }, t.muted),
        ])
    };
    // A preview plan: fixed entropy, so the frame is pure (the send draws its own seeds).
    let preview = state
        .form
        .grid_plan(&[rows.text(), columns.text()], &mut SeedStream::new(0));
    let outcome = match (
        &preview,
        rows.text().trim().is_empty() && columns.text().trim().is_empty(),
    ) {
        (_, true) => Line::styled(
            "type an axis for the rows (and one for the columns)",
            t.muted,
        ),
        (Ok(plan), _) => {
            let est = state.form.estimate(plan);
            let shape = cells(rows.text(), columns.text(), plan.jobs.len());
            Line::styled(one_line(&format!("{shape}{est}"), width), t.success)
        }
        (Err(e), _) => Line::styled(one_line(e, width), t.warning),
    };
    let lines = vec![
        field("rows", rows, !on_columns),
        field("columns", columns, on_columns),
        Line::raw(""),
        outcome,
        Line::raw(""),
        Line::styled(
            "axes: seed=1,2,3 · seed=random:4 · prompt (a template's variants) · model=a,b · \
             aspect=1:1,16:9 · size=1024*1024,1328*1328. Everything else stays as in the form, \
             with one seed across the grid unless seed is an axis.",
            t.muted,
        ),
    ];
    let title = " Grid run · Tab switches · Enter sends · Esc closes ";
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(Span::styled(title, t.title))),
        rect,
    );
}

/// "3 rows × 2 columns → " when both axes are typed.
fn cells(rows: &str, columns: &str, jobs: usize) -> String {
    if rows.trim().is_empty() || columns.trim().is_empty() || jobs == 0 {
        return String::new();
    }
    let count = |a: &str| {
        crate::domain::grid::Axis::parse(a)
            .map(|x| x.len())
            .unwrap_or(0)
    };
    match (count(rows), count(columns)) {
        (r, c) if r > 0 && c > 0 => format!("{r} rows × {c} columns → "),
        (0, c) if c > 0 => format!("{} rows × {c} columns → ", jobs / c),
        (r, 0) if r > 0 => format!("{r} rows × {} columns → ", jobs / r),
        _ => String::new(),
    }
}
