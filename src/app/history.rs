//! Bounded history for charts: a ring buffer per series, sized from
//! `general.history / general.refresh`, so memory is flat however long opsdeck runs.

use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    values: VecDeque<f64>,
    capacity: usize,
}

impl Series {
    pub fn new(capacity: usize) -> Self {
        Self {
            values: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
        }
    }

    pub fn push(&mut self, value: f64) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values.push_back(value);
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = f64> + ExactSizeIterator + Clone + '_ {
        self.values.iter().copied()
    }

    /// The window squeezed into `buckets` columns, newest last. A column holds a fixed
    /// span of samples (aligned to the total count) and shows their maximum, so
    /// a chart's columns only move when a whole bucket fills: spikes stay visible and
    /// the terminal is not repainted every sample.
    pub fn buckets(&self, buckets: usize, total_seen: u64) -> Vec<Option<f64>> {
        if buckets == 0 {
            return Vec::new();
        }
        let per = self.capacity.div_ceil(buckets).max(1);
        let mut out = vec![None; buckets];
        // Index of each sample in the absolute sequence, so bucket edges stay put.
        let first_abs = total_seen.saturating_sub(self.values.len() as u64);
        let newest_bucket = total_seen.saturating_sub(1) / per as u64;
        for (i, v) in self.values.iter().enumerate() {
            let abs = first_abs + i as u64;
            let bucket = abs / per as u64;
            let back = (newest_bucket - bucket) as usize;
            if back >= buckets {
                continue;
            }
            let slot = &mut out[buckets - 1 - back];
            *slot = Some(slot.map_or(*v, |s: f64| s.max(*v)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_capacity() {
        let mut s = Series::new(3);
        for v in 0..10 {
            s.push(v as f64);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![7.0, 8.0, 9.0]);
    }

    #[test]
    fn buckets_hold_max_and_stay_aligned() {
        let mut s = Series::new(8);
        let mut seen = 0;
        for v in [1.0, 5.0, 2.0] {
            s.push(v);
            seen += 1;
        }
        // 8 samples over 4 columns: 2 per column; samples 0,1 | 2
        assert_eq!(s.buckets(4, seen), vec![None, None, Some(5.0), Some(2.0)]);
        s.push(3.0);
        seen += 1;
        assert_eq!(s.buckets(4, seen), vec![None, None, Some(5.0), Some(3.0)]);
    }
}
