//! Starting the terminal UI from the command line: the services, then the TUI. Refuses
//! politely when there is no terminal.

use std::io::IsTerminal;

use super::{Cli, ExitCode};
use crate::app::{Ended, Look};
use crate::services::Services;

/// Opens the TUI.
pub fn run(runtime: &tokio::runtime::Runtime, cli: &Cli) -> ExitCode {
    let mut services = match Services::open(cli.profile.as_deref(), true) {
        Ok(s) => s,
        Err(e) => return super::boot_failed(&e),
    };
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!(
            "qimg: the terminal UI needs a terminal; for scripts use a subcommand (see qimg --help)"
        );
        return ExitCode::Usage;
    }
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        eprintln!(
            "qimg: TERM=dumb cannot show the terminal UI; use a subcommand (see qimg --help)"
        );
        return ExitCode::Usage;
    }
    let look = Look {
        theme: cli
            .theme
            .clone()
            .unwrap_or_else(|| services.config.theme.clone()),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        image_protocol: cli.image_protocol.unwrap_or(services.config.image_protocol),
    };
    runtime.block_on(async move {
        if let Err(e) = services.start_simulator(true).await {
            // The other profiles still work; the simulator's jobs say why they cannot run.
            eprintln!("qimg: {e}");
        }
        let result = crate::app::start(&services, look).await;
        services.stop().await;
        match result {
            Ok(Ended::Quit) => ExitCode::Success,
            Ok(Ended::Signal(n)) => ExitCode::Signal(u8::try_from(n).unwrap_or(0)),
            Err(e) => {
                eprintln!("qimg: terminal error: {e}");
                ExitCode::JobFailed
            }
        }
    })
}
