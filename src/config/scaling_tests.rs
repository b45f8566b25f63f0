//! `[[scaling]]` as `check` reads it (keys named as check-config names them).

use super::{Scaling, check};
use crate::engine::scaling::{Current, Mode, PolicyKind, Select, Source, TargetSpec};
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
struct Doc {
    scaling: Vec<Scaling>,
}

fn checked(text: &str) -> (Vec<TargetSpec>, Vec<(String, String)>) {
    let doc: Doc = toml::from_str(text).expect("the shape parses");
    let mut errors = Vec::new();
    let specs = check(&doc.scaling, &["main"], &mut |table, key, message| {
        errors.push((format!("{table}.{key}"), message));
    });
    (specs, errors)
}

const ISSUE_EXAMPLE: &str = r#"
[[scaling]]
name = "web"
current = { query = 'count(up{job="web"} == 1)' }
min = 2
max = 10
interval = "15s"
mode = "recommend"
executor = ["kubectl", "scale", "deployment/web", "--replicas={replicas}"]
tolerance = 0.1

[[scaling.metric]]
name = "cpu"
query = 'avg(rate(process_cpu_seconds_total{job="web"}[1m])) * 100'
target = 70
type = "average"

[scaling.behavior]
scale_up = { stabilization = "0s", select = "max", policies = [{ type = "percent", value = 100, period = "15s" }, { type = "pods", value = 4, period = "15s" }] }
scale_down = { stabilization = "5m", select = "max", policies = [{ type = "percent", value = 100, period = "15s" }] }
"#;

#[test]
fn the_issue_s_example_is_one_target_with_hpa_s_behaviour() {
    let (targets, errors) = checked(ISSUE_EXAMPLE);
    assert!(errors.is_empty(), "{errors:?}");
    let t = &targets[0];
    assert_eq!(
        (t.scaler.min, t.scaler.max, t.mode),
        (2, 10, Mode::Recommend)
    );
    assert_eq!(t.scaler.metrics[0].target, 70.0);
    assert_eq!(t.metrics[0].source, Source::Prometheus("main".into()));
    assert!(matches!(&t.current, Current::Query(q) if q.expr.starts_with("count(")));
    assert_eq!(
        t.scaler.behavior.down.stabilization,
        Duration::from_secs(300)
    );
    assert_eq!(t.scaler.behavior.up.policies[1].kind, PolicyKind::Pods);
    assert_eq!(t.scaler.behavior.up.select, Select::Max);
    assert_eq!(
        t.command(4),
        ["kubectl", "scale", "deployment/web", "--replicas=4"]
    );
}

#[test]
fn each_mistake_names_its_key() {
    let text = r#"
[[scaling]]
name = "web"
current = { }
min = 5
max = 3
executor = ["kubectl", "scale", "deploy/{target}", "--replicas={replicas}"]
source = "thanos"

[[scaling.metric]]
name = "cpu"
query = "avg(("
target = 0

[scaling.behavior]
scale_down = { stabilization = "2h", policies = [] }
"#;
    let (targets, got) = checked(text);
    assert!(targets.is_empty());
    let has = |key: &str, words: &str| {
        assert!(
            got.iter().any(|(k, m)| k == key && m.contains(words)),
            "{key} with {words:?} in {got:#?}"
        );
    };
    has(
        "scaling.0.current",
        "needs exactly one of query and command",
    );
    has("scaling.0.min", "must not be above max (5 > 3)");
    has("scaling.0.executor", "{target} is not a placeholder");
    has("scaling.0.source", "no [[prometheus]] is named \"thanos\"");
    has("scaling.0.metric.0.query", "");
    has("scaling.0.metric.0.target", "must be a number above 0");
    has("scaling.0.behavior.scale_down", "at most 1h");
    has(
        "scaling.0.behavior.scale_down",
        "policies must not be empty",
    );
}
