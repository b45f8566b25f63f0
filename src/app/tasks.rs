//! The Tasks pane's state: the scheduler, each task's recent runs (from the
//! store, which every opsdeck on the host writes, and live from this one's
//! runner), and what `update` does with task messages.

use super::state::{AppState, Overlay, StatusKind, StoreRole};
use super::update::Effect;
use crate::engine::tasks::scheduler::{Command, Scheduler};
use crate::engine::tasks::{Run, RunState, RunStats, TaskSpec, Trigger};
use crate::store::tasks::RunChanges;
use crate::store::writer::RUNS_PER_TASK;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

/// Live output kept per running task, at most (as the runner's tail).
pub const LIVE_OUTPUT: usize = crate::runtime::process::TAIL_BYTES;

#[derive(Debug, Clone)]
pub struct Tasks {
    pub scheduler: Scheduler,
    /// Task indices in display order: priority, then config order.
    pub order: Vec<usize>,
    /// Recent runs per task id, newest first.
    pub runs: HashMap<String, VecDeque<Run>>,
    pub stats: HashMap<String, RunStats>,
    /// The store's change counter this view has read up to.
    pub change: i64,
    /// The store's runs were read (or there is no store).
    pub loaded: bool,
    /// In the details view: which of the task's runs is selected.
    pub detail_run: usize,
    /// In the details view: output rows scrolled up from its end.
    pub output_scroll: usize,
    /// Ids for runs of an opsdeck without a store (negative, counting down).
    next_local_id: i64,
    /// Each task's next scheduled run, as of the last tick.
    next_runs: HashMap<String, Option<DateTime<Utc>>>,
}

/// `t` or `x` on a task: what would be done, to confirm.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskConfirm {
    pub cancel: bool,
    pub task_id: String,
    pub name: String,
    /// The argv as a shell would show it (quoted where needed).
    pub command: String,
}

/// A task's state as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskStatus {
    Never,
    Waiting(String),
    Run(RunState),
}

