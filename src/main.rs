//! The qimg binary: parse the command line, run, exit with the documented code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let _ = color_eyre::install();
    let cli = qimg::cli::Cli::parse();
    std::process::ExitCode::from(qimg::cli::run(cli).code())
}
