//! The operator's recovery actions once the write path has recorded their
//! intent (`r` confirmed, a dangerous step's answer, `x`), and the dialogs
//! that ask for the last two.

use super::update::{Effect, StartRecovery};
use super::{LiveRun, StepView};
use crate::app::alerts::label_key;
use crate::app::confirm::{Confirm, Draft, PlanRow};
use crate::app::intent::{Intent, StepRef};
use crate::app::state::{AppState, Overlay, StatusKind};
use crate::app::update::Effect as AppEffect;
use crate::engine::runbooks::{AlertContext, RunbookSpec, StepAction, StepState};
use chrono::{DateTime, Utc};

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
            let elsewhere = state.recoveries.running_elsewhere(&spec.id, &alert_key);
            if let Some(other) = elsewhere {
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
