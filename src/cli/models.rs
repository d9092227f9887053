//! `qimg models`: the model catalogue (the built-ins and config.toml's models), with what each
//! takes and where its entry came from; `--json` for scripts.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::ExitCode;
use crate::domain::catalogue::{Carried, Entry, ModelSpec, Origin, ShapeSpec};
use crate::domain::models::{Task, Wire};

/// `qimg models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// One JSON array: every field of every model, its origin and the profiles offering it.
    #[arg(long)]
    pub json: bool,
}

/// One model as `--json` prints it.
#[derive(Serialize)]
struct ModelJson<'a> {
    #[serde(flatten)]
    spec: &'a ModelSpec,
    origin: &'a Origin,
    /// Profiles of config.toml whose wire serves the model.
    profiles: Vec<&'a str>,
}

/// Runs `models`.
pub fn models(args: &ModelsArgs) -> ExitCode {
    let (_, config) = match crate::services::load_config() {
        Ok(v) => v,
        Err(e) => return super::boot_failed(&e),
    };
    let profiles_of = |wire: Wire| -> Vec<&str> {
        config
            .profiles
            .values()
            .filter(|p| p.wire() == wire)
            .map(|p| p.name.as_str())
            .collect()
    };
    let entries = config.catalogue.entries();
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let list: Vec<ModelJson> = entries
            .iter()
            .map(|e| ModelJson {
                spec: &e.spec,
                origin: &e.origin,
                profiles: profiles_of(e.spec.wire),
            })
            .collect();
        serde_json::to_string_pretty(&list)
            .map_err(std::io::Error::other)
            .and_then(|j| writeln!(out, "{j}"))
    } else {
        entries
            .iter()
            .try_for_each(|e| writeln!(out, "{}", describe(e)))
    };
    match written {
        Ok(()) => ExitCode::Success,
        // A closed pipe (`qimg models | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::Success,
        Err(e) => {
            eprintln!("qimg: cannot write: {e}");
            ExitCode::JobFailed
        }
    }
}

/// A model in a few lines: id, wire and kind, origin; what it takes.
fn describe(e: &Entry) -> String {
    let m = &e.spec;
    let kind = match m.task {
        Task::Generate => "text to image",
        Task::Edit => "edit",
        Task::Both => "text to image, or edit with a reference",
    };
    let mut takes = vec![shape(&m.shape)];
    if let Some(max) = m.negative_max {
        takes.push(format!("negative prompt ≤ {max}"));
    }
    if let Some((lo, hi)) = m.seed {
        takes.push(format!("seed {lo}–{hi}"));
    }
    takes.push(format!("rewrite {}", carried(m.rewrite)));
    takes.push(format!("watermark {}", carried(m.watermark)));
    if m.takes_images() {
        let i = m.images;
        takes.push(format!(
            "{}–{} image(s) {}–{} px, ≤ {} MB",
            i.min,
            i.max,
            i.min_side,
            i.max_side,
            i.max_bytes / 1_048_576
        ));
    }
    let price = m.price.as_ref().map_or_else(String::new, |p| {
        format!(", {} {} per image", p.per_image, p.unit)
    });
    format!(
        "{}  ({}, {kind}; {}{price})\n  {}\n  takes: {}",
        m.id,
        m.wire.label(),
        e.origin.describe(),
        m.label,
        takes.join("; ")
    )
}

fn shape(s: &ShapeSpec) -> String {
    match s {
        ShapeSpec::None => "size from the input".to_owned(),
        ShapeSpec::Ratios(r) => {
            let all: Vec<&str> = r.iter().map(|x| x.ratio.as_str()).collect();
            format!("--aspect {}", all.join(" "))
        }
        ShapeSpec::Sizes(s) => {
            let all: Vec<String> = s.iter().map(|x| x.wire()).collect();
            format!("--size {}", all.join(" "))
        }
        ShapeSpec::Free { limits, .. } => format!(
            "--size W*H, sides {}–{}, {}–{} pixels",
            limits.min_side, limits.max_side, limits.min_pixels, limits.max_pixels
        ),
    }
}

fn carried(c: Carried) -> &'static str {
    match c {
        Carried::Send => "sent by qimg",
        Carried::Provider => "decided by the provider",
        Carried::None => "none",
    }
}
