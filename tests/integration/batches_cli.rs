//! Batches from the CLI: one submit of several jobs is one batch, named on stderr and in
//! `--json`; `jobs --batch` and `wait --batch` take its id or a prefix.

use serde_json::Value;

use crate::cli_cmds::ExtSim;

fn objects(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_count_is_one_batch_that_jobs_and_wait_can_name() {
    let sim = ExtSim::start(0.1);
    let (code, out, err) = sim.run(&["generate", "a kite", "--count", "3", "--wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    let jobs = objects(&out);
    assert_eq!(jobs.len(), 3, "{out}");
    let batch = jobs[0]["batch"].as_str().expect("a batch id").to_owned();
    assert!(jobs.iter().all(|j| j["batch"] == batch.as_str()), "{out}");
    assert!(jobs.iter().all(|j| j["parent"].is_null()), "{out}");
    let short: String = batch.chars().take(8).collect();
    assert!(err.contains(&format!("qimg jobs --batch {short}")), "{err}");
    // A lone job is in no batch, and is not listed with it.
    let (code, out, err) = sim.run(&["generate", "a lone kite", "--wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(objects(&out)[0]["batch"].is_null(), "{out}");
    let (code, out, err) = sim.run(&["jobs", "--batch", &short, "--json"]);
    assert_eq!(code, 0, "{err}");
    let listed = objects(&out);
    assert_eq!(listed.len(), 3, "{out}");
    assert!(listed.iter().all(|j| j["parameters"]["prompt"] == "a kite"));
    let (code, out, err) = sim.run(&["wait", "--batch", &batch, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(objects(&out).len(), 3, "{out}");
    assert!(objects(&out).iter().all(|j| j["state"] == "done"), "{out}");
    // Bad ids are usage errors.
    for bad in ["zz", "0000"] {
        let (code, _, err) = sim.run(&["jobs", "--batch", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("--batch"), "{err}");
    }
}

#[test]
fn a_grid_run_is_one_batch_with_a_cell_per_job_and_its_dry_run_shows_the_cells_and_cost() {
    let sim = ExtSim::start(0.1);
    let grid = [
        "generate",
        "a {red|blue} kite",
        "--grid",
        "prompt",
        "--grid",
        "seed=5,6",
    ];
    let mut dry: Vec<&str> = grid.to_vec();
    dry.extend(["--dry-run", "--json"]);
    let (code, out, err) = sim.run(&dry);
    assert_eq!(code, 0, "{err}");
    let all = objects(&out);
    assert_eq!(all.len(), 5, "4 cells and the totals: {out}");
    assert_eq!(all[0]["grid"]["prompt"], "a red kite");
    assert_eq!(all[0]["grid"]["seed"], "5");
    assert_eq!(all[1]["grid"]["seed"], "6", "row by row: {out}");
    assert_eq!(all[1]["parameters"]["seed"], 6);
    assert_eq!(all[4]["estimated_cost"]["credits"], 12.0);
    assert_eq!(sim.stats()["submit_requests"], 0);
    let mut real: Vec<&str> = grid.to_vec();
    real.extend(["--wait", "--json"]);
    let (code, out, err) = sim.run(&real);
    assert_eq!(code, 0, "{err}");
    let jobs = objects(&out);
    assert_eq!(jobs.len(), 4);
    let batch = &jobs[0]["batch"];
    assert!(batch.is_string() && jobs.iter().all(|j| &j["batch"] == batch));
    let mut cells: Vec<String> = jobs
        .iter()
        .map(|j| format!("{} {}", j["grid"]["prompt"], j["grid"]["seed"]))
        .collect();
    cells.sort();
    assert_eq!(
        cells,
        [
            "\"a blue kite\" \"5\"",
            "\"a blue kite\" \"6\"",
            "\"a red kite\" \"5\"",
            "\"a red kite\" \"6\""
        ]
    );
    // What a grid cannot hold constant is refused before anything is sent.
    let (code, _, err) = sim.run(&["generate", "a kite", "--grid", "seed=1,2", "--count", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("seed=random:N"), "{err}");
}

#[test]
fn a_contact_sheet_of_a_batch_follows_its_layout_and_lists_its_jobs() {
    let sim = ExtSim::start(0.1);
    let (code, out, err) = sim.run(&["generate", "a kite", "--count", "6", "--wait", "--json"]);
    assert_eq!(code, 0, "{err}");
    let jobs = objects(&out);
    let batch = jobs[0]["batch"].as_str().unwrap().to_owned();
    let sheet = sim.root.path().join("sheet.png");
    let short: String = batch.chars().take(8).collect();
    let (code, out, err) = sim.run(&[
        "sheet",
        &short,
        "-o",
        sheet.to_str().unwrap(),
        "--columns",
        "3",
        "--cell",
        "100x80",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sheet.png"), "{out}");
    let bytes = std::fs::read(&sheet).unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (12 + 3 * 112, 36 + 12 + 2 * 132)
    );
    let chunks = qimg::store::images::png_text_chunks(&bytes);
    let (_, text) = chunks
        .iter()
        .find(|(k, _)| k == "qimg-sheet")
        .expect("the sheet's parameters");
    let params: Value = serde_json::from_str(text).unwrap();
    assert_eq!(params["batch"], batch.as_str());
    let mut listed: Vec<&str> = params["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = jobs.iter().map(|j| j["id"].as_str().unwrap()).collect();
    listed.sort();
    want.sort();
    assert_eq!(listed, want);
    // Four columns by default for... a square-ish layout: 6 jobs make 3 columns.
    let (code, _, err) = sim.run(&["sheet", &batch, "-o", sheet.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let img = image::open(&sheet).unwrap();
    assert_eq!(img.width(), 12 + 3 * 332);
    // Bad input is a usage error that writes nothing.
    let (code, _, err) = sim.run(&["sheet", &short, "-o", "x.png", "--cell", "10x10"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--cell"), "{err}");
    let (code, _, err) = sim.run(&["sheet", "ffffffff", "-o", "x.png"]);
    assert_eq!(code, 2, "{err}");
}
