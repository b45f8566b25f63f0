//! When the terminal bell rings: once when a critical alert starts firing, not
//! again while it flaps (it must have been quiet for `REARM` first), not when
//! only the sources that report it change, never for stale rows, and at most
//! once per `MIN_GAP` whatever happens.

use super::identity::{Extras, identity};
use super::{Alert, AlertState, Labels, Severity, same_alert};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// A critical alert quiet this long rings again when it fires again.
const REARM: Duration = Duration::minutes(5);
/// The bell rings at most this often.
const MIN_GAP: Duration = Duration::seconds(30);

/// A critical alert seen firing: its labels, and since when it has not been
/// (`None`: it still is).
type Seen = (Labels, Option<DateTime<Utc>>);

#[derive(Debug, Clone, Default)]
pub struct Bell {
    /// Critical alerts seen firing (stale ones too), by identity (labels
    /// without the learned external ones): their labels, and since when they
    /// have not been seen firing (`None`: they still are).
    seen: HashMap<u64, Vec<Seen>>,
    /// How many external labels `seen` was keyed without (they only grow).
    keyed_with: usize,
    last_rang: Option<DateTime<Utc>>,
}

/// What a merged list means for the bell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rings {
    /// A critical alert started firing (the wall header flashes).
    pub started: bool,
    /// And the bell may ring (not in the first seconds, not within the gap).
    pub ring: bool,
}

impl Bell {
    /// Takes the merged list. `quiet` (the first seconds after start, which
    /// list what was already firing) records without ringing.
    pub fn observe(
        &mut self,
        alerts: &[Alert],
        extras: &Extras,
        now: DateTime<Utc>,
        quiet: bool,
    ) -> Rings {
        self.rekey(extras);
        let mut started = false;
        let mut firing_now: HashMap<u64, Vec<&Labels>> = HashMap::new();
        for alert in alerts.iter().filter(|a| rings_for(a)) {
            let id = identity(&alert.labels, extras);
            firing_now.entry(id).or_default().push(&alert.labels);
            started |= self.saw_firing(id, alert, now);
        }
        // What is no longer firing starts its quiet time (once), and is
        // forgotten when that is long enough to ring again anyway.
        self.seen.retain(|id, entries| {
            let still = firing_now.get(id);
            for (labels, quiet_since) in entries.iter_mut() {
                let firing = still.is_some_and(|l| l.iter().any(|x| same_alert(x, labels)));
                if !firing && quiet_since.is_none() {
                    *quiet_since = Some(now);
                }
            }
            entries.retain(|(_, q)| q.is_none_or(|q| now - q < REARM));
            !entries.is_empty()
        });
        self.rings(started, quiet, now)
    }

    /// What changed in the list when only some rows did: `gone` left it,
    /// `came` joined it, every other row is as at the last look. Costs in
    /// proportion to those rows, not to the list.
    pub fn observe_changed(
        &mut self,
        gone: &[Alert],
        came: &[Alert],
        extras: &Extras,
        now: DateTime<Utc>,
        quiet: bool,
    ) -> Rings {
        self.rekey(extras);
        let mut started = false;
        for alert in came.iter().filter(|a| rings_for(a)) {
            started |= self.saw_firing(identity(&alert.labels, extras), alert, now);
        }
        for alert in gone.iter().filter(|a| rings_for(a)) {
            let still = came
                .iter()
                .any(|c| rings_for(c) && same_alert(&c.labels, &alert.labels));
            let id = identity(&alert.labels, extras);
            if let Some(entries) = self.seen.get_mut(&id).filter(|_| !still) {
                for (labels, quiet_since) in entries.iter_mut() {
                    if quiet_since.is_none() && same_alert(labels, &alert.labels) {
                        *quiet_since = Some(now);
                    }
                }
            }
        }
        self.rings(started, quiet, now)
    }

    /// Notes `alert` (identity `id`) firing; true if that starts it (new, or
    /// quiet for `REARM`). A stale row may have stopped firing meanwhile: it
    /// never starts one.
    fn saw_firing(&mut self, id: u64, alert: &Alert, now: DateTime<Utc>) -> bool {
        let entries = self.seen.entry(id).or_default();
        let known = entries
            .iter_mut()
            .find(|(l, _)| same_alert(l, &alert.labels));
        let new_start = match known {
            Some((_, quiet_since)) => {
                let rearmed = quiet_since.is_some_and(|q| now - q >= REARM);
                *quiet_since = None;
                rearmed
            }
            None => {
                entries.push((alert.labels.clone(), None));
                true
            }
        };
        new_start && !alert.stale
    }

    fn rings(&mut self, started: bool, quiet: bool, now: DateTime<Utc>) -> Rings {
        let gap_passed = self.last_rang.is_none_or(|t| now - t >= MIN_GAP);
        let ring = started && !quiet && gap_passed;
        if ring {
            self.last_rang = Some(now);
        }
        Rings {
            started: started && !quiet,
            ring,
        }
    }
}

