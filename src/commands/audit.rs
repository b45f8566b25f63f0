//! `opsdeck audit [--since DUR] [--format text|json]`: the audit log, oldest first.

use crate::cli::{AuditFormat, Cli};
use crate::config::paths::Paths;
use crate::store::AuditRecord;
use chrono::{DateTime, Utc};
use std::time::Duration;

pub fn run(
    cli: &Cli,
    paths: &Paths,
    since: Option<Duration>,
    format: AuditFormat,
) -> anyhow::Result<i32> {
    let db = paths.database();
    if cli.no_store {
        // Exit 0, stdout empty: a script reading the log finds no records.
        note!(
            "nothing to read: the audit log is in the state database ({}), which --no-store leaves alone",
            db.display()
        );
        return Ok(0);
    }
    let Some(store) = super::stored(cli, paths)? else {
        note!(
            "no audit log yet: {} does not exist (opsdeck creates it on first start)",
            db.display()
        );
        return Ok(0);
    };
    let from = match since {
        Some(d) => Utc::now() - chrono::Duration::from_std(d)?,
        None => DateTime::<Utc>::MIN_UTC,
    };
    let records = store.audit_since(from)?;
    for record in &records {
        match format {
            AuditFormat::Json => super::print_json(record, false)?,
            AuditFormat::Text => outln!("{}", text_line(record))?,
        }
    }
    Ok(0)
}

fn text_line(record: &AuditRecord) -> String {
    let r = &record.entry;
    let mut line = format!(
        "{}  {:<20} {:<16} {:<7}",
        r.at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        r.actor,
        r.action,
        format!("{:?}", r.phase).to_lowercase()
    );
    if !r.target.is_empty() {
        line.push_str(&format!(" target={}", r.target));
    }
    if !r.outcome.is_empty() {
        line.push_str(&format!(" outcome={:?}", r.outcome));
    }
    if r.params.as_object().is_some_and(|o| !o.is_empty()) {
        line.push_str(&format!(" params={}", r.params));
    }
    if let Some(intent) = r.intent_id {
        line.push_str(&format!(" intent=#{intent}"));
    }
    line.push_str(&format!(" pid={}", record.pid));
    line
}
