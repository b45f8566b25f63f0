//! Local alert rules in the state: the series they read (this host's metrics under
//! `opsdeck_*` names, and the scraped series they name), their evaluation on each
//! local sample, and their alerts as rows of the Alerts pane (source `local`).

use super::alerts::{Alert, AlertState};
use super::sources::SourceId;
use crate::collect::alertmanager::PostableAlert;
use crate::collect::expfmt::Scrape;
use crate::collect::model::ResourceSample;
use crate::config::Config;
use crate::engine::promql::{Labels, Query, SeriesStore};
use crate::engine::rules::{AlertPhase, RuleAlert, RuleState, Transition};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::time::Duration;

/// How long samples are kept for range functions (`rate(x[5m])`, `avg_over_time`).
const RETENTION: Duration = Duration::from_secs(15 * 60);

pub struct LocalRules {
    store: SeriesStore,
    rules: Vec<(Query, RuleState)>,
    /// Metric names the rules read from scrapes; `None`: a selector without a
    /// name, so every scraped series is kept.
    wanted: Option<BTreeSet<String>>,
    /// The `local` source in `Remote::sources`, when rules are configured.
    pub source: Option<SourceId>,
    /// Notifications due since the last `take_notifications`, bounded.
    outgoing: Vec<Notification>,
    /// Transitions since the last `take_events`, for the alerts' history.
    events: Vec<crate::store::acks::AlertEvent>,
    /// When local alerts were last posted to `[ack] push_local_to`.
    pub last_push: Option<DateTime<Utc>>,
}

pub use crate::engine::notify::Notification;

/// How often local alerts are posted to `[ack] push_local_to` while firing.
pub const PUSH_EVERY: Duration = Duration::from_secs(30);
/// How long a pushed firing alert stays valid in Alertmanager without a refresh.
const PUSH_VALID: Duration = Duration::from_secs(5 * 60);

/// Notifications kept when nobody takes them (no leader to send): the newest win.
const OUTGOING_MAX: usize = 1000;

impl std::fmt::Debug for LocalRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalRules({} rules)", self.rules.len())
    }
}

impl Default for LocalRules {
    fn default() -> Self {
        Self {
            store: SeriesStore::new(RETENTION),
            rules: Vec::new(),
            wanted: Some(BTreeSet::new()),
            source: None,
            outgoing: Vec::new(),
            events: Vec::new(),
            last_push: None,
        }
    }
}

impl LocalRules {
    /// The enabled rules of a validated config (a rule that does not compile was
    /// refused at load, so none is dropped here in practice).
    pub fn from_config(config: &Config) -> LocalRules {
        let mut local = LocalRules::default();
        let mut wanted = Some(BTreeSet::new());
        for rule in config.rule.iter().filter(|r| r.enabled) {
            let (Ok(query), Ok(state)) = (Query::parse(&rule.expr), RuleState::new(rule.spec()))
            else {
                continue;
            };
            match (metric_names(&rule.expr), &mut wanted) {
                (Some(names), Some(all)) => all.extend(names),
                _ => wanted = None,
            }
            local.rules.push((query, state));
        }
        local.wanted = wanted;
        local
    }

