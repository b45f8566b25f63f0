//! Health checks as an engine: what one probe found (`Probe`, a verdict per
//! condition), and how probes move a check between states with consecutive
//! counters (`CheckStatus::apply`), each change with its cause. Nothing here
//! probes, reads the clock or draws: the runtime probes (`runtime::health`),
//! the dashboard and `snapshot` feed the results in with their times.
//!
//! `host` is the built-in check of this host's disk and memory, fed from the
//! resource samples instead of a probe.

pub mod host;
mod spec;
mod status;
#[cfg(test)]
mod tests;

pub use spec::{BodyPattern, CheckSpec, HttpProbe, ProbeSpec};
pub use status::{Change, CheckStatus, LATENCIES_KEPT};

use chrono::{DateTime, Utc};
use std::time::Duration;

/// A check's state, as the pane, the rules and the report name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CheckState {
    /// Not probed yet.
    #[default]
    Unknown,
    Up,
    /// Works, but a bound is crossed: a command's exit 1, a certificate
    /// expiring, latency over its bound.
    Warning,
    /// Failing, below the failure threshold.
    Pending,
    Down,
}

impl CheckState {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckState::Unknown => "unknown",
            CheckState::Up => "up",
            CheckState::Warning => "warning",
            CheckState::Pending => "pending",
            CheckState::Down => "down",
        }
    }

    /// `opsdeck_check_state`: 0 up, 1 warning, 2 pending, 3 down (no series
    /// before the first probe).
    pub fn series_value(self) -> Option<f64> {
        match self {
            CheckState::Unknown => None,
            CheckState::Up => Some(0.0),
            CheckState::Warning => Some(1.0),
            CheckState::Pending => Some(2.0),
            CheckState::Down => Some(3.0),
        }
    }

    /// `opsdeck_check_up`: whether it answers as it should, a bound crossed
    /// or not (pending has not failed often enough to count as down).
    pub fn is_up(self) -> bool {
        matches!(
            self,
            CheckState::Up | CheckState::Warning | CheckState::Pending
        )
    }
}

/// How one condition of a probe came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// One condition of a probe: `status 200 ✓`, `latency 612 ms > 500 ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub verdict: Verdict,
    pub text: String,
}

impl Condition {
    pub fn new(verdict: Verdict, text: impl Into<String>) -> Condition {
        Condition {
            verdict,
            text: text.into(),
        }
    }
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Probe {
    pub at: DateTime<Utc>,
    /// Until the answer (or the failure); none for a probe that never started.
    pub latency: Option<Duration>,
    /// How long the whole probe took, answer or not (the next one, while
    /// failing, comes `retry_interval` after it ended).
    pub took: Duration,
    pub conditions: Vec<Condition>,
    /// Why the probe could not get an answer at all (refused, DNS, TLS,
    /// timeout, command not found): down, with this named.
    pub error: Option<String>,
    /// When the served certificate expires (https).
    pub certificate_expiry: Option<DateTime<Utc>>,
}

impl Probe {
    /// The worst condition; an error fails it.
    pub fn verdict(&self) -> Verdict {
        if self.error.is_some() {
            return Verdict::Fail;
        }
        self.conditions
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Pass)
    }

    /// Why it failed or warned, in a few words: the error, else the
    /// conditions that did not pass.
    pub fn cause(&self) -> String {
        if let Some(e) = &self.error {
            return e.clone();
        }
        let worst = self.verdict();
        let texts: Vec<&str> = self
            .conditions
            .iter()
            .filter(|c| c.verdict == worst && worst != Verdict::Pass)
            .map(|c| c.text.as_str())
            .collect();
        texts.join(", ")
    }
}

/// How many probes in a row change the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Consecutive failures before down (fewer: pending).
    pub failure: u32,
    /// Consecutive successes before a down check is up again.
    pub success: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            failure: 3,
            success: 2,
        }
    }
}
