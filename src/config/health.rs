//! `[[health_check]]` (HTTP, TCP and command probes) and `[health.host]`
//! (the built-in check of this host's disk and memory).
//!
//! ```toml
//! [[health_check]]
//! name = "api"
//! kind = "http"
//! url = "https://127.0.0.1:8443/health"
//! interval = "10s"
//! timeout = "2s"
//! failure_threshold = 3
//! success_threshold = 2
//! retry_interval = "2s"
//! expect = { status = [200], body = '"status":\s*"UP"', max_latency = "500ms" }
//! certificate_min_valid = "14d"
//! labels = { service = "api" }
//! ```
//!
//! `check` refuses what would make a probe meaningless (a timeout as long as
//! its interval, a body pattern that does not compile, an HTTP field on a TCP
//! check) and returns the checks as the runtime probes them (`CheckSpec`).

use super::duration;
use super::remote::{BasicAuth, Connection};
use crate::engine::health::host::HostBounds;
use crate::engine::health::{BodyPattern, CheckSpec, HttpProbe, ProbeSpec, Thresholds};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Http,
    Tcp,
    Command,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// Unique: the `check` label of its series and alerts.
    pub name: String,
    pub kind: Kind,
    /// http: the URL probed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// tcp: `host:port`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// command: argv, run without a shell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default = "every_10s", with = "duration")]
    pub interval: Duration,
    #[serde(default = "two_seconds", with = "duration")]
    pub timeout: Duration,
    #[serde(default = "three")]
    pub failure_threshold: u32,
    #[serde(default = "two")]
    pub success_threshold: u32,
    #[serde(default = "two_seconds", with = "duration")]
    pub retry_interval: Duration,
    #[serde(default)]
    pub expect: Expect,
    #[serde(default = "fourteen_days", with = "duration")]
    pub certificate_min_valid: Duration,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

/// What a passing answer looks like.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// http: statuses that pass; empty: any 2xx.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<u16>,
    /// http: a regex the body must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Slower is a warning.
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_latency: Option<Duration>,
}

/// `[health]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Health {
    pub host: HostHealth,
}

/// `[health.host]`: the handbooks' bounds, in percent.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HostHealth {
    pub enabled: bool,
    pub disk_free_warning: f64,
    pub disk_free_unhealthy: f64,
    pub memory_warning: f64,
    pub memory_unhealthy: f64,
}

impl Default for HostHealth {
    fn default() -> Self {
        let b = HostBounds::default();
        HostHealth {
            enabled: true,
            disk_free_warning: b.disk_free_warning,
            disk_free_unhealthy: b.disk_free_unhealthy,
            memory_warning: b.memory_warning,
            memory_unhealthy: b.memory_unhealthy,
        }
    }
}

impl HostHealth {
    pub fn bounds(&self) -> HostBounds {
        HostBounds {
            disk_free_warning: self.disk_free_warning,
            disk_free_unhealthy: self.disk_free_unhealthy,
            memory_warning: self.memory_warning,
            memory_unhealthy: self.memory_unhealthy,
        }
    }
}

impl HealthCheck {
    pub fn connection(&self) -> Connection {
        Connection {
            timeout: self.timeout,
            bearer_token_file: self.bearer_token_file.clone(),
            bearer_token_env: self.bearer_token_env.clone(),
            basic_auth: self.basic_auth.clone(),
            ca_file: self.ca_file.clone(),
            insecure_skip_verify: self.insecure_skip_verify,
        }
    }
}

fn every_10s() -> Duration {
    Duration::from_secs(10)
}
fn two_seconds() -> Duration {
    Duration::from_secs(2)
}
fn fourteen_days() -> Duration {
    Duration::from_secs(14 * 86400)
}
fn three() -> u32 {
    3
}
fn two() -> u32 {
    2
}

/// The name the built-in host check goes by (a `[[health_check]]` may not
/// take it).
pub const HOST_CHECK: &str = "host";

