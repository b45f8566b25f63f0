//! Resolved rows are bounded. When a storm ends, thousands of alerts resolve
//! at once; listing each for five minutes would keep the storm's memory and
//! bury what still fires. The newest `MAX_ROWS` stay as rows; the rest are
//! counted (the Alerts title says how many) for as long as rows are kept.

#[cfg(test)]
use super::Labels;
use super::{Alert, AlertState, RESOLVED_KEPT};
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// Resolved alerts listed as rows, at most.
pub const MAX_ROWS: usize = 200;

/// Resolved alerts not listed: (when they resolved, how many), oldest first.
#[derive(Debug, Clone, Default)]
pub struct Unlisted {
    batches: VecDeque<(DateTime<Utc>, usize)>,
}

impl Unlisted {
    pub fn count(&self) -> usize {
        self.batches.iter().map(|(_, n)| n).sum()
    }

    /// Forgets those resolved longer ago than rows are kept.
    pub fn expire(&mut self, now: DateTime<Utc>) {
        while self
            .batches
            .front()
            .is_some_and(|(at, _)| expired(*at, now))
        {
            self.batches.pop_front();
        }
    }

    /// When the oldest batch expires.
    pub fn due(&self) -> Option<DateTime<Utc>> {
        self.batches.front().map(|(at, _)| kept_until(*at))
    }

    /// Keeps the newest `MAX_ROWS` resolved rows of `alerts` (in their
    /// order) and counts the others, as resolved `now`.
    pub fn bound(&mut self, alerts: &mut Vec<Alert>, now: DateTime<Utc>) {
        let resolved = alerts
            .iter()
            .filter(|a| a.state == AlertState::Resolved)
            .count();
        if resolved <= MAX_ROWS {
            return;
        }
        let mut times: Vec<DateTime<Utc>> = alerts
            .iter()
            .filter(|a| a.state == AlertState::Resolved)
            .map(|a| a.resolved_at.unwrap_or(now))
            .collect();
        // The newest MAX_ROWS are at or after this one.
        let (_, cut, _) = times.select_nth_unstable_by(MAX_ROWS - 1, |a, b| b.cmp(a));
        let cut = *cut;
        let mut newer = times.iter().filter(|t| **t > cut).count();
        alerts.retain(|a| {
            if a.state != AlertState::Resolved {
                return true;
            }
            let at = a.resolved_at.unwrap_or(now);
            // Of those resolved at the cut, the first ones fill the rows left.
            let keep = at > cut || (at == cut && newer < MAX_ROWS);
            if at == cut && keep {
                newer += 1;
            }
            keep
        });
        self.batches.push_back((now, resolved - MAX_ROWS));
    }
}

fn kept_until(at: DateTime<Utc>) -> DateTime<Utc> {
    at + chrono::Duration::from_std(RESOLVED_KEPT).unwrap_or_default()
}

fn expired(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= kept_until(at)
}

/// When the next resolved row or count goes: the list must be merged again
/// then, though no source changed. Only times still ahead: a resolved row
/// past its time that a source still lists (the local rules keep their own)
/// must not make every tick merge again.
pub fn next_due(
    alerts: &[Alert],
    unlisted: &Unlisted,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    alerts
        .iter()
        .filter(|a| a.state == AlertState::Resolved)
        .filter_map(|a| a.resolved_at)
        .map(kept_until)
        .chain(unlisted.due())
        .filter(|due| *due > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{CPU, labels, t};
    use super::*;

    fn resolved(i: usize, at: i64) -> Alert {
        let l = labels(CPU).with("instance", &format!("node-{i}"));
        let mut a = Alert::new(0, l, Labels::new(), AlertState::Resolved, None);
        a.resolved_at = Some(t(at));
        a
    }

    #[test]
    fn a_storm_that_ends_keeps_the_newest_rows_and_counts_the_rest() {
        let mut alerts: Vec<Alert> = (0..5_000).map(|i| resolved(i, (i % 7) as i64)).collect();
        let firing = Alert::new(0, labels(CPU), Labels::new(), AlertState::Firing, None);
        alerts.push(firing);
        let mut unlisted = Unlisted::default();
        unlisted.bound(&mut alerts, t(10));
        assert_eq!(
            alerts.len(),
            MAX_ROWS + 1,
            "the newest resolved, and what fires"
        );
        assert!(alerts.iter().any(|a| a.state == AlertState::Firing));
        let oldest_kept = alerts.iter().filter_map(|a| a.resolved_at).min().unwrap();
        assert_eq!(oldest_kept, t(6), "only the newest resolved are rows");
        assert_eq!(unlisted.count(), 5_000 - MAX_ROWS);
        assert_eq!(next_due(&alerts, &unlisted, t(10)), Some(t(6 + 300)));
        // Past its time but still listed (a source keeps it): no merge per tick.
        assert_eq!(next_due(&alerts, &unlisted, t(400)), None);
        unlisted.expire(t(309));
        assert_eq!(
            unlisted.count(),
            5_000 - MAX_ROWS,
            "counted for five minutes"
        );
        unlisted.expire(t(310));
        assert_eq!(unlisted.count(), 0);
    }
}
