//! Alerts whose every source is failing: what is shown is the last thing those
//! sources said, so the row is marked stale (no response countdown, no bell, no
//! history event), and it keeps what healthier sources said of it before (the
//! labels Alertmanager added, the Alertmanager that has it) so a silence made
//! from those labels still finds it.

use super::Alert;
use super::identity::{Extras, Prober, RowIndex};
use crate::app::sources::SourceId;

pub(super) fn mark_stale(
    alerts: &mut [Alert],
    previous: &[Alert],
    healthy: impl Fn(SourceId) -> bool,
    extras: &mut Extras,
    prober: &mut Prober,
) {
    // Built only if some row is stale: the usual merge has none.
    let mut before: Option<RowIndex> = None;
    prober.new_list();
    for alert in alerts.iter_mut() {
        alert.stale = !alert.sources.is_empty() && alert.sources.iter().all(|s| !healthy(*s));
        if !alert.stale {
            continue;
        }
        let mut index = before
            .take()
            .unwrap_or_else(|| RowIndex::build(previous, extras));
        let mut found = index.find(&alert.labels, extras, previous, |_| true);
        if found.is_none() && prober.learn(&alert.labels, previous, extras, |_| true) {
            index = RowIndex::build(previous, extras);
            found = index.find(&alert.labels, extras, previous, |_| true);
        }
        if let Some(i) = found {
            carry_over(alert, &previous[i]);
        }
        before = Some(index);
    }
}

/// What an earlier, fuller row of the same alert knew that a failing source's
/// copy lacks.
fn carry_over(alert: &mut Alert, old: &Alert) {
    fill_in(&mut alert.labels, &old.labels);
    fill_in(&mut alert.annotations, &old.annotations);
    alert.alertmanager = alert.alertmanager.or(old.alertmanager);
    if alert.generator_url.is_none() {
        alert.generator_url.clone_from(&old.generator_url);
    }
    alert.since = super::earliest(alert.since, old.since);
    alert.fired_at = alert.fired_at.or(old.fired_at);
}

/// Adds what `from` has and `to` lacks (a new set only if it changes).
pub(super) fn fill_in(to: &mut super::Labels, from: &super::Labels) {
    if from.keys().all(|k| to.contains_key(k)) {
        return;
    }
    *to = to.union(from);
}

#[cfg(test)]
mod tests {
    use super::super::tests::*;
    use super::super::*;
    use crate::collect::alertmanager::AmAlertState;
    use crate::collect::prometheus::PromAlertState;

    /// Prometheus stopped: Alertmanager, still up, resolved the alert it no
    /// longer hears about; Prometheus's last list still says firing.
    fn prometheus_stopped(with_cluster: &[(&str, &str)]) -> (AlertInputs, Vec<Alert>) {
        let acked = {
            let mut s = silence("s1", "ACK! on it", "ana@ops", "HighCPU");
            s.matchers.push(crate::collect::alertmanager::Matcher {
                name: "cluster".into(),
                value: "eu".into(),
                is_regex: false,
                is_equal: true,
            });
            s
        };
        let mut suppressed = am(with_cluster, -300);
        suppressed.state = AmAlertState::Suppressed;
        suppressed.silenced_by = vec!["s1".into()];
        let before = inputs(
            vec![prom(PromAlertState::Firing, CPU, -300)],
            vec![suppressed],
            vec![acked.clone()],
        );
        let previous = merge_healthy(&before, &[], 0);
        assert_eq!(previous[0].state, AlertState::Acknowledged);
        let after = inputs(
            vec![prom(PromAlertState::Firing, CPU, -300)],
            vec![],
            vec![acked],
        );
        (after, previous)
    }

    fn cluster_cpu() -> Vec<(&'static str, &'static str)> {
        let mut l = CPU.to_vec();
        l.push(("cluster", "eu"));
        l
    }

    #[test]
    fn a_down_sources_alert_is_stale_and_keeps_its_ack_labels_and_alertmanager() {
        let (after, previous) = prometheus_stopped(&cluster_cpu());
        let prom_down = |id: SourceId| id != PROM;
        let list = merge(&after, &previous, prom_down, "", t(60));
        assert_eq!(list.len(), 1, "{list:#?}");
        let a = &list[0];
        assert!(a.stale, "its only source is down");
        assert_eq!(
            a.state,
            AlertState::Acknowledged,
            "the ACK silence still applies"
        );
        assert_eq!(a.ack.as_ref().map(|k| k.by.as_str()), Some("ana@ops"));
        assert_eq!(a.labels.get("cluster"), Some("eu"));
        assert_eq!(a.alertmanager, Some(AM), "u expires the silence there");
        // No response deadline is counted for what may have resolved.
        let level = a.level(&[]);
        assert_eq!(a.response_left(level, t(3600)), None);
    }

    #[test]
    fn a_prometheus_only_alert_under_an_ack_silence_is_acknowledged() {
        let i = inputs(
            vec![prom(PromAlertState::Firing, CPU, -300)],
            vec![],
            vec![silence("s9", "ACK! disk swap", "bo@ops", "HighCPU")],
        );
        let list = merge_healthy(&i, &[], 0);
        assert_eq!(names(&list), vec!["HighCPU acked"]);
        assert_eq!(list[0].alertmanager, Some(AM));
        assert!(!list[0].stale);
        let plain = inputs(
            vec![prom(PromAlertState::Firing, CPU, -300)],
            vec![],
            vec![silence("s8", "maintenance", "bo@ops", "HighCPU")],
        );
        let list = merge_healthy(&plain, &[], 0);
        assert_eq!(names(&list), vec!["HighCPU silenced"]);
        assert_eq!(list[0].silenced_by, vec!["s8".to_string()]);
    }

    #[test]
    fn an_expired_silence_applies_to_nothing() {
        let mut gone = silence("s7", "ACK! old", "bo@ops", "HighCPU");
        gone.state = SilenceState::Expired;
        let i = inputs(
            vec![prom(PromAlertState::Firing, CPU, -300)],
            vec![],
            vec![gone],
        );
        let list = merge_healthy(&i, &[], 0);
        assert_eq!(names(&list), vec!["HighCPU firing"]);
        assert_eq!(list[0].alertmanager, None);
    }

    #[test]
    fn a_silence_past_its_end_applies_to_nothing_though_last_reported_active() {
        // Its Alertmanager is down: the last list still says active.
        let i = inputs(
            vec![prom(PromAlertState::Firing, CPU, -300)],
            vec![],
            vec![silence("s6", "ACK! old", "bo@ops", "HighCPU")],
        );
        let list = merge(&i, &[], |id| id != AM, "", t(3480));
        assert_eq!(names(&list), vec!["HighCPU firing"], "it ended at 3480");
    }

    #[test]
    fn back_from_down_is_no_longer_stale() {
        let (after, previous) = prometheus_stopped(&cluster_cpu());
        let stale = merge(&after, &previous, |id| id != PROM, "", t(60));
        let list = merge_healthy(&after, &stale, 70);
        assert!(!list[0].stale);
    }
}