impl Tasks {
    pub fn new(specs: Vec<TaskSpec>, limit: usize) -> Self {
        let mut order: Vec<usize> = (0..specs.len()).collect();
        order.sort_by_key(|&i| (specs[i].priority, i));
        Self {
            scheduler: Scheduler::new(specs, limit),
            order,
            runs: HashMap::new(),
            stats: HashMap::new(),
            change: 0,
            loaded: false,
            detail_run: 0,
            output_scroll: 0,
            next_local_id: -1,
            next_runs: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The task on display row `row`.
    pub fn spec_at(&self, row: usize) -> Option<&TaskSpec> {
        let i = *self.order.get(row)?;
        self.scheduler.specs().nth(i)
    }

    pub fn runs_of(&self, id: &str) -> impl Iterator<Item = &Run> {
        self.runs.get(id).into_iter().flatten()
    }

    pub fn last_run(&self, id: &str) -> Option<&Run> {
        self.runs.get(id).and_then(|r| r.front())
    }

    /// The newest run that has ended (what "last run" shows while one is going).
    pub fn last_finished(&self, id: &str) -> Option<&Run> {
        self.runs_of(id).find(|r| r.state.is_finished())
    }

    pub fn status(&self, id: &str) -> TaskStatus {
        if let Some(w) = self.scheduler.waiting(id) {
            return TaskStatus::Waiting(w.reason.clone());
        }
        // Started by the scheduler, its row not written yet.
        if self.scheduler.running(id).is_some() {
            return TaskStatus::Run(RunState::Running);
        }
        match self.last_run(id) {
            Some(run) => TaskStatus::Run(run.state),
            None => TaskStatus::Never,
        }
    }

    /// Tasks whose last run failed or timed out: shown on the overview.
    pub fn failing(&self) -> usize {
        self.scheduler
            .specs()
            .filter(|s| {
                self.last_finished(&s.id)
                    .is_some_and(|r| r.state.is_failure())
            })
            .count()
    }

    pub fn running(&self) -> usize {
        self.runs
            .values()
            .filter(|runs| runs.front().is_some_and(|r| r.state == RunState::Running))
            .count()
    }

    /// The next scheduled run, from the schedule itself (followers do not
    /// schedule, but show when the leader will run it); cached per tick.
    pub fn next_run(&self, spec: &TaskSpec, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.next_runs.get(&spec.id) {
            Some(next) if next.is_none_or(|t| t > now) => *next,
            _ => Self::compute_next(spec, now),
        }
    }

    fn compute_next(spec: &TaskSpec, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !spec.enabled {
            return None;
        }
        spec.schedule.as_ref().and_then(|s| s.next_after(now))
    }

    /// Recomputes the next runs that have passed (a cron search in a time zone
    /// is too dear to repeat for every row of every frame).
    fn refresh_next_runs(&mut self, now: DateTime<Utc>) {
        let stale: Vec<TaskSpec> = self
            .scheduler
            .specs()
            .filter(|s| {
                self.next_runs
                    .get(&s.id)
                    .is_none_or(|next| next.is_some_and(|t| t <= now))
            })
            .cloned()
            .collect();
        for spec in stale {
            let next = Self::compute_next(&spec, now);
            self.next_runs.insert(spec.id, next);
        }
    }

    /// Adds or replaces a run (by id), newest first, bounded.
    pub fn upsert(&mut self, run: Run) {
        self.scheduler.observe(&run);
        let runs = self.runs.entry(run.task_id.clone()).or_default();
        if let Some(existing) = runs.iter_mut().find(|r| r.id == run.id) {
            // The store's rows come without output; keep what this view has.
            let output = run.output.clone().or_else(|| existing.output.take());
            *existing = Run { output, ..run };
        } else {
            let at = runs
                .iter()
                .position(|r| (r.started, r.id) < (run.started, run.id))
                .unwrap_or(runs.len());
            runs.insert(at, run);
            runs.truncate(RUNS_PER_TASK);
        }
    }

    fn local_id(&mut self) -> i64 {
        let id = self.next_local_id;
        self.next_local_id -= 1;
        id
    }
}

/// A task as `/` filters it: `priority="critical"`, `state="failed"`, text.
pub struct TaskRow<'a> {
    pub spec: &'a TaskSpec,
    pub status: TaskStatus,
}

impl TaskStatus {
    pub fn label(&self) -> &str {
        match self {
            TaskStatus::Never => "never run",
            TaskStatus::Waiting(_) => "pending",
            TaskStatus::Run(state) => state.label(),
        }
    }
}

impl super::filter::Filterable for TaskRow<'_> {
    fn text(&self) -> String {
        let s = self.spec;
        format!("{} {} {} {}", s.id, s.name, s.category, self.status.label())
    }

    fn field(&self, name: &str) -> Option<String> {
        let s = self.spec;
        Some(match name {
            "id" => s.id.clone(),
            "name" => s.name.clone(),
            "category" => s.category.clone(),
            "priority" => s.priority.as_str().into(),
            "state" => self.status.label().into(),
            _ => return None,
        })
    }
}

/// argv for people: words with spaces or quotes are single-quoted.
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether this instance fires schedules: the leader, or one without a store.
fn leads(state: &AppState) -> bool {
    matches!(state.store, StoreRole::Leader | StoreRole::Off)
}

/// Every tick: due runs, retries, queued runs.
pub fn on_tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    if state.tasks.is_empty() {
        return Vec::new();
    }
    state.tasks.refresh_next_runs(now);
    let leads = leads(state);
    let commands = state.tasks.scheduler.tick(now, leads);
    effects_for(state, commands)
}

/// The store's runs: the first read starts the schedule (on the leader).
pub fn on_runs(state: &mut AppState, changes: RunChanges, full: bool) -> Vec<Effect> {
    let tasks = &mut state.tasks;
    if full {
        tasks.runs.clear();
    }
    tasks.change = tasks.change.max(changes.change);
    if let Some(stats) = changes.stats {
        tasks.stats = stats;
    }
    // Oldest first, so each task's newest run is observed last.
    for run in changes.runs.into_iter().rev() {
        tasks.upsert(run);
    }
    if full {
        tasks.loaded = true;
        if leads(state) {
            start_schedule(state);
        }
    }
    Vec::new()
}

