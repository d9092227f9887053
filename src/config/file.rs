//! The shape of `config.toml` exactly as written on disk. Validation that needs
//! more than serde (loopback-only http, key file permissions) happens in `profile.rs`.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// The whole `config.toml`. Unknown keys are errors, so typos fail loudly with a line number.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when neither `--profile` nor `QIMG_PROFILE` is given.
    pub default_profile: Option<Spanned<String>>,
    /// Theme name: a built-in or `<config_dir>/themes/<name>.toml`.
    pub theme: Option<Spanned<String>>,
    /// `auto`, `kitty`, `sixel`, `iterm2`, `halfblocks` or `off`.
    pub image_protocol: Option<Spanned<String>>,
    /// Mouse clicks in the job list and the gallery (off by default: it takes over the
    /// terminal's own text selection).
    pub mouse: Option<bool>,
    /// When a job or batch that ends is told: `off`, `unfocused` (default) or `always`.
    pub notify: Option<crate::domain::notify::NotifyMode>,
    /// Ring the bell with each notification (tmux then marks the window).
    pub bell: Option<bool>,
    /// A command run (`sh -c`) with the job's or batch's JSON on stdin when a notification is
    /// due; it gets no key in its environment and 10 s.
    pub notify_cmd: Option<String>,
    /// A submit of more jobs than this asks first (default 10).
    pub confirm_jobs_above: Option<u32>,
    /// A submit estimated above this many credits (or the profile's unit) asks first.
    pub confirm_cost_above: Option<Spanned<f64>>,
    /// Key binding overrides: mode name → key → action name.
    #[serde(default)]
    pub keybindings: IndexMap<String, IndexMap<String, Spanned<String>>>,
    /// Profiles in file order (the order matters for the default-profile rule).
    #[serde(default)]
    pub profiles: IndexMap<String, ProfileFile>,
    /// Models to add to the catalogue or to change in it.
    #[serde(default)]
    pub models: IndexMap<String, Spanned<crate::domain::catalogue::ModelFile>>,
}

/// One `[profiles.<name>]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// `apiframe`, `openai` or `sim`.
    pub provider: Spanned<ProviderKindFile>,
    /// API origin; defaults to Apiframe's for `apiframe`, required for `openai`.
    pub base_url: Option<Spanned<String>>,
    /// Name of an environment variable holding the key.
    pub api_key_env: Option<Spanned<String>>,
    /// A command whose standard output is the key, such as `pass show apiframe`.
    pub api_key_cmd: Option<Spanned<String>>,
    /// A literal key; accepted only when the file is readable by its owner alone.
    pub api_key: Option<Spanned<String>>,
    /// Default model for the compose form.
    pub model: Option<Spanned<String>>,
    /// Where images are saved; defaults to `<data_dir>/images`.
    pub output_dir: Option<Spanned<String>>,
    /// Apiframe params block key to try first (`qwenImage2Params` or `qwenParams`).
    pub params_key: Option<Spanned<String>>,
    /// At most this many jobs of this profile run at once (default 4).
    pub max_concurrent: Option<Spanned<u32>>,
    /// Seconds one synchronous gateway request may take (default: per model, 180 s for qwen
    /// and 360 s for wan).
    pub timeout_secs: Option<Spanned<u64>>,
    /// Seconds a simulated job takes (`sim` profiles only; default 4).
    pub sim_job_seconds: Option<Spanned<f64>>,
    /// Let the provider watermark images (default false; sent where the wire carries it).
    pub watermark: Option<bool>,
    /// Seconds an Apiframe submit with no clear answer is sent again (default 900).
    pub retry_budget_secs: Option<Spanned<u64>>,
    /// What one image costs on this profile (over the catalogue's price), in `price_unit`.
    pub price_per_image: Option<Spanned<f64>>,
    /// The unit of `price_per_image` and of the budget: `credits` (default) or a currency.
    pub price_unit: Option<Spanned<String>>,
    /// Caps on what this profile spends.
    pub budget: Option<BudgetFile>,
}

/// A profile's `budget = { daily = …, monthly = …, confirm_above = … }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetFile {
    /// At most this much per local day.
    pub daily: Option<Spanned<f64>>,
    /// At most this much per calendar month.
    pub monthly: Option<Spanned<f64>>,
    /// One submit estimated above this asks first.
    pub confirm_above: Option<Spanned<f64>>,
}

/// The provider kinds a profile can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKindFile {
    /// Apiframe v2.
    Apiframe,
    /// An OpenAI-compatible gateway.
    Openai,
    /// qimg's built-in simulator.
    Sim,
}
