//! A draft: what the user asked for before it is checked, as the compose form and the CLI
//! both collect it. `validate` is the one place that decides whether a model can take it and
//! turns it into one request per image. Pure: files are not read here, and seeds to draw are
//! drawn by the caller from entropy it passes in.

use super::models::{AspectRatio, ModelSpec, Task, Wire};
use super::request::{BadUrl, ImageInput, JobRequest, check_url};
use super::seed::{BadSeed, SeedStream, parse_seed};

/// The most jobs one submit makes.
pub const COUNT_MAX: u8 = 8;

/// A field of a draft (and of the compose form, which shows one line per field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The prompt (multi-line text).
    Prompt,
    /// The negative prompt (one line).
    Negative,
    /// The model selector.
    Model,
    /// Aspect ratio (Apiframe) or size (gateway) selector.
    Shape,
    /// The seed (text, random or locked).
    Seed,
    /// Reference or input image: a path or an https URL.
    Reference,
    /// How many jobs to send (1–8).
    Count,
}

impl Field {
    /// True for fields that take typed text.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Self::Prompt | Self::Negative | Self::Seed | Self::Reference
        )
    }

    /// The label shown in the form and in the CLI's messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Prompt => "Prompt",
            Self::Negative => "Negative",
            Self::Model => "Model",
            Self::Shape => "Shape",
            Self::Seed => "Seed",
            Self::Reference => "Image",
            Self::Count => "Count",
        }
    }
}

/// The output shape asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// The model's first (default) ratio or size.
    Default,
    /// An Apiframe aspect ratio.
    Aspect(AspectRatio),
    /// A gateway size `W*H`.
    Size(String),
}

/// How the seed is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedChoice {
    /// A new seed per job (drawn where the wire sends one).
    Random,
    /// This seed, as typed, for every job.
    Locked(String),
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The prompt as typed.
    pub prompt: String,
    /// The negative prompt as typed (may be empty).
    pub negative: String,
    /// The output shape.
    pub shape: Shape,
    /// The seed.
    pub seed: SeedChoice,
    /// Reference or input images as typed: paths or https URLs.
    pub references: Vec<String>,
    /// How many jobs.
    pub count: u8,
}

impl Draft {
    /// A draft of `prompt` with every other choice at its default.
    pub fn new(prompt: &str) -> Self {
        Self {
            prompt: prompt.to_owned(),
            negative: String::new(),
            shape: Shape::Default,
            seed: SeedChoice::Random,
            references: Vec::new(),
            count: 1,
        }
    }
}

/// Why a draft cannot be sent. Each names the field to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    /// The profile offers no model.
    #[error("this profile offers no model")]
    NoModel,
    /// The prompt is empty.
    #[error("write a prompt first")]
    EmptyPrompt,
    /// The prompt is longer than the model allows.
    #[error("the prompt has {chars} characters; {model} allows {max}")]
    PromptTooLong {
        /// Characters typed.
        chars: usize,
        /// The model.
        model: String,
        /// Its limit.
        max: usize,
    },
    /// The negative prompt is longer than the model allows.
    #[error("the negative prompt has {chars} characters; the limit is {max}")]
    NegativeTooLong {
        /// Characters typed.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The seed is not a number in range.
    #[error(transparent)]
    Seed(#[from] BadSeed),
    /// An edit model got no input image.
    #[error("{model} edits an image: give a file path or an https URL")]
    ImageRequired {
        /// The model.
        model: String,
    },
    /// More input images than the model takes.
    #[error("{model} takes {}", takes(*max))]
    TooManyImages {
        /// The model.
        model: String,
        /// Its limit.
        max: usize,
    },
    /// The gateway edits uploaded files, not URLs.
    #[error("the gateway edits local files; give a file path")]
    GatewayNeedsFiles,
    /// A reference URL is not usable.
    #[error(transparent)]
    Url(#[from] BadUrl),
    /// The model does not offer this aspect ratio.
    #[error("{model} does not offer the aspect ratio {ratio}; it offers {offered}")]
    AspectNotOffered {
        /// The model.
        model: String,
        /// What was asked.
        ratio: String,
        /// What it offers (space separated), or "none" for size models.
        offered: String,
    },
    /// The model does not offer this size.
    #[error("{model} does not offer the size {size}; it offers {offered}")]
    SizeNotOffered {
        /// The model.
        model: String,
        /// What was asked.
        size: String,
        /// What it offers (space separated), or "none".
        offered: String,
    },
    /// The count is out of range.
    #[error("the count must be between 1 and {COUNT_MAX}")]
    Count,
}

fn takes(max: usize) -> String {
    if max == 0 {
        "no input image".to_owned()
    } else {
        format!("at most {max} input image(s)")
    }
}

impl DraftError {
    /// The field to fix.
    pub fn field(&self) -> Field {
        match self {
            Self::NoModel => Field::Model,
            Self::EmptyPrompt | Self::PromptTooLong { .. } => Field::Prompt,
            Self::NegativeTooLong { .. } => Field::Negative,
            Self::Seed(_) => Field::Seed,
            Self::ImageRequired { .. }
            | Self::TooManyImages { .. }
            | Self::GatewayNeedsFiles
            | Self::Url(_) => Field::Reference,
            Self::AspectNotOffered { .. } | Self::SizeNotOffered { .. } => Field::Shape,
            Self::Count => Field::Count,
        }
    }
}

/// One job of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// What to send; file references are as typed (resolved when the job is made).
    pub request: JobRequest,
    /// The job gets its own new seed when it is made.
    pub draw_seed: bool,
}

/// A validated draft: the jobs to make.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// One entry per job.
    pub jobs: Vec<Planned>,
}

