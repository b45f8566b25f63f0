//! The Alerts pane's one list, merged from every source.
//!
//! The same alert seen through Prometheus and Alertmanager shows once, with all
//! its sources: they match on alertname and labels (one label set containing the
//! other, since Alertmanager's copy may carry Prometheus's external labels).

use super::filter::Filterable;
use super::sources::SourceId;
use crate::collect::alertmanager::{AmAlert, AmAlertState, Silence, SilenceState};
use crate::collect::prometheus::{PromAlert, PromAlertState};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::time::Duration;

pub type Labels = BTreeMap<String, String>;

/// How long an alert that disappeared stays listed as resolved.
pub const RESOLVED_KEPT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    Warning,
    Info,
    None,
}

impl Severity {
    pub fn from_labels(labels: &Labels) -> Severity {
        match labels
            .get("severity")
            .map(|s| s.to_ascii_lowercase())
            .as_deref()
        {
            Some("critical" | "page" | "error" | "p1" | "high") => Severity::Critical,
            Some("warning" | "warn" | "p2" | "p3" | "medium") => Severity::Warning,
            Some("info" | "informational" | "notice" | "p4" | "low") => Severity::Info,
            _ => Severity::None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "crit",
            Severity::Warning => "warn",
            Severity::Info => "info",
            Severity::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Pending,
    Firing,
    Acknowledged,
    Silenced,
    Inhibited,
    Resolved,
}

impl AlertState {
    pub fn label(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Acknowledged => "acked",
            AlertState::Silenced => "silenced",
            AlertState::Inhibited => "inhibited",
            AlertState::Resolved => "resolved",
        }
    }
}

/// An acknowledgement: an Alertmanager silence whose comment starts with `ACK!`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub silence_id: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub comment: String,
}

/// A silence this opsdeck just created, shown before Alertmanager reports the alert
/// as suppressed (it can take a poll or two).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAck {
    pub source: SourceId,
    pub labels: Labels,
    pub ack: Ack,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: Labels,
    pub severity: Severity,
    pub state: AlertState,
    /// When it started (`startsAt` / `activeAt`), never `endsAt`.
    pub since: Option<DateTime<Utc>>,
    pub sources: Vec<SourceId>,
    /// The Alertmanager that has it: acknowledging it silences there.
    pub alertmanager: Option<SourceId>,
    pub generator_url: Option<String>,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    pub ack: Option<Ack>,
    /// When it disappeared from every source.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Alert {
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    pub fn summary(&self) -> &str {
        ["summary", "description", "message"]
            .iter()
            .find_map(|k| self.annotations.get(*k))
            .map_or("", String::as_str)
    }

    /// A stable identity: the label set, as PromQL would write it.
    pub fn key(&self) -> String {
        label_key(&self.labels)
    }
}

