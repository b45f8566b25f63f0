//! Automatic recovery through `update`, with the time passed in: the leader
//! starts a runbook when its alert starts firing, unless a guard rail holds
//! it (someone is on it, a run is going, the cooldown, the hourly budget);
//! every start and skip is audited and shown on the alert; a follower never
//! starts one.

mod common;
#[path = "common/remote.rs"]
mod remote_fixtures;

use opsdeck::app::runbooks::{Effect as RunEffect, Msg as RunMsg};
use opsdeck::app::state::{Mode, StoreRole};
use opsdeck::app::{Action, AppState, Effect, Msg, PaneId, update};
use opsdeck::collect::prometheus::PromAlertState;
use opsdeck::engine::runbooks::RunOutcome;
use remote_fixtures as fx;

const AUTO: &str = r#"
[[runbook]]
id = "restart_web"
name = "Restart web"
match = ['alertname="WebDown"']
auto = { enabled = true, max_runs_per_hour = 2, cooldown = "15m" }

[[runbook.step]]
name = "Restart"
command = ["systemctl", "restart", "web.service"]
"#;

fn state(role: StoreRole) -> AppState {
    let mut s = fx::state_with(Mode::default(), AUTO);
    s.store = role;
    fx::feed_mix(&mut s);
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    s
}

fn web_down(instance: &str) -> opsdeck::collect::prometheus::PromAlert {
    fx::prom_alert(
        PromAlertState::Firing,
        &[
            ("alertname", "WebDown"),
            ("instance", instance),
            ("severity", "critical"),
        ],
        "web is down",
        -10,
    )
}

/// A poll of Prometheus at `secs` holding these WebDown alerts.
fn poll(s: &mut AppState, secs: i64, instances: &[&str]) -> Vec<Effect> {
    let _ = update(s, Msg::Tick(fx::at(secs)));
    let alerts = instances.iter().map(|i| web_down(i)).collect();
    update(s, fx::prom_update(secs, alerts))
}

fn starts(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Runbooks(RunEffect::Start(start)) => {
                assert_eq!(start.trigger, "auto");
                Some(start.alert.labels.get("instance").unwrap_or("").to_string())
            }
            _ => None,
        })
        .collect()
}

fn audited(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Audit(a) if a.action == "runbook.auto" => Some(a.outcome.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_leader_starts_the_runbook_when_its_alert_starts_firing() {
    let mut s = state(StoreRole::Leader);
    let effects = poll(&mut s, 0, &["web-1"]);
    assert_eq!(starts(&effects), ["web-1"]);
    assert_eq!(audited(&effects), ["started"]);
    // Still firing at the next poll: not started again.
    let effects = poll(&mut s, 15, &["web-1"]);
    assert!(starts(&effects).is_empty());
}

#[test]
fn a_follower_never_starts_one() {
    let mut s = state(StoreRole::Follower);
    assert!(starts(&poll(&mut s, 0, &["web-1"])).is_empty());
}

#[test]
fn the_hourly_budget_holds_the_third_run() {
    let mut s = state(StoreRole::Leader);
    assert_eq!(starts(&poll(&mut s, 0, &["web-1"])), ["web-1"]);
    assert_eq!(starts(&poll(&mut s, 15, &["web-1", "web-2"])), ["web-2"]);
    let effects = poll(&mut s, 30, &["web-1", "web-2", "web-3"]);
    assert!(starts(&effects).is_empty());
    let why = audited(&effects);
    assert_eq!(why.len(), 1);
    assert!(
        why[0].starts_with("skipped: hourly budget spent: 2 run(s)"),
        "{why:?}"
    );
    let status = s.visible_status().unwrap();
    assert!(
        status
            .text
            .contains("auto-recovery Restart web for WebDown"),
        "{}",
        status.text
    );
    assert!(
        s.recoveries
            .auto_skips
            .values()
            .any(|w| w.starts_with("hourly budget"))
    );
}

#[test]
fn the_cooldown_holds_a_run_after_one_for_the_same_alert() {
    let mut s = state(StoreRole::Leader);
    let effects = poll(&mut s, 0, &["web-1"]);
    let key = match effects.iter().find_map(|e| match e {
        Effect::Runbooks(RunEffect::Start(start)) => Some(start.key),
        _ => None,
    }) {
        Some(k) => k,
        None => panic!("started: {effects:?}"),
    };
    let ended = RunMsg::Ended {
        key,
        outcome: RunOutcome::Recovered,
        detail: "every step went through".into(),
        at: fx::at(5),
        steps: Vec::new(),
    };
    let _ = update(&mut s, Msg::Runbooks(ended));
    // Resolved, then firing again five minutes later.
    poll(&mut s, 60, &[]);
    let effects = poll(&mut s, 300, &["web-1"]);
    assert!(starts(&effects).is_empty());
    let why = audited(&effects);
    assert!(
        why[0].starts_with("skipped: cooldown: the last run for this alert ended 4m55s ago"),
        "{why:?}"
    );
    // Past the cooldown it may start again.
    poll(&mut s, 400, &[]);
    assert_eq!(starts(&poll(&mut s, 1000, &["web-1"])), ["web-1"]);
}

#[test]
fn a_silenced_alert_is_left_to_whoever_silenced_it() {
    let mut s = state(StoreRole::Leader);
    let _ = update(&mut s, Msg::Tick(fx::at(0)));
    let pairs = [
        ("alertname", "WebDown"),
        ("instance", "web-9"),
        ("severity", "critical"),
    ];
    let mut copy = fx::am_alert(&pairs, "web is down", -10);
    copy.state = opsdeck::collect::alertmanager::AmAlertState::Suppressed;
    copy.silenced_by = vec!["s-web".into()];
    let silence = fx::silence("s-web", "WebDown", "ana@ops-1", "deploying web", -60);
    let (mut am, mut silences) = fx::mix_am();
    am.push(copy);
    silences.push(silence);
    let effects = update(&mut s, fx::am_update(0, am, silences));
    assert!(starts(&effects).is_empty(), "{effects:?}");
    let why = audited(&effects);
    assert_eq!(why, ["skipped: silenced (s-web)"]);
}
