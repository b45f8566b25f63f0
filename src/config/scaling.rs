//! `[[scaling]]` with its `[[scaling.metric]]`s and `[scaling.behavior]`:
//! targets the autoscaler evaluates with the Kubernetes HPA rule.
//!
//! ```toml
//! [[scaling]]
//! name = "web"
//! current = { query = 'count(up{job="web"} == 1)' }
//! min = 2
//! max = 10
//! executor = ["kubectl", "scale", "deployment/web", "--replicas={replicas}"]
//!
//! [[scaling.metric]]
//! name = "cpu"
//! query = 'avg(rate(process_cpu_seconds_total{job="web"}[1m])) * 100'
//! target = 70
//! ```
//!
//! `check` refuses what HPA refuses (min above max, a policy period over
//! 30 minutes, a stabilisation window over an hour) and what would make a
//! decision meaningless or unsafe (no metric, a target of 0, a placeholder in
//! the executor other than `{replicas}` and `{name}`), and returns the
//! targets as the runtime runs them.

use super::duration;
use crate::engine::scaling::{
    Behavior, Current, MetricSpec, Mode, Policy, PolicyKind, Query, ScalerSpec, Select, Source,
    TargetSpec,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    pub name: String,
    pub current: CurrentSource,
    #[serde(default = "one")]
    pub min: u32,
    pub max: u32,
    #[serde(default = "every_15s", with = "duration")]
    pub interval: Duration,
    #[serde(default)]
    pub mode: ModeName,
    pub executor: Vec<String>,
    /// How long the executor may run before its process group is killed.
    #[serde(default = "one_minute", with = "duration")]
    pub timeout: Duration,
    #[serde(default = "tenth")]
    pub tolerance: f64,
    /// `[[prometheus]]` by name for the queries, or "local"; default: the
    /// first `[[prometheus]]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<BehaviorConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CurrentSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ModeName {
    #[default]
    Recommend,
    Auto,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub name: String,
    pub query: String,
    pub target: f64,
    /// average (per replica) or value (in total); both scale the current
    /// count by value / target, as HPA does.
    #[serde(default, rename = "type")]
    pub kind: MetricType,
    /// Overrides the target's `source` for this metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    #[default]
    Average,
    Value,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BehaviorConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<RulesConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<RulesConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub stabilization: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<SelectName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<PolicyConfig>>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SelectName {
    Max,
    Min,
    Disabled,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    #[serde(rename = "type")]
    pub kind: PolicyType,
    pub value: u32,
    #[serde(with = "duration")]
    pub period: Duration,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    Pods,
    Percent,
}

fn one() -> u32 {
    1
}
fn every_15s() -> Duration {
    Duration::from_secs(15)
}
fn one_minute() -> Duration {
    Duration::from_secs(60)
}
fn tenth() -> f64 {
    0.1
}

/// HPA's bounds: a policy's period at most 30 minutes, a window at most an hour.
const MAX_PERIOD: Duration = Duration::from_secs(1800);
const MAX_WINDOW: Duration = Duration::from_secs(3600);

/// Semantic checks of every `[[scaling]]` (tables `scaling.{i}`,
/// `scaling.{i}.metric.{j}`); `prometheus` are the names a source may use.
pub fn check(
    targets: &[Scaling],
    prometheus: &[&str],
    err: &mut impl FnMut(&str, &str, String),
) -> Vec<TargetSpec> {
    let mut names = BTreeSet::new();
    let mut specs = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let table = format!("scaling.{i}");
        let mut ok = true;
        let mut fail = |table: &str, key: &str, message: String| {
            ok = false;
            err(table, key, message);
        };
        if t.name.trim().is_empty() {
            fail(&table, "name", "must not be empty".into());
        } else if !names.insert(t.name.as_str()) {
            let message = format!("another [[scaling]] is already named {:?}", t.name);
            fail(&table, "name", message);
        }
        check_bounds(t, &table, &mut fail);
        check_executor(&t.executor, &table, &mut fail);
        let default_source = source(t.source.as_deref(), prometheus, &table, "source", &mut fail);
        let current = current(t, &default_source, &table, &mut fail);
        if t.metric.is_empty() {
            fail(
                &table,
                "metric",
                "a target needs at least one [[scaling.metric]]".into(),
            );
        }
        let mut metric_names = BTreeSet::new();
        let mut metrics = Vec::new();
        let mut queries = Vec::new();
        for (j, m) in t.metric.iter().enumerate() {
            let mtable = format!("{table}.metric.{j}");
            if !metric_names.insert(m.name.as_str()) {
                fail(
                    &mtable,
                    "name",
                    format!("another metric of this target is named {:?}", m.name),
                );
            }
            if !(m.target.is_finite() && m.target > 0.0) {
                fail(
                    &mtable,
                    "target",
                    format!("must be a number above 0 (it is {})", m.target),
                );
            }
            check_query(&m.query, &mtable, "query", &mut fail);
            let msource = match &m.source {
                Some(s) => source(Some(s), prometheus, &mtable, "source", &mut fail),
                None => default_source.clone(),
            };
            metrics.push(MetricSpec {
                name: m.name.clone(),
                target: m.target,
            });
            queries.push(Query {
                expr: m.query.clone(),
                source: msource,
            });
        }
        let behavior = behavior(t.behavior.as_ref(), &table, &mut fail);
        if ok && let Some(current) = current {
            specs.push(TargetSpec {
                scaler: ScalerSpec {
                    name: t.name.clone(),
                    min: t.min,
                    max: t.max,
                    tolerance: t.tolerance,
                    metrics,
                    behavior,
                },
                interval: t.interval,
                mode: match t.mode {
                    ModeName::Recommend => Mode::Recommend,
                    ModeName::Auto => Mode::Auto,
                },
                executor: t.executor.clone(),
                timeout: t.timeout,
                current,
                metrics: queries,
            });
        }
    }
    specs
}

