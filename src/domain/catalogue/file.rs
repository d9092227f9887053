//! A model as written in `models.toml` or under `[models."<id>"]` in config.toml, and how it
//! becomes a `ModelSpec`: every field is checked, and a field left out comes from the model it
//! starts from (`like`, or the built-in of the same id).

use indexmap::IndexMap;
use serde::Deserialize;

use super::{
    Carried, FreeSize, ImageLimits, ModelSpec, NegativeIn, Price, RatioSize, ShapeSpec, SizePreset,
};
use crate::domain::models::{AspectRatio, Task, Wire};

/// Reference images as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesFile {
    /// Fewest images.
    pub min: usize,
    /// Most images.
    pub max: usize,
    /// Shortest side.
    pub min_side: u32,
    /// Longest side.
    pub max_side: u32,
    /// Largest file.
    pub max_bytes: u64,
}

/// A price as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceFile {
    /// Per image.
    pub per_image: f64,
    /// Its unit (default `credits`).
    pub unit: Option<String>,
}

/// One model as written; every field may be left out when the model starts from another.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// The model this one starts from.
    pub like: Option<String>,
    /// A name for people.
    pub label: Option<String>,
    /// `apiframe` or `openai`.
    pub wire: Option<String>,
    /// `generate`, `edit` or `both`.
    pub kind: Option<String>,
    /// Longest prompt.
    pub prompt_max: Option<usize>,
    /// Apiframe ratios, `"W:H=WIDTH*HEIGHT"`.
    pub ratios: Option<Vec<String>>,
    /// Sizes `"W*H"`.
    pub sizes: Option<Vec<String>>,
    /// Free sizes within limits.
    pub free: Option<FreeFile>,
    /// Longest negative prompt; `0` takes none.
    pub negative_max: Option<usize>,
    /// `parameters` or `input`.
    pub negative_in: Option<String>,
    /// `[least, largest]`; `[]` carries no seed.
    pub seed: Option<Vec<u32>>,
    /// `[least, most]`.
    pub n: Option<Vec<u32>>,
    /// `send`, `provider` or `none`.
    pub rewrite: Option<String>,
    /// `send`, `provider` or `none`.
    pub watermark: Option<String>,
    /// Reference images.
    pub images: Option<ImagesFile>,
    /// Request timeout in seconds.
    pub timeout_secs: Option<u64>,
    /// Price per image.
    pub price: Option<PriceFile>,
}

/// Free-size limits as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeFile {
    /// Shortest side.
    pub min_side: u32,
    /// Longest side.
    pub max_side: u32,
    /// Fewest pixels.
    pub min_pixels: u64,
    /// Most pixels.
    pub max_pixels: u64,
}

/// A model definition that cannot be used: which model, which field, why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("model `{model}`, field `{field}`: {message}")]
pub struct ModelError {
    /// The model id.
    pub model: String,
    /// The field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl ModelError {
    /// An error about `field` of `model`.
    pub fn new(model: &str, field: &str, message: impl Into<String>) -> Self {
        Self {
            model: model.to_owned(),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// A `[models."<id>"]` table of TOML text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    models: IndexMap<String, ModelFile>,
}

/// Parses a models file (`[models."<id>"]` tables) in order.
pub fn parse_table(text: &str) -> Result<IndexMap<String, ModelFile>, ModelError> {
    toml::from_str::<TableFile>(text)
        .map(|t| t.models)
        .map_err(|e| ModelError::new("?", "?", e.message().to_owned()))
}

fn parse_size(model: &str, field: &str, s: &str) -> Result<(u32, u32), ModelError> {
    let bad = || {
        ModelError::new(
            model,
            field,
            format!("`{s}` is not a size like \"1328*1328\""),
        )
    };
    let (w, h) = s.trim().split_once(['*', 'x']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 || w > 16_384 || h > 16_384 {
        return Err(bad());
    }
    Ok((w, h))
}

const WIRES: &[(&str, Wire)] = &[("apiframe", Wire::Apiframe), ("openai", Wire::OpenAi)];
const TASKS: &[(&str, Task)] = &[
    ("generate", Task::Generate),
    ("edit", Task::Edit),
    ("both", Task::Both),
];
const PLACES: &[(&str, NegativeIn)] = &[
    ("parameters", NegativeIn::Parameters),
    ("input", NegativeIn::Input),
];
const CARRIED: &[(&str, Carried)] = &[
    ("send", Carried::Send),
    ("provider", Carried::Provider),
    ("none", Carried::None),
];

/// Reads the named choices of one model's fields.
struct Picker<'a>(&'a str);

impl Picker<'_> {
    /// `value` as one of `options` (by name), else what `inherited` says; an unknown name is
    /// an error that lists the names.
    fn pick<T: Copy>(
        &self,
        field: &str,
        value: &Option<String>,
        options: &[(&str, T)],
        inherited: Option<T>,
    ) -> Result<Option<T>, ModelError> {
        let Some(v) = value.as_deref() else {
            return Ok(inherited);
        };
        options
            .iter()
            .find(|(name, _)| *name == v)
            .map(|(_, t)| Some(*t))
            .ok_or_else(|| {
                let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                let message = format!("`{v}` is not one of {}", names.join(", "));
                ModelError::new(self.0, field, message)
            })
    }
}

fn range(model: &str, field: &str, v: &[u32]) -> Result<Option<(u32, u32)>, ModelError> {
    match v {
        [] => Ok(None),
        [lo, hi] if lo <= hi => Ok(Some((*lo, *hi))),
        _ => Err(ModelError::new(
            model,
            field,
            "give [least, largest], or [] for none",
        )),
    }
}

impl ModelFile {
    /// The model `id` this file describes, with the fields it leaves out taken from `base`.
    pub fn resolve(&self, id: &str, base: Option<&ModelSpec>) -> Result<ModelSpec, ModelError> {
        let need = |field: &str| {
            ModelError::new(id, field, "required (or start from a model with `like`)")
        };
        let c = Picker(id);
        let wire = c
            .pick("wire", &self.wire, WIRES, base.map(|b| b.wire))?
            .ok_or_else(|| need("wire"))?;
        let task = c
            .pick("kind", &self.kind, TASKS, base.map(|b| b.task))?
            .ok_or_else(|| need("kind"))?;
        let negative_in = c.pick(
            "negative_in",
            &self.negative_in,
            PLACES,
            base.map(|b| b.negative_in),
        )?;
        let rewrite = c.pick("rewrite", &self.rewrite, CARRIED, base.map(|b| b.rewrite))?;
        let watermark = c.pick(
            "watermark",
            &self.watermark,
            CARRIED,
            base.map(|b| b.watermark),
        )?;
        let spec = ModelSpec {
            id: id.to_owned(),
            label: self
                .label
                .clone()
                .or_else(|| base.map(|b| b.label.clone()))
                .unwrap_or_else(|| id.to_owned()),
            wire,
            task,
            prompt_max: self
                .prompt_max
                .or(base.map(|b| b.prompt_max))
                .ok_or_else(|| need("prompt_max"))?,
            shape: self.shape(id, base)?,
            negative_max: match self.negative_max {
                Some(0) => None,
                Some(n) => Some(n),
                None => base.and_then(|b| b.negative_max),
            },
            negative_in: negative_in.unwrap_or(NegativeIn::Parameters),
            seed: match &self.seed {
                Some(v) => range(id, "seed", v)?,
                None => base.and_then(|b| b.seed),
            },
            n: match &self.n {
                Some(v) => range(id, "n", v)?
                    .ok_or_else(|| ModelError::new(id, "n", "give [least, most]"))?,
                None => base.map_or((1, 1), |b| b.n),
            },
            rewrite: rewrite.unwrap_or(Carried::None),
            watermark: watermark.unwrap_or(Carried::None),
            images: self.images(id, base, task)?,
            timeout_secs: self
                .timeout_secs
                .or(base.map(|b| b.timeout_secs))
                .unwrap_or(180),
            price: self.price(id, base)?,
        };
        super::check::check(&spec)?;
        Ok(spec)
    }

