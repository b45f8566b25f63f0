//! The rules engine: the series the rules read (this host's metrics under
//! `opsdeck_*` names, and the scraped series they name), their evaluation with
//! Prometheus's semantics, and what follows from it (alerts, transitions for the
//! history, notifications due). Time comes in every call; no I/O, no app types:
//! the dashboard and `snapshot` drive it the same way (`app::local_rules`).

use super::{AlertPhase, RuleAlert, RuleSpec, RuleState, Transition};
use crate::collect::alertmanager::PostableAlert;
use crate::collect::expfmt::Scrape;
use crate::collect::model::ResourceSample;
use crate::engine::notify::Notification;
use crate::engine::promql::{Labels, Query, STALE_NAN, SeriesStore};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// How long samples are kept for range functions (`rate(x[5m])`, `avg_over_time`).
const RETENTION: Duration = Duration::from_secs(15 * 60);

/// How long a pushed firing alert stays valid in Alertmanager without a refresh.
const PUSH_VALID: Duration = Duration::from_secs(5 * 60);

/// Notifications and transitions kept when nobody takes them (no leader to
/// send or record): the newest win.
const OUTGOING_MAX: usize = 1000;

pub struct RuleEngine {
    store: SeriesStore,
    rules: Vec<(Query, RuleState)>,
    /// Metric names the rules read; `None`: a selector without a name, so every
    /// series is kept.
    wanted: Option<BTreeSet<String>>,
    /// Notifications due since the last `take_notifications`, bounded.
    outgoing: Vec<Notification>,
    /// Transitions since the last `take_events`, bounded.
    events: Vec<RuleEvent>,
    /// The series each scrape target (job, instance) exposed last time, so a
    /// failed scrape or a vanished series is marked stale at once.
    exposed: HashMap<(String, String), BTreeSet<Labels>>,
}

/// An alert went pending, fired or resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEvent {
    pub labels: Labels,
    pub transition: Transition,
    pub at: DateTime<Utc>,
}

impl std::fmt::Debug for RuleEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RuleEngine({} rules)", self.rules.len())
    }
}

impl Default for RuleEngine {
    fn default() -> Self {
        Self {
            store: SeriesStore::new(RETENTION),
            rules: Vec::new(),
            wanted: Some(BTreeSet::new()),
            outgoing: Vec::new(),
            events: Vec::new(),
            exposed: HashMap::new(),
        }
    }
}

