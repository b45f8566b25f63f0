//! `[[runbook]]` with its `[[runbook.step]]`s: recovery procedures an operator
//! (or, with `auto`, the leader opsdeck) runs for an alert that matches them.
//!
//! ```toml
//! [[runbook]]
//! id = "service_unavailable"
//! match = ['alertname=~"ServiceDown|HighErrorRate"', 'severity="critical"']
//! mode = "sequence"          # or first_success
//! timeout = "3m"
//! retries = 2
//!
//! [[runbook.step]]
//! name = "Restart the instance"
//! command = ["systemctl", "restart", "app.service"]
//! dangerous = true
//! settle = "30s"
//! verify = ["curl", "-fsS", "http://127.0.0.1:8000/health"]
//! ```
//!
//! `check` refuses at load what would fail in the middle of an incident (a
//! step with nothing to run, a notifier that does not exist, a step that may
//! run longer than its whole runbook) and returns the runbooks as the engine
//! runs them (`RunbookSpec`).

mod checks;
#[cfg(test)]
mod tests;

use super::duration;
use crate::engine::matcher::Matcher;
use crate::engine::runbooks::{Mode, OnFailure, RunbookSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// Unique, `[A-Za-z0-9_.-]+`: `opsdeck runbook run ID` and the store use it.
    pub id: String,
    /// For people; default: the id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Alertmanager matchers on an alert's labels, all of which must match.
    /// Empty: linked to no alert (run by id only).
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<Matcher>,
    #[serde(default)]
    pub mode: Mode,
    /// The whole run, every attempt included.
    #[serde(default = "default_timeout", with = "duration")]
    pub timeout: Duration,
    /// Whole-run attempts after a failed one.
    #[serde(default)]
    pub retries: u32,
    #[serde(default)]
    pub auto: Auto,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step: Vec<Step>,
}

/// Automatic recovery: off unless enabled, and then held by guard rails.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Auto {
    pub enabled: bool,
    /// Runs this runbook may start in any hour, whatever the alert.
    pub max_runs_per_hour: u32,
    /// Quiet time after a run for the same alert ends.
    #[serde(with = "duration")]
    pub cooldown: Duration,
}

impl Default for Auto {
    fn default() -> Self {
        Self {
            enabled: false,
            max_runs_per_hour: 2,
            cooldown: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: String,
    /// argv, run without a shell. A step has a command or a `notify`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// A `[[notifier]]` by name, sent the alert instead of running a command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<String>,
    /// Added to opsdeck's own environment (after the alert's variables).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Each attempt of the command (and of `verify`).
    #[serde(default = "default_step_timeout", with = "duration")]
    pub timeout: Duration,
    #[serde(default)]
    pub on_failure: OnFailure,
    /// Asks before this step, even inside a confirmed run.
    #[serde(default)]
    pub dangerous: bool,
    /// Wait after the command before `verify`.
    #[serde(default = "zero", with = "duration")]
    pub settle: Duration,
    /// argv: the step succeeded only if this exits 0 (after `settle`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify: Vec<String>,
    /// A `[[health_check]]` by name: the step succeeded only if the check is
    /// up again within `settle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_check: Option<String>,
    /// Attempts of this step after a failed one.
    #[serde(default)]
    pub retries: u32,
}

fn default_timeout() -> Duration {
    Duration::from_secs(5 * 60)
}

fn default_step_timeout() -> Duration {
    Duration::from_secs(60)
}

fn zero() -> Duration {
    Duration::ZERO
}

/// Semantic checks of every `[[runbook]]` (tables `runbook.{i}` and
/// `runbook.{i}.step.{j}`); `notifiers` are the names a `notify` may use.
/// Returns the spec of each runbook that passed.
pub fn check(
    runbooks: &[Runbook],
    notifiers: &[&str],
    checks: &[crate::engine::health::CheckSpec],
    err: &mut impl FnMut(&str, &str, String),
) -> Vec<RunbookSpec> {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut specs = Vec::new();
    for (i, r) in runbooks.iter().enumerate() {
        let table = format!("runbook.{i}");
        match super::tasks::id_problem("runbook", &r.id, &index) {
            Some(message) => err(&table, "id", message),
            None => {
                index.insert(&r.id, i);
            }
        }
        specs.extend(checks::spec(r, &table, (notifiers, checks), err));
    }
    specs
}
