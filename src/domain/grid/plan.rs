//! The plan of a grid run over a draft: one validated job per cell, every other parameter held
//! constant (one seed across the grid unless seed is an axis), each job labelled with its cell
//! and the jobs ordered row by row. The form and the CLI both plan grids here.

use std::sync::Arc;

use super::{Axis, GridCell, check_axes};
use crate::domain::catalogue::ModelSpec;
use crate::domain::draft::{self, Draft, Plan, SeedChoice, SeedMode, Shape};
use crate::domain::models::AspectRatio;
use crate::domain::seed::SeedStream;
use crate::domain::template::MAX_PROMPTS;

/// A cell's values: (axis position, axis name, value).
type Cell = Vec<(usize, &'static str, String)>;

/// The plan of `draft` over `axes`; `spec` is the draft's model, `spec_of` finds the models a
/// model axis names, `seeds` draws the new and the shared seeds.
pub fn plan_grid(
    (draft, spec): (&Draft, &Arc<ModelSpec>),
    spec_of: &dyn Fn(&str) -> Option<Arc<ModelSpec>>,
    axes: &[Axis],
    seeds: &mut SeedStream,
) -> Result<Plan, String> {
    check_axes(axes)?;
    if axes.is_empty() {
        return Err("a grid needs an axis: seed, prompt, model, aspect or size".into());
    }
    if draft.count > 1 {
        return Err(
            "a grid holds all but its axes constant; for more seeds use a seed axis \
                    (seed=random:N) instead of a count"
                .into(),
        );
    }
    let prompt_axis = axes.iter().position(|x| *x == Axis::Prompt);
    if prompt_axis.is_some() && draft.draws.is_some() {
        return Err("the prompt axis takes every variant of the template, not random draws".into());
    }
    let lists: Vec<(usize, &'static str, Vec<String>)> = axes
        .iter()
        .enumerate()
        .filter(|(_, x)| **x != Axis::Prompt)
        .map(|(i, x)| (i, x.name(), values(x, seeds)))
        .collect();
    let mut base = draft.clone();
    if !axes.iter().any(|x| x.name() == "seed") && base.seed == SeedChoice::Random {
        // One seed for the whole grid, so the cells differ only by their axes.
        base.seed = fixed(&seeds.next_seed().to_string());
    }
    let mut all = Plan::default();
    for cell in product(&lists) {
        let mut d = base.clone();
        let mut model = Arc::clone(spec);
        for (_, name, value) in &cell {
            apply(&mut d, &mut model, spec_of, name, value)?;
        }
        let label = GridCell(
            cell.iter()
                .map(|(_, n, v)| ((*n).into(), v.clone()))
                .collect(),
        );
        let mut p =
            draft::validate(&model, &d).map_err(|e| format!("grid cell {}: {e}", label.label()))?;
        if prompt_axis.is_some() && p.jobs.len() < 2 {
            return Err(
                "the prompt axis needs a template with alternatives, such as \
                        \"a {red|blue} kite\""
                    .into(),
            );
        }
        for job in &mut p.jobs {
            let mut labels = cell.clone();
            if let Some(at) = prompt_axis {
                labels.push((at, "prompt", job.request.prompt.clone()));
            }
            labels.sort_by_key(|(i, _, _)| *i);
            let named = labels.into_iter().map(|(_, n, v)| (n.into(), v)).collect();
            job.cell = Some(GridCell(named));
        }
        all.extend(p);
        if all.jobs.len() as u64 > MAX_PROMPTS {
            return Err(format!(
                "this grid makes more than {MAX_PROMPTS} jobs; use fewer values"
            ));
        }
    }
    sort_by_axes(&mut all, axes.len());
    Ok(all)
}

fn fixed(seed: &str) -> SeedChoice {
    SeedChoice::Locked {
        text: seed.to_owned(),
        mode: SeedMode::Fixed,
    }
}

/// Sets the draft (and the model) for one axis value.
fn apply(
    d: &mut Draft,
    model: &mut Arc<ModelSpec>,
    spec_of: &dyn Fn(&str) -> Option<Arc<ModelSpec>>,
    axis: &str,
    value: &str,
) -> Result<(), String> {
    match axis {
        "seed" => d.seed = fixed(value),
        "model" => {
            *model = spec_of(value).ok_or_else(|| {
                format!("grid cell model {value}: this profile has no model `{value}`")
            })?;
        }
        "aspect" => {
            let ratio = AspectRatio::parse(value)
                .ok_or_else(|| format!("grid cell aspect {value}: not an aspect ratio"))?;
            d.shape = Shape::Aspect(ratio);
        }
        "size" => d.shape = Shape::Size(value.to_owned()),
        _ => {}
    }
    Ok(())
}

/// An axis's values as they are spelled in labels (new seeds drawn here).
fn values(axis: &Axis, seeds: &mut SeedStream) -> Vec<String> {
    match axis {
        Axis::Seeds(v) => v.iter().map(u32::to_string).collect(),
        Axis::NewSeeds(n) => (0..*n).map(|_| seeds.next_seed().to_string()).collect(),
        Axis::Prompt => Vec::new(),
        Axis::Models(v) | Axis::Aspects(v) | Axis::Sizes(v) => v.clone(),
    }
}

/// Every combination of one value per axis, the first axis slowest (rows, then columns).
fn product(lists: &[(usize, &'static str, Vec<String>)]) -> Vec<Cell> {
    let mut out: Vec<Cell> = vec![Vec::new()];
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
