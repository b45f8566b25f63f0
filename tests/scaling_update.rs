//! Scaling targets in the dashboard with an injected clock and fixed
//! readings: reads due each interval, the leader's evaluation stored before
//! it is shown and only then carried out, a read-only `s` refused and audited, the confirmation's argv
//! following the count typed, settling after a change, and a target whose
//! current count cannot be read.

mod common;
#[path = "scaling/dashboard.rs"]
mod dashboard;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dashboard::{at, read, scaling_effects, state};
use opsdeck::app::scaling::{Effect as ScalingEffect, Msg as ScalingMsg, TargetState};
use opsdeck::app::state::{Mode, Overlay, StoreRole};
use opsdeck::app::{Action, AppState, Effect, Msg, PaneId, update};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn reads_are_due_every_interval_and_never_two_at_once() {
    let mut s = state(StoreRole::Leader, Mode::default());
    let due = |e: &[Effect]| {
        scaling_effects(e)
            .iter()
            .filter(|e| matches!(e, ScalingEffect::Read(0)))
            .count()
    };
    assert_eq!(due(&update(&mut s, Msg::Tick(at(0)))), 1);
    // Out: no second read beside it.
    assert_eq!(due(&update(&mut s, Msg::Tick(at(1)))), 0);
    read(&mut s, 1, Ok(2), 70.0);
    assert_eq!(due(&update(&mut s, Msg::Tick(at(10)))), 0);
    assert_eq!(due(&update(&mut s, Msg::Tick(at(16)))), 1);
}

#[test]
fn the_leader_stores_an_evaluation_before_showing_it_and_only_then_scales() {
    let mut s = state(StoreRole::Leader, Mode::default());
    let effects = read(&mut s, 0, Ok(2), 140.0);
    let stored = scaling_effects(&effects);
    let [ScalingEffect::Record { record, .. }] = stored.as_slice() else {
        panic!("expected the evaluation to be stored first: {effects:?}");
    };
    assert_eq!((record.current, record.desired), (2, 4));
    assert!(
        record.summary.contains("cpu 140 vs 70 → 4"),
        "{}",
        record.summary
    );
    // Not shown, not carried out, until it is durable.
    assert!(s.scaling.targets[0].decision.is_none());
    let effects = update(
        &mut s,
        Msg::Scaling(ScalingMsg::Recorded {
            target: 0,
            result: Ok(7),
        }),
    );
    let view = &s.scaling.targets[0];
    assert_eq!(view.decision.as_ref().map(|d| d.desired), Some(4));
    assert_eq!(view.records.back().map(|r| r.id), Some(7));
    let executions = scaling_effects(&effects);
    let [ScalingEffect::Execute(e)] = executions.as_slice() else {
        panic!("an auto target's change runs on the leader: {effects:?}");
    };
    assert_eq!(
        e.argv,
        ["kubectl", "scale", "deployment/web", "--replicas=4"]
    );
    assert_eq!((e.from, e.to, e.trigger), (2, 4, "auto"));
    assert_eq!(view.state(), TargetState::Executing);
}

#[test]
fn an_evaluation_the_store_refuses_is_shown_but_never_carried_out() {
    let mut s = state(StoreRole::Leader, Mode::default());
    let _ = read(&mut s, 0, Ok(2), 140.0);
    let effects = update(
        &mut s,
        Msg::Scaling(ScalingMsg::Recorded {
            target: 0,
            result: Err("database is locked".into()),
        }),
    );
    assert!(scaling_effects(&effects).is_empty(), "{effects:?}");
    let status = s
        .visible_status()
        .map(|st| st.text.clone())
        .unwrap_or_default();
    assert!(
        status.contains("not stored, so not carried out"),
        "{status}"
    );
    // The same decision next time is stored first, not carried out at once.
    let effects = read(&mut s, 15, Ok(2), 140.0);
    let next = scaling_effects(&effects);
    assert!(
        matches!(next.as_slice(), [ScalingEffect::Record { .. }]),
        "{effects:?}"
    );
}