    /// The rules of `config`, with their `local` source added to `remote` (for the
    /// header mark and evaluation errors) when there are any.
    pub fn attach(config: &Config, remote: &mut super::remote::Remote) -> LocalRules {
        let mut local = LocalRules::from_config(config);
        if !local.is_empty() {
            local.source = Some(remote.sources.len());
            remote.sources.push(super::sources::Source::new(
                super::sources::SourceKind::Local,
                "rules",
                format!("{} rules", local.rules.len()),
                config.general.refresh,
            ));
        }
        local
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Records this host's metrics from one sample.
    pub fn record_sample(&mut self, host: &str, s: &ResourceSample) {
        if self.is_empty() {
            return;
        }
        let at = s.taken_at.timestamp_millis();
        let wanted = &self.wanted;
        let mut put = |name: &str, extra: &[(&str, &str)], value: f64| {
            // Only what some rule reads is kept (memory, and time per sample).
            if wanted.as_ref().is_some_and(|w| !w.contains(name)) {
                return;
            }
            let mut labels = Labels::new();
            labels.insert("__name__".into(), name.into());
            labels.insert("job".into(), "opsdeck".into());
            labels.insert("instance".into(), host.into());
            for (k, v) in extra {
                labels.insert((*k).into(), (*v).into());
            }
            self.store.push(labels, at, value);
        };
        put("opsdeck_cpu_usage_percent", &[], f64::from(s.cpu_total));
        for (i, core) in s.cpu_per_core.iter().enumerate() {
            let core_label = i.to_string();
            put(
                "opsdeck_cpu_core_usage_percent",
                &[("core", &core_label)],
                f64::from(*core),
            );
        }
        put("opsdeck_load1", &[], s.load.one);
        put("opsdeck_load5", &[], s.load.five);
        put("opsdeck_load15", &[], s.load.fifteen);
        put("opsdeck_memory_used_percent", &[], s.memory.percent());
        put("opsdeck_memory_used_bytes", &[], s.memory.used_bytes as f64);
        put(
            "opsdeck_memory_total_bytes",
            &[],
            s.memory.total_bytes as f64,
        );
        put("opsdeck_swap_used_percent", &[], s.swap.percent());
        put("opsdeck_processes", &[], s.process_count as f64);
        for f in &s.filesystems {
            let labels = [
                ("mountpoint", f.mount_point.as_str()),
                ("fstype", f.fs_type.as_str()),
                ("device", f.device.as_str()),
            ];
            put("opsdeck_filesystem_used_percent", &labels, f.used_percent());
            put(
                "opsdeck_filesystem_avail_bytes",
                &labels,
                f.available_bytes as f64,
            );
            put(
                "opsdeck_filesystem_size_bytes",
                &labels,
                f.total_bytes as f64,
            );
        }
        for n in &s.networks {
            let labels = [("interface", n.interface.as_str())];
            put(
                "opsdeck_network_receive_bytes_per_second",
                &labels,
                n.rx_bytes_per_sec,
            );
            put(
                "opsdeck_network_transmit_bytes_per_second",
                &labels,
                n.tx_bytes_per_sec,
            );
        }
    }

    /// Records a scrape's series (those the rules name) with `job` and `instance`
    /// labels as Prometheus adds them, and `up` for the target.
    pub fn record_scrape(
        &mut self,
        job: &str,
        instance: &str,
        scrape: Option<&Scrape>,
        at: DateTime<Utc>,
    ) {
        if self.is_empty() {
            return;
        }
        let at_ms = at.timestamp_millis();
        let target = |name: &str| {
            let mut labels = Labels::new();
            labels.insert("__name__".into(), name.into());
            labels.insert("job".into(), job.into());
            labels.insert("instance".into(), instance.into());
            labels
        };
        self.store
            .push(target("up"), at_ms, f64::from(u8::from(scrape.is_some())));
        let Some(scrape) = scrape else {
            return;
        };
        for family in &scrape.families {
            for sample in &family.samples {
                if self
                    .wanted
                    .as_ref()
                    .is_some_and(|w| !w.contains(&sample.name))
                {
                    continue;
                }
                let mut labels = target(&sample.name);
                for (k, v) in sample.labels.iter() {
                    // Prometheus keeps the target's job/instance (honor_labels: false).
                    if k != "job" && k != "instance" {
                        labels.insert(k.to_string(), v.to_string());
                    }
                }
                self.store.push(labels, at_ms, sample.value);
            }
        }
    }

    /// Evaluates every rule at `now`. Returns the problems (rule, error) found.
    pub fn evaluate(&mut self, now: DateTime<Utc>) -> Vec<(String, String)> {
        let at_ms = now.timestamp_millis();
        self.store
            .forget_older_than(at_ms - RETENTION.as_millis() as i64);
        let mut problems = Vec::new();
        for (query, state) in &mut self.rules {
            state.set_error(None);
            match query.eval(&self.store, at_ms) {
                Ok(result) => {
                    for (fingerprint, transition) in state.apply(&result, now) {
                        if let Some(alert) = state.alert(fingerprint) {
                            self.events.push(event(alert, transition, now));
                        }
                    }
                }
                Err(e) => state.set_error(Some(e)),
            }
            for due in state.due_notifications(now) {
                if let Some(alert) = state.alert(due.fingerprint) {
                    self.outgoing.push(Notification {
                        kind: due.kind,
                        alert: alert.clone(),
                    });
                }
            }
            if let Some(e) = state.error() {
                problems.push((state.spec().name.clone(), e.to_string()));
            }
        }
        let excess = self.outgoing.len().saturating_sub(OUTGOING_MAX);
        self.outgoing.drain(..excess);
        let excess = self.events.len().saturating_sub(OUTGOING_MAX);
        self.events.drain(..excess);
        problems
    }

    /// Firing and recently resolved alerts as Alertmanager takes them: a firing
    /// one ends a while ahead (each push moves it on), a resolved one when it
    /// resolved, so Alertmanager resolves it at once.
    pub fn postable(&self, now: DateTime<Utc>) -> Vec<PostableAlert> {
        self.rules
            .iter()
            .flat_map(|(_, state)| state.alerts())
            .filter_map(|a| {
                let ends_at = match a.phase {
                    AlertPhase::Pending => return None,
                    AlertPhase::Firing => now + chrono::Duration::from_std(PUSH_VALID).ok()?,
                    AlertPhase::Resolved => a.resolved_at?,
                };
                Some(PostableAlert {
                    labels: a.labels.clone(),
                    annotations: a.annotations.clone(),
                    starts_at: a.fired_at.unwrap_or(a.active_since),
                    ends_at,
                    generator_url: String::new(),
                })
            })
            .collect()
    }

    /// The transitions since the last call, for the store.
    pub fn take_events(&mut self) -> Vec<crate::store::acks::AlertEvent> {
        std::mem::take(&mut self.events)
    }

    /// The notifications due since the last call.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        std::mem::take(&mut self.outgoing)
    }

