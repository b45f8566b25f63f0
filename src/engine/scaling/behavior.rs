//! `behavior`: how fast a target may scale each way, as HPA's
//! `HorizontalPodAutoscalerBehavior`, with HPA's defaults.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Behavior {
    pub up: Rules,
    pub down: Rules,
}

/// One direction's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Recommendations within this window hold the change back (up: the
    /// lowest of them; down: the highest).
    pub stabilization: Duration,
    pub select: Select,
    pub policies: Vec<Policy>,
}

/// Which policy wins when several allow different changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// The one allowing the largest change (HPA's default).
    Max,
    /// The one allowing the smallest change.
    Min,
    /// No scaling this way at all.
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub kind: PolicyKind,
    pub value: u32,
    pub period: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// At most `value` replicas per period.
    Pods,
    /// At most `value` % of the replicas at the period's start.
    Percent,
}

impl Default for Behavior {
    /// HPA's: up at once, by 100 % or 4 replicas per 15 s, whichever is
    /// more; down after a 5-minute window, by up to 100 % per 15 s.
    fn default() -> Self {
        let every = Duration::from_secs(15);
        Behavior {
            up: Rules {
                stabilization: Duration::ZERO,
                select: Select::Max,
                policies: vec![
                    Policy {
                        kind: PolicyKind::Percent,
                        value: 100,
                        period: every,
                    },
                    Policy {
                        kind: PolicyKind::Pods,
                        value: 4,
                        period: every,
                    },
                ],
            },
            down: Rules {
                stabilization: Duration::from_secs(300),
                select: Select::Max,
                policies: vec![Policy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period: every,
                }],
            },
        }
    }
}

impl Rules {
    /// The longest policy period: scale events older than it are not needed.
    pub fn longest_period(&self) -> Duration {
        self.policies
            .iter()
            .map(|p| p.period)
            .max()
            .unwrap_or_default()
    }

    /// The most replicas allowed after scaling up from `current`, with
    /// `changed` the replicas (added, removed) within a policy's period.
    pub fn up_limit(&self, current: u32, changed: impl Fn(Duration) -> (u32, u32)) -> u32 {
        let counts = self.counts(current, &changed, true);
        match self.select {
            Select::Disabled => current,
            Select::Max => counts.max().unwrap_or(current),
            Select::Min => counts.min().unwrap_or(current),
        }
    }

    /// The fewest replicas allowed after scaling down from `current` (the
    /// largest change is the lowest count).
    pub fn down_limit(&self, current: u32, changed: impl Fn(Duration) -> (u32, u32)) -> u32 {
        let counts = self.counts(current, &changed, false);
        match self.select {
            Select::Disabled => current,
            Select::Max => counts.min().unwrap_or(current),
            Select::Min => counts.max().unwrap_or(current),
        }
    }

    /// The count each policy allows, from the replicas at its period's start
    /// (HPA: current − added + removed within the period).
    fn counts<'a>(
        &'a self,
        current: u32,
        changed: &'a impl Fn(Duration) -> (u32, u32),
        up: bool,
    ) -> impl Iterator<Item = u32> + 'a {
        self.policies.iter().map(move |p| {
            let (added, removed) = changed(p.period);
            let start = (i64::from(current) - i64::from(added) + i64::from(removed)).max(0) as u64;
            let value = u64::from(p.value);
            let count = match (p.kind, up) {
                (PolicyKind::Pods, true) => start + value,
                // Rounded up, or a small target would never grow.
                (PolicyKind::Percent, true) => (start * (100 + value)).div_ceil(100),
                (PolicyKind::Pods, false) => start.saturating_sub(value),
                // Truncated, as HPA's int32(float) conversion does.
                (PolicyKind::Percent, false) => start * 100u64.saturating_sub(value) / 100,
            };
            u32::try_from(count).unwrap_or(u32::MAX)
        })
    }
}
