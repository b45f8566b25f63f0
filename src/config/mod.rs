//! The TOML configuration: its shape, loading, and validation.
//!
//! Unknown keys are errors (`deny_unknown_fields`) and every error names file, line,
//! column and key. Sections that later engines need are added with those engines.

pub mod duration;
pub mod error;
pub mod graph;
pub mod health;
mod host_rules;
pub mod keys;
pub mod locate;
pub mod notifier;
pub mod paths;
pub mod promql;
mod recover;
pub mod remote;
pub mod rules;
pub mod runbooks;
pub mod scaling;
mod section_checks;
pub mod size;
pub mod tasks;

use crate::engine::runbooks::RunbookSpec;
use crate::engine::tasks::TaskSpec;
use error::{ConfigError, ConfigErrors};
pub use keys::KeyList;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Sections written as arrays of tables (`[[prometheus]]`).
pub const ARRAY_SECTIONS: &[&str] = &[
    "prometheus",
    "alertmanager",
    "scrape",
    "panel",
    "rule",
    "notifier",
    "task",
    "runbook",
    "runbook.step",
    "health_check",
    "scaling",
    "scaling.metric",
];

/// The default config, embedded so `opsdeck` runs with no file at all.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/default.toml");
pub const EMBEDDED_NAME: &str = "<embedded assets/default.toml>";

/// A config as `parse` returns it: sections that need no more than serde are
/// public fields; `[keys]` and `[[task]]` are kept as written (for serde) and
/// read through their validated, typed form (`key_bindings()`, `tasks()`),
/// built once by `parse`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub general: General,
    pub ui: Ui,
    /// Action name → one key or a list of keys, replacing that action's defaults.
    keys: BTreeMap<String, KeyList>,
    pub ack: remote::Ack,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prometheus: Vec<remote::Prometheus>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alertmanager: Vec<remote::Alertmanager>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scrape: Vec<remote::Scrape>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub panel: Vec<remote::Panel>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rule: Vec<rules::Rule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notifier: Vec<notifier::Notifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    task: Vec<tasks::Task>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    runbook: Vec<runbooks::Runbook>,
    pub health: health::Health,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health_check: Vec<health::HealthCheck>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scaling: Vec<scaling::Scaling>,
    /// `keys`, validated (set by `parse`; the defaults otherwise).
    #[serde(skip)]
    key_bindings: keys::Bindings,
    /// `task`, validated (set by `parse`).
    #[serde(skip)]
    task_specs: Vec<TaskSpec>,
    /// `runbook`, validated (set by `parse`).
    #[serde(skip)]
    runbook_specs: Vec<RunbookSpec>,
    /// `health_check`, validated (set by `parse`).
    #[serde(skip)]
    check_specs: Vec<crate::engine::health::CheckSpec>,
    /// `scaling`, validated (set by `parse`).
    #[serde(skip)]
    scaling_specs: Vec<crate::engine::scaling::TargetSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct General {
    /// How often local collectors sample the host.
    #[serde(with = "duration")]
    pub refresh: Duration,
    /// How much history charts keep in memory.
    #[serde(with = "duration")]
    pub history: Duration,
    /// How long the state database keeps history (audit log, runs, events).
    #[serde(with = "duration")]
    pub retention: Duration,
    /// The actor in the audit log and on acknowledgements; default `user@host`
    /// from the OS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Task runs at once, all tasks together; the rest wait as pending.
    pub max_concurrent_tasks: usize,
    /// Keep the embedded host rules (CPU, memory, disk) beside a config file's
    /// own `[[rule]]`s; `false` turns them off.
    pub host_rules: bool,
}

