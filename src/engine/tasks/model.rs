//! What a task is and what its runs can be: shared by the config, the
//! scheduler, the runner, the store and the Tasks pane.

use super::schedule::Schedule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Critical,
    High,
    #[default]
    Medium,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

/// What happens when a task is due while a run of it is still going.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Concurrency {
    /// The due run is recorded as skipped ("already running").
    #[default]
    Skip,
    /// It starts when the current run ends.
    Queue,
}

/// What happens to runs that fell due while opsdeck was down or the host slept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missed {
    /// Recorded as one skipped run; the schedule goes on from now.
    #[default]
    Skip,
    /// One catch-up run, if the last missed one is no older than the grace.
    RunOnce,
}

/// A task as the scheduler and runner need it (built from `[[task]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub priority: Priority,
    pub category: String,
    /// None: runs only when triggered.
    pub schedule: Option<Schedule>,
    /// argv: run without a shell.
    pub command: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub workdir: Option<PathBuf>,
    pub timeout: Duration,
    /// Further attempts after a failed or timed-out one.
    pub retries: u32,
    /// Wait before the first retry; doubles with each further one.
    pub retry_backoff: Duration,
    pub depends_on: Vec<String>,
    pub concurrency: Concurrency,
    pub missed: Missed,
    pub missed_grace: Duration,
    pub enabled: bool,
}

/// The state of one run (and of a task: its current or last run's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Pending,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    Skipped,
}

impl RunState {
    pub const ALL: [RunState; 7] = [
        RunState::Pending,
        RunState::Running,
        RunState::Succeeded,
        RunState::Failed,
        RunState::TimedOut,
        RunState::Cancelled,
        RunState::Skipped,
    ];

    /// As stored and printed: `timed_out`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Pending => "pending",
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::TimedOut => "timed_out",
            RunState::Cancelled => "cancelled",
            RunState::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// For people: `timed out`.
    pub fn label(self) -> &'static str {
        match self {
            RunState::TimedOut => "timed out",
            other => other.as_str(),
        }
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, RunState::Pending | RunState::Running)
    }

    /// A run that ended badly: what a dependency check and a retry look at.
    pub fn is_failure(self) -> bool {
        matches!(self, RunState::Failed | RunState::TimedOut)
    }
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Schedule,
    Manual,
    Retry,
    /// A catch-up run for one missed while opsdeck was down (`missed = "run_once"`).
    Missed,
}

impl Trigger {
    pub const ALL: [Trigger; 4] = [
        Trigger::Schedule,
        Trigger::Manual,
        Trigger::Retry,
        Trigger::Missed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Retry => "retry",
            Trigger::Missed => "missed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How a child process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// A signal it did not send itself ended it (SIGSEGV, an outside kill).
    Signal(i32),
    /// The timeout passed; its process group was killed.
    TimedOut,
    /// Cancelled; its process group was killed.
    Cancelled,
    /// It never started (no such file, not executable, bad workdir).
    SpawnFailed(String),
}

impl Exit {
    pub fn state(&self) -> RunState {
        match self {
            Exit::Code(0) => RunState::Succeeded,
            Exit::Code(_) | Exit::Signal(_) | Exit::SpawnFailed(_) => RunState::Failed,
            Exit::TimedOut => RunState::TimedOut,
            Exit::Cancelled => RunState::Cancelled,
        }
    }

    /// The exit status a shell would report: the code, 128+signal, 124 for a
    /// timeout (as timeout(1)), 130 for a cancel (as Ctrl-C), 127 for a command
    /// that did not start.
    pub fn status(&self) -> i32 {
        match self {
            Exit::Code(c) => *c,
            Exit::Signal(s) => 128 + s,
            Exit::TimedOut => 124,
            Exit::Cancelled => 130,
            Exit::SpawnFailed(_) => 127,
        }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
            Exit::TimedOut => f.write_str("timed out"),
            Exit::Cancelled => f.write_str("cancelled"),
            Exit::SpawnFailed(e) => write!(f, "did not start: {e}"),
        }
    }
}

/// One run of a task, as stored (`task_runs`) and shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The store's row id; negative for runs of an opsdeck without a store.
    pub id: i64,
    pub task_id: String,
    pub trigger: Trigger,
    pub state: RunState,
    pub attempt: u32,
    pub started: chrono::DateTime<chrono::Utc>,
    pub finished: Option<chrono::DateTime<chrono::Utc>>,
    pub exit_code: Option<i32>,
    /// Why it was skipped, how it ended ("killed by signal 9", "timed out after 30s").
    pub detail: String,
    /// The output tail, when loaded (history rows are read without it).
    pub output: Option<String>,
    /// user@host that triggered it, or `scheduler@host`.
    pub actor: String,
}

impl Run {
    /// A run starting at `at`, before the store has given it an id.
    pub fn start(
        task_id: &str,
        trigger: Trigger,
        attempt: u32,
        actor: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        Self {
            id: 0,
            task_id: task_id.to_string(),
            trigger,
            state: RunState::Running,
            attempt,
            started: at,
            finished: None,
            exit_code: None,
            detail: String::new(),
            output: None,
            actor: actor.to_string(),
        }
    }

    /// Ends the run now as `state` (a skip ends where it starts).
    pub fn end(&mut self, state: RunState, at: chrono::DateTime<chrono::Utc>, detail: String) {
        self.state = state;
        self.finished = Some(at);
        self.detail = detail;
    }

    pub fn duration(&self) -> Option<chrono::Duration> {
        self.finished.map(|f| f - self.started)
    }
}

/// Outcomes over the retained history, for the success rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    pub succeeded: u32,
    /// Failed or timed out.
    pub failed: u32,
}

impl RunStats {
    /// Succeeded / (succeeded + failed), None before the first finished run.
    pub fn success_rate(self) -> Option<f64> {
        let total = self.succeeded + self.failed;
        (total > 0).then(|| f64::from(self.succeeded) / f64::from(total))
    }
}
