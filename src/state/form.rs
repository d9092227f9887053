//! The compose form: prompt, negative prompt, model, aspect ratio or size, seed (random or
//! locked), reference image and count. Which fields show depends on the model. `draft` reads
//! the form as a domain `Draft`; `validate` checks it with the same rules as the CLI.

use crate::domain::draft::{self, Draft, Plan, SeedChoice, Shape};
use crate::domain::models::{self, ModelSpec, Wire};
use crate::domain::{ImageInput, JobRequest};

pub use crate::domain::draft::Field;

use super::text::TextInput;

/// What is wrong with the form, shown under its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    /// The field to fix.
    pub field: Field,
    /// What to do, in plain words.
    pub message: String,
}

impl From<draft::DraftError> for FormError {
    fn from(e: draft::DraftError) -> Self {
        Self {
            field: e.field(),
            message: e.to_string(),
        }
    }
}

/// The compose form's state.
#[derive(Debug, Clone)]
pub struct ComposeForm {
    /// The prompt.
    pub prompt: TextInput,
    /// The negative prompt.
    pub negative: TextInput,
    /// Models this profile offers.
    pub models: Vec<&'static ModelSpec>,
    /// Index into `models`.
    pub model: usize,
    /// Index into the model's aspect ratios or sizes.
    pub shape: usize,
    /// Seed text (used when locked).
    pub seed: TextInput,
    /// False: a new random seed per job.
    pub seed_locked: bool,
    /// Reference image path or URL.
    pub reference: TextInput,
    /// Jobs per submit (1–8).
    pub count: u8,
    /// The last validation error, shown under its field.
    pub error: Option<FormError>,
}

impl ComposeForm {
    /// A form offering `models`, starting on `default_model` when it is among them.
    pub fn new(models: Vec<&'static ModelSpec>, default_model: &str) -> Self {
        let model = models
            .iter()
            .position(|m| m.id == default_model)
            .unwrap_or(0);
        Self {
            prompt: TextInput::multi_line(),
            negative: TextInput::single_line(),
            models,
            model,
            shape: 0,
            seed: TextInput::single_line(),
            seed_locked: false,
            reference: TextInput::single_line(),
            count: 1,
            error: None,
        }
    }

