//! Differential test: the local evaluator against the real Prometheus over the
//! same fixed gauges and histogram, exposed through node_exporter's textfile
//! collector. The values never change, so the answers do not depend on when
//! either side sampled them. Prometheus adds `job`/`instance` at scrape time;
//! those are stripped from its answers before comparing.

mod servers;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opsdeck::collect::expfmt::{self, Format, Limits};
use opsdeck::engine::promql::{Labels, Query, SeriesStore};
use serde_json::Value;
use servers::{Stack, StackOptions, http_get, wait_until};

const METRICS: &str = r#"# TYPE opsdeck_test_latency_seconds histogram
opsdeck_test_latency_seconds_bucket{service="api",le="0.05"} 12
opsdeck_test_latency_seconds_bucket{service="api",le="0.1"} 30
opsdeck_test_latency_seconds_bucket{service="api",le="0.25"} 61
opsdeck_test_latency_seconds_bucket{service="api",le="0.5"} 80
opsdeck_test_latency_seconds_bucket{service="api",le="1"} 97
opsdeck_test_latency_seconds_bucket{service="api",le="+Inf"} 100
opsdeck_test_latency_seconds_sum{service="api"} 20.5
opsdeck_test_latency_seconds_count{service="api"} 100
opsdeck_test_latency_seconds_bucket{service="web",le="0.05"} 1
opsdeck_test_latency_seconds_bucket{service="web",le="0.1"} 2
opsdeck_test_latency_seconds_bucket{service="web",le="0.25"} 9
opsdeck_test_latency_seconds_bucket{service="web",le="0.5"} 9
opsdeck_test_latency_seconds_bucket{service="web",le="1"} 40
opsdeck_test_latency_seconds_bucket{service="web",le="+Inf"} 41
opsdeck_test_latency_seconds_sum{service="web"} 30.25
opsdeck_test_latency_seconds_count{service="web"} 41
# TYPE opsdeck_test_errors gauge
opsdeck_test_errors{service="api",code="500"} 3
opsdeck_test_errors{service="api",code="503"} 1
opsdeck_test_errors{service="web",code="500"} 7
# TYPE opsdeck_test_requests gauge
opsdeck_test_requests{service="api"} 250
opsdeck_test_requests{service="web"} 1000
# TYPE opsdeck_test_temp gauge
opsdeck_test_temp{sensor="a"} 41.5
opsdeck_test_temp{sensor="b"} -3.25
opsdeck_test_temp{sensor="c"} 38
"#;

const QUERIES: &[&str] = &[
    "histogram_quantile(0.95, sum by (le) (opsdeck_test_latency_seconds_bucket))",
    "histogram_quantile(0.5, opsdeck_test_latency_seconds_bucket)",
    "histogram_quantile(0.99, opsdeck_test_latency_seconds_bucket)",
    "histogram_quantile(0.3, sum without (le) (opsdeck_test_latency_seconds_bucket) or opsdeck_test_latency_seconds_bucket)",
    "sum by (service) (opsdeck_test_errors) / sum by (service) (opsdeck_test_requests)",
    "opsdeck_test_errors / ignoring(code) opsdeck_test_requests{service=\"web\"}",
    "opsdeck_test_errors > 2",
    "opsdeck_test_errors > bool 2",
    "2 < opsdeck_test_errors",
    "opsdeck_test_errors and on(service) (opsdeck_test_requests > 500)",
    "opsdeck_test_errors unless on(service) (opsdeck_test_requests > 500)",
    "opsdeck_test_requests or on(service) opsdeck_test_errors",
    "count without (code) (opsdeck_test_errors)",
    "max(opsdeck_test_temp) - min(opsdeck_test_temp) + avg(opsdeck_test_temp)",
    "clamp_max(opsdeck_test_temp, 40) % 7 ^ 1.5",
    "clamp_min(abs(-opsdeck_test_temp), 1)",
    "avg_over_time(opsdeck_test_temp[1m]) * max_over_time(opsdeck_test_temp[1m]) / on(sensor) min_over_time(opsdeck_test_temp[1m])",
    "opsdeck_test_temp{sensor=~\"a|c\"} - on() group_left vector(1)",
];

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn parse_value(s: &str) -> f64 {
    match s {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => s.parse().unwrap_or_else(|_| panic!("bad value {s}")),
    }
}

fn prometheus_vector(result: &Value) -> Vec<(Labels, f64)> {
    let mut out: Vec<(Labels, f64)> = result
        .as_array()
        .expect("a vector result")
        .iter()
        .map(|s| {
            let labels: Labels = s["metric"]
                .as_object()
                .expect("metric")
                .iter()
                .filter(|(k, _)| *k != "job" && *k != "instance")
                .map(|(k, v)| (k.clone(), v.as_str().expect("label").to_string()))
                .collect();
            (labels, parse_value(s["value"][1].as_str().expect("value")))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

#[test]
fn local_evaluator_matches_prometheus_on_fixed_series() {
    let stack = Stack::start(StackOptions::default().without_default_rules());
    std::fs::write(stack.textfile_dir().join("opsdeck_test.prom"), METRICS)
        .expect("write the textfile");
    wait_until(
        "Prometheus to scrape the textfile metrics",
        Duration::from_secs(30),
        || {
            let r = stack.prometheus_query("opsdeck_test_temp");
            (r.as_array().map_or(0, Vec::len) == 3).then_some(())
        },
    );

    let (status, body) = http_get(&format!("{}/metrics", stack.node_exporter));
    assert_eq!(status, 200);
    let scrape = expfmt::parse(body.as_bytes(), Format::Text, &Limits::default());
    let at = now_ms();
    let mut store = SeriesStore::new(Duration::from_secs(600));
    let mut pushed = Vec::new();
    for family in &scrape.families {
        for s in family
            .samples
            .iter()
            // The harness's own marker is `opsdeck_test_stack`.
            .filter(|s| s.name.starts_with("opsdeck_test_") && s.name != "opsdeck_test_stack")
        {
            let mut labels: Labels = s
                .labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            labels.insert("__name__".into(), s.name.clone());
            pushed.push(format!("{labels:?}"));
            store.push(labels, at, s.value);
        }
    }
    assert_eq!(store.series_count(), 16 + 3 + 2 + 3, "{pushed:#?}");

    let mut compared = 0;
    for promql in QUERIES {
        let Ok(query) = Query::parse(promql) else {
            // group_left is refused locally: check Prometheus accepts it, skip.
            assert!(promql.contains("group_left"), "{promql} refused");
            assert!(!prometheus_vector(&stack.prometheus_query(promql)).is_empty());
            continue;
        };
        let local = query.eval(&store, at + 1).expect(promql);
        let remote = prometheus_vector(&stack.prometheus_query(promql));
        assert!(!remote.is_empty(), "{promql}: Prometheus returned nothing");
        let local_labels: Vec<&Labels> = local.iter().map(|s| &s.0).collect();
        let remote_labels: Vec<&Labels> = remote.iter().map(|s| &s.0).collect();
        assert_eq!(local_labels, remote_labels, "{promql}: label sets");
        for ((l, lv), (_, rv)) in local.iter().zip(&remote) {
            assert!(
                same(*lv, *rv),
                "{promql} {l:?}: local {lv} vs Prometheus {rv}"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, QUERIES.len() - 1);
}
