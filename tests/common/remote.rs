//! Remote sources for alert tests: one Prometheus and one Alertmanager set up as the
//! runtime would, polls built as `RemoteUpdate`s, and a realistic mix of alerts.
//! Include with `#[path = "common/remote.rs"] mod remote_fixtures;` next to
//! `mod common;`.
#![allow(dead_code)]

use crate::common;
use chrono::{DateTime, Utc};
use opsdeck::app::alerts::{Alert, Labels};
use opsdeck::app::remote::{
    AmSnapshot, Failure, FleetRow, PanelSeries, PanelView, Payload, PromSnapshot, RemoteUpdate,
};
use opsdeck::app::sources::{Source, SourceId, SourceKind};
use opsdeck::app::state::Mode;
use opsdeck::app::{Action, AppState, Msg, PaneId, update};
use opsdeck::collect::alertmanager::{AmAlert, AmAlertState, Matcher, Silence, SilenceState};
use opsdeck::collect::prometheus::{PromAlert, PromAlertState};
use std::time::Duration;

pub const PROM: SourceId = 0;
pub const AM: SourceId = 1;

/// One Prometheus (fleet rows on), one Alertmanager pair, three panels, a 30m ack.
pub const CONFIG: &str = r#"
[ack]
default_duration = "30m"

[[prometheus]]
name = "main"
url = "http://prometheus:9090"

[[alertmanager]]
name = "main"
urls = ["http://alertmanager-0:9093", "http://alertmanager-1:9093"]

[[panel]]
title = "API p99 latency"
query = 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))'
unit = "seconds"
thresholds = { warning = 0.5, critical = 1.0 }

[[panel]]
title = "API requests"
kind = "sparkline"
unit = "rate"
query = 'sum(rate(http_requests_total{job="api"}[5m]))'

[[panel]]
title = "5xx by service"
kind = "table"
unit = "rate"
legend = "service"
thresholds = { warning = 1.0, critical = 3.0 }
query = 'topk(5, sum by (service) (rate(http_requests_total{code=~"5.."}[5m])))'
"#;

/// Seconds from the fixed clock t0 (negative: before).
pub fn at(secs: i64) -> DateTime<Utc> {
    common::t0() + chrono::Duration::seconds(secs)
}

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The usual test state with `CONFIG` loaded and its sources in place, none of
/// which has answered yet.
pub fn state_with(mode: Mode, extra_config: &str) -> AppState {
    let mut state = common::state_with(mode);
    let text = format!("{CONFIG}\n{extra_config}");
    let config = opsdeck::config::parse(&text, "test.toml").expect("test config is valid");
    state.config = config;
    let mut prom = Source::new(
        SourceKind::Prometheus,
        "main",
        "http://prometheus:9090".into(),
        Duration::from_secs(15),
    );
    prom.timeout = Duration::from_secs(10);
    let am = Source::new(
        SourceKind::Alertmanager,
        "main",
        "http://alertmanager-0:9093".into(),
        Duration::from_secs(10),
    );
    state.remote.sources = vec![prom, am];
    state.remote.panels = PanelView::for_config(&state.config);
    state
}

pub fn state() -> AppState {
    state_with(Mode::default(), "")
}

pub fn prom_alert(
    state: PromAlertState,
    pairs: &[(&str, &str)],
    summary: &str,
    active_at: i64,
) -> PromAlert {
    PromAlert {
        labels: labels(pairs),
        annotations: labels(&[("summary", summary)]),
        state,
        active_at: Some(at(active_at)),
        value: 1.0,
    }
}

/// A made-up Alertmanager fingerprint for an alert of `am_alert` (the
/// inhibiting alert, in another's `inhibitedBy`).
fn fingerprint_of(pairs: &[(&str, &str)]) -> String {
    let rule = pairs
        .iter()
        .find(|(k, _)| *k == "alertname")
        .map_or("", |(_, v)| *v);
    format!("{:016x}", (pairs.len() + 1) * 7919 + rule.len())
}

