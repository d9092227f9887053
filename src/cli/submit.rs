//! The last steps of a CLI submit: the cost question `--yes` answers, and handing the jobs to
//! the engine, which stores them all (within the profile's budget) or none.

use super::ExitCode;
use super::session::Session;
use crate::api::{Command, NotStored, Submission};
use crate::domain::Job;
use crate::domain::draft::{Estimate, Plan};
use crate::domain::ledger::number;

/// Refuses a submit estimated above the profile's `budget.confirm_above` (or the config's
/// `confirm_cost_above`) unless `yes`: a script has no one to ask.
pub fn confirm(session: &Session, plan: &Plan, yes: bool) -> Result<(), String> {
    let (config, profile) = (&session.services.config, &session.services.profile);
    let estimate = Estimate::of(plan, |m| profile.price_of(&config.catalogue, m));
    let source = match profile.budget.confirm_above {
        Some(_) => format!("budget.confirm_above of profile `{}`", profile.name),
        None => "confirm_cost_above in config.toml".to_owned(),
    };
    match profile.confirm_limit(&estimate, config.confirm.cost) {
        Some(limit) if !yes => Err(format!(
            "this submit ({}, {}) costs more than {} {} ({source}); add --yes to send it",
            plural(estimate.jobs, "job"),
            estimate.cost_text(),
            number(limit),
            profile.unit(),
        )),
        _ => Ok(()),
    }
}

/// `--dry-run`: the jobs and their cost, and whether the budget would refuse them (exit 2).
pub fn dry_run(session: &Session, plan: &Plan, json: bool) -> ExitCode {
    let services = &session.services;
    super::dry_run::print(plan, &services.config.catalogue, &services.profile, json);
    match budget_check(session, plan) {
        Ok(()) => ExitCode::Success,
        Err(e) => {
            eprintln!("qimg: the submit would be refused: {e}");
            ExitCode::Usage
        }
    }
}

/// "1 job", "3 jobs".
fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The refusal the profile's budget would give `plan` now, before anything is made: so a cap
/// is reported before the cost question (`--yes` cannot pass a cap), and `--dry-run` says it.
pub fn budget_check(session: &Session, plan: &Plan) -> Result<(), String> {
    let (config, profile) = (&session.services.config, &session.services.profile);
    let Some(guard) = profile.guard(crate::domain::Timestamp::now(), crate::util::local_offset())
    else {
        return Ok(());
    };
    let jobs: Vec<Job> = plan
        .requests()
        .map(|r| Job::new(&profile.name, r.clone()))
        .collect();
    let rows = profile.price_rows(&config.catalogue, &jobs);
    match session.services.store.budget_refusal(&guard, &rows) {
        Ok(None) => Ok(()),
        Ok(Some(refusal)) => Err(refusal.to_string()),
        // The insert checks again; a store that cannot be read now says so there.
        Err(e) => {
            tracing::warn!("cannot check the budget before the submit: {e}");
            Ok(())
        }
    }
}

/// Sends the jobs and waits until the engine has stored them, or says why it did not (over
/// budget, or the store failed); nothing of a refused submit is stored or sent.
pub async fn submit(session: &Session, jobs: Vec<Job>) -> Result<(), NotStored> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sub = Submission {
        jobs,
        reply: Some(tx),
    };
    if !session.engine.send(Command::Submit(sub)) {
        return Err(NotStored::Failed("the network task has stopped".into()));
    }
    rx.await.unwrap_or_else(|_| {
        Err(NotStored::Failed(
            "the network task stopped before storing the jobs".into(),
        ))
    })
}
