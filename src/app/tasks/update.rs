//! What `update` does for tasks: the scheduler's ticks, the runs the runtime and
//! the store report, `t`/`x` (their confirmation and carrying them out), and
//! moving through a task's runs in its details.

use super::{SkipRun, StartTask, Tasks};
use crate::app::action::{Action, PaneId};
use crate::app::confirm::{Confirm, Draft, PlanRow};
use crate::app::intent::{Intent, TaskRef};
use crate::app::state::{AppState, Overlay, StatusKind, StoreRole};
use crate::app::update::{Effect as AppEffect, PAGE};
use crate::engine::tasks::scheduler::{Command, Refused};
use crate::engine::tasks::{Run, RunState, Trigger};
use crate::store::tasks::RunChanges;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What the runtime and the store tell the Tasks pane.
#[derive(Debug)]
pub enum Msg {
    /// Runs read from the store: everything (`full`, at start and on taking
    /// the lead) or what changed since the last read.
    Runs { changes: RunChanges, full: bool },
    /// A run of this opsdeck started (its row is written).
    Started(Run),
    /// More output of a running task.
    Output {
        task: String,
        run_id: i64,
        text: String,
    },
    /// A run of this opsdeck ended (its row is written).
    Finished(Run),
    /// A skipped run is recorded.
    Skipped(Run),
    /// The stored output of a run, for the details view.
    RunOutput {
        task: String,
        run_id: i64,
        output: String,
    },
}

/// What the Tasks pane asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record a run's start, run it, record its end.
    Start(Box<StartTask>),
    /// Record a skipped run.
    Skip(Box<SkipRun>),
    /// Kill the running run of this task (its whole process group).
    Cancel(String),
    /// Read every task's recent runs again; the leader first closes runs whose
    /// process died (`close_abandoned`).
    LoadRuns { close_abandoned: bool },
    /// Close the runs whose opsdeck died and stop what is left of their
    /// processes (the leader, every `ABANDONED_EVERY`).
    CloseAbandoned,
    /// Read the runs written since this change counter.
    PollRuns { after: i64 },
    /// Read one run's output for the details view.
    LoadOutput { task: String, run_id: i64 },
}

pub fn on_msg(state: &mut AppState, msg: Msg) -> Vec<AppEffect> {
    match msg {
        Msg::Runs { changes, full } => on_runs(state, changes, full),
        Msg::Started(run) | Msg::Skipped(run) => {
            state.tasks.upsert(run);
            Vec::new()
        }
        Msg::Output { task, run_id, text } => {
            on_output(&mut state.tasks, run_id, &task, &text);
            Vec::new()
        }
        Msg::Finished(run) => on_finished(state, run),
        Msg::RunOutput {
            task,
            run_id,
            output,
        } => {
            if let Some(run) = find_run(&mut state.tasks, &task, run_id) {
                run.output = Some(output);
            }
            Vec::new()
        }
    }
}

/// Every tick: due runs, retries, queued runs; and the store's new runs.
pub fn on_tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<AppEffect> {
    if state.tasks.is_empty() {
        return Vec::new();
    }
    if !state.tasks.loaded && state.store == StoreRole::Off {
        // No store, no history: the schedule starts from now.
        state.tasks.loaded = true;
        start_schedule(state);
    }
    state.tasks.refresh_next_runs(now);
    let commands = state.tasks.scheduler.tick(now, state.runs_host_work());
    let mut effects = effects_for(state, commands);
    if state.tasks.loaded && state.store != StoreRole::Off {
        let after = state.tasks.change;
        effects.push(AppEffect::Tasks(Effect::PollRuns { after }));
    }
    let due = state
        .tasks
        .abandoned_checked
        .is_none_or(|at| now - at >= ABANDONED_EVERY);
    if state.store == StoreRole::Leader && state.tasks.loaded && due {
        state.tasks.abandoned_checked = Some(now);
        effects.push(AppEffect::Tasks(Effect::CloseAbandoned));
    }
    effects
}

/// How often the leader looks for runs whose opsdeck died (killed while a
/// run went on): their processes are stopped within seconds, not at the next
/// leader's start.
const ABANDONED_EVERY: chrono::Duration = chrono::Duration::seconds(3);

/// The store's runs: the first read starts the schedule (on the leader).
fn on_runs(state: &mut AppState, changes: RunChanges, full: bool) -> Vec<AppEffect> {
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
        if state.runs_host_work() {
            start_schedule(state);
        }
    }
    Vec::new()
}

/// This opsdeck took the lead: the schedule restarts from the store's latest runs.
pub fn on_lead(state: &AppState) -> Vec<AppEffect> {
    if state.tasks.is_empty() {
        return Vec::new();
    }
    vec![AppEffect::Tasks(Effect::LoadRuns {
        close_abandoned: true,
    })]
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

fn find_run<'a>(tasks: &'a mut Tasks, task: &str, run_id: i64) -> Option<&'a mut Run> {
    tasks
        .runs
        .get_mut(task)
        .and_then(|runs| runs.iter_mut().find(|r| r.id == run_id))
}

