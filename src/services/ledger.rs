//! Today's and this week's spend from the store, by the ledger's rules (reported costs, else
//! estimates from the catalogue's prices), for the TUI's header and `qimg follow --line`.

use crate::domain::Timestamp;
use crate::domain::catalogue::Catalogue;
use crate::domain::ledger::{Totals, cost_of, day_and_week_start};
use crate::store::{Store, StoreError};

/// Today's and this week's totals (local days; weeks from Monday).
pub fn spend_now(store: &Store, catalogue: &Catalogue) -> Result<(Totals, Totals), StoreError> {
    let (today, week) = day_and_week_start(Timestamp::now(), local_offset());
    let mut day = Totals::default();
    let mut wk = Totals::default();
    for j in store.jobs_since(week)? {
        let price = catalogue
            .find(&j.request.model)
            .and_then(|s| s.price.as_ref());
        let cost = cost_of(&j, price);
        if j.created_at >= today {
            day.add(&cost);
        }
        wk.add(&cost);
    }
    Ok((day, wk))
}

/// The local offset from UTC in seconds (0 when the system does not say).
pub fn local_offset() -> i64 {
    time::UtcOffset::current_local_offset().map_or(0, |o| i64::from(o.whole_seconds()))
}
