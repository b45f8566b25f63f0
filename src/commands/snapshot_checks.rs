//! The health checks in `opsdeck snapshot`: each probed once (as the
//! dashboard's first probe: one failure is `pending` below its threshold),
//! and the built-in host check judged on the sample.

use crate::engine::health::{CheckStatus, Probe, Verdict};
use serde::Serialize;

#[derive(Serialize)]
pub struct CheckOut {
    pub name: String,
    pub kind: &'static str,
    /// The URL, address or command.
    pub target: String,
    pub state: &'static str,
    pub failures: u32,
    pub successes: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    pub conditions: Vec<ConditionOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_expiry: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize)]
pub struct ConditionOut {
    /// pass, warn or fail.
    pub verdict: &'static str,
    pub text: String,
}

/// The checks of `config`, probed now, and the host's from `sample`; their
/// statuses also feed `rules` (as the dashboard's do).
pub fn checks(
    config: &crate::config::Config,
    sample: &crate::collect::model::ResourceSample,
    probes: Vec<Probe>,
) -> Vec<(CheckOut, CheckStatus)> {
    let mut out = Vec::new();
    if config.health.host.enabled {
        let probe = crate::engine::health::host::probe(sample, &config.health.host.bounds());
        let mut status = CheckStatus::default();
        status.apply(probe, crate::app::health::HOST_THRESHOLDS);
        let name = crate::config::health::HOST_CHECK;
        out.push((check_out(name, "host", "this host".into(), &status), status));
    }
    for (spec, probe) in config.health_checks().iter().zip(probes) {
        let mut status = CheckStatus::default();
        status.apply(probe, spec.thresholds);
        out.push((
            check_out(&spec.name, spec.kind(), spec.target(), &status),
            status,
        ));
    }
    out
}

fn check_out(name: &str, kind: &'static str, target: String, status: &CheckStatus) -> CheckOut {
    let probe = status.last.as_ref();
    CheckOut {
        name: name.to_string(),
        kind,
        target,
        state: status.state.as_str(),
        failures: status.failures,
        successes: status.successes,
        latency_ms: probe
            .and_then(|p| p.latency)
            .map(|l| (l.as_secs_f64() * 1e6).round() / 1e3),
        conditions: probe
            .map(|p| {
                p.conditions
                    .iter()
                    .map(|c| ConditionOut {
                        verdict: match c.verdict {
                            Verdict::Pass => "pass",
                            Verdict::Warn => "warn",
                            Verdict::Fail => "fail",
                        },
                        text: c.text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        error: probe.and_then(|p| p.error.clone()),
        certificate_expiry: probe.and_then(|p| p.certificate_expiry),
    }
}

/// One line per check for the text form.
pub fn line(c: &CheckOut) -> String {
    let latency = c
        .latency_ms
        .map_or(String::new(), |ms| format!(" {ms:.0} ms"));
    let why = match &c.error {
        Some(e) => format!(": {e}"),
        None => {
            let bad: Vec<&str> = c
                .conditions
                .iter()
                .filter(|x| x.verdict != "pass")
                .map(|x| x.text.as_str())
                .collect();
            if bad.is_empty() {
                String::new()
            } else {
                format!(": {}", bad.join(", "))
            }
        }
    };
    let state = format!("{}{latency}{why}", c.state);
    format!("{:<16} {:<8} {state}", c.name, c.kind)
}