/// Alertmanager's copy: Prometheus's labels plus the external label `cluster="eu"`.
pub fn am_alert(pairs: &[(&str, &str)], summary: &str, starts_at: i64) -> AmAlert {
    let l = labels(pairs).with("cluster", "eu");
    let rule = l.get("alertname").unwrap_or_default().to_owned();
    AmAlert {
        labels: l,
        annotations: labels(&[
            ("summary", summary),
            (
                "runbook_url",
                &format!("https://runbooks.example.com/{}", rule.to_lowercase()),
            ),
        ]),
        starts_at: Some(at(starts_at)),
        generator_url: Some(
            format!("http://prometheus:9090/graph?g0.expr=ALERTS%7Balertname%3D%22{rule}%22%7D")
                .into(),
        ),
        state: AmAlertState::Active,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
    }
}

pub fn silence(id: &str, alertname: &str, by: &str, comment: &str, starts: i64) -> Silence {
    Silence {
        id: id.into(),
        matchers: vec![
            Matcher {
                name: "alertname".into(),
                value: alertname.into(),
                is_regex: false,
                is_equal: true,
            },
            Matcher {
                name: "cluster".into(),
                value: "eu".into(),
                is_regex: false,
                is_equal: true,
            },
        ],
        starts_at: at(starts),
        ends_at: at(starts + 3600),
        created_by: by.into(),
        comment: comment.into(),
        state: SilenceState::Active,
        updated_at: Some(at(starts)),
    }
}

pub fn prom_update(at_secs: i64, alerts: Vec<PromAlert>) -> Msg {
    prom_update_with(at_secs, alerts, None, Vec::new())
}

pub fn prom_update_with(
    at_secs: i64,
    alerts: Vec<PromAlert>,
    fleet: Option<Vec<FleetRow>>,
    panels: Vec<(usize, Result<Vec<PanelSeries>, String>)>,
) -> Msg {
    Msg::Remote(Box::new(RemoteUpdate {
        source: PROM,
        at: at(at_secs),
        latency: Duration::from_millis(42),
        result: Ok(Payload::Prometheus(Box::new(PromSnapshot {
            alerts: Some(alerts),
            warnings: Vec::new(),
            fleet: fleet.map(Ok),
            panels,
        }))),
    }))
}

pub fn am_update(at_secs: i64, alerts: Vec<AmAlert>, silences: Vec<Silence>) -> Msg {
    am_update_failing(at_secs, alerts, silences, &[])
}

/// An answer of the Alertmanager pair, with `failing` members (URL, error).
pub fn am_update_failing(
    at_secs: i64,
    alerts: Vec<AmAlert>,
    silences: Vec<Silence>,
    failing: &[(&str, &str)],
) -> Msg {
    Msg::Remote(Box::new(RemoteUpdate {
        source: AM,
        at: at(at_secs),
        latency: Duration::from_millis(18),
        result: Ok(Payload::Alertmanager(Box::new(AmSnapshot {
            member: "http://alertmanager-0:9093".into(),
            alerts: Some(alerts),
            silences: Some(silences),
            version: Some("0.27.0".into()),
            members: 2,
            failing_members: failing
                .iter()
                .map(|(url, e)| (url.to_string(), e.to_string()))
                .collect(),
        }))),
    }))
}

pub fn failed_update(source: SourceId, at_secs: i64, kind: &str, message: &str) -> Msg {
    Msg::Remote(Box::new(RemoteUpdate {
        source,
        at: at(at_secs),
        latency: Duration::from_secs(10),
        result: Err(Failure {
            kind: kind.into(),
            message: message.into(),
        }),
    }))
}

pub const ACK_SILENCE: &str = "4b1f0c2e-9d3a-4c55-8e7f-61a2b3c4d5e6";
pub const MAINT_SILENCE: &str = "0d9e8f7a-1b2c-4d3e-9f4a-5b6c7d8e9f01";

