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
use crate::domain::catalogue::Carried;
use crate::domain::draft::SeedMode;
use crate::state::{Field, Focus, State};

/// Rows the prompt gets when there is room.
const PROMPT_ROWS: u16 = 5;

/// The height the pane would like (borders included).
pub fn wanted_height(state: &State) -> u16 {
    let fields = state.form.visible_fields().len() as u16;
    // prompt label + rows, one line per other field, an error line, borders.
    2 + 1 + PROMPT_ROWS + (fields - 1) + 1 + 1
}

/// The pane's lines, and where the cursor goes (column, row inside the pane).
struct Drawn {
    lines: Vec<Line<'static>>,
    cursor: Option<(usize, usize)>,
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
    let width = inner.width as usize;
    view.prompt_width = width;
    let other_lines = fields.len() - 1 + usize::from(form.error.is_some());
    let prompt_rows = (inner.height as usize)
        .saturating_sub(1 + other_lines)
        .max(1);
    let mut drawn = Drawn {
        lines: Vec::new(),
        cursor: None,
    };
    prompt_lines(state, width, prompt_rows, ctx, &mut drawn);
    for field in fields.iter().copied().filter(|f| *f != Field::Prompt) {
        field_line(state, field, width, ctx, &mut drawn);
    }
    if let Some(err) = form.error.as_ref().filter(|e| e.field == Field::Prompt) {
        drawn.lines.insert(
            1 + prompt_rows,
            Line::styled(one_line(&format!("✗ {}", err.message), width), t.error),
        );
    }
    frame.render_widget(Paragraph::new(drawn.lines), inner);
    if let Some((col, row)) = drawn.cursor
        && state.overlay.is_none()
    {
        let pos = Position {
            x: inner
                .x
                .saturating_add(u16::try_from(col).unwrap_or(u16::MAX)),
            y: inner
                .y
                .saturating_add(u16::try_from(row).unwrap_or(u16::MAX)),
        };
        if inner.contains(pos) {
            frame.set_cursor_position(pos);
        }
    }
}

fn focus_of(state: &State) -> Option<Field> {
    match state.focus {
        Focus::Form(f) => Some(f),
        _ => None,
    }
}

/// The prompt's label with its count, and its text wrapped and scrolled to the cursor.
fn prompt_lines(state: &State, width: usize, rows_shown: usize, ctx: &RenderCtx, out: &mut Drawn) {
    let t = ctx.theme;
    let form = &state.form;
    let focused = focus_of(state) == Some(Field::Prompt);
    let spec = form.spec();
    let chars = form.prompt.char_count();
    let count = format!("{chars}/{}", spec.map_or(0, |s| s.prompt_max));
    let over = spec.is_some_and(|s| chars > s.prompt_max);
    let pad = width.saturating_sub(6 + count.len());
    out.lines.push(Line::from(vec![
        Span::styled("Prompt", if focused { t.accent } else { t.muted }),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, if over { t.error } else { t.muted }),
    ]));
    let (rows, (crow, ccol)) = form.prompt.layout(width);
    let first = crow.saturating_sub(rows_shown - 1);
    let style = if focused { t.input_focused } else { t.input };
    if form.prompt.text().is_empty() {
        let hint = format!(
            "Describe the image (Enter: new line, {}: submit)",
            ctx.key(Mode::Text, Action::Submit)
        );
        out.lines
            .push(Line::styled(one_line(&hint, width), t.muted));
    } else {
        for r in rows.iter().skip(first).take(rows_shown) {
            let text = crate::sanitize::sanitize_line(&form.prompt.text()[r.clone()]).into_owned();
            out.lines.push(Line::styled(text, style));
        }
    }
    while out.lines.len() < 1 + rows_shown {
        out.lines.push(Line::raw(""));
    }
    if focused {
        out.cursor = Some((ccol.min(width - 1), 1 + crow - first));
    }
}

/// A field's label; the Image field counts its references against the model's maximum
/// ("Image 2/3") when the model takes more than one.
fn label_of(state: &State, field: Field) -> String {
    let form = &state.form;
    match (field, form.references_max()) {
        (Field::Reference, max) if max > 1 => format!("Image {}/{max}", form.references().len()),
        _ => field.label().to_owned(),
    }
}

