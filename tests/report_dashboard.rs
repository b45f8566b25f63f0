//! The ops report in the dashboard, with an injected clock: the leader (and
//! only the leader) stores each finished minute of the host; the hand-over
//! line in the header; `H` opens the report since the last hand-over, built
//! by the runtime, and scrolls; with no store it says why not.

mod common;

use chrono::Duration;
use opsdeck::app::report::{Effect as ReportEffect, Msg as ReportMsg};
use opsdeck::app::state::{Mode, Overlay, StoreRole};
use opsdeck::app::{Action, AppState, Effect, Msg, update};
use opsdeck::engine::report::inputs::{Handover, Inputs};
use opsdeck::store::report::SinceHandover;

fn state(role: StoreRole, mode: Mode) -> AppState {
    let config = opsdeck::config::parse("", "test.toml").expect("valid");
    let mut s = AppState::new(config, mode, common::host(), common::t0());
    s.store = role;
    s.actor = "dave@ops-1".into();
    s
}

fn sample(s: &mut AppState, secs: i64, cpu: f32) -> Vec<Effect> {
    let msg = opsdeck::app::resources::Msg::Sample(Box::new(common::sample(secs, cpu)));
    update(s, Msg::Resources(msg))
}

fn minutes(effects: &[Effect]) -> Vec<&opsdeck::engine::report::inputs::Minute> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Report(ReportEffect::StoreMinute(m)) => Some(m),
            _ => None,
        })
        .collect()
}

#[test]
fn the_leader_stores_each_finished_minute_and_only_the_leader() {
    // t0 is 12:34:56: two samples in that minute, the third starts the next.
    let mut s = state(StoreRole::Leader, Mode::default());
    assert!(minutes(&sample(&mut s, 0, 20.0)).is_empty());
    assert!(minutes(&sample(&mut s, 2, 40.0)).is_empty());
    let effects = sample(&mut s, 5, 90.0);
    let stored = minutes(&effects);
    let [minute] = stored.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(minute.at, common::t0() - Duration::seconds(56));
    assert_eq!((minute.cpu_avg, minute.cpu_max), (30.0, 40.0));
    assert_eq!(minute.mem_avg, 13.0 / 16.0 * 100.0);
    // The fullest filesystem, as df counts Use% (the database disk, 96 %
    // used, not / at 58 %).
    assert_eq!(minute.fs_mount, "/var/lib/postgresql");
    assert!(minute.fs_used_pct > 95.0, "{minute:?}");

    for (role, mode) in [
        (StoreRole::Follower, Mode::default()),
        (StoreRole::Off, Mode::default()),
    ] {
        let mut s = state(role, mode);
        sample(&mut s, 0, 20.0);
        assert!(minutes(&sample(&mut s, 5, 20.0)).is_empty(), "{role:?}");
    }
}

fn since_handover() -> SinceHandover {
    SinceHandover {
        handover: Handover {
            at: common::t0() - Duration::hours(3),
            actor: "alice@ops-1".into(),
            note: "db-2 slow".into(),
        },
        new_alerts: 4,
        tasks_failed: 1,
    }
}

#[test]
fn the_header_says_what_came_since_the_hand_over() {
    let mut s = state(StoreRole::Leader, Mode::default());
    let loads = |e: &[Effect]| {
        e.iter()
            .filter(|e| matches!(e, Effect::Report(ReportEffect::LoadHandover)))
            .count()
    };
    assert_eq!(loads(&update(&mut s, Msg::Tick(common::t0()))), 1);
    assert_eq!(
        loads(&update(
            &mut s,
            Msg::Tick(common::t0() + Duration::seconds(10))
        )),
        0
    );
    assert_eq!(
        loads(&update(
            &mut s,
            Msg::Tick(common::t0() + Duration::seconds(30))
        )),
        1
    );
    let _ = update(
        &mut s,
        Msg::Report(ReportMsg::Handover(Some(since_handover()))),
    );
    let screen = common::screen(&s, 160, 10);
    let header = screen.lines().next().unwrap();
    assert!(
        header.contains("since hand-over by alice@ops-1 3h ago: 4 new alerts, 1 task failed"),
        "{header}"
    );
    // Narrow: the age only, and the host's name is kept.
    let narrow = common::screen(&s, 80, 10);
    let header = narrow.lines().next().unwrap();
    assert!(header.contains("db-1"), "{header}");
    assert!(!header.contains("4 new alerts"), "{header}");
}