const HIGH_ERRORS: &[(&str, &str)] = &[
    ("alertname", "HighErrorRate"),
    ("instance", "api-1:8080"),
    ("job", "api"),
    ("service", "checkout"),
    ("severity", "critical"),
];
const NODE_DOWN: &[(&str, &str)] = &[
    ("alertname", "NodeDown"),
    ("instance", "db-2:9100"),
    ("job", "node"),
    ("severity", "critical"),
];
const HIGH_LOAD: &[(&str, &str)] = &[
    ("alertname", "HostHighLoad"),
    ("instance", "db-2:9100"),
    ("job", "node"),
    ("severity", "warning"),
];
const DISK_FILLING: &[(&str, &str)] = &[
    ("alertname", "DiskWillFillIn4h"),
    ("instance", "db-3:9100"),
    ("job", "node"),
    ("mountpoint", "/var/lib/postgresql"),
    ("severity", "warning"),
];
const SLOW_QUERIES: &[(&str, &str)] = &[
    ("alertname", "PostgresSlowQueries"),
    ("instance", "db-1:9187"),
    ("job", "postgres"),
    ("severity", "warning"),
];
const BACKUP_FAILED: &[(&str, &str)] = &[
    ("alertname", "BackupFailed"),
    ("instance", "db-1:9187"),
    ("job", "postgres"),
    ("severity", "critical"),
];

/// What Prometheus and Alertmanager say; `backup` adds the alert that resolves.
fn mix(backup: bool) -> (Vec<PromAlert>, Vec<AmAlert>, Vec<Silence>) {
    use PromAlertState::{Firing, Pending};
    let mut prom = vec![
        prom_alert(
            Firing,
            HIGH_ERRORS,
            "5.2% of checkout requests fail on api-1 (threshold 1%)",
            -860,
        ),
        prom_alert(
            Firing,
            NODE_DOWN,
            "db-2:9100 has not answered for 2m",
            -1500,
        ),
        prom_alert(Firing, HIGH_LOAD, "load15 on db-2 is 14.2 (8 cores)", -1400),
        prom_alert(
            Firing,
            DISK_FILLING,
            "/var/lib/postgresql on db-3 fills in about 3h40m",
            -5400,
        ),
        prom_alert(
            Pending,
            SLOW_QUERIES,
            "p95 query time 2.4s on db-1 (threshold 1s)",
            -130,
        ),
    ];
    let mut acked = am_alert(NODE_DOWN, "db-2:9100 has not answered for 2m", -1490);
    acked.state = AmAlertState::Suppressed;
    acked.silenced_by = vec![ACK_SILENCE.into()];
    let mut inhibited = am_alert(HIGH_LOAD, "load15 on db-2 is 14.2 (8 cores)", -1390);
    inhibited.state = AmAlertState::Suppressed;
    inhibited.inhibited_by = vec![fingerprint_of(NODE_DOWN)];
    let mut silenced = am_alert(
        DISK_FILLING,
        "/var/lib/postgresql on db-3 fills in about 3h40m",
        -5390,
    );
    silenced.state = AmAlertState::Suppressed;
    silenced.silenced_by = vec![MAINT_SILENCE.into()];
    let mut am = vec![
        am_alert(
            HIGH_ERRORS,
            "5.2% of checkout requests fail on api-1 (threshold 1%)",
            -850,
        ),
        acked,
        inhibited,
        silenced,
    ];
    let silences = vec![
        silence(
            ACK_SILENCE,
            "NodeDown",
            "bob@ops-2",
            "ACK! rebooting db-2, ETA 15m",
            -360,
        ),
        silence(
            MAINT_SILENCE,
            "DiskWillFillIn4h",
            "carol",
            "volume migration tonight, CHG-4711",
            -7200,
        ),
    ];
    if backup {
        prom.push(prom_alert(
            Firing,
            BACKUP_FAILED,
            "nightly pg_dump of orders failed",
            -3600,
        ));
        am.push(am_alert(
            BACKUP_FAILED,
            "nightly pg_dump of orders failed",
            -3590,
        ));
    }
    (prom, am, silences)
}

