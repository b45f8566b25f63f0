//! What a target's row says: its state in a word, derived here so `draw`
//! only picks the words' colours.

use super::TargetView;
use crate::engine::scaling::{Reason, TargetSpec};
use chrono::{DateTime, Utc};

/// One evaluation on the replicas chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartPoint {
    pub current: u32,
    /// The first metric's value.
    pub metric: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Nothing read yet.
    Waiting,
    /// `current` could not be read: nothing is decided.
    CurrentUnreadable,
    Executing,
    /// Waiting for `current` to read the count just set.
    Settling,
    ExecutorFailed,
    /// 0 replicas: HPA leaves it alone.
    Disabled,
    MetricMissing,
    Stabilised,
    /// Policies or min/max hold the change back.
    Limited,
    ScalingUp,
    ScalingDown,
    Steady,
}

impl TargetState {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Waiting => "reading…",
            TargetState::CurrentUnreadable => "current unreadable",
            TargetState::Executing => "executing",
            TargetState::Settling => "settling",
            TargetState::ExecutorFailed => "executor failed",
            TargetState::Disabled => "disabled",
            TargetState::MetricMissing => "metric missing",
            TargetState::Stabilised => "stabilised",
            TargetState::Limited => "limited",
            TargetState::ScalingUp => "scaling up",
            TargetState::ScalingDown => "scaling down",
            TargetState::Steady => "steady",
        }
    }
}

impl TargetView {
    /// A change under way, here or (as its stored evaluation says) on the
    /// leader: (since, from, to).
    pub fn under_way(&self) -> Option<(DateTime<Utc>, u32, u32)> {
        self.executing.or(self.elsewhere)
    }

    pub fn state(&self) -> TargetState {
        if self.under_way().is_some() {
            return TargetState::Executing;
        }
        if self.inputs.as_ref().is_some_and(|i| i.current.is_none()) {
            return TargetState::CurrentUnreadable;
        }
        if self.settling.is_some() {
            return TargetState::Settling;
        }
        let Some(d) = &self.decision else {
            return TargetState::Waiting;
        };
        // Failed, and the change is still wanted.
        if self.last_execution.as_ref().is_some_and(|r| !r.executed) && d.changes() {
            return TargetState::ExecutorFailed;
        }
        let has = |r: Reason| d.reasons.contains(&r);
        if has(Reason::ScalingDisabled) {
            TargetState::Disabled
        } else if has(Reason::FailedGetMetric) {
            TargetState::MetricMissing
        } else if has(Reason::ScaleUpStabilized) || has(Reason::ScaleDownStabilized) {
            TargetState::Stabilised
        } else if d.stabilized.is_some_and(|s| s != d.desired) {
            TargetState::Limited
        } else if d.desired > d.current {
            TargetState::ScalingUp
        } else if d.desired < d.current {
            TargetState::ScalingDown
        } else {
            TargetState::Steady
        }
    }

    /// How old the last read is, when older than three intervals and the
    /// timeout: the figures on screen are stale.
    pub fn stale_for(&self, now: DateTime<Utc>, spec: &TargetSpec) -> Option<chrono::Duration> {
        let limit =
            chrono::Duration::from_std(spec.interval * 3 + spec.timeout).unwrap_or_default();
        let age = now - self.read_at?;
        (age > limit).then_some(age)
    }

    /// The newest figure for `current` (the last one read, else decided).
    pub fn current(&self) -> Option<u32> {
        let read = self.inputs.as_ref().and_then(|i| i.current);
        read.or(self.decision.as_ref().map(|d| d.current))
    }
}
