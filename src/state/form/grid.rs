//! The form as a grid run: its draft over one or two axes typed as `--grid` takes them
//! (`seed=1,2,3`, `prompt`, `model=a,b`, …), planned by the domain's grid planner.

use super::ComposeForm;
use crate::domain::draft::Plan;
use crate::domain::grid::{Axis, plan_grid};
use crate::domain::seed::SeedStream;

impl ComposeForm {
    /// The grid run of the form over `axes` (blank ones are left out); `seeds` draws the new
    /// and the shared seeds.
    pub fn grid_plan(&self, axes: &[&str], seeds: &mut SeedStream) -> Result<Plan, String> {
        let parsed: Vec<Axis> = axes
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(Axis::parse)
            .collect::<Result<_, _>>()?;
        let spec = self.models.get(self.model).ok_or("no model is chosen")?;
        let spec_of = |id: &str| self.models.iter().find(|m| m.id == id).cloned();
        plan_grid((&self.draft(), spec), &spec_of, &parsed, seeds)
    }
}