#[test]
fn h_opens_the_report_since_the_hand_over_and_scrolls() {
    let mut s = state(StoreRole::Follower, Mode::default());
    let effects = update(&mut s, Msg::Action(Action::Handover));
    let [Effect::Report(ReportEffect::LoadSummary(request))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(request.actor, "dave@ops-1");
    assert_eq!(s.view.overlay, Some(Overlay::Report));
    assert!(common::screen(&s, 100, 30).contains("building the report"));

    let t0 = common::t0();
    let inputs = Inputs {
        since: t0 - Duration::hours(3),
        until: t0,
        host: "db-1".into(),
        generated_by: "dave@ops-1".into(),
        handover: Some(since_handover().handover),
        ..Inputs::default()
    };
    let report = opsdeck::engine::report::build(&inputs);
    let _ = update(
        &mut s,
        Msg::Report(ReportMsg::Summary(Ok(Box::new(report)))),
    );
    let screen = common::screen(&s, 100, 30);
    for text in [
        "Hand-over summary",
        "Ops report: db-1",
        "alice@ops-1",
        "db-2 slow",
        "No alert is firing.",
    ] {
        assert!(screen.contains(text), "{text:?} missing from:\n{screen}");
    }
    insta::assert_snapshot!("handover_summary_100x30", screen);
    let _ = update(&mut s, Msg::Action(Action::PageDown));
    assert!(s.view.details_scroll > 0);
    assert_eq!(s.view.overlay, Some(Overlay::Report));
    // Esc (overview) closes it.
    let _ = update(&mut s, Msg::Action(Action::Overview));
    assert_eq!(s.view.overlay, None);
}

#[test]
fn without_a_store_h_says_nothing_is_on_record() {
    let mut s = state(StoreRole::Off, Mode::default());
    let effects = update(&mut s, Msg::Action(Action::Handover));
    assert!(effects.is_empty());
    assert_eq!(s.view.overlay, None);
    let status = s
        .view
        .status
        .as_ref()
        .map(|st| st.text.clone())
        .unwrap_or_default();
    assert!(status.contains("--no-store"), "{status}");
}

#[test]
fn the_leader_stores_each_checks_minute_of_probes() {
    use opsdeck::engine::health::{Condition, Probe, Verdict};
    let config = "[[health_check]]\nname = \"api\"\nkind = \"tcp\"\naddress = \"127.0.0.1:5432\"\n";
    let config = opsdeck::config::parse(config, "test.toml").expect("valid");
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    s.store = StoreRole::Leader;
    let probe = |secs: i64, ms: Option<u64>, verdict| Probe {
        at: common::t0() + Duration::seconds(secs),
        latency: ms.map(std::time::Duration::from_millis),
        conditions: vec![Condition::new(verdict, "connected")],
        ..Probe::default()
    };
    let mut probed = |p: Probe| {
        let msg = opsdeck::app::health::Msg::Probed { check: 0, probe: p };
        update(&mut s, Msg::Health(msg))
    };
    let stored = |effects: &[Effect]| -> Vec<opsdeck::engine::report::inputs::CheckMinute> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Report(ReportEffect::StoreCheckMinute(m)) => Some(m.clone()),
                _ => None,
            })
            .collect()
    };
    assert!(stored(&probed(probe(0, Some(12), Verdict::Pass))).is_empty());
    assert!(stored(&probed(probe(2, None, Verdict::Fail))).is_empty());
    let minutes = stored(&probed(probe(5, Some(30), Verdict::Pass)));
    let [minute] = minutes.as_slice() else {
        panic!("{minutes:?}");
    };
    assert_eq!(minute.check, "api");
    assert_eq!((minute.probes, minute.failures), (2, 1));
    assert_eq!(minute.latencies_ms, [12]);
}
