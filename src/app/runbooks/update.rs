//! What `update` does for recovery runs: the runner's reports (each sent
//! once the store has it), the store's reads, and what is due each tick.
//! The operator's actions are in `actions`.

use super::push_output;
use crate::app::confirm::{Confirm, Draft, PlanRow};
use crate::app::state::{AppState, Overlay, StatusKind};
use crate::app::update::Effect as AppEffect;
use crate::engine::runbooks::{AlertContext, RunOutcome, RunbookSpec, StepState};
use chrono::{DateTime, Utc};

/// What the runner tells the dashboard about a run of this opsdeck.
#[derive(Debug)]
pub enum Msg {
    /// The run's row is written, with this id.
    Recorded {
        key: u64,
        run_id: i64,
    },
    StepStarted {
        key: u64,
        step: usize,
        attempt: u32,
        run_attempt: u32,
        at: DateTime<Utc>,
    },
    Output {
        key: u64,
        text: String,
    },
    StepEnded {
        key: u64,
        step: usize,
        state: StepState,
        detail: String,
        at: DateTime<Utc>,
    },
    /// A dangerous step waits for a human.
    Asking {
        key: u64,
        step: usize,
    },
    Ended {
        key: u64,
        outcome: RunOutcome,
        detail: String,
        at: DateTime<Utc>,
        /// Each step's last state and detail (a step the run never reached
        /// ends skipped, one it stopped at aborted).
        steps: Vec<(StepState, String)>,
    },
    /// The stored runs of the alert whose details are open.
    History {
        alert_key: String,
        runs: Vec<super::RunHistory>,
    },
    /// A stored run and its step attempts, for its view.
    Run {
        run: Box<crate::store::recovery::StoredRecoveryRun>,
        steps: Vec<crate::store::recovery::StoredStep>,
    },
    /// A stored run could not be read for its view.
    RunUnreadable {
        run_id: i64,
        why: String,
    },
    /// Runs the store has that changed since the last read (any opsdeck's).
    Stored {
        runs: Vec<crate::store::recovery::StoredRecoveryRun>,
        change: i64,
    },
}

/// What the dashboard asks the runner to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Start(Box<StartRecovery>),
    /// The answer to a dangerous step's question.
    Answer {
        key: u64,
        yes: bool,
    },
    /// Stop the run: its step's process group, then the run (aborted).
    Abort(u64),
    /// Read an alert's newest runs, for its details.
    LoadHistory(String),
    /// Read a stored run and its steps, for its view.
    LoadRun(i64),
    /// Read the runs written since this change counter.
    Poll {
        after: i64,
    },
    /// Close runs whose opsdeck died and stop what is left of their steps
    /// (the leader, every few seconds).
    CloseAbandoned,
}

/// Enter on an alert: its recovery runs are read for the details, when
/// runbooks are configured and there is a store to read.
pub fn details_opened(state: &mut AppState, alert_key: &str) -> Vec<AppEffect> {
    state.recoveries.history = None;
    let store = state.store != crate::app::state::StoreRole::Off;
    if state.config.runbooks().is_empty() || !store {
        return Vec::new();
    }
    vec![AppEffect::Runbooks(Effect::LoadHistory(
        alert_key.to_string(),
    ))]
}

/// How often the leader looks for runs whose opsdeck died.
const ABANDONED_EVERY: chrono::Duration = chrono::Duration::seconds(3);

/// Every tick, with runbooks configured and a store: others' runs are read,
/// and the leader closes abandoned ones.
pub fn on_tick(state: &mut AppState) -> Vec<AppEffect> {
    use crate::app::state::StoreRole;
    if state.config.runbooks().is_empty() || state.store == StoreRole::Off {
        return Vec::new();
    }
    let after = state.recoveries.change;
    let mut effects = vec![AppEffect::Runbooks(Effect::Poll { after })];
    let now = state.now;
    let due = state
        .recoveries
        .abandoned_checked
        .is_none_or(|at| now - at >= ABANDONED_EVERY);
    if state.store == StoreRole::Leader && due {
        state.recoveries.abandoned_checked = Some(now);
        effects.push(AppEffect::Runbooks(Effect::CloseAbandoned));
    }
    effects
}

/// A run to record and drive.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRecovery {
    pub key: u64,
    pub spec: RunbookSpec,
    pub alert: AlertContext,
    pub dry_run: bool,
    pub actor: String,
    /// manual (`r`) or auto.
    pub trigger: &'static str,
}

/// The key a run goes by in `Overlay::Recovery` and the runner.
pub fn run_key(state: &AppState) -> Option<u64> {
    match &state.view.overlay {
        Some(Overlay::Recovery(key)) => Some(*key),
        _ => None,
    }
}

