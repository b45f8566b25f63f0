//! One run of a runbook, from step to step: which step runs next, when a
//! human must confirm, what a step's end means for the run (retry the step,
//! go on, start the run again, end it). Pure: the runner tells it what
//! happened and when, and does what `next` says.

use super::{Mode, OnFailure, RunbookSpec, StepAction};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Where a step of the current attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepState {
    Pending,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    /// Not run: an earlier step ended the run.
    Skipped,
    /// Stopped by a human (`x`, Ctrl-C, a declined confirmation).
    Aborted,
    /// A dry run's step: shown as it would run, not executed.
    WouldRun,
}

impl StepState {
    pub const ALL: [StepState; 8] = [
        StepState::Pending,
        StepState::Running,
        StepState::Succeeded,
        StepState::Failed,
        StepState::TimedOut,
        StepState::Skipped,
        StepState::Aborted,
        StepState::WouldRun,
    ];

    /// As stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Running => "running",
            StepState::Succeeded => "succeeded",
            StepState::Failed => "failed",
            StepState::TimedOut => "timed_out",
            StepState::Skipped => "skipped",
            StepState::Aborted => "aborted",
            StepState::WouldRun => "would_run",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// For people: `timed out`, `would run`.
    pub fn label(self) -> &'static str {
        match self {
            StepState::TimedOut => "timed out",
            StepState::WouldRun => "would run",
            other => other.as_str(),
        }
    }

    fn is_failure(self) -> bool {
        matches!(self, StepState::Failed | StepState::TimedOut)
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunOutcome {
    /// Every step went through (`sequence`) or one succeeded (`first_success`).
    Recovered,
    /// A step failed and no attempt was left, or the run's timeout passed.
    Failed,
    /// `first_success` reached its `notify` step: nothing recovered, a human
    /// was told.
    Escalated,
    Aborted,
    /// Nothing was executed.
    DryRun,
}

impl RunOutcome {
    pub const ALL: [RunOutcome; 5] = [
        RunOutcome::Recovered,
        RunOutcome::Failed,
        RunOutcome::Escalated,
        RunOutcome::Aborted,
        RunOutcome::DryRun,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Recovered => "recovered",
            RunOutcome::Failed => "failed",
            RunOutcome::Escalated => "escalated",
            RunOutcome::Aborted => "aborted",
            RunOutcome::DryRun => "dry_run",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RunOutcome::DryRun => "dry run",
            other => other.as_str(),
        }
    }

    /// `opsdeck runbook run`'s exit status: 0 recovered (or a dry run that
    /// went through), 1 failed or escalated, 130 aborted (as Ctrl-C).
    pub fn status(self) -> i32 {
        match self {
            RunOutcome::Recovered | RunOutcome::DryRun => 0,
            RunOutcome::Failed | RunOutcome::Escalated => 1,
            RunOutcome::Aborted => 130,
        }
    }
}

/// How one attempt of a step ended, as the runner saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    /// Succeeded, Failed, TimedOut or Aborted.
    pub state: StepState,
    pub exit_code: Option<i32>,
    /// "exit 3", "verify failed: exit 22", "timed out after 10s".
    pub detail: String,
}

impl StepResult {
    /// The state a screen shows: a dry run's steps "would run".
    pub fn shown_state(&self, dry_run: bool) -> StepState {
        if dry_run {
            StepState::WouldRun
        } else {
            self.state
        }
    }

    pub fn new(state: StepState, exit_code: Option<i32>, detail: impl Into<String>) -> Self {
        Self {
            state,
            exit_code,
            detail: detail.into(),
        }
    }
}

/// A step of the current attempt of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub state: StepState,
    /// Attempts of this step so far in this run attempt.
    pub attempt: u32,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub exit_code: Option<i32>,
    pub detail: String,
}

impl StepRecord {
    fn pending() -> Self {
        Self {
            state: StepState::Pending,
            attempt: 0,
            started: None,
            finished: None,
            exit_code: None,
            detail: String::new(),
        }
    }
}

/// What the runner does now.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Run (or, in a dry run, show) step `step`, its `attempt`th attempt,
    /// ending by `deadline` at the latest (the run's timeout).
    Run {
        step: usize,
        attempt: u32,
        deadline: DateTime<Utc>,
    },
    /// A dangerous step waits for a human: `confirm` or `abort`.
    Confirm {
        step: usize,
    },
    Done(RunOutcome),
}

