//! Presets on the command line: `--preset NAME` fills the flags that were not given from a
//! preset of `presets.toml` (flags win), and `qimg presets` lists them.

use std::io::Write;
use std::path::Path;

use clap::Args;

use super::ExitCode;
use super::args::{JobArgs, SeedModeArg};
use crate::domain::draft::SeedMode;
use crate::domain::preset::{Preset, PresetDraws, PresetSeed};
use crate::sanitize::sanitize_line;

/// `qimg presets`.
#[derive(Debug, Args)]
pub struct PresetsArgs {
    /// One JSON object per preset: name and the settings it holds.
    #[arg(long)]
    pub json: bool,
}

/// The flags with `--preset`'s settings under them, or why the preset cannot be used (a
/// malformed file with its line and column, an unknown name).
pub fn resolve(a: &JobArgs, file: &Path) -> Result<JobArgs, String> {
    let Some(name) = &a.preset else {
        return Ok(a.clone());
    };
    let presets = crate::config::presets::load(file).map_err(|e| e.to_string())?;
    let Some(p) = presets.entries.get(name) else {
        let known: Vec<&str> = presets.entries.keys().map(String::as_str).collect();
        return Err(match known.is_empty() {
            true => format!("--preset: {} holds no presets", file.display()),
            false => format!(
                "--preset: no preset named `{}`; {} has {}",
                sanitize_line(name),
                file.display(),
                known.join(", ")
            ),
        });
    };
    Ok(under(a, p))
}

/// `a` with `p` filling what `a` leaves unset.
fn under(a: &JobArgs, p: &Preset) -> JobArgs {
    let mut out = a.clone();
    out.model = a.model.clone().or_else(|| p.model.clone());
    if a.aspect.is_none() && a.size.is_none() {
        out.aspect.clone_from(&p.aspect);
        out.size.clone_from(&p.size);
    }
    out.negative = a.negative.clone().or_else(|| p.negative.clone());
    (out.seed, out.seed_mode) = seed_under(a, p.seed);
    if a.rewrite().is_none() {
        out.rewrite = p.rewrite == Some(true);
        out.no_rewrite = p.rewrite == Some(false);
    }
    out.count = a.count.or(p.count);
    if a.draws.is_none()
        && let Some(PresetDraws::Random(n)) = p.draws
    {
        out.draws = Some(n);
    }
    out
}

/// The seed and seed mode: each flag given wins, and the preset fills the other half — a
/// `--seed` keeps the preset's mode, a `--seed-mode` takes the preset's seed — unless the
/// flags ask for random seeds.
fn seed_under(a: &JobArgs, p: Option<PresetSeed>) -> (Option<String>, Option<SeedModeArg>) {
    let (seed, mode) = match p {
        Some(PresetSeed::Random) => (None, Some(SeedModeArg::Random)),
        Some(PresetSeed::Locked { seed, mode }) => (
            Some(seed.to_string()),
            Some(match mode {
                SeedMode::Fixed => SeedModeArg::Fixed,
                SeedMode::Increment => SeedModeArg::Increment,
            }),
        ),
        None => (None, None),
    };
    match (&a.seed, a.seed_mode) {
        (None, None) => (seed, mode),
        (Some(s), None) => {
            // A seed typed over a random preset counts up, as `--seed` alone does.
            let mode = mode.filter(|m| *m != SeedModeArg::Random);
            (Some(s.clone()), mode)
        }
        (None, Some(SeedModeArg::Random)) => (None, Some(SeedModeArg::Random)),
        (None, Some(m)) => (seed, Some(m)),
        (Some(s), Some(m)) => (Some(s.clone()), Some(m)),
    }
}

/// Runs `presets`.
pub fn list(a: &PresetsArgs) -> ExitCode {
    let (paths, _) = match crate::services::load_config() {
        Ok(v) => v,
        Err(e) => return super::boot_failed(&e),
    };
    let file = paths.presets_file();
    let presets = match crate::config::presets::load(&file) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::Usage;
        }
    };
    if presets.entries.is_empty() && !a.json {
        eprintln!(
            "qimg: no presets in {} (save one from the form with F6, then Ctrl-S)",
            file.display()
        );
    }
    let mut out = std::io::stdout().lock();
    for (name, p) in &presets.entries {
        // Name and summary are sanitised apart: the tab between them is for `cut -f1`.
        let line = if a.json {
            sanitize_line(&json(name, p).to_string()).into_owned()
        } else {
            format!("{}\t{}", sanitize_line(name), sanitize_line(&p.summary()))
        };
        let _ = writeln!(out, "{line}");
    }
    ExitCode::Success
}

fn json(name: &str, p: &Preset) -> serde_json::Value {
    let (seed_mode, seed) = match p.seed {
        Some(PresetSeed::Random) => (Some("random"), None),
        Some(PresetSeed::Locked { seed, mode }) => (
            Some(if mode == SeedMode::Fixed {
                "fixed"
            } else {
                "increment"
            }),
            Some(seed),
        ),
        None => (None, None),
    };
    let draws = match p.draws {
        Some(PresetDraws::Every) => serde_json::json!("all"),
        Some(PresetDraws::Random(n)) => serde_json::json!(n),
        None => serde_json::Value::Null,
    };
    serde_json::json!({
        "name": name,
        "model": p.model,
        "aspect": p.aspect,
        "size": p.size,
        "negative": p.negative,
        "seed_mode": seed_mode,
        "seed": seed,
        "rewrite": p.rewrite,
        "count": p.count,
        "draws": draws,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked(seed: u32, mode: SeedMode) -> Option<PresetSeed> {
        Some(PresetSeed::Locked { seed, mode })
    }

    #[test]
    fn each_seed_flag_wins_and_the_preset_fills_the_other_half() {
        let args = |seed: Option<&str>, mode| JobArgs {
            seed: seed.map(str::to_owned),
            seed_mode: mode,
            ..JobArgs::default()
        };
        let fixed7 = locked(7, SeedMode::Fixed);
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            seed_under(&args(None, None), fixed7),
            (s("7"), Some(SeedModeArg::Fixed))
        );
        assert_eq!(
            seed_under(&args(Some("9"), None), fixed7),
            (s("9"), Some(SeedModeArg::Fixed)),
            "--seed keeps the preset's mode"
        );
        assert_eq!(
            seed_under(&args(None, Some(SeedModeArg::Increment)), fixed7),
            (s("7"), Some(SeedModeArg::Increment)),
            "--seed-mode takes the preset's seed"
        );
        assert_eq!(
            seed_under(&args(None, Some(SeedModeArg::Random)), fixed7),
            (None, Some(SeedModeArg::Random))
        );
        assert_eq!(
            seed_under(&args(Some("9"), None), Some(PresetSeed::Random)),
            (s("9"), None)
        );
    }
}
