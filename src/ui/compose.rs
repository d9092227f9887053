//! The Compose pane: the prompt (wrapped, with a character count), then one line per field the
//! chosen model uses, the last error under its field, and the cursor in the focused text field.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::fmt::one_line;
use super::{RenderCtx, ViewState};
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::state::{Field, Focus, State};

/// Rows the prompt gets when there is room.
const PROMPT_ROWS: u16 = 5;

/// The height the pane would like (borders included).
pub fn wanted_height(state: &State) -> u16 {
    let fields = state.form.visible_fields().len() as u16;
    // prompt label + rows, one line per other field, an error line, borders.
    2 + 1 + PROMPT_ROWS + (fields - 1) + 1 + 1
}

/// Draws the pane.
pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &mut ViewState, ctx: &RenderCtx) {
    let t = ctx.theme;
    let focused_pane = matches!(state.focus, Focus::Form(_));
    let block = Block::bordered()
        .title(Span::styled(" Compose ", t.title))
        .border_style(t.border_for(focused_pane));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 4 || inner.height < 2 {
        return;
    }
    let form = &state.form;
    let fields = form.visible_fields();
    let focus = match state.focus {
        Focus::Form(f) => Some(f),
        _ => None,
    };
    let width = inner.width as usize;
    view.prompt_width = width;
    let other_lines = fields.len() as u16 - 1 + u16::from(form.error.is_some());
    let prompt_rows = inner.height.saturating_sub(1 + other_lines).max(1);
    let label_style = |f: Field| if focus == Some(f) { t.accent } else { t.muted };
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<Position> = None;

    // Prompt label with the count.
    let spec = form.spec();
    let count = format!(
        "{}/{}",
        form.prompt.char_count(),
        spec.map_or(0, |s| s.prompt_max)
    );
    let over = spec.is_some_and(|s| form.prompt.char_count() > s.prompt_max);
    let pad = width.saturating_sub(6 + count.len());
    lines.push(Line::from(vec![
        Span::styled("Prompt", label_style(Field::Prompt)),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, if over { t.error } else { t.muted }),
    ]));
    // Prompt text, wrapped, scrolled so the cursor row is visible.
    let (rows, (crow, ccol)) = form.prompt.layout(width);
    let first = crow.saturating_sub(prompt_rows as usize - 1);
    let text_style = if focus == Some(Field::Prompt) {
        t.input_focused
    } else {
        t.input
    };
    if form.prompt.text().is_empty() {
        lines.push(Line::styled(
            one_line(
                &format!(
                    "Describe the image (Enter: new line, {}: submit)",
                    ctx.key(Mode::Text, Action::Submit)
                ),
                width,
            ),
            t.muted,
        ));
        for _ in 1..prompt_rows {
            lines.push(Line::raw(""));
        }
    } else {
        for r in rows.iter().skip(first).take(prompt_rows as usize) {
            lines.push(Line::styled(
                crate::sanitize::sanitize_line(&form.prompt.text()[r.clone()]).into_owned(),
                text_style,
            ));
        }
        for _ in rows.len().saturating_sub(first)..prompt_rows as usize {
            lines.push(Line::raw(""));
        }
    }
    if focus == Some(Field::Prompt) {
        cursor = Some(Position {
            x: inner.x + ccol.min(width - 1) as u16,
            y: inner.y + 1 + (crow - first) as u16,
        });
    }

    for field in fields.iter().copied().filter(|f| *f != Field::Prompt) {
        let focused = focus == Some(field);
        let label = format!("{:<9}", field.label());
        let (value, editing) = field_value(state, field, focused, ctx);
        let value_style = if focused { t.input_focused } else { t.input };
        let row = lines.len() as u16;
        let value_width = width.saturating_sub(label.len());
        let shown = one_line(&value, value_width);
        if focused && editing.is_some() {
            let col = editing.unwrap_or(0).min(value_width.saturating_sub(1));
            cursor = Some(Position {
                x: inner.x + (label.len() + col) as u16,
                y: inner.y + row,
            });
        }
        lines.push(Line::from(vec![
            Span::styled(label, label_style(field)),
            Span::styled(shown, value_style),
        ]));
        if let Some(err) = form.error.as_ref().filter(|e| e.field == field) {
            lines.push(Line::styled(
                one_line(&format!("✗ {}", err.message), width),
                t.error,
            ));
        }
    }
    if let Some(err) = form.error.as_ref().filter(|e| e.field == Field::Prompt) {
        lines.insert(
            1 + prompt_rows as usize,
            Line::styled(one_line(&format!("✗ {}", err.message), width), t.error),
        );
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(pos) = cursor
        && state.overlay.is_none()
        && inner.contains(pos)
    {
        frame.set_cursor_position(pos);
    }
}

/// The text shown for a field, and (for text fields) the cursor column within it.
fn field_value(
    state: &State,
    field: Field,
    focused: bool,
    ctx: &RenderCtx,
) -> (String, Option<usize>) {
    let form = &state.form;
    let lock = ctx.key(Mode::Text, Action::ToggleSeedLock);
    let text_col = |t: &crate::state::text::TextInput| {
        unicode_width::UnicodeWidthStr::width(&t.text()[..t.cursor()])
    };
    match field {
        Field::Negative => (
            form.negative.text().to_owned(),
            Some(text_col(&form.negative)),
        ),
        Field::Seed if form.seed_locked => (
            format!("{}  (locked; {lock}: random)", form.seed.text()),
            Some(text_col(&form.seed)),
        ),
        Field::Seed => (
            format!("random  (type a number or {lock} to lock one)"),
            Some(0),
        ),
        Field::Reference if form.reference.text().is_empty() => {
            let hint = if form.spec().is_some_and(|s| s.images.0 > 0) {
                "required: a file path or https URL"
            } else {
                "optional: a file path or https URL"
            };
            (hint.to_owned(), Some(0))
        }
        Field::Reference => (
            form.reference.text().to_owned(),
            Some(text_col(&form.reference)),
        ),
        Field::Model => (selector(form.spec().map_or("-", |m| m.id), focused), None),
        Field::Shape => (
            selector(&form.shape_label().unwrap_or_default(), focused),
            None,
        ),
        Field::Count => (
            selector(
                &format!(
                    "{} job{}",
                    form.count,
                    if form.count == 1 { "" } else { "s" }
                ),
                focused,
            ),
            None,
        ),
        Field::Prompt => (String::new(), None),
    }
}

fn selector(value: &str, focused: bool) -> String {
    if focused {
        format!("◀ {value} ▶")
    } else {
        value.to_owned()
    }
}
