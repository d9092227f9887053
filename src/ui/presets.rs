//! The presets popup: the typed name or filter, then the presets that match with what each
//! sets, and the keys that apply, save and delete.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::RenderCtx;
use crate::sanitize::sanitize_line;
use crate::state::State;

/// Draws the popup over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    query: &str,
    selected: usize,
    ctx: &RenderCtx,
) {
    let t = ctx.theme;
    let rect = super::popup::centered(area, 90, area.height.saturating_sub(4).min(20));
    let width = rect.width.saturating_sub(2) as usize;
    let matches = state.preset_matches(query);
    let mut lines = vec![Line::from(vec![
        Span::styled("name: ", t.muted),
        Span::styled(sanitize_line(query).into_owned(), t.text),
        Span::styled("▏", t.muted),
    ])];
    let typed = query.trim();
    let hint = match (state.presets.is_empty(), matches.is_empty()) {
        (true, _) => "no presets yet: type a name, then Ctrl-S saves the form as one".to_owned(),
        (false, true) => format!(
            "no match; Ctrl-S saves the form as `{}`",
            sanitize_line(typed)
        ),
        (false, false) => format!("{} of {} presets", matches.len(), state.presets.len()),
    };
    lines.push(Line::styled(hint, t.muted));
    let rows = rect.height.saturating_sub(4) as usize;
    let first = selected.saturating_sub(rows.saturating_sub(1));
    // The names' column is as wide as the longest shown, within 8–24 columns.
    let column = matches
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 24);
    for (i, name) in matches.iter().enumerate().skip(first).take(rows) {
        let what = state
            .presets
            .get(*name)
            .map(|p| sanitize_line(&p.summary()).into_owned())
            .unwrap_or_default();
        let name = super::fmt::one_line(name, column);
        let room = width.saturating_sub(column + 2);
        let style = if i == selected { t.selection } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<column$}  "), style),
            Span::styled(super::fmt::one_line(&what, room), t.muted),
        ]));
    }
    let title = " Presets · Enter applies · Ctrl-S saves the form · Ctrl-D deletes · Esc ";
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(Span::styled(title, t.title))),
        rect,
    );
}
