//! Every `qimg …` command in the README's code blocks runs against the simulator, as written,
//! and none ends with a usage error. The only changes: an example job id becomes the id of a
//! job made by an earlier command, `--port 8787` becomes a free port, and shell redirections
//! are left out (they are the shell's, not qimg's).

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::cli_cmds::ExtSim;
use crate::common::png;

/// The job id the README uses in its examples.
const EXAMPLE_ID: &str = "8dc2f01d";

/// The batch id the README uses in its examples.
const EXAMPLE_BATCH: &str = "3f2a1b9c";

/// Commands that keep running (a follower, a server): they pass when still running after this.
const LONG_RUNNING: Duration = Duration::from_secs(3);

/// The `qimg` command lines of the fenced code blocks, without comments and redirections.
fn readme_commands() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut in_block = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let line = line.trim();
        if !in_block || !line.starts_with("qimg ") {
            continue;
        }
        let words = shell_words::split(line).unwrap();
        let words: Vec<String> = words
            .into_iter()
            .take_while(|w| !w.starts_with('#') && w != ">" && w != "|")
            .collect();
        out.push(words);
    }
    out
}

/// Runs `args`; a command still running after `LONG_RUNNING` is stopped and counts as running.
fn run(sim: &ExtSim, args: &[String]) -> (Option<i32>, String, String) {
    let mut child = sim
        .cmd()
        .args(args)
        .current_dir(sim.root.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(60)
            || (long_running(args) && started.elapsed() > LONG_RUNNING)
        {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (code, out, err)
}

fn long_running(args: &[String]) -> bool {
    matches!(args.first().map(String::as_str), Some("follow" | "sim"))
}

/// The first job id printed so far.
fn first_id(outputs: &[String]) -> Option<String> {
    outputs
        .iter()
        .flat_map(|o| o.split(|c: char| !(c.is_ascii_hexdigit() || c == '-')))
        .find_map(|w| {
            (w.len() == 36 && uuid::Uuid::parse_str(w).is_ok()).then(|| w[..8].to_owned())
        })
}

#[test]
fn every_command_in_the_readme_runs_without_a_usage_error() {
    let sim = ExtSim::start(0.2);
    // A newcomer's config: one profile on each wire, both with their keys.
    let url = &sim.url;
    std::fs::write(
        sim.root.path().join("config/config.toml"),
        format!(
            "default_profile = \"af\"\n\
             [profiles.af]\nprovider = \"sim\"\nbase_url = \"{url}\"\nmodel = \"qwen-image-2\"\n\
             [profiles.gw]\nprovider = \"sim\"\nbase_url = \"{url}\"\nmodel = \"qwen-image-plus\"\n"
        ),
    )
    .unwrap();
    std::fs::write(sim.root.path().join("in.png"), png(512, 512)).unwrap();
    // The wildcard the template example names.
    let wildcards = sim.root.path().join("config/wildcards");
    std::fs::create_dir_all(&wildcards).unwrap();
    std::fs::write(wildcards.join("weather.txt"), "# weathers\nfoggy\nstormy\n").unwrap();
    // The preset the presets example names.
    std::fs::write(
        sim.root.path().join("config/presets.toml"),
        "[portrait]\naspect = \"3:4\"\ncount = 2\n",
    )
    .unwrap();
    std::fs::write(
        sim.root.path().join("prompts.jsonl"),
        "# a batch\n{\"prompt\": \"a kite\", \"aspect\": \"16:9\"}\na second prompt\n",
    )
    .unwrap();
    let commands = readme_commands();
    assert!(commands.len() >= 12, "{commands:?}");
    let mut outputs = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for words in commands {
        let mut args: Vec<String> = words[1..].to_vec();
        for a in &mut args {
            if a == EXAMPLE_ID {
                *a = first_id(&outputs).expect("a job was made before the id is used");
            }
            if a == EXAMPLE_BATCH {
                *a = batch_id(&errors).expect("a batch was made before its id is used");
            }
            if a == "8787" {
                *a = "0".into();
            }
        }
        if args.first().map(String::as_str) == Some("sim") && !args.iter().any(|a| a == "--port") {
            args.extend(["--port".into(), "0".into()]);
        }
        let (code, out, err) = run(&sim, &args);
        let shown = words.join(" ");
        assert!(
            !err.contains("Usage:")
                && !err.contains("unexpected argument")
                && !err.contains("required arguments"),
            "`{shown}` is a usage error: {err}"
        );
        if let Some(code) = code {
            assert_eq!(code, 0, "`{shown}` failed: {err}");
        }
        outputs.push(out);
        errors.push(err);
    }
}

/// The id of the first batch `generate` named on stderr.
fn batch_id(errors: &[String]) -> Option<String> {
    errors.iter().find_map(|e| {
        let at = e.find("qimg: batch ")? + "qimg: batch ".len();
        e.get(at..at + 36).map(str::to_owned)
    })
}
