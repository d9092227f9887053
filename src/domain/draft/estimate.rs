//! What a plan will cost by the catalogue's prices, before anything is sent: "12 jobs ·
//! 3 models · ≈ 36 credits", or "price unknown" where the catalogue has no price.

use std::collections::{BTreeMap, BTreeSet};

use super::Plan;
use crate::domain::catalogue::Price;

/// The jobs, models and estimated cost of a plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Estimate {
    /// Jobs.
    pub jobs: usize,
    /// Different models.
    pub models: usize,
    /// Total by unit (`credits`, a currency).
    pub cost: BTreeMap<String, f64>,
    /// Jobs with no known price.
    pub unknown: usize,
}

/// When a submit asks before it sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfirmAbove {
    /// More jobs than this.
    pub jobs: u32,
    /// An estimate above this (in any unit).
    pub cost: Option<f64>,
}

impl Default for ConfirmAbove {
    fn default() -> Self {
        Self {
            jobs: 10,
            cost: None,
        }
    }
}

impl Estimate {
    /// True when a submit of this estimate must be confirmed first.
    pub fn needs_confirming(&self, above: ConfirmAbove) -> bool {
        let jobs = u32::try_from(self.jobs).unwrap_or(u32::MAX) > above.jobs;
        let cost = above
            .cost
            .is_some_and(|max| self.cost.values().any(|v| *v > max));
        jobs || cost
    }

    /// The estimate of `plan`; `price_of` gives a model's price per image.
    pub fn of<'a>(plan: &Plan, price_of: impl Fn(&str) -> Option<&'a Price>) -> Self {
        let mut e = Self {
            jobs: plan.jobs.len(),
            ..Self::default()
        };
        let mut models = BTreeSet::new();
        for r in plan.requests() {
            models.insert(r.model.as_str());
            match price_of(&r.model) {
                Some(p) => *e.cost.entry(p.unit.clone()).or_default() += p.per_image,
                None => e.unknown += 1,
            }
        }
        e.models = models.len();
        e
    }

    /// "≈ 36 credits", "≈ 12 credits + price unknown for 2", or "price unknown".
    pub fn cost_text(&self) -> String {
        let mut parts: Vec<String> = self
            .cost
            .iter()
            .map(|(unit, v)| format!("≈ {} {unit}", trim(*v)))
            .collect();
        if self.unknown > 0 {
            parts.push(if self.unknown == self.jobs {
                "price unknown".to_owned()
            } else {
                format!("price unknown for {}", self.unknown)
            });
        }
        parts.join(" + ")
    }
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize, one: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {one}s")
            }
        };
        write!(
            f,
            "{} · {} · {}",
            plural(self.jobs, "job"),
            plural(self.models, "model"),
            self.cost_text()
        )
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::Catalogue;
    use crate::domain::draft::{Draft, validate};

    #[test]
    fn a_plan_reads_like_the_form() {
        let cat = Catalogue::builtin();
        let spec = cat.find("qwen-image-2").unwrap();
        let mut d = Draft::new("a {red|blue} kite");
        d.count = 3;
        let plan = validate(spec, &d).unwrap();
        let price = |m: &str| cat.find(m).and_then(|s| s.price.as_ref());
        let e = Estimate::of(&plan, price);
        assert_eq!(e.to_string(), "6 jobs · 1 model · ≈ 18 credits");
        let plus = validate(cat.find("qwen-image-plus").unwrap(), &Draft::new("x")).unwrap();
        assert_eq!(
            Estimate::of(&plus, price).to_string(),
            "1 job · 1 model · price unknown"
        );
    }
}
