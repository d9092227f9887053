//! `qimg sim`: the simulator as a standalone server, for trying qimg and for scripts and tests.

use std::time::Duration;

use clap::Args;

use super::ExitCode;
use crate::domain::models::ParamsKey;
use crate::sim::{DEFAULT_KEY, ResultShape, SimConfig, SimServer};

/// Options of `qimg sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// A key the simulator accepts (repeat for several). Default: sim-local-key.
    #[arg(long = "key")]
    pub keys: Vec<String>,
    /// Seconds a job takes.
    #[arg(long, default_value_t = 4.0)]
    pub job_seconds: f64,
    /// The Apiframe params key it accepts (qwenImage2Params or qwenParams).
    #[arg(long, default_value = "qwenImage2Params", value_parser = parse_params_key)]
    pub params_key: ParamsKey,
    /// Shape of `result` in finished Apiframe jobs.
    #[arg(long, value_enum, default_value_t = ResultShape::String)]
    pub result_shape: ResultShape,
    /// Fault scenarios, comma separated: slow, flaky, ratelimit, html_errors, malformed, bomb,
    /// not_image, escape_injection, hang, expired, b64.
    #[arg(long, default_value = "", value_parser = crate::sim::scenarios::Scenarios::parse)]
    pub scenario: crate::sim::scenarios::Scenarios,
}

fn parse_params_key(s: &str) -> Result<ParamsKey, String> {
    ParamsKey::parse(s).ok_or_else(|| "use qwenImage2Params or qwenParams".into())
}

/// The models of config.toml (so a model defined there is served too), or the built-ins when
/// the config cannot be read (the simulator still starts, and says why).
fn catalogue() -> std::sync::Arc<crate::domain::catalogue::Catalogue> {
    match crate::services::load_config() {
        Ok((_, config)) => config.catalogue,
        Err(e) => {
            let why = crate::sanitize::sanitize_line(&e.to_string()).into_owned();
            eprintln!("qimg sim: serving the built-in models only: {why}");
            crate::domain::catalogue::Catalogue::shared_builtin()
        }
    }
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn run(args: SimArgs) -> ExitCode {
    if !(args.job_seconds.is_finite() && (0.0..=3600.0).contains(&args.job_seconds)) {
        eprintln!("qimg sim: --job-seconds must be between 0 and 3600");
        return ExitCode::Usage;
    }
    let keys = if args.keys.is_empty() {
        vec![DEFAULT_KEY.to_owned()]
    } else {
        args.keys
    };
    let config = SimConfig {
        keys: keys.clone(),
        job_duration: Duration::from_secs_f64(args.job_seconds),
        params_key: args.params_key,
        result_shape: args.result_shape,
        scenarios: args.scenario,
        catalogue: catalogue(),
    };
    let server = match SimServer::start(config, args.port).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qimg sim: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::Usage;
        }
    };
    // The URL goes to stdout (scripts read it); the rest is for people.
    println!("{}", server.base_url().as_str().trim_end_matches('/'));
    eprintln!(
        "qimg simulator on {} (Apiframe v2 and /v1/images/*); accepted key: {}",
        server.base_url(),
        keys.join(", ")
    );
    eprintln!("stats: {}__sim/stats · stop with Ctrl-C", server.base_url());
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qimg sim: {e}");
            return ExitCode::Usage;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    server.stop().await;
    ExitCode::Success
}
