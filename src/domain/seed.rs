//! Seeds: the range every provider accepts, parsing what the user typed, and turning entropy
//! (drawn by the caller, so this stays pure) into seeds.

/// Largest seed every provider accepts (DashScope's bound).
pub const SEED_MAX: u32 = 2_147_483_647;

/// Why a typed seed is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the seed must be a whole number from 0 to {SEED_MAX}")]
pub struct BadSeed;

/// Parses a seed: digits only (surrounding spaces allowed), 0 to 2147483647.
pub fn parse_seed(s: &str) -> Result<u32, BadSeed> {
    let t = s.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) || t.len() > 10 {
        return Err(BadSeed);
    }
    match t.parse::<u64>() {
        Ok(v) if v <= u64::from(SEED_MAX) => u32::try_from(v).map_err(|_| BadSeed),
        _ => Err(BadSeed),
    }
}

/// A seed in `0..=SEED_MAX` from 64 bits of entropy.
pub fn seed_from(entropy: u64) -> u32 {
    // The modulo bias over 2^64 is far below anything measurable.
    u32::try_from(entropy % (u64::from(SEED_MAX) + 1)).unwrap_or(0)
}

/// A stream of seeds from one entropy value (splitmix64), so a batch of jobs gets distinct,
/// reproducible seeds from a single draw.
#[derive(Debug, Clone)]
pub struct SeedStream(u64);

impl SeedStream {
    /// Starts the stream at `entropy`.
    pub fn new(entropy: u64) -> Self {
        Self(entropy)
    }

    /// The next seed in `lo..=hi`.
    pub fn next_in(&mut self, lo: u32, hi: u32) -> u32 {
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        let span = u64::from(hi - lo) + 1;
        let x = u64::from(self.next_seed());
        lo + u32::try_from(x % span).unwrap_or(0)
    }

    /// The next seed.
    pub fn next_seed(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        seed_from(z ^ (z >> 31))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_seeds() {
        assert_eq!(parse_seed(" 42 "), Ok(42));
        assert_eq!(parse_seed("2147483647"), Ok(SEED_MAX));
        for bad in ["", "-1", "2147483648", "1e3", "12345678901", "4 2"] {
            assert_eq!(parse_seed(bad), Err(BadSeed), "{bad:?}");
        }
    }

    #[test]
    fn streams_stay_in_range_and_differ() {
        let mut s = SeedStream::new(7);
        let seeds: Vec<u32> = (0..100).map(|_| s.next_seed()).collect();
        assert!(seeds.iter().all(|x| *x <= SEED_MAX));
        let unique: std::collections::HashSet<_> = seeds.iter().collect();
        assert_eq!(unique.len(), 100);
        assert_eq!(SeedStream::new(7).next_seed(), seeds[0], "reproducible");
        assert_eq!(
            seed_from(u64::MAX),
            seed_from(u64::MAX % (u64::from(SEED_MAX) + 1))
        );
    }
}
