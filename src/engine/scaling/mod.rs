//! The autoscaler, with the Kubernetes HPA algorithm as the controller
//! implements it (pkg/controller/podautoscaler): per metric
//! `ceil(current × value / target)` unless the ratio is within the
//! tolerance; the largest proposal over the metrics; no scale-down while a
//! metric cannot be read; the stabilisation windows over the recorded
//! recommendations; the rate policies over the replicas changed within each
//! period; the `select` policy; the clamp to min and max; nothing at 0
//! current replicas. Every stage is kept in the `Decision`, with HPA's own
//! condition reasons, so the screen can say why.
//!
//! Plain code: no I/O, time comes in every call.

mod behavior;
mod decide;
mod explain;
mod history;
mod inputs;
mod target;
#[cfg(test)]
mod tests;

pub use behavior::{Behavior, Policy, PolicyKind, Rules, Select};
pub use decide::{Decision, MetricProposal, Reason, Scaler};
pub use history::Recommendation;
pub use inputs::{Inputs, Reading, Slot, one_value, replicas};
pub use target::{Current, Mode, Query, Source, TargetSpec, executor_argv};

/// What the autoscaler needs of a target (built from `[[scaling]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScalerSpec {
    pub name: String,
    pub min: u32,
    pub max: u32,
    /// A ratio within 1 ± tolerance proposes no change (HPA: 0.1).
    pub tolerance: f64,
    pub metrics: Vec<MetricSpec>,
    pub behavior: Behavior,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    pub name: String,
    /// The value wanted (per replica on average, or in total).
    pub target: f64,
}
