//! In-memory sample store the evaluator reads from.
//!
//! Each series keeps its samples sorted by time in a `VecDeque`, trimmed to the
//! retention window on every push, so memory is bounded by
//! `series × samples per retention`. Series that stop receiving samples are
//! dropped by `forget_older_than`, which the scraper calls after each round.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use super::Labels;

/// Samples per series, bounded by a retention (e.g. 10m) so memory stays bounded.
#[derive(Debug, Clone)]
pub struct SeriesStore {
    retention_ms: i64,
    series: BTreeMap<Labels, VecDeque<(i64, f64)>>,
}

impl SeriesStore {
    pub fn new(retention: Duration) -> Self {
        // Saturate: a retention beyond i64 milliseconds is "forever" anyway.
        let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        Self {
            retention_ms,
            series: BTreeMap::new(),
        }
    }

    /// Adds one sample; drops samples older than `at - retention` for that series.
    ///
    /// Labels with empty values are removed first: in Prometheus an empty label
    /// is the same as an absent one, and matching relies on that.
    /// A sample at an existing timestamp replaces the old value.
    pub fn push(&mut self, mut labels: Labels, at_ms: i64, value: f64) {
        labels.retain(|_, v| !v.is_empty());
        let samples = self.series.entry(labels).or_default();
        match samples.back() {
            None => samples.push_back((at_ms, value)),
            Some(&(last, _)) if last < at_ms => samples.push_back((at_ms, value)),
            Some(_) => {
                // Out of order (rare: clock steps, replays): keep the deque sorted.
                match samples.binary_search_by_key(&at_ms, |&(t, _)| t) {
                    Ok(i) => samples[i] = (at_ms, value),
                    Err(i) => samples.insert(i, (at_ms, value)),
                }
            }
        }
        // Trim relative to the newest sample, so an old out-of-order push
        // cannot keep stale data alive nor evict fresh data.
        let newest = samples.back().map_or(at_ms, |&(t, _)| t);
        let cutoff = newest.saturating_sub(self.retention_ms);
        while samples.front().is_some_and(|&(t, _)| t < cutoff) {
            samples.pop_front();
        }
    }

    /// Removes series with no sample newer than `before_ms` (a target that went away).
    pub fn forget_older_than(&mut self, before_ms: i64) {
        self.series
            .retain(|_, s| s.back().is_some_and(|&(t, _)| t > before_ms));
    }

    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Total number of samples held, across all series (for memory checks).
    pub fn sample_count(&self) -> usize {
        self.series.values().map(VecDeque::len).sum()
    }

    /// All series with their time-sorted samples.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Labels, &VecDeque<(i64, f64)>)> {
        self.series.iter()
    }
}
