//! Alerts in the report: episodes (fired … resolved) rebuilt from the stored
//! transitions, the period's counts, time to acknowledge and to resolve per
//! incident level, response-target misses, incidents against the SRE book's
//! budget, and the noisiest and flapping alerts.
//!
//! Definitions (also in the report's notes):
//! - an episode starts at its `fired` transition and ends at `resolved`;
//! - time to acknowledge = first acknowledgement − start; an episode resolved
//!   without one counts at its resolution;
//! - both times are over the episodes that started in the period;
//! - a miss: an episode whose response deadline (start + its level's target)
//!   fell in the period, acknowledged (or resolved) after it or not at all;
//! - an incident: an episode at P1 or P2 (the levels that page).

use super::inputs::{Inputs, OpenAck, TransitionKind};
use super::stats::Spread;
use crate::engine::incident::{Level, level_for};
use crate::labels::LabelSet;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The SRE book's bound: at most two incidents per 12-hour shift.
pub const INCIDENT_BUDGET_PER_12H: f64 = 2.0;

/// One firing of one alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub key: String,
    pub labels: LabelSet,
    pub level: Level,
    pub start: DateTime<Utc>,
    pub first_ack: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
}

impl Episode {
    pub fn alertname(&self) -> &str {
        self.labels.get("alertname").unwrap_or("(no alertname)")
    }

    /// Seconds to the first acknowledgement, or to the resolution without one.
    fn to_acknowledge(&self) -> Option<f64> {
        let answered = self.first_ack.or(self.resolved)?;
        Some(secs(answered - self.start))
    }
}

pub fn secs(d: chrono::TimeDelta) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

