//! The model catalogue: what each model takes (its wire, kind, shapes, parameters, reference
//! images, timeout, price), as data. The built-in models come from `models.toml`, compiled in;
//! `config.toml` adds or overrides models with the same fields. The form, the CLI, the
//! validation, the providers and the simulator all read the catalogue; nothing else knows a
//! model's rules.

mod check;
mod file;

use std::sync::{Arc, OnceLock};

use serde::Serialize;

use super::models::{AspectRatio, Task, Wire};
pub use file::{ModelError, ModelFile};

/// The built-in models, as written.
const BUILTIN: &str = include_str!("../models.toml");

/// An output size `W*H` with its ratio label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SizePreset {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The nearest named ratio, such as `16:9`, for the form.
    pub label: String,
}

impl SizePreset {
    /// A preset of `width`×`height`, labelled with its nearest named ratio.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            label: nearest_ratio(width, height).as_str().to_owned(),
        }
    }

    /// The wire spelling `W*H`.
    pub fn wire(&self) -> String {
        format!("{}*{}", self.width, self.height)
    }
}

/// The named ratio closest to `w`:`h`.
pub fn nearest_ratio(w: u32, h: u32) -> AspectRatio {
    let r = f64::from(w) / f64::from(h.max(1));
    let ratio_of = |a: &AspectRatio| {
        let (x, y) = a.as_str().split_once(':').unwrap_or(("1", "1"));
        x.parse::<f64>().unwrap_or(1.0) / y.parse::<f64>().unwrap_or(1.0)
    };
    AspectRatio::ALL
        .into_iter()
        .min_by(|a, b| {
            let (da, db) = ((ratio_of(a) / r).ln().abs(), (ratio_of(b) / r).ln().abs());
            da.total_cmp(&db)
        })
        .unwrap_or(AspectRatio::Square)
}

/// An aspect ratio and the pixel size it renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RatioSize {
    /// The ratio.
    pub ratio: AspectRatio,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Sizes within limits, for models that take any `W*H`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FreeSize {
    /// Shortest side.
    pub min_side: u32,
    /// Longest side.
    pub max_side: u32,
    /// Fewest pixels.
    pub min_pixels: u64,
    /// Most pixels.
    pub max_pixels: u64,
}

impl FreeSize {
    /// Whether `w`×`h` is within the limits.
    pub fn allows(&self, w: u32, h: u32) -> bool {
        let px = u64::from(w) * u64::from(h);
        w.min(h) >= self.min_side
            && w.max(h) <= self.max_side
            && (self.min_pixels..=self.max_pixels).contains(&px)
    }
}

/// The output shapes a model offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShapeSpec {
    /// No choice: the output follows the input.
    None,
    /// Aspect ratios (Apiframe).
    Ratios(Vec<RatioSize>),
    /// A list of sizes (the first is the default).
    Sizes(Vec<SizePreset>),
    /// Any size within limits; the presets are what the form offers.
    Free {
        /// What the form offers.
        presets: Vec<SizePreset>,
        /// The limits.
        limits: FreeSize,
    },
}

/// Whether a parameter can be sent to a model through its wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Carried {
    /// qimg sends it explicitly.
    Send,
    /// The model has it, but the wire cannot carry it: the provider decides.
    Provider,
    /// The model has no such parameter.
    None,
}

/// Where a negative prompt goes in a gateway body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeIn {
    /// In `parameters` (DashScope's qwen models).
    Parameters,
    /// In `input` (wan text-to-image).
    Input,
}

/// The reference images a model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImageLimits {
    /// Fewest images.
    pub min: usize,
    /// Most images.
    pub max: usize,
    /// Shortest allowed side in pixels.
    pub min_side: u32,
    /// Longest allowed side in pixels.
    pub max_side: u32,
    /// Largest file in bytes.
    pub max_bytes: u64,
}

/// What one image costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    /// Per image made.
    pub per_image: f64,
    /// Credits, or a currency such as `CNY`.
    pub unit: String,
}

/// Everything qimg knows about one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSpec {
    /// Model id on the wire.
    pub id: String,
    /// A name for people.
    pub label: String,
    /// The wire that serves it.
    pub wire: Wire,
    /// Generate, edit, or both.
    pub task: Task,
    /// Longest prompt in characters.
    pub prompt_max: usize,
    /// Output shapes.
    pub shape: ShapeSpec,
    /// Longest negative prompt, when the model takes one.
    pub negative_max: Option<usize>,
    /// Where the negative prompt goes (gateway).
    pub negative_in: NegativeIn,
    /// The seed range, when the wire carries a seed.
    pub seed: Option<(u32, u32)>,
    /// Images per request the model allows (qimg sends 1).
    pub n: (u32, u32),
    /// The provider's prompt rewrite (`prompt_extend`).
    pub rewrite: Carried,
    /// The provider's watermark.
    pub watermark: Carried,
    /// Reference images.
    pub images: ImageLimits,
    /// Request timeout in seconds.
    pub timeout_secs: u64,
    /// The price per image, when known.
    pub price: Option<Price>,
}

