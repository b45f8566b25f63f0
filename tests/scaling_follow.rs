//! Every opsdeck on a host shows the same scaling decisions: a follower
//! shows the leader's stored evaluations and executions, not its own
//! evaluations (which only keep its autoscaler's memory for a takeover);
//! anyone learns of another opsdeck's execution and waits for it; a
//! restarted leader keeps its stabilisation window from the store.

mod common;
#[path = "scaling/dashboard.rs"]
mod dashboard;

use dashboard::{at, read, scaling_effects, state};
use opsdeck::app::scaling::{Effect as ScalingEffect, Msg as ScalingMsg, TargetState};
use opsdeck::app::state::{Mode, StoreRole};
use opsdeck::app::{AppState, Effect, Msg, update};
use opsdeck::store::leader::Role;
use opsdeck::store::scaling::{RecordKind, ScalingRecord};

/// A follower of the leader with pid 4242.
fn follower() -> AppState {
    let mut s = state(StoreRole::Follower, Mode::default());
    s.leader = Some(4242);
    s
}

/// The evaluation a leader stores for these readings (id `id`).
fn leader_evaluation(secs: i64, current: u32, cpu: f64, id: i64) -> ScalingRecord {
    let mut leader = state(StoreRole::Leader, Mode::default());
    let effects = read(&mut leader, secs, Ok(current), cpu);
    let [ScalingEffect::Record { record, .. }] = scaling_effects(&effects).as_slice() else {
        panic!("the leader stores its evaluation: {effects:?}");
    };
    ScalingRecord {
        id,
        ..(**record).clone()
    }
}

fn leader_execution(secs: i64, from: u32, to: u32, id: i64) -> ScalingRecord {
    ScalingRecord {
        id,
        target: "web".into(),
        at: at(secs),
        kind: RecordKind::Execution,
        trigger: "auto".into(),
        current: from,
        desired: to,
        summary: "cpu 140 vs 70 → 4".into(),
        inputs: Default::default(),
        decision: None,
        command: vec!["kubectl".into(), "scale".into()],
        executed: true,
        dry_run: false,
        outcome: "ok".into(),
        output: String::new(),
        actor: "opsdeck@ops-1".into(),
    }
}

fn followed(s: &mut AppState, records: Vec<ScalingRecord>, full: bool) -> Vec<Effect> {
    let last = records.last().map_or(0, |r| r.id);
    update(
        s,
        Msg::Scaling(ScalingMsg::Followed {
            records,
            last,
            full,
        }),
    )
}

#[test]
fn a_follower_shows_the_leaders_decision_and_execution_not_its_own() {
    let mut s = follower();
    // Its own evaluation is neither shown nor stored nor carried out.
    let effects = read(&mut s, 0, Ok(2), 140.0);
    assert!(scaling_effects(&effects).is_empty(), "{effects:?}");
    let view = &s.scaling.targets[0];
    assert!(view.decision.is_none());
    assert_eq!(view.chart.len(), 1, "its reads still draw the chart");

    // The leader's evaluation: shown as the leader worded it, and its
    // change as under way on the leader.
    followed(&mut s, vec![leader_evaluation(0, 2, 140.0, 7)], false);
    let view = &s.scaling.targets[0];
    assert_eq!(view.decision.as_ref().map(|d| d.desired), Some(4));
    assert!(
        view.summary.contains("cpu 140 vs 70 → 4"),
        "{}",
        view.summary
    );
    assert_eq!(view.state(), TargetState::Executing);
    assert_eq!(view.under_way().map(|(_, f, t)| (f, t)), Some((2, 4)));
    assert_eq!(s.scaling.after, 7);

    // The leader's execution: shown, and waited for like one of its own.
    followed(&mut s, vec![leader_execution(2, 2, 4, 8)], false);
    let view = &s.scaling.targets[0];
    assert_eq!(view.under_way(), None);
    assert_eq!(
        view.last_execution.as_ref().map(|r| (r.current, r.desired)),
        Some((2, 4))
    );
    assert_eq!(view.state(), TargetState::Settling);
    assert_eq!(
        view.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        [7, 8]
    );

    // Its own later reads never replace the leader's decision.
    read(&mut s, 15, Ok(4), 70.0);
    let view = &s.scaling.targets[0];
    assert_eq!(view.decision.as_ref().map(|d| d.desired), Some(4));
    assert_eq!(view.decision.as_ref().map(|d| d.current), Some(2));
}

#[test]
fn a_follower_asks_for_the_stores_records_and_then_for_what_is_new() {
    let follows = |e: &[Effect]| -> Vec<Option<i64>> {
        scaling_effects(e)
            .iter()
            .filter_map(|e| match e {
                ScalingEffect::Follow(after) => Some(*after),
                _ => None,
            })
            .collect()
    };
    let mut s = follower();
    assert_eq!(follows(&update(&mut s, Msg::Tick(at(0)))), [None]);
    followed(&mut s, vec![leader_evaluation(0, 2, 140.0, 3)], true);
    assert_eq!(follows(&update(&mut s, Msg::Tick(at(1)))), [Some(3)]);
    // Without a store there is nothing to follow.
    let mut alone = state(StoreRole::Off, Mode::default());
    assert!(follows(&update(&mut alone, Msg::Tick(at(0)))).is_empty());
}

