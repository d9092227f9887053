//! The performance budgets (BENCHMARKS.md), measured (`cargo bench`). Prints one line per budget with the
//! measured number; BENCHMARKS.md records them with the machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use qimg::api::{Adopt, ApiEvent, Command, Engine, EngineConfig};
use qimg::app::App;
use qimg::config::keymap::Keymap;
use qimg::config::theme::Theme;
use qimg::config::{Paths, Profile};
use qimg::domain::models::{AspectRatio, Wire};
use qimg::domain::{Job, JobRequest, JobState, Timestamp};
use qimg::preview::Previews;
use qimg::sim::{SimConfig, SimServer};
use qimg::state::{ComposeForm, Focus, ProfileView, State};
use qimg::store::{JobFilter, JobPatch, Store};
use qimg::ui::{self, RenderCtx};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn state_with(n: usize, active: usize) -> State {
    let profile = ProfileView::of(
        &Profile::builtin_sim(),
        std::path::Path::new("config.toml"),
        qimg::domain::catalogue::Catalogue::builtin(),
    );
    let mut s = State::new(
        profile,
        ComposeForm::new(
            ComposeForm::models_for(
                qimg::domain::catalogue::Catalogue::builtin(),
                &[Wire::Apiframe],
            ),
            "qwen-image-2",
        ),
    );
    let mut jobs = Vec::with_capacity(n);
    for i in 0..n {
        let mut j = Job::new(
            "sim",
            JobRequest::apiframe(
                &format!("job {i}: a lighthouse on a cliff in a storm"),
                AspectRatio::Square,
                i as u32,
            ),
        );
        j.created_at = Timestamp(1_700_000_000_000 + i as i64);
        j.state = if i < active {
            JobState::Running {
                progress: Some((i % 100) as u8),
            }
        } else {
            JobState::Done
        };
        jobs.push(j);
    }
    s.jobs.extend_older(jobs);
    s
}

fn app_with(n: usize, active: usize) -> App {
    let s = state_with(n, active);
    let previews = Previews::new(None, &s.graphics, |_| {});
    App::new(s, Theme::fallback(), Keymap::default(), previews)
}

/// Draws one frame of `app` and says how long it took.
fn timed_frame(
    term: &mut Terminal<TestBackend>,
    app: &mut App,
    theme: &Theme,
    keymap: &Keymap,
) -> Duration {
    let ctx = RenderCtx {
        theme,
        keymap,
        now: Instant::now(),
        wall: Timestamp::now(),
    };
    let t = Instant::now();
    term.draw(|f| ui::render(f, &app.state, &mut app.view, &mut app.previews, &ctx))
        .unwrap();
    t.elapsed()
}

fn frame_render() {
    let mut app = app_with(10_000, 0);
    app.state.focus = Focus::Jobs;
    let theme = Theme::fallback();
    let keymap = Keymap::default();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut times = Vec::new();
    for i in 0..300 {
        app.state.jobs.selected = i * 7 % 10_000;
        times.push(timed_frame(&mut term, &mut app, &theme, &keymap));
    }
    let p50 = percentile(&mut times, 0.5);
    println!(
        "frame render 200x60, 10,000 jobs: median {:.3} ms, p99 {:.3} ms (budget 1 ms)",
        p50.as_secs_f64() * 1e3,
        percentile(&mut times, 0.99).as_secs_f64() * 1e3
    );
}

fn keypress() {
    let mut app = app_with(1_000, 100);
    app.state.focus = Focus::Jobs;
    let theme = Theme::fallback();
    let keymap = Keymap::default();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut times = Vec::new();
    for i in 0..500 {
        let code = if (i / 100) % 2 == 0 {
            KeyCode::Down
        } else {
            KeyCode::Up
        };
        let t = Instant::now();
        app.on_event(
            &Event::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            Instant::now(),
        );
        let ctx = RenderCtx {
            theme: &theme,
            keymap: &keymap,
            now: Instant::now(),
            wall: Timestamp::now(),
        };
        term.draw(|f| ui::render(f, &app.state, &mut app.view, &mut app.previews, &ctx))
            .unwrap();
        times.push(t.elapsed());
    }
    println!(
        "keypress to changed frame, 1,000 jobs listed, 100 active: p99 {:.3} ms (budget 16 ms)",
        percentile(&mut times, 0.99).as_secs_f64() * 1e3
    );
}

