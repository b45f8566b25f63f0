//! One evaluation of a target, stage by stage, as HPA's controller does it
//! (`reconcileAutoscaler`, `computeReplicasForMetrics`,
//! `normalizeDesiredReplicasWithBehaviors`).

use super::ScalerSpec;
use super::history::{History, Recommendation, within};
use chrono::{DateTime, Utc};

/// HPA's condition reasons, in its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reason {
    /// 0 current replicas (and min above 0): someone turned it off.
    ScalingDisabled,
    /// A metric could not be read: no scaling at all when none could, no
    /// scaling down when some could not.
    FailedGetMetric,
    TooManyReplicas,
    TooFewReplicas,
    ScaleUpStabilized,
    ScaleDownStabilized,
    /// Stabilisation left the recommendation as it was.
    ReadyForNewScale,
    ScaleUpLimit,
    ScaleDownLimit,
    DesiredWithinRange,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ScalingDisabled => "ScalingDisabled",
            Reason::FailedGetMetric => "FailedGetMetric",
            Reason::TooManyReplicas => "TooManyReplicas",
            Reason::TooFewReplicas => "TooFewReplicas",
            Reason::ScaleUpStabilized => "ScaleUpStabilized",
            Reason::ScaleDownStabilized => "ScaleDownStabilized",
            Reason::ReadyForNewScale => "ReadyForNewScale",
            Reason::ScaleUpLimit => "ScaleUpLimit",
            Reason::ScaleDownLimit => "ScaleDownLimit",
            Reason::DesiredWithinRange => "DesiredWithinRange",
        }
    }
}

/// What one metric proposed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricProposal {
    pub name: String,
    /// None: it could not be read.
    pub value: Option<f64>,
    pub target: f64,
    /// value / target.
    pub ratio: Option<f64>,
    /// The ratio was within the tolerance: it proposes the current count.
    pub within_tolerance: bool,
    pub replicas: Option<u32>,
}

/// One evaluation, every stage kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub at: DateTime<Utc>,
    pub current: u32,
    pub metrics: Vec<MetricProposal>,
    /// The largest metric proposal (None when the metrics decided nothing).
    pub proposed: Option<u32>,
    /// After the stabilisation window.
    pub stabilized: Option<u32>,
    /// The past recommendation that held it back, when one did.
    pub held_by: Option<Recommendation>,
    /// What to scale to.
    pub desired: u32,
    /// The conditions, in the order they were met.
    pub reasons: Vec<Reason>,
}

impl Decision {
    pub fn changes(&self) -> bool {
        self.desired != self.current
    }
}

/// A target's autoscaler: its spec and what it remembers.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    pub spec: ScalerSpec,
    pub history: History,
}

impl Scaler {
    pub fn new(spec: ScalerSpec) -> Scaler {
        Scaler {
            spec,
            history: History::default(),
        }
    }

    /// Evaluates at `now` with `current` replicas and each metric's reading
    /// (in `spec.metrics` order; None: it could not be read).
    pub fn evaluate(
        &mut self,
        now: DateTime<Utc>,
        current: u32,
        readings: &[Option<f64>],
    ) -> Decision {
        let spec = &self.spec;
        let mut decision = Decision {
            at: now,
            current,
            metrics: Vec::new(),
            proposed: None,
            stabilized: None,
            held_by: None,
            desired: current,
            reasons: Vec::new(),
        };
        if current == 0 && spec.min != 0 {
            decision.reasons.push(Reason::ScalingDisabled);
            return decision;
        }
        if current > spec.max {
            decision.desired = spec.max;
            decision.reasons.push(Reason::TooManyReplicas);
            return decision;
        }
        if current < spec.min {
            decision.desired = spec.min;
            decision.reasons.push(Reason::TooFewReplicas);
            return decision;
        }
        decision.metrics = spec
            .metrics
            .iter()
            .zip(readings.iter().chain(std::iter::repeat(&None)))
            .map(|(m, value)| propose(m, *value, current, spec.tolerance))
            .collect();
        let invalid = decision
            .metrics
            .iter()
            .filter(|m| m.replicas.is_none())
            .count();
        let proposed = decision.metrics.iter().filter_map(|m| m.replicas).max();
        match proposed {
            // None could be read, or some could not and the rest say down:
            // HPA does not scale on a partial picture that shrinks it.
            None => {
                decision.reasons.push(Reason::FailedGetMetric);
                return decision;
            }
            Some(p) if invalid > 0 && p < current => {
                decision.proposed = Some(p);
                decision.reasons.push(Reason::FailedGetMetric);
                return decision;
            }
            Some(p) => decision.proposed = Some(p),
        }
        let proposed = decision.proposed.unwrap_or(current);
        self.normalize(now, current, proposed, &mut decision);
        decision
    }

