//! The header line: the app, the active profile and model, and — on the simulator — a plain
//! banner saying so and how to add a real key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::RenderCtx;
use super::fmt::one_line;
use crate::config::ProviderKind;
use crate::state::State;

/// Draws the header.
pub fn render(frame: &mut Frame, area: Rect, state: &State, ctx: &RenderCtx) {
    let t = ctx.theme;
    let p = &state.profile;
    let model = state.form.spec().map_or("-", |m| m.id.as_str());
    let mut spans = vec![
        Span::styled(
            " qimg ",
            t.header.add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Span::styled(
            format!(
                " profile {} ({}) · model {} ",
                p.name,
                p.kind.as_str(),
                model
            ),
            t.header,
        ),
    ];
    if let Some((day, week)) = state.spend.as_ref().filter(|(_, w)| w.jobs > 0) {
        spans.push(Span::styled(
            format!("· today {} · week {} ", day.text(), week.text()),
            t.header,
        ));
    }
    if let Some((_, credits)) = state.balance.as_ref().filter(|(name, _)| *name == p.name) {
        spans.push(Span::styled(
            format!("· balance {credits} credits "),
            t.header,
        ));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(used + 1);
    if p.kind == ProviderKind::Sim {
        let help = ctx.key(
            crate::config::keymap::Mode::Global,
            crate::action::Action::Help,
        );
        let banner = format!(
            " SIMULATOR · local test images, no real API · add a key: README, {help} for help "
        );
        spans.push(Span::raw(" "));
        spans.push(Span::styled(one_line(&banner, room), t.banner));
    } else if let Some(note) = &p.key_note {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            one_line(&format!(" ⚠ {note} "), room),
            t.warning,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.header), area);
}
