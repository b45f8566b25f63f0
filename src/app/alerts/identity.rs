//! Which rows are the same alert, found by hashing rather than by comparing
//! every alert with every other: in a storm of 10,000 alerts that is the
//! difference between a millisecond and a frozen screen.
//!
//! Two copies are the same alert when one label set contains the other (see
//! [`same_alert`]): Alertmanager's copy carries Prometheus's external labels.
//! A hash of the whole label set cannot see that, so the names a containing
//! copy adds (`cluster`, `replica`...) are learned ([`Extras`]) and left out
//! of the hash; a candidate found by hash is then checked with `same_alert`.
//! Learning compares an unmatched alert with the rows of the same name, within
//! a fixed budget per merge, so no merge is quadratic.

use super::{Alert, Labels, same_alert};
use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Label names one copy of an alert carries beyond another's (external
/// labels), learned as the merges meet them; never `alertname`.
pub type Extras = BTreeSet<String>;

/// Comparisons spent learning extras in one merge, at most.
const PROBE_BUDGET: usize = 4096;

/// The hash of a label set without the learned extras.
pub fn identity(labels: &Labels, extras: &Extras) -> u64 {
    let mut h = DefaultHasher::new();
    for (k, v) in labels {
        if k != "alertname" && extras.contains(k) {
            continue;
        }
        k.hash(&mut h);
        v.hash(&mut h);
    }
    h.finish()
}

/// Rows by identity.
#[derive(Debug, Default)]
pub struct RowIndex {
    by_id: HashMap<u64, Vec<usize>>,
}

impl RowIndex {
    pub fn build(rows: &[Alert], extras: &Extras) -> RowIndex {
        let mut index = RowIndex {
            by_id: HashMap::with_capacity(rows.len()),
        };
        for (i, row) in rows.iter().enumerate() {
            index.insert(&row.labels, extras, i);
        }
        index
    }

    pub fn insert(&mut self, labels: &Labels, extras: &Extras, row: usize) {
        self.by_id
            .entry(identity(labels, extras))
            .or_default()
            .push(row);
    }

    /// The first row that is the same alert as `labels` and passes `ok`.
    pub fn find(
        &self,
        labels: &Labels,
        extras: &Extras,
        rows: &[Alert],
        ok: impl Fn(&Alert) -> bool,
    ) -> Option<usize> {
        let candidates = self.by_id.get(&identity(labels, extras))?;
        candidates
            .iter()
            .copied()
            .find(|&i| ok(&rows[i]) && same_alert(&rows[i].labels, labels))
    }
}

/// Learns extras from alerts the index did not match, within `PROBE_BUDGET`.
#[derive(Debug)]
pub struct Prober {
    budget: usize,
    /// Rows by alert name, built at the first probe of the current list (a
    /// list that grows meanwhile gains rows of the source being probed, which
    /// it need not find).
    by_name: Option<HashMap<String, Vec<usize>>>,
}

impl Default for Prober {
    fn default() -> Self {
        Prober {
            budget: PROBE_BUDGET,
            by_name: None,
        }
    }
}

impl Prober {
    /// The next probes look in another list (the budget goes on).
    pub fn new_list(&mut self) {
        self.by_name = None;
    }

    /// Looks among the rows of the same name for one that contains (or is
    /// contained in) `labels` with more names; adds those names to `extras`.
    /// Returns whether it learned any.
    pub fn learn(
        &mut self,
        labels: &Labels,
        rows: &[Alert],
        extras: &mut Extras,
        ok: impl Fn(&Alert) -> bool,
    ) -> bool {
        if self.budget == 0 {
            return false;
        }
        let by_name = self.by_name.get_or_insert_with(|| {
            let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, row) in rows.iter().enumerate() {
                by_name.entry(row.name().to_owned()).or_default().push(i);
            }
            by_name
        });
        let name = labels.get("alertname").unwrap_or("");
        let Some(same_name) = by_name.get(name) else {
            return false;
        };
        for &i in same_name.iter().filter(|&&i| i < rows.len()) {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            let row = &rows[i];
            if row.labels.len() == labels.len() || !ok(row) || !same_alert(&row.labels, labels) {
                continue;
            }
            let (big, small) = if row.labels.len() > labels.len() {
                (&row.labels, labels)
            } else {
                (labels, &row.labels)
            };
            let before = extras.len();
            extras.extend(
                big.keys()
                    .filter(|k| !small.contains_key(k) && *k != "alertname")
                    .map(str::to_owned),
            );
            return extras.len() > before;
        }
        false
    }
}

#[cfg(test)]
thread_local! {
    static COMPARISONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts label-set comparisons, so a test can check a merge's shape.
#[cfg(test)]
pub fn count_comparison() {
    COMPARISONS.with(|c| c.set(c.get() + 1));
}

/// Label-set comparisons made on this thread since the last call.
#[cfg(test)]
pub fn take_comparisons() -> usize {
    COMPARISONS.with(|c| c.replace(0))
}
