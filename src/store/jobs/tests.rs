//! Tests of `jobs`.

use super::*;
use crate::domain::StateKind;
use crate::domain::models::AspectRatio;

fn job(prompt: &str) -> Job {
    Job::new("sim", JobRequest::apiframe(prompt, AspectRatio::Square, 7))
}

#[test]
fn insert_transition_and_read_back() {
    let s = Store::open_in_memory().unwrap();
    let j = job("a red kite");
    s.insert_job(&j).unwrap();
    assert_eq!(s.get(j.id).unwrap().unwrap(), j);
    let got = s
        .transition(
            j.id,
            &JobState::Submitted,
            &JobPatch {
                remote_id: Some("r-1".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .unwrap();
    assert_eq!(got.remote_id.as_deref(), Some("r-1"));
    assert!(got.submitted_at.is_some());
    s.transition(
        j.id,
        &JobState::Running { progress: Some(40) },
        &JobPatch::default(),
    )
    .unwrap()
    .unwrap();
    let urls = vec!["http://127.0.0.1/x.png".to_owned()];
    s.transition(
        j.id,
        &JobState::Downloading,
        &JobPatch {
            result_urls: Some(urls.clone()),
            server_duration_ms: Some(1500),
            ..Default::default()
        },
    )
    .unwrap();
    let done = s
        .transition(
            j.id,
            &JobState::Done,
            &JobPatch {
                saved_paths: Some(vec!["/tmp/a.png".into()]),
                ..Default::default()
            },
        )
        .unwrap()
        .unwrap();
    assert_eq!(done.result_urls, urls);
    assert!(done.finished_at.is_some());
    assert_eq!(s.get(j.id).unwrap().unwrap(), done);
    assert_eq!(
        s.recent_durations("sim", "qwen-image-2", 10).unwrap(),
        vec![Duration::from_millis(1500)]
    );
}

#[test]
fn backwards_moves_are_ignored() {
    let s = Store::open_in_memory().unwrap();
    let j = job("x");
    s.insert_job(&j).unwrap();
    s.transition(j.id, &JobState::Done, &JobPatch::default())
        .unwrap()
        .unwrap();
    assert!(
        s.transition(
            j.id,
            &JobState::Running { progress: None },
            &JobPatch::default()
        )
        .unwrap()
        .is_none()
    );
    assert_eq!(s.get(j.id).unwrap().unwrap().state, JobState::Done);
    assert!(
        s.transition(JobId::new(), &JobState::Done, &JobPatch::default())
            .unwrap()
            .is_none()
    );
}

#[test]
fn listing_filters_and_pages() {
    let s = Store::open_in_memory().unwrap();
    for i in 0..30 {
        let mut j = job(&format!(
            "prompt {i} {}",
            if i % 3 == 0 { "kite" } else { "lake" }
        ));
        j.created_at = Timestamp(1_000 + i);
        s.insert_job(&j).unwrap();
    }
    let page = s.list(&JobFilter::default(), 10, 0).unwrap();
    assert_eq!(page.len(), 10);
    assert!(page[0].request.prompt.starts_with("prompt 29"));
    let kites = JobFilter {
        search: Some("KITE".into()),
        ..Default::default()
    };
    assert_eq!(s.count(&kites).unwrap(), 10);
    let queued = JobFilter {
        states: vec![StateKind::Queued],
        ..Default::default()
    };
    assert_eq!(s.count(&queued).unwrap(), 30);
    assert_eq!(s.unfinished().unwrap().len(), 30);
    let pct = JobFilter {
        search: Some("%".into()),
        ..Default::default()
    };
    assert_eq!(s.count(&pct).unwrap(), 0);
}

#[test]
fn change_versions_grow() {
    let s = Store::open_in_memory().unwrap();
    let v0 = s.max_version().unwrap();
    let j = job("x");
    s.insert_job(&j).unwrap();
    s.transition(j.id, &JobState::Submitting, &JobPatch::default())
        .unwrap();
    let (changed, v) = s.changed_since(v0).unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].state, JobState::Submitting);
    assert!(v > v0);
    assert!(s.changed_since(v).unwrap().0.is_empty());
}

#[test]
fn settings_round_trip() {
    let s = Store::open_in_memory().unwrap();
    assert_eq!(s.setting("p", "params_key").unwrap(), None);
    s.set_setting("p", "params_key", "qwenParams").unwrap();
    s.set_setting("p", "params_key", "qwenImage2Params")
        .unwrap();
    assert_eq!(
        s.setting("p", "params_key").unwrap().as_deref(),
        Some("qwenImage2Params")
    );
}

#[test]
fn a_batch_and_a_parent_are_kept_and_a_batch_is_found_by_prefix() {
    let s = Store::open_in_memory().unwrap();
    let batch = crate::domain::BatchId::new();
    let parent = job("the first");
    s.insert_job(&parent).unwrap();
    let mut ids = Vec::new();
    for n in 0..3 {
        let mut j = job(&format!("variant {n}"));
        j.batch = Some(batch);
        j.parent = Some(parent.id);
        s.insert_job(&j).unwrap();
        ids.push(j.id);
    }
    let back = s.get(ids[0]).unwrap().unwrap();
    assert_eq!((back.batch, back.parent), (Some(batch), Some(parent.id)));
    assert_eq!(s.get(parent.id).unwrap().unwrap().batch, None);
    let of_batch = JobFilter {
        batch: Some(batch),
        ..Default::default()
    };
    assert_eq!(s.count(&of_batch).unwrap(), 3);
    assert_eq!(s.find_batches_by_prefix(&batch.short()).unwrap(), [batch]);
    // The change feed reads the new columns too.
    let (changed, _) = s.changed_since(0).unwrap();
    assert_eq!(changed.iter().filter(|j| j.batch == Some(batch)).count(), 3);
}
