//! `[[health_check]]` and `[health.host]` as `check-config` reads them.

use crate::config::parse;
use crate::engine::health::ProbeSpec;
use std::time::Duration;

const ISSUE_EXAMPLE: &str = r#"
[[health_check]]
name = "api"
kind = "http"
url = "https://127.0.0.1:8443/health"
interval = "10s"
timeout = "2s"
failure_threshold = 3
success_threshold = 2
retry_interval = "2s"
expect = { status = [200], body = '"status":\s*"UP"', max_latency = "500ms" }
certificate_min_valid = "14d"
labels = { service = "api", team = "web" }

[[health_check]]
name = "postgres"
kind = "tcp"
address = "127.0.0.1:5432"

[[health_check]]
name = "backup-fresh"
kind = "command"
command = ["/usr/local/bin/check_backup_age", "--max-age", "26h"]
"#;

fn errors(text: &str) -> Vec<(String, usize, String)> {
    parse(text, "t.toml")
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| (e.key, e.line, e.message))
        .collect()
}

#[test]
fn the_issue_s_example_is_three_checks() {
    let config = parse(ISSUE_EXAMPLE, "t.toml").unwrap();
    let checks = config.health_checks();
    assert_eq!(checks.len(), 3);
    let ProbeSpec::Http(http) = &checks[0].probe else {
        panic!("{:?}", checks[0].probe);
    };
    assert_eq!(http.status, [200]);
    assert!(
        http.body
            .as_ref()
            .unwrap()
            .0
            .is_match(r#"{"status": "UP"}"#)
    );
    assert_eq!(checks[0].max_latency, Some(Duration::from_millis(500)));
    assert_eq!(checks[0].labels["team"], "web");
    assert_eq!(checks[1].probe, ProbeSpec::Tcp("127.0.0.1:5432".into()));
    assert_eq!(checks[1].interval, Duration::from_secs(10), "the default");
    assert_eq!(checks[2].kind(), "command");
    assert!(
        config.health.host.enabled,
        "the host check is on by default"
    );
}

#[test]
fn each_mistake_names_its_key_and_line() {
    let text = r#"
[[health_check]]
name = "api"
kind = "http"
url = "http://127.0.0.1:8000/health"
interval = "5s"
timeout = "5s"
expect = { body = "(unclosed" }
headers = { Authorization = "Bearer x" }
labels = { check = "x" }

[[health_check]]
name = "db"
kind = "tcp"
address = "127.0.0.1"
url = "http://db:5432"

[[health_check]]
name = "host"
kind = "command"
command = ["true"]

[[health_check]]
name = "db"
kind = "command"
command = []

[health.host]
disk_free_warning = 10
disk_free_unhealthy = 20
"#;
    let got = errors(text);
    let has = |key: &str, line: usize, words: &str| {
        assert!(
            got.iter()
                .any(|(k, l, m)| k == key && *l == line && m.contains(words)),
            "{key} at line {line} with {words:?} in {got:#?}"
        );
    };
    has(
        "health_check[0].timeout",
        7,
        "must be shorter than interval (5s)",
    );
    has("health_check[0].expect.body", 8, "not a regex");
    has(
        "health_check[0].headers",
        9,
        "Authorization carries a credential",
    );
    has("health_check[0].labels", 10, "\"check\" is set by opsdeck");
    has("health_check[1].address", 15, "must be host:port");
    has("health_check[1].url", 16, "only applies to kind = \"http\"");
    has("health_check[2].name", 19, "built-in host check");
    has("health_check[3].name", 24, "already named \"db\"");
    has("health_check[3].command", 26, "must name a program");
    has(
        "health.host.disk_free_unhealthy",
        30,
        "must not be above disk_free_warning",
    );
}
