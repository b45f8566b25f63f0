//! What the ops report is made from: the store's records of a period, as
//! plain values (the store reads them; nothing here touches it).

use crate::engine::incident::LevelRule;
use crate::engine::tasks::Run;
use crate::labels::LabelSet;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Everything one report reads.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub host: String,
    /// user@host running the command.
    pub generated_by: String,
    /// The hand-over the period starts from (or the last before it).
    pub handover: Option<Handover>,
    /// Alert transitions, oldest first: the period's, and those of each
    /// episode still open when it began (from its firing on).
    pub transitions: Vec<Transition>,
    /// Acknowledgements open at `until`: opsdeck's (local ones, and the
    /// silences it made), then the Alertmanagers' other active silences.
    pub open_acks: Vec<OpenAck>,
    /// Task runs started in the period, and each task's last run before it.
    pub task_runs: Vec<Run>,
    pub recovery_runs: Vec<RecoveryRun>,
    /// Check state changes, oldest first: the period's, and each check's
    /// last one before it.
    pub check_changes: Vec<CheckChange>,
    /// Scaling executions of the period, and each target's last evaluation.
    pub scaling: Vec<ScalingEvent>,
    /// The host's per-minute aggregates, oldest first.
    pub minutes: Vec<Minute>,
    /// The checks' probes per minute in the period.
    pub check_minutes: Vec<CheckMinute>,
    /// The audit log's events and outcomes of the period.
    pub actions: Vec<Action>,
    pub level_rules: Vec<LevelRule>,
    /// Up to when the leading opsdeck recorded the host (the end of its last
    /// stored minute): after that, nothing was watching.
    pub recorded_until: Option<DateTime<Utc>>,
    /// Alertmanagers whose silences could not be read, with why.
    pub silences_unread: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handover {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionKind {
    Pending,
    Fired,
    Resolved,
    Acked,
    Unacked,
}

impl TransitionKind {
    pub fn parse(text: &str) -> Option<TransitionKind> {
        Some(match text {
            "pending" => TransitionKind::Pending,
            "fired" => TransitionKind::Fired,
            "resolved" => TransitionKind::Resolved,
            "acked" => TransitionKind::Acked,
            "unacked" => TransitionKind::Unacked,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The alert's identity (its label set).
    pub key: String,
    pub kind: TransitionKind,
    pub at: DateTime<Utc>,
    pub labels: LabelSet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpenAck {
    pub key: String,
    pub author: String,
    pub comment: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    /// An Alertmanager silence (its id), or a local acknowledgement.
    pub silence: Option<String>,
}

/// As stored, and as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryRun {
    pub runbook: String,
    pub trigger: String,
    /// running, recovered, failed, escalated, aborted, dry-run.
    pub state: String,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub detail: String,
    pub actor: String,
    /// The alert it was for (its alertname), if any.
    pub alert: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckChange {
    pub check: String,
    /// up, warning, pending, down, unknown.
    pub to: String,
    pub cause: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScalingEvent {
    pub target: String,
    pub at: DateTime<Utc>,
    /// An execution (else an evaluation).
    pub execution: bool,
    pub trigger: String,
    pub from: u32,
    pub to: u32,
    /// An execution that succeeded.
    pub executed: bool,
    /// The decision in one line (an execution's: why it ran).
    pub summary: String,
    pub outcome: String,
    pub actor: String,
}

/// One check's probes in one minute, as the leader aggregated them.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckMinute {
    pub check: String,
    pub at: DateTime<Utc>,
    pub probes: u32,
    pub failures: u32,
    /// Each probe's latency that had one, in milliseconds.
    pub latencies_ms: Vec<u32>,
}

/// One minute of the host, as the leader aggregated it.
#[derive(Debug, Clone, PartialEq)]
pub struct Minute {
    pub at: DateTime<Utc>,
    pub cpu_avg: f64,
    pub cpu_max: f64,
    pub mem_avg: f64,
    pub mem_max: f64,
    /// The fullest filesystem at the minute's end.
    pub fs_mount: String,
    pub fs_used_pct: f64,
    pub fs_used_bytes: u64,
    /// What users can fill: used + available, as `df` counts it (the blocks
    /// reserved for root are in neither).
    pub fs_total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
}
