//! The host in the report: each check's availability over the period (from
//! its state changes), and CPU, memory and the fullest filesystem from the
//! per-minute aggregates, with a days-until-full forecast.

use super::alerts::secs;
use super::inputs::{CheckChange, Inputs, Minute};
use super::stats::p95;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckLine {
    pub check: String,
    /// The state at the period's end ("unknown" with no change on record).
    pub state: String,
    pub since: Option<DateTime<Utc>>,
    pub cause: String,
    /// Percent of the period's known time not down; None when its state
    /// was never known in the period.
    pub availability: Option<f64>,
    pub down_secs: f64,
    /// State changes in the period.
    pub changes: usize,
    /// Probes in the period, and how many failed.
    pub probes: u64,
    pub failures: u64,
    /// The 95th percentile (nearest rank) of the probes' latencies.
    pub latency_p95_ms: Option<f64>,
}

/// Each check, from its last change before the period, the period's
/// changes and its probes per minute.
pub fn checks(inputs: &Inputs) -> Vec<CheckLine> {
    let mut by_check: BTreeMap<&str, Vec<&CheckChange>> = BTreeMap::new();
    for c in inputs.check_changes.iter().filter(|c| c.at < inputs.until) {
        by_check.entry(&c.check).or_default().push(c);
    }
    let mut probes: BTreeMap<&str, (u64, u64, Vec<f64>)> = BTreeMap::new();
    for m in &inputs.check_minutes {
        let (count, failures, latencies) = probes.entry(&m.check).or_default();
        *count += u64::from(m.probes);
        *failures += u64::from(m.failures);
        latencies.extend(m.latencies_ms.iter().map(|&l| f64::from(l)));
    }
    for check in probes.keys() {
        by_check.entry(check).or_default();
    }
    by_check
        .into_iter()
        .map(|(check, mut changes)| {
            changes.sort_by_key(|c| c.at);
            let (mut known, mut down) = (0.0, 0.0);
            for (i, c) in changes.iter().enumerate() {
                let from = c.at.max(inputs.since);
                let to = changes.get(i + 1).map_or(inputs.until, |n| n.at);
                if to <= from || c.to == "unknown" {
                    continue;
                }
                let span = secs(to - from);
                known += span;
                if c.to == "down" {
                    down += span;
                }
            }
            let last = changes.last();
            let (count, failures, latencies) = probes.remove(check).unwrap_or_default();
            CheckLine {
                check: check.to_string(),
                state: last.map_or_else(|| "unknown".into(), |c| c.to.clone()),
                since: last.map(|c| c.at),
                cause: last.map(|c| c.cause.clone()).unwrap_or_default(),
                availability: (known > 0.0).then(|| (known - down) * 100.0 / known),
                down_secs: down,
                changes: changes.iter().filter(|c| c.at >= inputs.since).count(),
                probes: count,
                failures,
                latency_p95_ms: p95(latencies),
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resources {
    /// Minutes on record in the period.
    pub minutes: usize,
    pub cpu: Usage,
    pub memory: Usage,
    pub filesystem: Option<Filesystem>,
}

/// Percent: the highest moment, and the 95th percentile of the minutes' means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Usage {
    pub peak: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filesystem {
    pub mount: String,
    /// Percent used: the highest minute, the 95th percentile, at the end.
    pub peak: f64,
    pub p95: f64,
    pub last: f64,
    pub used_bytes: u64,
    pub total_bytes: u64,
    /// At the period's growth (Theil–Sen, sure to 95 %); None when it is
    /// not clearly growing, or over a year out.
    pub days_until_full: Option<f64>,
}

/// Points fitted for the forecast at most (the fit weighs every pair).
const FORECAST_POINTS: usize = 360;

pub fn resources(inputs: &Inputs) -> Option<Resources> {
    let minutes: Vec<&Minute> = inputs
        .minutes
        .iter()
        .filter(|m| m.at >= inputs.since && m.at < inputs.until)
        .collect();
    let last = *minutes.last()?;
    let usage = |max: fn(&Minute) -> f64, avg: fn(&Minute) -> f64| Usage {
        peak: minutes.iter().map(|m| max(m)).fold(0.0, f64::max),
        p95: p95(minutes.iter().map(|m| avg(m))).unwrap_or(0.0),
    };
    let filesystem = (!last.fs_mount.is_empty()).then(|| {
        let same: Vec<&&Minute> = minutes
            .iter()
            .filter(|m| m.fs_mount == last.fs_mount)
            .collect();
        let step = same.len().div_ceil(FORECAST_POINTS).max(1);
        let points: Vec<(i64, f64)> = same
            .iter()
            .step_by(step)
            .map(|m| (m.at.timestamp_millis(), m.fs_used_bytes as f64))
            .collect();
        let free = last.fs_total_bytes.saturating_sub(last.fs_used_bytes);
        let days = crate::engine::forecast::theil_sen(&points)
            .filter(|_| points.len() >= 10)
            .and_then(|g| g.until_full(free))
            .map(|f| f.likely.as_secs_f64() / 86400.0);
        Filesystem {
            mount: last.fs_mount.clone(),
            peak: same.iter().map(|m| m.fs_used_pct).fold(0.0, f64::max),
            p95: p95(same.iter().map(|m| m.fs_used_pct)).unwrap_or(0.0),
            last: last.fs_used_pct,
            used_bytes: last.fs_used_bytes,
            total_bytes: last.fs_total_bytes,
            days_until_full: days,
        }
    });
    Some(Resources {
        minutes: minutes.len(),
        cpu: usage(|m| m.cpu_max, |m| m.cpu_avg),
        memory: usage(|m| m.mem_max, |m| m.mem_avg),
        filesystem,
    })
}
