//! The merge: one list from every source, acks, resolved and stale rows, order.
use super::*;
use crate::collect::alertmanager::{AmAlertState, Matcher};
use crate::collect::prometheus::PromAlertState;
use chrono::TimeZone;

pub(super) const PROM: SourceId = 0;
pub(super) const AM: SourceId = 1;

pub(super) fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn prom(state: PromAlertState, pairs: &[(&str, &str)], active_at: i64) -> PromAlert {
    PromAlert {
        labels: labels(pairs),
        annotations: labels(&[("summary", "from prometheus")]),
        state,
        active_at: Some(t(active_at)),
        value: 1.0,
    }
}

pub(super) fn am(pairs: &[(&str, &str)], starts_at: i64) -> AmAlert {
    AmAlert {
        labels: labels(pairs),
        annotations: Labels::new(),
        starts_at: Some(t(starts_at)),
        generator_url: Some("http://prom:9090/graph?g0.expr=up".into()),
        state: AmAlertState::Active,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
    }
}

pub(super) fn silence(id: &str, comment: &str, by: &str, alertname: &str) -> Silence {
    Silence {
        id: id.into(),
        matchers: vec![Matcher {
            name: "alertname".into(),
            value: alertname.into(),
            is_regex: false,
            is_equal: true,
        }],
        starts_at: t(-120),
        ends_at: t(3480),
        created_by: by.into(),
        comment: comment.into(),
        state: SilenceState::Active,
        updated_at: None,
    }
}

pub(super) fn inputs(p: Vec<PromAlert>, a: Vec<AmAlert>, silences: Vec<Silence>) -> AlertInputs {
    let mut inputs = AlertInputs::default();
    inputs.prometheus.insert(PROM, p);
    inputs.alertmanager.insert(AM, a);
    inputs.set_silences(AM, silences);
    inputs
}

pub(super) fn merge_healthy(inputs: &AlertInputs, previous: &[Alert], now: i64) -> Vec<Alert> {
    merge(inputs, previous, |_| true, "", t(now))
}

pub(super) fn names(alerts: &[Alert]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| format!("{} {}", a.name(), a.state.label()))
        .collect()
}

pub(super) const CPU: &[(&str, &str)] = &[
    ("alertname", "HighCPU"),
    ("instance", "db-1:9100"),
    ("severity", "critical"),
];

#[test]
fn the_same_alert_from_both_sources_is_listed_once_with_both() {
    let i = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![am(CPU, -290)],
        vec![],
    );
    let merged = merge_healthy(&i, &[], 0);
    assert_eq!(merged.len(), 1, "{merged:#?}");
    let a = &merged[0];
    assert_eq!(a.sources, vec![AM, PROM]);
    assert_eq!(a.alertmanager, Some(AM));
    assert_eq!(
        (a.state, a.severity),
        (AlertState::Firing, Severity::Critical)
    );
    // Alertmanager had no summary: Prometheus's fills in.
    assert_eq!(a.summary(), "from prometheus");
}

#[test]
fn alertmanagers_copy_with_external_labels_still_matches_prometheus() {
    let mut with_cluster = CPU.to_vec();
    with_cluster.push(("cluster", "eu"));
    let i = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![am(&with_cluster, -300)],
        vec![],
    );
    let merged = merge_healthy(&i, &[], 0);
    assert_eq!(merged.len(), 1, "{merged:#?}");
    assert_eq!(merged[0].sources, vec![AM, PROM]);
    assert_eq!(merged[0].labels.get("cluster"), Some("eu"));
}

#[test]
fn same_alertname_on_another_instance_stays_separate() {
    let other = [
        ("alertname", "HighCPU"),
        ("instance", "db-2:9100"),
        ("severity", "critical"),
    ];
    let i = inputs(
        vec![
            prom(PromAlertState::Firing, CPU, -300),
            prom(PromAlertState::Firing, &other, -200),
        ],
        vec![am(CPU, -300)],
        vec![],
    );
    let merged = merge_healthy(&i, &[], 0);
    let rows: Vec<(&str, Vec<SourceId>)> = merged
        .iter()
        .map(|a| (a.labels.get("instance").unwrap(), a.sources.clone()))
        .collect();
    // Newest first within a severity.
    assert_eq!(
        rows,
        vec![("db-2:9100", vec![PROM]), ("db-1:9100", vec![AM, PROM])]
    );
}

#[test]
fn pending_is_listed_as_pending_and_inactive_is_dropped() {
    let pending = [("alertname", "DiskFilling"), ("severity", "warning")];
    let inactive = [("alertname", "Quiet"), ("severity", "critical")];
    let i = inputs(
        vec![
            prom(PromAlertState::Pending, &pending, -30),
            prom(PromAlertState::Inactive, &inactive, -30),
        ],
        vec![],
        vec![],
    );
    let merged = merge_healthy(&i, &[], 0);
    assert_eq!(names(&merged), vec!["DiskFilling pending"]);
}

