//! What ran in the period: task runs with their success rates, recovery runs
//! (and the automatic ones a guard rail held back), scaling executions, and
//! the actions people took, from the audit log.

use super::inputs::{Inputs, RecoveryRun, ScalingEvent};
use crate::engine::tasks::{Run, RunState};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskFigures {
    pub runs: usize,
    pub tasks: Vec<TaskLine>,
    /// Failed and timed-out runs, oldest first.
    pub failures: Vec<TaskRunLine>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TaskLine {
    pub task: String,
    pub runs: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub cancelled: usize,
    pub skipped: usize,
    /// Succeeded out of the runs that ended by themselves (succeeded,
    /// failed, timed out), in percent; None when none did.
    pub success_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRunLine {
    pub task: String,
    pub state: &'static str,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub detail: String,
    pub actor: String,
}

fn line(run: &Run) -> TaskRunLine {
    TaskRunLine {
        task: run.task_id.clone(),
        state: run.state.as_str(),
        started: run.started,
        finished: run.finished,
        detail: run.detail.clone(),
        actor: run.actor.clone(),
    }
}

fn in_period(inputs: &Inputs, at: DateTime<Utc>) -> bool {
    at >= inputs.since && at < inputs.until
}

pub fn tasks(inputs: &Inputs) -> TaskFigures {
    let runs: Vec<&Run> = inputs
        .task_runs
        .iter()
        .filter(|r| in_period(inputs, r.started))
        .collect();
    let mut per_task: BTreeMap<&str, TaskLine> = BTreeMap::new();
    for run in &runs {
        let t = per_task.entry(&run.task_id).or_insert_with(|| TaskLine {
            task: run.task_id.clone(),
            ..TaskLine::default()
        });
        t.runs += 1;
        match run.state {
            RunState::Succeeded => t.succeeded += 1,
            RunState::Failed => t.failed += 1,
            RunState::TimedOut => t.timed_out += 1,
            RunState::Cancelled => t.cancelled += 1,
            RunState::Skipped => t.skipped += 1,
            RunState::Pending | RunState::Running => {}
        }
    }
    for t in per_task.values_mut() {
        let ended = t.succeeded + t.failed + t.timed_out;
        t.success_rate = (ended > 0).then(|| t.succeeded as f64 * 100.0 / ended as f64);
    }
    let mut failures: Vec<TaskRunLine> = runs
        .iter()
        .filter(|r| matches!(r.state, RunState::Failed | RunState::TimedOut))
        .map(|r| line(r))
        .collect();
    failures.sort_by_key(|r| r.started);
    TaskFigures {
        runs: runs.len(),
        tasks: per_task.into_values().collect(),
        failures,
    }
}

/// Runs going at the end, and tasks whose last run failed or timed out.
pub fn tasks_now(inputs: &Inputs) -> (Vec<TaskRunLine>, Vec<TaskRunLine>) {
    let mut last: BTreeMap<&str, &Run> = BTreeMap::new();
    let mut running = Vec::new();
    for run in &inputs.task_runs {
        if run.started >= inputs.until {
            continue;
        }
        if run.state == RunState::Running {
            running.push(line(run));
        }
        if run.state == RunState::Skipped {
            continue;
        }
        let newer = last
            .get(run.task_id.as_str())
            .is_none_or(|l| run.started >= l.started);
        if newer {
            last.insert(&run.task_id, run);
        }
    }
    let failing = last
        .into_values()
        .filter(|r| matches!(r.state, RunState::Failed | RunState::TimedOut))
        .map(line)
        .collect();
    (running, failing)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryFigures {
    pub runs: Vec<RecoveryRun>,
    /// Runs per way they ended (running, recovered, failed, ...).
    pub by_state: BTreeMap<String, usize>,
    /// Automatic runs a guard rail held back, and why.
    pub held_back: Vec<HeldBack>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldBack {
    pub at: DateTime<Utc>,
    pub runbook: String,
    pub why: String,
}

pub fn recovery(inputs: &Inputs) -> RecoveryFigures {
    let mut runs: Vec<RecoveryRun> = inputs
        .recovery_runs
        .iter()
        .filter(|r| in_period(inputs, r.started))
        .cloned()
        .collect();
    runs.sort_by_key(|r| r.started);
    let mut by_state = BTreeMap::new();
    for r in &runs {
        *by_state.entry(r.state.clone()).or_default() += 1;
    }
    let held_back = inputs
        .actions
        .iter()
        .filter(|a| a.action == "runbook.auto" && in_period(inputs, a.at))
        .filter_map(|a| {
            Some(HeldBack {
                at: a.at,
                runbook: a.target.clone(),
                why: a.outcome.strip_prefix("skipped: ")?.to_string(),
            })
        })
        .collect();
    RecoveryFigures {
        runs,
        by_state,
        held_back,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalingLine {
    pub target: String,
    pub at: DateTime<Utc>,
    pub from: u32,
    pub to: u32,
    pub trigger: String,
    pub executed: bool,
    pub outcome: String,
    /// Why, in one line.
    pub reason: String,
    pub actor: String,
}

fn scaling_line(e: &ScalingEvent) -> ScalingLine {
    ScalingLine {
        target: e.target.clone(),
        at: e.at,
        from: e.from,
        to: e.to,
        trigger: e.trigger.clone(),
        executed: e.executed,
        outcome: e.outcome.clone(),
        reason: e.summary.clone(),
        actor: e.actor.clone(),
    }
}

/// The period's executions, oldest first.
pub fn scaling(inputs: &Inputs) -> Vec<ScalingLine> {
    let mut lines: Vec<ScalingLine> = inputs
        .scaling
        .iter()
        .filter(|e| e.execution && in_period(inputs, e.at))
        .map(scaling_line)
        .collect();
    lines.sort_by_key(|l| l.at);
    lines
}

/// Targets whose last evaluation wants another count than they run.
pub fn scaling_now(inputs: &Inputs) -> Vec<ScalingLine> {
    let mut last: BTreeMap<&str, &ScalingEvent> = BTreeMap::new();
    for e in inputs
        .scaling
        .iter()
        .filter(|e| !e.execution && e.at < inputs.until)
    {
        if last.get(e.target.as_str()).is_none_or(|l| e.at >= l.at) {
            last.insert(&e.target, e);
        }
    }
    last.into_values()
        .filter(|e| e.from != e.to)
        .map(scaling_line)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActorActions {
    pub actor: String,
    /// How many of each action.
    pub counts: BTreeMap<String, usize>,
    /// Each action, oldest first.
    pub actions: Vec<ActionLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionLine {
    pub at: DateTime<Utc>,
    pub action: String,
    pub target: String,
    pub outcome: String,
}

/// Actions by who took them (sessions starting and ending left out).
pub fn actions(inputs: &Inputs) -> Vec<ActorActions> {
    let mut by_actor: BTreeMap<&str, ActorActions> = BTreeMap::new();
    let mut taken: Vec<_> = inputs
        .actions
        .iter()
        .filter(|a| in_period(inputs, a.at) && !a.action.starts_with("session."))
        .collect();
    taken.sort_by_key(|a| a.at);
    for a in taken {
        let entry = by_actor.entry(&a.actor).or_insert_with(|| ActorActions {
            actor: a.actor.clone(),
            counts: BTreeMap::new(),
            actions: Vec::new(),
        });
        *entry.counts.entry(a.action.clone()).or_default() += 1;
        entry.actions.push(ActionLine {
            at: a.at,
            action: a.action.clone(),
            target: a.target.clone(),
            outcome: a.outcome.clone(),
        });
    }
    by_actor.into_values().collect()
}
