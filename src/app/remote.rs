//! What remote sources report, as the state keeps it: alerts (merged in `alerts`),
//! fleet rows, PromQL panels and `/metrics` scrapes. A failed poll changes only the
//! source's health; its last good data stays on screen, marked stale.

use super::alerts::{self, Alert, AlertInputs};
use super::sources::{Source, SourceId, SourceKind};
use crate::collect::alertmanager::{AmAlert, Silence};
use crate::collect::expfmt::Scrape;
use crate::collect::prometheus::PromAlert;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// One instance of the fleet, from node_exporter series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetRow {
    pub instance: String,
    pub job: String,
    pub up: Option<bool>,
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
    /// The fullest filesystem, in percent used.
    pub disk: Option<f64>,
    /// CPU % over the fleet range, oldest first (from `query_range`).
    pub cpu_history: Vec<f64>,
}

/// A panel's latest result: one value per series, and for range panels the points.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSeries {
    pub name: String,
    pub value: f64,
    pub history: Vec<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanelView {
    /// The Prometheus it asks: when that fails, the panel's values are stale.
    pub source: Option<SourceId>,
    pub series: Vec<PanelSeries>,
    pub updated: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

impl PanelView {
    /// One empty view a `[[panel]]`, each knowing the Prometheus it asks (a
    /// Prometheus's index among the sections is its `SourceId`: they come first).
    pub fn for_config(config: &crate::config::Config) -> Vec<PanelView> {
        config
            .panel
            .iter()
            .map(|panel| PanelView {
                source: panel.prometheus_index(&config.prometheus),
                ..PanelView::default()
            })
            .collect()
    }
}

/// The last scrape of a `[[scrape]]` endpoint: the series the rules read (the
/// rest were dropped while parsing and are only counted, `Scrape::dropped`).
#[derive(Debug, Clone)]
pub struct ScrapeView {
    pub scrape: Arc<Scrape>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct PromSnapshot {
    /// `None`: the same as the last poll's (the poller compared them).
    pub alerts: Option<Vec<PromAlert>>,
    pub warnings: Vec<String>,
    /// `None` when fleet rows are off for this Prometheus.
    pub fleet: Option<Result<Vec<FleetRow>, String>>,
    /// Results for the panels that ask this Prometheus, by panel index.
    pub panels: Vec<(usize, Result<Vec<PanelSeries>, String>)>,
}

#[derive(Debug, Clone)]
pub struct AmSnapshot {
    /// The member that answered.
    pub member: String,
    /// `None`: the same as the last poll's (the poller compared them).
    pub alerts: Option<Vec<AmAlert>>,
    pub silences: Option<Vec<Silence>>,
    pub version: Option<String>,
    /// How many members the cluster has, and those that did not answer
    /// (URL, error): failover hides them otherwise.
    pub members: usize,
    pub failing_members: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub enum Payload {
    Prometheus(Box<PromSnapshot>),
    Alertmanager(Box<AmSnapshot>),
    Scrape(Arc<Scrape>),
    /// A `[[notifier]]` delivered a message.
    Delivered,
}

/// One poll of one source.
#[derive(Debug, Clone)]
pub struct RemoteUpdate {
    pub source: SourceId,
    pub at: DateTime<Utc>,
    pub latency: Duration,
    pub result: Result<Payload, Failure>,
}

/// Everything the remote sources feed, owned by `AppState`.
#[derive(Debug, Clone, Default)]
pub struct Remote {
    pub sources: Vec<Source>,
    pub alert_inputs: AlertInputs,
    pub alerts: Vec<Alert>,
    /// Label names Alertmanager's copies add (external labels), learned by
    /// the merges.
    pub extras: alerts::Extras,
    /// Counts the merges, so views of `alerts` know when they are out of date.
    pub generation: u64,
    /// Resolved alerts beyond the rows kept (a storm that ended).
    pub unlisted: alerts::resolved::Unlisted,
    /// When a resolved row or count expires: merged again then.
    pub resolved_due: Option<DateTime<Utc>>,
    /// The alertnames of rows a remote source lists (or listed), as of the
    /// last whole merge: a local alert of another name cannot join one of
    /// them, so a change of local alerts alone is merged on its own.
    pub remote_alertnames: HashSet<Box<str>>,
    pub fleet: BTreeMap<SourceId, Vec<FleetRow>>,
    pub fleet_error: BTreeMap<SourceId, String>,
    pub panels: Vec<PanelView>,
    pub scrapes: BTreeMap<SourceId, ScrapeView>,
}

impl Remote {
    pub fn healthy(&self, id: SourceId) -> bool {
        self.sources.get(id).is_some_and(|s| s.error.is_none())
    }

    /// Applies one poll. Returns whether the alert list must be merged again:
    /// an alert list or the source's health changed (an unchanged list comes
    /// as `None` and costs nothing, whatever its length).
    pub fn apply(&mut self, update: RemoteUpdate) -> bool {
        let Some(source) = self.sources.get_mut(update.source) else {
            return false;
        };
        let payload = match update.result {
            Err(f) => {
                let was_healthy = source.error.is_none();
                if was_healthy {
                    tracing::warn!("{} {}: {}", source.kind.label(), source.name, f.message);
                }
                source.failed(update.at, &f.kind, f.message);
                // Resolved-vs-stale decisions depend on health.
                return was_healthy;
            }
            Ok(p) => p,
        };
        let recovered = source.error.is_some();
        if recovered {
            tracing::info!("{} {}: answering again", source.kind.label(), source.name);
        }
        source.succeeded(update.at, update.latency);
        let (id, at) = (update.source, update.at);
        match payload {
            Payload::Prometheus(p) => self.apply_prometheus(id, at, *p) || recovered,
            Payload::Alertmanager(a) => self.apply_alertmanager(id, at, *a) || recovered,
            Payload::Delivered => false,
            Payload::Scrape(scrape) => {
                let notes = [scrape.summary(), scrape.kept_note()];
                let notes: Vec<String> = notes.into_iter().flatten().collect();
                source.note = (!notes.is_empty()).then(|| notes.join("; "));
                source.partial = match (scrape.unparsable, &scrape.truncated) {
                    (0, None) => None,
                    (0, Some(_)) => Some("truncated".into()),
                    (n, _) => Some(format!("{n} unparsable")),
                };
                self.scrapes.insert(
                    id,
                    ScrapeView {
                        scrape,
                        at: update.at,
                    },
                );
                false
            }
        }
    }

    /// Returns whether its alerts changed.
    fn apply_prometheus(&mut self, id: SourceId, at: DateTime<Utc>, p: PromSnapshot) -> bool {
        let Some(source) = self.sources.get_mut(id) else {
            return false;
        };
        let warnings = (!p.warnings.is_empty()).then(|| p.warnings.join("; "));
        if warnings.is_some() && warnings != source.note {
            tracing::warn!("prometheus {}: {}", source.name, p.warnings.join("; "));
        }
        source.note = warnings;
        let changed = p.alerts.is_some();
        if let Some(alerts) = p.alerts {
            self.alert_inputs.prometheus.insert(id, alerts);
        }
        match p.fleet {
            Some(Ok(rows)) => {
                self.fleet.insert(id, rows);
                self.fleet_error.remove(&id);
            }
            Some(Err(e)) => {
                self.fleet_error.insert(id, e);
            }
            None => {}
        }
        for (index, result) in p.panels {
            let Some(view) = self.panels.get_mut(index) else {
                continue;
            };
            match result {
                Ok(series) => {
                    view.series = series;
                    view.updated = Some(at);
                    view.error = None;
                }
                Err(e) => view.error = Some(e),
            }
        }
        changed
    }

    /// Returns whether its alerts, its silences or the acks waiting for them
    /// changed.
    fn apply_alertmanager(&mut self, id: SourceId, at: DateTime<Utc>, a: AmSnapshot) -> bool {
        let Some(source) = self.sources.get_mut(id) else {
            return false;
        };
        source.endpoint = a.member;
        let failing: Vec<String> = a
            .failing_members
            .iter()
            .map(|(url, _)| url.clone())
            .collect();
        let was: Vec<String> = source
            .members
            .failing
            .iter()
            .map(|(url, _)| url.clone())
            .collect();
        for (url, error) in &a.failing_members {
            if !was.contains(url) {
                tracing::warn!("alertmanager {}: member {url} fails: {error}", source.name);
            }
        }
        for url in was.iter().filter(|u| !failing.contains(u)) {
            tracing::info!("alertmanager {}: member {url} answers again", source.name);
        }
        source.members = super::sources::Members {
            total: a.members,
            failing: a.failing_members,
        };
        source.partial = source.members.summary();
        // The version is asked for only now and then; keep the last one.
        if let Some(v) = a.version {
            source.note = Some(format!("Alertmanager {v}"));
        }
        // A local stand-in for a new ack lasts until Alertmanager reports the
        // silence itself (or a minute, if it never does). An unchanged list
        // did not report it either.
        let waiting = self.alert_inputs.pending_acks.len();
        self.alert_inputs.pending_acks.retain(|p| {
            let reported = a.alerts.as_ref().is_some_and(|alerts| {
                alerts
                    .iter()
                    .any(|x| x.silenced_by.contains(&p.ack.silence_id))
            });
            p.source != id || (!reported && at < p.ack.at + chrono::Duration::seconds(60))
        });
        let mut changed = waiting != self.alert_inputs.pending_acks.len();
        if let Some(alerts) = a.alerts {
            self.alert_inputs.alertmanager.insert(id, alerts);
            changed = true;
        }
        if let Some(silences) = a.silences {
            self.alert_inputs.set_silences(id, silences);
            changed = true;
        }
        changed
    }

    pub fn remerge(&mut self, group_by: &str, now: DateTime<Utc>) {
        let sources = &self.sources;
        let healthy = |id: SourceId| sources.get(id).is_some_and(|s| s.error.is_none());
        let merged = alerts::merge_with(
            &self.alert_inputs,
            &mut self.extras,
            &self.alerts,
            healthy,
            group_by,
            now,
        );
        self.alerts = merged;
        let local = self
            .sources
            .iter()
            .position(|s| s.kind == SourceKind::Local);
        // A few names over many rows: one allocation per name, not per row.
        let names: HashSet<&str> = self
            .alerts
            .iter()
            .filter(|a| a.sources.iter().any(|s| Some(*s) != local))
            .filter_map(|a| a.labels.get("alertname"))
            .collect();
        self.remote_alertnames = names.into_iter().map(Box::from).collect();
        self.merged(now);
    }

    /// After rows were merged: resolved ones beyond the bound summarised, the
    /// next expiry, and views told the list changed.
    pub fn merged(&mut self, now: DateTime<Utc>) {
        self.unlisted.expire(now);
        self.unlisted.bound(&mut self.alerts, now);
        self.resolved_due = alerts::resolved::next_due(&self.alerts, &self.unlisted, now);
        self.generation += 1;
    }

    /// The problems of the sources that feed the Alerts pane, for its title.
    pub fn alert_source_problems(&self, now: DateTime<Utc>) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| matches!(s.kind, SourceKind::Prometheus | SourceKind::Alertmanager))
            .filter_map(|s| s.problem(now))
            .collect()
    }

    /// What fails in alert sources that still answer (a cluster member, a
    /// local rule).
    pub fn alert_source_warnings(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    SourceKind::Prometheus | SourceKind::Alertmanager | SourceKind::Local
                )
            })
            .filter_map(|s| s.partial_problem())
            .collect()
    }
}
