//! `qimg show ID|FILE` and `--show`: print an image in the normal terminal with viuer, which
//! is what viuer is made for (never inside the TUI, where it would resend the image every frame).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use super::jobs::resolve_ids;
use super::session::open;
use super::{Cli, ExitCode};

/// Protocols `qimg show` can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowProtocol {
    /// Whatever viuer detects.
    Auto,
    /// The kitty graphics protocol.
    Kitty,
    /// Sixel.
    Sixel,
    /// iTerm2 inline images.
    Iterm2,
    /// Unicode half blocks.
    Halfblocks,
}

/// `qimg show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A job id (full or short) or an image file.
    pub target: String,
    /// Force a protocol.
    #[arg(long, value_enum, default_value_t = ShowProtocol::Auto)]
    pub protocol: ShowProtocol,
}

/// Prints `path` at the cursor, fitted to the terminal.
pub fn print_image(path: &Path, protocol: Option<ShowProtocol>) -> Result<(), String> {
    let img =
        crate::imaging::decode_file_for_preview(path, 4096, 4096).map_err(|e| e.to_string())?;
    let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    let mut cfg = viuer::Config {
        absolute_offset: false,
        restore_cursor: false,
        ..viuer::Config::default()
    };
    match protocol.unwrap_or(ShowProtocol::Auto) {
        ShowProtocol::Auto => {}
        ShowProtocol::Kitty => (cfg.use_iterm, cfg.use_sixel) = (false, false),
        ShowProtocol::Sixel => (cfg.use_kitty, cfg.use_iterm) = (false, false),
        ShowProtocol::Iterm2 => (cfg.use_kitty, cfg.use_sixel) = (false, false),
        ShowProtocol::Halfblocks => {
            (cfg.use_kitty, cfg.use_iterm, cfg.use_sixel) = (false, false, false)
        }
    }
    // Pass only one side so the aspect ratio is kept. Cells are about twice as tall as wide.
    let width = u32::from(cols.saturating_sub(1)).max(1);
    let rows_needed =
        f64::from(width) * f64::from(img.height()) / f64::from(img.width().max(1)) / 2.0;
    let max_rows = u32::from(rows.saturating_sub(2)).max(1);
    if rows_needed > f64::from(max_rows) {
        cfg.height = Some(max_rows);
    } else {
        cfg.width = Some(width);
    }
    // viuer's sixel assumes 6×12 px cells; scale by the real cell size when the terminal says.
    if protocol == Some(ShowProtocol::Sixel)
        && let Ok(ws) = crossterm::terminal::window_size()
        && ws.width > 0
        && ws.columns > 0
    {
        let cell_w = f64::from(ws.width) / f64::from(ws.columns);
        cfg.width = cfg.width.map(|w| (f64::from(w) * cell_w / 6.0) as u32);
        cfg.height = cfg.height.map(|h| {
            let cell_h = f64::from(ws.height) / f64::from(ws.rows.max(1));
            (f64::from(h) * cell_h / 12.0) as u32
        });
    }
    viuer::print(&img, &cfg)
        .map(|_| ())
        .map_err(|e| crate::sanitize::sanitize_line(&e.to_string()).into_owned())
}

/// Runs `show`.
pub fn show(cli: &Cli, a: ShowArgs) -> ExitCode {
    let path = PathBuf::from(&a.target);
    let path = if path.is_file() {
        path
    } else {
        let store = match open(cli) {
            Ok(v) => v.store,
            Err(c) => return c,
        };
        let id = match resolve_ids(&store, std::slice::from_ref(&a.target)) {
            Ok(ids) => ids[0],
            Err(e) => {
                eprintln!("qimg: {e} (and there is no file by that name)");
                return ExitCode::Usage;
            }
        };
        match store
            .get(id)
            .ok()
            .flatten()
            .and_then(|j| j.saved_paths.first().cloned())
        {
            Some(p) => p,
            None => {
                eprintln!("qimg: job {} has no saved image", id.short());
                return ExitCode::JobFailed;
            }
        }
    };
    if !std::io::stdout().is_terminal() {
        eprintln!("qimg: stdout is not a terminal, so the image is not drawn; its path:");
        println!("{}", path.display());
        return ExitCode::Success;
    }
    match print_image(&path, Some(a.protocol)) {
        Ok(()) => ExitCode::Success,
        Err(e) => {
            eprintln!(
                "qimg: cannot show {}: {e}",
                crate::sanitize::sanitize_line(&path.display().to_string())
            );
            ExitCode::JobFailed
        }
    }
}
