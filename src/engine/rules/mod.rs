//! Alert rules evaluated by opsdeck itself, with Prometheus's semantics.
//!
//! The PromQL evaluator (`engine::promql`) produces an instant vector per
//! evaluation; [`RuleState::apply`] turns successive vectors into alerts
//! (pending → firing → resolved) and [`RuleState::due_notifications`] says which
//! notifications to send. Nothing here reads the clock or does I/O: every call
//! takes the evaluation time, so the state machine is tested with explicit times.
//!
//! Layout: this module holds the plain data types; `evaluator` the engine that
//! records series and evaluates the rules over them, `state` the state machine,
//! `template` the annotation templates, `fingerprint` the stable alert identity.

mod check_series;
mod evaluator;
mod fingerprint;
mod state;
mod template;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use evaluator::{RuleEngine, RuleEvent, metric_names};
pub use fingerprint::fingerprint;
pub use state::{RESOLVED_RETENTION, RuleState};
pub use template::{humanize, humanize_duration, humanize_percentage, rewrite_prometheus_vars};

/// A label set. `BTreeMap` keeps labels sorted, which the fingerprint relies on.
pub type Labels = BTreeMap<String, String>;

/// A rule's severity, written into the alert's `severity` label. Ordered from
/// most to least urgent so sorting puts critical alerts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    /// The `severity` label value (the spelling Prometheus rule files use).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Parses a severity, case-insensitively; `None` for anything else.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// One alert rule as configured (the PromQL expression lives with the caller's
/// evaluator; this is everything the state machine needs).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub name: String,
    /// How long a series must be present before its alert fires; zero fires at once.
    pub for_: Duration,
    /// How long a firing alert keeps firing after its series disappears.
    pub keep_firing_for: Duration,
    pub severity: Severity,
    /// Added to every alert; they override series labels of the same name.
    pub labels: Labels,
    /// Annotation templates (see the `template` module for the syntax).
    pub annotations: Labels,
    /// Minimum time between two notifications of the same alert; zero means a
    /// firing alert is notified once, never repeated (see [`RuleState`]).
    pub cooldown: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertPhase {
    Pending,
    Firing,
    Resolved,
}

/// One alert: one output series of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleAlert {
    pub rule: String,
    /// Series labels minus `__name__`, plus the rule's labels (which win), plus
    /// `alertname` = rule name and `severity` (these two always win).
    pub labels: Labels,
    /// Rendered with the value of the latest evaluation that had the series.
    pub annotations: Labels,
    pub phase: AlertPhase,
    /// When it became pending (Prometheus's `activeAt`).
    pub active_since: DateTime<Utc>,
    pub fired_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The value of the latest evaluation that had the series.
    pub value: f64,
    /// [`fingerprint`] of `labels`: stable across runs and processes.
    pub fingerprint: u64,
    /// When a notification about this alert was last queued.
    pub last_notified: Option<DateTime<Utc>>,
    /// A Firing notification was queued, so the resolution is announced.
    pub firing_notified: bool,
}

/// What changed for an alert in one evaluation (its phase afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    Pending,
    Firing,
    Resolved,
}

/// A notification to send: `kind` is `Firing` or `Resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Notify {
    pub fingerprint: u64,
    pub kind: Transition,
}

/// The labels of the alert for one output series of `spec` (see [`RuleAlert::labels`]).
pub fn alert_labels(spec: &RuleSpec, series: &Labels) -> Labels {
    let mut labels: Labels = series
        .iter()
        .filter(|(name, _)| name.as_str() != "__name__")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.extend(spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels.insert("alertname".into(), spec.name.clone());
    labels.insert("severity".into(), spec.severity.as_str().into());
    labels
}
