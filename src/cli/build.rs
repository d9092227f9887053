//! From command-line arguments to a plan of jobs: the flags become a domain `Draft`, checked by
//! the same `validate` as the compose form. `--batch FILE` reads one prompt per line, or JSONL
//! objects with their own parameters.

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use std::sync::Arc;

use super::args::{JobArgs, SeedModeArg};
use crate::config::Profile;
use crate::domain::catalogue::{Catalogue, ModelSpec};
use crate::domain::draft::{self, Draft, Plan, SeedChoice, SeedMode, Shape};
use crate::domain::models::{AspectRatio, Task};
use crate::domain::template::Wildcards;
use crate::sanitize::sanitize_line;

/// One line of a JSONL batch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchLine {
    prompt: String,
    model: Option<String>,
    #[serde(alias = "aspect_ratio")]
    aspect: Option<String>,
    size: Option<String>,
    seed: Option<u64>,
    seed_mode: Option<SeedModeArg>,
    #[serde(alias = "prompt_extend")]
    rewrite: Option<bool>,
    #[serde(alias = "negative_prompt")]
    negative: Option<String>,
    #[serde(default)]
    images: Vec<String>,
    count: Option<u8>,
}

/// Reads a prompt argument: `-` reads stdin (at most 64 KiB).
pub fn read_prompt(p: &str) -> Result<String, String> {
    if p != "-" {
        return Ok(p.to_owned());
    }
    let mut s = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot read the prompt from stdin: {e}"))?;
    Ok(s.trim_end_matches(['\n', '\r']).to_owned())
}

/// The model the arguments choose: `--model`, else the profile's model, else (editing with a
/// model that takes no image) the profile's first edit model.
fn model_for(
    catalogue: &Catalogue,
    profile: &Profile,
    a: &JobArgs,
    editing: bool,
) -> Result<Arc<ModelSpec>, String> {
    let offered = catalogue.for_wire(profile.wire());
    let by_id = |id: &str| offered.iter().find(|m| m.id == id).cloned();
    let chosen = match &a.model {
        Some(m) => by_id(m).ok_or_else(|| {
            let known: Vec<&str> = offered.iter().map(|x| x.id.as_str()).collect();
            format!(
                "profile `{}` has no model `{m}`; it offers {} (`qimg models` lists them all)",
                profile.name,
                known.join(", ")
            )
        })?,
        None => by_id(&profile.model)
            .or_else(|| offered.first().cloned())
            .ok_or("this profile offers no model")?,
    };
    if editing && a.model.is_none() && !chosen.takes_images() {
        return Ok(offered
            .iter()
            .find(|m| m.task == Task::Edit)
            .cloned()
            .unwrap_or(chosen));
    }
    Ok(chosen)
}

/// The shape the flags ask for, with the flag named when the model takes the other kind.
fn shape_for(spec: &ModelSpec, a: &JobArgs) -> Result<Shape, String> {
    if let Some(aspect) = &a.aspect {
        if spec.ratios().is_empty() {
            return Err(match spec.sizes().is_empty() {
                true => format!(
                    "{} takes no --aspect (its output follows the input image)",
                    spec.id
                ),
                false => format!("{} takes --size, not --aspect", spec.id),
            });
        }
        let list = || {
            let all: Vec<&str> = spec.ratios().iter().map(|r| r.ratio.as_str()).collect();
            format!("--aspect must be one of {}", all.join(" "))
        };
        let ratio = AspectRatio::parse(aspect).ok_or_else(list)?;
        return Ok(Shape::Aspect(ratio));
    }
    if let Some(size) = &a.size {
        if spec.sizes().is_empty() && !spec.ratios().is_empty() {
            return Err(format!("{} takes --aspect, not --size", spec.id));
        }
        if spec.sizes().is_empty() {
            return Err(format!(
                "{} takes no --size (its output follows the input image)",
                spec.id
            ));
        }
        return Ok(Shape::Size(size.clone()));
    }
    Ok(Shape::Default)
}

/// The seed the flags ask for: `--seed` alone increments over a count; `--seed-mode` says
/// otherwise, and needs a seed unless it is `random`.
fn seed_for(a: &JobArgs) -> Result<SeedChoice, String> {
    match (&a.seed, a.seed_mode) {
        (None, None | Some(SeedModeArg::Random)) => Ok(SeedChoice::Random),
        (Some(_), Some(SeedModeArg::Random)) => {
            Err("--seed-mode random draws a new seed per job; remove --seed".into())
        }
        (None, Some(m)) => Err(format!("--seed-mode {} needs --seed", m.name())),
        (Some(text), mode) => Ok(SeedChoice::Locked {
            text: text.clone(),
            mode: if mode == Some(SeedModeArg::Fixed) {
                SeedMode::Fixed
            } else {
                SeedMode::Increment
            },
        }),
    }
}

