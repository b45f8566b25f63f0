//! A scaling target as the runtime runs it, validated from `[[scaling]]`:
//! where its current replicas and metrics come from, how often it is
//! evaluated, and what carries a decision out.

use super::ScalerSpec;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    pub scaler: ScalerSpec,
    pub interval: Duration,
    pub mode: Mode,
    /// argv; `{replicas}` and `{name}` are filled in by opsdeck, nothing else.
    pub executor: Vec<String>,
    /// The executor's (and a `current` command's) time limit.
    pub timeout: Duration,
    pub current: Current,
    /// Each metric's source, in `scaler.metrics` order.
    pub metrics: Vec<Query>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Decide and show; carry out only what an operator approves with `s`.
    Recommend,
    /// The leader carries out each decision.
    Auto,
}

/// Where the current replica count comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Current {
    Query(Query),
    /// argv whose output is the count.
    Command(Vec<String>),
}

/// A PromQL query and what answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub expr: String,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A `[[prometheus]]`, by name.
    Prometheus(String),
    /// opsdeck's own series (this host's and the scrapes'), as the rules read them.
    Local,
}

impl TargetSpec {
    /// The executor's argv for `replicas`: only opsdeck's own values go in,
    /// so nothing from a metric or a label reaches a command line.
    pub fn command(&self, replicas: u32) -> Vec<String> {
        executor_argv(&self.executor, &self.scaler.name, replicas)
    }
}

impl TargetSpec {
    /// The queries answered by opsdeck's own series (`source = "local"`).
    pub fn local_queries(&self) -> impl Iterator<Item = &str> {
        let current = match &self.current {
            Current::Query(q) => Some(q),
            Current::Command(_) => None,
        };
        current
            .into_iter()
            .chain(&self.metrics)
            .filter(|q| q.source == Source::Local)
            .map(|q| q.expr.as_str())
    }
}

/// `executor` with `{replicas}` and `{name}` filled in.
pub fn executor_argv(executor: &[String], name: &str, replicas: u32) -> Vec<String> {
    let n = replicas.to_string();
    executor
        .iter()
        .map(|a| a.replace("{replicas}", &n).replace("{name}", name))
        .collect()
}
