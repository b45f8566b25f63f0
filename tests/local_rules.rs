//! opsdeck's own `[[rule]]`s through `update`: local samples and scrapes in, rows
//! in the Alerts pane (source `local`) out, pending → firing → resolved.

mod common;

use chrono::Duration as Chrono;
use opsdeck::app::alerts::AlertState;
use opsdeck::app::local_rules::LocalRules;
use opsdeck::app::remote::{Payload, RemoteUpdate};
use opsdeck::app::sources::Health;
use opsdeck::app::state::Mode;
use opsdeck::app::{AppState, Msg, update};
use opsdeck::collect::expfmt::{self, Format, Limits};
use opsdeck::config;
use opsdeck::store::local_alerts::SharedAlerts;
use std::sync::Arc;
use std::time::Duration;

const RULES: &str = r#"
[[scrape]]
name = "app"
url = "http://127.0.0.1:8000/metrics"

[[rule]]
name = "HostCpuCritical"
expr = "opsdeck_cpu_usage_percent > 90"
for = "1m"
severity = "critical"
annotations = { summary = "CPU on {{ $labels.instance }} is {{ $value }}%" }

[[rule]]
name = "AppErrors"
expr = "app_errors_ratio > 0.05"
severity = "warning"
annotations = { summary = "{{ labels.service }} fails {{ value * 100 }}% of requests" }

[[rule]]
name = "AppDown"
expr = "up == 0"
severity = "critical"
"#;

fn state() -> AppState {
    let config = config::parse(RULES, "rules.toml").expect("valid config");
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    s.remote = opsdeck::runtime::remote::sources(&s.config);
    s.rules = LocalRules::attach(&s.config, &mut s.remote);
    s
}

fn at(secs: i64, cpu: f32) -> Msg {
    Msg::Resources(opsdeck::app::resources::Msg::Sample(Box::new(
        common::sample(secs, cpu),
    )))
}

fn scrape(secs: i64, body: Option<&str>) -> Msg {
    let result = match body {
        Some(text) => Ok(Payload::Scrape(Arc::new(expfmt::parse(
            text.as_bytes(),
            Format::Text,
            &Limits::default(),
        )))),
        None => Err(opsdeck::app::remote::Failure {
            kind: "down".into(),
            message: "connection refused".into(),
        }),
    };
    Msg::Remote(Box::new(RemoteUpdate {
        source: 0,
        at: common::t0() + Chrono::seconds(secs),
        latency: Duration::from_millis(5),
        result,
    }))
}

fn state_of(s: &AppState, name: &str) -> Option<AlertState> {
    s.visible_alerts()
        .iter()
        .find(|a| a.name() == name)
        .map(|a| a.state)
}

#[test]
fn a_host_rule_goes_pending_then_firing_then_resolved() {
    let mut s = state();
    let _ = update(&mut s, at(0, 97.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), Some(AlertState::Pending));
    let _ = update(&mut s, at(30, 98.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), Some(AlertState::Pending));
    let _ = update(&mut s, at(60, 99.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), Some(AlertState::Firing));
    let alert = s
        .visible_alerts()
        .into_iter()
        .find(|a| a.name() == "HostCpuCritical")
        .unwrap()
        .clone();
    assert_eq!(&alert.labels["instance"], "db-1");
    assert_eq!(&alert.labels["severity"], "critical");
    assert_eq!(alert.summary(), "CPU on db-1 is 99%");
    assert_eq!(
        alert.since,
        Some(common::t0()),
        "active since it went pending"
    );
    let local = s.rules.source.unwrap();
    assert_eq!(alert.sources, vec![local]);
    assert_eq!(s.remote.sources[local].health(), Health::Ok);
    // Back under the threshold: resolved at once (no keep_firing_for).
    let _ = update(&mut s, at(61, 12.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), Some(AlertState::Resolved));
}

