//! `generate --grid AXIS [--grid AXIS]`: one job per cell of up to two axes, each cell planned
//! by the same rules as any other submit, with every other parameter held constant — the same
//! seed across the grid unless seed is an axis. The cells go with their jobs (`grid` in
//! `--json`) so the grid view and contact sheets can label them.

use super::args::{JobArgs, SeedModeArg};
use super::build::plan;
use crate::config::Profile;
use crate::domain::catalogue::Catalogue;
use crate::domain::draft::Plan;
use crate::domain::grid::{Axis, GridCell, check_axes};
use crate::domain::seed::SeedStream;
use crate::domain::template::{MAX_PROMPTS, Wildcards};

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
        .map(|s| Axis::parse(s).map_err(|e| format!("--grid: {e}")))
        .collect::<Result<_, _>>()?;
    check_axes(&axes).map_err(|e| format!("--grid: {e}"))?;
    if a.count.is_some_and(|c| c > 1) {
        return Err(
            "--grid holds all but its axes constant; for more seeds use \
                    --grid seed=random:N instead of --count"
                .into(),
        );
    }
    let prompt_axis = axes.iter().position(|x| *x == Axis::Prompt);
    if prompt_axis.is_some() && a.draws.is_some() {
        return Err("--grid prompt takes every variant of the template; leave out --draws".into());
    }
    let mut seeds = SeedStream::new(entropy);
    let lists: Vec<(usize, &'static str, Vec<String>)> = axes
        .iter()
        .enumerate()
        .filter(|(_, x)| **x != Axis::Prompt)
        .map(|(i, x)| (i, x.name(), values(x, &mut seeds)))
        .collect();
    let mut base = a.clone();
    base.count = Some(1);
    if !axes.iter().any(|x| x.name() == "seed") && base.seed.is_none() {
        // One seed for the whole grid, so the cells differ only by their axes.
        base.seed = Some(seeds.next_seed().to_string());
        base.seed_mode = Some(SeedModeArg::Fixed);
    }
    let mut all = Plan::default();
    for cell in product(&lists) {
        let mut args = base.clone();
        for (_, name, value) in &cell {
            set(&mut args, name, value);
        }
        let label = GridCell(
            cell.iter()
                .map(|(_, n, v)| ((*n).into(), v.clone()))
                .collect(),
        );
        let mut p = plan(catalogue, profile, wildcards, prompt, &args, false)
            .map_err(|e| format!("grid cell {}: {e}", label.label()))?;
        if prompt_axis.is_some() && p.jobs.len() < 2 {
            return Err("--grid prompt needs a template with alternatives, such as \
                        \"a {red|blue} kite\""
                .into());
        }
        for job in &mut p.jobs {
            let mut labels = cell.clone();
            if let Some(at) = prompt_axis {
                labels.push((at, "prompt", job.request.prompt.clone()));
            }
            labels.sort_by_key(|(i, _, _)| *i);
            job.cell = Some(GridCell(
                labels.into_iter().map(|(_, n, v)| (n.into(), v)).collect(),
            ));
        }
        all.extend(p);
        let n = all.jobs.len() as u64;
        if n > MAX_PROMPTS {
            return Err(format!(
                "this grid makes more than {MAX_PROMPTS} jobs; use fewer values"
            ));
        }
    }
    sort_by_axes(&mut all, axes.len());
    Ok(all)
}

/// Orders the jobs row by row (first axis), then column by column, each axis in the order its
/// values were given (a template's variants in their own order).
fn sort_by_axes(plan: &mut Plan, axes: usize) {
    let mut order: Vec<Vec<String>> = vec![Vec::new(); axes];
    for job in &plan.jobs {
        for (k, (_, v)) in job.cell.iter().flat_map(|c| c.0.iter()).enumerate() {
            if let Some(seen) = order.get_mut(k)
                && !seen.contains(v)
            {
                seen.push(v.clone());
            }
        }
    }
    plan.jobs.sort_by_key(|job| {
        job.cell.as_ref().map_or_else(Vec::new, |c| {
            c.0.iter()
                .enumerate()
                .map(|(k, (_, v))| {
                    let seen = order.get(k);
                    seen.and_then(|o| o.iter().position(|x| x == v))
                        .unwrap_or(0)
                })
                .collect::<Vec<_>>()
        })
    });
}

/// An axis's values as `--grid` and the labels spell them (new seeds drawn here).
fn values(axis: &Axis, seeds: &mut SeedStream) -> Vec<String> {
    match axis {
        Axis::Seeds(v) => v.iter().map(u32::to_string).collect(),
        Axis::NewSeeds(n) => (0..*n).map(|_| seeds.next_seed().to_string()).collect(),
        Axis::Prompt => Vec::new(),
        Axis::Models(v) | Axis::Aspects(v) | Axis::Sizes(v) => v.clone(),
    }
}

/// Every combination of one value per axis, the first axis slowest (rows, then columns).
fn product(
    lists: &[(usize, &'static str, Vec<String>)],
) -> Vec<Vec<(usize, &'static str, String)>> {
    let mut out: Vec<Vec<(usize, &'static str, String)>> = vec![Vec::new()];
    for (i, name, values) in lists {
        out = out
            .into_iter()
            .flat_map(|cell| {
                values.iter().map(move |v| {
                    let mut c = cell.clone();
                    c.push((*i, *name, v.clone()));
                    c
                })
            })
            .collect();
    }
    out
}

/// The flag an axis value stands for.
fn set(args: &mut JobArgs, axis: &str, value: &str) {
    match axis {
        "seed" => {
            args.seed = Some(value.to_owned());
            args.seed_mode = Some(SeedModeArg::Fixed);
        }
        "model" => args.model = Some(value.to_owned()),
        "aspect" => (args.aspect, args.size) = (Some(value.to_owned()), None),
        "size" => (args.size, args.aspect) = (Some(value.to_owned()), None),
        _ => {}
    }
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