#[test]
fn a_restarted_leader_keeps_its_scale_down_window_from_the_store() {
    // Before the restart: 4 replicas, and 4 recommended a minute ago.
    let mut s = state(StoreRole::Leader, Mode::default());
    followed(&mut s, vec![leader_evaluation(0, 4, 70.0, 1)], true);
    // The load falls: 4 × 20/70 proposes 2, but HPA's default 5-minute
    // window still holds the recommendation of 4.
    let effects = read(&mut s, 60, Ok(4), 20.0);
    let [ScalingEffect::Record { record, .. }] = scaling_effects(&effects).as_slice() else {
        panic!("{effects:?}");
    };
    let d = record.decision.as_ref().unwrap();
    assert_eq!((d.proposed, d.desired), (Some(2), 4), "{}", record.summary);
    assert!(record.summary.contains("held at 4"), "{}", record.summary);
}

#[test]
fn another_opsdecks_execution_is_waited_for_not_repeated() {
    // The leader decided 2 → 4 but an operator set 4 by hand elsewhere.
    let mut s = state(StoreRole::Leader, Mode::default());
    let mut manual = leader_execution(1, 2, 4, 9);
    manual.trigger = "manual".into();
    followed(&mut s, vec![manual], false);
    assert_eq!(s.scaling.targets[0].state(), TargetState::Settling);
    // Prometheus still counts 2: no second change from that stale count.
    assert!(scaling_effects(&read(&mut s, 5, Ok(2), 140.0)).is_empty());
}

#[test]
fn a_change_the_leader_never_reports_is_not_waited_for_forever() {
    let mut s = follower();
    followed(&mut s, vec![leader_evaluation(0, 2, 140.0, 7)], false);
    assert_eq!(s.scaling.targets[0].state(), TargetState::Executing);
    // The default timeout (1m) and 30 s more have passed with no record.
    let _ = update(&mut s, Msg::Tick(at(100)));
    assert_ne!(s.scaling.targets[0].state(), TargetState::Executing);
}

#[test]
fn taking_over_the_lead_decides_afresh_and_carries_it_out() {
    let mut s = follower();
    followed(&mut s, vec![leader_evaluation(0, 2, 140.0, 7)], false);
    let _ = update(&mut s, Msg::Leadership(Role::Leader));
    assert_eq!(s.store, StoreRole::Leader);
    assert_eq!(s.scaling.targets[0].under_way(), None);
    let effects = read(&mut s, 15, Ok(2), 140.0);
    // Its own evaluation now: it decides the same, so it carries it out.
    let effects = scaling_effects(&effects);
    assert!(
        matches!(effects.as_slice(), [ScalingEffect::Execute(e)] if e.to == 4),
        "{effects:?}"
    );
}

#[test]
fn records_of_a_target_not_in_this_config_are_left_alone() {
    let mut s = follower();
    let mut other = leader_evaluation(0, 2, 140.0, 7);
    other.target = "db".into();
    followed(&mut s, vec![other], false);
    let view = &s.scaling.targets[0];
    assert!(view.decision.is_none() && view.records.is_empty());
    assert_eq!(s.scaling.after, 7);
}

#[test]
fn the_followers_pane_says_whose_decisions_it_shows() {
    let mut s = follower();
    read(&mut s, 0, Ok(2), 140.0);
    followed(&mut s, vec![leader_evaluation(0, 2, 140.0, 7)], false);
    followed(&mut s, vec![leader_execution(2, 2, 4, 8)], false);
    let _ = update(&mut s, Msg::Tick(at(14)));
    read(&mut s, 14, Ok(4), 70.0);
    followed(&mut s, vec![leader_evaluation(14, 4, 70.0, 9)], false);
    let _ = update(
        &mut s,
        Msg::Action(opsdeck::app::Action::Zoom(opsdeck::app::PaneId::Scaling)),
    );
    let screen = common::screen(&s, 120, 30);
    for text in ["pid 4242 decides", "steady", "executed 2→4 12s ago"] {
        assert!(screen.contains(text), "{text:?} missing from:\n{screen}");
    }
    insta::assert_snapshot!("follower_scaling_120x30", screen);
}

#[test]
fn records_read_twice_are_taken_once_and_a_pruned_table_is_followed_again() {
    let mut s = follower();
    let execution = leader_execution(2, 2, 4, 8);
    followed(&mut s, vec![execution.clone()], false);
    // A tick asked again before the answer came: the same row again.
    followed(&mut s, vec![execution], false);
    assert_eq!(s.scaling.targets[0].records.len(), 1);
    assert_eq!(s.scaling.targets[0].scaler.history.events.len(), 1);
    // A second answer to the first full read changes nothing.
    followed(&mut s, vec![leader_evaluation(0, 2, 140.0, 9)], true);
    followed(&mut s, vec![leader_evaluation(0, 2, 140.0, 9)], true);
    assert_eq!(s.scaling.targets[0].records.len(), 2);
    // Pruning emptied the table and ids start at 1 again: still followed.
    followed(&mut s, vec![leader_execution(30, 4, 2, 1)], false);
    let view = &s.scaling.targets[0];
    assert_eq!(view.last_execution.as_ref().map(|r| r.desired), Some(2));
    assert_eq!(s.scaling.after, 1);
}

#[test]
fn a_restarted_leader_starts_from_its_newest_stored_decision() {
    let mut s = state(StoreRole::Leader, Mode::default());
    let older = leader_evaluation(0, 2, 105.0, 1);
    let newer = leader_evaluation(30, 2, 140.0, 2);
    assert_ne!(older.desired, newer.desired);
    followed(&mut s, vec![older, newer], true);
    let view = &s.scaling.targets[0];
    assert_eq!(view.decision.as_ref().map(|d| d.desired), Some(4));
}
