//! `[[rule]]`: alert rules opsdeck evaluates itself (engine::rules), over the
//! local host's metrics and every `[[scrape]]`ed series (engine::promql).

use super::duration;
use crate::engine::rules::{RuleSpec, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    /// PromQL in opsdeck's supported subset (see README, "Local alert rules").
    pub expr: String,
    /// How long the condition must hold before the alert fires.
    #[serde(default, rename = "for", with = "duration")]
    pub for_: Duration,
    /// How long a firing alert stays firing after the condition clears.
    #[serde(default, with = "duration")]
    pub keep_firing_for: Duration,
    #[serde(default)]
    pub severity: RuleSeverity,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Templates: `{{ labels.instance }}`, `{{ value }}`, or Prometheus's
    /// `{{ $labels.instance }}` / `{{ $value }}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Minimum time between two notifications of the same alert.
    #[serde(default = "five_minutes", with = "duration")]
    pub cooldown: Duration,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Where the rule was written (set by `config::parse` and `add_host_rules`).
    #[serde(skip)]
    pub origin: RuleOrigin,
}

/// Where a rule comes from, for `opsdeck info`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RuleOrigin {
    /// Built in code, not read from any file (tests).
    #[default]
    Code,
    /// The embedded default's host rules (line in assets/default.toml).
    HostDefault { line: usize },
    /// The config file, at this line.
    File { line: usize },
    /// The config file, at this line, in place of the host rule of that name.
    ReplacesHostDefault { line: usize },
}

fn five_minutes() -> Duration {
    Duration::from_secs(300)
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuleSeverity {
    Critical,
    #[default]
    Warning,
    Info,
}

impl Rule {
    /// What the state machine needs of this rule.
    pub fn spec(&self) -> RuleSpec {
        RuleSpec {
            name: self.name.clone(),
            for_: self.for_,
            keep_firing_for: self.keep_firing_for,
            severity: match self.severity {
                RuleSeverity::Critical => Severity::Critical,
                RuleSeverity::Warning => Severity::Warning,
                RuleSeverity::Info => Severity::Info,
            },
            labels: self.labels.clone(),
            annotations: self.annotations.clone(),
            cooldown: self.cooldown,
        }
    }
}