impl Default for General {
    fn default() -> Self {
        Self {
            refresh: Duration::from_secs(1),
            history: Duration::from_secs(600),
            retention: Duration::from_secs(30 * 86400),
            user: None,
            max_concurrent_tasks: 4,
            host_rules: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Ui {
    pub theme: String,
    pub color: ColorChoice,
    /// Symbols for history graphs; fall back from braille when the font lacks it.
    pub graph: GraphSymbols,
    /// How many processes the Resources pane lists at most.
    pub processes: usize,
    pub thresholds: Thresholds,
    pub alerts: remote::AlertsView,
    /// Ring the terminal bell (and flash the header in wall mode) when a
    /// critical alert starts firing.
    pub bell: bool,
}

impl Default for Ui {
    fn default() -> Self {
        Self {
            theme: "dark".into(),
            color: ColorChoice::Auto,
            graph: GraphSymbols::Braille,
            processes: 50,
            thresholds: Thresholds::default(),
            alerts: remote::AlertsView::default(),
            bell: true,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    Auto,
    Truecolor,
    #[serde(rename = "256")]
    #[value(name = "256")]
    C256,
    #[serde(rename = "16")]
    #[value(name = "16")]
    C16,
    Mono,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum GraphSymbols {
    Braille,
    Block,
    Ascii,
}

/// Percent levels at which a value turns warning / critical.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub warning: f64,
    pub critical: f64,
}

impl Threshold {
    pub const fn new(warning: f64, critical: f64) -> Self {
        Self { warning, critical }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    pub cpu: Threshold,
    pub memory: Threshold,
    pub swap: Threshold,
    pub disk: Threshold,
    /// Load average per core, in percent (100 = one runnable task per core).
    pub load: Threshold,
}

impl Default for Thresholds {
    fn default() -> Self {
        // Handbook values: CPU 80/95, memory 80/90 (health), disk 80/90.
        Self {
            cpu: Threshold::new(80.0, 95.0),
            memory: Threshold::new(80.0, 90.0),
            swap: Threshold::new(50.0, 80.0),
            disk: Threshold::new(80.0, 90.0),
            load: Threshold::new(100.0, 200.0),
        }
    }
}

/// Reads a config or theme file. A file that is not UTF-8 is reported at its first
/// bad byte, with the key being written there.
pub fn read_file(path: &std::path::Path) -> Result<String, ConfigError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: 0,
        column: 0,
        key: String::new(),
        message: format!("cannot read: {e}"),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid =
            String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]).into_owned();
        let (line, column) = error::line_col(&valid, valid.len());
        ConfigError {
            file,
            line,
            column,
            key: locate::key_at(&valid, valid.len()),
            message: "not UTF-8 text (TOML files must be UTF-8)".into(),
        }
    })
}

/// Parses and validates config text. `file` names the source in every error.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigErrors> {
    match parse_all(text, file) {
        (Some(config), errors) if errors.is_empty() => Ok(config),
        (_, errors) => Err(ConfigErrors(errors)),
    }
}

/// Every error in `text`, in file order, and the config as far as it could be
/// read: `None` after a syntax error, or when a whole `[[section]]` item could
/// not be read (the semantic checks then wait for the shape errors' fixes).
pub fn parse_all(text: &str, file: &str) -> (Option<Config>, Vec<ConfigError>) {
    let shape = match recover::read(text, file) {
        Ok(shape) => shape,
        Err(mut syntax) => {
            sort_in_file_order(&mut syntax);
            return (None, syntax);
        }
    };
    let mut errors = shape.errors;
    if !shape.complete {
        sort_in_file_order(&mut errors);
        return (None, errors);
    }
    let mut config = shape.config;
    let document = locate::Document::parse(text);
    let mut err = |table: &str, key: &str, message: String| {
        let (line, column) = document.position(table, key);
        errors.push(ConfigError {
            file: file.to_string(),
            line,
            column,
            key: display_key(table, key),
            message,
        });
    };
    section_checks::check_general(&config.general, &mut err);
    section_checks::check_ui(&config.ui, &mut err);
    config.task_specs = section_checks::check(&config, &mut err);
    let notifiers: Vec<&str> = config.notifier.iter().map(|n| n.name.as_str()).collect();
    config.check_specs = health::check(&config.health, &config.health_check, &mut err);
    config.runbook_specs =
        runbooks::check(&config.runbook, &notifiers, &config.check_specs, &mut err);
    let prometheus: Vec<&str> = config.prometheus.iter().map(|p| p.name.as_str()).collect();
    config.scaling_specs = scaling::check(&config.scaling, &prometheus, &mut err);
    config.key_bindings = keys::Bindings::resolve(&config.keys).unwrap_or_else(|problems| {
        for p in problems {
            err("keys", &p.action, p.message);
        }
        keys::Bindings::default()
    });
    for (i, rule) in config.rule.iter_mut().enumerate() {
        let (line, _) = document.position(&format!("rule.{i}"), "name");
        rule.origin = rules::RuleOrigin::File { line };
    }
    sort_in_file_order(&mut errors);
    (Some(config), errors)
}