#[test]
fn after_a_change_evaluations_wait_for_current_to_read_it() {
    let mut s = state(StoreRole::Off, Mode::default());
    let effects = read(&mut s, 0, Ok(2), 140.0);
    let executions = scaling_effects(&effects);
    let [ScalingEffect::Execute(e)] = executions.as_slice() else {
        panic!("{effects:?}");
    };
    let mut record = opsdeck::store::scaling::ScalingRecord {
        id: 0,
        target: "web".into(),
        at: at(1),
        kind: opsdeck::store::scaling::RecordKind::Execution,
        trigger: "auto".into(),
        current: e.from,
        desired: e.to,
        summary: String::new(),
        inputs: Default::default(),
        decision: None,
        command: e.argv.clone(),
        executed: true,
        dry_run: false,
        outcome: "ok".into(),
        output: "deployment.apps/web scaled".into(),
        actor: "oncall@ops-1".into(),
    };
    let effects = update(
        &mut s,
        Msg::Scaling(ScalingMsg::Executed {
            target: 0,
            record: Box::new(record.clone()),
            stored: Ok(0),
            approval: None,
        }),
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Audit(a) if a.action == "scaling.auto")),
        "{effects:?}"
    );
    assert_eq!(s.scaling.targets[0].state(), TargetState::Settling);
    // Prometheus still counts 2: no second change from a stale count.
    assert!(scaling_effects(&read(&mut s, 15, Ok(2), 140.0)).is_empty());
    // It reads 4: evaluations go on (140 % of 70 at 4 wants 8).
    let effects = read(&mut s, 30, Ok(4), 140.0);
    assert_eq!(scaling_effects(&effects).len(), 1, "{effects:?}");
    // A failed execution is shown as such while the change is still wanted.
    record.executed = false;
    record.outcome = "failed: the executor exited 1".into();
    record.current = 4;
    record.desired = 8;
    let _ = update(
        &mut s,
        Msg::Scaling(ScalingMsg::Executed {
            target: 0,
            record: Box::new(record),
            stored: Ok(0),
            approval: None,
        }),
    );
    assert_eq!(s.scaling.targets[0].state(), TargetState::ExecutorFailed);
}

#[test]
fn an_unreadable_current_count_decides_nothing_and_says_why() {
    let mut s = state(StoreRole::Leader, Mode::default());
    let effects = read(&mut s, 0, Err("prometheus main: connection refused"), 140.0);
    assert!(scaling_effects(&effects).is_empty());
    let view = &s.scaling.targets[0];
    assert_eq!(view.state(), TargetState::CurrentUnreadable);
    assert!(view.decision.is_none());
}

#[test]
fn read_only_refuses_s_and_audits_the_refusal() {
    let mode = Mode {
        read_only: true,
        wall: false,
    };
    let mut s = state(StoreRole::Follower, mode);
    let _ = read(&mut s, 0, Ok(2), 140.0);
    s.view.focus = PaneId::Scaling;
    let effects = update(&mut s, Msg::Action(Action::Scale));
    assert!(s.view.overlay.is_none());
    let audited = effects.iter().any(|e| {
        matches!(e, Effect::Audit(a) if a.target == "web" && a.outcome.starts_with("refused: read-only"))
    });
    assert!(audited, "{effects:?}");
    let status = s
        .visible_status()
        .map(|st| st.text.clone())
        .unwrap_or_default();
    assert!(
        status.contains("read-only") && status.contains("web"),
        "{status}"
    );
}

#[test]
fn s_shows_the_exact_argv_for_the_count_typed_and_refuses_one_out_of_bounds() {
    let mut s = state(StoreRole::Off, Mode::default());
    // Steady at 3 (70 vs 70): the dialog offers the count it has.
    let _ = read(&mut s, 0, Ok(3), 70.0);
    s.view.focus = PaneId::Scaling;
    let _ = update(&mut s, Msg::Action(Action::Scale));
    let plan = |s: &AppState| match &s.view.overlay {
        Some(Overlay::Confirm(c)) => c
            .plan
            .iter()
            .map(|r| format!("{} {}", r.label, r.value))
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("no confirmation: {other:?}"),
    };
    assert!(
        plan(&s).contains("command kubectl scale deployment/web --replicas=3"),
        "{}",
        plan(&s)
    );
    let _ = update(&mut s, key(KeyCode::Backspace));
    let _ = update(&mut s, key(KeyCode::Char('6')));
    assert!(plan(&s).contains("--replicas=6"), "{}", plan(&s));
    let _ = update(&mut s, key(KeyCode::Char('6')));
    assert!(
        plan(&s).contains("outside this target's min..max (2..10)"),
        "{}",
        plan(&s)
    );
    // Enter on a count out of bounds dispatches nothing.
    let effects = update(&mut s, key(KeyCode::Enter));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Write(_))),
        "{effects:?}"
    );
    let _ = update(&mut s, key(KeyCode::Backspace));
    let effects = update(&mut s, key(KeyCode::Enter));
    let write = effects.iter().find_map(|e| match e {
        Effect::Write(w) => Some(w),
        _ => None,
    });
    let write = write.expect("the intent goes through the one write path");
    assert_eq!(write.record.action, "scaling.scale");
    assert_eq!(
        write.record.params["command"],
        "kubectl scale deployment/web --replicas=6"
    );
}

