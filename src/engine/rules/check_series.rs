//! Health checks as series the local rules read (labels: `check`, the
//! check's own labels, and `job="opsdeck"`, `instance` = this host):
//! `opsdeck_check_up` (1/0), `opsdeck_check_state` (0 up, 1 warning,
//! 2 pending, 3 down), `opsdeck_check_latency_seconds` and
//! `opsdeck_check_certificate_expiry_seconds` (from the probe's time) beside
//! `opsdeck_check_certificate_min_valid_seconds` (the check's bound, so one
//! rule compares each check's certificate with its own bound).

use super::RuleEngine;
use crate::engine::health::CheckStatus;
use crate::engine::promql::Labels;
use std::collections::BTreeMap;

impl RuleEngine {
    /// Records a check's state after a probe (nothing before its first).
    pub fn record_check(
        &mut self,
        host: &str,
        check: &str,
        labels: &BTreeMap<String, String>,
        status: &CheckStatus,
        certificate_min_valid: Option<std::time::Duration>,
    ) {
        let (Some(state), Some(probe)) = (status.state.series_value(), status.last.as_ref()) else {
            return;
        };
        let at = probe.at.timestamp_millis();
        let up = if status.state.is_up() { 1.0 } else { 0.0 };
        let latency = probe.latency.map(|l| l.as_secs_f64());
        let expiry = probe
            .certificate_expiry
            .map(|e| (e - probe.at).num_milliseconds() as f64 / 1000.0);
        let min_valid = certificate_min_valid
            .filter(|_| expiry.is_some())
            .map(|d| d.as_secs_f64());
        let series = [
            ("opsdeck_check_certificate_min_valid_seconds", min_valid),
            ("opsdeck_check_up", Some(up)),
            ("opsdeck_check_state", Some(state)),
            ("opsdeck_check_latency_seconds", latency),
            ("opsdeck_check_certificate_expiry_seconds", expiry),
        ];
        for (name, value) in series {
            let Some(value) = value else { continue };
            if !self.wants(name) {
                continue;
            }
            let mut all = Labels::new();
            all.extend(labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            all.insert("__name__".into(), name.into());
            all.insert("job".into(), "opsdeck".into());
            all.insert("instance".into(), host.into());
            all.insert("check".into(), check.into());
            self.push_series(all, at, value);
        }
    }
}