pub fn label_key(labels: &Labels) -> String {
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// What the sources last said, kept per source so a failing one keeps its data.
#[derive(Debug, Clone, Default)]
pub struct AlertInputs {
    pub prometheus: BTreeMap<SourceId, Vec<PromAlert>>,
    pub alertmanager: BTreeMap<SourceId, Vec<AmAlert>>,
    pub silences: BTreeMap<SourceId, Vec<Silence>>,
    pub pending_acks: Vec<PendingAck>,
}

impl AlertInputs {
    pub fn silence(&self, source: SourceId, id: &str) -> Option<&Silence> {
        self.silences.get(&source)?.iter().find(|s| s.id == id)
    }

    /// Silences of the alert's Alertmanager that match its labels (any state but
    /// expired), for the details view.
    pub fn matching_silences(&self, alert: &Alert) -> Vec<&Silence> {
        let Some(source) = alert.alertmanager else {
            return Vec::new();
        };
        self.silences
            .get(&source)
            .map(|all| {
                all.iter()
                    .filter(|s| s.state != SilenceState::Expired && s.matches(&alert.labels))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// True when `comment` marks a silence as an acknowledgement (karma's convention).
pub fn is_ack_comment(comment: &str) -> bool {
    comment.trim_start().starts_with("ACK!")
}

/// Merges every source's alerts into one list, sorted for display; alerts of the
/// previous list that vanished while their sources were healthy stay as resolved
/// for `RESOLVED_KEPT`.
pub fn merge(
    inputs: &AlertInputs,
    previous: &[Alert],
    healthy: impl Fn(SourceId) -> bool,
    group_by: &str,
    now: DateTime<Utc>,
) -> Vec<Alert> {
    let mut alerts: Vec<Alert> = Vec::new();
    for (&source, list) in &inputs.alertmanager {
        for a in list {
            alerts.push(from_alertmanager(inputs, source, a));
        }
    }
    for (&source, list) in &inputs.prometheus {
        for p in list {
            let state = match p.state {
                PromAlertState::Pending => AlertState::Pending,
                PromAlertState::Firing => AlertState::Firing,
                PromAlertState::Inactive => continue,
            };
            let same = alerts
                .iter_mut()
                .find(|a| !a.sources.contains(&source) && same_alert(&a.labels, &p.labels));
            match same {
                Some(a) => {
                    a.sources.push(source);
                    a.since = earliest(a.since, p.active_at);
                    for (k, v) in &p.annotations {
                        a.annotations.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                None => alerts.push(Alert {
                    severity: Severity::from_labels(&p.labels),
                    labels: p.labels.clone(),
                    annotations: p.annotations.clone(),
                    state,
                    since: p.active_at,
                    sources: vec![source],
                    alertmanager: None,
                    generator_url: None,
                    silenced_by: Vec::new(),
                    inhibited_by: Vec::new(),
                    ack: None,
                    resolved_at: None,
                }),
            }
        }
    }
    for pending in &inputs.pending_acks {
        if let Some(a) = alerts
            .iter_mut()
            .find(|a| a.alertmanager == Some(pending.source) && a.labels == pending.labels)
            && a.ack.is_none()
        {
            a.state = AlertState::Acknowledged;
            a.ack = Some(pending.ack.clone());
        }
    }
    for old in previous {
        let still_listed = alerts.iter().any(|a| same_alert(&a.labels, &old.labels));
        let gone_for_real = old.sources.iter().all(|s| healthy(*s));
        let resolved_at = old.resolved_at.unwrap_or(now);
        let kept = (now - resolved_at)
            .to_std()
            .is_ok_and(|age| age < RESOLVED_KEPT);
        if !still_listed && (gone_for_real || old.resolved_at.is_some()) && kept {
            alerts.push(Alert {
                state: AlertState::Resolved,
                resolved_at: Some(resolved_at),
                ack: None,
                ..old.clone()
            });
        } else if !still_listed && !gone_for_real && old.resolved_at.is_none() {
            // Its source is failing: keep showing what it last said (marked stale).
            alerts.push(old.clone());
        }
    }
    sort(&mut alerts, group_by);
    alerts
}

fn from_alertmanager(inputs: &AlertInputs, source: SourceId, a: &AmAlert) -> Alert {
    let ack = a
        .silenced_by
        .iter()
        .filter_map(|id| inputs.silence(source, id))
        .find(|s| is_ack_comment(&s.comment))
        .map(|s| Ack {
            silence_id: s.id.clone(),
            by: s.created_by.clone(),
            at: s.starts_at,
            until: s.ends_at,
            comment: s.comment.clone(),
        });
    let state = match a.state {
        AmAlertState::Suppressed if ack.is_some() => AlertState::Acknowledged,
        AmAlertState::Suppressed if !a.silenced_by.is_empty() => AlertState::Silenced,
        AmAlertState::Suppressed if !a.inhibited_by.is_empty() => AlertState::Inhibited,
        // Suppressed with neither list: an older Alertmanager; call it silenced.
        AmAlertState::Suppressed => AlertState::Silenced,
        AmAlertState::Active | AmAlertState::Unprocessed => AlertState::Firing,
    };
    Alert {
        severity: Severity::from_labels(&a.labels),
        labels: a.labels.clone(),
        annotations: a.annotations.clone(),
        state,
        since: a.starts_at,
        sources: vec![source],
        alertmanager: Some(source),
        generator_url: a.generator_url.clone(),
        silenced_by: a.silenced_by.clone(),
        inhibited_by: a.inhibited_by.clone(),
        ack,
        resolved_at: None,
    }
}

/// The same alert: one label set contains the other (external labels aside).
fn same_alert(a: &Labels, b: &Labels) -> bool {
    let subset = |small: &Labels, big: &Labels| small.iter().all(|(k, v)| big.get(k) == Some(v));
    a.get("alertname") == b.get("alertname") && (subset(a, b) || subset(b, a))
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Group (when grouping), then resolved last, then severity, then newest first.
fn sort(alerts: &mut [Alert], group_by: &str) {
    alerts.sort_by(|a, b| {
        // With no group_by both read "" and compare equal.
        fn group<'a>(x: &'a Alert, by: &str) -> &'a str {
            x.labels.get(by).map_or("", String::as_str)
        }
        let resolved = |x: &Alert| x.state == AlertState::Resolved;
        group(a, group_by)
            .cmp(group(b, group_by))
            .then(resolved(a).cmp(&resolved(b)))
            .then(a.severity.cmp(&b.severity))
            .then(b.since.cmp(&a.since))
            .then_with(|| a.key().cmp(&b.key()))
    });
}

impl Filterable for Alert {
    fn text(&self) -> String {
        let labels: Vec<&str> = self.labels.values().map(String::as_str).collect();
        format!(
            "{} {} {} {}",
            self.state.label(),
            labels.join(" "),
            self.summary(),
            self.ack.as_ref().map_or("", |a| a.by.as_str())
        )
    }

    fn field(&self, name: &str) -> Option<String> {
        if let Some(v) = self.labels.get(name) {
            return Some(v.clone());
        }
        match name {
            "state" => Some(self.state.label().to_string()),
            // Matchers on a label the alert lacks compare with "", as in Alertmanager.
            _ => Some(String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::alertmanager::Matcher;
    use chrono::TimeZone;

    const PROM: SourceId = 0;
    const AM: SourceId = 1;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn prom(state: PromAlertState, pairs: &[(&str, &str)], active_at: i64) -> PromAlert {
        PromAlert {
            labels: labels(pairs),
            annotations: labels(&[("summary", "from prometheus")]),
            state,
            active_at: Some(t(active_at)),
            value: 1.0,
        }
    }

    fn am(pairs: &[(&str, &str)], starts_at: i64) -> AmAlert {
        AmAlert {
            fingerprint: label_key(&labels(pairs)),
            labels: labels(pairs),
            annotations: Labels::new(),
            starts_at: Some(t(starts_at)),
            ends_at: Some(t(starts_at + 3600)),
            updated_at: Some(t(starts_at)),
            generator_url: Some("http://prom:9090/graph?g0.expr=up".into()),
            state: AmAlertState::Active,
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
            receivers: vec!["oncall".into()],
        }
    }

    fn silence(id: &str, comment: &str, by: &str, alertname: &str) -> Silence {
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

    fn inputs(p: Vec<PromAlert>, a: Vec<AmAlert>, silences: Vec<Silence>) -> AlertInputs {
        let mut inputs = AlertInputs::default();
        inputs.prometheus.insert(PROM, p);
        inputs.alertmanager.insert(AM, a);
        inputs.silences.insert(AM, silences);
        inputs
    }

    fn merge_healthy(inputs: &AlertInputs, previous: &[Alert], now: i64) -> Vec<Alert> {
        merge(inputs, previous, |_| true, "", t(now))
    }

    fn names(alerts: &[Alert]) -> Vec<String> {
        alerts
            .iter()
            .map(|a| format!("{} {}", a.name(), a.state.label()))
            .collect()
    }

    const CPU: &[(&str, &str)] = &[
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
        assert_eq!(
            merged[0].labels.get("cluster").map(String::as_str),
            Some("eu")
        );
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
            .map(|a| (a.labels["instance"].as_str(), a.sources.clone()))
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
            merged[0].ack,
            Some(Ack {
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
        assert_eq!(merged[0].ack, Some(ack));
    }

    #[test]
    fn sorted_by_severity_then_newest_with_resolved_last() {
        let sev = |name: &'static str, severity: &'static str| {
            [("alertname", name), ("severity", severity)]
        };
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
        assert_eq!(list, before, "stale, not resolved");
        // However long it stays down.
        list = merge(&empty, &list, am_down, "", t(3600));
        assert_eq!(list, before);
    }

    #[test]
    fn since_is_the_earliest_start_never_the_end() {
        let mut a = am(CPU, -290);
        a.ends_at = Some(t(-400));
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
}
