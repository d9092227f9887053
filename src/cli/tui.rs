//! Starting the terminal UI: config, profile, theme, keymap, store, the in-process simulator,
//! then the loop. Refuses politely when there is no terminal.

use std::io::IsTerminal;
use std::time::Duration;

use super::{Cli, ExitCode};
use crate::api::EngineConfig;
use crate::app::{TuiOptions, run_tui};
use crate::config::keymap::Keymap;
use crate::config::theme::Theme;
use crate::config::{Config, Paths, ProviderKind};
use crate::sim::{SimConfig, SimServer};
use crate::state::{ComposeForm, ProfileView, State};
use crate::store::Store;
use crate::store::open::open_robust;

/// Loads the paths and the config, reporting errors the documented way (exit 2).
pub fn load_config() -> Result<(Paths, Config), ExitCode> {
    let paths = Paths::from_env().map_err(|e| {
        eprintln!("qimg: {e}");
        ExitCode::Usage
    })?;
    let config = Config::load(&paths).map_err(|e| {
        eprintln!("qimg: {e}");
        ExitCode::Usage
    })?;
    Ok((paths, config))
}

/// Opens the TUI.
pub fn run(runtime: &tokio::runtime::Runtime, cli: &Cli) -> ExitCode {
    let (paths, config) = match load_config() {
        Ok(v) => v,
        Err(code) => return code,
    };
    let _log = crate::logging::init(&paths.logs_dir());
    let profile = match config.pick_profile(cli.profile.as_deref(), None) {
        Ok(p) => p.clone(),
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::Usage;
        }
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
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = cli.theme.clone().unwrap_or_else(|| config.theme.clone());
    let (theme, theme_error) = match Theme::load(&theme_name, &paths.themes_dir(), no_color) {
        Ok(t) => (t, None),
        Err(e) => (Theme::fallback(), Some(e.to_string())),
    };
    let (store, store_notices) = match open_store(&paths) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::JobFailed;
        }
    };
    runtime.block_on(async move {
        let sim = if config
            .profiles
            .values()
            .any(|p| p.kind == ProviderKind::Sim && p.base_url.is_none())
        {
            let secs = config
                .profiles
                .values()
                .find(|p| p.is_simulator())
                .map_or(4.0, |p| p.sim_job_seconds);
            let cfg = SimConfig {
                keys: vec![format!("sim-{}", uuid::Uuid::new_v4().simple())],
                job_duration: Duration::from_secs_f64(secs),
                ..SimConfig::default()
            };
            match SimServer::start(cfg, 0).await {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!("qimg: cannot start the built-in simulator: {e}");
                    None
                }
            }
        } else {
            None
        };
        let view = ProfileView::of(&profile, &config.file);
        let form = ComposeForm::new(view.models(), &profile.model);
        let mut state = State::new(view, form);
        state.profiles = config
            .profiles
            .values()
            .map(|p| ProfileView::of(p, &config.file))
            .collect();
        for n in store_notices {
            state.notice(crate::api::Level::Warning, n, std::time::Instant::now());
        }
        if let Some(e) = theme_error {
            state.notice(
                crate::api::Level::Warning,
                format!("{e}; using the default theme"),
                std::time::Instant::now(),
            );
        }
        let engine = EngineConfig {
            store,
            paths: paths.clone(),
            config_file: config.file.clone(),
            profiles: config.profiles.clone(),
            sim: sim.as_ref().map(SimServer::endpoint),
            adopt: crate::api::Adopt::All,
            watch_store: true,
            transport: None,
        };
        let image_protocol = cli.image_protocol.unwrap_or(config.image_protocol);
        let opts = TuiOptions {
            mouse: config.mouse,
            state,
            theme,
            keymap: Keymap::with_overrides(&config.key_overrides),
            image_protocol,
            engine,
        };
        let result = run_tui(opts).await;
        if let Some(s) = sim {
            s.stop().await;
        }
        match result {
            Ok(crate::app::Exit::Quit) => ExitCode::Success,
            Ok(crate::app::Exit::Signal(n)) => ExitCode::Signal(u8::try_from(n).unwrap_or(0)),
            Err(e) => {
                eprintln!("qimg: terminal error: {e}");
                ExitCode::JobFailed
            }
        }
    })
}

/// Opens the job store as well as it can (a newer schema gives an in-memory store and leaves
/// the file alone), and sweeps temp files a crash left in the images folder.
pub fn open_store(paths: &Paths) -> Result<(Store, Vec<String>), String> {
    let swept = crate::store::images::sweep_temp_files(&paths.images_dir());
    if swept > 0 {
        tracing::info!(swept, "removed temp files left by an interrupted save");
    }
    match open_robust(&paths.store_file()) {
        Ok(o) => {
            for n in &o.notices {
                tracing::warn!("{n}");
            }
            Ok((o.store, o.notices))
        }
        Err(e) => {
            let note = format!("{e}; jobs are kept in memory only this session");
            Store::open_in_memory()
                .map(|s| (s, vec![note]))
                .map_err(|e2| format!("{e}; {e2}"))
        }
    }
}
