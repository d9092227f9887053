//! The presets popup: the typed name or filter, then the presets that match with what each
//! sets, and the keys that apply, save and delete.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use unicode_width::UnicodeWidthStr;

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
    let mut lines = vec![super::popup::query_line("name: ", query, width, ctx)];
    match &state.presets_error {
        Some(e) => {
            let e = format!("{e}; fix the file (Ctrl-S will not write over it)");
            lines.extend(wrapped(&e, width, t.error));
        }
        None => lines.push(Line::styled(hint(state, query, &matches), t.muted)),
    }
    let rows = (rect.height as usize).saturating_sub(2 + lines.len());
    let first = selected.saturating_sub(rows.saturating_sub(1));
    // The names' column is as wide as the longest shown, within 8–24 columns.
    let column = matches
        .iter()
        .map(|n| UnicodeWidthStr::width(*n))
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
        // Padded by display width, so a name in CJK keeps the columns straight.
        let pad = " ".repeat(column.saturating_sub(UnicodeWidthStr::width(name.as_str())) + 2);
        let room = width.saturating_sub(column + 2);
        let style = if i == selected { t.selection } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(format!("{name}{pad}"), style),
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

/// The line under the name: how many match, or what Ctrl-S would do with the name typed.
fn hint(state: &State, query: &str, matches: &[&str]) -> String {
    let typed = query.trim();
    if matches.is_empty()
        && !typed.is_empty()
        && let Err(e) = crate::domain::preset::check_name(typed)
    {
        return e;
    }
    match (state.presets.is_empty(), matches.is_empty()) {
        (true, _) => "no presets yet: type a name, then Ctrl-S saves the form as one".into(),
        (false, true) => format!(
            "no match; Ctrl-S saves the form as `{}`",
            sanitize_line(typed)
        ),
        (false, false) => format!("{} of {} presets", matches.len(), state.presets.len()),
    }
}

/// `text` in lines of `width` cells (a file error is long; the popup shows all of it).
fn wrapped(text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'static>> {
    let clean = sanitize_line(text).into_owned();
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in clean.split(' ') {
        let wide = UnicodeWidthStr::width(line.as_str()) + 1 + UnicodeWidthStr::width(word);
        if !line.is_empty() && wide > width {
            lines.push(Line::styled(std::mem::take(&mut line), style));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(Line::styled(line, style));
    }
    lines
}
