//! Recovery runs in the dashboard through `update`: `r` on an alert opens the
//! plan, the confirmed plan becomes an audited run, the runner's reports show
//! in the run's view, a dangerous step asks (Esc aborts), `x` aborts, and
//! read-only mode refuses at the dispatcher.

mod common;
#[path = "common/remote.rs"]
mod remote_fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opsdeck::app::confirm::{Confirm, Draft};
use opsdeck::app::intent::{Done, Intent, Write};
use opsdeck::app::runbooks::{Effect as RunEffect, Msg as RunMsg};
use opsdeck::app::state::{Mode, Overlay, StatusKind};
use opsdeck::app::{Action, AppState, Effect, Msg, PaneId, update};
use opsdeck::engine::runbooks::{RunOutcome, StepState};
use remote_fixtures as fx;

const RUNBOOKS: &str = r#"
[[runbook]]
id = "errors"
name = "High error rate"
match = ['alertname="HighErrorRate"']

[[runbook.step]]
name = "Look at the logs"
command = ["journalctl", "-u", "app.service", "-n", "50"]

[[runbook.step]]
name = "Restart the app"
command = ["systemctl", "restart", "app.service"]
dangerous = true

[[runbook]]
id = "errors_gently"
name = "High error rate, gently"
match = ['alertname=~"High.*"']

[[runbook.step]]
name = "Reload the app"
command = ["systemctl", "reload", "app.service"]
"#;

fn state(mode: Mode) -> AppState {
    let mut s = fx::state_with(mode, RUNBOOKS);
    fx::feed_mix(&mut s);
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    s
}