#[test]
fn a_summary_that_quotes_the_value_follows_it_without_merging_the_list_again() {
    let mut s = state();
    let _ = update(&mut s, at(0, 97.0));
    let _ = update(&mut s, at(60, 99.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), Some(AlertState::Firing));
    let rows = s.remote.alerts.as_ptr();
    let _ = update(&mut s, at(61, 95.0));
    let alert = s.visible_alerts()[0].clone();
    assert_eq!(alert.summary(), "CPU on db-1 is 95%");
    assert_eq!(alert.state, AlertState::Firing);
    // The rows were patched where they are, not merged into a new list.
    assert_eq!(s.remote.alerts.as_ptr(), rows);
    // A text filter reads the new summary at once.
    s.list_mut(opsdeck::app::action::PaneId::Alerts).filter =
        opsdeck::app::filter::Filter::parse("is 93%").unwrap();
    let _ = update(&mut s, at(62, 93.0));
    assert_eq!(s.visible_alerts().len(), 1, "the filter sees 93%");
    let _ = update(&mut s, at(63, 94.0));
    assert!(
        s.visible_alerts().is_empty(),
        "and no longer once it reads 94%"
    );
    // Anything else that changes (here: resolved) merges as before.
    s.list_mut(opsdeck::app::action::PaneId::Alerts).filter = None;
    let _ = update(&mut s, at(64, 12.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), Some(AlertState::Resolved));
}

#[test]
fn a_pending_alert_that_clears_is_dropped_not_resolved() {
    let mut s = state();
    let _ = update(&mut s, at(0, 97.0));
    let _ = update(&mut s, at(10, 20.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), None);
}

#[test]
fn scraped_series_feed_rules_with_job_and_instance() {
    let mut s = state();
    let page = "# TYPE app_errors_ratio gauge\n\
                app_errors_ratio{service=\"checkout\"} 0.07\n\
                app_errors_ratio{service=\"search\"} 0.01\n";
    let _ = update(&mut s, scrape(0, Some(page)));
    let _ = update(&mut s, at(1, 10.0));
    let firing: Vec<_> = s
        .visible_alerts()
        .into_iter()
        .filter(|a| a.name() == "AppErrors")
        .cloned()
        .collect();
    assert_eq!(firing.len(), 1, "only checkout is over 5%");
    let a = &firing[0];
    assert_eq!(a.state, AlertState::Firing);
    assert_eq!(&a.labels["service"], "checkout");
    assert_eq!(&a.labels["job"], "app");
    assert_eq!(&a.labels["instance"], "127.0.0.1:8000");
    assert!(
        a.summary().starts_with("checkout fails 7"),
        "{}",
        a.summary()
    );
    assert_eq!(
        state_of(&s, "AppDown"),
        None,
        "up is 1 while scrapes answer"
    );
}

#[test]
fn a_failing_scrape_makes_up_zero() {
    let mut s = state();
    let _ = update(&mut s, scrape(0, None));
    let _ = update(&mut s, at(1, 10.0));
    assert_eq!(state_of(&s, "AppDown"), Some(AlertState::Firing));
}

#[test]
fn a_scrape_is_evaluated_when_it_arrives_not_at_the_next_local_sample() {
    let mut s = state();
    let page = "app_errors_ratio{service=\"checkout\"} 0.07\n";
    let _ = update(&mut s, scrape(0, Some(page)));
    assert_eq!(state_of(&s, "AppErrors"), Some(AlertState::Firing));
    // The target dies: `up` is 0 at once, and the rule over it fires.
    let _ = update(&mut s, scrape(5, None));
    assert_eq!(state_of(&s, "AppDown"), Some(AlertState::Firing));
}

#[test]
fn a_failed_scrape_makes_its_series_stale_at_once() {
    let mut s = state();
    let page = "app_errors_ratio{service=\"checkout\"} 0.07\n";
    let _ = update(&mut s, scrape(0, Some(page)));
    assert_eq!(state_of(&s, "AppErrors"), Some(AlertState::Firing));
    // The target fails: its series have no value from now on (as in Prometheus),
    // not their last one for the 5m lookback.
    let _ = update(&mut s, scrape(5, None));
    assert_eq!(state_of(&s, "AppErrors"), Some(AlertState::Resolved));
    let _ = update(&mut s, at(30, 10.0));
    assert_eq!(state_of(&s, "AppErrors"), Some(AlertState::Resolved));
}

#[test]
fn a_series_the_target_stops_exposing_is_stale_at_once() {
    let mut s = state();
    let both = "app_errors_ratio{service=\"checkout\"} 0.07\n\
                app_errors_ratio{service=\"search\"} 0.09\n";
    let _ = update(&mut s, scrape(0, Some(both)));
    let firing = |s: &AppState| {
        s.visible_alerts()
            .iter()
            .filter(|a| a.name() == "AppErrors" && a.state == AlertState::Firing)
            .count()
    };
    assert_eq!(firing(&s), 2);
    let _ = update(
        &mut s,
        scrape(5, Some("app_errors_ratio{service=\"search\"} 0.09\n")),
    );
    assert_eq!(firing(&s), 1, "checkout is gone from the page");
}

