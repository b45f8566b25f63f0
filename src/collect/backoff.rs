//! Exponential backoff for a polling source.
//!
//! A healthy source is polled every `base` (its interval). After `n` failures
//! in a row the wait grows to `base × 2^n`, capped at `max`, with jitter so
//! that many dashboards watching one flaky server don't retry in lockstep.
//! The wait never drops below the interval (nor below [`MIN_FAILURE_WAIT`]):
//! a failing source is never polled faster than a healthy one.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// The shortest wait after a failure, whatever the interval: a source that
/// fails at once (connection refused) must not be hammered.
pub const MIN_FAILURE_WAIT: Duration = Duration::from_secs(1);

/// How the wait is spread below its exponential ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// Uniform in `[floor, ceiling]`: spreads retries the most.
    Full,
    /// Uniform in `[ceiling/2, ceiling]`: keeps most of the backoff.
    #[default]
    Equal,
}

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    jitter: Jitter,
    failures: u32,
    /// Per-process random hasher: the only source of randomness (no `rand`).
    random: RandomState,
    draws: u64,
}

impl Backoff {
    /// `base` is the poll interval; `max` the longest wait after failures
    /// (raised to the floor if given smaller).
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max,
            jitter: Jitter::default(),
            failures: 0,
            random: RandomState::new(),
            draws: 0,
        }
    }

    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The source answered: reset, and wait one interval.
    pub fn on_success(&mut self) -> Duration {
        self.failures = 0;
        self.base
    }

    /// The source failed: wait longer than last time.
    pub fn on_failure(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.draws = self.draws.wrapping_add(1);
        let draw = self.random.hash_one(self.draws);
        self.wait_for(draw)
    }

    /// Failures in a row since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The wait for the current failure count, given a uniform random draw.
    /// Separate from `on_failure` so tests can pin the jitter's extremes.
    fn wait_for(&self, draw: u64) -> Duration {
        let floor = self.base.max(MIN_FAILURE_WAIT);
        let cap = self.max.max(floor);
        // 2^32 intervals already exceeds any sane max; also avoids overflow.
        let factor = 1u32.checked_shl(self.failures.min(31)).unwrap_or(u32::MAX);
        let ceiling = self
            .base
            .checked_mul(factor)
            .unwrap_or(cap)
            .clamp(floor, cap);
        let low = match self.jitter {
            Jitter::Full => floor,
            Jitter::Equal => (ceiling / 2).max(floor),
        };
        let fraction = draw as f64 / u64::MAX as f64;
        let wait = low + (ceiling - low).mul_f64(fraction);
        wait.clamp(floor, cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn failed(b: &mut Backoff, n: u32) {
        for _ in 0..n {
            b.on_failure();
        }
    }

    #[test]
    fn success_waits_one_interval_and_resets() {
        let mut b = Backoff::new(S(5), S(300));
        failed(&mut b, 3);
        assert_eq!(b.failures(), 3);
        assert_eq!(b.on_success(), S(5));
        assert_eq!(b.failures(), 0);
    }

    #[test]
    fn equal_jitter_bounds_double_each_failure() {
        let mut b = Backoff::new(S(5), S(300));
        // ceiling after n failures = 5 × 2^n: 10, 20, 40, 80, 160, 300, 300
        for (n, ceiling) in [
            (1, 10),
            (2, 20),
            (3, 40),
            (4, 80),
            (5, 160),
            (6, 300),
            (7, 300),
        ] {
            failed(&mut b, 1);
            assert_eq!(b.failures(), n);
            let floor = (S(ceiling) / 2).max(S(5));
            assert_eq!(b.wait_for(0), floor, "lowest after {n} failures");
            assert_eq!(b.wait_for(u64::MAX), S(ceiling), "highest after {n}");
            let got = b.wait_for(u64::MAX / 2);
            assert!(got > floor && got < S(ceiling), "{got:?} after {n}");
        }
    }

    #[test]
    fn full_jitter_spans_interval_to_ceiling() {
        let mut b = Backoff::new(S(5), S(60)).with_jitter(Jitter::Full);
        failed(&mut b, 3);
        assert_eq!(b.wait_for(0), S(5));
        assert_eq!(b.wait_for(u64::MAX), S(40));
        failed(&mut b, 10);
        assert_eq!(b.wait_for(u64::MAX), S(60));
    }

    #[test]
    fn random_waits_stay_within_bounds_and_vary() {
        let mut b = Backoff::new(S(2), S(30)).with_jitter(Jitter::Full);
        failed(&mut b, 4); // ceiling 32 → capped at 30
        let waits: Vec<Duration> = (0..200)
            .map(|_| {
                b.failures = 4;
                b.on_failure()
            })
            .collect();
        assert!(waits.iter().all(|w| *w >= S(2) && *w <= S(30)));
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 100, "jitter should spread retries");
    }

    #[test]
    fn never_below_one_second_nor_the_interval() {
        let mut b = Backoff::new(Duration::from_millis(100), S(10));
        failed(&mut b, 1);
        assert_eq!(b.wait_for(0), S(1));
        let mut b = Backoff::new(S(30), S(10)); // max below the interval
        failed(&mut b, 5);
        assert_eq!(b.wait_for(0), S(30));
        assert_eq!(b.wait_for(u64::MAX), S(30));
    }

    #[test]
    fn huge_failure_counts_do_not_overflow() {
        let mut b = Backoff::new(S(3600), S(86_400));
        b.failures = u32::MAX - 1;
        let wait = b.on_failure();
        assert!(wait <= S(86_400) && wait >= S(43_200));
        assert_eq!(b.failures(), u32::MAX);
        b.on_failure();
        assert_eq!(b.failures(), u32::MAX);
    }
}