    /// Stabilisation, then the rate policies and the clamp.
    fn normalize(&mut self, now: DateTime<Utc>, current: u32, proposed: u32, d: &mut Decision) {
        let behavior = &self.spec.behavior;
        let (up_window, down_window) = (behavior.up.stabilization, behavior.down.stabilization);
        let mut up = proposed;
        let mut down = proposed;
        let mut lowest: Option<Recommendation> = None;
        let mut highest: Option<Recommendation> = None;
        for r in &self.history.recommendations {
            if within(r.at, now, up_window) && r.replicas < up {
                up = r.replicas;
                lowest = Some(*r);
            }
            if within(r.at, now, down_window) && r.replicas > down {
                down = r.replicas;
                highest = Some(*r);
            }
        }
        let stabilized = current.max(up).min(down);
        let keep = up_window.max(down_window);
        self.history.recommend(now, proposed, keep);
        d.stabilized = Some(stabilized);
        if stabilized != proposed {
            let scaling_up = proposed >= current;
            d.reasons.push(if scaling_up {
                Reason::ScaleUpStabilized
            } else {
                Reason::ScaleDownStabilized
            });
            d.held_by = if scaling_up { lowest } else { highest };
        } else {
            d.reasons.push(Reason::ReadyForNewScale);
        }
        let (desired, reason) = self.limit(now, current, stabilized);
        d.desired = desired;
        d.reasons.push(reason);
    }

    /// The rate policies and min/max, as HPA's
    /// `convertDesiredReplicasWithBehaviorRate`.
    fn limit(&self, now: DateTime<Utc>, current: u32, desired: u32) -> (u32, Reason) {
        let spec = &self.spec;
        let changed = |period| self.history.changed(now, period);
        if desired > current {
            let limit = spec.behavior.up.up_limit(current, changed).max(current);
            let (allowed, reason) = if spec.max > limit {
                (limit, Reason::ScaleUpLimit)
            } else {
                (spec.max, Reason::TooManyReplicas)
            };
            if desired > allowed {
                return (allowed, reason);
            }
        } else if desired < current {
            let limit = spec.behavior.down.down_limit(current, changed).min(current);
            let (allowed, reason) = if spec.min < limit {
                (limit, Reason::ScaleDownLimit)
            } else {
                (spec.min, Reason::TooFewReplicas)
            };
            if desired < allowed {
                return (allowed, reason);
            }
        }
        (desired, Reason::DesiredWithinRange)
    }

    /// A decision made elsewhere (the leader's, or before a restart): its
    /// recommendation counts in the stabilisation windows from its time.
    pub fn remember(&mut self, d: &Decision) {
        if let (Some(proposed), Some(_)) = (d.proposed, d.stabilized) {
            let b = &self.spec.behavior;
            let keep = b.up.stabilization.max(b.down.stabilization);
            self.history.recommend(d.at, proposed, keep);
        }
    }

    /// A change was carried out: the rate policies count it from now.
    pub fn scaled(&mut self, now: DateTime<Utc>, from: u32, to: u32) {
        let b = &self.spec.behavior;
        let keep = b.up.longest_period().max(b.down.longest_period());
        self.history.scaled(now, from, to, keep);
    }
}

/// `ceil(current × value / target)`, or the current count within the
/// tolerance (HPA's replica calculator).
fn propose(
    m: &super::MetricSpec,
    value: Option<f64>,
    current: u32,
    tolerance: f64,
) -> MetricProposal {
    let ratio = value
        .filter(|v| v.is_finite() && m.target > 0.0)
        .map(|v| v / m.target);
    let within_tolerance = ratio.is_some_and(|r| (1.0 - r).abs() <= tolerance);
    let replicas = ratio.map(|r| {
        if within_tolerance {
            current
        } else {
            let wanted = (r * f64::from(current)).ceil();
            // A huge ratio is as many as a u32 holds (the clamp comes later).
            if wanted >= f64::from(u32::MAX) {
                u32::MAX
            } else {
                wanted.max(0.0) as u32
            }
        }
    });
    MetricProposal {
        name: m.name.clone(),
        value,
        target: m.target,
        ratio,
        within_tolerance,
        replicas,
    }
}
