//! `validate`: a draft against a model's catalogue entry.

use super::super::catalogue::{Carried, ModelSpec};
use super::super::models::{AspectRatio, Task, Wire};
use super::super::request::{ImageInput, JobRequest, check_url};
use super::super::seed::parse_seed;
use super::super::template::{MAX_PROMPTS, Template};
use super::{COUNT_MAX, Draft, DraftError, Field, Plan, Planned, SeedChoice, SeedMode, Shape};

/// Checks `draft` against `spec` and plans one request per job.
pub fn validate(spec: &ModelSpec, draft: &Draft) -> Result<Plan, DraftError> {
    let prompt = draft.prompt.trim();
    if prompt.is_empty() {
        return Err(DraftError::EmptyPrompt);
    }
    if !(1..=COUNT_MAX).contains(&draft.count) {
        return Err(DraftError::Count);
    }
    let prompts = prompts(spec, prompt, draft)?;
    let negative = negative_prompt(spec, &draft.negative)?;
    let seeds = seeds(spec, &draft.seed, draft.count)?;
    let prompt_extend = rewrite(spec, draft.rewrite)?;
    let images = references(spec, &draft.references)?;
    let (aspect_ratio, size) = shape(spec, &draft.shape)?;
    let request = JobRequest {
        model: spec.id.clone(),
        wire: spec.wire,
        prompt: prompt.to_owned(),
        template: None,
        negative_prompt: negative,
        seed: None,
        aspect_ratio,
        size,
        images,
        prompt_extend,
        watermark: (spec.watermark == Carried::Send).then_some(draft.watermark),
    };
    let mut jobs = Vec::with_capacity(prompts.len() * seeds.len());
    for (n, p) in prompts.iter().enumerate() {
        let mut request = request.clone();
        let mut draw_prompt = None;
        match p {
            Prompt::Plain => {}
            Prompt::Expanded(text) => {
                request.prompt.clone_from(text);
                request.template = Some(prompt.to_owned());
            }
            Prompt::Draw(t) => {
                request.template = Some(prompt.to_owned());
                draw_prompt = Some(Box::new((t.clone(), u32::try_from(n).unwrap_or(0))));
            }
        }
        for seed in &seeds {
            let (seed, draw_seed) = match seed {
                JobSeed::Given(s) => (Some(*s), None),
                JobSeed::Draw(range) => (None, *range),
            };
            jobs.push(Planned {
                request: JobRequest {
                    seed,
                    ..request.clone()
                },
                draw_seed,
                draw_prompt: draw_prompt.clone(),
                cell: None,
            });
        }
    }
    Ok(Plan { jobs })
}

/// One prompt of a submit.
enum Prompt {
    /// The prompt as typed (not a template).
    Plain,
    /// One combination of the template.
    Expanded(String),
    /// A random draw of the template, made once the job's seed is known.
    Draw(Template),
}

/// The prompts a typed prompt makes: itself, every combination of its template, or random
/// draws; each within the model's length limit, all together within one submit's limit.
fn prompts(spec: &ModelSpec, prompt: &str, draft: &Draft) -> Result<Vec<Prompt>, DraftError> {
    let template = Template::parse(prompt, &draft.wildcards)?;
    let too_long = |chars: usize| DraftError::PromptTooLong {
        chars,
        model: spec.id.clone(),
        max: spec.prompt_max,
    };
    let count = u64::from(draft.count);
    if template.is_plain() {
        let chars = prompt.chars().count();
        return if chars > spec.prompt_max {
            Err(too_long(chars))
        } else {
            Ok(vec![Prompt::Plain])
        };
    }
    let out: Vec<Prompt> = match draft.draws {
        Some(n) if n == 0 || u64::from(n) > MAX_PROMPTS => return Err(DraftError::Draws),
        Some(n) => {
            if template.max_chars() > spec.prompt_max {
                return Err(too_long(template.max_chars()));
            }
            (0..n).map(|_| Prompt::Draw(template.clone())).collect()
        }
        None => {
            let all = template.expand_all()?;
            if let Some(long) = all.iter().find(|p| p.chars().count() > spec.prompt_max) {
                return Err(too_long(long.chars().count()));
            }
            all.into_iter().map(Prompt::Expanded).collect()
        }
    };
    let jobs = (out.len() as u64).saturating_mul(count);
    if jobs > MAX_PROMPTS {
        return Err(DraftError::TooManyJobs(jobs));
    }
    Ok(out)
}

/// The seed of one job: given, or drawn when the job is made (in the model's range; `None`
/// when the wire carries no seed, so the provider picks it).
enum JobSeed {
    Given(u32),
    Draw(Option<(u32, u32)>),
}

fn not_taken(spec: &ModelSpec, what: &'static str, field: Field, wire_only: bool) -> DraftError {
    DraftError::NotTaken {
        model: spec.id.clone(),
        what,
        why: wire_only.then_some("its wire cannot carry it"),
        field,
    }
}

