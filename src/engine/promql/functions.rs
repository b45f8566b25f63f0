//! Function implementations, following Prometheus's `promql/functions.go`
//! and `promql/quantile.go` so alert rules give the same numbers locally.

use std::collections::BTreeMap;

use super::Labels;
use super::check::{Func, RangeFn};
use super::eval::{Sample, Value, drop_name};

/// One series' value for a range function, `None` when Prometheus would
/// produce no sample (too few points).
pub(crate) fn range_fn(
    func: RangeFn,
    pts: &[(i64, f64)],
    start: i64,
    end: i64,
    range_ms: i64,
) -> Option<f64> {
    let first = pts.first()?;
    match func {
        RangeFn::Rate => extrapolated_rate(pts, start, end, range_ms, true),
        RangeFn::Increase => extrapolated_rate(pts, start, end, range_ms, false),
        RangeFn::AvgOverTime => Some(pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64),
        RangeFn::MaxOverTime => {
            Some(pts[1..].iter().fold(
                first.1,
                |m, &(_, x)| {
                    if x > m || m.is_nan() { x } else { m }
                },
            ))
        }
        RangeFn::MinOverTime => {
            Some(pts[1..].iter().fold(
                first.1,
                |m, &(_, x)| {
                    if x < m || m.is_nan() { x } else { m }
                },
            ))
        }
    }
}

/// Prometheus's `extrapolatedRate` for counters: the increase over the
/// samples (adding back the pre-reset value at each counter reset),
/// extrapolated towards the range boundaries when the first/last samples are
/// within 1.1 average intervals of them, but never below a zero counter.
fn extrapolated_rate(
    pts: &[(i64, f64)],
    range_start: i64,
    range_end: i64,
    range_ms: i64,
    is_rate: bool,
) -> Option<f64> {
    if pts.len() < 2 {
        return None;
    }
    let (first_t, first_v) = pts[0];
    let (last_t, last_v) = pts[pts.len() - 1];
    let mut result = last_v - first_v;
    let mut prev = first_v;
    for &(_, v) in &pts[1..] {
        if v < prev {
            result += prev;
        }
        prev = v;
    }

    let mut to_start = first_t.saturating_sub(range_start) as f64 / 1000.0;
    let mut to_end = range_end.saturating_sub(last_t) as f64 / 1000.0;
    let sampled = last_t.saturating_sub(first_t) as f64 / 1000.0;
    let avg_step = sampled / (pts.len() - 1) as f64;
    let threshold = avg_step * 1.1;

    if to_start >= threshold {
        to_start = avg_step / 2.0;
    }
    if result > 0.0 && first_v >= 0.0 {
        // A counter cannot go below zero: do not extrapolate past the point
        // where the line through the samples reaches zero.
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg_step / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if is_rate {
        factor /= range_ms as f64 / 1000.0;
    }
    Some(result * factor)
}

pub(crate) fn call(func: Func, args: Vec<Value>, at_ms: i64) -> Result<Value, String> {
    let mut args = args.into_iter();
    let mut next = || {
        args.next()
            .ok_or_else(|| "missing function argument".to_string())
    };
    Ok(match func {
        Func::Time => Value::Scalar(at_ms as f64 / 1000.0),
        Func::Vector => Value::Vector(vec![(Labels::new(), scalar(next()?)?)]),
        Func::Scalar => {
            let v = vector(next()?)?;
            Value::Scalar(match v.as_slice() {
                [(_, x)] => *x,
                _ => f64::NAN,
            })
        }
        Func::Abs => map(vector(next()?)?, f64::abs),
        Func::ClampMin => {
            let v = vector(next()?)?;
            let lo = scalar(next()?)?;
            map(v, |x| go_max(lo, x))
        }
        Func::ClampMax => {
            let v = vector(next()?)?;
            let hi = scalar(next()?)?;
            map(v, |x| go_min(hi, x))
        }
        Func::HistogramQuantile => {
            let q = scalar(next()?)?;
            let v = vector(next()?)?;
            Value::Vector(histogram_quantile(q, v))
        }
    })
}

fn scalar(v: Value) -> Result<f64, String> {
    match v {
        Value::Scalar(x) => Ok(x),
        Value::Vector(_) => Err("expected a scalar argument".into()),
    }
}

fn vector(v: Value) -> Result<Vec<Sample>, String> {
    match v {
        Value::Vector(x) => Ok(x),
        Value::Scalar(_) => Err("expected an instant vector argument".into()),
    }
}

fn map(v: Vec<Sample>, f: impl Fn(f64) -> f64) -> Value {
    Value::Vector(v.into_iter().map(|(l, x)| (drop_name(l), f(x))).collect())
}

/// Go's `math.Max`: NaN wins (Rust's `f64::max` ignores NaN).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Groups classic-histogram buckets by their labels without `le` and
/// `__name__`, then applies Prometheus's `BucketQuantile`. Samples without a
/// parseable `le` are ignored, as Prometheus does.
fn histogram_quantile(q: f64, v: Vec<Sample>) -> Vec<Sample> {
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for (mut labels, count) in v {
        let Some(le) = labels.remove("le") else {
            continue;
        };
        let Some(upper) = parse_le(&le) else {
            continue;
        };
        groups
            .entry(drop_name(labels))
            .or_default()
            .push((upper, count));
    }
    groups
        .into_iter()
        .map(|(labels, buckets)| (labels, bucket_quantile(q, buckets)))
        .collect()
}

/// Go's `strconv.ParseFloat` accepts `+Inf`, `Inf`, `inf` etc.; Rust's parser
/// accepts the same spellings (and `infinity`), which is close enough here.
fn parse_le(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}

/// Prometheus's `BucketQuantile` (promql/quantile.go) for `(upper bound,
/// cumulative count)` pairs.
pub(crate) fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    match buckets.last() {
        Some(&(ub, _)) if ub == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    let mut buckets = coalesce(buckets);
    ensure_monotonic(&mut buckets);
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let n = buckets.len();
    let observations = buckets[n - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    // Go's sort.Search over the first n-1 buckets.
    let b = buckets[..n - 1].partition_point(|&(_, c)| c < rank);
    if b == n - 1 {
        return buckets[n - 2].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let end = buckets[b].0;
    let mut count = buckets[b].1;
    let mut start = 0.0;
    if b > 0 {
        start = buckets[b - 1].0;
        count -= buckets[b - 1].1;
        rank -= buckets[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

/// Sums counts of buckets with the same upper bound (`le="1"` and `le="1.0"`).
fn coalesce(sorted: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(sorted.len());
    for (ub, c) in sorted {
        match out.last_mut() {
            Some(last) if last.0 == ub => last.1 += c,
            _ => out.push((ub, c)),
        }
    }
    out
}

/// Prometheus's `ensureMonotonicAndIgnoreSmallDeltas` with tolerance 1e-12:
/// decreases (from scrapes racing bucket updates) and float noise are
/// flattened to the previous count.
fn ensure_monotonic(buckets: &mut [(f64, f64)]) {
    let Some(&(_, mut prev)) = buckets.first() else {
        return;
    };
    for b in buckets.iter_mut().skip(1) {
        let curr = b.1;
        if curr == prev {
            continue;
        }
        if almost_equal(prev, curr, 1e-12) || curr < prev {
            b.1 = prev;
            continue;
        }
        prev = curr;
    }
}

/// Prometheus's `util/almost.Equal`.
fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < epsilon * f64::MIN_POSITIVE;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}
