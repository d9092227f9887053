//! A submit's way into the store: each job's reservation, the profile's budget guard, and one
//! transaction for all of its jobs, before the engine runs any of them.

use std::sync::Arc;

use super::engine::Shared;
use super::{ApiEvent, NotStored, Submission};
use crate::domain::{Job, JobState, Level, Timestamp};
use crate::store::StoreError;

/// Stores the jobs of `sub` (all or none, within the profile's budget) and tells the submitter.
/// Returns the jobs to run; none when the store refused them.
pub(crate) async fn store_submission(shared: &Arc<Shared>, sub: Submission) -> Vec<Job> {
    let Submission { jobs, reply } = sub;
    let answer = |r: Result<(), NotStored>| {
        if let Some(tx) = reply {
            let _ = tx.send(r);
        }
    };
    let Some(first) = jobs.first() else {
        answer(Ok(()));
        return jobs;
    };
    let profile = shared.profile(&first.profile);
    let catalogue = shared.catalogue();
    let rows = match profile {
        Some(p) => p.price_rows(catalogue, &jobs),
        None => jobs.iter().map(|j| (j.clone(), None)).collect(),
    };
    let guard = profile.and_then(|p| p.guard(Timestamp::now(), crate::util::local_offset()));
    let owner = shared.owner.clone();
    let stored = shared
        .store
        .run(move |s| s.insert_jobs(&rows, Some(&owner), guard.as_ref()))
        .await;
    match stored {
        Ok(()) => {
            for job in &jobs {
                shared.emit(ApiEvent::JobChanged(Box::new(job.clone())));
            }
            answer(Ok(()));
            jobs
        }
        Err(StoreError::OverBudget(why)) => {
            let text = why.to_string();
            tracing::warn!("submit refused: {text}");
            let ids = jobs.iter().map(|j| j.id).collect();
            shared.emit(ApiEvent::Refused {
                ids,
                text: text.clone(),
            });
            answer(Err(NotStored::OverBudget(text)));
            Vec::new()
        }
        Err(e) => {
            // Without a row nothing may be sent: a crash would lose a paid job.
            tracing::error!("jobs not sent, the store refused them: {e}");
            let text = format!("not sent: cannot write the job store ({e})");
            for job in &jobs {
                let mut failed = job.clone();
                failed.state = JobState::Failed {
                    message: text.clone(),
                };
                shared.emit(ApiEvent::JobChanged(Box::new(failed)));
            }
            shared.emit(ApiEvent::Notice {
                level: Level::Error,
                text: text.clone(),
            });
            answer(Err(NotStored::Failed(text)));
            Vec::new()
        }
    }
}
