//! What `update` does for recovery runs: carrying out a confirmed `r`, a
//! dangerous step's answer and `x`; and the runner's reports, each sent once
//! the store has it.

use super::{LiveRun, StepView, push_output};
use crate::app::alerts::label_key;
use crate::app::confirm::{Confirm, Draft, PlanRow};
use crate::app::intent::{Intent, StepRef};
use crate::app::state::{AppState, Overlay, StatusKind};
use crate::app::update::Effect as AppEffect;
use crate::engine::runbooks::{AlertContext, RunOutcome, RunbookSpec, StepAction, StepState};
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

/// Carries out a runbook intent once it is recorded; returns the outcome for
/// the audit log and what the runner must do.
pub fn carry_out(state: &mut AppState, intent: &Intent) -> (String, Vec<AppEffect>) {
    match intent {
        Intent::RunRecovery(r) => {
            let Some(spec) = state
                .config
                .runbooks()
                .iter()
                .find(|s| s.id == r.runbook_id)
            else {
                state.view.overlay = None;
                return (
                    "refused: the runbook is no longer configured".into(),
                    Vec::new(),
                );
            };
            let alert_key = label_key(&r.labels);
            if let Some(going) = state.recoveries.running(&spec.id, &alert_key) {
                let why = format!(
                    "refused: a run for this alert is going ({})",
                    going.state_text()
                );
                state.view.overlay = Some(Overlay::Recovery(going.key));
                state.set_status(StatusKind::Warning, format!("run recovery: {why}"));
                return (why, Vec::new());
            }
            // Another opsdeck's run, as the store showed it a second ago.
            let elsewhere = state.recoveries.running_elsewhere(&alert_key);
            if let Some(other) = elsewhere.filter(|r| r.runbook == spec.id) {
                let why = format!(
                    "refused: another opsdeck runs it for this alert (run {} by {})",
                    other.id, other.actor
                );
                state.view.overlay = None;
                state.set_status(StatusKind::Warning, format!("run recovery: {why}"));
                return (why, Vec::new());
            }
            let spec = spec.clone();
            let by = format!("{} · manual", state.actor);
            let run = live_run(&spec, r, by, state.now);
            let key = state.recoveries.add(run);
            state.view.overlay = Some(Overlay::Recovery(key));
            let start = StartRecovery {
                key,
                spec,
                alert: AlertContext::new(r.labels.clone(), r.summary.clone()),
                dry_run: r.dry_run,
                actor: state.actor.clone(),
                trigger: "manual",
            };
            let outcome = if r.dry_run {
                "dry run started"
            } else {
                "started"
            };
            (
                outcome.into(),
                vec![AppEffect::Runbooks(Effect::Start(Box::new(start)))],
            )
        }
        Intent::ConfirmStep(s) => {
            state.view.overlay = Some(Overlay::Recovery(s.run));
            match state.recoveries.get_mut(s.run) {
                Some(run) if run.asking == Some(s.step) => {
                    run.asking = None;
                    let answer = Effect::Answer {
                        key: s.run,
                        yes: true,
                    };
                    ("confirmed".into(), vec![AppEffect::Runbooks(answer)])
                }
                _ => (
                    "not asked any more: the run went on or ended".into(),
                    Vec::new(),
                ),
            }
        }
        Intent::AbortRecovery(s) => {
            state.view.overlay = Some(Overlay::Recovery(s.run));
            let going = state
                .recoveries
                .get(s.run)
                .is_some_and(|r| r.outcome.is_none());
            if !going {
                return ("nothing to abort: the run had ended".into(), Vec::new());
            }
            (
                "abort requested".into(),
                vec![AppEffect::Runbooks(Effect::Abort(s.run))],
            )
        }
        _ => (String::new(), Vec::new()),
    }
}

pub(super) fn live_run(
    spec: &RunbookSpec,
    r: &crate::app::intent::RecoveryRef,
    by: String,
    now: DateTime<Utc>,
) -> LiveRun {
    LiveRun {
        key: 0,
        run_id: 0,
        runbook: spec.id.clone(),
        name: spec.name.clone(),
        alert_key: label_key(&r.labels),
        alert: crate::app::dispatch::alert_name(&r.labels),
        dry_run: r.dry_run,
        by,
        started: now,
        attempt: 1,
        steps: step_views(spec),
        asking: None,
        outcome: None,
        finished: None,
        detail: String::new(),
        output: String::new(),
    }
}

/// The runbook's steps, each pending.
pub(super) fn step_views(spec: &RunbookSpec) -> Vec<StepView> {
    spec.steps
        .iter()
        .map(|s| StepView {
            name: s.name.clone(),
            action: match &s.action {
                StepAction::Command(argv) => crate::app::tasks::shell_words(argv),
                StepAction::Notify(n) => format!("notify {n}"),
            },
            dangerous: s.dangerous,
            state: StepState::Pending,
            attempt: 0,
            started: None,
            finished: None,
            detail: String::new(),
        })
        .collect()
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

/// `x` while a run's view is open: the question whether to abort it.
pub fn open_abort(state: &mut AppState, key: u64) {
    let Some(run) = state.recoveries.get(key) else {
        return;
    };
    if run.outcome.is_some() {
        state.set_status(StatusKind::Info, "abort: the run has ended");
        return;
    }
    let step = run
        .steps
        .iter()
        .position(|s| s.state == StepState::Running)
        .or(run.asking)
        .unwrap_or(0);
    let s = &run.steps[step];
    let step_ref = run.step_ref(step);
    let plan = vec![
        PlanRow::new("runbook", run.name.clone()),
        PlanRow::new(
            "step",
            format!("{}/{} {}", step + 1, run.steps.len(), s.name),
        ),
    ];
    let note = "The step's whole process group gets SIGTERM, then SIGKILL; the run ends aborted.";
    let dialog = Confirm::new(
        Draft::AbortRecovery(step_ref),
        format!("Abort {}", run.name),
        plan,
    )
    .notes(vec![note.to_string()])
    .keys("abort the run", "let it go on");
    state.view.overlay = Some(Overlay::Confirm(Box::new(dialog)));
}

/// Esc on a dangerous step's question: the run is aborted (audited).
pub fn declined(state: &mut AppState, step: &StepRef) -> Vec<AppEffect> {
    state.view.overlay = Some(Overlay::Recovery(step.run));
    if let Some(run) = state.recoveries.get_mut(step.run) {
        run.asking = None;
    }
    let record = crate::store::NewAudit::event(
        state.now,
        &state.actor,
        "runbook.confirm",
        "declined: run aborted",
    )
    .with_target(&step.runbook_id)
    .with_params(
        serde_json::json!({ "run": step.run_id, "step": step.step + 1, "name": step.name }),
    );
    vec![
        AppEffect::Audit(record),
        AppEffect::Runbooks(Effect::Answer {
            key: step.run,
            yes: false,
        }),
    ]
}