fn key(s: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn dialog(s: &AppState) -> &Confirm {
    match &s.view.overlay {
        Some(Overlay::Confirm(d)) => d,
        other => panic!("expected a dialog, got {other:?}"),
    }
}

fn write(effects: &[Effect]) -> Write {
    common::write_in(effects).expect("a write").clone()
}

/// The runtime's answer that `write`'s intent is recorded.
fn recorded(s: &mut AppState, write: &Write) -> Vec<Effect> {
    update(
        s,
        common::written(write.intent.clone(), Ok(Done::IntentRecorded(Some(7)))),
    )
}

fn run_effects(effects: &[Effect]) -> Vec<RunEffect> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Runbooks(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// `r` on HighErrorRate, Enter, recorded: the run's key.
fn start_run(s: &mut AppState) -> u64 {
    fx::select(s, "HighErrorRate");
    key(s, KeyCode::Char('r'));
    let w = write(&key(s, KeyCode::Enter));
    let effects = recorded(s, &w);
    match run_effects(&effects).as_slice() {
        [RunEffect::Start(start)] => {
            assert_eq!(start.spec.id, "errors");
            assert_eq!(start.alert.name(), "HighErrorRate");
            start.key
        }
        other => panic!("expected a start, got {other:?}"),
    }
}

#[test]
fn r_shows_the_plan_and_tab_and_d_change_it() {
    let mut s = state(Mode::default());
    fx::select(&mut s, "HighErrorRate");
    assert_eq!(key(&mut s, KeyCode::Char('r')), vec![]);
    let d = dialog(&s);
    let Draft::RunRecovery(draft) = &d.draft else {
        panic!("the plan: {:?}", d.draft);
    };
    assert_eq!(draft.runbook_id, "errors");
    let rows: Vec<String> = d
        .plan
        .iter()
        .map(|r| format!("{} {}{}", r.label, r.value, r.aside))
        .collect();
    let all = rows.join("\n");
    assert!(all.contains("1 of 2 linked (Tab: next)"), "{all}");
    assert!(
        all.contains("step 2 ! Restart the app: systemctl restart app.service"),
        "{all}"
    );
    assert!(
        all.contains("OPSDECK_ALERT_NAME=\"HighErrorRate\""),
        "{all}"
    );
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("1 step(s) marked ! are dangerous")),
        "{:?}",
        d.notes
    );
    assert_eq!(d.dry_run, Some(false));

    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char('d'));
    let d = dialog(&s);
    assert_eq!(d.dry_run, Some(true));
    let w = write(&key(&mut s, KeyCode::Enter));
    match &w.intent {
        Intent::RunRecovery(r) => {
            assert_eq!((r.runbook_id.as_str(), r.dry_run), ("errors_gently", true));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(w.record.action, "runbook.run");
    assert_eq!(w.record.params["dry_run"], true);
}

#[test]
fn r_on_an_alert_no_runbook_matches_says_so() {
    let mut s = state(Mode::default());
    fx::select(&mut s, "NodeDown");
    assert_eq!(key(&mut s, KeyCode::Char('r')), vec![]);
    assert!(s.view.overlay.is_none());
    let status = s.visible_status().unwrap();
    assert!(
        status.text.contains("no runbook matches NodeDown"),
        "{}",
        status.text
    );
}

#[test]
fn a_run_shows_its_steps_and_a_declined_dangerous_step_aborts_it() {
    let mut s = state(Mode::default());
    let k = start_run(&mut s);
    assert_eq!(s.view.overlay, Some(Overlay::Recovery(k)));
    let at = s.now;
    let msgs = [
        RunMsg::Recorded { key: k, run_id: 41 },
        RunMsg::StepStarted {
            key: k,
            step: 0,
            attempt: 1,
            run_attempt: 1,
            at,
        },
        RunMsg::Output {
            key: k,
            text: "app: 3 errors\n".into(),
        },
        RunMsg::StepEnded {
            key: k,
            step: 0,
            state: StepState::Succeeded,
            detail: "exit 0".into(),
            at,
        },
    ];
    for msg in msgs {
        let _ = update(&mut s, Msg::Runbooks(msg));
    }
    let run = s.recoveries.get(k).unwrap();
    assert_eq!(run.run_id, 41);
    assert_eq!(run.steps[0].state, StepState::Succeeded);
    assert!(run.output.contains("app: 3 errors"), "{}", run.output);

    let _ = update(&mut s, Msg::Runbooks(RunMsg::Asking { key: k, step: 1 }));
    let d = dialog(&s);
    assert!(matches!(&d.draft, Draft::ConfirmStep(step) if step.step == 1 && step.run_id == 41));
    assert_eq!(
        s.recoveries.get(k).unwrap().state_text(),
        "asking before step 2/2: Restart the app"
    );
    let effects = key(&mut s, KeyCode::Esc);
    assert!(run_effects(&effects).contains(&RunEffect::Answer { key: k, yes: false }));
    let audit = effects.iter().find_map(|e| match e {
        Effect::Audit(a) => Some(a),
        _ => None,
    });
    assert_eq!(
        audit.map(|a| (a.action.as_str(), a.outcome.as_str())),
        Some(("runbook.confirm", "declined: run aborted"))
    );
    assert_eq!(s.view.overlay, Some(Overlay::Recovery(k)));

    let ended = RunMsg::Ended {
        key: k,
        outcome: RunOutcome::Aborted,
        detail: "step 2 (Restart the app) aborted: the dangerous step was not confirmed".into(),
        at,
        steps: vec![
            (StepState::Succeeded, "exit 0".into()),
            (StepState::Aborted, "not confirmed".into()),
        ],
    };
    let _ = update(&mut s, Msg::Runbooks(ended));
    let run = s.recoveries.get(k).unwrap();
    assert_eq!(run.state_text(), "aborted");
    assert_eq!(run.steps[1].state, StepState::Aborted);
    let status = s.visible_status().unwrap();
    assert_eq!(status.kind, StatusKind::Warning);
    assert!(status.text.contains("aborted"), "{}", status.text);
}

#[test]
fn a_confirmed_dangerous_step_goes_on_through_the_write_path() {
    let mut s = state(Mode::default());
    let k = start_run(&mut s);
    let _ = update(&mut s, Msg::Runbooks(RunMsg::Asking { key: k, step: 1 }));
    let w = write(&key(&mut s, KeyCode::Enter));
    assert_eq!(w.record.action, "runbook.confirm");
    let effects = recorded(&mut s, &w);
    assert!(run_effects(&effects).contains(&RunEffect::Answer { key: k, yes: true }));
    assert_eq!(s.recoveries.get(k).unwrap().asking, None);
}

#[test]
fn x_in_a_runs_view_asks_then_aborts_it() {
    let mut s = state(Mode::default());
    let k = start_run(&mut s);
    let at = s.now;
    let _ = update(
        &mut s,
        Msg::Runbooks(RunMsg::StepStarted {
            key: k,
            step: 0,
            attempt: 1,
            run_attempt: 1,
            at,
        }),
    );
    assert_eq!(key(&mut s, KeyCode::Char('x')), vec![]);
    assert!(
        matches!(&dialog(&s).draft, Draft::AbortRecovery(step) if step.run == k && step.step == 0)
    );
    let w = write(&key(&mut s, KeyCode::Enter));
    assert_eq!(w.record.action, "runbook.abort");
    let effects = recorded(&mut s, &w);
    assert_eq!(run_effects(&effects), vec![RunEffect::Abort(k)]);
    // Esc closes the view; the run goes on, and `r` on its alert opens it again.
    key(&mut s, KeyCode::Esc);
    assert!(s.view.overlay.is_none());
    assert!(s.recoveries.is_running());
    key(&mut s, KeyCode::Char('r'));
    assert_eq!(s.view.overlay, Some(Overlay::Recovery(k)));
}

#[test]
fn a_second_run_for_the_same_alert_is_refused_while_one_goes() {
    let mut s = state(Mode::default());
    let first = start_run(&mut s);
    key(&mut s, KeyCode::Esc);
    // `r` shows the run that is going; a plan confirmed meanwhile (another
    // dialog, a second key) is refused.
    key(&mut s, KeyCode::Char('r'));
    assert_eq!(s.view.overlay, Some(Overlay::Recovery(first)));
    key(&mut s, KeyCode::Esc);
    let plan = opsdeck::app::intent::RecoveryRef {
        runbook_id: "errors".into(),
        name: "High error rate".into(),
        labels: s.selected_alert().unwrap().labels.clone(),
        summary: String::new(),
        dry_run: false,
    };
    let w = Write {
        record: Intent::RunRecovery(plan.clone()).record(s.now, "ann@db-1", None),
        intent: Intent::RunRecovery(plan),
    };
    let effects = recorded(&mut s, &w);
    assert!(run_effects(&effects).is_empty(), "{effects:?}");
    assert_eq!(s.view.overlay, Some(Overlay::Recovery(first)));
    let outcome = effects.iter().find_map(|e| match e {
        Effect::Audit(a) => Some(a.outcome.clone()),
        _ => None,
    });
    assert!(
        outcome
            .unwrap()
            .starts_with("refused: a run for this alert is going")
    );
}

#[test]
fn read_only_refuses_r_and_audits_the_refusal() {
    let mut s = state(Mode {
        read_only: true,
        wall: false,
    });
    fx::select(&mut s, "HighErrorRate");
    let effects = key(&mut s, KeyCode::Char('r'));
    assert!(s.view.overlay.is_none());
    match effects.as_slice() {
        [Effect::Audit(a)] => {
            assert_eq!(a.action, "recover");
            assert!(a.outcome.starts_with("refused: read-only"), "{}", a.outcome);
            assert!(a.target.contains("HighErrorRate"), "{}", a.target);
        }
        other => panic!("expected one audited refusal, got {other:?}"),
    }
    let status = s.visible_status().unwrap();
    assert!(
        status
            .text
            .contains("not running recovery for HighErrorRate"),
        "{}",
        status.text
    );
}

#[test]
fn a_run_another_opsdeck_has_going_is_named_in_the_plan_and_refuses_a_second() {
    let mut s = state(Mode::default());
    let alert = fx::select(&mut s, "HighErrorRate");
    let theirs = opsdeck::store::recovery::StoredRecoveryRun {
        id: 99,
        runbook: "errors".into(),
        alert_key: Some(alert.key()),
        trigger: "manual".into(),
        state: "running".into(),
        dry_run: false,
        attempt: 1,
        started: s.now,
        finished: None,
        detail: String::new(),
        actor: "bob@ops-2".into(),
        alert_labels: alert.labels.clone(),
        step: Some((2, "running".into())),
    };
    let stored = RunMsg::Stored {
        runs: vec![theirs],
        change: 5,
    };
    let _ = update(&mut s, Msg::Runbooks(stored));
    key(&mut s, KeyCode::Char('r'));
    let notes = dialog(&s).notes.join(" ");
    assert!(
        notes.contains("Another opsdeck runs errors for this alert (run 99 by bob@ops-2)"),
        "{notes}"
    );
    let w = write(&key(&mut s, KeyCode::Enter));
    let effects = recorded(&mut s, &w);
    assert!(run_effects(&effects).is_empty(), "{effects:?}");
    let status = s.visible_status().unwrap();
    assert!(
        status
            .text
            .contains("another opsdeck runs it for this alert (run 99 by bob@ops-2)"),
        "{}",
        status.text
    );
    // The row says so too.
    let screen = common::screen(&s, 160, 48);
    assert!(screen.contains("↻ running step 2/2 · "), "{screen}");
}
