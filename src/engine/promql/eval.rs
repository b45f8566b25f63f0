//! Tree-walking evaluation of a checked expression at one instant.

use super::Labels;
use super::check::{Node, Selector};
use super::store::SeriesStore;
use super::{aggregate, binary, functions};

/// Prometheus's default lookback delta for instant selectors.
pub(crate) const LOOKBACK_MS: i64 = 5 * 60 * 1000;

/// Prometheus's staleness marker (a specific NaN); a series whose newest
/// sample is this marker is treated as gone, as Prometheus does.
const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// Prometheus's staleness marker: a series with this as its newest sample has
/// no value from then on (its target failed or stopped exposing it).
pub const STALE_NAN: f64 = f64::from_bits(STALE_NAN_BITS);

pub(crate) type Sample = (Labels, f64);

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Scalar(f64),
    Vector(Vec<Sample>),
}

pub(crate) struct Ctx<'a> {
    pub store: &'a SeriesStore,
    pub at_ms: i64,
}

impl Ctx<'_> {
    pub fn eval(&self, node: &Node) -> Result<Value, String> {
        match node {
            Node::Number(v) => Ok(Value::Scalar(*v)),
            Node::Selector(sel) => Ok(Value::Vector(self.instant(sel))),
            Node::RangeCall {
                func,
                sel,
                range_ms,
            } => {
                let end = self.at_ms.saturating_sub(sel.offset_ms);
                let start = end.saturating_sub(*range_ms);
                let out = self
                    .range(sel, start, end)
                    .into_iter()
                    .filter_map(|(labels, pts)| {
                        functions::range_fn(*func, &pts, start, end, *range_ms)
                            .map(|v| (drop_name(labels), v))
                    })
                    .collect::<Vec<_>>();
                check_unique(&out)?;
                Ok(Value::Vector(out))
            }
            Node::Call { func, args } => {
                let args = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<Vec<_>, _>>()?;
                let out = functions::call(*func, args, self.at_ms)?;
                if let Value::Vector(v) = &out {
                    check_unique(v)?;
                }
                Ok(out)
            }
            Node::Neg(inner) => Ok(match self.eval(inner)? {
                Value::Scalar(v) => Value::Scalar(-v),
                Value::Vector(v) => {
                    let out: Vec<Sample> = v.into_iter().map(|(l, x)| (drop_name(l), -x)).collect();
                    check_unique(&out)?;
                    Value::Vector(out)
                }
            }),
            Node::Binary(b) => {
                let lhs = self.eval(&b.lhs)?;
                let rhs = self.eval(&b.rhs)?;
                binary::eval(b, lhs, rhs)
            }
            Node::Aggregate { op, grouping, expr } => match self.eval(expr)? {
                Value::Vector(v) => Ok(Value::Vector(aggregate::eval(*op, grouping, v))),
                Value::Scalar(_) => Err("aggregation expects an instant vector".into()),
            },
        }
    }

    /// Each matching series' newest sample in `(t - 5m, t]` (Prometheus 3's
    /// left-open lookback window).
    fn instant(&self, sel: &Selector) -> Vec<Sample> {
        let t = self.at_ms.saturating_sub(sel.offset_ms);
        let from = t.saturating_sub(LOOKBACK_MS);
        let mut out = Vec::new();
        for (labels, samples) in self.store.iter() {
            if !matches(labels, sel) {
                continue;
            }
            let idx = samples.partition_point(|&(ts, _)| ts <= t);
            let Some(&(ts, v)) = idx.checked_sub(1).and_then(|i| samples.get(i)) else {
                continue;
            };
            if ts > from && v.to_bits() != STALE_NAN_BITS {
                out.push((labels.clone(), v));
            }
        }
        out
    }

    /// Each matching series' samples in `(start, end]`, in time order.
    fn range(&self, sel: &Selector, start: i64, end: i64) -> Vec<(Labels, Vec<(i64, f64)>)> {
        let mut out = Vec::new();
        for (labels, samples) in self.store.iter() {
            if !matches(labels, sel) {
                continue;
            }
            let pts: Vec<(i64, f64)> = samples
                .iter()
                .copied()
                .filter(|&(ts, v)| ts > start && ts <= end && v.to_bits() != STALE_NAN_BITS)
                .collect();
            if !pts.is_empty() {
                out.push((labels.clone(), pts));
            }
        }
        out
    }
}

/// Absent labels match as the empty string, as in Prometheus.
fn matches(labels: &Labels, sel: &Selector) -> bool {
    sel.matchers
        .iter()
        .all(|m| m.is_match(labels.get(&m.name).map_or("", String::as_str)))
}

pub(crate) fn drop_name(mut labels: Labels) -> Labels {
    labels.remove("__name__");
    labels
}

/// Prometheus refuses results where two samples share a label set (e.g.
/// `rate({__name__=~"a|b"}[5m])` when `a` and `b` have the same labels).
pub(crate) fn check_unique(v: &[Sample]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for (l, _) in v {
        if !seen.insert(l) {
            return Err("vector cannot contain metrics with the same labelset".into());
        }
    }
    Ok(())
}