impl Plan {
    /// A plan of one request, with a new seed drawn for it or not.
    pub fn one(request: JobRequest, draw_seed: bool) -> Self {
        Self {
            jobs: vec![Planned { request, draw_seed }],
        }
    }

    /// The requests, in order.
    pub fn requests(&self) -> impl Iterator<Item = &JobRequest> {
        self.jobs.iter().map(|p| &p.request)
    }

    /// Adds the jobs of `other` after these.
    pub fn extend(&mut self, other: Plan) {
        self.jobs.extend(other.jobs);
    }

    /// The requests with their seeds drawn from `seeds` where the plan asks for new ones.
    pub fn seeded(self, seeds: &mut SeedStream) -> Vec<JobRequest> {
        self.jobs
            .into_iter()
            .map(|p| {
                let mut r = p.request;
                if p.draw_seed {
                    r.seed = Some(seeds.next_seed());
                }
                r
            })
            .collect()
    }
}

/// Checks `draft` against `spec` and plans one request per job.
pub fn validate(spec: &ModelSpec, draft: &Draft) -> Result<Plan, DraftError> {
    let prompt = draft.prompt.trim();
    if prompt.is_empty() {
        return Err(DraftError::EmptyPrompt);
    }
    let chars = prompt.chars().count();
    if chars > spec.prompt_max {
        return Err(DraftError::PromptTooLong {
            chars,
            model: spec.id.to_owned(),
            max: spec.prompt_max,
        });
    }
    let negative = negative_prompt(spec, &draft.negative)?;
    let locked = match (&draft.seed, spec.seed) {
        (SeedChoice::Locked(text), true) => Some(parse_seed(text)?),
        _ => None,
    };
    let images = references(spec, &draft.references)?;
    let (aspect_ratio, size) = shape(spec, &draft.shape)?;
    if !(1..=COUNT_MAX).contains(&draft.count) {
        return Err(DraftError::Count);
    }
    let request = JobRequest {
        model: spec.id.to_owned(),
        wire: spec.wire,
        prompt: prompt.to_owned(),
        negative_prompt: negative,
        seed: locked,
        aspect_ratio,
        size,
        images,
    };
    // Apiframe jobs always carry a seed, so every job can be rerun exactly; gateway jobs send
    // one only when it is locked.
    let draw_seed = locked.is_none() && spec.seed && spec.wire == Wire::Apiframe;
    let one = Planned { request, draw_seed };
    Ok(Plan {
        jobs: vec![one; usize::from(draft.count)],
    })
}

fn negative_prompt(spec: &ModelSpec, typed: &str) -> Result<Option<String>, DraftError> {
    let Some(max) = spec.negative_max else {
        return Ok(None);
    };
    let neg = typed.trim();
    let chars = neg.chars().count();
    if chars > max {
        return Err(DraftError::NegativeTooLong { chars, max });
    }
    Ok((!neg.is_empty()).then(|| neg.to_owned()))
}

fn references(spec: &ModelSpec, typed: &[String]) -> Result<Vec<ImageInput>, DraftError> {
    let entries: Vec<&str> = typed
        .iter()
        .flat_map(|t| t.split(['\n', ';']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let (min, max) = spec.images;
    if entries.len() < min {
        return Err(DraftError::ImageRequired {
            model: spec.id.to_owned(),
        });
    }
    if entries.len() > max {
        return Err(DraftError::TooManyImages {
            model: spec.id.to_owned(),
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
        Shape::Default => Ok(match (spec.aspect_ratios.first(), spec.sizes.first()) {
            (Some(a), _) => (Some(*a), None),
            (None, Some(s)) => (None, Some(s.wire())),
            (None, None) => (None, None),
        }),
        Shape::Aspect(a) if spec.aspect_ratios.contains(a) => Ok((Some(*a), None)),
        Shape::Aspect(a) => Err(DraftError::AspectNotOffered {
            model: spec.id.to_owned(),
            ratio: a.as_str().to_owned(),
            offered: listed(
                spec.aspect_ratios
                    .iter()
                    .map(|r| r.as_str().into())
                    .collect(),
            ),
        }),
        Shape::Size(s) => {
            let want = s.trim().replace('x', "*");
            match spec.sizes.iter().find(|p| p.wire() == want) {
                Some(p) => Ok((None, Some(p.wire()))),
                None => Err(DraftError::SizeNotOffered {
                    model: spec.id.to_owned(),
                    size: want,
                    offered: listed(spec.sizes.iter().map(|p| p.wire()).collect()),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests;
