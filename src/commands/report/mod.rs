//! `opsdeck report` (what is wrong now and what happened in a period, from
//! the state database, as Markdown, HTML or JSON) and `opsdeck handover`
//! (records a hand-over point and prints the report since the last one).

mod html;
mod markdown;
mod silences;

use crate::cli::{Cli, ReportFormat};
use crate::config::Config;
use crate::config::paths::Paths;
use crate::engine::report::{self, document, inputs::Handover};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::path::Path;

/// Where the period starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Period {
    Last(std::time::Duration),
    SinceHandover,
    /// The last hand-over, else 12 hours ago.
    Default,
}

/// How far back a report goes with no hand-over on record.
const DEFAULT_PERIOD: chrono::TimeDelta = chrono::TimeDelta::hours(12);

pub fn run(
    cli: &Cli,
    paths: &Paths,
    period: Period,
    format: ReportFormat,
    output: Option<&Path>,
) -> anyhow::Result<i32> {
    let config = load(cli, paths)?;
    let Some(store) = super::stored(cli, paths)? else {
        anyhow::bail!("{}", no_database(cli, paths));
    };
    if let Some((found, reads)) = store.older_schema()? {
        anyhow::bail!(
            "{} was last opened by an older opsdeck (schema {found}; this one reads {reads}): start the dashboard once, which brings it up to date, then report",
            paths.database().display()
        );
    }
    let until = now_ms();
    let since = match period {
        Period::Last(d) => until - chrono::Duration::from_std(d)?,
        Period::SinceHandover => match store.last_handover(until)? {
            Some(h) => h.at,
            None => anyhow::bail!(
                "no hand-over on record in {}: record one with `opsdeck handover`, or use --since",
                paths.database().display()
            ),
        },
        Period::Default => store
            .last_handover(until)?
            .map_or(until - DEFAULT_PERIOD, |h| h.at),
    };
    let report = build(&store, &config, since, until)?;
    write(&report, format, output)
}

pub fn handover(
    cli: &Cli,
    paths: &Paths,
    note: Option<&str>,
    format: ReportFormat,
    output: Option<&Path>,
) -> anyhow::Result<i32> {
    if cli.read_only() {
        anyhow::bail!(
            "--read-only: a hand-over is recorded in the state database, which read-only leaves alone"
        );
    }
    if cli.no_store {
        anyhow::bail!(
            "--no-store: a hand-over is recorded in the state database, which --no-store leaves alone"
        );
    }
    let config = load(cli, paths)?;
    let db = paths.database();
    crate::store::ensure_state_dir(&db)?;
    let mut store = Store::open(&db)?;
    let now = now_ms();
    let previous = store.last_handover(now)?;
    let actor = super::actor(&config);
    let note = note.unwrap_or("").trim().to_string();
    let record = Handover {
        at: now,
        actor: actor.clone(),
        note: note.clone(),
    };
    let recorded = record.clone();
    // On record (and in the audit log) before anything says it happened.
    store.insert_handover(&record)?;
    let audit = crate::store::NewAudit::event(now, &actor, "handover", "recorded")
        .with_params(serde_json::json!({ "note": note }));
    store.append_audit(&audit)?;
    note!("hand-over recorded: {actor} at {}", document::time(now));
    let since = previous.map_or(now - DEFAULT_PERIOD, |h| h.at);
    let mut report = build(&store, &config, since, now)?;
    report.this_handover = Some(recorded);
    write(&report, format, output)
}

/// Now, to the millisecond the store keeps: a record written now is at the
/// period's (exclusive) end, not a fraction before it.
fn now_ms() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
}

fn load(cli: &Cli, paths: &Paths) -> anyhow::Result<Config> {
    let source = super::read_source(paths)?;
    let config = super::load(cli, &source)?;
    // Stored errors may quote a server that echoed a token: hidden here too.
    for unreadable in config.register_secrets() {
        note!("warning: {unreadable}; a stored error that quotes this secret would show it");
    }
    Ok(config)
}

fn no_database(cli: &Cli, paths: &Paths) -> String {
    let db = paths.database();
    if cli.no_store {
        format!(
            "nothing to report: the records are in the state database ({}), which --no-store leaves alone",
            db.display()
        )
    } else {
        format!(
            "nothing to report: {} does not exist yet (opsdeck records what the report reads while the dashboard runs)",
            db.display()
        )
    }
}

/// The report of `since..until` from the store, in `format`.
fn build(
    store: &Store,
    config: &Config,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<report::Report> {
    let mut inputs = store.report_inputs(since, until)?;
    let (others, unread) = silences::live(config, &inputs.open_acks);
    inputs.open_acks.extend(others);
    inputs.silences_unread = unread;
    inputs.host = crate::collect::local::host_info().hostname;
    inputs.generated_by = super::actor(config);
    inputs.level_rules = config.ui.alerts.level_rules();
    Ok(report::build(&inputs))
}

fn render(report: &report::Report, format: ReportFormat) -> anyhow::Result<String> {
    Ok(match format {
        ReportFormat::Json => {
            let mut value = serde_json::to_value(report)?;
            redact_strings(&mut value);
            crate::ui::visible::json(&value, true)?
        }
        ReportFormat::Markdown => markdown::render(report, &document::document(report)),
        ReportFormat::Html => html::render(report, &document::document(report)),
    })
}

/// Every string of a JSON value without the config's secrets (each string
/// on its own: a secret is found before any escaping could hide it).
fn redact_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let std::borrow::Cow::Owned(clean) = crate::secrets::redact(s) {
                *s = clean;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

fn write(
    report: &report::Report,
    format: ReportFormat,
    output: Option<&Path>,
) -> anyhow::Result<i32> {
    let text = render(report, format)?;
    match output {
        Some(path) => {
            std::fs::write(path, text.as_bytes()).map_err(|e| {
                anyhow::anyhow!("cannot write the report to {}: {e}", path.display())
            })?;
            note!("report written to {}", path.display());
        }
        None => super::out::raw_line(text.trim_end())?,
    }
    Ok(0)
}