#[test]
fn an_ack_silence_makes_it_acknowledged_by_its_author() {
    let mut a = am(CPU, -600);
    a.state = AmAlertState::Suppressed;
    a.silenced_by = vec!["s-ack".into()];
    let i = inputs(
        vec![],
        vec![a],
        vec![silence("s-ack", "ACK! looking at it", "bob@ops", "HighCPU")],
    );
    let merged = merge_healthy(&i, &[], 0);
    assert_eq!(merged[0].state, AlertState::Acknowledged);
    assert_eq!(
        merged[0].ack.as_deref(),
        Some(&Ack {
            silence_id: "s-ack".into(),
            by: "bob@ops".into(),
            at: t(-120),
            until: t(3480),
            comment: "ACK! looking at it".into(),
        })
    );
}

#[test]
fn another_silence_makes_it_silenced_not_acknowledged() {
    let mut a = am(CPU, -600);
    a.state = AmAlertState::Suppressed;
    a.silenced_by = vec!["s-maint".into()];
    // "ACK!" counts only at the start of the comment.
    let i = inputs(
        vec![],
        vec![a],
        vec![silence(
            "s-maint",
            "maintenance window, no ACK! needed",
            "bob",
            "HighCPU",
        )],
    );
    let merged = merge_healthy(&i, &[], 0);
    assert_eq!(
        (merged[0].state, merged[0].ack.is_none()),
        (AlertState::Silenced, true)
    );
}

#[test]
fn an_inhibited_alert_is_inhibited() {
    let mut a = am(CPU, -600);
    a.state = AmAlertState::Suppressed;
    a.inhibited_by = vec!["fp-node-down".into()];
    let merged = merge_healthy(&inputs(vec![], vec![a], vec![]), &[], 0);
    assert_eq!(merged[0].state, AlertState::Inhibited);
    assert_eq!(merged[0].inhibited_by, vec!["fp-node-down".to_string()]);
}

#[test]
fn a_pending_ack_shows_acknowledged_before_alertmanager_reports_it() {
    let mut i = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![am(CPU, -300)],
        vec![],
    );
    let ack = Ack {
        silence_id: "s-new".into(),
        by: "ann@db-1".into(),
        at: t(-5),
        until: t(3595),
        comment: "ACK! on it".into(),
    };
    i.pending_acks.push(PendingAck {
        source: AM,
        labels: labels(CPU),
        ack: ack.clone(),
    });
    let merged = merge_healthy(&i, &[], 0);
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].state, AlertState::Acknowledged);
    assert_eq!(merged[0].ack.as_deref(), Some(&ack));
}

#[test]
fn sorted_by_severity_then_newest_with_resolved_last() {
    let sev =
        |name: &'static str, severity: &'static str| [("alertname", name), ("severity", severity)];
    let i = inputs(
        vec![
            prom(PromAlertState::Firing, &sev("WarnOld", "warning"), -900),
            prom(PromAlertState::Firing, &sev("CritOld", "critical"), -900),
            prom(PromAlertState::Firing, &sev("Info", "info"), -10),
            prom(PromAlertState::Firing, &sev("WarnNew", "warning"), -60),
            prom(PromAlertState::Firing, &sev("CritNew", "page"), -60),
            prom(PromAlertState::Firing, &sev("Gone", "critical"), -5),
        ],
        vec![],
        vec![],
    );
    let before = merge_healthy(&i, &[], 0);
    let mut i = i;
    i.prometheus.get_mut(&PROM).unwrap().pop();
    let after = merge_healthy(&i, &before, 10);
    assert_eq!(
        names(&after),
        vec![
            "CritNew firing",
            "CritOld firing",
            "WarnNew firing",
            "WarnOld firing",
            "Info firing",
            "Gone resolved",
        ]
    );
}

#[test]
fn grouped_by_the_group_by_label_first() {
    let row = |name: &'static str, cluster: &'static str, severity: &'static str| {
        [
            ("alertname", name),
            ("cluster", cluster),
            ("severity", severity),
        ]
    };
    let i = inputs(
        vec![
            prom(PromAlertState::Firing, &row("UsWarn", "us", "warning"), -60),
            prom(PromAlertState::Firing, &row("EuWarn", "eu", "warning"), -60),
            prom(
                PromAlertState::Firing,
                &row("UsCrit", "us", "critical"),
                -60,
            ),
            prom(
                PromAlertState::Firing,
                &row("EuCrit", "eu", "critical"),
                -60,
            ),
        ],
        vec![],
        vec![],
    );
    let grouped = merge(&i, &[], |_| true, "cluster", t(0));
    assert_eq!(
        names(&grouped),
        vec![
            "EuCrit firing",
            "EuWarn firing",
            "UsCrit firing",
            "UsWarn firing"
        ]
    );
    let flat = merge_healthy(&i, &[], 0);
    assert_eq!(flat[0].severity, Severity::Critical);
    assert_eq!(flat[1].severity, Severity::Critical);
}