/// More output of a running task, keeping the last `LIVE_OUTPUT` bytes.
fn on_output(tasks: &mut Tasks, run_id: i64, task: &str, text: &str) {
    let Some(run) = find_run(tasks, task, run_id) else {
        return;
    };
    let output = run.output.get_or_insert_with(String::new);
    output.push_str(text);
    if output.len() > super::LIVE_OUTPUT {
        let mut cut = output.len() - super::LIVE_OUTPUT;
        while !output.is_char_boundary(cut) {
            cut += 1;
        }
        output.drain(..cut);
    }
}

/// A run ended (its row is written): retries and waiting runs follow.
fn on_finished(state: &mut AppState, run: Run) -> Vec<AppEffect> {
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

/// The scheduler's commands as effects for the runtime.
fn effects_for(state: &mut AppState, commands: Vec<Command>) -> Vec<AppEffect> {
    let scheduler_actor = format!("scheduler@{}", state.host.hostname);
    let mut effects = Vec::new();
    for command in commands {
        let local_id = (state.store == StoreRole::Off).then(|| state.tasks.local_id());
        let effect = match command {
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
                    _ => scheduler_actor.clone(),
                };
                Effect::Start(Box::new(StartTask {
                    spec,
                    trigger,
                    attempt,
                    actor,
                    local_id,
                }))
            }
            Command::Skip {
                task,
                trigger,
                reason,
            } => {
                tracing::info!("task {task} skipped: {reason}");
                Effect::Skip(Box::new(SkipRun {
                    task_id: task,
                    trigger,
                    reason,
                    actor: scheduler_actor.clone(),
                    at: state.now,
                    local_id,
                }))
            }
        };
        effects.push(AppEffect::Tasks(effect));
    }
    effects
}

/// `t` / `x` on the selected task: the confirmation, or why there is none.
pub fn open_confirm(state: &mut AppState, cancel: bool) {
    let verb = if cancel {
        "cancel task"
    } else {
        "trigger task"
    };
    if state.view.focus != PaneId::Tasks {
        state.set_status(
            StatusKind::Info,
            format!("{verb}: select a task in the Tasks pane first (2)"),
        );
        return;
    }
    let Some(spec) = state.selected_task() else {
        state.set_status(StatusKind::Info, format!("{verb}: no task selected"));
        return;
    };
    let task = TaskRef {
        task_id: spec.id.clone(),
        name: spec.name.clone(),
        command: super::shell_words(&spec.command),
    };
    let mut plan = vec![PlanRow::new("task", task.task_id.clone())];
    plan.extend(command_rows(&task.command));
    let dir = spec
        .workdir
        .as_ref()
        .map_or_else(|| "opsdeck's".to_string(), |d| d.display().to_string());
    let timeout = crate::config::duration::short(spec.timeout);
    plan.push(PlanRow::new("in", dir).aside(format!(" · timeout {timeout}")));
    let refused = if cancel {
        cancel_refused(state, &task)
    } else {
        trigger_refused(state, &task)
    };
    if let Some((kind, text)) = refused {
        state.set_status(kind, text);
        return;
    }
    let dialog = if cancel {
        let note = "Its whole process group gets SIGTERM, then SIGKILL.".to_string();
        let title = format!("Cancel {}", task.name);
        Confirm::new(Draft::CancelTask(task), title, plan)
            .notes(vec![note])
            .keys("cancel the run", "keep it")
    } else {
        let note = format!("Runs now, outside its schedule, as {}.", state.actor);
        let title = format!("Run {} now", task.name);
        Confirm::new(Draft::TriggerTask(task), title, plan)
            .notes(vec![note])
            .keys("run", "cancel")
    };
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
}

/// Why `x` has nothing to cancel, if so.
fn cancel_refused(state: &AppState, task: &TaskRef) -> Option<(StatusKind, String)> {
    let scheduler = &state.tasks.scheduler;
    let id = &task.task_id;
    if scheduler.running(id).is_some()
        || scheduler.waiting(id).is_some()
        || scheduler.retry(id).is_some()
    {
        return None;
    }
    let elsewhere = state
        .tasks
        .last_run(id)
        .is_some_and(|r| r.state == RunState::Running);
    let why = if elsewhere {
        "it runs in another opsdeck; cancel it there"
    } else {
        "it is not running"
    };
    let name = &task.name;
    Some((StatusKind::Info, format!("cancel task: {name}: {why}")))
}

/// Why `t` would be refused, said before the confirmation rather than after
/// it: the run already going (or waiting), and the key that cancels it.
fn trigger_refused(state: &AppState, task: &TaskRef) -> Option<(StatusKind, String)> {
    let scheduler = &state.tasks.scheduler;
    let id = &task.task_id;
    let refused = scheduler.check_trigger(id).err()?;
    let cancel_key = state.keymap.label_for(Action::CancelTask);
    let since = |at: DateTime<Utc>| {
        let local = at.with_timezone(&state.local_offset).format("%H:%M:%S");
        let age = (state.now - at).to_std().unwrap_or_default();
        format!("since {local}, {} ago", crate::config::duration::short(age))
    };
    let name = &task.name;
    let text = match (refused, scheduler.running(id), scheduler.waiting(id)) {
        (Refused::AlreadyRunning, Some((.., started)), _) => format!(
            "task {name} is already running ({}); {cancel_key} cancels it",
            since(started)
        ),
        (Refused::AlreadyWaiting, _, Some(w)) => format!(
            "task {name} is already waiting to run ({}: {}); {cancel_key} drops it",
            since(w.since),
            w.reason
        ),
        (refused, ..) => format!("trigger task: {name}: {refused}"),
    };
    Some((StatusKind::Warning, text))
}

