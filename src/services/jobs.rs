//! Making jobs from a validated plan, the one way every job is made (the form, the CLI, a
//! rerun, a resubmit): file references are resolved to the one absolute path that will leave
//! the machine, seeds the plan leaves open are drawn, and each job gets its id and
//! idempotency key. A local input file is checked against its model's limits here, before
//! anything is stored: a job that could never be sent is refused, not stored as failed.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::api::input_image::{self, InputError};
use crate::domain::catalogue::Catalogue;
use crate::domain::draft::Plan;
use crate::domain::seed::SeedStream;
use crate::domain::{BatchId, ImageInput, Job, JobId};

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
    /// The job these come from (lineage), if any.
    pub parent: Option<JobId>,
    /// Each job's own parent, in plan order, when a batch is sent again (else empty).
    pub parents: Vec<JobId>,
}

impl NewJobs {
    /// New jobs of `plan` on `profile`.
    pub fn of(profile: &str, plan: Plan) -> Self {
        Self {
            profile: profile.to_owned(),
            plan,
            resubmit_of: None,
            idempotency_key: None,
            parent: None,
            parents: Vec::new(),
        }
    }
}

/// Makes the jobs. Resolves every file reference (`~`, relative parts, `..`, symlinks), so the
/// job stores, shows and later uploads exactly this file, even when resumed from another
/// folder, and checks each file against the model's limits (type, sides, bytes) in
/// `catalogue`. `entropy` seeds the draw of the seeds the plan leaves open. Reads files:
/// call it off the async threads.
pub fn make_jobs(
    new: NewJobs,
    entropy: u64,
    catalogue: &Catalogue,
) -> Result<Vec<Job>, InputError> {
    let mut seeds = SeedStream::new(entropy);
    // One submit of more than one job is a batch.
    let batch = (new.plan.jobs.len() > 1).then(BatchId::new);
    let mut checked: HashSet<(PathBuf, String)> = HashSet::new();
    let mut jobs = Vec::with_capacity(new.plan.jobs.len());
    let cells = new.plan.cells();
    for (i, mut request) in new.plan.seeded(&mut seeds).into_iter().enumerate() {
        let spec = catalogue.find(&request.model);
        for input in &mut request.images {
            if let ImageInput::File(p) = input {
                *p = crate::util::resolve_path(p);
                if checked.insert((p.clone(), request.model.clone())) {
                    input_image::load(p, spec.map(AsRef::as_ref))?;
                }
            }
        }
        let mut job = Job::new(&new.profile, request);
        job.resubmit_of = new.resubmit_of;
        // One millisecond apart, so the store lists a submit's jobs in the order they were
        // planned (a grid row by row), not by their random ids.
        if let Some(first) = jobs.first().map(|j: &Job| j.created_at) {
            job.created_at = crate::domain::Timestamp(first.0 + i64::try_from(i).unwrap_or(0));
            job.updated_at = job.created_at;
        }
        job.batch = batch;
        job.grid = cells.get(i).cloned().flatten();
        job.parent = new
            .parents
            .get(i)
            .copied()
            .or(new.parent)
            .or(new.resubmit_of);
        if let Some(key) = &new.idempotency_key {
            job.idempotency_key = key.clone();
        }
        jobs.push(job);
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::draft::{Draft, validate};

    fn find(id: &str) -> Option<&'static crate::domain::catalogue::ModelSpec> {
        Catalogue::builtin().find(id).map(AsRef::as_ref)
    }

    /// A PNG of `w`×`h` in `dir`.
    fn png(dir: &std::path::Path, name: &str, w: u32, h: u32) -> PathBuf {
        let path = dir.join(name);
        image::RgbImage::new(w, h).save(&path).unwrap();
        path
    }

    #[test]
    fn jobs_get_resolved_files_own_seeds_and_keys() {
        let mut d = Draft::new("x");
        d.count = 2;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("rel")).unwrap();
        let reference = png(&dir.path().join("rel"), "ref.png", 512, 512);
        d.references = vec![format!("{}/rel/../rel/ref.png", dir.path().display())];
        let plan = validate(find("qwen-image-2").unwrap(), &d).unwrap();
        let jobs = make_jobs(NewJobs::of("sim", plan), 42, Catalogue::builtin()).unwrap();
        assert_eq!(jobs.len(), 2);
        assert_ne!(jobs[0].id, jobs[1].id);
        assert_ne!(jobs[0].idempotency_key, jobs[1].idempotency_key);
        assert_ne!(jobs[0].request.seed, jobs[1].request.seed);
        let ImageInput::File(p) = &jobs[0].request.images[0] else {
            panic!("a file")
        };
        assert_eq!(p, &reference.canonicalize().unwrap());
    }

    #[test]
    fn an_input_the_model_cannot_take_makes_no_job() {
        let dir = tempfile::tempdir().unwrap();
        let small = png(dir.path(), "small.png", 64, 48);
        let mut d = Draft::new("make it night");
        d.references = vec![small.display().to_string()];
        let plan = validate(find("qwen-image-edit-plus").unwrap(), &d).unwrap();
        let err = make_jobs(NewJobs::of("gw", plan), 1, Catalogue::builtin()).unwrap_err();
        assert!(
            err.to_string()
                .contains("is 64×48; qwen-image-edit-plus needs"),
            "{err}"
        );
        let missing = dir.path().join("missing.png");
        d.references = vec![missing.display().to_string()];
        let plan = validate(find("qwen-image-edit-plus").unwrap(), &d).unwrap();
        assert!(make_jobs(NewJobs::of("gw", plan), 1, Catalogue::builtin()).is_err());
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
            Catalogue::builtin(),
        )
        .unwrap();
        assert_eq!(jobs[0].idempotency_key, "k-1");
        assert_eq!(jobs[0].resubmit_of, Some(old));
    }
}
