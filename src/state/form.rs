//! The compose form: prompt, negative prompt, model, aspect ratio or size, seed (random or
//! locked), reference image and count. Which fields show depends on the model. `draft` reads
//! the form as a domain `Draft`; `validate` checks it with the same rules as the CLI.

use std::sync::Arc;

use crate::domain::catalogue::{Carried, Catalogue, ModelSpec};
use crate::domain::draft::{self, Draft, Plan, SeedChoice, SeedMode, Shape};
use crate::domain::models::Wire;
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
    pub models: Vec<Arc<ModelSpec>>,
    /// Index into `models`.
    pub model: usize,
    /// Index into the model's aspect ratios or sizes.
    pub shape: usize,
    /// Seed text (used when locked).
    pub seed: TextInput,
    /// False: a new random seed per job.
    pub seed_locked: bool,
    /// How a locked seed is used for several jobs.
    pub seed_mode: SeedMode,
    /// The provider's prompt rewrite, where the model takes it (off by default).
    pub rewrite: bool,
    /// The profile lets the provider watermark images.
    pub watermark: bool,
    /// Reference image path or URL.
    pub reference: TextInput,
    /// Jobs per submit (1–8).
    pub count: u8,
    /// A template prompt: `None` makes every combination, `Some(n)` n random draws.
    pub draws: Option<u16>,
    /// The wildcard files a template prompt may name (read by the app at start).
    pub wildcards: std::sync::Arc<crate::domain::template::Wildcards>,
    /// The last validation error, shown under its field.
    pub error: Option<FormError>,
    /// The job the form was loaded from (`e`) or took its image from (`u`): the parent of the
    /// jobs it sends, until another job is loaded.
    pub parent: Option<crate::domain::JobId>,
}