/// Semantic checks of `[health.host]` and every `[[health_check]]` (tables
/// `health_check.{i}`); returns the checks that passed.
pub fn check(
    health: &Health,
    checks: &[HealthCheck],
    err: &mut impl FnMut(&str, &str, String),
) -> Vec<CheckSpec> {
    check_host(&health.host, err);
    let mut names = BTreeSet::new();
    let mut specs = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        let table = format!("health_check.{i}");
        let before = names.len();
        if c.name == HOST_CHECK {
            err(
                &table,
                "name",
                "\"host\" is the built-in host check ([health.host]); choose another name".into(),
            );
        } else {
            super::section_checks::check_name("health_check", &c.name, &table, &mut names, err);
        }
        let mut ok = names.len() > before;
        let mut fail = |key: &str, message: String| {
            ok = false;
            // `expect.body` is `body` in the table `expect`, for its position.
            match key.rsplit_once('.') {
                Some((inner, key)) => err(&format!("{table}.{inner}"), key, message),
                None => err(&table, key, message),
            }
        };
        let probe = probe_spec(c, &table, &mut fail);
        check_timing(c, &mut fail);
        check_labels(c, &mut fail);
        if let (true, Some(probe)) = (ok, probe) {
            specs.push(CheckSpec {
                name: c.name.clone(),
                probe,
                interval: c.interval,
                timeout: c.timeout,
                retry_interval: c.retry_interval.min(c.interval),
                thresholds: Thresholds {
                    failure: c.failure_threshold,
                    success: c.success_threshold,
                },
                max_latency: c.expect.max_latency,
                labels: c.labels.clone(),
            });
        }
    }
    specs
}

fn check_host(h: &HostHealth, err: &mut impl FnMut(&str, &str, String)) {
    let table = "health.host";
    let percent = [
        ("disk_free_warning", h.disk_free_warning),
        ("disk_free_unhealthy", h.disk_free_unhealthy),
        ("memory_warning", h.memory_warning),
        ("memory_unhealthy", h.memory_unhealthy),
    ];
    for (key, value) in percent {
        if !(0.0..=100.0).contains(&value) {
            err(
                table,
                key,
                format!("must be a percent, 0 to 100 (it is {value})"),
            );
        }
    }
    if h.disk_free_unhealthy > h.disk_free_warning {
        err(
            table,
            "disk_free_unhealthy",
            "must not be above disk_free_warning (less free space is worse)".into(),
        );
    }
    if h.memory_unhealthy < h.memory_warning {
        err(
            table,
            "memory_unhealthy",
            "must not be below memory_warning".into(),
        );
    }
}

/// The probe of a check, its kind's fields checked and the other kinds'
/// refused (a `url` on a TCP check is a mistake, not something to ignore).
fn probe_spec(
    c: &HealthCheck,
    table: &str,
    fail: &mut impl FnMut(&str, String),
) -> Option<ProbeSpec> {
    let kind = match c.kind {
        Kind::Http => "http",
        Kind::Tcp => "tcp",
        Kind::Command => "command",
    };
    let http_only: [(&str, bool); 9] = [
        ("url", !c.url.is_empty()),
        ("expect.status", !c.expect.status.is_empty()),
        ("expect.body", c.expect.body.is_some()),
        ("headers", !c.headers.is_empty()),
        ("bearer_token_file", c.bearer_token_file.is_some()),
        ("bearer_token_env", c.bearer_token_env.is_some()),
        ("basic_auth", c.basic_auth.is_some()),
        ("ca_file", c.ca_file.is_some()),
        ("insecure_skip_verify", c.insecure_skip_verify),
    ];
    let others = [
        ("address", !c.address.is_empty(), Kind::Tcp),
        ("command", !c.command.is_empty(), Kind::Command),
    ];
    for (key, set) in http_only {
        if set && c.kind != Kind::Http {
            fail(
                key,
                format!("only applies to kind = \"http\" (this check is {kind})"),
            );
        }
    }
    for (key, set, owner) in others {
        if set && c.kind != owner {
            fail(key, format!("does not apply to kind = \"{kind}\""));
        }
    }
    match c.kind {
        Kind::Http => http_probe(c, table, fail).map(|h| ProbeSpec::Http(Box::new(h))),
        Kind::Tcp => {
            let ok = c.address.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
            });
            if !ok {
                fail(
                    "address",
                    format!(
                        "must be host:port, e.g. \"127.0.0.1:5432\" (it is {:?})",
                        c.address
                    ),
                );
                return None;
            }
            Some(ProbeSpec::Tcp(c.address.clone()))
        }
        Kind::Command => {
            if c.command.first().is_none_or(|p| p.is_empty()) {
                fail(
                    "command",
                    "must name a program, e.g. [\"/usr/local/bin/check_backup_age\"]".into(),
                );
                return None;
            }
            Some(ProbeSpec::Command(c.command.clone()))
        }
    }
}