fn store_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("qimg.db");
    {
        let store = Store::open(&path).unwrap();
        store
            .bulk(|s| {
                for i in 0..10_000 {
                    let j = Job::new(
                        "sim",
                        JobRequest::apiframe(&format!("job {i}"), AspectRatio::Square, 1),
                    );
                    s.insert_job(&j)?;
                    s.transition(j.id, &JobState::Done, &JobPatch::default())?;
                }
                Ok(())
            })
            .unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let o = qimg::store::open::open_robust(&path).unwrap();
        let page = o
            .store
            .list(&JobFilter::default(), qimg::app::PAGE, 0)
            .unwrap();
        let s = state_with(0, 0);
        let mut s = s;
        s.jobs.extend_older(page);
        times.push(t.elapsed());
    }
    println!(
        "open a 10,000-job store (integrity check) and load the first page: median {:.1} ms (part of the 50 ms first-frame budget)",
        percentile(&mut times, 0.5).as_secs_f64() * 1e3
    );
}

/// A submit's insert with and without a budget guard, over 10,000 jobs of the profile today: what
/// the cap's sum inside the write transaction costs.
fn budget_insert() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("qimg.db")).unwrap();
    let job = || Job::new("main", JobRequest::apiframe("x", AspectRatio::Square, 1));
    let three = || {
        Some(qimg::domain::catalogue::Price {
            per_image: 3.0,
            unit: "credits".into(),
        })
    };
    store
        .bulk(|s| {
            for _ in 0..10_000 {
                s.insert_jobs(&[(job(), three())], None, None)?;
            }
            Ok(())
        })
        .unwrap();
    let guard = qimg::domain::budget::Guard {
        profile: "main".into(),
        unit: "credits".into(),
        caps: vec![
            qimg::domain::budget::Cap {
                label: "daily",
                since: qimg::domain::Timestamp(0),
                limit: 1e12,
            },
            qimg::domain::budget::Cap {
                label: "monthly",
                since: qimg::domain::Timestamp(0),
                limit: 1e12,
            },
        ],
    };
    let timed = |g: Option<&qimg::domain::budget::Guard>| {
        let mut times = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            store.insert_jobs(&[(job(), three())], None, g).unwrap();
            times.push(t.elapsed());
        }
        percentile(&mut times, 0.5).as_secs_f64() * 1e3
    };
    let (plain, capped) = (timed(None), timed(Some(&guard)));
    println!(
        "insert one job (fsync'd transaction) with 10,000 of its profile's jobs today: median {plain:.2} ms without a cap, {capped:.2} ms with a daily and a monthly cap"
    );
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn engine(
    sim: Option<&SimServer>,
    dir: &std::path::Path,
    profile: Profile,
) -> (
    Engine,
    tokio::sync::mpsc::UnboundedReceiver<ApiEvent>,
    Store,
) {
    let paths = Paths::under(dir);
    let store = Store::open(&paths.store_file()).unwrap();
    let mut profiles = indexmap::IndexMap::new();
    profiles.insert(profile.name.clone(), profile);
    let (e, rx) = Engine::start(EngineConfig {
        store: store.clone(),
        paths: paths.clone(),
        config_file: paths.config_file(),
        profiles,
        sim: sim.map(|s| qimg::api::SimEndpoint::new(s.base_url().clone(), s.key())),
        adopt: Adopt::Nothing,
        watch_store: false,
        transport: None,
        catalogue: qimg::domain::catalogue::Catalogue::shared_builtin(),
    });
    (e, rx, store)
}

async fn wait_all(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<ApiEvent>,
    ids: &[qimg::domain::JobId],
) -> Vec<Job> {
    let mut done = std::collections::HashMap::new();
    while done.len() < ids.len() {
        if let Some(ApiEvent::JobChanged(j)) = rx.recv().await
            && j.state.is_end()
            && ids.contains(&j.id)
        {
            done.insert(j.id, *j);
        }
    }
    done.into_values().collect()
}

