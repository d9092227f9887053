//! Making jobs from a validated plan, the one way every job is made (the form, the CLI, a
//! rerun, a resubmit): file references are resolved to the one absolute path that will leave
//! the machine, seeds the plan leaves open are drawn, and each job gets its id and
//! idempotency key.

use crate::domain::draft::Plan;
use crate::domain::seed::SeedStream;
use crate::domain::{ImageInput, Job, JobId};

/// What to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJobs {
    /// The profile the jobs run on.
    pub profile: String,
    /// The validated requests.
    pub plan: Plan,
    /// The job these send again, if any.
    pub resubmit_of: Option<JobId>,
    /// Reuse this idempotency key: an Apiframe job whose outcome was unknown, sent again, so
    /// the provider answers with the original job instead of charging twice.
    pub idempotency_key: Option<String>,
}

impl NewJobs {
    /// New jobs of `plan` on `profile`.
    pub fn of(profile: &str, plan: Plan) -> Self {
        Self {
            profile: profile.to_owned(),
            plan,
            resubmit_of: None,
            idempotency_key: None,
        }
    }
}

/// Makes the jobs. Resolves every file reference (`~`, relative parts, `..`, symlinks), so the
/// job stores, shows and later uploads exactly this file, even when resumed from another
/// folder. `entropy` seeds the draw of the seeds the plan leaves open.
pub fn make_jobs(new: NewJobs, entropy: u64) -> Vec<Job> {
    let mut seeds = SeedStream::new(entropy);
    new.plan
        .seeded(&mut seeds)
        .into_iter()
        .map(|mut request| {
            for input in &mut request.images {
                if let ImageInput::File(p) = input {
                    *p = crate::util::resolve_path(p);
                }
            }
            let mut job = Job::new(&new.profile, request);
            job.resubmit_of = new.resubmit_of;
            if let Some(key) = &new.idempotency_key {
                job.idempotency_key = key.clone();
            }
            job
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::draft::{Draft, validate};
    use crate::domain::models::find;

    #[test]
    fn jobs_get_resolved_files_own_seeds_and_keys() {
        let mut d = Draft::new("x");
        d.count = 2;
        d.references = vec!["rel/ref.png".into()];
        let plan = validate(find("qwen-image-2").unwrap(), &d).unwrap();
        let jobs = make_jobs(NewJobs::of("sim", plan), 42);
        assert_eq!(jobs.len(), 2);
        assert_ne!(jobs[0].id, jobs[1].id);
        assert_ne!(jobs[0].idempotency_key, jobs[1].idempotency_key);
        assert_ne!(jobs[0].request.seed, jobs[1].request.seed);
        let ImageInput::File(p) = &jobs[0].request.images[0] else {
            panic!("a file")
        };
        assert!(p.is_absolute() && p.ends_with("rel/ref.png"), "{p:?}");
    }

    #[test]
    fn a_resubmit_keeps_the_key_it_is_given() {
        let plan = validate(find("qwen-image-2").unwrap(), &Draft::new("x")).unwrap();
        let old = JobId::new();
        let jobs = make_jobs(
            NewJobs {
                resubmit_of: Some(old),
                idempotency_key: Some("k-1".into()),
                ..NewJobs::of("sim", plan)
            },
            1,
        );
        assert_eq!(jobs[0].idempotency_key, "k-1");
        assert_eq!(jobs[0].resubmit_of, Some(old));
    }
}
