//! A change of opsdeck's own alerts in a storm: put in place, the list as a
//! whole merge would make it, at a cost that does not grow with the storm.
use super::identity::take_comparisons;
use super::local_splice::local_alerts_changed;
use super::scale_tests::storm;
use super::tests::t;
use super::*;
use crate::app::local_rules::LocalRules;
use crate::app::state::{AppState, Mode};

const CONFIG: &str = r#"
[[prometheus]]
name = "prom"
url = "http://127.0.0.1:9"

[[alertmanager]]
name = "am"
urls = ["http://127.0.0.1:9"]

[[rule]]
name = "HostCpuCritical"
expr = "opsdeck_cpu_usage_percent > 90"
severity = "critical"
"#;

/// A dashboard 60 s after start whose list holds a storm of `n` alerts.
fn storm_state(n: usize) -> AppState {
    let config = crate::config::parse(CONFIG, "splice.toml").expect("valid config");
    let host = crate::collect::model::HostInfo {
        hostname: "db-1".into(),
        os: "Debian".into(),
        kernel: "6.1".into(),
        cores: 2,
    };
    let mut s = AppState::new(config, Mode::default(), host, t(0));
    s.remote = crate::runtime::remote::sources(&s.config);
    s.rules = LocalRules::attach(&s.config, &mut s.remote);
    s.remote.alert_inputs = storm(n);
    s.now = t(60);
    update::remerge(&mut s);
    s
}

fn local_alert(s: &AppState, name: &str, state: AlertState, severity: &str) -> Alert {
    let labels = tests::labels(&[
        ("alertname", name),
        ("instance", "db-1"),
        ("severity", severity),
    ]);
    let mut a = Alert::new(
        s.rules.source.unwrap(),
        labels,
        Labels::new(),
        state,
        Some(t(0)),
    );
    if state == AlertState::Resolved {
        a.resolved_at = Some(s.now);
    }
    a
}

/// Sets the local alerts and lets the change through; returns the
/// comparisons it made and what merging the whole list would have given.
fn change_local(s: &mut AppState, local: Vec<Alert>) -> (usize, Vec<Alert>) {
    let before = std::mem::replace(&mut s.remote.alert_inputs.local, local);
    let previous = s.remote.alerts.clone();
    let sources = s.remote.sources.clone();
    let healthy = |id: usize| sources.get(id).is_some_and(|x| x.error.is_none());
    let mut extras = s.remote.extras.clone();
    let group_by = s.config.ui.alerts.group_by.clone();
    let whole = merge::merge_with(
        &s.remote.alert_inputs,
        &mut extras,
        &previous,
        healthy,
        &group_by,
        s.now,
    );
    take_comparisons();
    local_alerts_changed(s, &before);
    (take_comparisons(), whole)
}

#[test]
fn a_flapping_host_rule_in_a_storm_is_put_in_place_as_a_whole_merge_would() {
    let mut costs = Vec::new();
    for n in [1_000, 10_000] {
        let mut s = storm_state(n);
        let mut cost = 0;
        let steps = [
            vec![local_alert(
                &s,
                "HostCpuCritical",
                AlertState::Pending,
                "critical",
            )],
            vec![
                local_alert(&s, "HostCpuCritical", AlertState::Firing, "critical"),
                local_alert(&s, "HostMemoryHigh", AlertState::Firing, "warning"),
            ],
            vec![local_alert(
                &s,
                "HostMemoryHigh",
                AlertState::Firing,
                "warning",
            )],
        ];
        for (i, local) in steps.into_iter().enumerate() {
            s.now = t(61 + i as i64);
            let (comparisons, whole) = change_local(&mut s, local);
            assert_eq!(s.remote.alerts, whole, "step {i} at {n}");
            cost += comparisons;
            if i == 1 {
                assert!(s.new_critical, "the new critical local alert rings");
                s.new_critical = false;
            }
        }
        let cpu = s
            .remote
            .alerts
            .iter()
            .find(|a| a.name() == "HostCpuCritical");
        assert_eq!(cpu.map(|a| a.state), Some(AlertState::Resolved));
        assert_eq!(s.remote.alerts.len(), n + 2);
        costs.push(cost);
    }
    // A whole merge compares thousands of label sets at 1k alone.
    assert!(costs[0] <= 20, "{costs:?}");
    assert_eq!(costs[0], costs[1], "the same work at 1k and 10k");
}

