//! Waiting for jobs from the command line: follow the engine's events (which carry other
//! processes' changes too when the session watches the store) until the jobs end, draw the
//! progress line, show finished images, then print the results and pick the exit code.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use super::ExitCode;
use super::json::JobJson;
use super::outcome::exit_code;
use super::progress::Progress;
use super::session::Session;
use crate::api::ApiEvent;
use crate::domain::{Job, JobId, JobState};
use crate::sanitize::sanitize_line;

/// How to follow.
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowOpts {
    /// Until every job ends (else until each left the submit phase).
    pub wait: bool,
    /// Print each finished image in the terminal.
    pub show: bool,
    /// Give up after this many seconds.
    pub timeout: Option<u64>,
    /// One JSON object per job instead of paths.
    pub json: bool,
}

/// What waiting saw.
pub struct Followed {
    /// The last state of every job.
    pub jobs: HashMap<JobId, Job>,
    /// Ctrl-C or SIGTERM stopped the wait.
    pub interrupted: bool,
    /// The timeout passed.
    pub timed_out: bool,
}

/// Follows `ids` until they end (`wait`) or at least left the submit phase.
pub async fn follow_jobs(session: &mut Session, ids: &[JobId], o: FollowOpts) -> Followed {
    let mut jobs = latest(session, ids).await;
    let mut progress = Progress::new();
    let deadline = o
        .timeout
        .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let settled =
        |j: &Job| j.state.is_end() || (!o.wait && j.state.rank() >= JobState::Submitted.rank());
    let mut shown: Vec<JobId> = Vec::new();
    let (mut interrupted, mut timed_out) = (false, false);
    while !ids.iter().all(|id| jobs.get(id).is_some_and(settled)) {
        let sleep_deadline = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let term_recv = async {
            match term.as_mut() {
                Some(t) => t.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = session.events.recv() => match ev {
                Some(ApiEvent::JobChanged(job)) if ids.contains(&job.id) => {
                    if o.show && job.state == JobState::Done && !shown.contains(&job.id) {
                        progress.clear();
                        shown.push(job.id);
                        for p in &job.saved_paths {
                            let _ = super::show::print_image(p, None);
                        }
                    }
                    jobs.insert(job.id, *job);
                    progress.update(jobs.values());
                }
                Some(ApiEvent::Notice { text, .. }) => {
                    progress.clear();
                    eprintln!("qimg: {}", sanitize_line(&text));
                }
                Some(_) => {}
                None => break,
            },
            _ = tokio::signal::ctrl_c() => { interrupted = true; break; }
            _ = term_recv => { interrupted = true; break; }
            _ = sleep_deadline => { timed_out = true; break; }
        }
    }
    progress.clear();
    // The final word is the store's.
    jobs.extend(latest(session, ids).await);
    Followed {
        jobs,
        interrupted,
        timed_out,
    }
}

/// The jobs of `ids` as the store has them now.
async fn latest(session: &Session, ids: &[JobId]) -> HashMap<JobId, Job> {
    let (store, wanted) = (session.services.store.clone(), ids.to_vec());
    let rows = store
        .run(move |s| {
            wanted
                .iter()
                .map(|id| s.get(*id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .unwrap_or_default();
    rows.into_iter().flatten().map(|j| (j.id, j)).collect()
}

/// Prints the results and returns the exit code.
pub fn report(session: &Session, ids: &[JobId], o: FollowOpts, f: &Followed) -> ExitCode {
    let profiles = &session.services.config.profiles;
    let listed: Vec<Job> = ids
        .iter()
        .filter_map(|id| f.jobs.get(id).cloned())
        .collect();
    let stored = session.services.store.job_prices(&listed);
    let prices = session
        .services
        .config
        .prices()
        .with_stored(stored.unwrap_or_default());
    let mut out = std::io::stdout().lock();
    for job in ids.iter().filter_map(|id| f.jobs.get(id)) {
        if o.json {
            let _ = writeln!(
                out,
                "{}",
                JobJson::of(job, profiles.get(&job.profile))
                    .priced(job, &prices)
                    .line()
            );
        } else if o.wait {
            for p in &job.saved_paths {
                let _ = writeln!(out, "{}", p.display());
            }
        }
        if let Some(m) = job.state.message() {
            let (id, name) = (job.id.short(), job.state.name());
            eprintln!("qimg: job {id} {name}: {}", sanitize_line(m));
        } else if !matches!(job.state, JobState::Done) && job.state.is_end() {
            eprintln!("qimg: job {} {}", job.id.short(), job.state.name());
        }
    }
    let _ = out.flush();
    if f.interrupted {
        let open = f.jobs.values().filter(|j| j.state.is_active()).count();
        eprintln!(
            "qimg: interrupted; {open} job(s) are kept in the store and continue with `qimg wait` or in the TUI"
        );
        return ExitCode::Signal(2);
    }
    if f.timed_out {
        eprintln!("qimg: gave up waiting (--timeout); the jobs continue with `qimg wait`");
        return ExitCode::Ambiguous;
    }
    if !o.wait {
        if std::io::stderr().is_terminal() {
            eprintln!(
                "qimg: submitted; `qimg wait {}` downloads the results",
                ids.first().map(|i| i.short()).unwrap_or_default()
            );
        }
        return exit_code(f.jobs.values().map(|j| &j.state).filter(|s| s.is_end()));
    }
    exit_code(ids.iter().filter_map(|id| f.jobs.get(id)).map(|j| &j.state))
}