fn http_probe(
    c: &HealthCheck,
    table: &str,
    fail: &mut impl FnMut(&str, String),
) -> Option<HttpProbe> {
    if c.url.is_empty() {
        fail(
            "url",
            "an http check needs a url, e.g. \"http://127.0.0.1:8000/health\"".into(),
        );
        return None;
    }
    let mut url_ok = true;
    super::section_checks::check_url(&c.url, "", "url", &mut |_, _, m| {
        url_ok = false;
        fail("url", m);
    });
    let mut conn_ok = true;
    super::section_checks::check_connection(
        &c.connection(),
        c.interval,
        &c.url,
        table,
        &mut |_, k, m| {
            // The interval and timeout are checked with the check's own bounds.
            if k != "interval" && k != "timeout" {
                conn_ok = false;
                fail(k, m);
            }
        },
    );
    for code in &c.expect.status {
        if !(100..=599).contains(code) {
            fail(
                "expect.status",
                format!("{code} is not an HTTP status (100 to 599)"),
            );
        }
    }
    for name in c.headers.keys() {
        let lower = name.to_ascii_lowercase();
        if lower.contains("authorization")
            || lower.contains("cookie")
            || lower.contains("token")
            || lower.contains("api-key")
        {
            fail(
                "headers",
                format!(
                    "{name} carries a credential: use bearer_token_file, bearer_token_env or basic_auth (their values are never shown)"
                ),
            );
        } else if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            fail("headers", format!("{name:?} is not a valid header name"));
        }
    }
    let body = match c.expect.body.as_deref().map(regex::Regex::new) {
        Some(Ok(re)) => Some(BodyPattern(re)),
        Some(Err(e)) => {
            // regex's message spans lines (the pattern, a caret, the error).
            let e = e.to_string();
            let why = e
                .lines()
                .last()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            fail("expect.body", format!("not a regex: {why}"));
            return None;
        }
        None => None,
    };
    (url_ok && conn_ok).then(|| HttpProbe {
        url: c.url.clone(),
        status: c.expect.status.clone(),
        body,
        certificate_min_valid: c.certificate_min_valid,
        headers: c.headers.clone(),
        connection: c.connection(),
    })
}

fn check_timing(c: &HealthCheck, fail: &mut impl FnMut(&str, String)) {
    let day = Duration::from_secs(86400);
    for (key, value) in [
        ("interval", c.interval),
        ("timeout", c.timeout),
        ("retry_interval", c.retry_interval),
    ] {
        if value > day {
            fail(key, "must be at most 1d".into());
        }
    }
    if c.interval < Duration::from_secs(1) {
        fail("interval", "must be at least 1s".into());
    }
    if c.timeout < Duration::from_millis(10) {
        fail("timeout", "must be at least 10ms".into());
    } else if c.timeout >= c.interval {
        fail(
            "timeout",
            format!(
                "must be shorter than interval ({}), or probes pile up",
                duration::short(c.interval)
            ),
        );
    }
    if c.retry_interval < Duration::from_millis(500) {
        fail("retry_interval", "must be at least 500ms".into());
    }
    if c.failure_threshold == 0 {
        fail("failure_threshold", "must be at least 1".into());
    }
    if c.success_threshold == 0 {
        fail("success_threshold", "must be at least 1".into());
    }
    if c.kind == Kind::Http
        && c.url.starts_with("http://")
        && c.certificate_min_valid != fourteen_days()
    {
        fail(
            "certificate_min_valid",
            "only applies to https:// URLs".into(),
        );
    }
}

fn check_labels(c: &HealthCheck, fail: &mut impl FnMut(&str, String)) {
    for name in c.labels.keys() {
        let valid = name
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !valid || name.starts_with("__") {
            fail(
                "labels",
                format!(
                    "{name:?} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"
                ),
            );
        } else if matches!(name.as_str(), "check" | "alertname" | "severity") {
            fail("labels", format!("{name:?} is set by opsdeck"));
        }
    }
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
