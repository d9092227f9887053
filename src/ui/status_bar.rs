//! The status line: the latest notice (for a while), and key hints generated from the keymap
//! for the current mode, so the hints always match the bindings.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::RenderCtx;
use super::fmt::one_line;
use crate::action::Action;
use crate::config::keymap::Mode;
use crate::domain::Level;
use crate::state::{Field, Focus, Overlay, State};

/// The actions hinted in each mode, most useful first.
fn hinted(state: &State) -> Vec<Action> {
    // A popup with its own keys says them in its title; the text-mode hints (Ctrl-S submit)
    // would be wrong there.
    if matches!(
        state.overlay,
        Some(Overlay::PromptSearch { .. } | Overlay::Presets { .. } | Overlay::Grid { .. })
    ) {
        return Vec::new();
    }
    let mode = state.mode();
    let mut v = match mode {
        Mode::Text => vec![
            Action::Submit,
            Action::FocusNext,
            Action::Help,
            Action::Quit,
        ],
        Mode::Form => vec![
            Action::NextValue,
            Action::Submit,
            Action::FocusNext,
            Action::Help,
            Action::Quit,
            Action::Presets,
        ],
        Mode::Jobs => vec![
            Action::Open,
            Action::CancelJob,
            Action::Resubmit,
            Action::Help,
            Action::Quit,
            Action::UseAsReference,
            Action::Profiles,
            Action::FocusNext,
        ],
        Mode::Preview => vec![
            Action::Open,
            Action::Down,
            Action::Up,
            Action::Help,
            Action::Quit,
        ],
        Mode::Viewer => vec![
            Action::Close,
            Action::Down,
            Action::Up,
            Action::ZoomIn,
            Action::ZoomOut,
            Action::PanLeft,
            Action::Help,
        ],
        Mode::Gallery => vec![
            Action::Open,
            Action::Close,
            Action::Right,
            Action::Down,
            Action::UseAsReference,
            Action::Help,
        ],
        Mode::Confirm => match &state.overlay {
            Some(Overlay::Confirm {
                on_yes: crate::state::Confirmed::Delete(_),
                ..
            }) => vec![Action::Yes, Action::YesWithFiles, Action::No],
            _ => vec![Action::Yes, Action::No],
        },
        Mode::Help | Mode::Global if matches!(state.overlay, Some(Overlay::Profiles { .. })) => {
            vec![Action::Open, Action::Close, Action::Down, Action::Up]
        }
        Mode::Help | Mode::Global => vec![Action::Close, Action::Down, Action::Up],
    };
    if state.focus == Focus::Form(Field::Seed) && state.overlay.is_none() {
        v.insert(1, Action::ToggleSeedLock);
    }
    v
}

/// Draws the status line.
pub fn render(frame: &mut Frame, area: Rect, state: &State, ctx: &RenderCtx) {
    let t = ctx.theme;
    let mode = state.mode();
    let mut spans: Vec<Span> = Vec::new();
    if let Some(n) = state.current_notice(ctx.now) {
        let (glyph, style) = match n.level {
            Level::Info => ("✓", t.success),
            Level::Warning => ("!", t.warning),
            Level::Error => ("✗", t.error),
        };
        let room = (area.width as usize)
            .saturating_sub(2)
            .min(area.width as usize * 2 / 3);
        spans.push(Span::styled(
            format!("{glyph} {} ", one_line(&n.text, room.saturating_sub(3))),
            style,
        ));
    }
    let mut used: usize = spans.iter().map(|s| s.width()).sum();
    for action in hinted(state) {
        let Some(key) = ctx.keymap.key_for(mode, action) else {
            continue;
        };
        let hint = [
            Span::styled(format!(" {} ", key.display()), t.accent),
            Span::styled(format!("{} ", action.describe()), t.muted),
        ];
        let w: usize = hint.iter().map(|s| s.width()).sum();
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.extend(hint);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
