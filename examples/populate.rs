//! Fills a data directory's store with N finished jobs (for start-up measurements):
//! `cargo run --release --example populate -- DATA_DIR 10000`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qimg::domain::models::AspectRatio;
use qimg::domain::{Job, JobRequest, JobState, Timestamp};
use qimg::store::{JobPatch, Store};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("DATA_DIR"));
    let n: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let store = Store::open(&dir.join("qimg.db")).unwrap();
    store
        .bulk(|s| {
            for i in 0..n {
                let mut j = Job::new(
                    "sim",
                    JobRequest::apiframe(
                        &format!("job {i}: a lighthouse on a cliff in a storm, oil painting"),
                        AspectRatio::ALL[(i % 10) as usize],
                        i as u32,
                    ),
                );
                j.created_at = Timestamp(Timestamp::now().0 - (n - i) * 60_000);
                s.insert_job(&j)?;
                let state = match i % 20 {
                    0 => JobState::Failed {
                        message: "rejected, not charged: x".into(),
                    },
                    1 => JobState::Cancelled,
                    _ => JobState::Done,
                };
                s.transition(
                    j.id,
                    &state,
                    &JobPatch {
                        saved_paths: Some(vec![dir.join(format!("images/{i}.png"))]),
                        ..JobPatch::default()
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    println!("{n} jobs in {}", dir.join("qimg.db").display());
}
