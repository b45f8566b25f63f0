//! Automatic recovery's guard rails: whether the leader may start a runbook
//! for an alert that just started firing, and if not, why (in words the alert
//! and the audit log show). Pure: the caller says what it knows and when.

use super::RunbookSpec;
use chrono::{DateTime, Utc};

/// What the leader knows about the alert and the runbook's runs.
#[derive(Debug, Clone, Default)]
pub struct AutoContext {
    /// Someone is on it: "acknowledged by oncall@ops-1", "silenced by ...".
    pub quiet: Option<String>,
    /// A run of this runbook for this alert has not ended.
    pub running: bool,
    /// When the last run of this runbook for this alert ended.
    pub last_ended: Option<DateTime<Utc>>,
    /// Runs of this runbook (any alert) started in the hour before now.
    pub started_last_hour: usize,
}

/// Why a run must not start now; `None`: it may.
pub fn skip_reason(spec: &RunbookSpec, ctx: &AutoContext, now: DateTime<Utc>) -> Option<String> {
    let short = crate::config::duration::short;
    if !spec.auto.enabled {
        return Some("automatic recovery is off for this runbook".into());
    }
    if let Some(quiet) = &ctx.quiet {
        return Some(quiet.clone());
    }
    if ctx.running {
        return Some("a run for this alert is going".into());
    }
    if let Some(ended) = ctx.last_ended {
        let since = (now - ended).to_std().unwrap_or_default();
        if since < spec.auto.cooldown {
            return Some(format!(
                "cooldown: the last run for this alert ended {} ago (cooldown {})",
                short(since),
                short(spec.auto.cooldown)
            ));
        }
    }
    let max = spec.auto.max_runs_per_hour as usize;
    if ctx.started_last_hour >= max {
        return Some(format!(
            "hourly budget spent: {} run(s) of this runbook started in the last hour (max {max})",
            ctx.started_last_hour
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::runbooks::{AutoSpec, Mode};
    use chrono::TimeZone;
    use std::time::Duration;

    fn spec(enabled: bool) -> RunbookSpec {
        RunbookSpec {
            id: "rb".into(),
            name: "rb".into(),
            description: String::new(),
            matchers: Vec::new(),
            mode: Mode::Sequence,
            timeout: Duration::from_secs(60),
            retries: 0,
            auto: AutoSpec {
                enabled,
                max_runs_per_hour: 2,
                cooldown: Duration::from_secs(900),
            },
            steps: Vec::new(),
        }
    }

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    #[test]
    fn a_clear_alert_with_budget_left_starts() {
        assert_eq!(
            skip_reason(&spec(true), &AutoContext::default(), t(0)),
            None
        );
    }

    #[test]
    fn each_guard_rail_names_itself() {
        let now = t(60);
        let quiet = AutoContext {
            quiet: Some("acknowledged by oncall@ops-1".into()),
            ..Default::default()
        };
        assert_eq!(
            skip_reason(&spec(true), &quiet, now).as_deref(),
            Some("acknowledged by oncall@ops-1")
        );
        let running = AutoContext {
            running: true,
            ..Default::default()
        };
        assert_eq!(
            skip_reason(&spec(true), &running, now).as_deref(),
            Some("a run for this alert is going")
        );
        let cooling = AutoContext {
            last_ended: Some(t(55)),
            ..Default::default()
        };
        assert_eq!(
            skip_reason(&spec(true), &cooling, now).as_deref(),
            Some("cooldown: the last run for this alert ended 5m ago (cooldown 15m)")
        );
        let cooled = AutoContext {
            last_ended: Some(t(45)),
            ..Default::default()
        };
        assert_eq!(
            skip_reason(&spec(true), &cooled, now),
            None,
            "15 minutes on: it may"
        );
        let spent = AutoContext {
            started_last_hour: 2,
            ..Default::default()
        };
        let why = skip_reason(&spec(true), &spent, now).unwrap();
        assert!(why.starts_with("hourly budget spent: 2 run(s)"), "{why}");
        assert!(skip_reason(&spec(false), &AutoContext::default(), now).is_some());
    }
}
