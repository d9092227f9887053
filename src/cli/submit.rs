//! The last steps of a CLI submit: the cost question `--yes` answers, and handing the jobs to
//! the engine, which stores them all (within the profile's budget) or none.

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
    match profile.confirm_limit(&estimate, config.confirm.cost) {
        Some(limit) if !yes => Err(format!(
            "this submit ({} jobs, {}) costs more than {} {} (budget.confirm_above of profile `{}`); add --yes to send it",
            estimate.jobs,
            estimate.cost_text(),
            number(limit),
            profile.unit(),
            profile.name
        )),
        _ => Ok(()),
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
