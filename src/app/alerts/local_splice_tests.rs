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
    let healthy = |_| true;
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
