//! Recovery runs as the Tasks pane lists them under the tasks: the newest runs
//! every opsdeck on the host (and `opsdeck runbook run`) wrote, this opsdeck's
//! own with their live progress. Enter opens a run: this opsdeck's live view,
//! or another's steps and output as the store has them, read again whenever
//! the run changes.

use super::update::Effect;
use super::{LiveRun, Recoveries, StepView, push_output};
use crate::app::PaneId;
use crate::app::filter::Filterable;
use crate::app::state::{AppState, Overlay, StatusKind};
use crate::app::update::Effect as AppEffect;
use crate::engine::runbooks::{RunOutcome, RunbookSpec, StepState};
use crate::store::recovery::{StoredRecoveryRun, StoredStep};
use chrono::{DateTime, Utc};

/// Runs listed, at most (`opsdeck runbook list` and the store have them all).
pub const LISTED_RUNS: usize = 20;

/// One run's row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunRow {
    /// The store's id (0: not stored).
    pub run_id: i64,
    /// This opsdeck's run (its key), shown live.
    pub live: Option<u64>,
    pub runbook: String,
    /// `HighCPU{instance="db-1"}`, or "" for a run for no alert.
    pub alert: String,
    /// "running step 2/4", "recovered", "aborted".
    pub state: String,
    /// None while it runs; else whether it recovered.
    pub ok: Option<bool>,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    /// Who started it, and how: `oncall@ops-1 · auto`.
    pub by: String,
}

impl Filterable for RunRow {
    fn text(&self) -> String {
        format!("{} {} {} {}", self.runbook, self.alert, self.state, self.by)
    }

    fn field(&self, name: &str) -> Option<String> {
        // The Tasks pane's fields (`filter_prompt::TASK_FIELDS`) as a run has them.
        Some(match name {
            "id" | "name" => self.runbook.clone(),
            "state" => self.state.clone(),
            _ => return None,
        })
    }
}

impl Recoveries {
    /// Stored runs that changed join the list (newest first, bounded).
    pub(super) fn list_changed(&mut self, runs: &[StoredRecoveryRun]) {
        for run in runs {
            self.recent.retain(|r| r.id != run.id);
            self.recent.push(run.clone());
        }
        self.recent
            .sort_unstable_by_key(|r| std::cmp::Reverse(r.id));
        self.recent.truncate(LISTED_RUNS);
    }
}

/// "running step 2/4" of a stored run (`steps`: its runbook's step count,
/// when configured here).
pub fn stored_state_text(run: &StoredRecoveryRun, steps: Option<usize>) -> String {
    if run.state != "running" {
        return run.state.replace('_', " ");
    }
    if run.detail.starts_with(crate::engine::runbooks::ASKING) {
        return run.detail.clone();
    }
    let of = steps.map_or(String::new(), |n| format!("/{n}"));
    match &run.step {
        Some((position, state)) if state == "running" => format!("running step {position}{of}"),
        Some((position, _)) => format!("running, after step {position}{of}"),
        None => "starting".into(),
    }
}

/// The runs listed, newest first, after the Tasks pane's filter.
pub fn visible_runs(state: &AppState) -> Vec<RunRow> {
    let recoveries = &state.recoveries;
    if recoveries.runs.is_empty() && recoveries.recent.is_empty() {
        return Vec::new();
    }
    let runbooks = state.config.runbooks();
    let mut rows: Vec<RunRow> = recoveries.runs.iter().map(live_row).collect();
    for run in &recoveries.recent {
        if recoveries.runs.iter().any(|l| l.run_id == run.id) {
            continue;
        }
        let steps = runbooks
            .iter()
            .find(|s| s.id == run.runbook)
            .map(|s| s.steps.len());
        rows.push(stored_row(run, steps));
    }
    rows.sort_by(|a, b| b.started.cmp(&a.started).then(b.run_id.cmp(&a.run_id)));
    rows.truncate(LISTED_RUNS);
    let filter = state.list(PaneId::Tasks).filter.as_ref();
    if let Some(filter) = filter {
        rows.retain(|r| filter.matches(r));
    }
    rows
}

fn live_row(run: &LiveRun) -> RunRow {
    RunRow {
        run_id: run.run_id,
        live: Some(run.key),
        runbook: run.runbook.clone(),
        alert: run.alert.clone(),
        state: run.state_text(),
        ok: run.outcome.map(|o| o.status() == 0),
        started: run.started,
        finished: run.finished,
        by: run.by.clone(),
    }
}

fn stored_row(run: &StoredRecoveryRun, steps: Option<usize>) -> RunRow {
    let alert = if run.alert_labels.is_empty() {
        run.alert_key.clone().unwrap_or_default()
    } else {
        crate::app::dispatch::alert_name(&run.alert_labels)
    };
    RunRow {
        run_id: run.id,
        live: None,
        runbook: run.runbook.clone(),
        alert,
        state: stored_state_text(run, steps),
        ok: (run.state != "running")
            .then_some(matches!(run.state.as_str(), "recovered" | "dry_run")),
        started: run.started,
        finished: run.finished,
        by: format!("{} · {}", run.actor, run.trigger),
    }
}

/// The run row under the Tasks pane's cursor, if the cursor is past the tasks.
pub fn selected_run(state: &AppState) -> Option<RunRow> {
    let selected = state.list(PaneId::Tasks).selected;
    let row = selected.checked_sub(state.visible_tasks().len())?;
    visible_runs(state).into_iter().nth(row)
}

/// The run the Tasks pane's cursor is on: (store id, this opsdeck's key).
pub type RunCursor = (i64, Option<u64>);

