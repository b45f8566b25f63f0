//! Remote sources: `[[prometheus]]`, `[[alertmanager]]`, `[[scrape]]`, `[[panel]]`
//! and `[ack]`. Their shape here; their checks in `remote_checks`.
//!
//! Connection settings are repeated in each section rather than flattened: serde's
//! `flatten` cannot be combined with `deny_unknown_fields`, and unknown keys must
//! stay errors.

use super::{duration, size};
use crate::engine::matcher::Matcher;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// How to reach an HTTP endpoint: auth and TLS, shared by every remote section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Connection {
    pub timeout: Duration,
    pub bearer_token_file: Option<PathBuf>,
    pub bearer_token_env: Option<String>,
    pub basic_auth: Option<BasicAuth>,
    pub ca_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
}

/// The fields every remote section has, so each can hand out its `Connection`.
macro_rules! remote_section {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            interval: $interval:expr,
            $($(#[$fmeta:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub name: String,
            $($(#[$fmeta])* pub $field: $ty,)*
            /// How often it is polled.
            #[serde(default = $interval, with = "duration")]
            pub interval: Duration,
            /// Each request gives up after this long.
            #[serde(default = "default_timeout", with = "duration")]
            pub timeout: Duration,
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

        impl $name {
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
    };
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
/// 64 MiB: a 50 MB page (the biggest exporters: kube-state-metrics on a large
/// cluster) passes, and the page is streamed through the parser, so the limit
/// bounds time and bandwidth more than memory.
pub const DEFAULT_MAX_SIZE: u64 = 64 << 20;

fn default_max_size() -> u64 {
    DEFAULT_MAX_SIZE
}
fn every_15s() -> Duration {
    Duration::from_secs(15)
}
fn every_10s() -> Duration {
    Duration::from_secs(10)
}

remote_section! {
    /// A Prometheus server: its alerts, the fleet rows and the panels' queries.
    pub struct Prometheus {
        interval: "every_15s",
        pub url: String,
        /// Fleet rows from node_exporter series; `fleet = false` turns them off.
        #[serde(default)]
        pub fleet: Fleet,
    }
}

remote_section! {
    /// One Alertmanager cluster: `urls` are its members, read in order with fail-over.
    pub struct Alertmanager {
        interval: "every_10s",
        pub urls: Vec<String>,
    }
}

remote_section! {
    /// A `/metrics` endpoint polled directly.
    pub struct Scrape {
        interval: "every_15s",
        pub url: String,
        /// A page bigger than this fails the poll (never cut: a cut page would
        /// make the rules see absent series). Decompressed bytes.
        #[serde(default = "default_max_size", with = "size")]
        pub max_size: u64,
    }
}

/// The PromQL behind the fleet rows: one row per `instance`. The defaults work
/// against a stock node_exporter.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Fleet {
    pub enabled: bool,
    pub up: String,
    pub cpu: String,
    pub memory: String,
    pub disk: String,
    /// The span of the sparklines (from `query_range`).
    #[serde(with = "duration")]
    pub range: Duration,
}

impl Default for Fleet {
    fn default() -> Self {
        // [2m] windows need two samples, so they work up to a 1m scrape interval.
        Self {
            enabled: true,
            up: r#"up{job=~".*node.*"}"#.into(),
            cpu: r#"100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])))"#
                .into(),
            memory: "100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)"
                .into(),
            disk: r#"max by (instance) (100 * (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*"} / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*"}))"#
                .into(),
            range: Duration::from_secs(600),
        }
    }
}

impl Fleet {
    pub fn queries(&self) -> [(&'static str, &str); 4] {
        [
            ("up", &self.up),
            ("cpu", &self.cpu),
            ("memory", &self.memory),
            ("disk", &self.disk),
        ]
    }
}

/// A user PromQL panel in the Resources pane.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    pub query: String,
    /// The `[[prometheus]]` it asks; default the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default)]
    pub kind: PanelKind,
    #[serde(default)]
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<super::Threshold>,
    /// The span of sparklines and charts.
    #[serde(default = "ten_minutes", with = "duration")]
    pub range: Duration,
    /// Series label shown in tables and legends; default all labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legend: Option<String>,
}

fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    #[default]
    Value,
    Sparkline,
    Chart,
    Table,
}

impl Panel {
    /// The index of the `[[prometheus]]` it asks among `prometheus`: the one
    /// it names, else the first.
    pub fn prometheus_index(&self, prometheus: &[Prometheus]) -> Option<usize> {
        match &self.source {
            Some(name) => prometheus.iter().position(|p| &p.name == name),
            None => (!prometheus.is_empty()).then_some(0),
        }
    }
}

impl PanelKind {
    /// Whether the panel needs `query_range` rather than an instant query.
    pub fn is_range(self) -> bool {
        matches!(self, PanelKind::Sparkline | PanelKind::Chart)
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    #[default]
    None,
    Bytes,
    Seconds,
    Percent,
    /// Per second.
    Rate,
    /// Bytes per second.
    #[serde(rename = "bytes/s")]
    BytesRate,
}

/// Acknowledgements.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Ack {
    #[serde(with = "duration")]
    pub default_duration: Duration,
    /// minijinja template of the silence comment; `comment` is what the operator
    /// typed, `user` who they are. Alertmanager UIs (karma) recognise `ACK!`.
    pub comment_template: String,
    /// An `[[alertmanager]]` name: local alerts are also posted there (refreshed
    /// while firing), so the whole team sees them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_local_to: Option<String>,
}

impl Default for Ack {
    fn default() -> Self {
        Self {
            default_duration: Duration::from_secs(3600),
            comment_template: "ACK! {{ comment }}".into(),
            push_local_to: None,
        }
    }
}

/// How the Alerts pane lists alerts.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsView {
    /// Group rows under this label's values (e.g. "cluster"); empty: no groups.
    pub group_by: String,
    /// Labels shown in the row besides alertname, when the alert has them.
    pub key_labels: Vec<String>,
    /// Incident levels by labels, first match wins, before the severity map:
    /// `[{ level = "P1", match = ['team="payments"'] }]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelOverride>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LevelOverride {
    pub level: LevelName,
    /// Alertmanager-style matchers, all of which must match; parsed at load,
    /// so a bad one is a config error at its position.
    #[serde(rename = "match")]
    pub matchers: Vec<Matcher>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub enum LevelName {
    P1,
    P2,
    P3,
    P4,
}

impl AlertsView {
    /// The overrides as the incident engine takes them (the matchers were
    /// parsed and checked when the config was read).
    pub fn level_rules(&self) -> Vec<crate::engine::incident::LevelRule> {
        use crate::engine::incident::{Level, LevelRule};
        self.levels
            .iter()
            .map(|o| LevelRule {
                level: match o.level {
                    LevelName::P1 => Level::P1,
                    LevelName::P2 => Level::P2,
                    LevelName::P3 => Level::P3,
                    LevelName::P4 => Level::P4,
                },
                matchers: o.matchers.clone(),
            })
            .collect()
    }
}

impl Default for AlertsView {
    fn default() -> Self {
        Self {
            group_by: String::new(),
            key_labels: ["instance", "job", "service", "namespace"]
                .map(String::from)
                .to_vec(),
            levels: Vec::new(),
        }
    }
}

/// Resolved secrets, read when sources start (and by check-config), so a missing
/// token file is reported with its key.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    Bearer(String),
    Basic { username: String, password: String },
}

impl std::fmt::Debug for Credentials {
    // Never print a secret, even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::Basic { username, .. } => {
                write!(f, "Basic({username}, <redacted>)")
            }
        }
    }
}