fn seeds(spec: &ModelSpec, choice: &SeedChoice, count: u8) -> Result<Vec<JobSeed>, DraftError> {
    let n = usize::from(count);
    let SeedChoice::Locked { text, mode } = choice else {
        return Ok((0..n).map(|_| JobSeed::Draw(spec.seed)).collect());
    };
    let Some((lo, hi)) = spec.seed else {
        return Err(not_taken(spec, "seed", Field::Seed, true));
    };
    let first = parse_seed(text)?;
    let step = u64::from(*mode == SeedMode::Increment);
    let last = u64::from(first) + step * (n as u64 - 1);
    for s in [u64::from(first), last] {
        if s < u64::from(lo) || s > u64::from(hi) {
            let model = spec.id.clone();
            return Err(DraftError::SeedRange {
                model,
                seed: s,
                lo,
                hi,
            });
        }
    }
    Ok((0..n as u64)
        .map(|i| JobSeed::Given(u32::try_from(u64::from(first) + step * i).unwrap_or(first)))
        .collect())
}

/// The rewrite to send: off unless asked, and only to a model whose wire carries it. An
/// explicit choice the wire cannot carry is refused.
fn rewrite(spec: &ModelSpec, asked: Option<bool>) -> Result<Option<bool>, DraftError> {
    match (spec.rewrite, asked) {
        (Carried::Send, a) => Ok(Some(a.unwrap_or(false))),
        (_, None) => Ok(None),
        (Carried::Provider, Some(_)) => {
            Err(not_taken(spec, "rewrite setting", Field::Rewrite, true))
        }
        (Carried::None, Some(_)) => Err(not_taken(spec, "prompt rewrite", Field::Rewrite, false)),
    }
}

fn negative_prompt(spec: &ModelSpec, typed: &str) -> Result<Option<String>, DraftError> {
    let neg = typed.trim();
    if neg.is_empty() {
        return Ok(None);
    }
    let Some(max) = spec.negative_max else {
        // DashScope's edit models take one, but the gateway's edit form does not forward it.
        let wire_only = spec.wire == Wire::OpenAi && spec.task == Task::Edit;
        return Err(not_taken(
            spec,
            "negative prompt",
            Field::Negative,
            wire_only,
        ));
    };
    let chars = neg.chars().count();
    if chars > max {
        return Err(DraftError::NegativeTooLong { chars, max });
    }
    Ok(Some(neg.to_owned()))
}

fn references(spec: &ModelSpec, typed: &[String]) -> Result<Vec<ImageInput>, DraftError> {
    let entries: Vec<&str> = typed
        .iter()
        .flat_map(|t| t.split(['\n', ';']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let (min, max) = (spec.images.min, spec.images.max);
    if entries.len() < min {
        return Err(DraftError::ImageRequired {
            model: spec.id.clone(),
        });
    }
    if entries.len() > max {
        return Err(DraftError::TooManyImages {
            model: spec.id.clone(),
            max,
        });
    }
    entries
        .into_iter()
        .map(|e| {
            if e.starts_with("http://") || e.starts_with("https://") {
                if spec.task == Task::Edit && spec.wire == Wire::OpenAi {
                    return Err(DraftError::GatewayNeedsFiles);
                }
                Ok(ImageInput::Url(check_url(e)?))
            } else {
                Ok(ImageInput::File(e.into()))
            }
        })
        .collect()
}

type Chosen = (Option<AspectRatio>, Option<String>);

fn shape(spec: &ModelSpec, asked: &Shape) -> Result<Chosen, DraftError> {
    let listed = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(" ")
        }
    };
    match asked {
        Shape::Default => Ok(match (spec.ratios().first(), spec.sizes().first()) {
            (Some(r), _) => (Some(r.ratio), None),
            (None, Some(s)) => (None, Some(s.wire())),
            (None, None) => (None, None),
        }),
        Shape::Aspect(a) if spec.ratios().iter().any(|r| r.ratio == *a) => Ok((Some(*a), None)),
        Shape::Aspect(a) => Err(DraftError::AspectNotOffered {
            model: spec.id.clone(),
            ratio: a.as_str().to_owned(),
            offered: listed(
                spec.ratios()
                    .iter()
                    .map(|r| r.ratio.as_str().into())
                    .collect(),
            ),
        }),
        Shape::Size(s) => {
            let want = s.trim().replace('x', "*");
            let parsed = want
                .split_once('*')
                .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
            match parsed {
                Some((w, h)) if spec.takes_size(w, h) => Ok((None, Some(format!("{w}*{h}")))),
                _ => Err(DraftError::SizeNotOffered {
                    model: spec.id.clone(),
                    size: want,
                    offered: listed(spec.sizes().iter().map(|p| p.wire()).collect()),
                }),
            }
        }
    }
}
