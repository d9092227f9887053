//! The arguments of `qimg generate` and `qimg edit`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Deserialize;

/// How a seed is used over several jobs (`--seed-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedModeArg {
    /// A new seed per job, drawn by qimg and sent (the default without --seed).
    Random,
    /// The same seed for every job: identical paid requests.
    Fixed,
    /// Seed, seed+1, seed+2, … (the default with --seed).
    Increment,
}

impl SeedModeArg {
    /// The name as typed.
    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Fixed => "fixed",
            Self::Increment => "increment",
        }
    }
}

/// Options shared by `generate` and `edit`.
#[derive(Debug, Args, Clone, Default)]
pub struct JobArgs {
    /// Model (default: the profile's model; for `edit`, the profile's first edit model).
    #[arg(long)]
    pub model: Option<String>,
    /// Aspect ratio for Apiframe models: 1:1 2:3 3:2 3:4 4:3 9:16 16:9 21:9 2:1 1:2.
    #[arg(long)]
    pub aspect: Option<String>,
    /// Size for gateway models, such as 1328*1328 (1328x1328 works too).
    #[arg(long)]
    pub size: Option<String>,
    /// Seed (within the model's range, 0–2147483647 for the built-ins); without it qimg draws
    /// one per job. With --count above 1 the jobs get seed, seed+1, … unless --seed-mode fixed.
    #[arg(long)]
    pub seed: Option<String>,
    /// How the seed is used over several jobs: random, fixed (identical paid requests) or
    /// increment.
    #[arg(long, value_enum)]
    pub seed_mode: Option<SeedModeArg>,
    /// Let the provider rewrite the prompt (prompt_extend); qimg sends it off otherwise.
    #[arg(long, visible_alias = "prompt-extend", conflicts_with = "no_rewrite")]
    pub rewrite: bool,
    /// Ask explicitly for no rewrite (refused by a model whose wire cannot say so).
    #[arg(long, visible_alias = "no-prompt-extend")]
    pub no_rewrite: bool,
    /// Negative prompt.
    #[arg(long)]
    pub negative: Option<String>,
    /// Reference or input image: a file or an https URL (repeat for several).
    #[arg(long = "image")]
    pub images: Vec<String>,
    /// How many jobs (1–8 per prompt; 1 unless a preset says otherwise).
    #[arg(long)]
    pub count: Option<u8>,
    /// Take the flags not given from this preset of presets.toml (`qimg presets` lists them).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// A template prompt (`{a|b}`, `__wildcard__`) makes N random draws, each from its job's
    /// seed, instead of every combination.
    #[arg(long, value_name = "N")]
    pub draws: Option<u16>,
    /// Print the jobs this would send, with their parameters and estimated cost; send nothing,
    /// store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send a submit estimated above the profile's `budget.confirm_above` (or the config's
    /// `confirm_cost_above`) without being asked.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Wait until every job ends and print the saved paths.
    #[arg(long)]
    pub wait: bool,
    /// Print one JSON object per job (see README for the schema).
    #[arg(long)]
    pub json: bool,
    /// Show each finished image in the terminal (with --wait).
    #[arg(long)]
    pub show: bool,
    /// Give up waiting after this many seconds (exit code 4).
    #[arg(long)]
    pub timeout: Option<u64>,
}

impl JobArgs {
    /// The rewrite asked for: `None` leaves qimg's default (off, sent where the model takes it).
    pub fn rewrite(&self) -> Option<bool> {
        match (self.rewrite, self.no_rewrite) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        }
    }
}

/// `qimg generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The prompt; `-` reads it from stdin. Not needed with --batch.
    pub prompt: Option<String>,
    /// One prompt per line, or JSONL objects with parameters per line; `-` for stdin.
    #[arg(long)]
    pub batch: Option<PathBuf>,
    /// A grid run: one job per cell of up to two axes (seed=1,2,3 | seed=random:N | prompt |
    /// model=a,b | aspect=1:1,16:9 | size=W*H,…), the rest held constant.
    #[arg(long, value_name = "AXIS")]
    pub grid: Vec<String>,
    #[command(flatten)]
    pub job: JobArgs,
}

/// `qimg edit PROMPT --image FILE`, or `qimg edit IMAGE PROMPT`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// What to change (`-` reads it from stdin), with the image given by --image; or the
    /// image to edit followed by the prompt.
    #[arg(value_name = "[IMAGE] PROMPT", num_args = 1..=2, required = true)]
    pub words: Vec<String>,
    #[command(flatten)]
    pub job: JobArgs,
}

impl EditArgs {
    /// The prompt and the images: `IMAGE PROMPT` puts that image first, before any --image.
    pub fn prompt_and_images(&self) -> Result<(String, Vec<String>), String> {
        match self.words.as_slice() {
            [image, prompt] => {
                let mut images = vec![image.clone()];
                images.extend(self.job.images.iter().cloned());
                Ok((prompt.clone(), images))
            }
            [prompt] if !self.job.images.is_empty() => Ok((prompt.clone(), self.job.images.clone())),
            [_] => Err("give the image to edit: `qimg edit PROMPT --image FILE` (or `qimg edit IMAGE PROMPT`)".into()),
            _ => Err("give a prompt".into()),
        }
    }
}
