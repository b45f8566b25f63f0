//! opsdeck's own rules as a source of the Alerts pane. The rules themselves
//! (series, evaluation, alert states, notifications) are the engine's
//! (`engine::rules::RuleEngine`); this adds what the screen needs: the `local`
//! source (its header mark and evaluation errors), the alerts as rows,
//! transitions as history events, and when they were last pushed.
//!
//! The dashboard and `snapshot` feed it the same way: `ingest_sample`,
//! `ingest_scrape`, then `evaluate_into`.

use super::alerts::{Alert, AlertState, label_key};
use super::remote::Remote;
use super::sources::{Source, SourceId, SourceKind};
use crate::collect::alertmanager::PostableAlert;
use crate::collect::expfmt::Scrape;
use crate::collect::model::ResourceSample;
use crate::config::Config;
use crate::engine::rules::{AlertPhase, RuleEngine, RuleEvent, Transition};
use crate::store::acks::AlertEvent;
use chrono::{DateTime, Utc};
use std::time::Duration;

pub use crate::engine::notify::Notification;

/// How often local alerts are posted to `[ack] push_local_to` while firing.
pub const PUSH_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct LocalRules {
    pub engine: RuleEngine,
    /// The `local` source in `Remote::sources`, when rules are configured.
    pub source: Option<SourceId>,
    /// When local alerts were last posted to `[ack] push_local_to`.
    pub last_push: Option<DateTime<Utc>>,
    /// What the leader last wrote for the other opsdecks on the host.
    pub shared: super::alerts::shared::Shared,
}

impl LocalRules {
    /// The enabled rules of a validated config.
    pub fn from_config(config: &Config) -> LocalRules {
        let rules = config.rule.iter().filter(|r| r.enabled);
        let mut engine = RuleEngine::new(rules.map(|r| (r.expr.as_str(), r.spec())));
        let scaling = config.scaling_targets().iter();
        engine.read_also(scaling.flat_map(|t| t.local_queries()));
        LocalRules {
            engine,
            ..LocalRules::default()
        }
    }

    /// The rules of `config`, with their `local` source added to `remote` (for the
    /// header mark and evaluation errors) when there are any.
    pub fn attach(config: &Config, remote: &mut Remote) -> LocalRules {
        let mut local = LocalRules::from_config(config);
        if !local.is_empty() {
            local.source = Some(remote.sources.len());
            remote.sources.push(Source::new(
                SourceKind::Local,
                "rules",
                match local.engine.len() {
                    1 => "1 rule".to_string(),
                    n => format!("{n} rules"),
                },
                config.general.refresh,
            ));
        }
        local
    }

    pub fn is_empty(&self) -> bool {
        self.engine.is_empty()
    }

    /// This host's metrics from one local sample.
    pub fn ingest_sample(&mut self, host: &str, sample: &ResourceSample) {
        self.engine.record_sample(host, sample);
    }

    /// One `[[scrape]]` poll (`None`: it failed, so `up` is 0), labelled with
    /// `job` and `instance` as Prometheus labels its targets.
    pub fn ingest_scrape(&mut self, source: &Source, scrape: Option<&Scrape>, at: DateTime<Utc>) {
        let instance = scrape_instance(&source.endpoint);
        self.engine
            .record_scrape(&source.name, &instance, scrape, at);
    }

    /// Evaluates at `now`, marks the `local` source ok (with the failing rules
    /// as a partial failure: one rule's error does not make the others' alerts
    /// stale), and hands the alerts to the Alerts pane's inputs.
    pub fn evaluate_into(&mut self, now: DateTime<Utc>, remote: &mut Remote) {
        let problems = self.engine.evaluate(now);
        if let Some(source) = self.source.and_then(|id| remote.sources.get_mut(id)) {
            source.succeeded(now, Duration::ZERO);
            let note = problems
                .first()
                .map(|(rule, e)| format!("rule {rule}: {e}"));
            if note.is_some() && note != source.note {
                tracing::warn!("{}", note.as_deref().unwrap_or_default());
            }
            source.partial = (!problems.is_empty()).then(|| {
                let plural = if problems.len() == 1 { "" } else { "s" };
                format!("{} rule{plural} failing", problems.len())
            });
            source.note = note;
        }
        remote.alert_inputs.local = self.alerts();
    }

    /// Firing and recently resolved alerts as Alertmanager takes them.
    pub fn postable(&self, now: DateTime<Utc>) -> Vec<PostableAlert> {
        self.engine.postable(now)
    }

    /// The notifications due since the last call.
    pub fn take_notifications(&mut self) -> Vec<Notification> {
        self.engine.take_notifications()
    }

    /// The transitions since the last call, as the alerts' history records them.
    pub fn take_events(&mut self) -> Vec<AlertEvent> {
        self.engine
            .take_events()
            .into_iter()
            .map(history_event)
            .collect()
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
        self.engine
            .alerts()
            .map(|a| {
                let state = match a.phase {
                    AlertPhase::Pending => AlertState::Pending,
                    AlertPhase::Firing => AlertState::Firing,
                    AlertPhase::Resolved => AlertState::Resolved,
                };
                Alert {
                    resolved_at: a.resolved_at,
                    fired_at: a.fired_at,
                    ..Alert::new(
                        source,
                        crate::labels::LabelSet::from(&a.labels),
                        crate::labels::LabelSet::from(&a.annotations),
                        state,
                        Some(a.active_since),
                    )
                }
            })
            .collect()
    }
}

fn history_event(e: RuleEvent) -> AlertEvent {
    let kind = match e.transition {
        Transition::Pending => "pending",
        Transition::Firing => "fired",
        Transition::Resolved => "resolved",
    };
    AlertEvent {
        alert_key: label_key(&e.labels),
        source: "local".into(),
        kind: kind.into(),
        at: e.at,
        labels: crate::labels::LabelSet::from(&e.labels),
        // Its transitions are told once: the engine's state is shared.
        started: None,
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