/// Where a secret was to come from and why it could not be read: (key, message).
pub type SecretError = (&'static str, String);

impl Connection {
    /// Reads the secret, and registers it (with the Authorization value built
    /// from it) for redaction: whatever reads a secret makes it unprintable.
    pub fn credentials(&self) -> Result<Credentials, SecretError> {
        let credentials = self.read_credentials()?;
        match &credentials {
            Credentials::None => {}
            Credentials::Bearer(token) => crate::secrets::register(token),
            Credentials::Basic { username, password } => {
                crate::secrets::register_basic(username, password)
            }
        }
        Ok(credentials)
    }

    fn read_credentials(&self) -> Result<Credentials, SecretError> {
        if let Some(path) = &self.bearer_token_file {
            return read_secret_file(path)
                .map(Credentials::Bearer)
                .map_err(|m| ("bearer_token_file", m));
        }
        if let Some(var) = &self.bearer_token_env {
            return read_secret_env(var)
                .map(Credentials::Bearer)
                .map_err(|m| ("bearer_token_env", m));
        }
        if let Some(basic) = &self.basic_auth {
            let password = match (&basic.password_file, &basic.password_env) {
                (Some(path), _) => read_secret_file(path).map_err(|m| ("basic_auth", m))?,
                (None, Some(var)) => read_secret_env(var).map_err(|m| ("basic_auth", m))?,
                (None, None) => String::new(),
            };
            return Ok(Credentials::Basic {
                username: basic.username.clone(),
                password,
            });
        }
        Ok(Credentials::None)
    }
}

fn read_secret_file(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let secret = text.trim().to_string();
    if secret.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(secret)
}

fn read_secret_env(var: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        Ok(_) => Err(format!("environment variable {var} is empty")),
        Err(_) => Err(format!("environment variable {var} is not set")),
    }
}
