//! Local PromQL evaluator: hand-computed values for each supported feature,
//! refusals with their columns, store retention, and a no-panic property test.

use std::time::Duration;

use opsdeck::engine::promql::{Labels, Query, SeriesStore};
use proptest::prelude::*;

const T0: i64 = 1_700_000_000_000;
const S: i64 = 1000;

fn labels(name: &str, pairs: &[(&str, &str)]) -> Labels {
    let mut l: Labels = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    l.insert("__name__".into(), name.into());
    l
}

fn plain(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn store() -> SeriesStore {
    SeriesStore::new(Duration::from_secs(600))
}

fn eval(st: &SeriesStore, expr: &str, at: i64) -> Vec<(Labels, f64)> {
    let q = Query::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    q.eval(st, at).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

/// Single-valued result (asserts exactly one series).
fn one(st: &SeriesStore, expr: &str, at: i64) -> f64 {
    let r = eval(st, expr, at);
    assert_eq!(r.len(), 1, "{expr}: {r:?}");
    r[0].1
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn assert_close(a: f64, b: f64) {
    assert!(close(a, b), "{a} != {b}");
}

/// `host` label values of a result, sorted.
fn hosts(r: &[(Labels, f64)]) -> Vec<String> {
    by_host(r).into_iter().map(|(h, _)| h).collect()
}

/// Values of a result, sorted by their `host` label.
fn values(r: &[(Labels, f64)]) -> Vec<f64> {
    by_host(r).into_iter().map(|(_, v)| v).collect()
}

fn by_host(r: &[(Labels, f64)]) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = r
        .iter()
        .map(|(l, x)| (l.get("host").cloned().unwrap_or_default(), *x))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn hosts_store() -> SeriesStore {
    let mut st = store();
    st.push(labels("cpu", &[("host", "a"), ("env", "prod")]), T0, 10.0);
    st.push(labels("cpu", &[("host", "ab"), ("env", "prod")]), T0, 20.0);
    st.push(labels("cpu", &[("host", "b"), ("env", "dev")]), T0, 30.0);
    st.push(labels("cpu", &[("host", "c")]), T0, 40.0);
    st.push(labels("mem", &[("host", "a")]), T0, 50.0);
    st
}

#[test]
fn selectors_support_all_matcher_kinds_with_anchored_regexes() {
    let st = hosts_store();
    assert_eq!(hosts(&eval(&st, "cpu", T0)), ["a", "ab", "b", "c"]);
    assert_eq!(hosts(&eval(&st, r#"cpu{env="prod"}"#, T0)), ["a", "ab"]);
    // A missing label matches as "" so `!=` keeps the series without `env`.
    assert_eq!(hosts(&eval(&st, r#"cpu{env!="prod"}"#, T0)), ["b", "c"]);
    // Anchored: `a` does not match `ab`.
    assert_eq!(hosts(&eval(&st, r#"cpu{host=~"a|b"}"#, T0)), ["a", "b"]);
    assert_eq!(hosts(&eval(&st, r#"cpu{host!~"a.*"}"#, T0)), ["b", "c"]);
    assert_eq!(
        hosts(&eval(&st, r#"{__name__=~"cpu|mem",host="a"}"#, T0)).len(),
        2
    );
    let r = eval(&st, r#"cpu{host="b"}"#, T0);
    assert_eq!(
        r,
        vec![(labels("cpu", &[("host", "b"), ("env", "dev")]), 30.0)]
    );
}

#[test]
fn instant_selector_takes_newest_sample_within_five_minutes() {
    let mut st = store();
    let l = labels("opsdeck_load1", &[]);
    st.push(l.clone(), T0, 1.0);
    st.push(l.clone(), T0 + 10 * S, 2.0);
    assert!(
        eval(&st, "opsdeck_load1", T0 - 1).is_empty(),
        "before the first sample"
    );
    assert_eq!(one(&st, "opsdeck_load1", T0 + 5 * S), 1.0);
    assert_eq!(one(&st, "opsdeck_load1", T0 + 10 * S), 2.0);
    assert_eq!(one(&st, "opsdeck_load1", T0 + 10 * S + 299_999), 2.0);
    // The lookback window is left-open (Prometheus 3): exactly 5m old is gone.
    assert!(eval(&st, "opsdeck_load1", T0 + 10 * S + 300_000).is_empty());
    // offset looks into the past.
    assert_eq!(one(&st, "opsdeck_load1 offset 5s", T0 + 10 * S), 1.0);
}

/// A counter sampled every 15s with a reset from 20 to 5.
fn counter_store() -> SeriesStore {
    let mut st = store();
    let l = labels("reqs_total", &[("job", "api")]);
    for (t, v) in [(5, 10.0), (20, 20.0), (35, 5.0), (50, 15.0)] {
        st.push(l.clone(), T0 + t * S, v);
    }
    st
}

#[test]
fn rate_and_increase_handle_resets_and_extrapolate_like_prometheus() {
    let st = counter_store();
    let at = T0 + 60 * S;
    // Increase over the samples: (15 - 10) + 20 (value lost at the reset) = 25.
    // Sampled interval 45s, average step 15s, threshold 16.5s; 5s to the range
    // start and 10s to the end are both below it, so extrapolate fully:
    // 25 * (45 + 5 + 10) / 45.
    let increase = 25.0 * 60.0 / 45.0;
    assert_close(one(&st, "increase(reqs_total[1m])", at), increase);
    assert_close(one(&st, "rate(reqs_total[1m])", at), increase / 60.0);
    let r = eval(&st, "rate(reqs_total[1m])", at);
    assert_eq!(r[0].0, plain(&[("job", "api")]), "functions drop __name__");
}

#[test]
fn rate_extrapolates_only_half_a_step_past_a_gap_and_not_below_zero() {
    let mut st = store();
    let l = labels("c_total", &[]);
    for (t, v) in [(1, 100.0), (11, 110.0), (21, 120.0)] {
        st.push(l.clone(), T0 + t * S, v);
    }
    // 39s to the end ≥ 1.1 × 10s → only 5s; 1s to the start kept: 20 × 26/20.
    assert_close(one(&st, "increase(c_total[1m])", T0 + 60 * S), 26.0);
    assert_close(one(&st, "rate(c_total[1m])", T0 + 60 * S), 26.0 / 60.0);

    let mut st = store();
    for (t, v) in [(30, 1.0), (40, 11.0), (50, 21.0)] {
        st.push(l.clone(), T0 + t * S, v);
    }
    // 30s to the start → 5s, but the counter hits zero 1s before the first
    // sample (20s × 1/20), so 1s; 10s to the end kept: 20 × (20+1+10)/20.
    assert_close(one(&st, "increase(c_total[1m])", T0 + 60 * S), 31.0);
    // One sample in range: no result.
    assert!(eval(&st, "rate(c_total[15s])", T0 + 60 * S).is_empty());
}

#[test]
fn over_time_functions() {
    let st = counter_store();
    let at = T0 + 60 * S;
    assert_close(one(&st, "avg_over_time(reqs_total[1m])", at), 12.5);
    assert_eq!(one(&st, "max_over_time(reqs_total[1m])", at), 20.0);
    assert_eq!(one(&st, "min_over_time(reqs_total[1m])", at), 5.0);
    // Range (t-30s, t] holds only the 35s and 50s samples.
    assert_eq!(one(&st, "max_over_time(reqs_total[30s])", at), 15.0);
    assert!(eval(&st, "avg_over_time(reqs_total[1m])", T0 + 200 * S).is_empty());
}

fn histogram_store() -> SeriesStore {
    let mut st = store();
    for (svc, scale) in [("a", 1.0), ("b", 2.0)] {
        for (le, c) in [("0.1", 10.0), ("0.5", 30.0), ("1", 45.0), ("+Inf", 50.0)] {
            let l = labels("lat_bucket", &[("le", le), ("service", svc)]);
            st.push(l, T0, c * scale);
        }
    }
    st
}

#[test]
fn histogram_quantile_interpolates_within_buckets() {
    let st = histogram_store();
    let q = |phi: &str| {
        let r = eval(
            &st,
            &format!(r#"histogram_quantile({phi}, lat_bucket{{service="a"}})"#),
            T0,
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, plain(&[("service", "a")]), "drops le and __name__");
        r[0].1
    };
    // rank 25 falls in (0.1, 0.5] holding 20 of which 15 are needed.
    assert_close(q("0.5"), 0.1 + 0.4 * 15.0 / 20.0);
    // rank 5 in the first bucket, interpolated from 0.
    assert_close(q("0.1"), 0.05);
    assert_close(q("0.9"), 1.0);
    // rank 49.5 only reached in +Inf: the largest finite bound.
    assert_eq!(q("0.99"), 1.0);
    assert_eq!(q("1.5"), f64::INFINITY);
    assert_eq!(q("-1"), f64::NEG_INFINITY);
    // Per-group: both services, equal shapes → equal quantiles.
    let r = eval(&st, "histogram_quantile(0.5, lat_bucket)", T0);
    assert_eq!(r.len(), 2);
    assert_close(r[1].1, 0.4);
    // Aggregated by le: counts double, quantile unchanged.
    assert_close(
        one(&st, "histogram_quantile(0.5, sum by (le) (lat_bucket))", T0),
        0.4,
    );
}

#[test]
fn histogram_quantile_without_inf_bucket_is_nan_and_fixes_non_monotonic_counts() {
    let mut st = store();
    st.push(labels("h_bucket", &[("le", "0.1")]), T0, 10.0);
    st.push(labels("h_bucket", &[("le", "1")]), T0, 20.0);
    assert!(one(&st, "histogram_quantile(0.5, h_bucket)", T0).is_nan());
    // le=0.5 drops below le=0.1: forced to 10, so rank 10 of 20 ends in the
    // first bucket at exactly its bound.
    st.push(labels("h_bucket", &[("le", "0.5")]), T0, 8.0);
    st.push(labels("h_bucket", &[("le", "+Inf")]), T0, 20.0);
    assert_close(one(&st, "histogram_quantile(0.5, h_bucket)", T0), 0.1);
}

fn matching_store() -> SeriesStore {
    let mut st = store();
    for (h, used, total) in [("a", 30.0, 120.0), ("b", 50.0, 100.0)] {
        st.push(labels("used", &[("host", h), ("job", "node")]), T0, used);
        st.push(labels("total", &[("host", h), ("job", "other")]), T0, total);
    }
    st
}

#[test]
fn vector_matching_on_and_ignoring() {
    let st = matching_store();
    // `job` differs: no match without a modifier.
    assert!(eval(&st, "used / total", T0).is_empty());
    // One-to-one results drop the ignored labels (Prometheus's resultMetric).
    let r = eval(&st, "used / ignoring(job) total", T0);
    assert_eq!(
        r,
        vec![
            (plain(&[("host", "a")]), 0.25),
            (plain(&[("host", "b")]), 0.5)
        ]
    );
    let r = eval(&st, "used / on(host) total * 100", T0);
    assert_eq!(
        r,
        vec![
            (plain(&[("host", "a")]), 25.0),
            (plain(&[("host", "b")]), 50.0)
        ]
    );
    // Comparison filter keeps the left value and name.
    let r = eval(&st, "used > on(host) (total / 3)", T0);
    assert_eq!(r, vec![(plain(&[("host", "b")]), 50.0)]);
    // Many-to-one without group_left is an error, as in Prometheus.
    let q = Query::parse("used / on() total").unwrap();
    assert!(q.eval(&st, T0).unwrap_err().contains("duplicate series"));
}

#[test]
fn comparisons_filter_or_return_bool() {
    let st = hosts_store();
    let r = eval(&st, "cpu > 25", T0);
    assert_eq!(by_host(&r), [("b".into(), 30.0), ("c".into(), 40.0)]);
    assert!(r.iter().all(|(l, _)| l["__name__"] == "cpu"));
    // Scalar on the left: still the vector's value.
    let r = eval(&st, "25 < cpu", T0);
    assert_eq!(values(&r), [30.0, 40.0]);
    let r = eval(&st, "cpu >= bool 30", T0);
    assert_eq!(values(&r), [0.0, 0.0, 1.0, 1.0]);
    assert!(r.iter().all(|(l, _)| !l.contains_key("__name__")));
    assert_eq!(one(&st, "2 > bool 1", T0), 1.0);
    assert_eq!(one(&st, "2 == bool 1", T0), 0.0);
    // vector == bool vector on host.
    let r = eval(&st, "cpu == bool on(host) mem", T0);
    assert_eq!(r, vec![(plain(&[("host", "a")]), 0.0)]);
}

#[test]
fn arithmetic_and_scalars() {
    let st = hosts_store();
    assert_eq!(eval(&st, "1 + 2 * 3", T0), vec![(Labels::new(), 7.0)]);
    assert_eq!(one(&st, "2 ^ 3 % 5", T0), 3.0);
    assert_eq!(one(&st, "-7 % 3", T0), -1.0);
    let r = eval(&st, r#"cpu{host="a"} * 2 - 1"#, T0);
    assert_eq!(r, vec![(plain(&[("env", "prod"), ("host", "a")]), 19.0)]);
    assert_eq!(one(&st, r#"-cpu{host="a"}"#, T0), -10.0);
    assert_eq!(one(&st, r#"100 / cpu{host="c"}"#, T0), 2.5);
}

#[test]
fn set_operators() {
    let st = hosts_store();
    assert_eq!(hosts(&eval(&st, "cpu and on(host) mem", T0)), ["a"]);
    assert_eq!(
        hosts(&eval(&st, "cpu unless on(host) mem", T0)),
        ["ab", "b", "c"]
    );
    // Without `on`, `env` differs so nothing matches.
    assert_eq!(eval(&st, "cpu and mem", T0).len(), 0);
    assert_eq!(eval(&st, "cpu unless mem", T0).len(), 4);
    let r = eval(&st, "mem or on(host) cpu", T0);
    // mem{a} plus the cpu series whose host is not in mem.
    assert_eq!(r.len(), 4);
    assert_eq!(r.iter().filter(|(l, _)| l["__name__"] == "mem").count(), 1);
    assert_eq!(
        eval(&st, r#"cpu{host="a"} or ignoring(env) mem"#, T0).len(),
        1
    );
}

#[test]
fn aggregations_by_and_without() {
    let st = hosts_store();
    assert_eq!(one(&st, "sum(cpu)", T0), 100.0);
    assert_eq!(one(&st, "avg(cpu)", T0), 25.0);
    assert_eq!(one(&st, "count(cpu)", T0), 4.0);
    assert_eq!(one(&st, "min(cpu)", T0), 10.0);
    assert_eq!(one(&st, "max(cpu)", T0), 40.0);
    let r = eval(&st, "sum by (env) (cpu)", T0);
    assert_eq!(
        r,
        vec![
            (plain(&[]), 40.0),
            (plain(&[("env", "dev")]), 30.0),
            (plain(&[("env", "prod")]), 30.0),
        ]
    );
    let r = eval(&st, "max without (host) (cpu)", T0);
    assert_eq!(
        r,
        vec![
            (plain(&[]), 40.0),
            (plain(&[("env", "dev")]), 30.0),
            (plain(&[("env", "prod")]), 20.0),
        ]
    );
    assert!(eval(&st, "sum(nothing)", T0).is_empty());
}

#[test]
fn vector_functions() {
    let st = hosts_store();
    assert_eq!(one(&st, r#"abs(-cpu{host="a"})"#, T0), 10.0);
    let r = eval(&st, "clamp_min(cpu, 25)", T0);
    assert_eq!(values(&r), [25.0, 25.0, 30.0, 40.0]);
    let r = eval(&st, "clamp_max(cpu, 25)", T0);
    assert_eq!(values(&r), [10.0, 20.0, 25.0, 25.0]);
    assert_eq!(eval(&st, "vector(3)", T0), vec![(Labels::new(), 3.0)]);
    assert_eq!(one(&st, "scalar(mem)", T0), 50.0);
    assert!(one(&st, "scalar(cpu)", T0).is_nan());
    assert_eq!(one(&st, "time()", T0 + 500), 1_700_000_000.5);
    assert_eq!(one(&st, "cpu{host=\"a\"} + scalar(mem)", T0), 60.0);
}

fn refusal(expr: &str) -> (String, usize) {
    let e = Query::parse(expr).expect_err(expr);
    assert!(e.column >= 1);
    assert!(e.to_string().contains(&format!("(at column {})", e.column)));
    (e.message, e.column)
}

#[test]
fn unsupported_constructs_are_refused_with_their_column() {
    let (m, c) = refusal("topk(3, cpu)");
    assert!(m.contains("aggregation `topk` is not supported"), "{m}");
    assert!(m.contains("sum, avg, min, max, count"), "{m}");
    assert_eq!(c, 1);
    let (m, c) = refusal(r#"sum(label_replace(cpu, "x", "$1", "host", "(.*)"))"#);
    assert!(m.starts_with("function `label_replace` is not supported by opsdeck's local evaluator; supported: rate,"), "{m}");
    assert_eq!(c, 5);
    let (m, c) = refusal("max_over_time(cpu[5m]) + irate(cpu[5m])");
    assert!(m.contains("`irate`"), "{m}");
    assert_eq!(c, 26);
    let (m, c) = refusal("max_over_time(rate(cpu[1m])[5m:1m])");
    assert!(m.contains("subqueries"), "{m}");
    assert_eq!(c, 28);
    let (m, c) = refusal("cpu @ 1700000000");
    assert!(m.contains("`@`"), "{m}");
    assert_eq!(c, 5);
    let (m, c) = refusal("used / on(host) group_left(job) total");
    assert!(m.contains("group_left"), "{m}");
    assert_eq!(c, 17);
    let (m, c) = refusal("cpu[5m]");
    assert!(m.contains("range selectors are only supported"), "{m}");
    assert_eq!(c, 1);
    let (m, _) = refusal(r#""hello""#);
    assert!(m.contains("string literals"), "{m}");
    let (m, c) = refusal("sum(cpu");
    assert!(m.starts_with("invalid PromQL"), "{m}");
    assert_eq!(c, 1);
    // Columns count characters, not bytes.
    let (_, c) = refusal(r#"cpu{host="é"} + quantile(0.5, cpu)"#);
    assert_eq!(c, 17);
}

#[test]
fn store_retention_bounds_memory() {
    let mut st = SeriesStore::new(Duration::from_secs(60));
    let l = labels("x", &[]);
    for i in 0..10_000 {
        st.push(l.clone(), T0 + i * S, i as f64);
    }
    // Samples in [newest - 60s, newest]: 61 of them.
    assert_eq!(st.sample_count(), 61);
    assert_eq!(st.series_count(), 1);
    let last = T0 + 9_999 * S;
    assert_eq!(one(&st, "min_over_time(x[10m])", last), 9_939.0);
}

#[test]
fn forget_older_than_drops_vanished_series() {
    let mut st = store();
    st.push(labels("x", &[("t", "old")]), T0, 1.0);
    st.push(labels("x", &[("t", "new")]), T0 + 60 * S, 1.0);
    assert_eq!(st.series_count(), 2);
    st.forget_older_than(T0 + 30 * S);
    assert_eq!(st.series_count(), 1);
    assert_eq!(eval(&st, "x", T0 + 60 * S)[0].0["t"], "new");
}

const QUERIES: &[&str] = &[
    "m",
    r#"m{a=~"x|y", b!="z"}"#,
    "rate(m[1m])",
    "increase(m[5m]) > 0",
    "avg_over_time(m[2m]) / on(a) max_over_time(m[2m])",
    "min_over_time(m[30s] offset 1m)",
    "sum by (a) (m) * 2",
    "count without (b) (m) == bool 1",
    "m / ignoring(b) m",
    "m and on(a) n",
    "m or n",
    "m unless ignoring(a) n",
    "histogram_quantile(0.9, sum by (le) (m))",
    "histogram_quantile(0.5, m)",
    "clamp_min(abs(m), 1) % clamp_max(n, 2) ^ 2",
    "scalar(m) + vector(time())",
    "-m < bool -n",
    "max(m) - min(n) + avg(m)",
];

fn arb_store() -> impl Strategy<Value = Vec<(u8, u8, u8, i64, f64)>> {
    let value = prop_oneof![
        -1e6..1e6f64,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(0.0),
        Just(f64::from_bits(0x7ff0_0000_0000_0002)),
    ];
    prop::collection::vec((0u8..2, 0u8..3, 0u8..4, -400_000i64..400_000, value), 0..60)
}

proptest! {
    #[test]
    fn eval_never_panics(samples in arb_store(), at in -100_000i64..500_000) {
        let mut st = SeriesStore::new(Duration::from_secs(600));
        let les = ["0.1", "1", "+Inf", "bad"];
        for (name, a, le, t, v) in samples {
            let mut l = labels(["m", "n"][name as usize], &[("a", ["x", "y", ""][a as usize % 3])]);
            l.insert("le".into(), les[le as usize].into());
            if le == 0 { l.insert("b".into(), "z".into()); }
            st.push(l, T0 + t, v);
        }
        for q in QUERIES {
            let query = Query::parse(q).expect(q);
            if let Ok(r) = query.eval(&st, T0 + at) {
                // Sorted and unique label sets.
                prop_assert!(r.windows(2).all(|w| w[0].0 < w[1].0), "{q}");
            }
        }
    }
}