#[test]
fn a_local_alert_named_like_a_remote_one_is_merged_with_the_whole_list() {
    let mut s = storm_state(1_000);
    // The storm's first alert, as a local rule would find it (same labels).
    let first = s.remote.alert_inputs.prometheus[&tests::PROM][0]
        .labels
        .clone();
    let local = s.rules.source.unwrap();
    let mut row = Alert::new(
        local,
        first.clone(),
        Labels::new(),
        AlertState::Firing,
        Some(t(0)),
    );
    row.severity = Severity::Critical;
    let (comparisons, whole) = change_local(&mut s, vec![row]);
    assert_eq!(s.remote.alerts, whole);
    let joined = s.remote.alerts.iter().find(|a| a.labels == first).unwrap();
    assert!(
        joined.sources.contains(&local) && joined.sources.len() == 3,
        "{:?}",
        joined.sources
    );
    assert!(comparisons > 1_000, "the whole list: {comparisons}");
}

/// The flapping host rule of the storm: pending, firing with a second alert,
/// then resolved.
fn flapping(s: &AppState) -> [Vec<Alert>; 3] {
    [
        vec![local_alert(
            s,
            "HostCpuCritical",
            AlertState::Pending,
            "critical",
        )],
        vec![
            local_alert(s, "HostCpuCritical", AlertState::Firing, "critical"),
            local_alert(s, "HostMemoryHigh", AlertState::Firing, "warning"),
        ],
        vec![local_alert(
            s,
            "HostMemoryHigh",
            AlertState::Firing,
            "warning",
        )],
    ]
}

/// Each step of the flapping rule gives the list a whole merge would give,
/// checked by `each` after the step; returns the comparisons made.
fn flap(s: &mut AppState, what: &str, mut each: impl FnMut(&AppState, usize)) -> usize {
    let mut cost = 0;
    for (i, local) in flapping(s).into_iter().enumerate() {
        s.now += chrono::Duration::seconds(1);
        let (comparisons, whole) = change_local(s, local);
        assert_eq!(s.remote.alerts, whole, "{what}: step {i}");
        cost += comparisons;
        each(s, i);
    }
    cost
}

fn row<'a>(s: &'a AppState, name: &str) -> &'a Alert {
    s.remote.alerts.iter().find(|a| a.name() == name).unwrap()
}

#[test]
fn local_rows_of_a_failing_rule_source_are_put_in_place_stale() {
    let mut s = storm_state(1_000);
    let local = s.rules.source.unwrap();
    s.remote.sources[local].error = Some(crate::app::sources::SourceError {
        kind: "rules".into(),
        message: "expr failed".into(),
        since: s.now,
    });
    let cost = flap(&mut s, "local source failing", |_, _| {});
    assert!(cost <= 20, "{cost}");
}

#[test]
fn a_silence_on_a_local_alert_applies_to_its_spliced_row() {
    let mut s = storm_state(1_000);
    let am = tests::AM;
    let mut silences = s.remote.alert_inputs.silences[&am].clone();
    silences.push(tests::silence(
        "s2",
        "host work",
        "ana@ops",
        "HostMemoryHigh",
    ));
    s.remote.alert_inputs.set_silences(am, silences);
    flap(&mut s, "silenced", |s, i| {
        if i > 0 {
            assert_eq!(row(s, "HostMemoryHigh").state, AlertState::Silenced);
        }
    });
}

