//! `qimg jobs` (list from the store), `qimg wait` (block until jobs end, taking them over when
//! no other process drives them), and `qimg follow` (a live event stream, or a status line).

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::batch_ids::{BATCH_MAX, batch_and_ids, resolve_batch};
use super::follow::{FollowOpts, follow_jobs, report};
use super::json::JobJson;
use super::session::{Session, open};
use super::{Cli, ExitCode};
use crate::api::Adopt;
use crate::domain::{Job, JobId, StateKind, Timestamp};
use crate::sanitize::{sanitize_line, truncate_to_width};
use crate::store::{JobFilter, Store, Watcher};

/// `qimg jobs`.
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Only jobs in these states (repeatable): queued submitting submitted running downloading
    /// done failed cancelled ambiguous timed_out expired, or active / attention.
    #[arg(long = "status")]
    pub status: Vec<String>,
    /// Only prompts containing this text.
    #[arg(long)]
    pub search: Option<String>,
    /// Only the jobs of this batch (its id, or a unique prefix of at least 4 hex digits).
    #[arg(long, value_name = "ID")]
    pub batch: Option<String>,
    /// At most this many jobs, newest first (default 50; with --batch, the whole batch).
    #[arg(long)]
    pub limit: Option<usize>,
    /// One JSON object per job.
    #[arg(long)]
    pub json: bool,
}

/// `qimg wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Job ids (full, or the 8-character short form); none: every unfinished job.
    pub ids: Vec<String>,
    /// Wait for every job of this batch (its id or a unique prefix) as well.
    #[arg(long, value_name = "ID")]
    pub batch: Option<String>,
    /// Give up after this many seconds (exit code 4).
    #[arg(long)]
    pub timeout: Option<u64>,
    /// One JSON object per job.
    #[arg(long)]
    pub json: bool,
}

/// `qimg follow`.
#[derive(Debug, Args)]
pub struct FollowArgs {
    /// One JSON object per job change (the default output).
    #[arg(long)]
    pub jsonl: bool,
    /// A one-line summary, printed again when it changes (for a tmux status line).
    #[arg(long, conflicts_with = "jsonl")]
    pub line: bool,
    /// With --line: print the summary once and exit (for tmux `#(qimg follow --line --once)`).
    #[arg(long, requires = "line")]
    pub once: bool,
}

fn parse_states(raw: &[String]) -> Result<Vec<StateKind>, String> {
    let mut out = Vec::new();
    for s in raw.iter().flat_map(|s| s.split(',')) {
        match s.trim() {
            "active" => out.extend(StateKind::ACTIVE),
            "attention" => out.extend(StateKind::ATTENTION),
            name => match StateKind::parse(name) {
                Some(k) => out.push(k),
                None => {
                    let all: Vec<&str> = StateKind::ALL.iter().map(|k| k.name()).collect();
                    return Err(format!(
                        "unknown state `{}`; use {}, active or attention",
                        sanitize_line(name),
                        all.join(", ")
                    ));
                }
            },
        }
    }
    Ok(out)
}

/// Resolves full or short ids against the store.
pub fn resolve_ids(store: &Store, raw: &[String]) -> Result<Vec<JobId>, String> {
    let mut out = Vec::new();
    for r in raw {
        if let Some(id) = JobId::parse(r) {
            out.push(id);
            continue;
        }
        let r = r.trim().to_ascii_lowercase();
        if r.len() < 4 || !r.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("`{}` is not a job id", sanitize_line(&r)));
        }
        let matches: Vec<JobId> = store.find_by_prefix(&r).map_err(|e| e.to_string())?;
        match matches.as_slice() {
            [one] => out.push(*one),
            [] => return Err(format!("no job starts with `{r}`")),
            _ => {
                return Err(format!(
                    "`{r}` matches {} jobs; give more of the id",
                    matches.len()
                ));
            }
        }
    }
    Ok(out)
}

/// Runs `jobs`.
pub fn jobs(cli: &Cli, a: JobsArgs) -> ExitCode {
    let services = match open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let (config, store) = (&services.config, &services.store);
    let states = match parse_states(&a.status) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::Usage;
        }
    };
    let batch = match a
        .batch
        .as_deref()
        .map(|b| resolve_batch(store, b))
        .transpose()
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::Usage;
        }
    };
    let filter = JobFilter {
        states,
        search: a.search.clone(),
        profile: None,
        batch,
        oldest_first: false,
    };
    let limit = a
        .limit
        .unwrap_or(if batch.is_some() { BATCH_MAX } else { 50 });
    let list = match store.list(&filter, limit.max(1), 0) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::JobFailed;
        }
    };
    let prices = config
        .prices()
        .with_stored(store.job_prices(&list).unwrap_or_default());
    let mut out = std::io::stdout().lock();
    let now = Timestamp::now();
    for j in &list {
        let line = if a.json {
            JobJson::of(j, config.profiles.get(&j.profile))
                .priced(j, &prices)
                .line()
        } else {
            let file = j
                .saved_paths
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let prompt = truncate_to_width(&sanitize_line(&j.request.prompt), 40).into_owned();
            format!(
                "{}  {:<11} {:>7}  {:<12} {:<40}  {}",
                j.id.short(),
                j.state.name(),
                crate::util::format_elapsed(j.elapsed(now)),
                j.profile,
                prompt,
                file
            )
        };
        if writeln!(out, "{line}").is_err() {
            break; // a closed pipe (`| head`) is not an error
        }
    }
    ExitCode::Success
}