#[test]
fn rules_keep_evaluating_while_the_display_is_paused() {
    let mut s = state();
    let _ = update(&mut s, Msg::Action(opsdeck::app::Action::Pause));
    let _ = update(&mut s, at(0, 97.0));
    let _ = update(&mut s, at(60, 97.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), Some(AlertState::Firing));
}

#[test]
fn a_new_critical_alert_rings_the_bell_once_but_not_at_start() {
    use opsdeck::app::Effect;
    let rings = |effects: &[Effect]| effects.iter().filter(|e| **e == Effect::Bell).count();
    let mut s = state();
    // What already fires in the first seconds does not ring.
    let start = update(&mut s, scrape(0, None));
    assert_eq!(rings(&start) + rings(&update(&mut s, at(1, 10.0))), 0);
    // Back up, then down again soon: a flap, no new ring.
    let _ = update(&mut s, scrape(20, Some("app_errors_ratio 0\n")));
    let _ = update(&mut s, at(21, 10.0));
    assert_eq!(state_of(&s, "AppDown"), Some(AlertState::Resolved));
    assert_eq!(rings(&update(&mut s, scrape(30, None))), 0, "a flap");
    // Up for longer than five minutes, then down: a new start rings, once.
    let _ = update(&mut s, scrape(40, Some("app_errors_ratio 0\n")));
    for secs in (60..400).step_by(30) {
        let _ = update(&mut s, at(secs, 10.0));
    }
    // The failed scrape is evaluated when it arrives: it rings, not the next sample.
    assert_eq!(rings(&update(&mut s, scrape(400, None))), 1);
    assert_eq!(rings(&update(&mut s, at(401, 10.0))), 0);
    assert_eq!(
        rings(&update(&mut s, at(402, 10.0))),
        0,
        "only when it starts"
    );

    let mut quiet = state();
    quiet.config.ui.bell = false;
    let _ = update(&mut quiet, at(0, 10.0));
    let _ = update(&mut quiet, scrape(30, None));
    assert_eq!(rings(&update(&mut quiet, at(31, 10.0))), 0, "bell = false");
}

#[test]
fn incident_levels_follow_severity_unless_a_label_override_matches() {
    use opsdeck::engine::incident::Level;
    let text = format!(
        "{RULES}\n[ui.alerts]\nlevels = [{{ level = \"P1\", match = ['service=~\"check.*\"'] }}]\n"
    );
    let config = config::parse(&text, "levels.toml").expect("valid");
    let overrides = config.ui.alerts.level_rules();
    let mut s = state();
    let _ = update(
        &mut s,
        scrape(
            0,
            Some(
                "app_errors_ratio{service=\"checkout\"} 0.2\napp_errors_ratio{service=\"search\"} 0.2\n",
            ),
        ),
    );
    let _ = update(&mut s, at(1, 10.0));
    let level = |service: &str, overrides: &[opsdeck::engine::incident::LevelRule]| {
        s.visible_alerts()
            .into_iter()
            .find(|a| a.labels.get("service") == Some(service))
            .map(|a| a.level(overrides))
    };
    // AppErrors is a warning: P2 by the severity map…
    assert_eq!(level("search", &[]), Some(Level::P2));
    assert_eq!(level("checkout", &[]), Some(Level::P2));
    // …unless an override matches its labels.
    assert_eq!(level("checkout", &overrides), Some(Level::P1));
    assert_eq!(level("search", &overrides), Some(Level::P2));
    // A firing, unacknowledged alert counts down to its response target.
    let a = s.visible_alerts()[0].clone();
    let left = a.response_left(a.level(&[]), common::t0() + Chrono::minutes(2));
    assert!(left.is_some_and(|l| l.num_seconds() > 0), "{left:?}");
}

fn with_role(role: opsdeck::app::state::StoreRole, extra: &str) -> AppState {
    let text = format!("{RULES}\n{extra}");
    let config = config::parse(&text, "rules.toml").expect("valid config");
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    s.remote = opsdeck::runtime::remote::sources(&s.config);
    s.rules = LocalRules::attach(&s.config, &mut s.remote);
    s.store = role;
    s
}

fn shared(effects: &[opsdeck::app::Effect]) -> Option<SharedAlerts> {
    effects.iter().find_map(|e| match e {
        opsdeck::app::Effect::Alerts(opsdeck::app::alerts::Effect::ShareLocal { alerts, at }) => {
            Some(SharedAlerts {
                alerts: alerts.clone(),
                at: Some(*at),
            })
        }
        _ => None,
    })
}

