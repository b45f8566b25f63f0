//! Health checks in the dashboard with an injected clock and fixed probe
//! results: when probes are due (sooner while failing, never two at once),
//! the Checks section and the header, and the series firing a local rule.

mod common;

use chrono::Duration;
use opsdeck::app::health::{Effect as HealthEffect, Msg as HealthMsg};
use opsdeck::app::state::{Mode, StoreRole};
use opsdeck::app::{Action, AppState, Effect, Msg, PaneId, update};
use opsdeck::engine::health::{Condition, Probe, Verdict};

const CONFIG: &str = r#"
[[health_check]]
name = "api"
kind = "http"
url = "https://127.0.0.1:8443/health"
interval = "10s"
retry_interval = "2s"
expect = { max_latency = "500ms" }
labels = { service = "api" }

[[health_check]]
name = "postgres"
kind = "tcp"
address = "127.0.0.1:5432"
interval = "10s"
retry_interval = "2s"

[[health_check]]
name = "backup-fresh"
kind = "command"
command = ["/usr/local/bin/check_backup_age", "--max-age", "26h"]
interval = "1m"

[[rule]]
name = "CheckDown"
expr = "opsdeck_check_up == 0"
for = "1m"
severity = "critical"
annotations = { summary = "check {{ labels.check }} is down" }
"#;

fn at(s: i64) -> chrono::DateTime<chrono::Utc> {
    common::t0() + Duration::seconds(s)
}

fn state() -> AppState {
    let config = opsdeck::config::parse(CONFIG, "test.toml").expect("valid");
    let mut s = AppState::new(config, Mode::default(), common::host(), common::t0());
    s.store = StoreRole::Leader;
    s.rules = opsdeck::app::local_rules::LocalRules::attach(&s.config, &mut s.remote);
    s
}

fn sample(s: &mut AppState, secs: i64) {
    let msg = opsdeck::app::resources::Msg::Sample(Box::new(common::sample(secs, 30.0)));
    let _ = update(s, Msg::Resources(msg));
}

fn probes_due(effects: &[Effect]) -> Vec<usize> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Health(HealthEffect::Probe(i)) => Some(*i),
            _ => None,
        })
        .collect()
}

fn probed(s: &mut AppState, check: usize, probe: Probe) {
    let _ = update(s, Msg::Health(HealthMsg::Probed { check, probe }));
}

fn ok(secs: i64, ms: u64) -> Probe {
    Probe {
        at: at(secs),
        latency: Some(std::time::Duration::from_millis(ms)),
        conditions: vec![
            Condition::new(Verdict::Pass, "status 200"),
            Condition::new(Verdict::Pass, "certificate 41 d"),
        ],
        certificate_expiry: Some(at(secs) + Duration::days(41)),
        ..Probe::default()
    }
}

fn refused(secs: i64) -> Probe {
    Probe {
        at: at(secs),
        error: Some("connection refused".into()),
        ..Probe::default()
    }
}

fn warned(secs: i64) -> Probe {
    Probe {
        at: at(secs),
        latency: Some(std::time::Duration::from_millis(40)),
        conditions: vec![Condition::new(Verdict::Warn, "exit 1: last backup 30h ago")],
        ..Probe::default()
    }
}

#[test]
fn probes_are_due_by_interval_sooner_while_failing_and_never_two_at_once() {
    let mut s = state();
    assert_eq!(probes_due(&update(&mut s, Msg::Tick(at(0)))), [0, 1, 2]);
    assert!(
        probes_due(&update(&mut s, Msg::Tick(at(1)))).is_empty(),
        "out already"
    );
    probed(&mut s, 0, ok(0, 12));
    probed(&mut s, 1, refused(0));
    probed(&mut s, 2, warned(0));
    assert!(probes_due(&update(&mut s, Msg::Tick(at(1)))).is_empty());
    // postgres failed: retried after 2s; api after its 10s.
    assert_eq!(probes_due(&update(&mut s, Msg::Tick(at(2)))), [1]);
    assert_eq!(probes_due(&update(&mut s, Msg::Tick(at(10)))), [0]);
}