#[derive(Debug, Clone)]
pub struct RecoveryRun {
    pub spec: RunbookSpec,
    pub dry_run: bool,
    /// Attempts of the whole run so far (1 while the first goes).
    pub attempt: u32,
    pub started: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub steps: Vec<StepRecord>,
    pub current: usize,
    /// The dangerous step a human confirmed in this attempt.
    confirmed: Option<usize>,
    pub outcome: Option<RunOutcome>,
    pub finished: Option<DateTime<Utc>>,
    /// Why it ended: "step 2 (Restart) failed: exit 1".
    pub detail: String,
}

impl RecoveryRun {
    pub fn new(spec: RunbookSpec, dry_run: bool, now: DateTime<Utc>) -> Self {
        let steps = vec![StepRecord::pending(); spec.steps.len()];
        let deadline =
            now + chrono::Duration::from_std(spec.timeout).unwrap_or(chrono::Duration::MAX);
        Self {
            spec,
            dry_run,
            attempt: 1,
            started: now,
            deadline,
            steps,
            current: 0,
            confirmed: None,
            outcome: None,
            finished: None,
            detail: String::new(),
        }
    }

    /// What to do now; a step it names is marked running from `now`.
    pub fn next(&mut self, now: DateTime<Utc>) -> Next {
        if let Some(outcome) = self.outcome {
            return Next::Done(outcome);
        }
        if now >= self.deadline && !self.dry_run {
            let timeout = crate::config::duration::short(self.spec.timeout);
            self.end(
                RunOutcome::Failed,
                now,
                format!("the runbook's timeout ({timeout}) passed"),
            );
            return Next::Done(RunOutcome::Failed);
        }
        let step = self.current;
        let spec = &self.spec.steps[step];
        if spec.dangerous && !self.dry_run && self.confirmed != Some(step) {
            return Next::Confirm { step };
        }
        let record = &mut self.steps[step];
        if record.state != StepState::Running {
            record.state = StepState::Running;
            record.attempt += 1;
            record.started = Some(now);
            record.finished = None;
        }
        Next::Run {
            step,
            attempt: record.attempt,
            deadline: self.deadline,
        }
    }

    /// A human confirmed the dangerous step `step`.
    pub fn confirm(&mut self, step: usize) {
        if step == self.current {
            self.confirmed = Some(step);
        }
    }

    /// Ends the run as aborted: the current step (running, or waiting for a
    /// confirmation) is aborted, the rest skipped.
    pub fn abort(&mut self, now: DateTime<Utc>, why: &str) {
        if self.outcome.is_some() {
            return;
        }
        let record = &mut self.steps[self.current];
        record.state = StepState::Aborted;
        record.finished = Some(now);
        record.detail = why.to_string();
        let name = &self.spec.steps[self.current].name;
        let detail = format!("step {} ({name}) aborted: {why}", self.current + 1);
        self.end(RunOutcome::Aborted, now, detail);
    }

    /// The current step's attempt ended with `result`.
    pub fn step_ended(&mut self, result: StepResult, now: DateTime<Utc>) {
        if self.outcome.is_some() {
            return;
        }
        if result.state == StepState::Aborted {
            return self.abort(now, &result.detail);
        }
        let step = self.current;
        let spec = &self.spec.steps[step];
        let record = &mut self.steps[step];
        record.finished = Some(now);
        record.exit_code = result.exit_code;
        record.detail = result.detail;
        if self.dry_run {
            record.state = StepState::WouldRun;
            return self.go_on(now);
        }
        if now >= self.deadline {
            // No retry of the step or the run fits in the time left.
            record.state = result.state;
            let timeout = crate::config::duration::short(self.spec.timeout);
            return self.end(
                RunOutcome::Failed,
                now,
                format!("the runbook's timeout ({timeout}) passed"),
            );
        }
        if !result.state.is_failure() {
            record.state = StepState::Succeeded;
            return match self.spec.mode {
                Mode::Sequence => self.go_on(now),
                Mode::FirstSuccess => {
                    let (outcome, detail) = match &spec.action {
                        StepAction::Notify(n) => (RunOutcome::Escalated, format!("notified {n}")),
                        StepAction::Command(_) => (
                            RunOutcome::Recovered,
                            format!("step {} ({}) succeeded", step + 1, spec.name),
                        ),
                    };
                    self.end(outcome, now, detail)
                }
            };
        }
        if record.attempt <= spec.retries {
            // Its next attempt: `next` starts it.
            record.state = StepState::Pending;
            return;
        }
        record.state = result.state;
        let failed = format!(
            "step {} ({}) {}: {}",
            step + 1,
            spec.name,
            result.state.label(),
            record.detail
        );
        match (self.spec.mode, spec.on_failure) {
            (Mode::Sequence, OnFailure::Abort) => self.attempt_failed(now, failed),
            (Mode::Sequence, OnFailure::Continue) | (Mode::FirstSuccess, _) => {
                if step + 1 < self.steps.len() {
                    self.current += 1;
                } else if self.spec.mode == Mode::Sequence {
                    self.end(RunOutcome::Recovered, now, "every step went through".into());
                } else {
                    self.attempt_failed(now, format!("no step succeeded; last: {failed}"));
                }
            }
        }
    }

