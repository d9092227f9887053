//! The grid popup: the form sent as a grid run over the axes typed for its rows and columns
//! (as `--grid` takes them). Tab switches between the two, Enter sends (asking first above the
//! configured number of jobs or cost), Esc closes. The popup shows the cells and the cost as
//! you type.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::text::edit;
use super::{App, Effect, Sent};
use crate::domain::Level;
use crate::domain::draft::Plan;
use crate::services::NewJobs;
use crate::state::{Confirmed, Overlay};

impl App {
    /// Opens the popup with the axes of the last grid run.
    pub(super) fn open_grid(&mut self) {
        let (rows, columns) = &self.state.grid_axes;
        let mut r = crate::state::text::TextInput::single_line();
        r.set(rows);
        let mut c = crate::state::text::TextInput::single_line();
        c.set(columns);
        self.state.overlay = Some(Overlay::Grid {
            rows: r,
            columns: c,
            on_columns: false,
        });
    }

    /// A key in the popup.
    pub(super) fn edit_grid(&mut self, key: &KeyEvent, now: Instant) -> Vec<Effect> {
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(Overlay::Grid {
            rows,
            columns,
            on_columns,
        }) = &mut self.state.overlay
        else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.state.overlay = None;
                return vec![Effect::Repaint];
            }
            KeyCode::Char('c') if ctrl => self.state.quit = true,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                *on_columns = !*on_columns;
            }
            KeyCode::Enter => {
                let axes = (rows.text().to_owned(), columns.text().to_owned());
                return self.send_grid(axes, now);
            }
            _ => {
                let field = if *on_columns { columns } else { rows };
                let _ = edit(field, key, false, 1);
            }
        }
        Vec::new()
    }

    /// Plans the grid with fresh seeds and sends it, or asks first when it is big.
    fn send_grid(&mut self, (rows, columns): (String, String), now: Instant) -> Vec<Effect> {
        let plan = match self
            .state
            .form
            .grid_plan(&[&rows, &columns], &mut self.seeds)
        {
            Ok(p) => p,
            Err(e) => {
                self.state.notice(Level::Warning, e, now);
                return Vec::new();
            }
        };
        self.state.grid_axes = (rows, columns);
        let estimate = self.state.form.estimate(&plan);
        if estimate.needs_confirming(self.state.confirm_rule()) {
            let on_yes = Confirmed::Grid(Box::new(plan));
            self.state.overlay = Some(Overlay::Confirm {
                text: self.confirm_text(&on_yes),
                on_yes,
            });
            return Vec::new();
        }
        self.state.overlay = None;
        self.send_plan(plan)
    }

    /// Sends a planned grid (after the question, when there was one).
    pub(super) fn send_plan(&mut self, plan: Plan) -> Vec<Effect> {
        let new = NewJobs {
            parent: self.state.form.parent,
            ..NewJobs::of(&self.state.profile.name, plan)
        };
        vec![Effect::Repaint, Effect::Create(new, Sent::Form)]
    }
}
