//! `generate --grid AXIS [--grid AXIS]`: one job per cell of up to two axes, planned by the
//! domain's grid planner (the form's too) from the draft the other flags make. The cells go
//! with their jobs (`grid` in `--json`) so the grid view and contact sheets can label them.

use super::args::JobArgs;
use super::build::draft_of;
use crate::config::Profile;
use crate::domain::catalogue::Catalogue;
use crate::domain::draft::Plan;
use crate::domain::grid::{Axis, plan_grid};
use crate::domain::seed::SeedStream;
use crate::domain::template::Wildcards;

/// The plan of a grid run over `raw` axes; `entropy` draws the new and the shared seeds.
pub fn grid_plan(
    (catalogue, profile, wildcards): (&Catalogue, &Profile, &Wildcards),
    prompt: &str,
    a: &JobArgs,
    raw: &[String],
    entropy: u64,
) -> Result<Plan, String> {
    let axes: Vec<Axis> = raw
        .iter()
        .map(|s| Axis::parse(s))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--grid: {e}"))?;
    if a.count.is_some_and(|c| c > 1) {
        return Err(
            "--grid holds all but its axes constant; for more seeds use \
                    --grid seed=random:N instead of --count"
                .into(),
        );
    }
    let (spec, draft) = draft_of((catalogue, profile, wildcards), prompt, a, false)?;
    let offered = catalogue.for_wire(profile.wire());
    let spec_of = |id: &str| offered.iter().find(|m| m.id == id).cloned();
    let mut seeds = SeedStream::new(entropy);
    plan_grid((&draft, &spec), &spec_of, &axes, &mut seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(prompt: &str, a: &JobArgs, axes: &[&str]) -> Result<Plan, String> {
        let raw: Vec<String> = axes.iter().map(|s| (*s).to_owned()).collect();
        let profile = Profile::builtin_sim();
        let w = Wildcards::default();
        grid_plan((Catalogue::builtin(), &profile, &w), prompt, a, &raw, 5)
    }

    #[test]
    fn a_two_by_two_grid_holds_the_rest_constant() {
        let a = JobArgs {
            negative: Some("blurry".into()),
            ..JobArgs::default()
        };
        let p = grid(
            "a kite",
            &a,
            &["seed=1,2", "model=qwen-image-2,qwen-image-2-pro"],
        )
        .unwrap();
        let cells: Vec<(Option<u32>, String, String)> = p
            .jobs
            .iter()
            .map(|j| {
                let c = j.cell.clone().unwrap();
                (j.request.seed, j.request.model.clone(), c.label())
            })
            .collect();
        assert_eq!(
            cells,
            [
                (
                    Some(1),
                    "qwen-image-2".into(),
                    "seed 1 · model qwen-image-2".into()
                ),
                (
                    Some(1),
                    "qwen-image-2-pro".into(),
                    "seed 1 · model qwen-image-2-pro".into()
                ),
                (
                    Some(2),
                    "qwen-image-2".into(),
                    "seed 2 · model qwen-image-2".into()
                ),
                (
                    Some(2),
                    "qwen-image-2-pro".into(),
                    "seed 2 · model qwen-image-2-pro".into()
                ),
            ]
        );
        assert!(
            p.jobs
                .iter()
                .all(|j| j.request.negative_prompt.as_deref() == Some("blurry"))
        );
    }

    #[test]
    fn without_a_seed_axis_every_cell_has_the_same_seed() {
        let p = grid(
            "a {red|blue} kite",
            &JobArgs::default(),
            &["prompt", "aspect=1:1,16:9"],
        )
        .unwrap();
        assert_eq!(p.jobs.len(), 4);
        let seed = p.jobs[0].request.seed;
        assert!(seed.is_some() && p.jobs.iter().all(|j| j.request.seed == seed));
        let labels: Vec<String> = p
            .jobs
            .iter()
            .map(|j| j.cell.clone().unwrap().label())
            .collect();
        assert_eq!(
            labels,
            [
                "prompt a red kite · aspect 1:1",
                "prompt a red kite · aspect 16:9",
                "prompt a blue kite · aspect 1:1",
                "prompt a blue kite · aspect 16:9",
            ],
            "row by row, in axis order"
        );
    }

    #[test]
    fn a_grid_refuses_what_it_cannot_hold_constant() {
        let count = JobArgs {
            count: Some(3),
            ..JobArgs::default()
        };
        assert!(
            grid("a kite", &count, &["seed=1,2"])
                .unwrap_err()
                .contains("seed=random:N")
        );
        let e = grid("a kite", &JobArgs::default(), &["prompt"]).unwrap_err();
        assert!(e.contains("template with alternatives"), "{e}");
        let e = grid("a kite", &JobArgs::default(), &["model=nope"]).unwrap_err();
        assert!(e.contains("grid cell model nope"), "{e}");
        let e = grid("a kite", &JobArgs::default(), &["seed=random:40"]).unwrap_err();
        assert!(e.contains("1 to 32"), "{e}");
    }
}