    fn price(&self, id: &str, base: Option<&ModelSpec>) -> Result<Option<Price>, ModelError> {
        match &self.price {
            Some(p) if p.per_image.is_finite() && p.per_image >= 0.0 => Ok(Some(Price {
                per_image: p.per_image,
                unit: p.unit.clone().unwrap_or_else(|| "credits".into()),
            })),
            Some(_) => Err(ModelError::new(
                id,
                "price",
                "per_image must be a number of at least 0",
            )),
            None => Ok(base.and_then(|b| b.price.clone())),
        }
    }

    fn shape(&self, id: &str, base: Option<&ModelSpec>) -> Result<ShapeSpec, ModelError> {
        let sizes = |list: &[String]| {
            list.iter()
                .map(|s| parse_size(id, "sizes", s).map(|(w, h)| SizePreset::new(w, h)))
                .collect::<Result<Vec<_>, _>>()
        };
        if let Some(ratios) = &self.ratios {
            let parsed = ratios
                .iter()
                .map(|r| {
                    let bad = || {
                        ModelError::new(
                            id,
                            "ratios",
                            format!("`{r}` is not like \"16:9=1280*720\""),
                        )
                    };
                    let (ratio, size) = r.split_once('=').ok_or_else(bad)?;
                    let ratio = AspectRatio::parse(ratio).ok_or_else(bad)?;
                    let (width, height) = parse_size(id, "ratios", size)?;
                    Ok(RatioSize {
                        ratio,
                        width,
                        height,
                    })
                })
                .collect::<Result<Vec<_>, ModelError>>()?;
            return Ok(ShapeSpec::Ratios(parsed));
        }
        match (&self.sizes, &self.free) {
            (_, Some(f)) => Ok(ShapeSpec::Free {
                presets: sizes(self.sizes.as_deref().unwrap_or(&[]))?,
                limits: FreeSize {
                    min_side: f.min_side,
                    max_side: f.max_side,
                    min_pixels: f.min_pixels,
                    max_pixels: f.max_pixels,
                },
            }),
            (Some(s), None) if s.is_empty() => Ok(ShapeSpec::None),
            (Some(s), None) => Ok(ShapeSpec::Sizes(sizes(s)?)),
            (None, None) => Ok(base.map_or(ShapeSpec::None, |b| b.shape.clone())),
        }
    }

    fn images(
        &self,
        id: &str,
        base: Option<&ModelSpec>,
        task: Task,
    ) -> Result<ImageLimits, ModelError> {
        let limits = match (&self.images, base) {
            (Some(i), _) => ImageLimits {
                min: i.min,
                max: i.max,
                min_side: i.min_side,
                max_side: i.max_side,
                max_bytes: i.max_bytes,
            },
            (None, Some(b)) => b.images,
            (None, None) => ImageLimits {
                min: 0,
                max: 0,
                min_side: 0,
                max_side: 0,
                max_bytes: 0,
            },
        };
        if task == Task::Edit && limits.min == 0 {
            return Err(ModelError::new(
                id,
                "images",
                "an edit model needs at least one image (min ≥ 1)",
            ));
        }
        Ok(limits)
    }
}
