//! A local PromQL evaluator for a documented subset, so opsdeck can evaluate
//! its own alert rules (Prometheus semantics) over the series it holds: the
//! local host's metrics under stable names (`opsdeck_cpu_usage_percent`,
//! `opsdeck_memory_used_percent`, `opsdeck_filesystem_used_percent{mountpoint="/"}`,
//! `opsdeck_load1`, ...) and every series scraped from `/metrics` endpoints.
//!
//! Expressions are parsed with `promql-parser`, then checked against the
//! subset below; anything else is refused at parse time with the 1-based
//! column of the refused part, never at evaluation time.
//!
//! ## Supported subset
//!
//! - Number literals. String literals are refused (no supported function takes one).
//! - Instant vector selectors with `=`, `!=`, `=~`, `!~` matchers (regexes are
//!   anchored) and an optional `offset`. An instant selector takes each
//!   series' newest sample in the 5 minutes before the evaluation time
//!   (`(t - 5m, t]`); older series are absent.
//! - Range selectors (`metric[5m]`, window `(t - 5m, t]`) only as the argument
//!   of `rate`, `increase`, `avg_over_time`, `max_over_time`, `min_over_time`.
//! - Unary `-`; binary `+ - * / % ^` and comparisons `== != > < >= <=`
//!   between scalar/scalar (comparisons need `bool`), vector/scalar,
//!   scalar/vector and vector/vector. Vector/vector matching is one-to-one on
//!   all labels except `__name__`, or `on(...)` / `ignoring(...)`.
//!   `bool` turns comparisons into 0/1 and drops `__name__`; comparisons
//!   without `bool` filter and keep the vector's sample value and labels;
//!   arithmetic drops `__name__`.
//! - `and`, `or`, `unless`, with `on(...)` / `ignoring(...)`.
//! - Aggregations `sum`, `avg`, `min`, `max`, `count`, with `by (...)` or
//!   `without (...)`.
//! - Functions: `rate`, `increase` (counter resets and Prometheus's
//!   extrapolation), `avg_over_time`, `max_over_time`, `min_over_time`,
//!   `histogram_quantile(φ, v)` over classic `le` buckets (Prometheus's
//!   algorithm), `abs`, `clamp_min`, `clamp_max`, `vector`, `scalar`, `time`.
//!   Functions drop `__name__`.
//!
//! Refused: subqueries, `@`, `group_left` / `group_right`, `fill`, `atan2`,
//! `or` inside selector braces, other aggregations (`topk`, `quantile`,
//! `count_values`, `group`, `stddev`, ...) and other functions
//! (`label_replace`, `irate`, `delta`, ...). Native histograms do not exist here.

mod aggregate;
mod binary;
mod check;
mod eval;
mod functions;
mod store;

pub use eval::STALE_NAN;
pub use store::SeriesStore;

/// A series' labels, including `__name__`.
pub type Labels = std::collections::BTreeMap<String, String>;

/// An expression outside the supported subset (or not valid PromQL).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at column {column})")]
pub struct Unsupported {
    pub message: String,
    /// 1-based character column of the refused part in the expression.
    pub column: usize,
}

/// A parsed, checked expression, ready to evaluate many times.
#[derive(Debug, Clone)]
pub struct Query {
    root: check::Node,
}

impl Query {
    /// Parses with promql-parser and refuses anything outside the subset,
    /// with the position of the refused part.
    pub fn parse(expr: &str) -> Result<Query, Unsupported> {
        Ok(Query {
            root: check::check(expr)?,
        })
    }

    /// Instant evaluation at `at_ms` with Prometheus's 5-minute lookback for
    /// instant selectors. A scalar result is one series with empty labels.
    /// The result is sorted by labels, so callers and tests see a stable order.
    pub fn eval(&self, store: &SeriesStore, at_ms: i64) -> Result<Vec<(Labels, f64)>, String> {
        let ctx = eval::Ctx { store, at_ms };
        let mut out = match ctx.eval(&self.root)? {
            eval::Value::Scalar(v) => vec![(Labels::new(), v)],
            eval::Value::Vector(v) => v,
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}
