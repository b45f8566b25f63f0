//! Semantic checks, section by section: each error goes through
//! `err(table, key, message)`, which adds file and position.

use super::remote::{Connection, Panel};
use super::{Config, General, Ui, duration, promql};
use std::collections::BTreeSet;
use std::time::Duration;

/// Returns the validated tasks (`tasks::check`).
pub(super) fn check(
    config: &Config,
    err: &mut impl FnMut(&str, &str, String),
) -> Vec<crate::engine::tasks::TaskSpec> {
    check_ack(config, err);
    let mut names = BTreeSet::new();
    for (i, p) in config.prometheus.iter().enumerate() {
        let table = format!("prometheus.{i}");
        check_name("prometheus", &p.name, &table, &mut names, err);
        check_url(&p.url, &table, "url", err);
        check_connection(&p.connection(), p.interval, &p.url, &table, err);
        if p.fleet.enabled {
            for (key, query) in p.fleet.queries() {
                check_query(query, &format!("{table}.fleet"), key, err);
            }
        }
    }
    let mut names = BTreeSet::new();
    for (i, a) in config.alertmanager.iter().enumerate() {
        let table = format!("alertmanager.{i}");
        check_name("alertmanager", &a.name, &table, &mut names, err);
        if a.urls.is_empty() {
            err(
                &table,
                "urls",
                "must list at least one member, e.g. [\"http://am-1:9093\"]".into(),
            );
        }
        for (n, url) in a.urls.iter().enumerate() {
            check_url(url, &format!("{table}.urls"), &n.to_string(), err);
        }
        let first = a.urls.first().map_or("", String::as_str);
        check_connection(&a.connection(), a.interval, first, &table, err);
    }
    let mut names = BTreeSet::new();
    for (i, s) in config.scrape.iter().enumerate() {
        let table = format!("scrape.{i}");
        check_name("scrape", &s.name, &table, &mut names, err);
        check_url(&s.url, &table, "url", err);
        check_connection(&s.connection(), s.interval, &s.url, &table, err);
    }
    for (i, panel) in config.panel.iter().enumerate() {
        check_panel(config, panel, &format!("panel.{i}"), err);
    }
    let mut names = BTreeSet::new();
    for (i, rule) in config.rule.iter().enumerate() {
        let table = format!("rule.{i}");
        check_name("rule", &rule.name, &table, &mut names, err);
        if let Err(e) = crate::engine::promql::Query::parse(&rule.expr) {
            err(&table, "expr", format!("rule {:?}: {e}", rule.name));
        }
        if let Err(e) = crate::engine::rules::RuleState::new(rule.spec()) {
            err(&table, "annotations", e);
        }
        for key in ["alertname", "severity", "__name__"] {
            if rule.labels.contains_key(key) {
                err(
                    &table,
                    "labels",
                    format!("`{key}` is set by opsdeck (the rule's name and severity)"),
                );
            }
        }
    }
    super::notifier::check(&config.notifier, err);
    let tasks = super::tasks::check(&config.task, err);
    for (i, level) in config.ui.alerts.levels.iter().enumerate() {
        let table = format!("ui.alerts.levels.{i}");
        if level.matchers.is_empty() {
            err(&table, "match", "must list at least one matcher".into());
        }
    }
    tasks
}

fn check_ack(config: &Config, err: &mut impl FnMut(&str, &str, String)) {
    let ack = &config.ack;
    if ack.default_duration < Duration::from_secs(60) {
        err("ack", "default_duration", "must be at least 1m".into());
    }
    if let Err(e) = minijinja::Environment::new().template_from_str(&ack.comment_template) {
        err("ack", "comment_template", format!("invalid template: {e}"));
    }
    if let Some(name) = &ack.push_local_to
        && !config.alertmanager.iter().any(|a| &a.name == name)
    {
        err(
            "ack",
            "push_local_to",
            format!("no [[alertmanager]] is named {name:?}"),
        );
    }
}

pub(super) fn check_name(
    section: &str,
    name: &str,
    table: &str,
    seen: &mut BTreeSet<String>,
    err: &mut impl FnMut(&str, &str, String),
) {
    if name.trim().is_empty() {
        err(table, "name", "must not be empty".into());
    } else if !seen.insert(name.to_string()) {
        err(
            table,
            "name",
            format!("another [[{section}]] is already named {name:?}; names must be unique"),
        );
    }
}

pub(super) fn check_url(
    url: &str,
    table: &str,
    key: &str,
    err: &mut impl FnMut(&str, &str, String),
) {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            if !u.username().is_empty() || u.password().is_some() {
                err(
                    table,
                    key,
                    "must not carry credentials; use basic_auth with password_file".into(),
                );
            } else if let Some(param) = credential_param(&u) {
                err(
                    table,
                    key,
                    format!(
                        "must not carry credentials in its query string ({param}=...); \
                         use bearer_token_file, bearer_token_env or basic_auth"
                    ),
                );
            }
        }
        Ok(u) => err(
            table,
            key,
            format!(
                "must be an http:// or https:// URL with a host, not {:?}",
                u.scheme()
            ),
        ),
        Err(e) => err(table, key, format!("invalid URL {url:?}: {e}")),
    }
}

/// The first query parameter that carries a credential (`?access_token=`):
/// URLs are shown and logged with errors, secrets come from files.
pub(super) fn credential_param(url: &reqwest::Url) -> Option<String> {
    url.query_pairs()
        .map(|(name, _)| name)
        .find(|name| crate::secrets::is_credential_param(name))
        .map(|name| crate::collect::http::one_line(&name, 40))
}

