//! The Alerts pane's one list, merged from every source.
//!
//! The same alert seen through Prometheus and Alertmanager shows once, with all
//! its sources: they match on alertname and labels (one label set containing the
//! other, since Alertmanager's copy may carry Prometheus's external labels).

pub mod bell;
pub(crate) mod identity;
pub mod local;
mod local_patch;
mod local_splice;
mod merge;
pub mod resolved;
pub mod shared;
mod silences;
mod stale;
pub mod update;
pub mod view;
pub use identity::Extras;
pub use merge::{merge, merge_with};
pub use update::{Effect, Msg};

use super::filter::Filterable;
use super::sources::SourceId;
use crate::collect::alertmanager::{AmAlert, Silence, SilenceState};
use crate::collect::prometheus::PromAlert;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub type Labels = crate::labels::LabelSet;

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

impl Ack {
    pub fn from_silence(s: &Silence) -> Ack {
        Ack {
            silence_id: s.id.clone(),
            by: s.created_by.clone(),
            at: s.starts_at,
            until: s.ends_at,
            comment: s.comment.clone(),
        }
    }
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
    /// Shared with the source's copy: a storm's label sets are not copied
    /// into every row of every merge.
    pub labels: Labels,
    pub annotations: Labels,
    pub severity: Severity,
    pub state: AlertState,
    /// When it started (`startsAt` / `activeAt`), never `endsAt`.
    pub since: Option<DateTime<Utc>>,
    /// When it began firing, where a source says (Alertmanager's `startsAt`,
    /// a local rule's), for the history.
    pub fired_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourceId>,
    /// The Alertmanager that has it: acknowledging it silences there.
    pub alertmanager: Option<SourceId>,
    pub generator_url: Option<Arc<str>>,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    /// Boxed: most rows have none, and a storm has thousands of rows.
    pub ack: Option<Box<Ack>>,
    /// When it disappeared from every source.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Every source that reports it is failing: this is their last word.
    pub stale: bool,
}

impl Alert {
    /// An alert seen by one source, with nothing known yet of silences or acks.
    pub fn new(
        source: SourceId,
        labels: impl Into<Labels>,
        annotations: impl Into<Labels>,
        state: AlertState,
        since: Option<DateTime<Utc>>,
    ) -> Alert {
        let labels = labels.into();
        Alert {
            severity: Severity::from_labels(&labels),
            labels,
            annotations: annotations.into(),
            state,
            since,
            fired_at: None,
            sources: vec![source],
            alertmanager: None,
            generator_url: None,
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
            ack: None,
            resolved_at: None,
            stale: false,
        }
    }

    pub fn name(&self) -> &str {
        self.labels.get("alertname").unwrap_or("")
    }

    pub fn summary(&self) -> &str {
        ["summary", "description", "message"]
            .iter()
            .find_map(|k| self.annotations.get(k))
            .unwrap_or("")
    }

    /// The incident level, from the severity label (critical P1, warning P2,
    /// info P3, anything else P4).
    /// `overrides` (`[ui.alerts] levels`) come first.
    pub fn level(
        &self,
        overrides: &[crate::engine::incident::LevelRule],
    ) -> crate::engine::incident::Level {
        let severity = self.labels.get("severity");
        crate::engine::incident::level_for(severity, &self.labels, overrides)
    }

    /// Time left to the level's response target while the alert fires and nobody
    /// has acknowledged it; negative once breached.
    pub fn response_left(
        &self,
        level: crate::engine::incident::Level,
        now: DateTime<Utc>,
    ) -> Option<chrono::Duration> {
        // A stale alert may have resolved meanwhile: no deadline is counted.
        if self.state != AlertState::Firing || self.stale {
            return None;
        }
        let since = self.since?;
        crate::engine::incident::response_left(level, since, self.ack.is_some(), now)
    }

    /// A stable identity: the label set, as PromQL would write it.
    pub fn key(&self) -> String {
        label_key(&self.labels)
    }
}

pub fn label_key<K: AsRef<str>, V: AsRef<str>>(labels: impl IntoIterator<Item = (K, V)>) -> String {
    let parts: Vec<String> = labels
        .into_iter()
        .map(|(k, v)| format!("{}={:?}", k.as_ref(), v.as_ref()))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// What the sources last said, kept per source so a failing one keeps its data.
#[derive(Debug, Clone, Default)]
pub struct AlertInputs {
    pub prometheus: BTreeMap<SourceId, Vec<PromAlert>>,
    pub alertmanager: BTreeMap<SourceId, Vec<AmAlert>>,
    pub silences: BTreeMap<SourceId, Vec<Silence>>,
    /// Each silence's matchers compiled once, when it arrives (same order).
    pub silence_matchers: BTreeMap<SourceId, Vec<Vec<crate::engine::matcher::Matcher>>>,
    pub pending_acks: Vec<PendingAck>,
    /// opsdeck's own rules' alerts, already as rows.
    pub local: Vec<Alert>,
    /// Open acknowledgements of those, from the store (every opsdeck on the host).
    pub local_acks: Vec<crate::store::acks::StoredAck>,
}

/// The id a local acknowledgement goes by where a silence id would be.
pub fn local_ack_id(id: i64) -> String {
    format!("local-{id}")
}

impl AlertInputs {
    /// An Alertmanager's silences, their matchers compiled once here.
    pub fn set_silences(&mut self, source: SourceId, silences: Vec<Silence>) {
        let compiled = silences.iter().map(Silence::compile).collect();
        self.silence_matchers.insert(source, compiled);
        self.silences.insert(source, silences);
    }

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

/// The same alert: one label set contains the other (external labels aside).
fn same_alert(a: &Labels, b: &Labels) -> bool {
    #[cfg(test)]
    identity::count_comparison();
    let subset = |small: &Labels, big: &Labels| small.iter().all(|(k, v)| big.get(k) == Some(v));
    a.get("alertname") == b.get("alertname") && (subset(a, b) || subset(b, a))
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Alert {
    /// The text a text filter searches (state, label values, summary, who
    /// acknowledged it), written into `buf`: a filter pass over a storm then
    /// allocates nothing per alert.
    pub fn write_text(&self, buf: &mut String) {
        buf.push_str(self.state.label());
        buf.push(' ');
        for (i, value) in self.labels.values().enumerate() {
            if i > 0 {
                buf.push(' ');
            }
            buf.push_str(value);
        }
        buf.push(' ');
        buf.push_str(self.summary());
        buf.push(' ');
        buf.push_str(self.ack.as_ref().map_or("", |a| a.by.as_str()));
    }

    /// The parts [`Alert::write_text`] joins with spaces.
    pub fn text_parts(&self) -> impl Iterator<Item = &str> {
        let ack_by = self.ack.as_ref().map_or("", |a| a.by.as_str());
        std::iter::once(self.state.label())
            .chain(self.labels.values())
            .chain([self.summary(), ack_by])
    }
}

impl Filterable for Alert {
    fn text(&self) -> String {
        let mut text = String::new();
        self.write_text(&mut text);
        text
    }

    fn field(&self, name: &str) -> Option<String> {
        if let Some(v) = self.labels.get(name) {
            return Some(v.to_owned());
        }
        match name {
            "state" => Some(self.state.label().to_string()),
            // Matchers on a label the alert lacks compare with "", as in Alertmanager.
            _ => Some(String::new()),
        }
    }
}

#[cfg(test)]
mod local_splice_tests;
#[cfg(test)]
mod scale_tests;
#[cfg(test)]
mod tests;