#[test]
fn the_checks_section_the_title_and_the_header_say_what_is_down_and_why() {
    let mut s = state();
    sample(&mut s, 0);
    let _ = update(&mut s, Msg::Tick(at(0)));
    for i in 0..20 {
        probed(&mut s, 0, ok(i, 10 + (i as u64 % 7) * 5));
    }
    probed(&mut s, 1, ok(0, 2));
    for i in 1..=3 {
        probed(&mut s, 1, refused(i * 2));
    }
    probed(&mut s, 2, warned(0));
    sample(&mut s, 7);
    let _ = update(&mut s, Msg::Tick(at(7)));
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Resources)));
    let screen = common::screen(&s, 160, 48);
    for text in [
        "✗ 1 check down",
        "Checks · 1 down",
        "✗ down    postgres",
        "connection refused · 3 failures · next probe in 1s",
        "! warning backup-fresh",
        "exit 1: last backup 30h ago",
        "✓ up      api",
        "p95 40 ms",
        "certificate 41 d",
        "db-1 ✗ disk /var/lib/postgresql 4% free",
    ] {
        assert!(screen.contains(text), "{text:?} missing from:\n{screen}");
    }
    insta::assert_snapshot!("checks_160x48", screen);
    let _ = update(&mut s, Msg::Action(Action::Overview));
    let small = common::screen(&s, 80, 24);
    assert!(
        small.contains("✗ 1 check down"),
        "the overview says so:\n{small}"
    );

    // The cursor goes on from the last process into the checks; Enter on
    // postgres shows its last probe and how it went down.
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Resources)));
    let _ = update(&mut s, Msg::Action(Action::Bottom));
    let _ = update(&mut s, Msg::Action(Action::Up));
    assert_eq!(
        opsdeck::app::health::selected(&s),
        Some(opsdeck::app::health::CheckId::Check(1))
    );
    let _ = update(&mut s, Msg::Action(Action::Details));
    let details = common::screen(&s, 120, 40);
    for text in [
        "Check postgres: down",
        "tcp 127.0.0.1:5432",
        "down after 3 failures in a row, up again after 2 successes",
        "✗ connection refused",
        "down after 3 failures: connection refused",
        "pending: 1/3 failures: connection refused",
        "up: first probe",
    ] {
        assert!(details.contains(text), "{text:?} missing from:\n{details}");
    }
    insta::assert_snapshot!("check_details_120x40", details);
}

#[test]
fn a_check_down_fires_the_local_rule_with_its_labels() {
    let mut s = state();
    sample(&mut s, 0);
    probed(&mut s, 0, refused(0));
    for i in 1..=3 {
        probed(&mut s, 0, refused(i));
    }
    sample(&mut s, 5);
    sample(&mut s, 70);
    let alert = s
        .remote
        .alerts
        .iter()
        .find(|a| a.labels.get("alertname") == Some("CheckDown"))
        .expect("CheckDown");
    assert_eq!(alert.labels.get("check"), Some("api"));
    assert_eq!(alert.labels.get("service"), Some("api"));
    assert_eq!(alert.state, opsdeck::app::alerts::AlertState::Firing);
}

#[test]
fn the_leader_records_each_change_with_its_cause_and_a_follower_does_not() {
    let mut s = state();
    let effects = update(
        &mut s,
        Msg::Health(HealthMsg::Probed {
            check: 1,
            probe: refused(0),
        }),
    );
    let recorded: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Health(HealthEffect::Record(c)) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(recorded.len(), 1, "{effects:?}");
    assert_eq!(
        (
            recorded[0].check.as_str(),
            recorded[0].from.as_str(),
            recorded[0].to.as_str()
        ),
        ("postgres", "unknown", "pending")
    );
    assert_eq!(recorded[0].cause, "1/3 failures: connection refused");
    s.store = StoreRole::Follower;
    let effects = update(
        &mut s,
        Msg::Health(HealthMsg::Probed {
            check: 1,
            probe: refused(2),
        }),
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Health(HealthEffect::Record(_)))),
        "{effects:?}"
    );
}

#[test]
fn a_probe_that_never_reports_is_a_failure_and_the_check_is_probed_again() {
    let mut s = state();
    assert_eq!(probes_due(&update(&mut s, Msg::Tick(at(0)))), [0, 1, 2]);
    // Its timeout (2s) and ten seconds more pass with no result for api.
    probed(&mut s, 1, ok(0, 2));
    probed(&mut s, 2, warned(0));
    assert_eq!(
        probes_due(&update(&mut s, Msg::Tick(at(11)))),
        [1],
        "postgres's interval"
    );
    probed(&mut s, 1, ok(11, 2));
    // Lost at 13s: a failure; retried 2s after.
    assert!(probes_due(&update(&mut s, Msg::Tick(at(13)))).is_empty());
    assert_eq!(
        probes_due(&update(&mut s, Msg::Tick(at(15)))),
        [0],
        "api again"
    );
    let api = &s.health.checks[0].status;
    assert_eq!(api.state, opsdeck::engine::health::CheckState::Pending);
    assert_eq!(
        api.last.as_ref().unwrap().error.as_deref(),
        Some("the probe never reported back")
    );
}
