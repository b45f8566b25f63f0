//! The one write path's vocabulary. Every action that changes something outside
//! this opsdeck's screen is an `Intent`: confirmed in one dialog shape
//! (`confirm`), refused in read-only mode and audited by one function
//! (`dispatch`), and carried out by one runtime wrapper (`runtime::write`) that
//! records the intent durably first (nothing happens if it cannot) and the
//! outcome after. A new action is a
//! new variant here plus its feature's executor, not a new dialog and code path.

use super::ack::{ExpireRequest, SilenceRequest};
use super::action::Action;
use super::alerts::label_key;
use crate::store::{NewAudit, Phase};
use chrono::{DateTime, Utc};
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Silence an Alertmanager alert, or store the ack of a local one.
    Acknowledge(SilenceRequest),
    /// Expire that silence, or remove the local ack.
    Unacknowledge(ExpireRequest),
    /// Run a task now, outside its schedule.
    TriggerTask(TaskRef),
    /// Stop a task's running run (or drop its waiting run or pending retry).
    CancelTask(TaskRef),
    /// Run a recovery runbook for an alert (or show it, as a dry run).
    RunRecovery(RecoveryRef),
    /// Let a running recovery's dangerous step go on.
    ConfirmStep(StepRef),
    /// Stop a running recovery: its step's process group, then the run.
    AbortRecovery(StepRef),
    /// Run a scaling target's executor for a count (approved or by hand).
    Scale(ScaleRef),
}

/// A scaling change as the confirmation showed it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleRef {
    /// The target's index in the config.
    pub target: usize,
    pub name: String,
    pub from: u32,
    pub to: u32,
    /// Exactly what runs.
    pub argv: Vec<String>,
    /// The count is the autoscaler's recommendation (else set by hand).
    pub approved: bool,
}

/// A runbook and the alert it is run for, as the plan showed them.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryRef {
    pub runbook_id: String,
    pub name: String,
    pub labels: super::alerts::Labels,
    pub summary: String,
    pub dry_run: bool,
}

/// A step of a run of this opsdeck, as a question or an abort names it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRef {
    /// The run's key in this session (`app::runbooks`).
    pub run: u64,
    pub runbook_id: String,
    /// The store's id of the run (0 without a store).
    pub run_id: i64,
    pub step: usize,
    pub name: String,
    pub command: String,
}

/// A task as an intent names it: what the confirmation showed.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRef {
    pub task_id: String,
    pub name: String,
    /// The argv as a shell would show it (quoted where needed).
    pub command: String,
}

/// Which feature carries an intent out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    Alerts,
    Tasks,
    Runbooks,
    Scaling,
}

impl Intent {
    /// The key action it comes from (read-only refusals are audited under its name).
    pub fn action(&self) -> Action {
        match self {
            Intent::Acknowledge(_) => Action::Acknowledge,
            Intent::Unacknowledge(_) => Action::Unacknowledge,
            Intent::TriggerTask(_) => Action::TriggerTask,
            Intent::CancelTask(_) | Intent::AbortRecovery(_) => Action::CancelTask,
            Intent::RunRecovery(_) | Intent::ConfirmStep(_) => Action::RunRecovery,
            Intent::Scale(_) => Action::Scale,
        }
    }

    pub fn feature(&self) -> Feature {
        match self {
            Intent::Acknowledge(_) | Intent::Unacknowledge(_) => Feature::Alerts,
            Intent::TriggerTask(_) | Intent::CancelTask(_) => Feature::Tasks,
            Intent::RunRecovery(_) | Intent::ConfirmStep(_) | Intent::AbortRecovery(_) => {
                Feature::Runbooks
            }
            Intent::Scale(_) => Feature::Scaling,
        }
    }

