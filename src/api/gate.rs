//! A per-profile rate gate: a 429 closes it for `Retry-After`, and every request of that
//! profile waits until it opens again.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Closed until an instant; open when that instant has passed.
#[derive(Debug, Default)]
pub struct RateGate {
    until: Mutex<Option<Instant>>,
}

impl RateGate {
    /// Waits until the gate is open.
    pub async fn wait(&self) {
        loop {
            let until = self.until.lock().ok().and_then(|u| *u);
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Closes the gate for `d` (keeping a later closing time if one is set).
    pub fn close_for(&self, d: Duration) {
        let t = Instant::now() + d;
        if let Ok(mut u) = self.until.lock() {
            *u = Some(u.map_or(t, |old| old.max(t)));
        }
    }

    /// When the gate opens, if it is closed now.
    pub fn closed_until(&self) -> Option<Instant> {
        self.until
            .lock()
            .ok()
            .and_then(|u| *u)
            .filter(|t| *t > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waits_until_open() {
        let g = RateGate::default();
        g.close_for(Duration::from_secs(7));
        g.close_for(Duration::from_secs(2));
        let t0 = Instant::now();
        g.wait().await;
        assert_eq!(t0.elapsed().as_secs(), 7);
        assert!(g.closed_until().is_none());
    }
}
