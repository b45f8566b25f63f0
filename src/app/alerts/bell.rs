//! When the terminal bell rings: once when a critical alert starts firing, not
//! again while it flaps (it must have been quiet for `REARM` first), not when
//! only the sources that report it change, never for stale rows, and at most
//! once per `MIN_GAP` whatever happens.

use super::{Alert, AlertState, Labels, Severity, same_alert};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// A critical alert quiet this long rings again when it fires again.
const REARM: Duration = Duration::minutes(5);
/// The bell rings at most this often.
const MIN_GAP: Duration = Duration::seconds(30);

#[derive(Debug, Clone, Default)]
pub struct Bell {
    /// Critical alerts seen firing, by name: their labels and when last seen.
    seen: HashMap<String, Vec<(Labels, DateTime<Utc>)>>,
    last_rang: Option<DateTime<Utc>>,
}

impl Bell {
    /// Takes the merged list; returns whether to ring. `quiet` (the first
    /// seconds after start, which list what was already firing) records
    /// without ringing.
    pub fn observe(&mut self, alerts: &[Alert], now: DateTime<Utc>, quiet: bool) -> bool {
        let mut started = false;
        let critical = alerts.iter().filter(|a| {
            a.state == AlertState::Firing && a.severity == Severity::Critical && !a.stale
        });
        for alert in critical {
            let entries = self.seen.entry(alert.name().to_string()).or_default();
            match entries
                .iter_mut()
                .find(|(l, _)| same_alert(l, &alert.labels))
            {
                Some((_, last)) if now - *last < REARM => *last = now,
                Some((_, last)) => {
                    *last = now;
                    started = true;
                }
                None => {
                    entries.push((alert.labels.clone(), now));
                    started = true;
                }
            }
        }
        self.seen.retain(|_, entries| {
            entries.retain(|(_, last)| now - *last < REARM);
            !entries.is_empty()
        });
        let gap_passed = self.last_rang.is_none_or(|t| now - t >= MIN_GAP);
        let ring = started && !quiet && gap_passed;
        if ring {
            self.last_rang = Some(now);
        }
        ring
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{AM, CPU, PROM, labels, t};
    use super::*;

    fn firing(pairs: &[(&str, &str)], sources: Vec<usize>) -> Alert {
        let mut a = Alert::new(
            PROM,
            &labels(pairs),
            &Labels::new(),
            AlertState::Firing,
            None,
        );
        a.sources = sources;
        a
    }

    #[test]
    fn rings_once_per_start_not_while_it_flaps() {
        let mut bell = Bell::default();
        let cpu = firing(CPU, vec![PROM]);
        assert!(bell.observe(std::slice::from_ref(&cpu), t(0), false));
        assert!(!bell.observe(std::slice::from_ref(&cpu), t(10), false));
        // Flapping: resolved for 20 s, firing again.
        assert!(!bell.observe(&[], t(20), false));
        assert!(!bell.observe(std::slice::from_ref(&cpu), t(40), false));
        // Quiet for longer than REARM: a new start.
        assert!(!bell.observe(&[], t(60), false));
        assert!(bell.observe(&[cpu], t(400), false));
    }

    #[test]
    fn a_change_of_sources_or_labels_from_alertmanager_is_no_new_start() {
        let mut bell = Bell::default();
        assert!(bell.observe(&[firing(CPU, vec![PROM])], t(0), false));
        let mut with_cluster = CPU.to_vec();
        with_cluster.push(("cluster", "eu"));
        let both = firing(&with_cluster, vec![AM, PROM]);
        assert!(!bell.observe(&[both], t(5), false));
    }

    #[test]
    fn at_most_one_ring_per_gap_and_none_while_quiet_or_stale() {
        let mut bell = Bell::default();
        let other = [("alertname", "DiskFull"), ("severity", "critical")];
        assert!(
            !bell.observe(&[firing(CPU, vec![PROM])], t(0), true),
            "quiet"
        );
        assert!(
            !bell.observe(&[firing(CPU, vec![PROM])], t(15), false),
            "seen already"
        );
        assert!(bell.observe(&[firing(&other, vec![PROM])], t(20), false));
        let third = [("alertname", "NodeDown"), ("severity", "critical")];
        assert!(
            !bell.observe(&[firing(&third, vec![PROM])], t(30), false),
            "gap"
        );
        let mut stale = firing(
            &[("alertname", "Late"), ("severity", "critical")],
            vec![PROM],
        );
        stale.stale = true;
        assert!(!bell.observe(&[stale], t(90), false));
    }
}