impl ComposeForm {
    /// A form offering `models`, starting on `default_model` when it is among them.
    pub fn new(models: Vec<Arc<ModelSpec>>, default_model: &str) -> Self {
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
            seed_mode: SeedMode::Increment,
            rewrite: false,
            watermark: false,
            reference: TextInput::single_line(),
            count: 1,
            draws: None,
            wildcards: std::sync::Arc::default(),
            error: None,
            parent: None,
        }
    }

    /// The models of `catalogue` that `wires` serve.
    pub fn models_for(catalogue: &Catalogue, wires: &[Wire]) -> Vec<Arc<ModelSpec>> {
        wires.iter().flat_map(|w| catalogue.for_wire(*w)).collect()
    }

    /// The chosen model.
    pub fn spec(&self) -> Option<&ModelSpec> {
        self.models.get(self.model).map(|m| m.as_ref())
    }

    /// The fields the chosen model uses, in focus order.
    pub fn visible_fields(&self) -> Vec<Field> {
        let mut v = vec![Field::Prompt];
        let Some(spec) = self.spec() else { return v };
        if spec.negative_max.is_some() {
            v.push(Field::Negative);
        }
        v.push(Field::Model);
        if !spec.ratios().is_empty() || !spec.sizes().is_empty() {
            v.push(Field::Shape);
        }
        if spec.seed.is_some() {
            v.push(Field::Seed);
        }
        if spec.rewrite != Carried::None {
            v.push(Field::Rewrite);
        }
        if spec.takes_images() {
            v.push(Field::Reference);
        }
        v.push(Field::Count);
        if self.is_template() {
            v.push(Field::Draws);
        }
        v
    }

    /// True when the prompt may be a template (a `{` choice or a `__wildcard__`): the form
    /// then offers the template mode. A cheap test, as it runs on every frame.
    pub fn is_template(&self) -> bool {
        let p = self.prompt.text();
        p.contains('{') || p.contains("__")
    }

    /// The label of the current shape choice (`16:9`, or `1328*1328 (1:1)`).
    pub fn shape_label(&self) -> Option<String> {
        let spec = self.spec()?;
        if let Some(r) = spec.ratios().get(self.shape) {
            return Some(r.ratio.as_str().to_owned());
        }
        spec.sizes()
            .get(self.shape)
            .map(|s| format!("{} ({})", s.wire(), s.label))
    }

    fn shape_count(&self) -> usize {
        self.spec()
            .map_or(0, |s| s.ratios().len().max(s.sizes().len()))
    }

    /// Steps the selector `field` by `delta` (wrapping).
    pub fn step(&mut self, field: Field, delta: i32) {
        let wrap = |v: usize, n: usize| {
            if n == 0 {
                0
            } else {
                let n = i64::try_from(n).unwrap_or(1);
                let v = i64::try_from(v).unwrap_or(0);
                usize::try_from((v + i64::from(delta)).rem_euclid(n)).unwrap_or(0)
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
                        .ratios()
                        .iter()
                        .position(|r| old.starts_with(r.ratio.as_str()))
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
            Field::Seed => self.cycle_seed_mode(),
            Field::Draws => self.draws = step_draws(self.draws, delta),
            Field::Rewrite if self.spec().is_some_and(|s| s.rewrite == Carried::Send) => {
                self.rewrite = !self.rewrite;
            }
            _ => {}
        }
        self.error = None;
    }

    /// Cycles the seed: random → locked (one seed per job, counting up) → locked and fixed
    /// (the same seed for every job: only with a count above 1) → random. A seed locked with
    /// no number typed becomes `fresh` (drawn by the caller).
    pub fn cycle_seed(&mut self, fresh: u32) {
        self.cycle_seed_mode();
        if self.seed_locked && self.seed.text().is_empty() {
            self.seed.set(&fresh.to_string());
        }
    }

    fn cycle_seed_mode(&mut self) {
        match (self.seed_locked, self.seed_mode) {
            (false, _) => (self.seed_locked, self.seed_mode) = (true, SeedMode::Increment),
            (true, SeedMode::Increment) if self.count > 1 => self.seed_mode = SeedMode::Fixed,
            (true, _) => (self.seed_locked, self.seed_mode) = (false, SeedMode::Increment),
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

    /// The form as a domain draft. Fields the model does not show are not read: a negative
    /// prompt typed for another model is not sent to one that takes none.
    pub fn draft(&self) -> Draft {
        let visible = self.visible_fields();
        let shown = |f: Field| visible.contains(&f);
        let shape = match self.spec() {
            Some(spec) => match (spec.ratios().get(self.shape), spec.sizes().get(self.shape)) {
                (Some(r), _) => Shape::Aspect(r.ratio),
                (None, Some(s)) => Shape::Size(s.wire()),
                (None, None) => Shape::Default,
            },
            None => Shape::Default,
        };
        let editable_rewrite = self.spec().is_some_and(|s| s.rewrite == Carried::Send);
        Draft {
            prompt: self.prompt.text().to_owned(),
            negative: if shown(Field::Negative) {
                self.negative.text().to_owned()
            } else {
                String::new()
            },
            shape,
            seed: if self.seed_locked && shown(Field::Seed) {
                SeedChoice::Locked {
                    text: self.seed.text().to_owned(),
                    mode: self.seed_mode,
                }
            } else {
                SeedChoice::Random
            },
            rewrite: editable_rewrite.then_some(self.rewrite),
            watermark: self.watermark,
            references: if shown(Field::Reference) {
                vec![self.reference.text().to_owned()]
            } else {
                Vec::new()
            },
            count: self.count,
            wildcards: std::sync::Arc::clone(&self.wildcards),
            draws: self.draws.filter(|_| shown(Field::Draws)),
        }
    }

    /// Checks the form: the plan of jobs to make, or which field is wrong and why.
    pub fn validate(&self) -> Result<Plan, FormError> {
        let spec = self.spec().ok_or(draft::DraftError::NoModel)?;
        Ok(draft::validate(spec, &self.draft())?)
    }

    /// What `plan` will cost by the prices of the models this form offers.
    pub fn estimate(&self, plan: &Plan) -> draft::Estimate {
        draft::Estimate::of(plan, |m| {
            self.models
                .iter()
                .find(|s| s.id == m)
                .and_then(|s| s.price.as_ref())
        })
    }

    /// Loads a request back into the form (rerun, edit, parameters from a PNG).
    pub fn load(&mut self, req: &JobRequest) {
        if let Some(i) = self.models.iter().position(|m| m.id == req.model) {
            self.model = i;
        }
        // A job made from a template loads the template, so editing it edits every variant.
        self.prompt
            .set(req.template.as_deref().unwrap_or(&req.prompt));
        self.negative
            .set(req.negative_prompt.as_deref().unwrap_or(""));
        if let Some(spec) = self.spec() {
            let ratio = req
                .aspect_ratio
                .and_then(|a| spec.ratios().iter().position(|x| x.ratio == a));
            let size = || {
                req.size
                    .as_ref()
                    .and_then(|s| spec.sizes().iter().position(|x| &x.wire() == s))
            };
            self.shape = ratio.or_else(size).unwrap_or(0);
        }
        match req.seed {
            Some(s) => {
                self.seed.set(&s.to_string());
                self.seed_locked = true;
                self.seed_mode = SeedMode::Increment;
            }
            None => self.seed_locked = false,
        }
        if let Some(extend) = req.prompt_extend {
            self.rewrite = extend;
        }
        let refs: Vec<String> = req.images.iter().map(ImageInput::to_string).collect();
        self.reference.set(&refs.join("; "));
        self.error = None;
    }
}

/// The template mode after a step: every combination sits below one random draw, so Left
/// from one draw goes back to every combination.
fn step_draws(draws: Option<u16>, delta: i32) -> Option<u16> {
    let max = i32::try_from(crate::domain::template::MAX_PROMPTS).unwrap_or(1000);
    let now = draws.map_or(0, i32::from);
    let next = (now + delta).clamp(0, max);
    u16::try_from(next).ok().filter(|n| *n > 0)
}

mod grid;
mod preset;
mod references;

#[cfg(test)]
mod tests;
