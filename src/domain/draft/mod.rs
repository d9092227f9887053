//! A draft: what the user asked for before it is checked, as the compose form and the CLI both
//! collect it. `validate` is the one place that decides whether a model can take it, and turns
//! it into one request per job. A value the model or its wire cannot carry is refused, never
//! dropped. Pure: files are not read here, and seeds to draw are drawn by the caller from
//! entropy it passes in.

mod error;
mod estimate;
mod validate;

pub use error::DraftError;
pub use estimate::{ConfirmAbove, Estimate};
pub use validate::validate;

use super::models::AspectRatio;
use super::request::JobRequest;
use super::seed::SeedStream;
use super::template::{Template, Wildcards};

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
    /// The provider's prompt rewrite (on or off).
    Rewrite,
    /// Reference or input image: a path or an https URL.
    Reference,
    /// How many jobs to send (1–8).
    Count,
    /// A template prompt: every combination, or N random draws (shown only for a template).
    Draws,
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
            Self::Rewrite => "Rewrite",
            Self::Reference => "Image",
            Self::Count => "Count",
            Self::Draws => "Template",
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

/// How a locked seed is used when a submit makes several jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeedMode {
    /// Seed, seed+1, seed+2, …: one image per seed.
    #[default]
    Increment,
    /// The same seed for every job: identical paid requests.
    Fixed,
}

/// How the seed is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedChoice {
    /// A new seed per job, drawn by qimg (and sent, so every job records the seed it used).
    Random,
    /// This seed, as typed, used as `mode` says.
    Locked {
        /// The seed as typed.
        text: String,
        /// Increment or fixed.
        mode: SeedMode,
    },
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
    /// The provider's prompt rewrite: `None` leaves it at qimg's default (off, sent explicitly
    /// where the model takes it); `Some` is the user's explicit choice.
    pub rewrite: Option<bool>,
    /// Whether the provider may watermark the image (the profile's choice).
    pub watermark: bool,
    /// Reference or input images as typed: paths or https URLs.
    pub references: Vec<String>,
    /// How many jobs (per prompt, when the prompt is a template).
    pub count: u8,
    /// The wildcard files a template may name.
    pub wildcards: std::sync::Arc<Wildcards>,
    /// `None`: a template makes every combination; `Some(n)`: n random draws, each from its
    /// job's seed.
    pub draws: Option<u16>,
}

impl Draft {
    /// A draft of `prompt` with every other choice at its default.
    pub fn new(prompt: &str) -> Self {
        Self {
            prompt: prompt.to_owned(),
            negative: String::new(),
            shape: Shape::Default,
            seed: SeedChoice::Random,
            rewrite: None,
            watermark: false,
            references: Vec::new(),
            count: 1,
            wildcards: std::sync::Arc::default(),
            draws: None,
        }
    }
}

/// One job of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// What to send; file references are as typed (resolved when the job is made).
    pub request: JobRequest,
    /// The seed to draw, when the job gets a new one: within `(least, largest)`.
    pub draw_seed: Option<(u32, u32)>,
    /// A random draw of this template, the n-th of its submit, made from the job's seed once
    /// the seed is known.
    pub draw_prompt: Option<Box<(Template, u32)>>,
    /// Its cell, when the plan is a grid run.
    pub cell: Option<crate::domain::grid::GridCell>,
}

impl Planned {
    /// The prompt this job will send, when it is known before the job is made: always, but
    /// for a random draw whose seed is still to be drawn.
    pub fn known_prompt(&self) -> Option<String> {
        match (&self.draw_prompt, self.request.seed) {
            (None, _) => Some(self.request.prompt.clone()),
            (Some(draw), Some(seed)) => Some(drawn(draw, seed)),
            (Some(_), None) => None,
        }
    }
}

/// The n-th draw of a template from a job's seed: the same seed and place draw the same prompt.
fn drawn(draw: &(Template, u32), seed: u32) -> String {
    let (template, n) = draw;
    template.draw(u64::from(seed).rotate_left(20) ^ u64::from(*n))
}

/// A validated draft: the jobs to make.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// One entry per job.
    pub jobs: Vec<Planned>,
}

impl Plan {
    /// A plan of one request; `draw_seed` gives it a new seed in that range.
    pub fn one(request: JobRequest, draw_seed: Option<(u32, u32)>) -> Self {
        Self {
            jobs: vec![Planned {
                request,
                draw_seed,
                draw_prompt: None,
                cell: None,
            }],
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

    /// Each job's grid cell, in order (`None` outside a grid run).
    pub fn cells(&self) -> Vec<Option<crate::domain::grid::GridCell>> {
        self.jobs.iter().map(|p| p.cell.clone()).collect()
    }

    /// The requests with their seeds drawn from `seeds` where the plan asks for new ones.
    pub fn seeded(self, seeds: &mut SeedStream) -> Vec<JobRequest> {
        self.jobs
            .into_iter()
            .map(|p| {
                let mut r = p.request;
                if let Some((lo, hi)) = p.draw_seed {
                    r.seed = Some(seeds.next_in(lo, hi));
                }
                if let Some(draw) = &p.draw_prompt {
                    // A wire with no seed draws from the stream.
                    let seed = r.seed.unwrap_or_else(|| seeds.next_seed());
                    r.prompt = drawn(draw, seed);
                }
                r
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
