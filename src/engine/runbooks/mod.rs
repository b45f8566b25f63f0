//! Recovery runbooks: what they are (this module), what an alert gives their
//! steps (`context`), and how a run goes from step to step (`run`, pure, with
//! the time passed in). The steps' processes are run by `runtime::process`.

pub mod auto;
pub mod context;
pub mod run;
#[cfg(test)]
mod tests;

pub use context::AlertContext;
pub use run::{ASKING, Next, RecoveryRun, RunOutcome, StepResult, StepState, asking_text};

use crate::engine::matcher::Matcher;
use crate::labels::Labelled;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// How the steps of a run follow each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Every step in order; a failed step ends the run unless it says
    /// `on_failure = "continue"`.
    #[default]
    Sequence,
    /// The first step that succeeds ends the run; the next is tried after a
    /// failure (a `notify` step last tells a human).
    FirstSuccess,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sequence => "sequence",
            Mode::FirstSuccess => "first_success",
        }
    }
}

/// What a failed step does to a `sequence` run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    #[default]
    Abort,
    Continue,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepAction {
    /// An argv, run without a shell.
    Command(Vec<String>),
    /// A `[[notifier]]` by name, sent the alert.
    Notify(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepSpec {
    pub name: String,
    pub action: StepAction,
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    pub on_failure: OnFailure,
    pub dangerous: bool,
    pub settle: Duration,
    /// argv whose exit 0 makes the step a success; empty: none.
    pub verify: Vec<String>,
    /// A health check that must be up again within `settle` for the step to
    /// succeed (probed until it is, or the settle time is over).
    pub verify_check: Option<Box<crate::engine::health::CheckSpec>>,
    pub retries: u32,
}

impl StepSpec {
    /// How the step is verified, for the plan and the CLI: "verify after
    /// 30s: curl -fsS …", "check api up within 30s"; None when it is not.
    pub fn verify_text(&self) -> Option<String> {
        let settle = crate::config::duration::short(self.settle);
        if let Some(check) = &self.verify_check {
            return Some(format!("check {} up within {settle}", check.name));
        }
        (!self.verify.is_empty()).then(|| {
            format!(
                "verify after {settle}: {}",
                crate::engine::shell_words(&self.verify)
            )
        })
    }
}

/// Automatic recovery's guard rails.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoSpec {
    pub enabled: bool,
    pub max_runs_per_hour: u32,
    pub cooldown: Duration,
}

/// A runbook as the runner needs it (built from `[[runbook]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunbookSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub matchers: Vec<Matcher>,
    pub mode: Mode,
    pub timeout: Duration,
    pub retries: u32,
    pub auto: AutoSpec,
    pub steps: Vec<StepSpec>,
}

impl RunbookSpec {
    /// Whether the runbook is linked to an alert with these labels: every
    /// matcher matches (a runbook without matchers is linked to none).
    pub fn matches(&self, labels: &impl Labelled) -> bool {
        !self.matchers.is_empty() && self.matchers.iter().all(|m| m.matches(labels))
    }

    /// The runbooks linked to an alert, in config order.
    pub fn linked<'a>(
        runbooks: &'a [RunbookSpec],
        labels: &impl Labelled,
    ) -> impl Iterator<Item = &'a RunbookSpec> {
        runbooks.iter().filter(move |r| r.matches(labels))
    }
}