    /// The models a profile of `wires` offers.
    pub fn models_for(wires: &[Wire]) -> Vec<&'static ModelSpec> {
        models::MODELS
            .iter()
            .filter(|m| wires.contains(&m.wire))
            .collect()
    }

    /// The chosen model.
    pub fn spec(&self) -> Option<&'static ModelSpec> {
        self.models.get(self.model).copied()
    }

    /// The fields the chosen model uses, in focus order.
    pub fn visible_fields(&self) -> Vec<Field> {
        let mut v = vec![Field::Prompt];
        let Some(spec) = self.spec() else { return v };
        if spec.negative_max.is_some() {
            v.push(Field::Negative);
        }
        v.push(Field::Model);
        if !spec.aspect_ratios.is_empty() || !spec.sizes.is_empty() {
            v.push(Field::Shape);
        }
        if spec.seed {
            v.push(Field::Seed);
        }
        if spec.images.1 > 0 {
            v.push(Field::Reference);
        }
        v.push(Field::Count);
        v
    }

    /// The label of the current shape choice (`16:9`, or `1328*1328 (1:1)`).
    pub fn shape_label(&self) -> Option<String> {
        let spec = self.spec()?;
        if let Some(a) = spec.aspect_ratios.get(self.shape) {
            return Some(a.as_str().to_owned());
        }
        spec.sizes
            .get(self.shape)
            .map(|s| format!("{} ({})", s.wire(), s.label))
    }

    fn shape_count(&self) -> usize {
        self.spec()
            .map_or(0, |s| s.aspect_ratios.len().max(s.sizes.len()))
    }

    /// Steps the selector `field` by `delta` (wrapping).
    pub fn step(&mut self, field: Field, delta: i32) {
        let wrap = |v: usize, n: usize| {
            if n == 0 {
                0
            } else {
                (v as i64 + i64::from(delta)).rem_euclid(n as i64) as usize
            }
        };
        match field {
            Field::Model => {
                let old_shape = self.shape_label();
                self.model = wrap(self.model, self.models.len());
                // Keep an equivalent ratio when the new model has one; else its default.
                self.shape = 0;
                if let (Some(old), Some(spec)) = (old_shape, self.spec())
                    && let Some(i) = spec
                        .aspect_ratios
                        .iter()
                        .position(|a| old.starts_with(a.as_str()))
                {
                    self.shape = i;
                }
            }
            Field::Shape => self.shape = wrap(self.shape, self.shape_count()),
            Field::Count => {
                let max = i32::from(draft::COUNT_MAX);
                self.count =
                    u8::try_from((i32::from(self.count) + delta).clamp(1, max)).unwrap_or(1);
            }
            Field::Seed => self.seed_locked = !self.seed_locked,
            _ => {}
        }
        self.error = None;
    }

    /// Switches the seed between random and locked; a seed locked with no number typed
    /// becomes `fresh` (drawn by the caller).
    pub fn toggle_seed(&mut self, fresh: u32) {
        self.seed_locked = !self.seed_locked;
        if self.seed_locked && self.seed.text().is_empty() {
            self.seed.set(&fresh.to_string());
        }
    }

    /// The text input of `field`, if it is a text field.
    pub fn text_mut(&mut self, field: Field) -> Option<&mut TextInput> {
        match field {
            Field::Prompt => Some(&mut self.prompt),
            Field::Negative => Some(&mut self.negative),
            Field::Seed => Some(&mut self.seed),
            Field::Reference => Some(&mut self.reference),
            _ => None,
        }
    }

    /// The field after (or before) `from`; `None` when focus leaves the form at either end.
    pub fn next_field(&self, from: Field, forward: bool) -> Option<Field> {
        let fields = self.visible_fields();
        let i = fields.iter().position(|f| *f == from)?;
        if forward {
            fields.get(i + 1).copied()
        } else {
            i.checked_sub(1).and_then(|j| fields.get(j).copied())
        }
    }

    /// The form as a domain draft.
    pub fn draft(&self) -> Draft {
        let shape = match self.spec() {
            Some(spec) => match (
                spec.aspect_ratios.get(self.shape),
                spec.sizes.get(self.shape),
            ) {
                (Some(a), _) => Shape::Aspect(*a),
                (None, Some(s)) => Shape::Size(s.wire()),
                (None, None) => Shape::Default,
            },
            None => Shape::Default,
        };
        Draft {
            prompt: self.prompt.text().to_owned(),
            negative: self.negative.text().to_owned(),
            shape,
            seed: if self.seed_locked {
                SeedChoice::Locked(self.seed.text().to_owned())
            } else {
                SeedChoice::Random
            },
            references: vec![self.reference.text().to_owned()],
            count: self.count,
        }
    }

    /// Checks the form: the plan of jobs to make, or which field is wrong and why.
    pub fn validate(&self) -> Result<Plan, FormError> {
        let spec = self.spec().ok_or(draft::DraftError::NoModel)?;
        Ok(draft::validate(spec, &self.draft())?)
    }

    /// Loads a request back into the form (rerun, edit, parameters from a PNG).
    pub fn load(&mut self, req: &JobRequest) {
        if let Some(i) = self.models.iter().position(|m| m.id == req.model) {
            self.model = i;
        }
        self.prompt.set(&req.prompt);
        self.negative
            .set(req.negative_prompt.as_deref().unwrap_or(""));
        if let Some(spec) = self.spec() {
            self.shape = req
                .aspect_ratio
                .and_then(|a| spec.aspect_ratios.iter().position(|x| *x == a))
                .or_else(|| {
                    req.size
                        .as_ref()
                        .and_then(|s| spec.sizes.iter().position(|x| &x.wire() == s))
                })
                .unwrap_or(0);
        }
        match req.seed {
            Some(s) => {
                self.seed.set(&s.to_string());
                self.seed_locked = true;
            }
            None => self.seed_locked = false,
        }
        let refs: Vec<String> = req.images.iter().map(ImageInput::to_string).collect();
        self.reference.set(&refs.join("; "));
        self.error = None;
    }
}

#[cfg(test)]
mod tests;
