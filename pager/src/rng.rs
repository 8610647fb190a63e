//! A tiny deterministic random number generator (splitmix64).
//!
//! The simulated VFS decides what survives a crash by drawing random
//! numbers, and a failing crash test is only useful if it can be replayed:
//! the same seed must give the same crash, bit for bit, on every machine and
//! every toolchain, today and in five years. A hand-written generator gives
//! exactly that guarantee:
//!
//! * **Determinism.** The whole algorithm is the dozen lines below; no
//!   library upgrade can change the stream a seed produces, so a seed
//!   printed by a failing test is a permanent reproduction.
//! * **Reproducible crash seeds.** A test can loop over seeds `0..n`, and
//!   the seed that broke is all anyone needs to rerun the exact failure.
//! * **No dependency.** The pager needs a few random bits, not a
//!   cryptographic generator; splitmix64 passes the usual statistical test
//!   suites and costs nothing to carry.
//!
//! It is public so that tests and examples across the workspace draw their
//! seeded workloads from the same generator.
//!
//! The algorithm is Sebastiano Vigna's splitmix64: a counter advanced by the
//! golden-ratio constant, then scrambled by [`mix64`].

/// Odd constant derived from the golden ratio; the counter's step.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// One splitmix64 finalization step: scrambles `x` so that nearby inputs give
/// unrelated outputs.
///
/// Useful on its own to derive a value deterministically from another (for
/// example a per-file seed from a global seed and a file number).
pub fn mix64(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The splitmix64 generator: 64 bits of state, one addition and one
/// [`mix64`] per output.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose stream is fully determined by `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A number in `0..n`, or 0 if `n` is 0.
    ///
    /// Uses the multiply-shift reduction (the high half of a 128-bit
    /// product), whose bias is at most `n / 2^64`: irrelevant here.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let wide = u128::from(self.next_u64()) * u128::from(n);
        // The high half of a product of two u64 values always fits in u64.
        (wide >> 64) as u64
    }

    /// True with probability `numerator / denominator` (always false if the
    /// denominator is 0, always true if the numerator is at least the
    /// denominator).
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        if denominator == 0 {
            return false;
        }
        self.below(denominator) < numerator
    }

    /// An index into a collection of `len` elements (0 if `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.fill(&mut v);
        v
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_splitmix64() {
        // Reference outputs of splitmix64 seeded with 1234567 (from Vigna's
        // C implementation).
        let mut rng = SplitMix64::new(1_234_567);
        let expected = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for want in expected {
            assert_eq!(rng.next_u64(), want);
        }
    }

    #[test]
    fn same_seed_same_stream() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(7);
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.below(1), 0);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let x = rng.below(5);
            assert!(x < 5);
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn chance_edges() {
        let mut rng = SplitMix64::new(9);
        for _ in 0..100 {
            assert!(!rng.chance(0, 3));
            assert!(rng.chance(3, 3));
            assert!(!rng.chance(1, 0));
        }
    }

    #[test]
    fn fill_covers_odd_lengths() {
        let mut rng = SplitMix64::new(3);
        let mut buf = [0u8; 13];
        rng.fill(&mut buf);
        assert!(buf.iter().any(|&b| b != 0));
        let mut again = SplitMix64::new(3);
        let mut buf2 = [0u8; 13];
        again.fill(&mut buf2);
        assert_eq!(buf, buf2);
    }
}
