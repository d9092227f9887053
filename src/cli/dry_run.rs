//! `--dry-run`: the jobs a submit would make, with their parameters and what they would cost
//! by the catalogue's prices. Nothing is sent and nothing is stored. Seeds left to draw, and
//! prompts drawn from them, are shown as such: the real submit draws them.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::config::Profile;
use crate::domain::catalogue::Catalogue;
use crate::domain::draft::{Estimate, Plan};
use crate::sanitize::sanitize_line;

/// One job as the dry run shows it.
#[derive(Debug, Serialize)]
struct DryJob<'a> {
    schema: u32,
    dry_run: bool,
    profile: &'a str,
    model: &'a str,
    parameters: super::json::ParametersJson<'a>,
    /// The prompt is drawn from the template with the job's seed when it is sent.
    prompt_drawn_at_send: bool,
    /// The seed is drawn when the job is sent.
    seed_drawn_at_send: bool,
    /// The catalogue's price of this job, or null when unknown.
    estimated_cost: Option<f64>,
    /// Its unit (`credits`, a currency), or null.
    unit: Option<&'a str>,
    /// Its cell in a grid run (axis → value), or null.
    grid: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The totals.
#[derive(Debug, Serialize)]
struct Summary {
    schema: u32,
    dry_run: bool,
    jobs: usize,
    models: usize,
    /// Total by unit.
    estimated_cost: BTreeMap<String, f64>,
    /// Jobs with no known price.
    price_unknown: usize,
}

/// Prints the plan: one line (or JSON object) per job, then the totals.
pub fn print(plan: &Plan, catalogue: &Catalogue, profile: &Profile, json: bool) {
    let mut out = std::io::stdout().lock();
    let price_of = |m: &str| profile.price_of(catalogue, m);
    for (n, p) in plan.jobs.iter().enumerate() {
        let r = &p.request;
        let price = price_of(&r.model);
        let known = p.known_prompt();
        let mut parameters = super::json::ParametersJson::of(r);
        if let Some(k) = &known {
            parameters.prompt = k;
        }
        let job = DryJob {
            schema: super::json::SCHEMA,
            dry_run: true,
            profile: &profile.name,
            model: &r.model,
            parameters,
            prompt_drawn_at_send: known.is_none(),
            seed_drawn_at_send: r.seed.is_none() && p.draw_seed.is_some(),
            estimated_cost: price.map(|p| p.per_image),
            unit: price.map(|p| p.unit.as_str()),
            grid: p
                .cell
                .as_ref()
                .map(crate::domain::grid::GridCell::to_object),
        };
        let line = if json {
            serde_json::to_string(&job).unwrap_or_default()
        } else {
            text_line(n + 1, &job, p.cell.as_ref())
        };
        let _ = writeln!(out, "{line}");
    }
    let estimate = Estimate::of(plan, price_of);
    let last = if json {
        let summary = Summary {
            schema: super::json::SCHEMA,
            dry_run: true,
            jobs: estimate.jobs,
            models: estimate.models,
            estimated_cost: estimate.cost.clone(),
            price_unknown: estimate.unknown,
        };
        serde_json::to_string(&summary).unwrap_or_default()
    } else {
        format!("{estimate} · nothing was sent or stored")
    };
    let _ = writeln!(out, "{last}");
}

fn text_line(n: usize, j: &DryJob, cell: Option<&crate::domain::grid::GridCell>) -> String {
    let p = &j.parameters;
    let shape = p.aspect_ratio.or(p.size).unwrap_or("default");
    let seed = p
        .seed
        .map_or_else(|| "seed drawn at send".to_owned(), |s| format!("seed {s}"));
    let prompt = if j.prompt_drawn_at_send {
        format!("a draw of {:?}", p.template.unwrap_or(p.prompt))
    } else {
        format!("{:?}", p.prompt)
    };
    // From the cell itself: its axes in order (the JSON object has no order).
    let cell = cell.map_or_else(String::new, |c| {
        let parts: Vec<String> = c.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("[{}]  ", parts.join(" "))
    });
    sanitize_line(&format!(
        "{n:>4}  {cell}{}  {shape}  {seed}  {prompt}",
        j.model
    ))
    .into_owned()
}
