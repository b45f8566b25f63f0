//! Incident levels: how urgent an alert is in the on-call handbook's terms, and
//! how long is left to respond.
//!
//! Default severity → level map (used when no override matches):
//!
//! | `severity` label | level | respond / resolve |
//! |------------------|-------|-------------------|
//! | `critical`       | P1    | 5 min / 2 h       |
//! | `warning`        | P2    | 15 min / 4 h      |
//! | `info`           | P3    | 30 min / 1 day    |
//! | anything else    | P4    | 1 h / 1 week      |
//!
//! Why warning → P2 rather than P3: in Prometheus practice a `warning` rule
//! fires on a real degradation that will become an outage if nobody looks
//! (disk filling, error rate rising), so someone should be on it within a
//! quarter of an hour; `info` is a heads-up worth a look during the shift. A
//! missing or unknown severity is P4: an unclassified alert should not page
//! anyone at P1–P3 urgency, but it must still have a deadline so it is not
//! forgotten. Teams whose conventions differ use [`LevelRule`] overrides
//! (e.g. `team="payments"` → P1). Severity names match case-insensitively.

use std::time::Duration;

use crate::engine::matcher::{self, Matcher};
use crate::labels::Labelled;
use chrono::{DateTime, TimeDelta, Utc};

/// Handbook levels, most urgent first (so `Ord` sorts P1 first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    P1,
    P2,
    P3,
    P4,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

impl Level {
    /// Time from the start of an incident to the first response (acknowledgement).
    pub fn respond_within(self) -> Duration {
        Duration::from_secs(match self {
            Level::P1 => 5 * MINUTE,
            Level::P2 => 15 * MINUTE,
            Level::P3 => 30 * MINUTE,
            Level::P4 => HOUR,
        })
    }

    /// Time from the start of an incident to its resolution.
    pub fn resolve_within(self) -> Duration {
        Duration::from_secs(match self {
            Level::P1 => 2 * HOUR,
            Level::P2 => 4 * HOUR,
            Level::P3 => DAY,
            Level::P4 => 7 * DAY,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::P1 => "P1",
            Level::P2 => "P2",
            Level::P3 => "P3",
            Level::P4 => "P4",
        }
    }
}

/// An override: alerts whose labels match all `matchers` get `level`
/// (`engine::matcher`: anchored regexes, a missing label reads as "").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRule {
    pub level: Level,
    pub matchers: Vec<Matcher>,
}

impl LevelRule {
    pub fn matches(&self, labels: &impl Labelled) -> bool {
        matcher::all_match(&self.matchers, labels)
    }
}

/// The level of an alert: the first matching override, else the default map
/// (module docs) applied to `severity_label`.
pub fn level_for(
    severity_label: Option<&str>,
    labels: &impl Labelled,
    overrides: &[LevelRule],
) -> Level {
    if let Some(rule) = overrides.iter().find(|r| r.matches(labels)) {
        return rule.level;
    }
    let severity = severity_label.map(|s| s.trim().to_ascii_lowercase());
    match severity.as_deref() {
        Some("critical") => Level::P1,
        Some("warning") => Level::P2,
        Some("info") => Level::P3,
        _ => Level::P4,
    }
}

/// Time left to respond to an incident of `level` open since `since`: `None`
/// once acknowledged (the clock has stopped), negative when the target is breached.
pub fn response_left(
    level: Level,
    since: DateTime<Utc>,
    acknowledged: bool,
    now: DateTime<Utc>,
) -> Option<TimeDelta> {
    if acknowledged {
        return None;
    }
    Some(deadline(since, level.respond_within()) - now)
}

/// Time left to resolve: `None` once resolved, negative when breached.
pub fn resolve_left(
    level: Level,
    since: DateTime<Utc>,
    resolved: bool,
    now: DateTime<Utc>,
) -> Option<TimeDelta> {
    if resolved {
        return None;
    }
    Some(deadline(since, level.resolve_within()) - now)
}

fn deadline(since: DateTime<Utc>, within: Duration) -> DateTime<Utc> {
    // The targets are at most a week, so neither step can overflow in practice;
    // saturate at `since` rather than panic if one ever did.
    TimeDelta::from_std(within)
        .ok()
        .and_then(|d| since.checked_add_signed(d))
        .unwrap_or(since)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_the_handbook() {
        assert_eq!(Level::P1.respond_within(), Duration::from_secs(300));
        assert_eq!(Level::P4.resolve_within(), Duration::from_secs(7 * 86_400));
        assert_eq!(Level::P3.label(), "P3");
    }

    #[test]
    fn an_override_needs_every_matcher() {
        let rule = LevelRule {
            level: Level::P1,
            matchers: crate::engine::matcher::parse(r#"team="payments", env=~"prod|live""#)
                .unwrap(),
        };
        let labels = |env: &str| -> crate::engine::rules::Labels {
            [("team", "payments"), ("env", env)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(rule.matches(&labels("live")));
        assert!(!rule.matches(&labels("production")), "anchored");
        assert!(!rule.matches(&crate::engine::rules::Labels::new()));
        assert_eq!(level_for(Some("info"), &labels("prod"), &[rule]), Level::P1);
    }
}