/// What the store answers a starting leader: `shared`.
fn store_says(shared: SharedAlerts) -> Msg {
    Msg::Alerts(opsdeck::app::alerts::Msg::Shared(shared))
}

/// A leader that found nothing to go on from in the store.
fn fresh_leader(extra: &str) -> AppState {
    let mut s = with_role(opsdeck::app::state::StoreRole::Leader, extra);
    let _ = update(&mut s, at(0, 10.0));
    let _ = update(&mut s, store_says(SharedAlerts::default()));
    s
}

/// Two opsdecks on a host, the CPU at 97 %: the leader evaluated for a minute
/// and wrote its alerts (returned), and the follower, a second later, took them.
fn leader_and_follower() -> (AppState, AppState, SharedAlerts) {
    use opsdeck::app::state::StoreRole;
    let mut leader = fresh_leader("");
    let _ = update(&mut leader, at(0, 97.0));
    let written = shared(&update(&mut leader, at(60, 97.0))).expect("the leader shares");
    let mut follower = with_role(StoreRole::Follower, "");
    let _ = update(&mut follower, at(61, 97.0));
    let _ = update(&mut follower, store_says(written.clone()));
    (leader, follower, written)
}

/// Two opsdecks on a host: the leader evaluates and writes its alerts; the
/// other shows exactly those (same state, same start), not its own evaluation.
#[test]
fn a_follower_shows_the_leaders_local_alerts_not_its_own() {
    use opsdeck::app::state::StoreRole;
    let mut leader = fresh_leader("");
    let _ = update(&mut leader, at(0, 97.0));
    let written = shared(&update(&mut leader, at(60, 97.0))).expect("the leader shares");
    assert_eq!(
        state_of(&leader, "HostCpuCritical"),
        Some(AlertState::Firing)
    );

    // The follower started later: its own evaluation would say pending, 0s.
    let mut follower = with_role(StoreRole::Follower, "");
    let effects = update(&mut follower, at(61, 97.0));
    assert!(shared(&effects).is_none(), "a follower writes nothing");
    assert_eq!(
        state_of(&follower, "HostCpuCritical"),
        None,
        "no own evaluation"
    );
    let _ = update(&mut follower, store_says(written));
    let mine = follower
        .visible_alerts()
        .into_iter()
        .find(|a| a.name() == "HostCpuCritical")
        .cloned()
        .expect("the leader's alert");
    assert_eq!(mine.state, AlertState::Firing);
    assert_eq!(mine.since, Some(common::t0()), "the leader's start");
    // Taking the lead, it goes on from there: still firing, same start.
    let _ = update(
        &mut follower,
        Msg::Leadership(opsdeck::store::leader::Role::Leader),
    );
    let _ = update(&mut follower, at(62, 97.0));
    let row = follower
        .visible_alerts()
        .into_iter()
        .find(|a| a.name() == "HostCpuCritical")
        .cloned();
    assert_eq!(
        row.map(|a| (a.state, a.since)),
        Some((AlertState::Firing, Some(common::t0())))
    );
}

/// Two opsdecks on a host: when the leader's alert changes only its summary
/// (it quotes the value), the follower shows the new one when the leader next
/// writes, its rows updated where they are.
#[test]
fn a_follower_shows_the_leaders_new_summary_in_place() {
    let (mut leader, mut follower, _) = leader_and_follower();
    let summary = |s: &AppState| s.visible_alerts().first().map(|a| a.summary().to_string());
    assert_eq!(summary(&follower).as_deref(), Some("CPU on db-1 is 97%"));
    let rows = follower.remote.alerts.as_ptr();
    // The leader writes its alerts again at least every 10 s.
    let next = shared(&update(&mut leader, at(70, 95.0))).expect("shared again");
    let _ = update(&mut follower, store_says(next));
    assert_eq!(summary(&follower).as_deref(), Some("CPU on db-1 is 95%"));
    assert_eq!(follower.remote.alerts.as_ptr(), rows, "patched, not merged");
    assert_eq!(
        state_of(&follower, "HostCpuCritical"),
        Some(AlertState::Firing)
    );
}

