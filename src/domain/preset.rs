//! A preset: a named set of form settings (model, shape, negative prompt, seed mode, rewrite,
//! count, template mode) that the TUI and `--preset` apply. Plain data with its range checks; the
//! file that holds presets is the config layer's.

use super::draft::{COUNT_MAX, SeedMode};
use super::seed::SEED_MAX;
use super::template::MAX_PROMPTS;

/// The seed a preset asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresetSeed {
    /// A new seed per job.
    Random,
    /// This seed, used as `mode` says over a count.
    Locked {
        /// The seed.
        seed: u32,
        /// Seed, seed+1, … or the same seed for every job.
        mode: SeedMode,
    },
}

/// A template prompt's mode as a preset keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresetDraws {
    /// Every combination of the template.
    Every,
    /// This many random draws.
    Random(u16),
}

/// Named form settings. A field left out (`None`) leaves the form or the flag as it is, so a
/// hand-written preset may hold only what it is about; one saved from the form holds all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preset {
    /// The model id.
    pub model: Option<String>,
    /// An Apiframe aspect ratio such as `16:9`.
    pub aspect: Option<String>,
    /// A gateway size `W*H`.
    pub size: Option<String>,
    /// The negative prompt (`""` clears it).
    pub negative: Option<String>,
    /// The seed mode.
    pub seed: Option<PresetSeed>,
    /// The provider's prompt rewrite.
    pub rewrite: Option<bool>,
    /// Jobs per submit.
    pub count: Option<u8>,
    /// A template's mode.
    pub draws: Option<PresetDraws>,
}

/// A value a preset cannot hold, with the field it is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PresetError {
    /// The field (`count`, `seed`, …).
    pub field: &'static str,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Preset {
    /// Checks the ranges the form and the CLI would refuse later, so a bad preset is refused
    /// when it is read, naming its field.
    pub fn check(&self) -> Result<(), PresetError> {
        let bad = |field, message: String| Err(PresetError { field, message });
        if self.aspect.is_some() && self.size.is_some() {
            return bad("size", "give aspect or size, not both".into());
        }
        if let Some(c) = self.count
            && !(1..=COUNT_MAX).contains(&c)
        {
            return bad("count", format!("count must be between 1 and {COUNT_MAX}"));
        }
        if let Some(PresetSeed::Locked { seed, .. }) = self.seed
            && seed > SEED_MAX
        {
            return bad("seed", format!("the seed must be from 0 to {SEED_MAX}"));
        }
        if let Some(PresetDraws::Random(n)) = self.draws
            && !(1..=MAX_PROMPTS).contains(&u64::from(n))
        {
            let message = format!("draws must be \"all\" or between 1 and {MAX_PROMPTS}");
            return bad("draws", message);
        }
        Ok(())
    }

    /// What the preset sets, in a line: "qwen-image-2 · 16:9 · 3 jobs · seed 42 fixed · …"
    /// (not sanitised: the negative prompt is the user's text).
    pub fn summary(&self) -> String {
        let p = self;
        let mut parts: Vec<String> = Vec::new();
        parts.extend(p.model.clone());
        parts.extend(p.aspect.clone().or_else(|| p.size.clone()));
        if let Some(c) = p.count {
            parts.push(format!("{c} job{}", if c == 1 { "" } else { "s" }));
        }
        match p.seed {
            Some(PresetSeed::Random) => parts.push("random seed".into()),
            Some(PresetSeed::Locked { seed, mode }) => {
                let fixed = if mode == SeedMode::Fixed {
                    " fixed"
                } else {
                    ""
                };
                parts.push(format!("seed {seed}{fixed}"));
            }
            None => {}
        }
        match p.rewrite {
            Some(true) => parts.push("rewrite on".into()),
            Some(false) => parts.push("rewrite off".into()),
            None => {}
        }
        match p.draws {
            Some(PresetDraws::Random(n)) => parts.push(format!("{n} random draws")),
            Some(PresetDraws::Every) => parts.push("every combination".into()),
            None => {}
        }
        match p.negative.as_deref() {
            Some("") | None => {}
            Some(n) => parts.push(format!("not: {n}")),
        }
        parts.join(" · ")
    }
}

/// A preset name: what a TOML table name and a popup row can carry without surprise.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= 40
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
        && name.trim() == name;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a preset name: use up to 40 letters, digits, spaces, `-`, `_` or `.`",
            crate::sanitize::sanitize_line(name)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_with_the_field_named() {
        let p = Preset {
            count: Some(9),
            ..Preset::default()
        };
        assert_eq!(p.check().unwrap_err().field, "count");
        let p = Preset {
            draws: Some(PresetDraws::Random(0)),
            ..Preset::default()
        };
        assert_eq!(p.check().unwrap_err().field, "draws");
        let p = Preset {
            aspect: Some("1:1".into()),
            size: Some("1024*1024".into()),
            ..Preset::default()
        };
        assert_eq!(p.check().unwrap_err().field, "size");
        let p = Preset {
            seed: Some(PresetSeed::Locked {
                seed: SEED_MAX + 1,
                mode: SeedMode::Fixed,
            }),
            ..Preset::default()
        };
        assert_eq!(p.check().unwrap_err().field, "seed");
        assert!(Preset::default().check().is_ok());
    }

    #[test]
    fn names_are_plain() {
        assert!(check_name("wide night").is_ok());
        assert!(check_name("v2.pro_sq-1").is_ok());
        for bad in ["", " lead", "a\u{1b}[2J", "a]b", &"x".repeat(41)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