impl RuleEngine {
    /// The rules, each an expression and its spec. A rule that does not
    /// compile was refused when the config was checked; one that slips
    /// through is logged, never dropped silently.
    pub fn new<'a>(rules: impl IntoIterator<Item = (&'a str, RuleSpec)>) -> RuleEngine {
        let mut engine = RuleEngine::default();
        for (expr, spec) in rules {
            let name = spec.name.clone();
            let (query, state) = match (Query::parse(expr), RuleState::new(spec)) {
                (Ok(query), Ok(state)) => (query, state),
                (Err(e), _) => {
                    tracing::error!("rule {name}: {e}");
                    continue;
                }
                (_, Err(e)) => {
                    tracing::error!("rule {name}: {e}");
                    continue;
                }
            };
            engine.want(expr);
            engine.rules.push((query, state));
        }
        engine
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Other queries read the series too (`query`): what they name is kept.
    pub fn read_also<'a>(&mut self, exprs: impl IntoIterator<Item = &'a str>) {
        exprs.into_iter().for_each(|expr| self.want(expr));
    }

    /// Keeps the series `expr` names (all, when it selects by labels alone).
    fn want(&mut self, expr: &str) {
        match (names_in(expr), &mut self.wanted) {
            (Some(names), Some(all)) => all.extend(names),
            _ => self.wanted = None,
        }
    }

    /// Whether anything reads the series (else none is kept).
    fn keeps_series(&self) -> bool {
        self.wanted.as_ref().is_none_or(|w| !w.is_empty())
    }

    /// Drops samples no query can read any more (the rules' evaluation does
    /// it each time; a follower, which never evaluates, before its queries).
    pub fn forget_old(&mut self, now: DateTime<Utc>) {
        let at_ms = now.timestamp_millis();
        self.store
            .forget_older_than(at_ms - RETENTION.as_millis() as i64);
    }

    /// One query over the series at `now` (a scaling metric on local series).
    pub fn query(&self, query: &Query, now: DateTime<Utc>) -> Result<Vec<(Labels, f64)>, String> {
        query.eval(&self.store, now.timestamp_millis())
    }

    /// Keeps one sample of a series (its labels name it).
    pub(super) fn push_series(&mut self, labels: Labels, at_ms: i64, value: f64) {
        if self.keeps_series() {
            self.store.push(labels, at_ms, value);
        }
    }

    /// Whether some rule reads the metric `name` (only those are kept).
    pub(super) fn wants(&self, name: &str) -> bool {
        self.wanted.as_ref().is_none_or(|w| w.contains(name))
    }

    /// Records this host's metrics from one sample.
    pub fn record_sample(&mut self, host: &str, s: &ResourceSample) {
        if !self.keeps_series() {
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
        let b = s.cpu_breakdown;
        put("opsdeck_cpu_iowait_percent", &[], f64::from(b.iowait));
        put("opsdeck_cpu_steal_percent", &[], f64::from(b.steal));
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
        if !self.keeps_series() {
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
        let mut now_exposed = BTreeSet::new();
        for family in scrape.iter().flat_map(|s| &s.families) {
            for sample in &family.samples {
                if !self.wants(&sample.name) {
                    continue;
                }
                let mut labels = target(&sample.name);
                for (k, v) in sample.labels.iter() {
                    // Prometheus keeps the target's job/instance (honor_labels: false).
                    if k != "job" && k != "instance" {
                        labels.insert(k.to_string(), v.to_string());
                    }
                }
                self.store.push(labels.clone(), at_ms, sample.value);
                now_exposed.insert(labels);
            }
        }
        let key = (job.to_string(), instance.to_string());
        let before = self
            .exposed
            .insert(key.clone(), now_exposed)
            .unwrap_or_default();
        let now_exposed = &self.exposed[&key];
        // As Prometheus does: what the target no longer gives (all of it, when
        // the scrape failed) has no value from now on, not its last one for 5m.
        for gone in before.difference(now_exposed) {
            self.store.push(gone.clone(), at_ms, STALE_NAN);
        }
    }

    /// Evaluates every rule at `now`. Returns the problems (rule, error) found.
    pub fn evaluate(&mut self, now: DateTime<Utc>) -> Vec<(String, String)> {
        let at_ms = now.timestamp_millis();
        self.forget_old(now);
        let mut problems = Vec::new();
        for (query, state) in &mut self.rules {
            state.set_error(None);
            match query.eval(&self.store, at_ms) {
                Ok(result) => {
                    for (fingerprint, transition) in state.apply(&result, now) {
                        if let Some(alert) = state.alert(fingerprint) {
                            self.events.push(RuleEvent {
                                labels: alert.labels.clone(),
                                transition,
                                at: now,
                            });
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
        self.alerts()
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

    /// The transitions since the last call, for the history.
    pub fn take_events(&mut self) -> Vec<RuleEvent> {
        std::mem::take(&mut self.events)
    }

    /// The notifications due since the last call.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        std::mem::take(&mut self.outgoing)
    }

    /// The alerts acknowledged or silenced now: no Firing notifications for
    /// them until that ends.
    pub fn set_acknowledged(&mut self, fingerprints: &BTreeSet<u64>) {
        for (_, state) in &mut self.rules {
            state.set_acknowledged(fingerprints);
        }
    }

    /// Takes the alerts the leader evaluated (`alerts`) as this engine's
    /// state: each rule gets its own, by name; nothing is queued.
    pub fn restore(&mut self, alerts: &[RuleAlert]) {
        for (_, state) in &mut self.rules {
            let name = state.spec().name.clone();
            state.restore(alerts.iter().filter(|a| a.rule == name).cloned());
        }
        self.outgoing.clear();
        self.events.clear();
    }

    /// Every rule's alerts (pending, firing, recently resolved).
    pub fn alerts(&self) -> impl Iterator<Item = &RuleAlert> {
        self.rules.iter().flat_map(|(_, state)| state.alerts())
    }
}

/// The metric names an expression selects, or `None` when a selector has no
/// name (then nothing can be filtered out).
/// The metric names `exprs` read together; `None` when one reads series by
/// labels alone (or does not parse), so that any series may be read.
pub fn metric_names<'a>(exprs: impl IntoIterator<Item = &'a str>) -> Option<BTreeSet<String>> {
    let mut all = BTreeSet::new();
    for expr in exprs {
        all.extend(names_in(expr)?);
    }
    Some(all)
}

fn names_in(expr: &str) -> Option<BTreeSet<String>> {
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
        let names = names_in(
            r#"histogram_quantile(0.95, sum by (le) (rate(http_seconds_bucket[5m]))) > 0.5 and up == 1"#,
        )
        .unwrap();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            vec!["http_seconds_bucket", "up"]
        );
        assert_eq!(names_in(r#"{job="app"} > 1"#), None);
        assert_eq!(metric_names(["a > 1", "b"]).map(|n| n.len()), Some(2));
        assert_eq!(metric_names(["a > 1", r#"{job="app"}"#]), None);
    }
}