fn execution(
    e: &opsdeck::app::scaling::Execution,
    executed: bool,
) -> opsdeck::store::scaling::ScalingRecord {
    opsdeck::store::scaling::ScalingRecord {
        id: 0,
        target: e.name.clone(),
        at: at(1),
        kind: opsdeck::store::scaling::RecordKind::Execution,
        trigger: e.trigger.into(),
        current: e.from,
        desired: e.to,
        summary: e.why.clone(),
        inputs: Default::default(),
        decision: None,
        command: e.argv.clone(),
        executed,
        dry_run: false,
        outcome: if executed { "ok" } else { "failed: exit 1" }.into(),
        output: String::new(),
        actor: e.actor.clone(),
    }
}

/// Enter on the open `s` dialog, and its intent on record (id `intent_id`).
fn confirm_open_dialog(s: &mut AppState, intent_id: i64) -> Vec<Effect> {
    let effects = update(s, key(KeyCode::Enter));
    let write = effects
        .iter()
        .find_map(|e| match e {
            Effect::Write(w) => Some(w.clone()),
            _ => None,
        })
        .expect("a write");
    let written = opsdeck::app::intent::Written {
        intent: write.intent.clone(),
        result: Ok(opsdeck::app::intent::Done::IntentRecorded(Some(intent_id))),
    };
    update(s, Msg::Written(Box::new(written)))
}

#[test]
fn a_count_set_by_hand_runs_and_its_outcome_answers_the_intent() {
    let mut s = state(StoreRole::Off, Mode::default());
    let _ = read(&mut s, 0, Ok(3), 70.0);
    s.view.focus = PaneId::Scaling;
    let _ = update(&mut s, Msg::Action(Action::Scale));
    let _ = update(&mut s, key(KeyCode::Backspace));
    let _ = update(&mut s, key(KeyCode::Char('5')));
    let effects = confirm_open_dialog(&mut s, 41);
    let executions = scaling_effects(&effects);
    let [ScalingEffect::Execute(e)] = executions.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!((e.from, e.to, e.trigger), (3, 5, "manual"));
    let (record, approval) = (execution(e, true), e.approval.clone());
    let effects = update(
        &mut s,
        Msg::Scaling(ScalingMsg::Executed {
            target: 0,
            record: Box::new(record),
            stored: Ok(9),
            approval,
        }),
    );
    let outcome = effects.iter().find_map(|e| match e {
        Effect::Audit(a) => Some(a),
        _ => None,
    });
    let outcome = outcome.expect("the outcome is audited");
    assert_eq!(
        (
            outcome.action.as_str(),
            outcome.intent_id,
            outcome.outcome.as_str(),
            outcome.target.as_str()
        ),
        ("scaling.scale", Some(41), "ok", "web")
    );
}

#[test]
fn an_approval_that_meets_a_running_change_is_answered_not_dropped() {
    let mut s = state(StoreRole::Off, Mode::default());
    let _ = read(&mut s, 0, Ok(3), 70.0);
    // The dialog is open when an auto change starts.
    s.view.focus = PaneId::Scaling;
    let _ = update(&mut s, Msg::Action(Action::Scale));
    let started = read(&mut s, 15, Ok(3), 140.0);
    assert_eq!(scaling_effects(&started).len(), 1, "{started:?}");
    let effects = confirm_open_dialog(&mut s, 42);
    assert!(scaling_effects(&effects).is_empty(), "{effects:?}");
    let answered = effects.iter().any(|e| {
        matches!(e, Effect::Audit(a) if a.intent_id == Some(42)
            && a.outcome.starts_with("refused: already scaling 3 → 6"))
    });
    assert!(answered, "{effects:?}");
}
