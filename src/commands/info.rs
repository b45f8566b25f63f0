//! `opsdeck info`: every resolved path and where it came from, then the local
//! alert rules opsdeck would run and where each was written.

use crate::config::paths::Paths;
use crate::config::rules::RuleOrigin;
use crate::config::{self, Config, EMBEDDED_NAME};

pub fn run(paths: &Paths) -> anyhow::Result<i32> {
    let exists = |p: &std::path::Path| {
        if p.exists() {
            ""
        } else {
            " (does not exist yet)"
        }
    };
    match &paths.config {
        Some(c) => outln!(
            "config file   {}  [{}]{}",
            c.path.display(),
            c.origin,
            exists(&c.path)
        )?,
        None => outln!(
            "config file   {EMBEDDED_NAME}  [no {} found]",
            paths.default_config_file().display()
        )?,
    }
    let t = &paths.themes_dir;
    outln!(
        "themes dir    {}  [{}]{}",
        t.path.display(),
        t.origin,
        exists(&t.path)
    )?;
    let s = &paths.state_dir;
    let db = paths.database();
    outln!(
        "state db      {}  [{}]{}",
        db.display(),
        s.origin,
        exists(&db)
    )?;
    let log = paths.log_file();
    outln!(
        "log file      {}  [{}]{}",
        log.display(),
        s.origin,
        exists(&log)
    )?;
    rules(paths)?;
    Ok(0)
}

/// The rules, one per line: name, active or disabled, where it was written. A
/// config that cannot be read is said so here; the paths above still hold, so
/// `info` still succeeds.
fn rules(paths: &Paths) -> anyhow::Result<()> {
    let source = match super::read_source(paths) {
        Ok(source) => source,
        Err(e) => return outln!("rules         unknown: {e}"),
    };
    let mut config = match config::parse(&source.text, &source.name) {
        Ok(config) => config,
        Err(e) => {
            let n = e.0.len();
            return outln!(
                "rules         unknown: the config has {n} error(s); see `opsdeck check-config`"
            );
        }
    };
    config.add_host_rules(&source.name);
    let active = config.rule.iter().filter(|r| r.enabled).count();
    let disabled = config.rule.len() - active;
    let mut summary = format!("{active} active");
    if disabled > 0 {
        summary.push_str(&format!(", {disabled} disabled"));
    }
    outln!("rules         {summary}; {}", host_rules(&config, &source))?;
    let width = config.rule.iter().map(|r| r.name.chars().count()).max();
    for rule in &config.rule {
        let state = if rule.enabled { "active" } else { "disabled" };
        let origin = match rule.origin {
            RuleOrigin::HostDefault { line } => {
                format!("host default, assets/default.toml:{line} (embedded)")
            }
            RuleOrigin::File { line } => format!("{}:{line}", source.name),
            RuleOrigin::ReplacesHostDefault { line } => {
                format!("{}:{line}, replaces the host default", source.name)
            }
            RuleOrigin::Code => "built in".to_string(),
        };
        let width = width.unwrap_or(0);
        outln!("  {:<width$}  {state:<8}  {origin}", rule.name)?;
    }
    Ok(())
}

/// Whether the embedded host rules are on, and where they were turned off.
fn host_rules(config: &Config, source: &super::Source) -> String {
    if source.name == EMBEDDED_NAME || config.general.host_rules {
        return "host rules on".to_string();
    }
    let (line, _) = config::locate::position(&source.text, "general", "host_rules");
    format!(
        "host rules off (general.host_rules = false, {}:{line})",
        source.name
    )
}
