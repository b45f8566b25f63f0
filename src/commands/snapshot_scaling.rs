//! `snapshot`'s scaling targets: each one's inputs read once (Prometheus,
//! commands, this host's series and the scrapes just taken) and evaluated by
//! a fresh autoscaler: what it would decide now, with HPA's reasons.

use crate::app::local_rules::LocalRules;
use crate::collect::model::ResourceSample;
use crate::config::Config;
use crate::engine::promql::Query;
use crate::engine::scaling::{Current, Inputs, Reading, Reason, Scaler, Slot, one_value};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ScalingOut {
    pub name: String,
    pub mode: &'static str,
    pub min: u32,
    pub max: u32,
    pub current: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_error: Option<String>,
    /// What a fresh autoscaler decides now (no window history).
    pub desired: Option<u32>,
    pub reasons: Vec<Reason>,
    pub summary: String,
    pub readings: Vec<Reading>,
}

/// `local`: this host's series and the scrapes', as the dashboard feeds them.
pub fn scaling(
    config: &Config,
    sample: &ResourceSample,
    local: &mut LocalRules,
) -> anyhow::Result<Vec<ScalingOut>> {
    let targets = config.scaling_targets();
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let prometheus = crate::runtime::remote::prometheus_clients(config);
    let hidden = config.secret_env_vars();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let reads = rt.block_on(futures_util::future::join_all(
        targets
            .iter()
            .map(|t| crate::runtime::scaling::read(t, &prometheus, &hidden)),
    ));
    let now = sample.taken_at;
    local.engine.forget_old(now);
    let read_local = |expr: &str| -> Result<f64, String> {
        let query = Query::parse(expr).map_err(|e| e.to_string())?;
        let values: Vec<f64> = local
            .engine
            .query(&query, now)?
            .into_iter()
            .map(|s| s.1)
            .collect();
        one_value(&values)
    };
    let mut out = Vec::with_capacity(targets.len());
    for (spec, (current, readings)) in targets.iter().zip(reads) {
        let inputs = Inputs::gather(&spec.scaler.metrics, current, readings, |slot| {
            match (slot, &spec.current) {
                (Slot::Metric(j), _) => read_local(&spec.metrics[j].expr),
                (Slot::Current, Current::Query(q)) => read_local(&q.expr),
                (Slot::Current, Current::Command(_)) => Err("unreadable".into()),
            }
        });
        let decision = inputs
            .current
            .map(|c| Scaler::new(spec.scaler.clone()).evaluate(now, c, &inputs.values()));
        out.push(ScalingOut {
            name: spec.scaler.name.clone(),
            mode: crate::app::scaling::mode_name(spec.mode),
            min: spec.scaler.min,
            max: spec.scaler.max,
            current: inputs.current,
            current_error: inputs.current_error.clone(),
            desired: decision.as_ref().map(|d| d.desired),
            reasons: decision
                .as_ref()
                .map(|d| d.reasons.clone())
                .unwrap_or_default(),
            summary: match &decision {
                Some(d) => d.summary_read(&spec.scaler, &inputs),
                None => inputs.current_error.clone().unwrap_or_default(),
            },
            readings: inputs.readings,
        });
    }
    Ok(out)
}

/// One line per target for the text snapshot.
pub fn line(s: &ScalingOut) -> String {
    let replicas = match (s.current, s.desired) {
        (Some(c), Some(d)) if c != d => format!("{c} → {d}"),
        (Some(c), _) => c.to_string(),
        (None, _) => "?".into(),
    };
    format!("{:<16} {:<9} {:<7} {}", s.name, s.mode, replicas, s.summary)
}