fn check_bounds(t: &Scaling, table: &str, fail: &mut impl FnMut(&str, &str, String)) {
    if t.max == 0 {
        fail(table, "max", "must be at least 1".into());
    }
    if t.min > t.max {
        fail(
            table,
            "min",
            format!("must not be above max ({} > {})", t.min, t.max),
        );
    }
    if t.interval < Duration::from_secs(1) || t.interval > Duration::from_secs(3600) {
        fail(table, "interval", "must be between 1s and 1h".into());
    }
    if t.timeout < Duration::from_secs(1) || t.timeout > Duration::from_secs(3600) {
        fail(table, "timeout", "must be between 1s and 1h".into());
    }
    if !(0.0..1.0).contains(&t.tolerance) {
        fail(
            table,
            "tolerance",
            format!("must be at least 0 and below 1 (it is {})", t.tolerance),
        );
    }
}

/// argv with `{replicas}` and `{name}`, and no other placeholder: what
/// opsdeck puts in is its own number and the target's name.
fn check_executor(argv: &[String], table: &str, fail: &mut impl FnMut(&str, &str, String)) {
    if argv.first().is_none_or(|p| p.is_empty()) {
        fail(table, "executor", "must name a program, e.g. [\"kubectl\", \"scale\", \"deployment/web\", \"--replicas={replicas}\"]".into());
        return;
    }
    if !argv.iter().any(|a| a.contains("{replicas}")) {
        fail(
            table,
            "executor",
            "must pass {replicas} somewhere (the count opsdeck decided)".into(),
        );
    }
    for arg in argv {
        let rest = arg.replace("{replicas}", "").replace("{name}", "");
        if let Some(start) = rest.find('{')
            && rest[start..].contains('}')
        {
            let end = start + rest[start..].find('}').unwrap_or(0);
            let placeholder = &rest[start..=end];
            fail(
                table,
                "executor",
                format!(
                    "{placeholder} is not a placeholder: only {{replicas}} and {{name}} are filled in"
                ),
            );
        }
    }
}

