//! Jobs through the real engine against the simulator: queued → … → done, and the ends.

use std::time::Duration;

use qimg::api::Command;
use qimg::api::models::AspectRatio;
use qimg::domain::{Job, JobRequest, JobState};

use crate::common::{Harness, sim_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apiframe_job_reaches_done_and_the_png_has_the_ratio_size() {
    let mut h = Harness::start(sim_config(Duration::from_millis(1500))).await;
    let job = Job::new("sim", JobRequest::apiframe("a red kite over dunes", AspectRatio::L16x9, 42));
    let id = job.id;
    assert!(h.engine.send(Command::Submit(Box::new(job))));
    let done = h.wait_job(id, |j| j.state.is_end()).await;
    assert_eq!(done.state, JobState::Done, "{:?}", done.state);
    assert_eq!(done.saved_paths.len(), 1);
    let img = image::open(&done.saved_paths[0]).unwrap();
    assert_eq!((img.width(), img.height()), (1280, 720));
    let stats = h.sim.stats();
    assert_eq!(stats.jobs_created, 1);
    assert_eq!(stats.credential_leaks, 0);
}