/// Errors as an operator reads the file: top to bottom (the checks run
/// section by section, and serde meets keys in alphabetical order).
pub fn sort_in_file_order(errors: &mut [ConfigError]) {
    errors.sort_by_key(|e| (e.line, e.column));
}

impl Config {
    /// The validated `[[task]]`s, in file order.
    pub fn tasks(&self) -> &[TaskSpec] {
        &self.task_specs
    }

    /// The validated `[[runbook]]`s, in file order.
    pub fn runbooks(&self) -> &[RunbookSpec] {
        &self.runbook_specs
    }

    /// The validated `[[health_check]]`s, in file order.
    pub fn health_checks(&self) -> &[crate::engine::health::CheckSpec] {
        &self.check_specs
    }

    /// The validated `[[scaling]]` targets, in file order.
    pub fn scaling_targets(&self) -> &[crate::engine::scaling::TargetSpec] {
        &self.scaling_specs
    }

    /// The validated `[keys]`: every action's keys, defaults included.
    pub fn key_bindings(&self) -> &keys::Bindings {
        &self.key_bindings
    }

    /// Every remote section's connection settings, with its section name.
    fn connections(&self) -> impl Iterator<Item = (&'static str, remote::Connection)> + '_ {
        self.prometheus
            .iter()
            .map(|p| ("prometheus", p.connection()))
            .chain(
                self.alertmanager
                    .iter()
                    .map(|a| ("alertmanager", a.connection())),
            )
            .chain(self.scrape.iter().map(|s| ("scrape", s.connection())))
            .chain(self.notifier.iter().map(|n| ("notifier", n.connection())))
            .chain(
                self.health_check
                    .iter()
                    .map(|c| ("health_check", c.connection())),
            )
    }

    /// Reads every configured secret so that text printed from then on
    /// (a report quoting stored errors) is cleaned of it; returns why each
    /// one that could not be read (it cannot be hidden either).
    pub fn register_secrets(&self) -> Vec<String> {
        self.connections()
            .filter_map(|(section, connection)| {
                let (key, why) = connection.credentials().err()?;
                Some(format!("[[{section}]] {key}: {why}"))
            })
            .collect()
    }

    /// Environment variables that hold opsdeck's secrets (`bearer_token_env`,
    /// `basic_auth.password_env`): child processes do not inherit them.
    pub fn secret_env_vars(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .connections()
            .flat_map(|(_, c)| {
                let password = c.basic_auth.and_then(|b| b.password_env);
                c.bearer_token_env.into_iter().chain(password)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Reads every secret and CA file the remote sections name, as the dashboard
/// will: a missing token file is reported by `check-config` with its key, not
/// discovered at 3 a.m. (The values are never printed.)
pub fn check_files(config: &Config, text: &str, file: &str) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let sections = config.connections();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (section, connection) in sections {
        let i = index.entry(section).or_default();
        let table = format!("{section}.{i}");
        *i += 1;
        let mut problems = Vec::new();
        if let Err((key, message)) = connection.credentials() {
            problems.push((key, message));
        }
        if let Some(ca) = &connection.ca_file
            && let Err(e) = std::fs::metadata(ca)
        {
            problems.push(("ca_file", format!("cannot read {}: {e}", ca.display())));
        }
        for (key, message) in problems {
            let (line, column) = locate::position(text, &table, key);
            errors.push(ConfigError {
                file: file.to_string(),
                line,
                column,
                key: display_key(&table, key),
                message,
            });
        }
    }
    errors
}

/// Adds the errors of a later check (files, theme) except on keys that already
/// have one: an empty theme name is not also an unknown theme.
pub fn add_later(errors: &mut Vec<ConfigError>, later: impl IntoIterator<Item = ConfigError>) {
    for e in later {
        if !errors
            .iter()
            .any(|old| old.file == e.file && old.key == e.key)
        {
            errors.push(e);
        }
    }
}

/// `prometheus.0` + `url` → `prometheus[0].url`: arrays of tables by index.
fn display_key(table: &str, key: &str) -> String {
    let mut out = String::new();
    for segment in table.split('.').chain([key]).filter(|s| !s.is_empty()) {
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

#[cfg(test)]
mod tests;
