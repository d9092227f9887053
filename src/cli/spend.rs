//! `qimg spend [--since DATE] [--by profile|model|day] [--json]`: what the jobs cost, from the
//! ledger — reported costs, estimates from the catalogue's prices (marked ≈), and how many made
//! an image of unknown price — with today's and this week's totals.

use std::collections::BTreeMap;
use std::io::Write;

use clap::{Args, ValueEnum};

use super::{Cli, ExitCode};

use crate::domain::ledger::{Prices, Totals, day_and_week_start};
use crate::domain::{Job, Timestamp};

/// How `spend` groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// One row per profile.
    Profile,
    /// One row per model.
    Model,
    /// One row per (local) day.
    Day,
}

/// `qimg spend`.
#[derive(Debug, Args)]
pub struct SpendArgs {
    /// Only jobs made on or after this local date (YYYY-MM-DD), or `today`, `week`.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Rows per profile, model or day.
    #[arg(long, value_enum)]
    pub by: Option<By>,
    /// One JSON object per row, then the totals.
    #[arg(long)]
    pub json: bool,
}

/// Runs `spend`.
pub fn spend(cli: &Cli, a: &SpendArgs) -> ExitCode {
    let services = match super::session::open(cli) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let offset = crate::util::local_offset();
    let since = match a.since.as_deref().map(|s| since_of(s, offset)).transpose() {
        Ok(s) => s.unwrap_or(Timestamp(0)),
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::Usage;
        }
    };
    let (today, week) = day_and_week_start(Timestamp::now(), offset);
    let jobs = match services.store.jobs_since(Timestamp(since.0.min(week.0))) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::JobFailed;
        }
    };
    let stored = match services
        .store
        .job_prices_since(Timestamp(since.0.min(week.0)))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("qimg: {e}");
            return ExitCode::JobFailed;
        }
    };
    let prices = services.config.prices().with_stored(stored);
    let total = |from: Timestamp| totals(jobs.iter().filter(|j| j.created_at >= from), &prices);
    let rows = grouped(
        jobs.iter().filter(|j| j.created_at >= since),
        a.by,
        &prices,
        offset,
    );
    let mut out = std::io::stdout().lock();
    for (group, t) in &rows {
        let line = if a.json {
            json(Some(group), t).to_string()
        } else {
            format!(
                "{:<24} {:>5} jobs  {}",
                crate::sanitize::sanitize_line(group),
                t.jobs,
                t.text()
            )
        };
        let _ = writeln!(out, "{line}");
    }
    let (all, day, wk) = (total(since), total(today), total(week));
    if a.json {
        let mut v = json(None, &all);
        v["today"] = json(None, &day);
        v["this_week"] = json(None, &wk);
        let _ = writeln!(out, "{v}");
    } else {
        let from = a
            .since
            .as_deref()
            .map_or_else(|| "all time".to_owned(), |s| format!("since {s}"));
        let _ = writeln!(
            out,
            "today: {} · this week: {} · {from}: {} ({} jobs)",
            day.text(),
            wk.text(),
            all.text(),
            all.jobs
        );
    }
    ExitCode::Success
}

fn totals<'a>(jobs: impl Iterator<Item = &'a Job>, prices: &Prices) -> Totals {
    let mut t = Totals::default();
    for j in jobs {
        t.add(&prices.cost(j));
    }
    t
}

fn grouped<'a>(
    jobs: impl Iterator<Item = &'a Job>,
    by: Option<By>,
    prices: &Prices,
    offset: i64,
) -> BTreeMap<String, Totals> {
    let mut rows: BTreeMap<String, Totals> = BTreeMap::new();
    let Some(by) = by else {
        return rows;
    };
    for j in jobs {
        let key = match by {
            By::Profile => j.profile.clone(),
            By::Model => j.request.model.clone(),
            By::Day => Timestamp(j.created_at.0 + offset * 1000)
                .to_rfc3339()
                .get(..10)
                .unwrap_or_default()
                .to_owned(),
        };
        rows.entry(key).or_default().add(&prices.cost(j));
    }
    rows
}

fn json(group: Option<&str>, t: &Totals) -> serde_json::Value {
    let by = |f: fn(&crate::domain::ledger::UnitTotal) -> f64| -> serde_json::Map<String, serde_json::Value> {
        t.by_unit
            .iter()
            .map(|(u, v)| (u.clone(), serde_json::json!(f(v))))
            .collect()
    };
    let mut v = serde_json::json!({
        "schema": 1,
        "jobs": t.jobs,
        "charged": by(|v| v.charged),
        "estimated": by(|v| v.estimated),
        "unknown_price": t.unknown,
        "text": t.text(),
    });
    if let Some(g) = group {
        v["group"] = serde_json::json!(g);
    }
    v
}

/// `today`, `week` or a local `YYYY-MM-DD`, as the timestamp of its start.
fn since_of(text: &str, offset: i64) -> Result<Timestamp, String> {
    let (today, week) = day_and_week_start(Timestamp::now(), offset);
    match text.trim() {
        "today" => return Ok(today),
        "week" => return Ok(week),
        _ => {}
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), &format).map_err(|_| {
        format!(
            "--since `{}`: give a date as YYYY-MM-DD, or today or week",
            crate::sanitize::sanitize_line(text)
        )
    })?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Ok(Timestamp((midnight - offset) * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_dates_today_and_week() {
        assert_eq!(
            since_of("2026-12-03", 0).unwrap().to_rfc3339(),
            "2026-12-03T00:00:00Z"
        );
        assert_eq!(
            since_of("2026-12-03", 3600).unwrap().to_rfc3339(),
            "2026-12-02T23:00:00Z"
        );
        assert!(since_of("today", 0).is_ok() && since_of("week", 0).is_ok());
        assert!(since_of("yesterday", 0).unwrap_err().contains("YYYY-MM-DD"));
        assert_eq!(crate::domain::ledger::number(3.0), "3");
    }
}
