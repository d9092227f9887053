//! The compose form: prompt, negative prompt, model, aspect ratio or size, seed (random or
//! locked), reference image and count. Which fields show depends on the model (DESIGN.md §7).
//! `validate` turns the form into one `JobRequest` per image, or says which field is wrong.

use crate::api::models::{self, ModelSpec, SEED_MAX, Task, Wire};
use crate::domain::{ImageInput, JobRequest};

use super::text::TextInput;

/// A field of the form.
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

    /// The label shown in the form.
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

/// What is wrong with the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    /// The field to fix.
    pub field: Field,
    /// What to do, in plain words.
    pub message: String,
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
    /// The field with focus.
    pub focus: Field,
    /// The last validation error, shown under its field.
    pub error: Option<FormError>,
    /// Width of the prompt as last drawn (widget state set by the renderer; Up/Down use it).
    pub prompt_width: std::cell::Cell<usize>,
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
            focus: Field::Prompt,
            error: None,
            prompt_width: std::cell::Cell::new(40),
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

    /// Steps the focused selector by `delta` (wrapping).
    pub fn step(&mut self, delta: i32) {
        let wrap = |v: usize, n: usize| {
            if n == 0 {
                0
            } else {
                (v as i64 + i64::from(delta)).rem_euclid(n as i64) as usize
            }
        };
        match self.focus {
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
            Field::Count => self.count = (i32::from(self.count) + delta).clamp(1, 8) as u8,
            Field::Seed => self.seed_locked = !self.seed_locked,
            _ => {}
        }
        self.error = None;
    }

    /// Switches the seed between random and locked.
    pub fn toggle_seed(&mut self) {
        self.seed_locked = !self.seed_locked;
        if self.seed_locked && self.seed.text().is_empty() {
            self.seed
                .set(&(rand::random::<u32>() % SEED_MAX).to_string());
        }
    }

    /// The text field with focus, if any.
    pub fn focused_text(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            Field::Prompt => Some(&mut self.prompt),
            Field::Negative => Some(&mut self.negative),
            Field::Seed => Some(&mut self.seed),
            Field::Reference => Some(&mut self.reference),
            _ => None,
        }
    }

    /// Moves focus inside the form; `None` when it leaves the form at either end.
    pub fn next_field(&self, forward: bool) -> Option<Field> {
        let fields = self.visible_fields();
        let i = fields.iter().position(|f| *f == self.focus)?;
        if forward {
            fields.get(i + 1).copied()
        } else {
            i.checked_sub(1).and_then(|j| fields.get(j).copied())
        }
    }

    /// Turns the form into requests: one per image to make. Random seeds are drawn here for
    /// Apiframe (so every job can be rerun exactly); gateway jobs send a seed only when locked.
    pub fn validate(&self) -> Result<Vec<JobRequest>, FormError> {
        let err = |field, message: String| Err(FormError { field, message });
        let Some(spec) = self.spec() else {
            return err(Field::Model, "this profile offers no model".into());
        };
        let prompt = self.prompt.text().trim();
        if prompt.is_empty() {
            return err(Field::Prompt, "write a prompt first".into());
        }
        let n = prompt.chars().count();
        if n > spec.prompt_max {
            return err(
                Field::Prompt,
                format!(
                    "the prompt has {n} characters; {} allows {}",
                    spec.id, spec.prompt_max
                ),
            );
        }
        let negative = match spec.negative_max {
            Some(max) => {
                let neg = self.negative.text().trim();
                let n = neg.chars().count();
                if n > max {
                    return err(
                        Field::Negative,
                        format!("the negative prompt has {n} characters; the limit is {max}"),
                    );
                }
                (!neg.is_empty()).then(|| neg.to_owned())
            }
            None => None,
        };
        let locked_seed = if spec.seed && self.seed_locked {
            Some(parse_seed(self.seed.text()).map_err(|message| FormError {
                field: Field::Seed,
                message,
            })?)
        } else {
            None
        };
        let images = self.reference_inputs(spec)?;
        let (aspect, size) = match (
            spec.aspect_ratios.get(self.shape),
            spec.sizes.get(self.shape),
        ) {
            (Some(a), _) => (Some(*a), None),
            (None, Some(s)) => (None, Some(s.wire())),
            (None, None) => (None, None),
        };
        Ok((0..self.count.clamp(1, 8))
            .map(|_| JobRequest {
                model: spec.id.to_owned(),
                wire: spec.wire,
                prompt: prompt.to_owned(),
                negative_prompt: negative.clone(),
                seed: match (locked_seed, spec.seed, spec.wire) {
                    (Some(s), _, _) => Some(s),
                    (None, true, Wire::Apiframe) => Some(rand::random::<u32>() % (SEED_MAX + 1)),
                    _ => None,
                },
                aspect_ratio: aspect,
                size: size.clone(),
                images: images.clone(),
            })
            .collect())
    }

    fn reference_inputs(&self, spec: &ModelSpec) -> Result<Vec<ImageInput>, FormError> {
        let raw = self.reference.text().trim();
        let entries: Vec<&str> = raw
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let (min, max) = spec.images;
        if entries.len() < min {
            return Err(FormError {
                field: Field::Reference,
                message: format!(
                    "{} edits an image: give a file path or an https URL",
                    spec.id
                ),
            });
        }
        if entries.len() > max {
            let what = if max == 0 {
                "no input image".to_owned()
            } else {
                format!("at most {max} input image(s)")
            };
            return Err(FormError {
                field: Field::Reference,
                message: format!("{} takes {what}", spec.id),
            });
        }
        entries
            .into_iter()
            .map(|e| {
                if e.starts_with("http://") || e.starts_with("https://") {
                    if spec.task == Task::Edit && spec.wire == Wire::OpenAi {
                        return Err(FormError {
                            field: Field::Reference,
                            message: "the gateway edits local files; give a file path".into(),
                        });
                    }
                    crate::api::input_image::check_url(e)
                        .map(ImageInput::Url)
                        .map_err(|message| FormError {
                            field: Field::Reference,
                            message,
                        })
                } else {
                    // Resolved now: the job stores, shows and later uploads this exact file.
                    Ok(ImageInput::File(crate::api::input_image::resolve(
                        std::path::Path::new(e),
                    )))
                }
            })
            .collect()
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
        let refs: Vec<String> = req
            .images
            .iter()
            .map(|i| match i {
                ImageInput::File(p) => p.display().to_string(),
                ImageInput::Url(u) => u.clone(),
            })
            .collect();
        self.reference.set(&refs.join("; "));
        self.error = None;
    }
}

/// Parses a seed: digits only (surrounding spaces allowed), 0 to 2147483647.
pub fn parse_seed(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let range = format!("the seed must be a whole number from 0 to {SEED_MAX}");
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) || t.len() > 10 {
        return Err(range);
    }
    match t.parse::<u64>() {
        Ok(v) if v <= u64::from(SEED_MAX) => Ok(v as u32),
        _ => Err(range),
    }
}

#[cfg(test)]
mod tests;
