//! What the algorithm remembers between evaluations, as HPA does: the
//! recommendations of the stabilisation windows, and the scale events the
//! rate policies count.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::time::Duration;

/// A recommendation as it was made (before stabilisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recommendation {
    pub at: DateTime<Utc>,
    pub replicas: u32,
}

/// A change of replicas that was carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleEvent {
    pub at: DateTime<Utc>,
    /// Added (up) or removed (down).
    pub up: bool,
    pub replicas: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub recommendations: VecDeque<Recommendation>,
    pub events: VecDeque<ScaleEvent>,
}

/// `at` is within `window` of `now` (strictly after the cutoff, as HPA).
pub fn within(at: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> bool {
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    now.checked_sub_signed(window)
        .is_none_or(|cutoff| at > cutoff)
}

impl History {
    /// Keeps a recommendation; drops those no window can use any more.
    pub fn recommend(&mut self, now: DateTime<Utc>, replicas: u32, keep: Duration) {
        self.recommendations.retain(|r| within(r.at, now, keep));
        self.recommendations
            .push_back(Recommendation { at: now, replicas });
    }

    /// Keeps a carried-out change; drops those no policy period can count.
    pub fn scaled(&mut self, now: DateTime<Utc>, from: u32, to: u32, keep: Duration) {
        self.events.retain(|e| within(e.at, now, keep));
        if to != from {
            self.events.push_back(ScaleEvent {
                at: now,
                up: to > from,
                replicas: to.abs_diff(from),
            });
        }
    }

    /// Replicas (added, removed) within `period` before `now`.
    pub fn changed(&self, now: DateTime<Utc>, period: Duration) -> (u32, u32) {
        let recent = self.events.iter().filter(|e| within(e.at, now, period));
        recent.fold((0, 0), |(up, down), e| {
            if e.up {
                (up + e.replicas, down)
            } else {
                (up, down + e.replicas)
            }
        })
    }
}