/// The schedule goes on from each task's newest run.
pub fn start_schedule(state: &mut AppState) {
    let last: HashMap<String, DateTime<Utc>> = state
        .tasks
        .runs
        .iter()
        .filter_map(|(id, runs)| runs.front().map(|r| (id.clone(), r.started)))
        .collect();
    let now = state.now;
    state.tasks.scheduler.init(now, &last);
}

/// A run started (its row is written).
pub fn on_started(state: &mut AppState, run: Run) -> Vec<Effect> {
    state.tasks.upsert(run);
    Vec::new()
}

/// More output of a running task.
pub fn on_output(state: &mut AppState, run_id: i64, task: &str, text: &str) {
    let Some(run) = state
        .tasks
        .runs
        .get_mut(task)
        .and_then(|runs| runs.iter_mut().find(|r| r.id == run_id))
    else {
        return;
    };
    let output = run.output.get_or_insert_with(String::new);
    output.push_str(text);
    if output.len() > LIVE_OUTPUT {
        let mut cut = output.len() - LIVE_OUTPUT;
        while !output.is_char_boundary(cut) {
            cut += 1;
        }
        output.drain(..cut);
    }
}

/// A run ended (its row is written): retries and waiting runs follow.
pub fn on_finished(state: &mut AppState, run: Run) -> Vec<Effect> {
    let now = state.now;
    let commands = state.tasks.scheduler.finished(&run, now);
    let (kind, what) = match run.state {
        RunState::Succeeded => (StatusKind::Info, "succeeded".to_string()),
        RunState::Cancelled => (StatusKind::Info, "cancelled".to_string()),
        _ => (
            StatusKind::Warning,
            format!("{}: {}", run.state.label(), run.detail),
        ),
    };
    let name = state
        .tasks
        .scheduler
        .spec(&run.task_id)
        .map_or(run.task_id.clone(), |s| s.name.clone());
    state.set_status(kind, format!("task {name} {what}"));
    let stats = state.tasks.stats.entry(run.task_id.clone()).or_default();
    match run.state {
        RunState::Succeeded => stats.succeeded += 1,
        s if s.is_failure() => stats.failed += 1,
        _ => {}
    }
    state.tasks.upsert(run);
    effects_for(state, commands)
}

/// The output of a run picked in the details view.
pub fn on_run_output(state: &mut AppState, task: &str, run_id: i64, output: String) {
    if let Some(run) = state
        .tasks
        .runs
        .get_mut(task)
        .and_then(|runs| runs.iter_mut().find(|r| r.id == run_id))
    {
        run.output = Some(output);
    }
}

/// The scheduler's commands as effects for the runtime.
fn effects_for(state: &mut AppState, commands: Vec<Command>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for command in commands {
        match command {
            Command::Start {
                task,
                trigger,
                attempt,
            } => {
                let Some(spec) = state.tasks.scheduler.spec(&task).cloned() else {
                    continue;
                };
                let actor = match trigger {
                    Trigger::Manual => state.actor.clone(),
                    _ => format!("scheduler@{}", state.host.hostname),
                };
                let local_id = (state.store == StoreRole::Off).then(|| state.tasks.local_id());
                effects.push(Effect::StartTask(Box::new(StartTask {
                    spec,
                    trigger,
                    attempt,
                    actor,
                    local_id,
                })));
            }
            Command::Skip {
                task,
                trigger,
                reason,
            } => {
                tracing::info!("task {task} skipped: {reason}");
                let local_id = (state.store == StoreRole::Off).then(|| state.tasks.local_id());
                effects.push(Effect::RecordSkip(Box::new(SkipRun {
                    task_id: task,
                    trigger,
                    reason,
                    actor: format!("scheduler@{}", state.host.hostname),
                    at: state.now,
                    local_id,
                })));
            }
        }
    }
    effects
}

/// A run for the runtime to start.
#[derive(Debug, Clone, PartialEq)]
pub struct StartTask {
    pub spec: TaskSpec,
    pub trigger: Trigger,
    pub attempt: u32,
    pub actor: String,
    /// The run's id when there is no store to give one.
    pub local_id: Option<i64>,
}