pub(super) fn check_connection(
    c: &Connection,
    interval: Duration,
    url: &str,
    table: &str,
    err: &mut impl FnMut(&str, &str, String),
) {
    if interval < Duration::from_secs(1) {
        err(table, "interval", "must be at least 1s".into());
    }
    if c.timeout < Duration::from_millis(100) || c.timeout > Duration::from_secs(300) {
        err(table, "timeout", "must be between 100ms and 5m".into());
    }
    let ways = [
        c.bearer_token_file.is_some(),
        c.bearer_token_env.is_some(),
        c.basic_auth.is_some(),
    ];
    if ways.iter().filter(|w| **w).count() > 1 {
        err(
            table,
            "bearer_token_file",
            "choose one of bearer_token_file, bearer_token_env and basic_auth".into(),
        );
    }
    if let Some(b) = &c.basic_auth {
        if b.username.is_empty() {
            err(table, "basic_auth", "username must not be empty".into());
        }
        if b.password_file.is_some() && b.password_env.is_some() {
            err(
                table,
                "basic_auth",
                "choose one of password_file and password_env".into(),
            );
        }
    }
    let plain = url.starts_with("http://");
    if plain && (c.ca_file.is_some() || c.insecure_skip_verify) {
        let key = if c.ca_file.is_some() {
            "ca_file"
        } else {
            "insecure_skip_verify"
        };
        err(table, key, "only applies to https:// URLs".into());
    }
}

fn check_query(query: &str, table: &str, key: &str, err: &mut impl FnMut(&str, &str, String)) {
    if let Err(e) = promql::check(query) {
        err(table, key, e.to_string());
    }
}

fn check_panel(
    config: &Config,
    panel: &Panel,
    table: &str,
    err: &mut impl FnMut(&str, &str, String),
) {
    if panel.title.trim().is_empty() {
        err(table, "title", "must not be empty".into());
    }
    if let Err(e) = promql::check(&panel.query) {
        err(table, "query", format!("panel {:?}: {e}", panel.title));
    }
    match (&panel.source, config.prometheus.is_empty()) {
        (_, true) => err(
            table,
            "query",
            format!(
                "panel {:?} needs a [[prometheus]] section to ask",
                panel.title
            ),
        ),
        (Some(source), false) if !config.prometheus.iter().any(|p| &p.name == source) => {
            let known: Vec<&str> = config.prometheus.iter().map(|p| p.name.as_str()).collect();
            err(
                table,
                "source",
                format!(
                    "no [[prometheus]] is named {source:?} (known: {})",
                    known.join(", ")
                ),
            );
        }
        _ => {}
    }
    if let Some(t) = panel.thresholds
        && t.warning > t.critical
    {
        err(
            table,
            "thresholds",
            format!(
                "warning ({}) must not be above critical ({})",
                t.warning, t.critical
            ),
        );
    }
    if panel.range < Duration::from_secs(60) {
        err(
            table,
            "range",
            format!("must be at least 1m, not {}", duration::short(panel.range)),
        );
    }
}

pub(super) fn check_general(g: &General, err: &mut impl FnMut(&str, &str, String)) {
    if g.refresh < Duration::from_millis(100) {
        err("general", "refresh", "must be at least 100ms".into());
    }
    if g.history < g.refresh {
        err(
            "general",
            "history",
            format!(
                "must be at least as long as general.refresh (history is {}, refresh {})",
                duration::short(g.history),
                duration::short(g.refresh)
            ),
        );
    }
    if g.history > Duration::from_secs(24 * 3600) {
        err(
            "general",
            "history",
            "must be at most 24h (it is kept in memory)".into(),
        );
    }
    if g.retention < Duration::from_secs(3600) {
        err("general", "retention", "must be at least 1h".into());
    }
    if g.user.as_deref().is_some_and(|u| u.trim().is_empty()) {
        err(
            "general",
            "user",
            "must not be empty; leave it out to use user@host".into(),
        );
    }
    if !(1..=64).contains(&g.max_concurrent_tasks) {
        err(
            "general",
            "max_concurrent_tasks",
            format!(
                "must be between 1 and 64 (it is {})",
                g.max_concurrent_tasks
            ),
        );
    }
}

pub(super) fn check_ui(ui: &Ui, err: &mut impl FnMut(&str, &str, String)) {
    if ui.theme.trim().is_empty() {
        err("ui", "theme", "must name a theme, e.g. \"dark\"".into());
    }
    if !(1..=1000).contains(&ui.processes) {
        err("ui", "processes", "must be between 1 and 1000".into());
    }
    let t = &ui.thresholds;
    for (name, th) in [
        ("cpu", t.cpu),
        ("memory", t.memory),
        ("swap", t.swap),
        ("disk", t.disk),
        ("load", t.load),
    ] {
        let max = if name == "load" { 10_000.0 } else { 100.0 };
        if !(0.0..=max).contains(&th.warning) || !(0.0..=max).contains(&th.critical) {
            err(
                "ui.thresholds",
                name,
                format!("warning and critical must be between 0 and {max}"),
            );
        } else if th.warning > th.critical {
            err(
                "ui.thresholds",
                name,
                format!(
                    "warning ({}) must not be above critical ({})",
                    th.warning, th.critical
                ),
            );
        }
    }
}