fn check_query(query: &str, table: &str, key: &str, fail: &mut impl FnMut(&str, &str, String)) {
    if let Err(e) = super::promql::check(query) {
        fail(table, key, e.to_string());
    }
}

/// "local", a `[[prometheus]]` by name, or (none given) the first one.
fn source(
    name: Option<&str>,
    prometheus: &[&str],
    table: &str,
    key: &str,
    fail: &mut impl FnMut(&str, &str, String),
) -> Source {
    match name {
        Some("local") => Source::Local,
        Some(name) if prometheus.contains(&name) => Source::Prometheus(name.to_string()),
        Some(name) => {
            let known = if prometheus.is_empty() {
                "none is configured".to_string()
            } else {
                prometheus.join(", ")
            };
            fail(
                table,
                key,
                format!("no [[prometheus]] is named {name:?} (\"local\", or one of: {known})"),
            );
            Source::Local
        }
        None => match prometheus.first() {
            Some(first) => Source::Prometheus((*first).to_string()),
            None => Source::Local,
        },
    }
}

fn current(
    t: &Scaling,
    source: &Source,
    table: &str,
    fail: &mut impl FnMut(&str, &str, String),
) -> Option<Current> {
    let ctable = format!("{table}.current");
    match (&t.current.query, t.current.command.is_empty()) {
        (Some(q), true) => {
            check_query(q, &ctable, "query", fail);
            Some(Current::Query(Query {
                expr: q.clone(),
                source: source.clone(),
            }))
        }
        (None, false) => {
            if t.current.command[0].is_empty() {
                fail(&ctable, "command", "must name a program".into());
                return None;
            }
            Some(Current::Command(t.current.command.clone()))
        }
        _ => {
            fail(table, "current", "needs exactly one of query and command, e.g. { query = 'count(up{job=\"web\"} == 1)' }".into());
            None
        }
    }
}

fn behavior(
    b: Option<&BehaviorConfig>,
    table: &str,
    fail: &mut impl FnMut(&str, &str, String),
) -> Behavior {
    let mut out = Behavior::default();
    let Some(b) = b else { return out };
    for (key, given, rules) in [
        ("scale_up", &b.scale_up, &mut out.up),
        ("scale_down", &b.scale_down, &mut out.down),
    ] {
        let Some(given) = given else { continue };
        let rtable = format!("{table}.behavior");
        if let Some(window) = given.stabilization {
            if window > MAX_WINDOW {
                fail(
                    &rtable,
                    key,
                    "stabilization must be at most 1h (as in HPA)".into(),
                );
            }
            rules.stabilization = window;
        }
        if let Some(select) = given.select {
            rules.select = match select {
                SelectName::Max => Select::Max,
                SelectName::Min => Select::Min,
                SelectName::Disabled => Select::Disabled,
            };
        }
        if let Some(policies) = &given.policies {
            rules.policies = policies_of(policies, &rtable, key, fail);
        }
    }
    out
}

fn policies_of(
    given: &[PolicyConfig],
    table: &str,
    key: &str,
    fail: &mut impl FnMut(&str, &str, String),
) -> Vec<Policy> {
    if given.is_empty() {
        fail(table, key, "policies must not be empty (leave them out for HPA's defaults, or select = \"disabled\")".into());
    }
    given
        .iter()
        .map(|p| {
            if p.value == 0 {
                fail(table, key, "a policy's value must be at least 1".into());
            }
            if p.period.is_zero() || p.period > MAX_PERIOD {
                fail(
                    table,
                    key,
                    "a policy's period must be between 1s and 30m (as in HPA)".into(),
                );
            }
            Policy {
                kind: match p.kind {
                    PolicyType::Pods => PolicyKind::Pods,
                    PolicyType::Percent => PolicyKind::Percent,
                },
                value: p.value,
                period: p.period,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "scaling_tests.rs"]
mod tests;