/// Runs `wait`.
pub async fn wait(cli: &Cli, a: WaitArgs) -> ExitCode {
    let services = match open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let store = services.store.clone();
    let ids = if a.batch.is_some() {
        match batch_and_ids(&store, &a) {
            Ok(ids) => ids,
            Err(e) => {
                eprintln!("qimg: {e}");
                return ExitCode::Usage;
            }
        }
    } else if a.ids.is_empty() {
        match store.unfinished() {
            Ok(j) => j.into_iter().map(|j| j.id).collect(),
            Err(e) => {
                eprintln!("qimg: {e}");
                return ExitCode::JobFailed;
            }
        }
    } else {
        match resolve_ids(&store, &a.ids) {
            Ok(ids) => ids,
            Err(e) => {
                eprintln!("qimg: {e}");
                return ExitCode::Usage;
            }
        }
    };
    drop((store, services));
    if ids.is_empty() {
        return ExitCode::Success;
    }
    // Jobs another process drives reach this one through the store: watch it.
    let mut session = match Session::start(cli, Adopt::Jobs(ids.clone()), true).await {
        Ok(s) => s,
        Err(c) => return c,
    };
    let opts = FollowOpts {
        wait: true,
        show: false,
        timeout: a.timeout,
        json: a.json,
    };
    let followed = follow_jobs(&mut session, &ids, opts).await;
    let code = report(&session, &ids, opts, &followed);
    session.finish().await;
    code
}

fn summary(jobs: &[Job]) -> String {
    let count = |kinds: &[StateKind]| {
        jobs.iter()
            .filter(|j| kinds.contains(&j.state.kind()))
            .count()
    };
    let (active, done) = (count(&StateKind::ACTIVE), count(&[StateKind::Done]));
    let (failed, attention) = (count(&StateKind::FAILED), count(&StateKind::ATTENTION));
    let mut parts = vec![
        format!("{}{active}", StateKind::Running.glyph()),
        format!("{}{done}", StateKind::Done.glyph()),
    ];
    if failed > 0 {
        parts.push(format!("{}{failed}", StateKind::Failed.glyph()));
    }
    if attention > 0 {
        parts.push(format!("{}{attention}", StateKind::Ambiguous.glyph()));
    }
    format!("qimg {}", parts.join(" "))
}

/// How often `follow` looks at the store.
const FOLLOW_EVERY: Duration = Duration::from_millis(300);

/// Runs `follow`.
pub async fn follow(cli: &Cli, a: FollowArgs) -> ExitCode {
    let services = match open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let store = services.store.clone();
    let mut watcher = match Watcher::start(store.clone(), FOLLOW_EVERY).await {
        Ok(w) => w,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::JobFailed;
        }
    };
    if a.line {
        return follow_line((&store, services.config.prices()), &mut watcher, a.once).await;
    }
    // JSONL: every change of any job, from any qimg process, as it lands in the store.
    let prices = services.config.prices();
    loop {
        let jobs = tokio::select! {
            r = watcher.changed() => match r {
                Ok(jobs) => jobs,
                Err(e) => {
                    eprintln!("qimg: {e}");
                    return ExitCode::JobFailed;
                }
            },
            _ = tokio::signal::ctrl_c() => return ExitCode::Success,
        };
        let prices = prices
            .clone()
            .with_stored(store.job_prices(&jobs).unwrap_or_default());
        let mut out = std::io::stdout().lock();
        for j in &jobs {
            let line = JobJson::of(j, services.config.profiles.get(&j.profile))
                .priced(j, &prices)
                .line();
            if writeln!(out, "{line}").is_err() {
                return ExitCode::Success;
            }
        }
        if out.flush().is_err() {
            return ExitCode::Success;
        }
    }
}

/// The one-line summary of the newest 500 jobs and today's spend, printed again whenever the
/// store changes.
async fn follow_line(
    (store, prices): (&Store, crate::domain::ledger::Prices),
    watcher: &mut Watcher,
    once: bool,
) -> ExitCode {
    let mut last = String::new();
    loop {
        let prices = prices.clone();
        let listed = store
            .run(move |s| {
                let jobs = s.list(&JobFilter::default(), 500, 0)?;
                let (today, _) = crate::services::ledger::spend_now(s, &prices)?;
                Ok::<_, crate::store::StoreError>((jobs, today))
            })
            .await;
        let line = match listed {
            Ok((j, today)) if today.jobs > 0 => format!("{} · today {}", summary(&j), today.text()),
            Ok((j, _)) => summary(&j),
            Err(e) => {
                eprintln!("qimg: {e}");
                return ExitCode::JobFailed;
            }
        };
        if line != last {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                return ExitCode::Success;
            }
            last = line;
        }
        if once {
            return ExitCode::Success;
        }
        tokio::select! {
            r = watcher.changed() => if let Err(e) = r {
                eprintln!("qimg: {e}");
                return ExitCode::JobFailed;
            },
            _ = tokio::signal::ctrl_c() => return ExitCode::Success,
        }
    }
}