    /// Evaluates at `now`, marks the `local` source ok or failing (with the first
    /// rule's error), and hands the alerts to the Alerts pane's inputs.
    pub fn evaluate_into(&mut self, now: DateTime<Utc>, remote: &mut super::remote::Remote) {
        let problems = self.evaluate(now);
        if let Some(source) = self.source.and_then(|id| remote.sources.get_mut(id)) {
            match problems.first() {
                None => source.succeeded(now, Duration::ZERO),
                Some((rule, e)) => {
                    if source.error.is_none() {
                        tracing::warn!("rule {rule}: {e}");
                    }
                    source.failed(now, "rule", format!("rule {rule}: {e}"));
                }
            }
        }
        remote.alert_inputs.local = self.alerts();
    }

    /// Whether the Alerts pane has local alerts or acknowledgements to keep up
    /// with (otherwise nothing needs the store's acknowledgements).
    pub fn has_alerts(inputs: &super::alerts::AlertInputs) -> bool {
        !inputs.local.is_empty() || !inputs.local_acks.is_empty()
    }

    /// The rules' alerts as rows of the Alerts pane.
    pub fn alerts(&self) -> Vec<Alert> {
        let Some(source) = self.source else {
            return Vec::new();
        };
        self.rules
            .iter()
            .flat_map(|(_, state)| state.alerts())
            .map(|a| {
                let state = match a.phase {
                    AlertPhase::Pending => AlertState::Pending,
                    AlertPhase::Firing => AlertState::Firing,
                    AlertPhase::Resolved => AlertState::Resolved,
                };
                Alert {
                    resolved_at: a.resolved_at,
                    ..Alert::new(
                        source,
                        &a.labels,
                        &a.annotations,
                        state,
                        Some(a.active_since),
                    )
                }
            })
            .collect()
    }
}

fn event(
    alert: &RuleAlert,
    transition: Transition,
    at: DateTime<Utc>,
) -> crate::store::acks::AlertEvent {
    let kind = match transition {
        Transition::Pending => "pending",
        Transition::Firing => "fired",
        Transition::Resolved => "resolved",
    };
    crate::store::acks::AlertEvent {
        alert_key: super::alerts::label_key(&alert.labels),
        source: "local".into(),
        kind: kind.into(),
        at,
        labels: serde_json::to_value(&alert.labels).unwrap_or_default(),
    }
}

/// The `instance` label of a scrape target: host:port of its URL, as Prometheus
/// writes it.
pub fn scrape_instance(endpoint: &str) -> String {
    reqwest::Url::parse(endpoint)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| endpoint.to_string())
}

/// The metric names an expression selects, or `None` when a selector has no
/// name (then nothing can be filtered out).
fn metric_names(expr: &str) -> Option<BTreeSet<String>> {
    use promql_parser::parser::{self, Expr};
    fn walk(e: &Expr, out: &mut BTreeSet<String>) -> bool {
        match e {
            Expr::VectorSelector(v) => match &v.name {
                Some(name) => {
                    out.insert(name.clone());
                    true
                }
                None => false,
            },
            Expr::MatrixSelector(m) => walk(&Expr::VectorSelector(m.vs.clone()), out),
            Expr::Aggregate(a) => walk(&a.expr, out),
            Expr::Unary(u) => walk(&u.expr, out),
            Expr::Binary(b) => walk(&b.lhs, out) && walk(&b.rhs, out),
            Expr::Paren(p) => walk(&p.expr, out),
            Expr::Subquery(s) => walk(&s.expr, out),
            Expr::Call(c) => c.args.args.iter().all(|a| walk(a, out)),
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) => true,
            Expr::Extension(_) => false,
        }
    }
    let expr = parser::parse(expr).ok()?;
    let mut names = BTreeSet::new();
    walk(&expr, &mut names).then_some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_collected_or_everything_is_kept() {
        let names = metric_names(
            r#"histogram_quantile(0.95, sum by (le) (rate(http_seconds_bucket[5m]))) > 0.5 and up == 1"#,
        )
        .unwrap();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            vec!["http_seconds_bucket", "up"]
        );
        assert_eq!(metric_names(r#"{job="app"} > 1"#), None);
    }
}
