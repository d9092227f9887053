//! The arguments of `qimg generate` and `qimg edit`.

use std::path::PathBuf;

use clap::Args;

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
    /// Seed (0–2147483647); without it every job gets its own.
    #[arg(long)]
    pub seed: Option<String>,
    /// Negative prompt.
    #[arg(long)]
    pub negative: Option<String>,
    /// Reference or input image: a file or an https URL (repeat for several).
    #[arg(long = "image")]
    pub images: Vec<String>,
    /// How many jobs (1–8 per prompt).
    #[arg(long, default_value_t = 1)]
    pub count: u8,
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

/// `qimg generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The prompt; `-` reads it from stdin. Not needed with --batch.
    pub prompt: Option<String>,
    /// One prompt per line, or JSONL objects with parameters per line; `-` for stdin.
    #[arg(long)]
    pub batch: Option<PathBuf>,
    #[command(flatten)]
    pub job: JobArgs,
}

/// `qimg edit IMAGE PROMPT`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The image to edit (a file, or an https URL for Apiframe).
    pub image: String,
    /// What to change; `-` reads it from stdin.
    pub prompt: String,
    #[command(flatten)]
    pub job: JobArgs,
}