/// An acknowledged local alert is not notified again while the ack lasts.
#[test]
fn an_acknowledged_local_alert_is_not_renotified() {
    use opsdeck::app::state::StoreRole;
    let notifier = "[[notifier]]\nname = \"hook\"\nurl = \"http://127.0.0.1:9/hook\"\n";
    let rules = RULES.replace("for = \"1m\"", "for = \"0s\"\ncooldown = \"1m\"");
    let config = config::parse(&format!("{rules}\n{notifier}"), "rules.toml").unwrap();
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    s.remote = opsdeck::runtime::remote::sources(&s.config);
    s.rules = LocalRules::attach(&s.config, &mut s.remote);
    s.store = StoreRole::Leader;
    let _ = update(&mut s, store_says(SharedAlerts::default()));
    let notified = |effects: &[opsdeck::app::Effect]| {
        effects.iter().any(|e| {
            matches!(e, opsdeck::app::Effect::Alerts(opsdeck::app::alerts::Effect::Notify(n)) if !n.is_empty())
        })
    };
    assert!(notified(&update(&mut s, at(0, 97.0))), "fires, notified");
    let key = s
        .visible_alerts()
        .into_iter()
        .find(|a| a.name() == "HostCpuCritical")
        .unwrap()
        .key();
    let ack = opsdeck::store::acks::StoredAck {
        id: 1,
        alert_key: key,
        author: "ann@ops".into(),
        comment: "on it".into(),
        created: common::t0(),
        expires: common::t0() + Chrono::hours(1),
    };
    let _ = update(
        &mut s,
        Msg::Alerts(opsdeck::app::alerts::Msg::LocalAcks(vec![ack])),
    );
    for secs in (10..600).step_by(10) {
        assert!(
            !notified(&update(&mut s, at(secs, 97.0))),
            "at {secs}s: acknowledged"
        );
    }
    let _ = update(
        &mut s,
        Msg::Alerts(opsdeck::app::alerts::Msg::LocalAcks(vec![])),
    );
    assert!(notified(&update(&mut s, at(600, 97.0))), "the ack ended");
}

/// A leader that starts alone goes on from what the last one wrote, if it is
/// recent (Prometheus's outage tolerance, 1h): same start, no new
/// notification. Older, it starts afresh; with no answer, it does not wait long.
#[test]
fn a_starting_leader_goes_on_from_the_last_leaders_alerts() {
    use opsdeck::app::state::StoreRole;
    let notifier = "[[notifier]]\nname = \"hook\"\nurl = \"http://127.0.0.1:9/hook\"\n";
    let notified = |effects: &[opsdeck::app::Effect]| {
        effects.iter().any(|e| {
            matches!(e, opsdeck::app::Effect::Alerts(opsdeck::app::alerts::Effect::Notify(n)) if !n.is_empty())
        })
    };
    let mut before = fresh_leader(notifier);
    let _ = update(&mut before, at(0, 97.0));
    let last = shared(&update(&mut before, at(60, 97.0))).expect("written");

    // Restarted a minute later: the same alert, firing since 0, no new page
    // (its cooldown has not passed).
    let mut after = with_role(StoreRole::Leader, notifier);
    let asked = update(&mut after, at(120, 97.0));
    assert!(
        asked.iter().any(|e| matches!(
            e,
            opsdeck::app::Effect::Alerts(opsdeck::app::alerts::Effect::PollShared)
        )),
        "it asks the store first"
    );
    assert_eq!(
        state_of(&after, "HostCpuCritical"),
        None,
        "and waits for it"
    );
    let _ = update(&mut after, store_says(last.clone()));
    assert!(!notified(&update(&mut after, at(121, 97.0))));
    let row = after
        .visible_alerts()
        .into_iter()
        .find(|a| a.name() == "HostCpuCritical")
        .cloned();
    assert_eq!(
        row.map(|a| (a.state, a.since)),
        Some((AlertState::Firing, Some(common::t0())))
    );

    // Two hours later: a new episode.
    let mut late = with_role(StoreRole::Leader, notifier);
    let _ = update(&mut late, at(7200, 97.0));
    let _ = update(&mut late, store_says(last));
    let _ = update(&mut late, at(7201, 97.0));
    let row = late
        .visible_alerts()
        .into_iter()
        .find(|a| a.name() == "HostCpuCritical")
        .cloned();
    assert_eq!(row.map(|a| a.state), Some(AlertState::Pending));

    // The store never answers: it evaluates after a few seconds anyway.
    let mut alone = with_role(StoreRole::Leader, notifier);
    let _ = update(&mut alone, at(0, 97.0));
    let _ = update(&mut alone, at(6, 97.0));
    assert_eq!(
        state_of(&alone, "HostCpuCritical"),
        Some(AlertState::Pending)
    );
}

