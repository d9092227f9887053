//! Today's and this week's spend from the store, by the ledger's rules (reported costs, else
//! estimates from the catalogue's prices), for the TUI's header and `qimg follow --line`.

use crate::domain::Timestamp;
use crate::domain::ledger::{Prices, Totals, day_and_week_start};
use crate::store::{Store, StoreError};

/// Today's and this week's totals (local days; weeks from Monday).
pub fn spend_now(store: &Store, prices: &Prices) -> Result<(Totals, Totals), StoreError> {
    let (today, week) = day_and_week_start(Timestamp::now(), crate::util::local_offset());
    let mut day = Totals::default();
    let mut wk = Totals::default();
    let prices = prices.clone().with_stored(store.job_prices_since(week)?);
    for j in store.jobs_since(week)? {
        let cost = prices.cost(&j);
        if j.created_at >= today {
            day.add(&cost);
        }
        wk.add(&cost);
    }
    Ok((day, wk))
}
