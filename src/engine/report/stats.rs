//! Medians and 95th percentiles, as the report states them: the median of
//! an even count is the mean of the middle two; the 95th percentile is the
//! nearest rank (the smallest value at least 95 % of them do not exceed),
//! so every figure is one a reader can find in the records.

use serde::Serialize;

/// Durations in seconds: how many, their median and 95th percentile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub count: usize,
    pub median: Option<f64>,
    pub p95: Option<f64>,
}

impl Spread {
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.retain(|v| v.is_finite());
        values.sort_unstable_by(f64::total_cmp);
        Spread {
            count: values.len(),
            median: median_sorted(&values),
            p95: percentile_sorted(&values, 95.0),
        }
    }
}

fn median_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Nearest rank: the value at rank ceil(p/100 × n).
fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The 95th percentile of `values` (nearest rank).
pub fn p95(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    v.sort_unstable_by(f64::total_cmp);
    percentile_sorted(&v, 95.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_p95() {
        let s = Spread::of(vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!((s.count, s.median, s.p95), (4, Some(2.5), Some(4.0)));
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        // 95 % of 20 is rank 19.
        assert_eq!(Spread::of(twenty).p95, Some(19.0));
        assert_eq!(Spread::of(vec![7.0]).median, Some(7.0));
        assert_eq!(Spread::of(vec![]).median, None);
        assert_eq!(p95([f64::NAN, 1.0]), Some(1.0));
    }
}
