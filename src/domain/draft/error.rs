//! `DraftError`: why a draft cannot be sent, each naming the field to fix.

use super::super::request::BadUrl;
use super::super::seed::BadSeed;
use super::{COUNT_MAX, Field};

/// Why a draft cannot be sent.
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
    /// The user set a parameter the model (or its wire) cannot carry: refused, never dropped.
    #[error("{model} takes no {what}{}; remove it to send the job", because(.why))]
    NotTaken {
        /// The model.
        model: String,
        /// The parameter, in words ("negative prompt").
        what: &'static str,
        /// Why, when it is the wire and not the model.
        why: Option<&'static str>,
        /// The field it was set in.
        field: Field,
    },
    /// The seed is not a number.
    #[error(transparent)]
    Seed(#[from] BadSeed),
    /// The seed is outside the model's range (or the last of an incrementing batch is).
    #[error("{model} takes seeds from {lo} to {hi}; {seed} is outside")]
    SeedRange {
        /// The model.
        model: String,
        /// The seed that does not fit.
        seed: u64,
        /// The least seed.
        lo: u32,
        /// The largest seed.
        hi: u32,
    },
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
    /// The prompt is a template that cannot be used.
    #[error(transparent)]
    Template(#[from] crate::domain::template::TemplateError),
    /// More jobs than one submit may make.
    #[error("this would make {0} jobs; one submit makes at most {max}", max = crate::domain::template::MAX_PROMPTS)]
    TooManyJobs(u64),
    /// The number of random draws is out of range.
    #[error("random draws must be between 1 and {max}", max = crate::domain::template::MAX_PROMPTS)]
    Draws,
}

fn takes(max: usize) -> String {
    if max == 0 {
        "no input image".to_owned()
    } else {
        format!("at most {max} input image(s)")
    }
}

fn because(why: &Option<&'static str>) -> String {
    why.map(|w| format!(" ({w})")).unwrap_or_default()
}

impl DraftError {
    /// The field to fix.
    pub fn field(&self) -> Field {
        match self {
            Self::NoModel => Field::Model,
            Self::EmptyPrompt
            | Self::PromptTooLong { .. }
            | Self::Template(_)
            | Self::TooManyJobs(_) => Field::Prompt,
            Self::Draws => Field::Draws,
            Self::NegativeTooLong { .. } => Field::Negative,
            Self::NotTaken { field, .. } => *field,
            Self::Seed(_) | Self::SeedRange { .. } => Field::Seed,
            Self::ImageRequired { .. }
            | Self::TooManyImages { .. }
            | Self::GatewayNeedsFiles
            | Self::Url(_) => Field::Reference,
            Self::AspectNotOffered { .. } | Self::SizeNotOffered { .. } => Field::Shape,
            Self::Count => Field::Count,
        }
    }
}