#[test]
fn a_local_acknowledgement_applies_to_its_spliced_row() {
    let mut s = storm_state(1_000);
    let cpu = local_alert(&s, "HostCpuCritical", AlertState::Firing, "critical");
    s.remote.alert_inputs.local_acks = vec![crate::store::acks::StoredAck {
        id: 7,
        alert_key: cpu.key(),
        author: "ana@ops-1".into(),
        comment: "on it".into(),
        created: s.now,
        expires: s.now + chrono::Duration::hours(1),
    }];
    flap(&mut s, "acknowledged", |s, i| {
        if i == 1 {
            let cpu = row(s, "HostCpuCritical");
            assert_eq!(cpu.state, AlertState::Acknowledged);
            assert_eq!(cpu.ack.as_ref().unwrap().by, "ana@ops-1");
        }
    });
}

#[test]
fn grouped_by_severity_local_rows_go_into_their_groups() {
    let mut s = storm_state(1_000);
    s.config.ui.alerts.group_by = "severity".into();
    update::remerge(&mut s);
    let cost = flap(&mut s, "grouped", |_, _| {});
    assert!(cost <= 20, "{cost}");
}

#[test]
fn a_due_resolved_remote_row_makes_the_change_a_whole_merge() {
    let mut s = storm_state(1_000);
    let inputs = &mut s.remote.alert_inputs;
    let gone = inputs
        .prometheus
        .get_mut(&tests::PROM)
        .unwrap()
        .remove(0)
        .labels;
    inputs.alertmanager.get_mut(&tests::AM).unwrap().remove(0);
    update::remerge(&mut s);
    let resolved = |s: &AppState| {
        s.remote.alerts.iter().any(|a| {
            a.state == AlertState::Resolved && gone.iter().all(|(k, v)| a.labels.get(k) == Some(v))
        })
    };
    assert!(resolved(&s), "resolved and listed");
    s.now += chrono::Duration::from_std(RESOLVED_KEPT).unwrap();
    let local = flapping(&s)[0].clone();
    let (comparisons, whole) = change_local(&mut s, local);
    assert_eq!(s.remote.alerts, whole);
    assert!(!resolved(&s), "the due row went with the change");
    assert!(comparisons > 1_000, "a whole merge: {comparisons}");
}

#[test]
fn the_cursor_stays_on_its_alert_while_local_rows_come_and_go() {
    let mut s = storm_state(1_000);
    s.list_mut(crate::app::action::PaneId::Alerts).selected = 500;
    let chosen = s.selected_alert().unwrap().labels.clone();
    flap(&mut s, "cursor", |s, i| {
        let at = s.selected_alert().map(|a| &a.labels);
        assert_eq!(at, Some(&chosen), "step {i}");
    });
}

#[test]
fn a_resolved_local_row_named_like_a_remote_one_keeps_the_cursor_in_place() {
    let mut s = storm_state(1_000);
    // Grouped, the resolved critical row sorts before the other groups.
    s.config.ui.alerts.group_by = "severity".into();
    update::remerge(&mut s);
    let mut storm_named = local_alert(&s, "Storm00", AlertState::Firing, "critical");
    storm_named.severity = Severity::Critical;
    change_local(&mut s, vec![storm_named]);
    change_local(&mut s, Vec::new());
    let stays = s
        .remote
        .alerts
        .iter()
        .find(|a| a.name() == "Storm00" && a.labels.get("instance") == Some("db-1"))
        .unwrap();
    assert!(stays.sources == [s.rules.source.unwrap()] && stays.state == AlertState::Resolved);
    // The cursor below that resolved row, which the next change must not move.
    s.list_mut(crate::app::action::PaneId::Alerts).selected = 900;
    let chosen = s.selected_alert().unwrap().labels.clone();
    let local = flapping(&s)[0].clone();
    let (_, whole) = change_local(&mut s, local);
    assert_eq!(s.remote.alerts, whole);
    assert_eq!(s.selected_alert().map(|a| &a.labels), Some(&chosen));
}
