//! Health checks as the dashboard holds them: each `[[health_check]]`'s
//! state (from `engine::health`), whether a probe of it is out, and the
//! built-in host check, judged on each resource sample. Probes are due on
//! the tick (sooner while failing); the runtime probes and reports back.
//! Each result feeds the local rules' `opsdeck_check_*` series.

mod cursor;

pub use cursor::{CheckId, open_details, rows, selected};

use crate::app::state::AppState;
use crate::app::update::Effect as AppEffect;
use crate::collect::model::ResourceSample;
use crate::engine::health::{Change, CheckState, CheckStatus, Probe, Thresholds};

/// What the runtime tells about checks.
#[derive(Debug)]
pub enum Msg {
    /// A probe of `check` (its index in the config) ended.
    Probed { check: usize, probe: Probe },
}

/// What the dashboard asks of the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Probe `check` (its index in the config), within its timeout.
    Probe(usize),
    /// Store a state change (the leader's, for the report).
    Record(crate::store::health::HealthChange),
}

#[derive(Debug, Clone, Default)]
pub struct Health {
    /// One per `[[health_check]]`, in config order.
    pub checks: Vec<CheckView>,
    /// The built-in host check (`[health.host]`), when on.
    pub host: Option<CheckStatus>,
    /// The check whose details are open.
    pub details: Option<CheckId>,
}

#[derive(Debug, Clone, Default)]
pub struct CheckView {
    pub status: CheckStatus,
    /// Since when a probe is out: no second one starts beside it.
    pub probing: Option<chrono::DateTime<chrono::Utc>>,
}

/// The host check turns unhealthy at once (a sample is not a flaky probe),
/// and healthy again after three samples in a row: a figure hovering at a
/// bound does not flap.
pub const HOST_THRESHOLDS: Thresholds = Thresholds {
    failure: 1,
    success: 3,
};

/// Past its timeout by this much, a probe that has not reported is lost.
const LOST_AFTER: chrono::Duration = chrono::Duration::seconds(10);

impl Health {
    pub fn for_config(config: &crate::config::Config) -> Health {
        Health {
            checks: vec![CheckView::default(); config.health_checks().len()],
            host: config.health.host.enabled.then(CheckStatus::default),
            details: None,
        }
    }

    /// `[[health_check]]`s down, for the pane title and the header (the
    /// host check has its own mark beside the host name).
    pub fn down(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status.state == CheckState::Down)
            .count()
    }

    /// The status of a check.
    pub fn status(&self, id: CheckId) -> Option<&CheckStatus> {
        match id {
            CheckId::Host => self.host.as_ref(),
            CheckId::Check(i) => self.checks.get(i).map(|c| &c.status),
        }
    }
}

/// Every tick: the probes that are due and not out.
pub fn on_tick(state: &mut AppState) -> Vec<AppEffect> {
    let now = state.now;
    let specs = state.config.health_checks();
    let mut effects = Vec::new();
    for (i, (view, spec)) in state.health.checks.iter_mut().zip(specs).enumerate() {
        let timeout = chrono::Duration::from_std(spec.timeout).unwrap_or_default();
        if let Some(since) = view.probing
            && now - since > timeout + LOST_AFTER
        {
            // Never reported (it cannot, short of a bug): a failure, said so.
            let lost = Probe {
                at: since,
                took: (now - since).to_std().unwrap_or_default(),
                error: Some("the probe never reported back".into()),
                ..Probe::default()
            };
            view.probing = None;
            if let Some(change) = view.status.apply(lost, spec.thresholds) {
                log_change(&spec.name, &change);
            }
        }
        let due = view
            .status
            .next_due(spec.interval, spec.retry_interval)
            .is_none_or(|at| at <= now);
        if due && view.probing.is_none() {
            view.probing = Some(now);
            effects.push(AppEffect::Health(Effect::Probe(i)));
        }
    }
    effects
}

pub fn on_msg(state: &mut AppState, msg: Msg) -> Vec<AppEffect> {
    match msg {
        Msg::Probed { check, probe } => {
            let mut effects = crate::app::report::on_probe(state, check, &probe);
            let Some(spec) = state.config.health_checks().get(check) else {
                return Vec::new();
            };
            let (name, thresholds) = (spec.name.clone(), spec.thresholds);
            let min_valid = spec.certificate_min_valid();
            let Some(view) = state.health.checks.get_mut(check) else {
                return Vec::new();
            };
            view.probing = None;
            if let Some(change) = view.status.apply(probe, thresholds) {
                log_change(&name, &change);
                effects.extend(record(state.store, &name, &change));
            }
            let labels = state.config.health_checks()[check].labels.clone();
            let status = &state.health.checks[check].status;
            let host = state.host.hostname.clone();
            state
                .rules
                .engine
                .record_check(&host, &name, &labels, status, min_valid);
            effects
        }
    }
}

/// A change as the store keeps it, when this opsdeck leads (every opsdeck
/// probes, one records).
fn record(role: crate::app::state::StoreRole, name: &str, change: &Change) -> Option<AppEffect> {
    (role == crate::app::state::StoreRole::Leader).then(|| {
        AppEffect::Health(Effect::Record(crate::store::health::HealthChange {
            check: name.to_string(),
            from: change.from.as_str().into(),
            to: change.to.as_str().into(),
            cause: change.cause.clone(),
            at: change.at,
        }))
    })
}

/// A sample judges the host check.
pub fn on_sample(state: &mut AppState, sample: &ResourceSample) -> Vec<AppEffect> {
    let Some(host) = state.health.host.as_mut() else {
        return Vec::new();
    };
    let bounds = state.config.health.host.bounds();
    let probe = crate::engine::health::host::probe(sample, &bounds);
    let name = crate::config::health::HOST_CHECK;
    let mut effects = Vec::new();
    if let Some(change) = host.apply(probe, HOST_THRESHOLDS) {
        log_change(name, &change);
        effects.extend(record(state.store, name, &change));
    }
    let hostname = state.host.hostname.clone();
    let status = state.health.host.as_ref().expect("checked above");
    state.rules.engine.record_check(
        &hostname,
        crate::config::health::HOST_CHECK,
        &Default::default(),
        status,
        None,
    );
    effects
}

fn log_change(name: &str, change: &Change) {
    let text = format!(
        "check {name}: {} → {}: {}",
        change.from.as_str(),
        change.to.as_str(),
        change.cause
    );
    match change.to {
        CheckState::Down | CheckState::Warning => tracing::warn!("{text}"),
        _ => tracing::info!("{text}"),
    }
}