/// One field's line (label and value), and its error under it.
fn field_line(state: &State, field: Field, width: usize, ctx: &RenderCtx, out: &mut Drawn) {
    let t = ctx.theme;
    let focused = focus_of(state) == Some(field);
    let label = format!("{:<9}", label_of(state, field));
    let (value, editing) = field_value(state, field, focused, ctx);
    let value_width = width.saturating_sub(label.len());
    if focused && let Some(col) = editing {
        out.cursor = Some((
            label.len() + col.min(value_width.saturating_sub(1)),
            out.lines.len(),
        ));
    }
    out.lines.push(Line::from(vec![
        Span::styled(label, if focused { t.accent } else { t.muted }),
        Span::styled(
            one_line(&value, value_width),
            if focused { t.input_focused } else { t.input },
        ),
    ]));
    if let Some(err) = state.form.error.as_ref().filter(|e| e.field == field) {
        out.lines.push(Line::styled(
            one_line(&format!("✗ {}", err.message), width),
            t.error,
        ));
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
            format!("{}  ({})", form.seed.text(), seed_note(form, &lock)),
            Some(text_col(&form.seed)),
        ),
        Field::Seed => (
            format!("random  (type a number or {lock} to lock one)"),
            Some(0),
        ),
        Field::Rewrite => (rewrite_value(form, focused), None),
        Field::Reference if form.reference.text().is_empty() => {
            let hint = if form.spec().is_some_and(|s| s.images.min > 0) {
                "required: a file path or https URL"
            } else {
                "optional: a file path or https URL"
            };
            (hint.to_owned(), Some(0))
        }
        // Several references read as a numbered list until the field is edited.
        Field::Reference if !focused && form.references().len() > 1 => {
            let list: Vec<String> = form
                .references()
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{} {r}", i + 1))
                .collect();
            (list.join(" · "), None)
        }
        Field::Reference => (
            form.reference.text().to_owned(),
            Some(text_col(&form.reference)),
        ),
        Field::Model => (
            selector(form.spec().map_or("-", |m| m.id.as_str()), focused),
            None,
        ),
        Field::Shape => (
            selector(&form.shape_label().unwrap_or_default(), focused),
            None,
        ),
        Field::Count => (selector(&count_label(form), focused), None),
        Field::Draws => (selector(&draws_label(form), focused), None),
        Field::Prompt => (String::new(), None),
    }
}

/// The count, and what the submit will send when it is more than one job: "3 jobs · ≈ 9
/// credits", or for a template "2 jobs each → 8 jobs · ≈ 24 credits".
fn count_label(form: &crate::state::ComposeForm) -> String {
    let each = format!(
        "{} job{}",
        form.count,
        if form.count == 1 { "" } else { "s" }
    );
    let Ok(plan) = form.validate() else {
        return each;
    };
    let estimate = form.estimate(&plan);
    match estimate.jobs {
        1 => each,
        n if n == usize::from(form.count) => format!("{each} · {}", estimate.cost_text()),
        // One form, one model: the model count says nothing here.
        n => format!("{each} each → {n} jobs · {}", estimate.cost_text()),
    }
}

/// The template mode: "every combination (4 prompts)" or "3 random draws".
fn draws_label(form: &crate::state::ComposeForm) -> String {
    match form.draws {
        Some(1) => "1 random draw (from the job's seed)".to_owned(),
        Some(n) => format!("{n} random draws (each from its job's seed)"),
        None => {
            let made =
                crate::domain::template::Template::parse(form.prompt.text(), &form.wildcards)
                    .map(|t| t.count());
            let max = crate::domain::template::MAX_PROMPTS;
            match made {
                // Said before the submit, so a template that will be refused is no surprise.
                Ok(n) if n > max => format!("every combination: {n} prompts, more than {max}"),
                Ok(n) => format!(
                    "every combination ({n} prompt{})",
                    if n == 1 { "" } else { "s" }
                ),
                Err(e) => format!(
                    "every combination: {}",
                    crate::sanitize::sanitize_line(&e.to_string())
                ),
            }
        }
    }
}

/// What a locked seed does with the count: one seed, counting up, or the same for every job.
fn seed_note(form: &crate::state::ComposeForm, lock: &str) -> String {
    let n = u64::from(form.count);
    match (n, form.seed_mode) {
        (1, _) => format!("locked; {lock}: random"),
        (_, SeedMode::Increment) => {
            let last = form
                .seed
                .text()
                .trim()
                .parse::<u64>()
                .ok()
                .map(|s| s + n - 1);
            let span = last.map_or_else(String::new, |l| format!(" to {l}"));
            format!("locked, counting up{span}; {lock}: the same for every job")
        }
        (_, SeedMode::Fixed) => format!("fixed: {n} identical paid requests; {lock}: random"),
    }
}

/// The rewrite field: a choice where qimg sends it, else what the provider does.
fn rewrite_value(form: &crate::state::ComposeForm, focused: bool) -> String {
    match form.spec().map(|s| s.rewrite) {
        Some(Carried::Send) if form.rewrite => format!(
            "{}  (the provider rewrites the prompt; the rewrite is kept with the job)",
            selector("on", focused)
        ),
        Some(Carried::Send) => format!(
            "{}  (the prompt is drawn as written)",
            selector("off", focused)
        ),
        _ => "the provider decides (this wire cannot turn it off)".to_owned(),
    }
}

fn selector(value: &str, focused: bool) -> String {
    if focused {
        format!("◀ {value} ▶")
    } else {
        value.to_owned()
    }
}
