//! One check's state over time: consecutive counters (each reset by the
//! opposite result), the last probe, recent latencies and the recent state
//! changes with their causes.

use super::{CheckState, Probe, Thresholds, Verdict};
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::time::Duration;

/// Latencies kept for the sparkline and the p95.
pub const LATENCIES_KEPT: usize = 120;
/// State changes kept for the details (the store has them all).
const CHANGES_KEPT: usize = 20;

/// A state change, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: DateTime<Utc>,
    pub from: CheckState,
    pub to: CheckState,
    /// "after 3 failures: connection refused", "2 successes", "first probe".
    pub cause: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckStatus {
    pub state: CheckState,
    /// Consecutive failed probes (0 after a success or warning).
    pub failures: u32,
    /// Consecutive probes that did not fail (0 after a failure).
    pub successes: u32,
    /// Consecutive probes that passed every condition (0 after a warning
    /// or a failure): a warning check is up again after `success` of them.
    pub passes: u32,
    pub last: Option<Probe>,
    /// The last probe's error or warning, kept after it passes again.
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// Seconds, oldest first.
    pub latencies: VecDeque<f64>,
    /// Their 95th percentile, worked out when one arrives (not per frame).
    p95: Option<Duration>,
    /// Newest last.
    pub changes: VecDeque<Change>,
}

impl CheckStatus {
    /// Takes a probe's result; returns the state change it caused, if any.
    pub fn apply(&mut self, probe: Probe, thresholds: Thresholds) -> Option<Change> {
        let verdict = probe.verdict();
        if let Some(latency) = probe.latency {
            if self.latencies.len() == LATENCIES_KEPT {
                self.latencies.pop_front();
            }
            self.latencies.push_back(latency.as_secs_f64());
            self.p95 = percentile_95(&self.latencies);
        }
        if verdict != Verdict::Pass {
            self.last_error = Some((probe.at, probe.cause()));
        }
        let (to, cause) = self.next_state(verdict, &probe, thresholds);
        let at = probe.at;
        self.last = Some(probe);
        if to == self.state {
            return None;
        }
        let change = Change {
            at,
            from: self.state,
            to,
            cause,
        };
        self.state = to;
        if self.changes.len() == CHANGES_KEPT {
            self.changes.pop_front();
        }
        self.changes.push_back(change.clone());
        Some(change)
    }

    /// Counts the result and decides the state it leads to, with the cause
    /// a change would have.
    fn next_state(
        &mut self,
        verdict: Verdict,
        probe: &Probe,
        thresholds: Thresholds,
    ) -> (CheckState, String) {
        let failure = thresholds.failure.max(1);
        let success = thresholds.success.max(1);
        if verdict == Verdict::Fail {
            self.failures += 1;
            self.successes = 0;
            self.passes = 0;
            let cause = format!(
                "after {}: {}",
                plural(self.failures, "failure"),
                probe.cause()
            );
            return match self.state {
                CheckState::Down => (CheckState::Down, cause),
                _ if self.failures >= failure => (CheckState::Down, cause),
                _ => (
                    CheckState::Pending,
                    format!("{}/{failure} failures: {}", self.failures, probe.cause()),
                ),
            };
        }
        self.failures = 0;
        self.successes += 1;
        self.passes = if verdict == Verdict::Pass {
            self.passes + 1
        } else {
            0
        };
        let good = if verdict == Verdict::Warn {
            CheckState::Warning
        } else {
            CheckState::Up
        };
        let cause = match (verdict, self.state) {
            (Verdict::Warn, _) => probe.cause(),
            (_, CheckState::Unknown) => "first probe".to_string(),
            (_, CheckState::Warning) => "all conditions pass".to_string(),
            _ => format!("after {}", plural(self.successes, "success")),
        };
        match self.state {
            // A down check must prove itself before it counts as up again,
            CheckState::Down if self.successes < success => (CheckState::Down, cause),
            // and a warning one (a bound crossed back and forth stays a warning).
            CheckState::Warning if good == CheckState::Up && self.passes < success => {
                (CheckState::Warning, cause)
            }
            _ => (good, cause),
        }
    }

    /// The 95th percentile of the kept latencies (nearest rank).
    pub fn p95(&self) -> Option<Duration> {
        self.p95
    }

    /// When the next probe is due: `interval` after the last one started,
    /// or, while failing, `retry` after it ended (a probe that times out is
    /// not followed at once by the next).
    pub fn next_due(&self, interval: Duration, retry: Duration) -> Option<DateTime<Utc>> {
        let last = self.last.as_ref()?;
        let wait = match self.state {
            CheckState::Pending | CheckState::Down => last.took + retry,
            _ => interval,
        };
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        Some(
            last.at
                .checked_add_signed(wait)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }
}

fn plural(n: u32, what: &str) -> String {
    match (n, what) {
        (1, _) => format!("1 {what}"),
        (_, "success") => format!("{n} successes"),
        _ => format!("{n} {what}s"),
    }
}

fn percentile_95(latencies: &VecDeque<f64>) -> Option<Duration> {
    if latencies.is_empty() {
        return None;
    }
    let mut sorted: Vec<f64> = latencies.iter().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let rank = (sorted.len() * 95).div_ceil(100).max(1) - 1;
    Some(Duration::from_secs_f64(sorted[rank]))
}