    /// The step went through: the next one, or the end of the run.
    fn go_on(&mut self, now: DateTime<Utc>) {
        if self.current + 1 < self.steps.len() {
            self.current += 1;
            return;
        }
        let (outcome, detail) = if self.dry_run {
            (RunOutcome::DryRun, "nothing was executed".to_string())
        } else {
            (RunOutcome::Recovered, "every step went through".to_string())
        };
        self.end(outcome, now, detail);
    }

    /// This attempt of the run failed: the run starts again if it may.
    fn attempt_failed(&mut self, now: DateTime<Utc>, detail: String) {
        if self.attempt <= self.spec.retries {
            self.attempt += 1;
            self.current = 0;
            self.confirmed = None;
            self.steps = vec![StepRecord::pending(); self.steps.len()];
            self.detail = detail;
            return;
        }
        self.end(RunOutcome::Failed, now, detail);
    }

    fn end(&mut self, outcome: RunOutcome, now: DateTime<Utc>, detail: String) {
        for record in &mut self.steps[self.current..] {
            if matches!(record.state, StepState::Pending | StepState::Running) {
                record.state = if record.state == StepState::Running {
                    StepState::Aborted
                } else {
                    StepState::Skipped
                };
                record.finished.get_or_insert(now);
            }
        }
        self.outcome = Some(outcome);
        self.finished = Some(now);
        self.detail = detail;
    }

    /// The run cannot go on (what it did could not be recorded, so nothing
    /// more may run): it ends failed with `why`, and so does a step that was
    /// still running. A run whose last step had just ended it is failed too:
    /// its record does not show how it went.
    pub fn stop(&mut self, now: DateTime<Utc>, why: &str) {
        if self.outcome == Some(RunOutcome::Failed) && self.detail.starts_with(STOPPED) {
            return;
        }
        let record = &mut self.steps[self.current];
        if record.state == StepState::Running {
            record.state = StepState::Failed;
            record.finished = Some(now);
            record.detail = why.to_string();
        }
        let detail = match self.outcome.take() {
            Some(o) => format!("{STOPPED}{why} (after it had {})", o.label()),
            None => format!("{STOPPED}{why}"),
        };
        self.end(RunOutcome::Failed, now, detail);
    }

    /// What a run waiting on its dangerous step `step` says, on every screen:
    /// "asking before step 2/3: Restart the app".
    pub fn asking_text(&self, step: usize) -> String {
        asking_text(step, self.spec.steps.len(), &self.spec.steps[step].name)
    }

    /// Whether step `step`'s `attempt` starts a new attempt of the whole run.
    pub fn starts_over(&self, step: usize, attempt: u32) -> bool {
        self.attempt > 1 && step == 0 && attempt == 1
    }

    /// The run's timeout left at `now`, for a process that must end by then.
    pub fn time_left(&self, now: DateTime<Utc>) -> Duration {
        (self.deadline - now).to_std().unwrap_or(Duration::ZERO)
    }
}

/// "asking before step 2/3: Restart the app" (`step` from 0).
pub fn asking_text(step: usize, of: usize, name: &str) -> String {
    format!("{ASKING} {}/{of}: {name}", step + 1)
}

/// How a waiting run's detail starts, in the store (so other opsdecks tell).
pub const ASKING: &str = "asking before step";

/// How a stopped run's detail starts.
const STOPPED: &str = "stopped: ";
