//! The command line: global options (`--profile`, `--image-protocol`, `--theme`), the TUI when
//! no subcommand is given, and the subcommands. Messages for people go to stderr, output for
//! programs to stdout; exit codes are documented in `--help`.

pub mod args;
mod batch_ids;
mod build;
mod config_check;
mod dry_run;
mod exit;
mod follow;
pub mod generate;
mod grid;
pub mod history;
pub mod jobs;
pub mod json;
mod models;
pub mod outcome;
mod preset;
mod progress;
pub mod session;
mod sheet;
pub mod show;
mod sim;
mod spend;
mod submit;
mod tui;

use clap::{Parser, Subcommand};

use crate::config::ImageProtocolSetting;
pub use exit::ExitCode;

/// Exit codes, shown in `--help`.
pub const EXIT_HELP: &str = "Exit codes:\n  0  success\n  1  a job failed\n  2  a usage or config error\n  3  a network or auth error\n  4  ambiguous or timed out\n  128+N  ended by signal N (130 for Ctrl-C from a script)";

/// qimg: generate and edit images with Qwen models from the terminal.
#[derive(Debug, Parser)]
#[command(name = "qimg", version, about, long_about = None, after_help = EXIT_HELP)]
pub struct Cli {
    /// Profile from config.toml to use (default: default_profile, else the first with a key, else the simulator).
    #[arg(long, global = true, env = "QIMG_PROFILE")]
    pub profile: Option<String>,
    /// How previews are drawn.
    #[arg(long, global = true, value_enum, env = "QIMG_IMAGE_PROTOCOL")]
    pub image_protocol: Option<ImageProtocolSetting>,
    /// Theme: default, light, high-contrast, mono, or a file in <config_dir>/themes/.
    #[arg(long, global = true, env = "QIMG_THEME")]
    pub theme: Option<String>,
    /// What to do; without a subcommand qimg opens the terminal UI.
    #[command(subcommand)]
    pub command: Option<Commands>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Generate images; prints the job ids at once (--wait: the saved paths).
    Generate(args::GenerateArgs),
    /// Edit an image with a prompt: `edit PROMPT --image FILE` or `edit IMAGE PROMPT`.
    Edit(args::EditArgs),
    /// List jobs from the store.
    Jobs(jobs::JobsArgs),
    /// Wait for jobs to end (taking them over when no other qimg drives them).
    Wait(jobs::WaitArgs),
    /// Print an image (a job's or a file) in the terminal.
    Show(show::ShowArgs),
    /// Stream job changes from the store as JSON lines, or a status line for tmux.
    Follow(jobs::FollowArgs),
    /// List the models: what each takes, and whether it is built in or from config.toml.
    Models(models::ModelsArgs),
    /// The prompts jobs were made with, newest first (--search: fuzzy, best first).
    History(history::HistoryArgs),
    /// The presets of presets.toml (save them from the form: F6, a name, Ctrl-S).
    Presets(preset::PresetsArgs),
    /// Write a contact sheet: a batch's (or some jobs') images in one captioned PNG.
    Sheet(sheet::SheetArgs),
    /// What the jobs cost: reported credits, estimates from prices, today and this week.
    Spend(spend::SpendArgs),
    /// Run the built-in simulator (Apiframe v2 and the gateway) on 127.0.0.1.
    Sim(sim::SimArgs),
    /// Configuration commands.
    Config {
        /// What to do.
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print a shell completion script.
    Completions {
        /// bash, zsh or fish.
        shell: clap_complete::Shell,
    },
}

/// `qimg config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate config.toml and tell which keys are available (never shows them).
    Check,
}

/// Reports a failed start on stderr and returns its exit code: 2 for the config, 1 for the
/// store, 3 for the simulator.
pub(crate) fn boot_failed(e: &crate::services::BootError) -> ExitCode {
    eprintln!("qimg: {e}");
    match e {
        crate::services::BootError::Config(_) => ExitCode::Usage,
        crate::services::BootError::Store(_) => ExitCode::JobFailed,
        crate::services::BootError::Simulator(_) => ExitCode::Network,
    }
}

/// Runs qimg with parsed arguments and returns the process exit code.
pub fn run(mut cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qimg: cannot start: {e}");
            return ExitCode::Network;
        }
    };
    let code = match cli.command.take() {
        Some(Commands::Sim(args)) => runtime.block_on(sim::run(args)),
        Some(Commands::Generate(args)) => runtime.block_on(generate::generate(&cli, args)),
        Some(Commands::Edit(args)) => runtime.block_on(generate::edit(&cli, args)),
        Some(Commands::Jobs(args)) => jobs::jobs(&cli, args),
        Some(Commands::Wait(args)) => runtime.block_on(jobs::wait(&cli, args)),
        Some(Commands::Follow(args)) => runtime.block_on(jobs::follow(&cli, args)),
        Some(Commands::Show(args)) => show::show(&cli, args),
        Some(Commands::Models(args)) => models::models(&args),
        Some(Commands::History(args)) => history::history(&cli, &args),
        Some(Commands::Presets(args)) => preset::list(&args),
        Some(Commands::Sheet(args)) => sheet::sheet(&cli, &args),
        Some(Commands::Spend(args)) => spend::spend(&cli, &args),
        Some(Commands::Config {
            command: ConfigCommand::Check,
        }) => config_check::check(&cli),
        Some(Commands::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "qimg", &mut std::io::stdout());
            ExitCode::Success
        }
        None => tui::run(&runtime, &cli),
    };
    // Blocking helpers (SQLite writes) finish; nothing hangs on exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    code
}