/// A row the bell rings for when it starts firing.
fn rings_for(alert: &Alert) -> bool {
    alert.state == AlertState::Firing && alert.severity == Severity::Critical
}

impl Bell {
    /// A newly learned external label changes identities: without it, the
    /// same alert would look new and ring.
    fn rekey(&mut self, extras: &Extras) {
        if extras.len() == self.keyed_with {
            return;
        }
        let seen = std::mem::take(&mut self.seen);
        for entry in seen.into_values().flatten() {
            let id = identity(&entry.0, extras);
            self.seen.entry(id).or_default().push(entry);
        }
        self.keyed_with = extras.len();
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{AM, CPU, PROM, labels, t};
    use super::*;

    fn firing(pairs: &[(&str, &str)], sources: Vec<usize>) -> Alert {
        let mut a = Alert::new(PROM, labels(pairs), Labels::new(), AlertState::Firing, None);
        a.sources = sources;
        a
    }

    fn ring(bell: &mut Bell, alerts: &[Alert], now: DateTime<Utc>, quiet: bool) -> bool {
        bell.observe(alerts, &Extras::new(), now, quiet).ring
    }

    #[test]
    fn rings_once_per_start_not_while_it_flaps() {
        let mut bell = Bell::default();
        let cpu = firing(CPU, vec![PROM]);
        assert!(ring(&mut bell, std::slice::from_ref(&cpu), t(0), false));
        assert!(!ring(&mut bell, std::slice::from_ref(&cpu), t(10), false));
        // Flapping: resolved for 20 s, firing again.
        assert!(!ring(&mut bell, &[], t(20), false));
        assert!(!ring(&mut bell, std::slice::from_ref(&cpu), t(40), false));
        // Quiet for longer than REARM: a new start.
        assert!(!ring(&mut bell, &[], t(60), false));
        assert!(ring(&mut bell, &[cpu], t(400), false));
    }

    #[test]
    fn firing_steadily_or_stale_for_long_is_no_new_start() {
        let mut bell = Bell::default();
        let cpu = firing(CPU, vec![PROM]);
        assert!(ring(&mut bell, std::slice::from_ref(&cpu), t(0), false));
        // Nothing merged for ten minutes (nothing changed), then something did.
        assert!(!ring(&mut bell, std::slice::from_ref(&cpu), t(600), false));
        // Its source down for ten minutes: stale all along, then live again.
        let mut stale = cpu.clone();
        stale.stale = true;
        assert!(!ring(&mut bell, &[stale.clone()], t(610), false));
        assert!(!ring(&mut bell, &[stale], t(1210), false));
        assert!(!ring(&mut bell, &[cpu], t(1220), false));
    }

    #[test]
    fn a_start_within_the_gap_still_flashes() {
        let mut bell = Bell::default();
        let disk = [("alertname", "DiskFull"), ("severity", "critical")];
        assert!(
            bell.observe(&[firing(CPU, vec![PROM])], &Extras::new(), t(0), false)
                .ring
        );
        let rings = bell.observe(&[firing(&disk, vec![PROM])], &Extras::new(), t(5), false);
        assert_eq!(
            rings,
            Rings {
                started: true,
                ring: false
            }
        );
    }

    #[test]
    fn a_change_of_sources_or_labels_from_alertmanager_is_no_new_start() {
        let mut bell = Bell::default();
        assert!(ring(&mut bell, &[firing(CPU, vec![PROM])], t(0), false));
        let mut with_cluster = CPU.to_vec();
        with_cluster.push(("cluster", "eu"));
        let both = firing(&with_cluster, vec![AM, PROM]);
        // The merge that joined the two copies learned the external label.
        let extras = Extras::from(["cluster".to_string()]);
        assert!(!bell.observe(&[both], &extras, t(5), false).ring);
    }

    #[test]
    fn at_most_one_ring_per_gap_and_none_while_quiet_or_stale() {
        let mut bell = Bell::default();
        let other = [("alertname", "DiskFull"), ("severity", "critical")];
        assert!(
            !ring(&mut bell, &[firing(CPU, vec![PROM])], t(0), true),
            "quiet"
        );
        assert!(
            !ring(&mut bell, &[firing(CPU, vec![PROM])], t(15), false),
            "seen already"
        );
        assert!(ring(&mut bell, &[firing(&other, vec![PROM])], t(20), false));
        let third = [("alertname", "NodeDown"), ("severity", "critical")];
        assert!(
            !ring(&mut bell, &[firing(&third, vec![PROM])], t(30), false),
            "gap"
        );
        let mut stale = firing(
            &[("alertname", "Late"), ("severity", "critical")],
            vec![PROM],
        );
        stale.stale = true;
        assert!(!ring(&mut bell, &[stale], t(90), false));
    }
}
