//! The form and presets: the form's settings as a preset, and a preset applied to the form —
//! whole or not at all, so a preset naming a model or shape this profile does not offer changes
//! nothing and says why.

use super::ComposeForm;
use crate::domain::catalogue::Carried;
use crate::domain::preset::{Preset, PresetDraws, PresetSeed};
use crate::domain::seed::parse_seed;

impl ComposeForm {
    /// Everything the form holds but the prompt and the reference image, or why it cannot be
    /// kept (a locked seed that is not a number).
    pub fn to_preset(&self) -> Result<Preset, String> {
        let spec = self.spec().ok_or("no model is chosen")?;
        let seed = if self.seed_locked {
            let seed = parse_seed(self.seed.text()).map_err(|e| format!("Seed: {e}"))?;
            PresetSeed::Locked {
                seed,
                mode: self.seed_mode,
            }
        } else {
            PresetSeed::Random
        };
        Ok(Preset {
            model: Some(spec.id.clone()),
            aspect: spec
                .ratios()
                .get(self.shape)
                .map(|r| r.ratio.as_str().to_owned()),
            size: spec.sizes().get(self.shape).map(|s| s.wire()),
            negative: Some(self.negative.text().to_owned()),
            seed: Some(seed),
            // Only where the model takes it, so the preset never asks another model for it.
            rewrite: (spec.rewrite == Carried::Send).then_some(self.rewrite),
            count: Some(self.count),
            draws: Some(self.draws.map_or(PresetDraws::Every, PresetDraws::Random)),
        })
    }

    /// Applies `preset` (its fields that are set) to the form, or refuses it whole.
    pub fn apply_preset(&mut self, preset: &Preset) -> Result<(), String> {
        preset.check().map_err(|e| format!("{}: {e}", e.field))?;
        let model = match &preset.model {
            Some(id) => self
                .models
                .iter()
                .position(|m| &m.id == id)
                .ok_or_else(|| format!("this profile offers no model `{id}`"))?,
            None => self.model,
        };
        let spec = self.models.get(model).ok_or("no model is chosen")?;
        let shape = match (&preset.aspect, &preset.size) {
            (Some(a), _) => Some(
                spec.ratios()
                    .iter()
                    .position(|r| r.ratio.as_str() == a)
                    .ok_or_else(|| format!("{} has no aspect ratio {a}", spec.id))?,
            ),
            (None, Some(s)) => Some(
                spec.sizes()
                    .iter()
                    .position(|x| &x.wire() == s)
                    .ok_or_else(|| format!("{} has no size {s}", spec.id))?,
            ),
            (None, None) => None,
        };
        if preset.rewrite == Some(true) && spec.rewrite != Carried::Send {
            return Err(format!("{} cannot be asked to rewrite the prompt", spec.id));
        }
        if model != self.model {
            // A new model starts on its default shape unless the preset names one.
            self.model = model;
            self.shape = 0;
        }
        if let Some(shape) = shape {
            self.shape = shape;
        }
        self.apply_rest(preset);
        self.error = None;
        Ok(())
    }

    /// The fields that cannot be refused once the model and shape are known.
    fn apply_rest(&mut self, preset: &Preset) {
        if let Some(n) = &preset.negative {
            self.negative.set(n);
        }
        match preset.seed {
            Some(PresetSeed::Random) => self.seed_locked = false,
            Some(PresetSeed::Locked { seed, mode }) => {
                self.seed.set(&seed.to_string());
                (self.seed_locked, self.seed_mode) = (true, mode);
            }
            None => {}
        }
        if let Some(r) = preset.rewrite {
            self.rewrite = r;
        }
        if let Some(c) = preset.count {
            self.count = c;
        }
        match preset.draws {
            Some(PresetDraws::Every) => self.draws = None,
            Some(PresetDraws::Random(n)) => self.draws = Some(n),
            None => {}
        }
    }
}