    /// Its name in the audit log.
    pub fn audit_name(&self) -> &'static str {
        match self {
            Intent::Acknowledge(_) => "acknowledge",
            Intent::Unacknowledge(_) => "unacknowledge",
            Intent::TriggerTask(_) => "task.trigger",
            Intent::CancelTask(_) => "task.cancel",
            Intent::RunRecovery(_) => "runbook.run",
            Intent::ConfirmStep(_) => "runbook.confirm",
            Intent::AbortRecovery(_) => "runbook.abort",
            Intent::Scale(_) => "scaling.scale",
        }
    }

    /// What it acts on, as the audit log names it.
    pub fn target(&self) -> String {
        match self {
            Intent::Acknowledge(r) => label_key(&r.labels),
            Intent::Unacknowledge(r) => label_key(&r.labels),
            Intent::TriggerTask(t) | Intent::CancelTask(t) => t.task_id.clone(),
            Intent::RunRecovery(r) => r.runbook_id.clone(),
            Intent::ConfirmStep(s) | Intent::AbortRecovery(s) => s.runbook_id.clone(),
            Intent::Scale(r) => r.name.clone(),
        }
    }

    /// The intent record: written, durably, before anything is carried out.
    /// `source` is the Alertmanager of an acknowledgement, `None` for
    /// opsdeck's own alerts (acknowledged in the store); parameters never hold
    /// secrets.
    pub fn record(&self, at: DateTime<Utc>, actor: &str, source: Option<&str>) -> NewAudit {
        let params = match self {
            Intent::Acknowledge(r) if source.is_none() => json!({
                "source": "local",
                "ends_at": r.ends_at.to_rfc3339(),
                "comment": r.comment,
            }),
            Intent::Acknowledge(r) => json!({
                "alertmanager": source,
                "starts_at": r.starts_at.to_rfc3339(),
                "ends_at": r.ends_at.to_rfc3339(),
                "comment": r.comment,
            }),
            Intent::Unacknowledge(r) if source.is_none() => {
                json!({ "source": "local", "ack": r.silence_id })
            }
            Intent::Unacknowledge(r) => {
                json!({ "alertmanager": source, "silence_id": r.silence_id })
            }
            Intent::TriggerTask(t) | Intent::CancelTask(t) => json!({ "command": t.command }),
            Intent::RunRecovery(r) => json!({
                "alert": label_key(&r.labels),
                "dry_run": r.dry_run,
                "from": "dashboard",
            }),
            Intent::ConfirmStep(s) | Intent::AbortRecovery(s) => json!({
                "run": s.run_id,
                "step": s.step + 1,
                "name": s.name,
                "command": s.command,
            }),
            Intent::Scale(r) => json!({
                "from": r.from,
                "to": r.to,
                "command": crate::engine::shell_words(&r.argv),
                "approved": r.approved,
            }),
        };
        NewAudit {
            phase: Phase::Intent,
            ..NewAudit::event(at, actor, self.audit_name(), "")
        }
        .with_target(&self.target())
        .with_params(params)
    }

    /// The outcome record, pointing at its intent's.
    pub fn outcome_record(
        &self,
        at: DateTime<Utc>,
        actor: &str,
        intent_id: Option<i64>,
        outcome: &str,
    ) -> NewAudit {
        NewAudit {
            phase: Phase::Outcome,
            intent_id,
            ..NewAudit::event(at, actor, self.audit_name(), outcome)
        }
        .with_target(&self.target())
    }
}

/// An accepted intent, for the runtime's one write wrapper.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub intent: Intent,
    /// Written durably before anything is carried out; if it cannot be, nothing is.
    pub record: NewAudit,
}

/// What carrying an intent out gave, reported back to `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// Alertmanager created the silence (its id), through this member.
    Silenced { silence_id: String, member: String },
    /// The local acknowledgement is stored with this id.
    AckStored(i64),
    /// The silence (or local acknowledgement) is gone.
    Expired,
    /// The intent is recorded (with this id; none without a store): `update`
    /// carries it out now (the task scheduler decides) and records the outcome.
    IntentRecorded(Option<i64>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub intent: Intent,
    pub result: Result<Done, String>,
}

impl Done {
    /// The outcome as the audit log words it.
    pub fn outcome(&self, intent: &Intent) -> String {
        match (self, intent) {
            (Done::Silenced { silence_id, member }, _) => {
                format!("silence {silence_id} on {member}")
            }
            (Done::AckStored(id), _) => {
                format!("stored as {}", super::alerts::local_ack_id(*id))
            }
            (Done::Expired, Intent::Unacknowledge(r)) if r.silence_id.starts_with("local-") => {
                format!("{} removed", r.silence_id)
            }
            (Done::Expired, Intent::Unacknowledge(r)) => {
                format!("silence {} expired", r.silence_id)
            }
            _ => "done".into(),
        }
    }
}