#[test]
fn vanished_with_healthy_sources_is_resolved_for_five_minutes_then_dropped() {
    let firing = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![am(CPU, -300)],
        vec![],
    );
    let gone = inputs(vec![], vec![], vec![]);
    let mut list = merge_healthy(&firing, &[], 0);
    list = merge_healthy(&gone, &list, 10);
    assert_eq!(names(&list), vec!["HighCPU resolved"]);
    assert_eq!(list[0].resolved_at, Some(t(10)));
    assert_eq!(
        list[0].sources,
        vec![AM, PROM],
        "still says where it came from"
    );
    // Polls go on; it stays until RESOLVED_KEPT after it vanished.
    for now in [20, 150, 309] {
        list = merge_healthy(&gone, &list, now);
        assert_eq!(names(&list), vec!["HighCPU resolved"], "at {now}s");
        assert_eq!(list[0].resolved_at, Some(t(10)), "at {now}s");
    }
    list = merge_healthy(&gone, &list, 310);
    assert!(list.is_empty(), "{list:#?}");
}

#[test]
fn a_resolved_alert_that_fires_again_is_listed_once_as_firing() {
    let firing = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![],
        vec![],
    );
    let gone = inputs(vec![], vec![], vec![]);
    let mut list = merge_healthy(&firing, &[], 0);
    list = merge_healthy(&gone, &list, 10);
    list = merge_healthy(&firing, &list, 20);
    assert_eq!(names(&list), vec!["HighCPU firing"]);
    assert_eq!(list[0].resolved_at, None);
}

#[test]
fn vanished_because_its_source_is_down_is_kept_as_it_was() {
    let firing = inputs(vec![], vec![am(CPU, -300)], vec![]);
    let before = merge_healthy(&firing, &[], 0);
    let empty = inputs(vec![], vec![], vec![]);
    let am_down = |id: SourceId| id != AM;
    let mut list = merge(&empty, &before, am_down, "", t(10));
    let stale: Vec<Alert> = before
        .iter()
        .map(|a| Alert {
            stale: true,
            ..a.clone()
        })
        .collect();
    assert_eq!(list, stale, "stale, not resolved");
    // However long it stays down.
    list = merge(&empty, &list, am_down, "", t(3600));
    assert_eq!(list, stale);
}

#[test]
fn since_is_the_earliest_start_never_the_end() {
    // (An `endsAt` earlier than both is not even kept: see AmAlert.)
    let a = am(CPU, -290);
    let i = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![a.clone()],
        vec![],
    );
    assert_eq!(merge_healthy(&i, &[], 0)[0].since, Some(t(-300)));
    let i = inputs(
        vec![prom(PromAlertState::Firing, CPU, -200)],
        vec![a.clone()],
        vec![],
    );
    assert_eq!(merge_healthy(&i, &[], 0)[0].since, Some(t(-290)));
    let i = inputs(vec![], vec![a], vec![]);
    assert_eq!(merge_healthy(&i, &[], 0)[0].since, Some(t(-290)));
}

#[test]
fn seen_first_by_prometheus_then_alertmanager_is_not_also_listed_resolved() {
    // At start Prometheus often answers first; Alertmanager's copy then arrives
    // with the external labels. That is the same alert, not a resolved one.
    let mut with_cluster = CPU.to_vec();
    with_cluster.push(("cluster", "eu"));
    let prom_only = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![],
        vec![],
    );
    let both = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![am(&with_cluster, -300)],
        vec![],
    );
    let list = merge_healthy(&prom_only, &[], 0);
    let list = merge_healthy(&both, &list, 10);
    assert_eq!(names(&list), vec!["HighCPU firing"], "{list:#?}");
}

#[test]
fn a_resolved_alert_goes_after_five_minutes_even_if_a_source_went_down_since() {
    let firing = inputs(
        vec![prom(PromAlertState::Firing, CPU, -300)],
        vec![],
        vec![],
    );
    let gone = inputs(vec![], vec![], vec![]);
    let mut list = merge_healthy(&firing, &[], 0);
    list = merge_healthy(&gone, &list, 10);
    assert_eq!(names(&list), vec!["HighCPU resolved"]);
    let prom_down = |id: SourceId| id != PROM;
    list = merge(&gone, &list, prom_down, "", t(100));
    assert_eq!(names(&list), vec!["HighCPU resolved"]);
    list = merge(&gone, &list, prom_down, "", t(400));
    assert!(list.is_empty(), "{list:#?}");
}

#[test]
fn filter_fields_are_labels_and_state() {
    let merged = merge_healthy(&inputs(vec![], vec![am(CPU, -60)], vec![]), &[], 0);
    let a = &merged[0];
    assert_eq!(a.field("severity").as_deref(), Some("critical"));
    assert_eq!(a.field("state").as_deref(), Some("firing"));
    assert_eq!(
        a.field("cluster").as_deref(),
        Some(""),
        "absent label reads \"\""
    );
    assert!(a.text().contains("db-1:9100"));
}