/// Feeds the mix as two rounds of polls (BackupFailed resolves between them) and
/// ends with the clock at t0: critical firing from both sources, an ack, a silence,
/// an inhibition, a pending warning and a resolved alert.
pub fn feed_mix(state: &mut AppState) {
    let _ = update(state, Msg::Tick(at(-90)));
    let (prom, am, silences) = mix(true);
    let _ = update(state, prom_update(-90, prom));
    let _ = update(state, am_update(-89, am, silences));
    let (prom, am, silences) = mix(false);
    let _ = update(state, prom_update(-30, prom));
    let _ = update(state, am_update(-29, am, silences));
    let _ = update(state, Msg::Tick(common::t0()));
}

/// `state()` with the mix fed and the Alerts pane zoomed.
pub fn alerts_state() -> AppState {
    let mut s = state();
    feed_mix(&mut s);
    let _ = update(&mut s, Msg::Action(Action::Zoom(PaneId::Alerts)));
    s
}

/// Alertmanager's alerts of the mix as they now stand (for polls that follow).
pub fn mix_am() -> (Vec<AmAlert>, Vec<Silence>) {
    let (_, am, silences) = mix(false);
    (am, silences)
}

/// Moves the Alerts cursor to the first row named `alertname`.
pub fn select(state: &mut AppState, alertname: &str) -> Alert {
    let index = state
        .visible_alerts()
        .iter()
        .position(|a| a.name() == alertname)
        .unwrap_or_else(|| panic!("{alertname} is listed"));
    let _ = update(state, Msg::Action(Action::Top));
    for _ in 0..index {
        let _ = update(state, Msg::Action(Action::Down));
    }
    let selected = state
        .selected_alert()
        .expect("an alert is selected")
        .clone();
    assert_eq!(selected.name(), alertname);
    selected
}

/// The row named `alertname` as the pane now lists it.
pub fn row(state: &AppState, alertname: &str) -> Alert {
    state
        .remote
        .alerts
        .iter()
        .find(|a| a.name() == alertname)
        .unwrap_or_else(|| panic!("{alertname} is listed"))
        .clone()
}

/// Four node_exporter instances, one down, with CPU history.
pub fn fleet_rows() -> Vec<FleetRow> {
    let ramp = |base: f64, step: f64| -> Vec<f64> {
        (0..40)
            .map(|i| (base + step * f64::from(i % 10)).min(100.0))
            .collect()
    };
    vec![
        FleetRow {
            instance: "api-1:9100".into(),
            job: "node".into(),
            up: Some(true),
            cpu: Some(38.4),
            memory: Some(61.0),
            disk: Some(42.7),
            cpu_history: ramp(20.0, 3.0),
        },
        FleetRow {
            instance: "db-1:9100".into(),
            job: "node".into(),
            up: Some(true),
            cpu: Some(91.5),
            memory: Some(88.2),
            disk: Some(71.0),
            cpu_history: ramp(60.0, 4.0),
        },
        FleetRow {
            instance: "db-2:9100".into(),
            job: "node".into(),
            up: Some(false),
            cpu: None,
            memory: None,
            disk: None,
            cpu_history: Vec::new(),
        },
        FleetRow {
            instance: "db-3:9100".into(),
            job: "node".into(),
            up: Some(true),
            cpu: Some(12.0),
            memory: Some(47.5),
            disk: Some(96.3),
            cpu_history: ramp(5.0, 1.0),
        },
    ]
}

/// Results for the three panels of `CONFIG`.
pub fn panel_results() -> Vec<(usize, Result<Vec<PanelSeries>, String>)> {
    let series = |name: &str, value: f64, history: Vec<f64>| PanelSeries {
        name: name.into(),
        value,
        history,
    };
    let requests: Vec<f64> = (0..60)
        .map(|i| 1200.0 + 300.0 * (f64::from(i) / 6.0).sin())
        .collect();
    vec![
        (0, Ok(vec![series("{}", 0.734, Vec::new())])),
        (1, Ok(vec![series("{}", 1342.5, requests)])),
        (
            2,
            Ok(vec![
                series("checkout", 4.2, Vec::new()),
                series("payments", 0.75, Vec::new()),
                series("search", 0.05, Vec::new()),
            ]),
        ),
    ]
}
