//! What an alert gives a runbook's steps: environment variables only, never
//! the command line, so a label value such as `$(touch pwned)` stays data.

use crate::engine::rules::fingerprint;
use crate::labels::LabelSet;
use std::collections::BTreeMap;

/// The alert a run recovers from.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertContext {
    pub labels: LabelSet,
    /// The `summary` annotation, if any.
    pub summary: String,
}

impl AlertContext {
    pub fn new(labels: LabelSet, summary: impl Into<String>) -> Self {
        Self {
            labels,
            summary: summary.into(),
        }
    }

    pub fn name(&self) -> &str {
        self.labels.get("alertname").unwrap_or("")
    }

    pub fn severity(&self) -> &str {
        self.labels.get("severity").unwrap_or("")
    }

    /// Alertmanager's fingerprint of the labels (FNV-1a 64 over the sorted
    /// label pairs, as `model.LabelSet.Fingerprint`), in its 16 hex digits:
    /// what `opsdeck runbook run --alert` and Alertmanager's API show.
    pub fn fingerprint(&self) -> String {
        format!("{:016x}", fingerprint(self.labels.iter()))
    }

    /// `OPSDECK_ALERT_*` for the alert.
    pub fn env(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        // Labels first: a label named `name` cannot replace the alert's name.
        for (name, value) in self.labels.iter() {
            env.insert(
                format!("OPSDECK_ALERT_LABEL_{}", env_name(name)),
                env_value(value),
            );
        }
        env.insert("OPSDECK_ALERT_NAME".into(), env_value(self.name()));
        env.insert("OPSDECK_ALERT_FINGERPRINT".into(), self.fingerprint());
        env.insert("OPSDECK_ALERT_SEVERITY".into(), env_value(self.severity()));
        env.insert("OPSDECK_ALERT_SUMMARY".into(), env_value(&self.summary));
        env
    }
}

/// What a step of a run is told about the run.
#[derive(Debug, Clone, Copy)]
pub struct RunContext<'a> {
    pub runbook_id: &'a str,
    pub run_id: i64,
    /// 1-based, as shown.
    pub step: usize,
    pub dry_run: bool,
}

/// The variables a step's processes get on top of opsdeck's environment: the
/// alert's, the run's, then the step's own `env` (which the config checked).
pub fn step_env(
    alert: Option<&AlertContext>,
    run: RunContext,
    own: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut env = alert.map(AlertContext::env).unwrap_or_default();
    env.insert("OPSDECK_RUNBOOK_ID".into(), run.runbook_id.into());
    env.insert("OPSDECK_RUN_ID".into(), run.run_id.to_string());
    env.insert("OPSDECK_STEP".into(), run.step.to_string());
    env.insert("OPSDECK_DRY_RUN".into(), u8::from(run.dry_run).to_string());
    env.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

/// A label name as a variable name: upper-cased, anything but ASCII letters
/// and digits as `_`.
pub fn env_name(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A NUL cannot be passed in the environment; it is shown as U+FFFD.
fn env_value(value: &str) -> String {
    value.replace('\0', "\u{FFFD}")
}

/// The body a `notify` step sends: the alert, in Alertmanager's webhook
/// format (as local alerts' notifications), with what the run is doing in
/// its annotations. A run for no alert sends one named after the runbook.
pub fn webhook(
    alert: Option<&AlertContext>,
    run: RunContext,
    receiver: &str,
    external_url: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    use crate::engine::notify::{Notification, webhook_payload};
    use crate::engine::rules::{AlertPhase, RuleAlert, Transition};
    let labels: crate::engine::rules::Labels = match alert {
        Some(a) => a
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        None => [
            ("alertname".to_string(), "OpsdeckRunbook".to_string()),
            ("runbook".to_string(), run.runbook_id.to_string()),
        ]
        .into(),
    };
    let mut annotations = crate::engine::rules::Labels::new();
    if let Some(a) = alert.filter(|a| !a.summary.is_empty()) {
        annotations.insert("summary".into(), a.summary.clone());
    }
    annotations.insert(
        "opsdeck_recovery".into(),
        format!(
            "runbook {} (run {}) reached step {}: a human is needed",
            run.runbook_id, run.run_id, run.step
        ),
    );
    let fingerprint = fingerprint(labels.iter());
    let alert = RuleAlert {
        rule: labels.get("alertname").cloned().unwrap_or_default(),
        labels,
        annotations,
        phase: AlertPhase::Firing,
        active_since: now,
        fired_at: Some(now),
        resolved_at: None,
        value: f64::NAN,
        fingerprint,
        last_notified: None,
        firing_notified: false,
    };
    let notification = Notification {
        kind: Transition::Firing,
        alert,
    };
    webhook_payload(&[&notification], receiver, external_url)
}