/// Episodes from transitions (oldest first), with each alert's firings in
/// the period counted for flapping.
pub fn episodes(inputs: &Inputs) -> (Vec<Episode>, HashMap<String, u32>) {
    let mut open: HashMap<&str, usize> = HashMap::new();
    let mut all: Vec<Episode> = Vec::new();
    let mut transitions: HashMap<String, u32> = HashMap::new();
    for t in &inputs.transitions {
        let in_period = t.at >= inputs.since && t.at < inputs.until;
        match t.kind {
            TransitionKind::Fired => {
                // The same firing told twice is one transition.
                if open.contains_key(t.key.as_str()) {
                    continue;
                }
                if in_period {
                    *transitions.entry(t.key.clone()).or_default() += 1;
                }
                let severity = t.labels.get("severity");
                all.push(Episode {
                    key: t.key.clone(),
                    labels: t.labels.clone(),
                    level: level_for(severity, &t.labels, &inputs.level_rules),
                    start: t.at,
                    first_ack: None,
                    resolved: None,
                });
                open.insert(&t.key, all.len() - 1);
            }
            TransitionKind::Acked => {
                if let Some(&i) = open.get(t.key.as_str())
                    && all[i].first_ack.is_none()
                {
                    all[i].first_ack = Some(t.at);
                }
            }
            TransitionKind::Resolved => {
                if let Some(i) = open.remove(t.key.as_str()) {
                    all[i].resolved = Some(t.at);
                    if in_period {
                        *transitions.entry(t.key.clone()).or_default() += 1;
                    }
                }
            }
            TransitionKind::Pending | TransitionKind::Unacked => {}
        }
    }
    (all, transitions)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertFigures {
    pub fired: usize,
    pub acknowledged: usize,
    pub resolved: usize,
    pub levels: Vec<LevelFigures>,
    pub misses: Vec<Miss>,
    pub incidents: usize,
    pub incidents_per_12h: f64,
    pub incident_budget_per_12h: f64,
    /// Over the budget; None for a period shorter than 12 h (a rate from
    /// half an hour says little).
    pub over_budget: Option<bool>,
    pub noisiest: Vec<Noisy>,
    pub flapping: Vec<Flapping>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelFigures {
    pub level: &'static str,
    pub fired: usize,
    pub acknowledged: usize,
    pub resolved: usize,
    /// Seconds.
    pub time_to_acknowledge: Spread,
    pub time_to_resolve: Spread,
    pub respond_within_secs: u64,
    pub misses: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub alertname: String,
    pub labels: BTreeMap<String, String>,
    pub level: &'static str,
    pub started: DateTime<Utc>,
    /// Seconds until acknowledged (or resolved), or so far.
    pub waited_secs: f64,
    pub target_secs: u64,
    pub acknowledged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Noisy {
    pub alertname: String,
    pub firings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flapping {
    pub alertname: String,
    pub labels: BTreeMap<String, String>,
    /// Firings and resolutions in the period.
    pub transitions: u32,
}

/// Alerts that fired at least this often within `FLAPPING_WITHIN` are
/// flapping (a rate: three firings a month are not).
const FLAPPING_FIRINGS: usize = 3;
const FLAPPING_WITHIN: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Rows in the noisiest and flapping lists.
const TOP: usize = 5;

pub fn figures(
    inputs: &Inputs,
    episodes: &[Episode],
    flips: &HashMap<String, u32>,
) -> AlertFigures {
    let period = |t: DateTime<Utc>| t >= inputs.since && t < inputs.until;
    let started: Vec<&Episode> = episodes.iter().filter(|e| period(e.start)).collect();
    // A miss belongs to the period its deadline fell in: one that fired
    // just before the period and was never answered is this period's.
    let mut misses = Vec::new();
    for e in episodes {
        let target = e.level.respond_within();
        let deadline = e.start + chrono::Duration::from_std(target).unwrap_or_default();
        if !period(deadline) {
            continue;
        }
        let waited = e
            .to_acknowledge()
            .unwrap_or_else(|| secs(inputs.until - e.start));
        if waited > target.as_secs_f64() {
            misses.push(Miss {
                alertname: e.alertname().to_string(),
                labels: e.labels.to_map(),
                level: e.level.label(),
                started: e.start,
                waited_secs: waited,
                target_secs: target.as_secs(),
                acknowledged: e.first_ack.is_some(),
            });
        }
    }
    let levels = [Level::P1, Level::P2, Level::P3, Level::P4]
        .into_iter()
        .map(|level| {
            let of_level: Vec<&&Episode> = started.iter().filter(|e| e.level == level).collect();
            LevelFigures {
                level: level.label(),
                fired: of_level.len(),
                acknowledged: of_level.iter().filter(|e| e.first_ack.is_some()).count(),
                resolved: of_level.iter().filter(|e| e.resolved.is_some()).count(),
                time_to_acknowledge: Spread::of(
                    of_level.iter().filter_map(|e| e.to_acknowledge()).collect(),
                ),
                time_to_resolve: Spread::of(
                    of_level
                        .iter()
                        .filter_map(|e| Some(secs(e.resolved? - e.start)))
                        .collect(),
                ),
                respond_within_secs: level.respond_within().as_secs(),
                misses: misses.iter().filter(|m| m.level == level.label()).count(),
            }
        })
        .collect();
    let incidents = started
        .iter()
        .filter(|e| matches!(e.level, Level::P1 | Level::P2))
        .count();
    let hours = secs(inputs.until - inputs.since) / 3600.0;
    let per_12h = if hours > 0.0 {
        incidents as f64 * 12.0 / hours
    } else {
        0.0
    };
    let mut noisy: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &started {
        *noisy.entry(e.alertname()).or_default() += 1;
    }
    let mut noisiest: Vec<Noisy> = noisy
        .into_iter()
        .map(|(alertname, firings)| Noisy {
            alertname: alertname.to_string(),
            firings,
        })
        .collect();
    noisiest.sort_by(|a, b| {
        b.firings
            .cmp(&a.firings)
            .then(a.alertname.cmp(&b.alertname))
    });
    noisiest.truncate(TOP);
    let labels_of: HashMap<&str, &LabelSet> = episodes
        .iter()
        .map(|e| (e.key.as_str(), &e.labels))
        .collect();
    // Each alert's firings in the period, in order (episodes are).
    let mut firings: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for e in &started {
        firings.entry(e.key.as_str()).or_default().push(e.start);
    }
    let flaps = |key: &str| {
        firings.get(key).is_some_and(|starts| {
            starts
                .windows(FLAPPING_FIRINGS)
                .any(|w| w[FLAPPING_FIRINGS - 1] - w[0] <= FLAPPING_WITHIN)
        })
    };
    let mut flapping: Vec<Flapping> = flips
        .iter()
        .filter(|(key, _)| flaps(key))
        .filter_map(|(key, n)| {
            let labels = labels_of.get(key.as_str())?;
            Some(Flapping {
                alertname: labels.get("alertname").unwrap_or("").to_string(),
                labels: labels.to_map(),
                transitions: *n,
            })
        })
        .collect();
    flapping.sort_by(|a, b| {
        b.transitions
            .cmp(&a.transitions)
            .then(a.alertname.cmp(&b.alertname))
            .then(a.labels.cmp(&b.labels))
    });
    flapping.truncate(TOP);
    AlertFigures {
        fired: started.len(),
        acknowledged: episodes
            .iter()
            .filter(|e| e.first_ack.is_some_and(period))
            .count(),
        resolved: episodes
            .iter()
            .filter(|e| e.resolved.is_some_and(period))
            .count(),
        levels,
        misses,
        incidents,
        incidents_per_12h: per_12h,
        incident_budget_per_12h: INCIDENT_BUDGET_PER_12H,
        over_budget: (hours >= 12.0).then_some(per_12h > INCIDENT_BUDGET_PER_12H),
        noisiest,
        flapping,
    }
}

/// An alert firing at the period's end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Firing {
    pub alertname: String,
    pub labels: BTreeMap<String, String>,
    pub level: &'static str,
    pub since: DateTime<Utc>,
    pub firing_secs: f64,
    /// Who acknowledged it, while that acknowledgement is open.
    pub acknowledged_by: Option<String>,
}

/// Episodes open at the end, most urgent and oldest first.
pub fn firing(inputs: &Inputs, episodes: &[Episode]) -> Vec<Firing> {
    let ack_of: HashMap<&str, &OpenAck> = inputs
        .open_acks
        .iter()
        .map(|a| (a.key.as_str(), a))
        .collect();
    let mut open: Vec<&Episode> = episodes.iter().filter(|e| e.resolved.is_none()).collect();
    open.sort_by(|a, b| a.level.cmp(&b.level).then(a.start.cmp(&b.start)));
    open.into_iter()
        .map(|e| Firing {
            alertname: e.alertname().to_string(),
            labels: e.labels.to_map(),
            level: e.level.label(),
            since: e.start,
            firing_secs: secs(inputs.until - e.start),
            acknowledged_by: ack_of.get(e.key.as_str()).map(|a| a.author.clone()),
        })
        .collect()
}