/// A skipped run for the runtime to record.
#[derive(Debug, Clone, PartialEq)]
pub struct SkipRun {
    pub task_id: String,
    pub trigger: Trigger,
    pub reason: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub local_id: Option<i64>,
}

impl SkipRun {
    /// The skipped run to record (its id not yet known).
    pub fn run(&self) -> Run {
        let mut run = Run::start(&self.task_id, self.trigger, 1, &self.actor, self.at);
        run.end(RunState::Skipped, self.at, self.reason.clone());
        run
    }
}

/// `t` / `x` on the selected task: the confirmation, or why there is none.
pub fn open_confirm(state: &mut AppState, cancel: bool) -> Vec<Effect> {
    let verb = if cancel {
        "cancel task"
    } else {
        "trigger task"
    };
    if state.focus != super::action::PaneId::Tasks {
        state.set_status(
            StatusKind::Info,
            format!("{verb}: select a task in the Tasks pane first (2)"),
        );
        return Vec::new();
    }
    let Some(spec) = state.selected_task() else {
        state.set_status(StatusKind::Info, format!("{verb}: no task selected"));
        return Vec::new();
    };
    let id = spec.id.clone();
    let (name, command) = (spec.name.clone(), shell_words(&spec.command));
    if cancel
        && state.tasks.scheduler.running(&id).is_none()
        && state.tasks.scheduler.waiting(&id).is_none()
        && state.tasks.scheduler.retry(&id).is_none()
    {
        let elsewhere = state
            .tasks
            .last_run(&id)
            .is_some_and(|r| r.state == RunState::Running);
        let why = if elsewhere {
            "it runs in another opsdeck; cancel it there"
        } else {
            "it is not running"
        };
        state.set_status(StatusKind::Info, format!("cancel task: {name}: {why}"));
        return Vec::new();
    }
    state.overlay = Some(Overlay::TaskConfirm(TaskConfirm {
        cancel,
        task_id: id,
        name,
        command,
    }));
    Vec::new()
}

/// Enter in the confirmation: trigger or cancel, audited.
pub fn submit_confirm(state: &mut AppState, confirm: TaskConfirm) -> Vec<Effect> {
    state.overlay = None;
    let now = state.now;
    let (action, outcome, mut effects) = if confirm.cancel {
        let waiting = state.tasks.scheduler.cancel_waiting(&confirm.task_id);
        let running = state.tasks.scheduler.running(&confirm.task_id).is_some();
        let mut effects = Vec::new();
        if running {
            effects.push(Effect::CancelTask(confirm.task_id.clone()));
        }
        let outcome = match (running, waiting) {
            (true, _) => "cancelling the running run",
            (false, Some(_)) => "dropped the waiting run",
            (false, None) => "cancelled the pending retry",
        };
        ("task.cancel", outcome.to_string(), effects)
    } else {
        match state.tasks.scheduler.trigger(&confirm.task_id, now) {
            Ok(commands) => {
                let started = commands.iter().any(|c| matches!(c, Command::Start { .. }));
                let outcome = if started {
                    "started"
                } else {
                    "queued: waiting to start"
                };
                (
                    "task.trigger",
                    outcome.to_string(),
                    effects_for(state, commands),
                )
            }
            Err(refused) => ("task.trigger", format!("refused: {refused}"), Vec::new()),
        }
    };
    let kind = if outcome.starts_with("refused") {
        StatusKind::Warning
    } else {
        StatusKind::Info
    };
    let verb = if confirm.cancel { "cancel" } else { "trigger" };
    state.set_status(kind, format!("{verb} {}: {outcome}", confirm.name));
    let mut record = crate::store::NewAudit::event(now, &state.actor, action, &outcome);
    record.target = confirm.task_id.clone();
    record.params = serde_json::json!({ "command": confirm.command });
    effects.insert(0, Effect::Audit(record));
    effects
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_is_shown_quoted_where_a_shell_would_need_it() {
        let argv = ["sh", "-c", "df -h | sort", "it's"].map(String::from);
        assert_eq!(shell_words(&argv), r"sh -c 'df -h | sort' 'it'\''s'");
    }
}
