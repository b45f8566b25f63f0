//! Contract tests: `opsdeck snapshot --format json`, the real binary, against real
//! Prometheus, Alertmanager and node_exporter (Debian's packages, see `servers`).

mod servers;

use serde_json::Value;
use servers::{Stack, StackOptions, wait_until};
use std::process::Command;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

fn snapshot(config: &str) -> Value {
    let dir = std::env::temp_dir().join(format!(
        "opsdeck-contract-{}-{}",
        std::process::id(),
        config.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(BIN)
        .args(["-c", path.to_str().unwrap(), "snapshot", "--format", "json"])
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "snapshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("snapshot prints JSON")
}

fn config(stack: &Stack) -> String {
    format!(
        r#"[[prometheus]]
name = "prom"
url = "{prometheus}"

[[alertmanager]]
name = "am"
urls = ["{am}"]

[[scrape]]
name = "node"
url = "{node}/metrics"

[[panel]]
title = "targets up"
query = "sum(up)"
"#,
        prometheus = stack.prometheus,
        am = stack.alertmanagers[0],
        node = stack.node_exporter,
    )
}

fn alerts_named<'a>(snapshot: &'a Value, name: &str) -> Vec<&'a Value> {
    snapshot["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["alertname"] == name)
        .collect()
}

#[test]
fn one_alert_from_prometheus_and_alertmanager_shows_once_with_both_sources() {
    let stack = Stack::start(StackOptions::default());
    let am_alert = stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
    // The rule needs no scrape, the panel's `sum(up)` does: wait for the first.
    wait_until("Prometheus's first scrape", Duration::from_secs(30), || {
        let result = stack.prometheus_query("sum(up)");
        (!result.as_array()?.is_empty()).then_some(())
    });
    let snap = snapshot(&config(&stack));
    for source in snap["sources"].as_array().unwrap() {
        assert_eq!(source["health"], "ok", "{source}");
    }
    let firing = alerts_named(&snap, "OpsdeckAlwaysFiring");
    assert_eq!(firing.len(), 1, "shown once: {:#?}", snap["alerts"]);
    let a = firing[0];
    assert_eq!(a["state"], "firing");
    assert_eq!(a["severity"], "crit");
    assert_eq!(
        a["sources"],
        serde_json::json!(["am am", "prom prom"]),
        "{a}"
    );
    assert_eq!(a["labels"], am_alert["labels"]);
    assert_eq!(
        a["annotations"]["summary"],
        am_alert["annotations"]["summary"]
    );
    // `since` is when it started, not Alertmanager's rolling endsAt.
    let since = chrono::DateTime::parse_from_rfc3339(a["since"].as_str().unwrap()).unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(am_alert["endsAt"].as_str().unwrap()).unwrap();
    assert!(
        since < ends,
        "since {since} must come from startsAt/activeAt"
    );
    assert!(
        a["generator_url"].as_str().unwrap().contains("graph"),
        "{a}"
    );

    // Pending alerts only Prometheus knows are there too, from Prometheus alone.
    let pending = alerts_named(&snap, "OpsdeckPending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["state"], "pending");
    assert_eq!(pending[0]["sources"], serde_json::json!(["prom prom"]));

    // The /metrics scrape of node_exporter parses cleanly.
    let scrape = &snap["scrapes"][0];
    assert_eq!(scrape["unparsable"], 0, "{scrape}");
    assert!(scrape["families"].as_u64().unwrap() > 50, "{scrape}");
    assert!(scrape["problem"].is_null(), "{scrape}");

    let panel = &snap["panels"][0];
    assert!(panel["error"].is_null(), "{panel}");
    assert!(
        panel["series"][0]["value"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            >= 1.0
    );
}

#[test]
fn fleet_rows_show_the_node_exporter_instance() {
    let stack = Stack::start(StackOptions::default().without_default_rules());
    let instance = stack
        .node_exporter
        .trim_start_matches("http://")
        .to_string();
    // rate() needs two scrapes of node_exporter.
    let fleet = wait_until("a fleet row with CPU", Duration::from_secs(30), || {
        let snap = snapshot(&config(&stack));
        let row = snap["fleet"]
            .as_array()?
            .iter()
            .find(|r| r["instance"] == instance.as_str())?
            .clone();
        (!row["cpu_percent"].is_null()).then_some(row)
    });
    assert_eq!(fleet["up"], true, "{fleet}");
    assert_eq!(fleet["prometheus"], "prom");
    for key in ["cpu_percent", "memory_percent", "disk_percent"] {
        let v = fleet[key].as_f64().unwrap_or(-1.0);
        assert!((0.0..=100.0).contains(&v), "{key} = {v} in {fleet}");
    }
}

#[test]
fn a_source_that_is_down_is_reported_with_its_error_and_the_rest_still_answer() {
    let stack = Stack::start(StackOptions::default());
    stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
    let dead = format!("http://127.0.0.1:{}", servers::free_port());
    let config = config(&stack).replace(&stack.prometheus, &dead);
    let snap = snapshot(&config);
    let prom = &snap["sources"][0];
    assert_eq!(prom["health"], "down", "{prom}");
    let error = prom["error"].as_str().unwrap();
    assert!(
        error.contains("refused") && error.contains(&dead),
        "{error}"
    );
    // Alertmanager still answers: its alert is listed, from it alone.
    let firing = alerts_named(&snap, "OpsdeckAlwaysFiring");
    assert_eq!(firing[0]["sources"], serde_json::json!(["am am"]));
}
