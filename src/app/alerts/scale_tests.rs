//! The shape of a merge in a storm: the work per alert stays the same from
//! 1,000 to 10,000 alerts (counted, not timed), and the learned external
//! labels still join the two copies of each alert.
use super::identity::take_comparisons;
use super::tests::*;
use super::*;
use crate::collect::alertmanager::AmAlertState;
use crate::collect::prometheus::PromAlertState;

const NAMES: usize = 50;

/// `n` alerts of 50 names, each in Prometheus and (with an external label) in
/// Alertmanager, a tenth of them silenced by one silence per name.
pub(super) fn storm(n: usize) -> AlertInputs {
    let severities = ["critical", "warning", "info"];
    let mut p = Vec::with_capacity(n);
    let mut a = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("Storm{:02}", i % NAMES);
        let instance = format!("node-{i:05}");
        let pairs = [
            ("alertname", name.as_str()),
            ("instance", instance.as_str()),
            ("severity", severities[i % 3]),
        ];
        p.push(prom(PromAlertState::Firing, &pairs, -300));
        let mut copy = am(&[pairs.as_slice(), &[("cluster", "eu")]].concat(), -290);
        if i % 10 == 0 {
            copy.state = AmAlertState::Suppressed;
            copy.silenced_by = vec!["s1".into()];
        }
        a.push(copy);
    }
    inputs(
        p,
        a,
        vec![silence("s1", "maintenance", "ana@ops", "Storm00")],
    )
}

/// Comparisons of one merge of `n` alerts over the previous merge of the same
/// storm, with the external label already learned (as a running dashboard has
/// it after its first merge).
fn comparisons_per_merge(n: usize) -> (usize, Vec<Alert>) {
    let inputs = storm(n);
    let mut extras = Extras::new();
    let first = merge_with(&inputs, &mut extras, &[], |_| true, "", t(0));
    assert!(extras.contains("cluster"), "learned: {extras:?}");
    take_comparisons();
    let merged = merge_with(&inputs, &mut extras, &first, |_| true, "", t(5));
    (take_comparisons(), merged)
}

#[test]
fn a_merge_costs_the_same_per_alert_at_1k_and_10k() {
    let (small, merged) = comparisons_per_merge(1_000);
    assert_eq!(merged.len(), 1_000, "one row per alert, both sources");
    assert!(merged.iter().all(|a| a.sources.len() == 2));
    let (big, merged) = comparisons_per_merge(10_000);
    assert_eq!(merged.len(), 10_000);
    let silenced = merged
        .iter()
        .filter(|a| a.state == AlertState::Silenced)
        .count();
    assert_eq!(silenced, 1_000);
    // Linear: a few comparisons per alert, whatever the storm's size (the
    // old merge made 20 times as many per alert at 10k as at 1k).
    assert!(small <= 5 * 1_000, "{small} comparisons for 1k alerts");
    assert!(big <= 5 * 10_000, "{big} comparisons for 10k alerts");
    assert!(big <= 11 * small, "1k: {small}, 10k: {big}");
}

#[test]
fn learning_the_external_labels_is_bounded_when_nothing_matches() {
    // Prometheus and Alertmanager hold different alerts of the same names:
    // nothing can be learned, and the search must give up within its budget.
    let mut inputs = storm(10_000);
    for (i, p) in inputs
        .prometheus
        .get_mut(&PROM)
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        p.labels = p.labels.with("instance", &format!("other-{i}"));
    }
    take_comparisons();
    let merged = merge(&inputs, &[], |_| true, "", t(0));
    assert_eq!(merged.len(), 20_000);
    assert!(take_comparisons() <= 20_000);
}