/// A command's rows in the plan: a `sh -c` script keeps its lines (a few of
/// them), not one run-together row.
fn command_rows(command: &str) -> Vec<PlanRow> {
    const SHOWN: usize = 8;
    let lines: Vec<&str> = command.lines().collect();
    let mut rows: Vec<PlanRow> = lines
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, line)| PlanRow::new(if i == 0 { "command" } else { "" }, *line))
        .collect();
    if lines.len() > SHOWN {
        let more = lines.len() - SHOWN;
        rows.push(PlanRow::new("", "").aside(format!("… {more} more lines")));
    }
    rows
}

/// A confirmed trigger or cancel, carried out on the scheduler: the outcome for
/// the audit log and the effects (a run to start, one to kill).
pub fn carry_out(state: &mut AppState, intent: &Intent) -> (String, Vec<AppEffect>) {
    state.view.overlay = None;
    let now = state.now;
    let (task, outcome, effects) = match intent {
        Intent::CancelTask(task) => {
            let scheduler = &mut state.tasks.scheduler;
            let waiting = scheduler.cancel_waiting(&task.task_id);
            let running = scheduler.running(&task.task_id).is_some();
            let mut effects = Vec::new();
            if running {
                effects.push(AppEffect::Tasks(Effect::Cancel(task.task_id.clone())));
            }
            let outcome = match (running, waiting) {
                (true, _) => "cancelling the running run",
                (false, Some(_)) => "dropped the waiting run",
                (false, None) => "cancelled the pending retry",
            };
            (task, outcome.to_string(), effects)
        }
        Intent::TriggerTask(task) => match state.tasks.scheduler.trigger(&task.task_id, now) {
            Ok(commands) => {
                let started = commands.iter().any(|c| matches!(c, Command::Start { .. }));
                let outcome = if started {
                    "started"
                } else {
                    "queued: waiting to start"
                };
                (task, outcome.to_string(), effects_for(state, commands))
            }
            Err(refused) => (task, format!("refused: {refused}"), Vec::new()),
        },
        _ => return ("not a task's intent".into(), Vec::new()),
    };
    let kind = if outcome.starts_with("refused") {
        StatusKind::Warning
    } else {
        StatusKind::Info
    };
    let verb = match intent {
        Intent::CancelTask(_) => "cancel",
        _ => "trigger",
    };
    state.set_status(kind, format!("{verb} {}: {outcome}", task.name));
    (outcome, effects)
}

/// j/k in a task's details: the previous or next run; PgUp/PgDn scroll its output.
pub fn move_run_selection(state: &mut AppState, action: Action) -> Vec<AppEffect> {
    let Some(id) = state.selected_task().map(|t| t.id.clone()) else {
        return Vec::new();
    };
    // PgUp/PgDn scroll the output (it keeps up to 64 KiB); the rest pick a run.
    let tasks = &mut state.tasks;
    match action {
        Action::PageUp => {
            // Not past the top: wrapped rows are at least the lines, and a long
            // line wraps about every 40 columns at most.
            let rows = tasks
                .runs_of(&id)
                .nth(tasks.detail_run)
                .and_then(|r| r.output.as_deref())
                .map_or(0, |o| o.lines().count() + o.len() / 40);
            tasks.output_scroll = (tasks.output_scroll + PAGE).min(rows);
            return Vec::new();
        }
        Action::PageDown => {
            tasks.output_scroll = tasks.output_scroll.saturating_sub(PAGE);
            return Vec::new();
        }
        _ => {}
    }
    let last = tasks.runs_of(&id).count().saturating_sub(1);
    let i = tasks.detail_run;
    tasks.detail_run = match action {
        Action::Up => i.saturating_sub(1),
        Action::Down => (i + 1).min(last),
        Action::Top => 0,
        _ => last,
    };
    tasks.output_scroll = 0;
    load_selected_output(state)
}

/// The selected run's output, read from the store unless this view has it.
pub fn load_selected_output(state: &mut AppState) -> Vec<AppEffect> {
    let Some(id) = state.selected_task().map(|t| t.id.clone()) else {
        return Vec::new();
    };
    let wanted = state
        .tasks
        .runs_of(&id)
        .nth(state.tasks.detail_run)
        .filter(|run| run.output.is_none() && run.id > 0 && run.state.is_finished())
        .map(|run| run.id);
    match wanted {
        Some(run_id) => vec![AppEffect::Tasks(Effect::LoadOutput { task: id, run_id })],
        None => Vec::new(),
    }
}
