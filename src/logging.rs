//! Logging to `<data_dir>/logs/qimg.log`, never to the terminal. `QIMG_LOG` sets the filter
//! (default `info`). tracing-subscriber ≥ 0.3.20 escapes control characters in logged values,
//! and every server string is sanitised before it is logged anyway.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging; keep the guard alive until exit so the last lines are written.
pub fn init(logs_dir: &Path) -> Option<WorkerGuard> {
    if std::fs::create_dir_all(logs_dir).is_err() {
        return None;
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("qimg")
        .filename_suffix("log")
        .max_log_files(7)
        .build(logs_dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("QIMG_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ok = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .is_ok();
    ok.then_some(guard)
}
