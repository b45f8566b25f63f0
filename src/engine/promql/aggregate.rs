//! `sum`, `avg`, `min`, `max`, `count` with `by` / `without`.

use std::collections::BTreeMap;

use super::Labels;
use super::check::{AggOp, Grouping};
use super::eval::Sample;

#[derive(Default)]
struct Acc {
    sum: f64,
    count: usize,
    /// `None` until the first sample; min/max follow Prometheus: a NaN is
    /// replaced by any later number, so NaN only survives if all are NaN.
    min: Option<f64>,
    max: Option<f64>,
}

pub(crate) fn eval(op: AggOp, grouping: &Grouping, v: Vec<Sample>) -> Vec<Sample> {
    let mut groups: BTreeMap<Labels, Acc> = BTreeMap::new();
    for (labels, x) in v {
        let acc = groups.entry(group_labels(grouping, labels)).or_default();
        acc.sum += x;
        acc.count += 1;
        acc.min = Some(match acc.min {
            Some(m) if !(x < m || m.is_nan()) => m,
            _ => x,
        });
        acc.max = Some(match acc.max {
            Some(m) if !(x > m || m.is_nan()) => m,
            _ => x,
        });
    }
    groups
        .into_iter()
        .map(|(labels, acc)| {
            let value = match op {
                AggOp::Sum => acc.sum,
                // count ≥ 1 for every group that exists; usize → f64 is exact
                // for any realistic series count.
                AggOp::Avg => acc.sum / acc.count as f64,
                AggOp::Count => acc.count as f64,
                AggOp::Min => acc.min.unwrap_or(f64::NAN),
                AggOp::Max => acc.max.unwrap_or(f64::NAN),
            };
            (labels, value)
        })
        .collect()
}

fn group_labels(grouping: &Grouping, mut labels: Labels) -> Labels {
    match grouping {
        Grouping::By(by) => labels.retain(|k, _| by.contains(k)),
        Grouping::Without(without) => {
            labels.retain(|k, _| k != "__name__" && !without.contains(k));
        }
    }
    labels
}