/// A leader that stopped writing (hung, its lock still held): after 30 s what
/// it wrote last is stale on the others, said with its age; when it writes
/// again, it is current again.
#[test]
fn a_silent_leaders_alerts_go_stale_on_the_others() {
    let (_leader, mut follower, written) = leader_and_follower();
    let row = |s: &AppState| {
        s.visible_alerts()
            .into_iter()
            .find(|a| a.name() == "HostCpuCritical")
            .cloned()
            .unwrap()
    };
    assert!(!row(&follower).stale);
    // 45 s later the store still holds what was written at 60.
    let _ = update(&mut follower, at(105, 97.0));
    let _ = update(&mut follower, store_says(written.clone()));
    assert!(row(&follower).stale, "the leader is silent");
    let local = follower.rules.source.unwrap();
    let error = follower.remote.sources[local].error.clone().unwrap();
    assert!(
        error
            .message
            .contains("has not evaluated the rules for 45s"),
        "{error:?}"
    );
    let fresh = SharedAlerts {
        at: Some(common::t0() + Chrono::seconds(106)),
        ..written
    };
    let _ = update(&mut follower, store_says(fresh));
    assert!(!row(&follower).stale, "it writes again");
}

/// A rule whose result breaks (two series with one label set) is one failing
/// rule: marked in the header and title, while the other rules' alerts stay
/// current, not stale.
#[test]
fn one_failing_rule_does_not_make_the_other_alerts_stale() {
    let bad = "[[rule]]\nname = \"Clash\"\nexpr = '{__name__=~\"opsdeck_cpu.*\"} >= 0'\n";
    let mut s = fresh_leader(bad);
    let _ = update(&mut s, at(0, 97.0));
    let _ = update(&mut s, at(60, 97.0));
    let local = s.rules.source.unwrap();
    let source = &s.remote.sources[local];
    assert_eq!(
        source.partial.as_deref(),
        Some("1 rule failing"),
        "{source:?}"
    );
    assert!(source.error.is_none(), "it evaluates: nothing is stale");
    let row = s
        .visible_alerts()
        .into_iter()
        .find(|a| a.name() == "HostCpuCritical")
        .cloned()
        .unwrap();
    assert_eq!((row.state, row.stale), (AlertState::Firing, false));
    let warnings = s.remote.alert_source_warnings();
    assert!(
        warnings.iter().any(|w| w.contains("rule Clash")),
        "{warnings:?}"
    );
}

/// A read-only opsdeck changes nothing anywhere. With no store, or with no
/// leader to follow, it shows what its own rules say; it never notifies,
/// records, shares or pushes. With a leader, it shows the leader's alerts.
#[test]
fn a_read_only_opsdeck_shows_its_rules_but_sends_and_writes_nothing() {
    use opsdeck::app::alerts::Effect as AlertEffect;
    use opsdeck::app::state::StoreRole;
    let notifier = "[[notifier]]\nname = \"hook\"\nurl = \"http://127.0.0.1:9/hook\"\n";
    let pushes = "[[alertmanager]]\nname = \"am\"\nurls = [\"http://127.0.0.1:9\"]\n[ack]\npush_local_to = \"am\"\n";
    let config = format!("{notifier}{pushes}");
    for role in [StoreRole::Off, StoreRole::Follower] {
        let mut s = with_role(role, &config);
        s.mode.read_only = true;
        let mut effects = update(&mut s, at(0, 97.0));
        // Nothing in the store to go on from (asked only with a store).
        effects.extend(update(&mut s, store_says(SharedAlerts::default())));
        effects.extend(update(&mut s, at(1, 97.0)));
        effects.extend(update(&mut s, at(62, 97.0)));
        assert_eq!(
            state_of(&s, "HostCpuCritical"),
            Some(AlertState::Firing),
            "{role:?}: its own rules are shown"
        );
        let writes: Vec<_> = effects
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    opsdeck::app::Effect::Alerts(
                        AlertEffect::Notify(_)
                            | AlertEffect::RecordEvents(_)
                            | AlertEffect::ShareLocal { .. }
                            | AlertEffect::PushAlerts { .. }
                    )
                )
            })
            .collect();
        assert!(writes.is_empty(), "{role:?}: {writes:?}");
    }
    // A writable opsdeck leads: the read-only one shows what it shares.
    let mut s = with_role(StoreRole::Follower, &config);
    s.mode.read_only = true;
    s.leader = Some(4242);
    let _ = update(&mut s, at(0, 97.0));
    let _ = update(&mut s, at(62, 97.0));
    assert_eq!(state_of(&s, "HostCpuCritical"), None, "no own evaluation");
}