pub fn on_msg(state: &mut AppState, msg: Msg) -> Vec<AppEffect> {
    match msg {
        Msg::Recorded { key, run_id } => {
            if let Some(run) = state.recoveries.get_mut(key) {
                run.run_id = run_id;
            }
        }
        Msg::StepStarted {
            key,
            step,
            attempt,
            run_attempt,
            at,
        } => {
            let Some(run) = state.recoveries.get_mut(key) else {
                return Vec::new();
            };
            if run_attempt > run.attempt {
                // The run starts over: every step is pending again.
                run.attempt = run_attempt;
                for s in &mut run.steps {
                    (s.state, s.attempt, s.started, s.finished) =
                        (StepState::Pending, 0, None, None);
                }
            }
            if let Some(s) = run.steps.get_mut(step) {
                (s.state, s.attempt, s.started, s.finished) =
                    (StepState::Running, attempt, Some(at), None);
                push_output(
                    &mut run.output,
                    &format!("── step {} {}\n", step + 1, s.name),
                );
            }
        }
        Msg::Output { key, text } => {
            if let Some(run) = state.recoveries.get_mut(key) {
                push_output(&mut run.output, &text);
            }
        }
        Msg::StepEnded {
            key,
            step,
            state: ended,
            detail,
            at,
        } => {
            if let Some(s) = state
                .recoveries
                .get_mut(key)
                .and_then(|r| r.steps.get_mut(step))
            {
                (s.state, s.detail, s.finished) = (ended, detail, Some(at));
            }
        }
        Msg::Asking { key, step } => return asking(state, key, step),
        Msg::History { alert_key, runs } => {
            state.recoveries.history = Some((alert_key, runs));
        }
        Msg::Stored { runs, change } => {
            state.recoveries.change = state.recoveries.change.max(change);
            let now = state.now;
            let reload = super::list::reload_viewed(state, &runs);
            state.recoveries.stored_changed(runs, now);
            return reload;
        }
        Msg::RunUnreadable { run_id, why } => {
            if state.view.overlay == Some(Overlay::StoredRecovery(run_id)) {
                state.recoveries.unreadable = Some((run_id, why));
            }
        }
        Msg::Run { run, steps } => {
            if state.view.overlay == Some(Overlay::StoredRecovery(run.id)) {
                let runbooks = state.config.runbooks();
                let spec = runbooks.iter().find(|s| s.id == run.runbook);
                state.recoveries.viewed = Some(super::list::viewed_run(&run, &steps, spec));
            }
        }
        Msg::Ended {
            key,
            outcome,
            detail,
            at,
            steps,
        } => {
            if let Some(run) = state.recoveries.get_mut(key) {
                for (view, (step_state, step_detail)) in run.steps.iter_mut().zip(steps) {
                    if view.state != step_state || view.detail.is_empty() {
                        (view.state, view.detail) = (step_state, step_detail);
                    }
                }
            }
            ended(state, key, outcome, detail, at);
        }
    }
    Vec::new()
}

/// A dangerous step waits: its question opens (unless another dialog is
/// open; the run's view then shows it waits).
fn asking(state: &mut AppState, key: u64, step: usize) -> Vec<AppEffect> {
    let Some(run) = state.recoveries.get_mut(key) else {
        return Vec::new();
    };
    run.asking = Some(step);
    let s = &run.steps[step];
    let step_ref = run.step_ref(step);
    let title = format!(
        "Dangerous step {}/{}: {}",
        step + 1,
        run.steps.len(),
        s.name
    );
    let plan = vec![
        PlanRow::new("runbook", run.name.clone()),
        PlanRow::new("alert", run.alert.clone()),
        PlanRow::new("runs", s.action.clone()),
    ];
    let notes = vec!["Enter runs this step; Esc aborts the whole run.".to_string()];
    let name = run.name.clone();
    let free = matches!(state.view.overlay, None | Some(Overlay::Recovery(_)));
    if free {
        let dialog = Confirm::new(Draft::ConfirmStep(step_ref), title, plan)
            .notes(notes)
            .keys("run the step", "abort the run");
        state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
    } else {
        state.set_status(
            StatusKind::Warning,
            format!("recovery {name}: {title} waits"),
        );
    }
    Vec::new()
}

fn ended(state: &mut AppState, key: u64, outcome: RunOutcome, detail: String, at: DateTime<Utc>) {
    let Some(run) = state.recoveries.get_mut(key) else {
        return;
    };
    (run.outcome, run.finished, run.asking) = (Some(outcome), Some(at), None);
    run.detail = detail;
    let kind = match outcome {
        RunOutcome::Recovered | RunOutcome::DryRun => StatusKind::Info,
        _ => StatusKind::Warning,
    };
    let text = format!(
        "recovery {} for {}: {}: {}",
        run.name,
        run.alert,
        outcome.label(),
        run.detail
    );
    // A question left open for this run has no one to ask any more.
    if let Some(Overlay::Confirm(dialog)) = &state.view.overlay
        && matches!(&dialog.draft, Draft::ConfirmStep(s) if s.run == key)
    {
        state.view.overlay = Some(Overlay::Recovery(key));
    }
    state.set_status(kind, text);
}