async fn concurrent_500() {
    let secs = 6.0;
    // The simulator runs as its own process, so the peak RSS below is qimg's engine alone.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qimg"))
        .args(["sim", "--port", "0", "--job-seconds", &secs.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut url,
    )
    .unwrap();
    let url = url.trim().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let profile = Profile {
        name: "ext".into(),
        base_url: Some(reqwest::Url::parse(&url).unwrap()),
        key_source: qimg::config::KeySource::Literal(secrecy::SecretString::from(
            qimg::sim::DEFAULT_KEY,
        )),
        max_concurrent: 64,
        ..Profile::builtin_sim()
    };
    let (engine, mut rx, _) = engine(None, dir.path(), profile);
    let jobs: Vec<Job> = (0..500)
        .map(|i| {
            Job::new(
                "ext",
                JobRequest::apiframe(&format!("load {i}"), AspectRatio::Square, i),
            )
        })
        .collect();
    let ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
    let rss_before = vm_hwm_kb();
    let t = Instant::now();
    for j in jobs {
        engine.send(Command::Submit(qimg::api::Submission::of(vec![j])));
    }
    let done = wait_all(&mut rx, &ids).await;
    let saved = done
        .iter()
        .filter(|j| j.state == JobState::Done && j.saved_paths.len() == 1)
        .count();
    let reports: Vec<qimg::sim::JobReport> = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{url}/__sim/jobs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let max_polls = reports.iter().map(|r| r.polls).max().unwrap_or(0);
    println!(
        "500 concurrent jobs ({secs} s each, max_concurrent 64): {saved}/500 saved in {:.1} s; max polls per job {max_polls} (budget {:.0}); peak RSS {} MB (budget 150; {} MB before the jobs)",
        t.elapsed().as_secs_f64(),
        secs / 2.0 + 3.0,
        vm_hwm_kb() / 1024,
        rss_before / 1024
    );
    engine.shutdown().await;
    let _ = child.kill();
    let _ = child.wait();
}

async fn gateway_overhead() {
    let secs = 1.0;
    let sim = SimServer::start(
        SimConfig {
            job_duration: Duration::from_secs_f64(secs),
            ..SimConfig::default()
        },
        0,
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (engine, mut rx, _) = engine(Some(&sim), dir.path(), Profile::builtin_sim_gateway());
    let mut extra = Vec::new();
    for i in 0..10 {
        let mut req = JobRequest::apiframe(&format!("gw {i}"), AspectRatio::Square, 1);
        req.model = "qwen-image-plus".into();
        req.wire = Wire::OpenAi;
        req.aspect_ratio = None;
        req.seed = None;
        let j = Job::new("sim-gateway", req);
        let id = j.id;
        let server_before = sim.stats().server_time_us;
        let t = Instant::now();
        engine.send(Command::Submit(qimg::api::Submission::of(vec![j])));
        wait_all(&mut rx, &[id]).await;
        let total = t.elapsed();
        // The body of the response streams after the handler returns: count the handlers only.
        let server = Duration::from_micros(sim.stats().server_time_us - server_before);
        extra.push(total.saturating_sub(server));
    }
    println!(
        "gateway job, time added beyond the server's own time (POST + image GET handlers; {secs} s job, 1328×1328 PNG): median {:.1} ms (budget 50 ms)",
        percentile(&mut extra, 0.5).as_secs_f64() * 1e3
    );
    engine.shutdown().await;
    sim.stop().await;
}

async fn apiframe_latency() {
    let secs = 15.0;
    let sim = SimServer::start(
        SimConfig {
            job_duration: Duration::from_secs_f64(secs),
            ..SimConfig::default()
        },
        0,
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (engine, mut rx, _) = engine(Some(&sim), dir.path(), Profile::builtin_sim());
    let run = |n: usize, tag: &str| {
        let jobs: Vec<Job> = (0..n)
            .map(|i| {
                Job::new(
                    "sim",
                    JobRequest::apiframe(&format!("{tag} {i}"), AspectRatio::Square, i as u32),
                )
            })
            .collect();
        let ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
        for j in jobs {
            engine.send(Command::Submit(qimg::api::Submission::of(vec![j])));
        }
        ids
    };
    // A first round teaches the schedule this profile's job time.
    let warm = run(4, "warm-up");
    let warm_jobs = wait_all(&mut rx, &warm).await;
    let measured = run(4, "measured");
    let jobs = wait_all(&mut rx, &measured).await;
    let reports = sim.job_reports();
    let report = |j: &Job| {
        reports
            .iter()
            .find(|r| Some(&r.id) == j.remote_id.as_ref())
            .cloned()
            .unwrap()
    };
    for (label, set) in [
        ("first jobs (no history: plain backoff)", &warm_jobs),
        ("with history (learned schedule)", &jobs),
    ] {
        let mut lat: Vec<Duration> = set
            .iter()
            .map(|j| {
                // Server end = createdAt + duration (server clock = this clock); saved = finished_at.
                let r = report(j);
                let seen = Duration::from_millis(r.seen_after_end_ms.unwrap_or(0).max(0) as u64);
                let _ = r;
                seen
            })
            .collect();
        let polls: Vec<usize> = set.iter().map(|j| report(j).polls).collect();
        let gap = set
            .iter()
            .filter_map(|j| report(j).min_poll_gap_ms)
            .min()
            .unwrap_or(0);
        let saved_after: Vec<Duration> = set
            .iter()
            .map(|j| {
                j.finished_at
                    .unwrap()
                    .until(Timestamp::now())
                    .min(Duration::ZERO)
            })
            .collect();
        let _ = saved_after;
        println!(
            "apiframe {secs} s jobs, {label}: done→saved median {:.0} ms, polls {:?}, smallest gap between two polls of one job {gap} ms",
            percentile(&mut lat, 0.5).as_secs_f64() * 1e3,
            polls
        );
    }
    engine.shutdown().await;
    sim.stop().await;
}

/// Fuzzy search of 10,000 stored prompts, one query per keystroke of a typed fragment.
fn history_search() {
    use qimg::store::history::{PromptKind, search};
    let store = Store::open_in_memory().unwrap();
    let words = [
        "kite",
        "harbour",
        "lighthouse",
        "dusk",
        "red",
        "fog",
        "cat",
        "city",
        "neon",
        "sea",
    ];
    for i in 0..10_000usize {
        let prompt = format!(
            "a {} {} over the {} at {} number {i}",
            words[i % 10],
            words[(i / 10) % 10],
            words[(i / 100) % 10],
            words[(i / 1000) % 10]
        );
        store
            .insert_job(&Job::new(
                "sim",
                JobRequest::apiframe(&prompt, AspectRatio::Square, 1),
            ))
            .unwrap();
    }
    let all = store.prompt_history(PromptKind::Prompt, 100_000).unwrap();
    assert_eq!(all.len(), 10_000);
    let typed = "lighthouse fog 42";
    let mut times = Vec::new();
    for n in 1..=typed.len() {
        for _ in 0..5 {
            let t = Instant::now();
            let found = search(&all, &typed[..n]);
            times.push(t.elapsed());
            std::hint::black_box(found);
        }
    }
    println!(
        "prompt history: fuzzy search of 10,000 prompts per keystroke: p99 {:.3} ms, max {:.3} ms (budget 16 ms)",
        percentile(&mut times.clone(), 0.99).as_secs_f64() * 1e3,
        times.iter().max().unwrap().as_secs_f64() * 1e3
    );
}

/// The job list and the grid view with 500 batches of 4 listed (2,000 jobs, each a 2×2 grid).
fn batch_frames() {
    use qimg::domain::BatchId;
    use qimg::domain::grid::GridCell;
    let mut app = app_with(0, 0);
    let mut jobs = Vec::new();
    let mut first = None;
    for b in 0..500 {
        let batch = BatchId::new();
        first.get_or_insert(batch);
        for (k, (seed, aspect)) in [("1", "1:1"), ("1", "16:9"), ("2", "1:1"), ("2", "16:9")]
            .into_iter()
            .enumerate()
        {
            let mut j = Job::new(
                "sim",
                JobRequest::apiframe("a kite", AspectRatio::Square, 1),
            );
            j.created_at = Timestamp(1_700_000_000_000 + (b * 4 + k) as i64);
            j.state = JobState::Done;
            j.batch = Some(batch);
            j.grid = Some(GridCell(vec![
                ("seed".into(), seed.into()),
                ("aspect".into(), aspect.into()),
            ]));
            jobs.push(j);
        }
    }
    app.state.jobs.extend_older(jobs);
    let theme = Theme::fallback();
    let keymap = Keymap::default();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut frame = |app: &mut App, times: &mut Vec<Duration>| {
        times.push(timed_frame(&mut term, app, &theme, &keymap));
    };
    let (mut list, mut grid) = (Vec::new(), Vec::new());
    app.state.focus = Focus::Jobs;
    for i in 0..200 {
        app.state.jobs.selected = i * 9 % 2000;
        frame(&mut app, &mut list);
    }
    app.state.gallery = true;
    app.state.gallery_batch = first;
    for i in 0..200 {
        app.state.jobs.selected = 1996 + i % 4;
        frame(&mut app, &mut grid);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "500 batches of 4 listed: job list frame median {:.3} ms, p99 {:.3} ms; grid view frame median {:.3} ms, p99 {:.3} ms (budget 16 ms)",
        ms(percentile(&mut list, 0.5)),
        ms(percentile(&mut list, 0.99)),
        ms(percentile(&mut grid, 0.5)),
        ms(percentile(&mut grid, 0.99)),
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    frame_render();
    batch_frames();
    keypress();
    history_search();
    store_start();
    budget_insert();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if !quick {
        // First, while the process is small: its peak RSS is the budget's subject.
        rt.block_on(concurrent_500());
        rt.block_on(apiframe_latency());
    }
    rt.block_on(gateway_overhead());
}
