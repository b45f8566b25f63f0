//! The Tasks pane's state: the scheduler and each task's recent runs (from the
//! store, which every opsdeck on the host writes, and live from this one's
//! runner). What `update` does with task messages is in `update`.

mod update;
pub use update::{Effect, Msg, carry_out, open_confirm, start_schedule};
pub(super) use update::{load_selected_output, move_run_selection, on_lead, on_msg, on_tick};

use crate::engine::tasks::scheduler::Scheduler;
use crate::engine::tasks::{Run, RunState, RunStats, TaskSpec, Trigger};
use crate::store::writer::RUNS_PER_TASK;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

/// Live output kept per running task, at most (as the runner's tail).
pub const LIVE_OUTPUT: usize = crate::engine::tasks::OUTPUT_TAIL_BYTES;

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
    /// When the leader last looked for runs whose opsdeck died.
    pub abandoned_checked: Option<DateTime<Utc>>,
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
            abandoned_checked: None,
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
    pub(super) fn refresh_next_runs(&mut self, now: DateTime<Utc>) {
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

    pub(super) fn local_id(&mut self) -> i64 {
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
        // The names are `filter_prompt::TASK_FIELDS`.
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

pub use crate::engine::shell_words;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_is_shown_quoted_where_a_shell_would_need_it() {
        let argv = ["sh", "-c", "df -h | sort", "it's"].map(String::from);
        assert_eq!(shell_words(&argv), r"sh -c 'df -h | sort' 'it'\''s'");
    }
}