/// The flag that sets a draft field, for messages about what the model cannot take.
fn flag_of(field: draft::Field) -> &'static str {
    match field {
        draft::Field::Prompt => "the prompt",
        draft::Field::Negative => "--negative",
        draft::Field::Model => "--model",
        draft::Field::Shape => "--aspect/--size",
        draft::Field::Seed => "--seed",
        draft::Field::Rewrite => "--rewrite/--no-rewrite",
        draft::Field::Reference => "--image",
        draft::Field::Count => "--count",
        draft::Field::Draws => "--draws",
    }
}

/// The plan for one prompt, by the compose form's own rules.
pub fn plan(
    catalogue: &Catalogue,
    profile: &Profile,
    wildcards: &Wildcards,
    prompt: &str,
    a: &JobArgs,
    editing: bool,
) -> Result<Plan, String> {
    let (spec, draft) = draft_of((catalogue, profile, wildcards), prompt, a, editing)?;
    draft::validate(&spec, &draft).map_err(|e| message_of(&e))
}

/// A validation error in the words of the flags.
pub fn message_of(e: &draft::DraftError) -> String {
    match e {
        draft::DraftError::Count => format!("--count must be between 1 and {}", draft::COUNT_MAX),
        other @ draft::DraftError::Draws => format!("--draws: {other}"),
        other => format!("{}: {other}", flag_of(other.field())),
    }
}

/// The model and the draft the flags make for `prompt` (not validated yet).
pub fn draft_of(
    (catalogue, profile, wildcards): (&Catalogue, &Profile, &Wildcards),
    prompt: &str,
    a: &JobArgs,
    editing: bool,
) -> Result<(Arc<ModelSpec>, Draft), String> {
    let spec = model_for(catalogue, profile, a, editing)?;
    let draft = Draft {
        prompt: prompt.to_owned(),
        negative: a.negative.clone().unwrap_or_default(),
        shape: shape_for(&spec, a)?,
        seed: seed_for(a)?,
        rewrite: a.rewrite(),
        watermark: profile.watermark,
        references: a.images.clone(),
        count: a.count.unwrap_or(1),
        wildcards: Arc::new(wildcards.clone()),
        draws: a.draws,
    };
    Ok((spec, draft))
}

/// The plan of a batch file (`-` for stdin): blank lines and `#` comments are skipped; a line
/// starting with `{` is a JSON object whose fields override the flags.
pub fn batch_plan(
    catalogue: &Catalogue,
    profile: &Profile,
    wildcards: &Wildcards,
    path: &Path,
    base: &JobArgs,
) -> Result<Plan, String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(16 * 1024 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| e.to_string())?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
    };
    let mut all = Plan::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("{}, line {}: {e}", path.display(), n + 1);
        let (prompt, args) = if line.starts_with('{') {
            let b: BatchLine = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
            let prompt = b.prompt.clone();
            (prompt, line_args(b, base))
        } else {
            (line.to_owned(), base.clone())
        };
        all.extend(plan(catalogue, profile, wildcards, &prompt, &args, false).map_err(at)?);
    }
    if all.jobs.is_empty() {
        return Err(format!(
            "{} has no prompts",
            sanitize_line(&path.display().to_string())
        ));
    }
    Ok(all)
}

fn line_args(b: BatchLine, base: &JobArgs) -> JobArgs {
    JobArgs {
        model: b.model.or_else(|| base.model.clone()),
        aspect: b.aspect.or_else(|| base.aspect.clone()),
        size: b.size.or_else(|| base.size.clone()),
        seed: b.seed.map(|s| s.to_string()).or_else(|| base.seed.clone()),
        seed_mode: b.seed_mode.or(base.seed_mode),
        rewrite: b.rewrite.map_or(base.rewrite, |r| r),
        no_rewrite: b.rewrite.map_or(base.no_rewrite, |r| !r),
        negative: b.negative.or_else(|| base.negative.clone()),
        images: if b.images.is_empty() {
            base.images.clone()
        } else {
            b.images
        },
        count: b.count.or(base.count),
        ..base.clone()
    }
}
