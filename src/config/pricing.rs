//! A profile's prices and budget: `price_per_image` and `price_unit` over the catalogue's price,
//! `budget = { daily, monthly, confirm_above }`, and the guard the store keeps for its new jobs.

use super::build::{FieldError, field_err};
use super::file::ProfileFile;
use super::profile::{Profile, ProviderKind};
use crate::domain::budget::{Budget, Guard, month_start};
use crate::domain::catalogue::{Catalogue, Price};
use crate::domain::ledger::day_and_week_start;
use crate::domain::{Job, Timestamp};

/// The unit of a profile without `price_unit`.
const CREDITS: &str = "credits";

/// `price_per_image` and `price_unit`; Apiframe charges credits, so only credits go with it.
pub(super) fn price(pf: &ProfileFile, kind: ProviderKind) -> Result<Option<Price>, FieldError> {
    let unit = match &pf.price_unit {
        Some(u) if u.get_ref().trim().is_empty() || u.get_ref().len() > 16 => {
            return Err(field_err(
                u.span(),
                "price_unit",
                "name a unit such as \"credits\" or \"CNY\"",
            ));
        }
        Some(u) if kind == ProviderKind::Apiframe && u.get_ref() != CREDITS => {
            return Err(field_err(
                u.span(),
                "price_unit",
                "Apiframe charges credits: leave price_unit out",
            ));
        }
        Some(u) => crate::sanitize::sanitize_line(u.get_ref().trim()).into_owned(),
        None => CREDITS.to_owned(),
    };
    match &pf.price_per_image {
        Some(p) if !(p.get_ref().is_finite() && *p.get_ref() >= 0.0) => Err(field_err(
            p.span(),
            "price_per_image",
            "must be a number of 0 or more",
        )),
        Some(p) => Ok(Some(Price {
            // `+ 0.0` turns a written -0 into 0.
            per_image: *p.get_ref() + 0.0,
            unit,
        })),
        None => match &pf.price_unit {
            Some(u) => Err(field_err(
                u.span(),
                "price_unit",
                "price_unit needs price_per_image = N next to it",
            )),
            None => Ok(None),
        },
    }
}

/// `budget = { … }`: every amount 0 or more.
pub(super) fn budget(pf: &ProfileFile) -> Result<Budget, FieldError> {
    let Some(b) = &pf.budget else {
        return Ok(Budget::default());
    };
    let amount = |v: &Option<toml::Spanned<f64>>, field: &'static str| match v {
        Some(n) if !(n.get_ref().is_finite() && *n.get_ref() >= 0.0) => {
            Err(field_err(n.span(), field, "must be a number of 0 or more"))
        }
        Some(n) => Ok(Some(*n.get_ref() + 0.0)),
        None => Ok(None),
    };
    Ok(Budget {
        daily: amount(&b.daily, "budget.daily")?,
        monthly: amount(&b.monthly, "budget.monthly")?,
        confirm_above: amount(&b.confirm_above, "budget.confirm_above")?,
    })
}

impl Profile {
    /// The unit of its prices and budget.
    pub fn unit(&self) -> &str {
        self.price.as_ref().map_or(CREDITS, |p| p.unit.as_str())
    }

    /// What one image of `model` costs on this profile: its own `price_per_image`, else the
    /// catalogue's price.
    pub fn price_of<'a>(&'a self, catalogue: &'a Catalogue, model: &str) -> Option<&'a Price> {
        self.price
            .as_ref()
            .or_else(|| catalogue.find(model).and_then(|s| s.price.as_ref()))
    }

    /// What a new job of `model` reserves against the budget (`None`: price unknown here, or
    /// in a unit other than the budget's).
    pub fn reservation(&self, catalogue: &Catalogue, model: &str) -> Option<f64> {
        crate::domain::budget::reservation(self.price_of(catalogue, model), self.unit())
    }

    /// What the store keeps with each new job of `model`: its price now.
    pub fn price_rows(&self, catalogue: &Catalogue, jobs: &[Job]) -> Vec<(Job, Option<Price>)> {
        jobs.iter()
            .map(|j| {
                (
                    j.clone(),
                    self.price_of(catalogue, &j.request.model).cloned(),
                )
            })
            .collect()
    }

    /// When a submit estimated at `estimate` must be confirmed first by this profile's
    /// `budget.confirm_above` (or `global`, the config's `confirm_cost_above`): the limit.
    pub fn confirm_limit(
        &self,
        estimate: &crate::domain::draft::Estimate,
        global: Option<f64>,
    ) -> Option<f64> {
        let limit = self.budget.confirm_above.or(global)?;
        (estimate.cost.values().any(|v| *v > limit + 1e-9)).then_some(limit)
    }

    /// The caps the store keeps for a submit at `now` (local days and months), if any.
    pub fn guard(&self, now: Timestamp, offset_s: i64) -> Option<Guard> {
        let (day, _) = day_and_week_start(now, offset_s);
        let month = month_start(now, offset_s);
        Guard::of(&self.budget, &self.name, self.unit(), day, month)
    }
}

impl super::Config {
    /// The prices of images by profile and model (for the ledger).
    pub fn prices(&self) -> crate::domain::ledger::Prices {
        prices_of(&self.catalogue, &self.profiles)
    }
}

/// The prices of `catalogue` with each profile's own `price_per_image` over them.
pub fn prices_of(
    catalogue: &std::sync::Arc<Catalogue>,
    profiles: &indexmap::IndexMap<String, Profile>,
) -> crate::domain::ledger::Prices {
    let own = profiles
        .iter()
        .filter_map(|(name, p)| p.price.clone().map(|price| (name.clone(), price)));
    crate::domain::ledger::Prices::new(std::sync::Arc::clone(catalogue), own)
}