impl ModelSpec {
    /// The aspect ratios it offers (empty unless it takes ratios).
    pub fn ratios(&self) -> &[RatioSize] {
        match &self.shape {
            ShapeSpec::Ratios(r) => r,
            _ => &[],
        }
    }

    /// The sizes the form offers (empty unless it takes sizes).
    pub fn sizes(&self) -> &[SizePreset] {
        match &self.shape {
            ShapeSpec::Sizes(s) | ShapeSpec::Free { presets: s, .. } => s,
            _ => &[],
        }
    }

    /// Whether the model takes `w`×`h` as its size.
    pub fn takes_size(&self, w: u32, h: u32) -> bool {
        match &self.shape {
            ShapeSpec::Sizes(s) => s.iter().any(|p| p.width == w && p.height == h),
            ShapeSpec::Free { limits, presets } => {
                limits.allows(w, h) || presets.iter().any(|p| p.width == w && p.height == h)
            }
            _ => false,
        }
    }

    /// The pixel size an aspect ratio renders (the simulator draws it).
    pub fn ratio_size(&self, ratio: AspectRatio) -> Option<(u32, u32)> {
        self.ratios()
            .iter()
            .find(|r| r.ratio == ratio)
            .map(|r| (r.width, r.height))
    }

    /// Whether the model takes reference images at all.
    pub fn takes_images(&self) -> bool {
        self.images.max > 0
    }
}

/// Where a catalogue entry came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// Compiled into qimg.
    BuiltIn,
    /// Defined in config.toml, starting from a built-in when `like` is set.
    Config {
        /// The model it started from.
        like: Option<String>,
    },
    /// A built-in model that config.toml changes.
    Overridden,
}

impl Origin {
    /// A short description: `built-in`, `config.toml (like qwen-image-plus)`.
    pub fn describe(&self) -> String {
        match self {
            Self::BuiltIn => "built-in".into(),
            Self::Config { like: Some(l) } => format!("config.toml (like {l})"),
            Self::Config { like: None } => "config.toml".into(),
            Self::Overridden => "built-in, changed in config.toml".into(),
        }
    }
}

/// One model and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The model.
    pub spec: Arc<ModelSpec>,
    /// Its origin.
    pub origin: Origin,
}

/// Every model qimg can use, in order: the built-ins, then the config's new ones.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalogue {
    entries: Vec<Entry>,
}

impl Catalogue {
    /// The built-in models. Parsed once; the file is tested, so a failure here is a build
    /// mistake: it is logged and gives an empty catalogue rather than a panic.
    pub fn builtin() -> &'static Catalogue {
        static BUILT: OnceLock<Catalogue> = OnceLock::new();
        BUILT.get_or_init(|| match Self::parse_builtin() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("the built-in model table does not parse: {e}");
                Catalogue::default()
            }
        })
    }

    /// The built-in models, shared.
    pub fn shared_builtin() -> Arc<Catalogue> {
        Arc::new(Self::builtin().clone())
    }

    fn parse_builtin() -> Result<Self, ModelError> {
        let files = file::parse_table(BUILTIN)?;
        let mut entries = Vec::new();
        for (id, f) in files {
            let spec = f.resolve(&id, None)?;
            entries.push(Entry {
                spec: Arc::new(spec),
                origin: Origin::BuiltIn,
            });
        }
        Ok(Self { entries })
    }

    /// The built-ins with `models` from config.toml applied: a new id is added, an existing
    /// one is changed field by field; `like` starts a new model from another.
    pub fn with_config<'a>(
        models: impl IntoIterator<Item = (&'a str, &'a ModelFile)>,
    ) -> Result<Self, ModelError> {
        let mut cat = Self::builtin().clone();
        for (id, f) in models {
            let base = match (&f.like, cat.find(id)) {
                (Some(like), _) => Some(cat.find(like).cloned().ok_or_else(|| {
                    ModelError::new(
                        id,
                        "like",
                        format!("there is no model `{like}` to start from"),
                    )
                })?),
                (None, Some(existing)) => Some(existing.clone()),
                (None, None) => None,
            };
            let origin = match (&f.like, cat.find(id).is_some()) {
                (None, true) => Origin::Overridden,
                (like, _) => Origin::Config { like: like.clone() },
            };
            let spec = Arc::new(f.resolve(id, base.as_deref())?);
            match cat.entries.iter_mut().find(|e| e.spec.id == id) {
                Some(e) => *e = Entry { spec, origin },
                None => cat.entries.push(Entry { spec, origin }),
            }
        }
        Ok(cat)
    }

    /// A model by id.
    pub fn find(&self, id: &str) -> Option<&Arc<ModelSpec>> {
        self.entries
            .iter()
            .find(|e| e.spec.id == id)
            .map(|e| &e.spec)
    }

    /// The models a wire serves, in catalogue order.
    pub fn for_wire(&self, wire: Wire) -> Vec<Arc<ModelSpec>> {
        self.entries
            .iter()
            .filter(|e| e.spec.wire == wire)
            .map(|e| Arc::clone(&e.spec))
            .collect()
    }

    /// Every entry.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests;