/// The run under the cursor, when the cursor is on the runs (cheap otherwise).
pub fn run_cursor(state: &AppState) -> Option<RunCursor> {
    if state.recoveries.runs.is_empty() && state.recoveries.recent.is_empty() {
        return None;
    }
    selected_run(state).map(|r| (r.run_id, r.live))
}

/// Puts the cursor back on that run after the list changed (a newer run
/// above it, one filtered away); gone, the cursor stays within the rows.
pub fn restore_run_cursor(state: &mut AppState, (run_id, live): RunCursor) {
    let tasks = state.visible_tasks().len();
    let row = visible_runs(state)
        .iter()
        .position(|r| match (live, r.live) {
            (Some(key), Some(theirs)) => key == theirs,
            _ => run_id != 0 && r.run_id == run_id,
        });
    match row {
        Some(row) => state.list_mut(PaneId::Tasks).selected = tasks + row,
        None => crate::app::navigation::clamp_selection(state, PaneId::Tasks),
    }
}

/// Enter on a run: this opsdeck's live view, or the stored run read.
pub fn open_run(state: &mut AppState, row: &RunRow) -> Vec<AppEffect> {
    if let Some(key) = row.live {
        state.view.overlay = Some(Overlay::Recovery(key));
        return Vec::new();
    }
    state.view.overlay = Some(Overlay::StoredRecovery(row.run_id));
    state.recoveries.viewed = None;
    state.recoveries.unreadable = None;
    vec![AppEffect::Runbooks(Effect::LoadRun(row.run_id))]
}

/// The stored run whose view is open changed: read it again.
pub(super) fn reload_viewed(state: &AppState, changed: &[StoredRecoveryRun]) -> Vec<AppEffect> {
    match state.view.overlay {
        Some(Overlay::StoredRecovery(id)) if changed.iter().any(|r| r.id == id) => {
            vec![AppEffect::Runbooks(Effect::LoadRun(id))]
        }
        _ => Vec::new(),
    }
}

/// `x` on a listed run (or in a stored run's view): this opsdeck's running
/// run asks whether to abort it; any other says why it cannot.
pub fn abort_listed(state: &mut AppState, run_id: i64, live: Option<u64>) {
    if let Some(key) = live {
        super::actions::open_abort(state, key);
        return;
    }
    let stored = state.recoveries.recent.iter().find(|r| r.id == run_id);
    let text = match stored {
        Some(r) if r.state == "running" => format!(
            "abort: run {run_id} belongs to another opsdeck or `opsdeck runbook run` ({}); abort it there",
            r.actor
        ),
        _ => format!("abort: run {run_id} has ended"),
    };
    state.set_status(StatusKind::Info, text);
}

/// A stored run as the run view draws it: the runbook's steps (as configured
/// here, else as stored) with each one's newest attempt, and the output of
/// the attempts in order.
pub fn viewed_run(
    run: &StoredRecoveryRun,
    steps: &[StoredStep],
    spec: Option<&RunbookSpec>,
) -> LiveRun {
    let mut views: Vec<StepView> = spec.map_or_else(Vec::new, super::actions::step_views);
    let mut output = String::new();
    let current = steps.iter().map(|s| s.run_attempt).max().unwrap_or(1);
    for step in steps.iter().filter(|s| s.run_attempt == current) {
        let i = (step.position as usize).saturating_sub(1);
        while views.len() <= i {
            views.push(StepView {
                name: step.name.clone(),
                action: String::new(),
                dangerous: false,
                state: StepState::Pending,
                attempt: 0,
                started: None,
                finished: None,
                detail: String::new(),
            });
        }
        let view = &mut views[i];
        // What ran, which the config may since have changed.
        view.action = match step.command.as_slice() {
            [notify] if notify.starts_with("notify ") => notify.clone(),
            [] => view.action.clone(),
            argv => crate::app::tasks::shell_words(argv),
        };
        view.state = StepState::parse(&step.state).unwrap_or(StepState::Failed);
        (view.attempt, view.started, view.finished) = (step.attempt, step.started, step.finished);
        view.detail = step.detail.clone();
        push_output(
            &mut output,
            &format!("── step {} {}\n", step.position, step.name),
        );
        push_output(&mut output, &step.output);
        if !step.output.is_empty() && !step.output.ends_with('\n') {
            push_output(&mut output, "\n");
        }
    }
    let outcome = (run.state != "running")
        .then(|| RunOutcome::parse(&run.state))
        .flatten();
    let row = stored_row(run, spec.map(|s| s.steps.len()));
    // "asking before step 2/3: …": the step it waits on.
    let asking = run
        .detail
        .strip_prefix(crate::engine::runbooks::ASKING)
        .and_then(|rest| rest.trim_start().split('/').next()?.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1))
        .filter(|&i| outcome.is_none() && i < views.len());
    LiveRun {
        key: 0,
        run_id: run.id,
        runbook: run.runbook.clone(),
        name: spec.map_or_else(|| run.runbook.clone(), |s| s.name.clone()),
        alert_key: run.alert_key.clone().unwrap_or_default(),
        alert: row.alert,
        dry_run: run.dry_run,
        by: row.by.clone(),
        started: run.started,
        attempt: run.attempt,
        steps: views,
        asking,
        outcome,
        finished: run.finished,
        // The question is the state's own words already.
        detail: if run.detail.is_empty() || asking.is_some() {
            row.by
        } else {
            format!("{} · {}", row.by, run.detail)
        },
        output,
    }
}
