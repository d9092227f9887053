//! The account's credits (Apiframe's `/v2/me`), read when the TUI asks — at start and as jobs
//! end — at most once a minute per profile: asks within the minute are served by one read at
//! its end, and nothing is read while nobody asks (an idle monitor costs no requests).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ApiEvent;
use super::engine::Shared;
use crate::domain::models::Wire;

/// At most one read per profile in this time.
pub const BALANCE_EVERY: Duration = Duration::from_secs(60);

/// When a profile's balance was last read, and whether a read is already waiting.
#[derive(Debug, Default)]
pub struct BalanceClock {
    last: Option<Instant>,
    pending: bool,
}

impl BalanceClock {
    /// When the asked-for read may run (now, or a minute after the last one); `None` when a
    /// read is already waiting, which will serve this ask too.
    fn claim(&mut self, now: Instant) -> Option<Instant> {
        if self.pending {
            return None;
        }
        self.pending = true;
        Some(self.last.map_or(now, |l| (l + BALANCE_EVERY).max(now)))
    }

    fn done(&mut self, at: Instant) {
        self.last = Some(at);
        self.pending = false;
    }
}

/// Reads `profile`'s balance when the clock allows and reports it as `ApiEvent::Balance`.
/// Profiles without a balance (gateways) and profiles whose key was refused are skipped.
pub(crate) async fn read(shared: Arc<Shared>, profile: String, shutdown: CancellationToken) {
    let Ok(rt) = shared.runtime(&profile).await else {
        return;
    };
    let Some(provider) = rt.provider(Wire::Apiframe) else {
        return;
    };
    if rt.is_auth_broken() {
        return;
    }
    let at = rt
        .balance_clock
        .lock()
        .ok()
        .and_then(|mut c| c.claim(Instant::now()));
    let Some(at) = at else {
        return;
    };
    tokio::select! {
        () = shutdown.cancelled() => return,
        () = tokio::time::sleep_until(at) => {}
    }
    let Some(reading) = provider.balance() else {
        return;
    };
    let result = reading.await;
    if let Ok(mut c) = rt.balance_clock.lock() {
        c.done(Instant::now());
    }
    match result {
        Ok(Some(credits)) => shared.emit(ApiEvent::Balance { profile, credits }),
        Ok(None) => tracing::debug!(profile, "the account reports no credits"),
        Err(e) => tracing::warn!(profile, error = %e, "cannot read the balance"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_read_a_minute_and_asks_meanwhile_share_the_waiting_one() {
        let mut c = BalanceClock::default();
        let t0 = Instant::now();
        assert_eq!(c.claim(t0), Some(t0), "the first read runs at once");
        assert_eq!(c.claim(t0), None, "a read is under way");
        c.done(t0);
        let t1 = t0 + Duration::from_secs(5);
        assert_eq!(
            c.claim(t1),
            Some(t0 + BALANCE_EVERY),
            "a minute after the last"
        );
        assert_eq!(c.claim(t1), None);
        c.done(t0 + BALANCE_EVERY);
        let late = t0 + Duration::from_secs(600);
        assert_eq!(c.claim(late), Some(late), "after a quiet spell: at once");
    }
}
