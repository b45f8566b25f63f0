//! `opsdeck runbook list` and `opsdeck runbook run ID`: recovery runbooks for
//! scripts and hosts without a dashboard. A run goes through the dashboard's
//! runner (`runtime::runbooks`) and is recorded the same way.

use crate::app::tasks::shell_words;
use crate::cli::{AuditFormat, Cli, RunbookCommand};
use crate::config::Config;
use crate::config::duration::short;
use crate::config::paths::Paths;
use crate::engine::runbooks::{AlertContext, RunbookSpec, StepAction};
use crate::labels::LabelSet;
use crate::store::recovery::StoredRecoveryRun;
use std::collections::HashMap;

pub fn run(cli: &Cli, paths: &Paths, command: &RunbookCommand) -> anyhow::Result<i32> {
    let source = super::read_source(paths)?;
    let config = super::load(cli, &source)?;
    match command {
        RunbookCommand::List { format } => list(cli, paths, &config, *format),
        RunbookCommand::Run {
            id,
            alert,
            label,
            dry_run,
            yes,
        } => {
            let spec = find(&config, id, &source.name)?;
            let alert = match (alert, label.is_empty()) {
                (Some(fingerprint), _) => Some(alert_seen_now(&config, fingerprint)?),
                (None, false) => Some(AlertContext::new(label.iter().cloned().collect(), "")),
                (None, true) => None,
            };
            if let Some(alert) = &alert {
                ensure_linked(spec, alert)?;
            }
            let options = super::runbook_run::Options {
                dry_run: *dry_run,
                yes: *yes,
            };
            super::runbook_run::run(cli, paths, &config, spec, alert, options)
        }
    }
}

fn find<'a>(config: &'a Config, id: &str, file: &str) -> anyhow::Result<&'a RunbookSpec> {
    config
        .runbooks()
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| {
            let known: Vec<&str> = config.runbooks().iter().map(|r| r.id.as_str()).collect();
            anyhow::anyhow!(
                "no runbook {id:?} in {file}; runbooks: {}",
                if known.is_empty() {
                    "none configured".to_string()
                } else {
                    known.join(", ")
                }
            )
        })
}

/// A runbook is run for an alert it matches: a typo in a label must not run
/// a restart against the wrong thing.
fn ensure_linked(spec: &RunbookSpec, alert: &AlertContext) -> anyhow::Result<()> {
    if spec.matches(&alert.labels) {
        return Ok(());
    }
    let matchers: Vec<String> = spec.matchers.iter().map(ToString::to_string).collect();
    anyhow::bail!(
        "runbook {:?} does not match the alert {}: it matches {}",
        spec.id,
        label_text(&alert.labels),
        if matchers.is_empty() {
            "no alert (run it without --alert or --label)".to_string()
        } else {
            format!("{{{}}}", matchers.join(", "))
        }
    )
}

/// The alert with this fingerprint among those opsdeck sees now (one
/// collection pass, as `snapshot`).
fn alert_seen_now(config: &Config, fingerprint: &str) -> anyhow::Result<AlertContext> {
    let wanted = fingerprint.trim().to_ascii_lowercase();
    let remote = super::snapshot::collect_once(config)?.remote;
    let seen = remote.alerts.len();
    // A source that did not answer may hold the alert: say so, not just "no alert".
    let now = chrono::Utc::now();
    let failed: Vec<String> = remote
        .sources
        .iter()
        .filter_map(|s| s.problem(now))
        .collect();
    let failed = if failed.is_empty() {
        String::new()
    } else {
        format!("; these sources did not answer: {}", failed.join("; "))
    };
    remote
        .alerts
        .into_iter()
        .map(|a| {
            let summary = a.annotations.get("summary").unwrap_or("").to_string();
            AlertContext::new(a.labels, summary)
        })
        .find(|a| a.fingerprint() == wanted)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no alert with fingerprint {wanted:?} among the {seen} alert(s) opsdeck sees now \
                 (`opsdeck snapshot --format json` shows each alert's fingerprint){failed}"
            )
        })
}

/// `{alertname="X", instance="y"}`.
pub(super) fn label_text(labels: &LabelSet) -> String {
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// Each runbook's newest run from the state database, if there is one to read.
pub(super) fn last_runs(
    cli: &Cli,
    paths: &Paths,
) -> anyhow::Result<HashMap<String, StoredRecoveryRun>> {
    let Some(store) = super::stored(cli, paths)? else {
        return Ok(HashMap::new());
    };
    Ok(store
        .last_recovery_runs()?
        .into_iter()
        .map(|r| (r.runbook.clone(), r))
        .collect())
}

fn list(cli: &Cli, paths: &Paths, config: &Config, format: AuditFormat) -> anyhow::Result<i32> {
    let last = last_runs(cli, paths)?;
    if format == AuditFormat::Json {
        for spec in config.runbooks() {
            super::print_json(&runbook_json(spec, last.get(&spec.id)), false)?;
        }
        return Ok(0);
    }
    let header = ["ID", "MODE", "STEPS", "LAST RUN", "MATCH"].map(String::from);
    let rows: Vec<[String; 5]> = config
        .runbooks()
        .iter()
        .map(|spec| runbook_row(spec, last.get(&spec.id)))
        .collect();
    // Columns as wide as their longest cell; MATCH, the longest, goes last.
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let [id, mode, steps, last, matchers] = row;
        let [a, b, c, d] = widths;
        outln!("{id:<a$}  {mode:<b$}  {steps:<c$}  {last:<d$}  {matchers}")?;
    }
    Ok(0)
}

fn matchers_text(spec: &RunbookSpec) -> String {
    if spec.matchers.is_empty() {
        return "(none: run by id)".into();
    }
    let parts: Vec<String> = spec.matchers.iter().map(ToString::to_string).collect();
    parts.join(", ")
}

/// ID, MODE, STEPS ("4 (2!)": two dangerous), LAST RUN, MATCH.
fn runbook_row(spec: &RunbookSpec, last: Option<&StoredRecoveryRun>) -> [String; 5] {
    let dangerous = spec.steps.iter().filter(|s| s.dangerous).count();
    let steps = match dangerous {
        0 => spec.steps.len().to_string(),
        n => format!("{} ({n}!)", spec.steps.len()),
    };
    [
        spec.id.clone(),
        spec.mode.as_str().to_string(),
        steps,
        last.map_or_else(|| "never run".to_string(), last_text),
        matchers_text(spec),
    ]
}

pub(super) fn last_text(run: &StoredRecoveryRun) -> String {
    let local = run
        .started
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M");
    let took = run
        .finished
        .and_then(|f| (f - run.started).to_std().ok())
        .map_or(String::new(), |d| format!(" in {}", short(d)));
    let dry = if run.dry_run { " (dry run)" } else { "" };
    format!("{}{dry}{took}, {local} by {}", run.state, run.actor)
}

pub(super) fn runbook_json(
    spec: &RunbookSpec,
    last: Option<&StoredRecoveryRun>,
) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = spec
        .steps
        .iter()
        .map(|s| {
            let (command, notify) = match &s.action {
                StepAction::Command(argv) => (Some(argv), None),
                StepAction::Notify(name) => (None, Some(name)),
            };
            serde_json::json!({
                "name": s.name,
                "command": command,
                "notify": notify,
                "verify": (!s.verify.is_empty()).then_some(&s.verify),
                "dangerous": s.dangerous,
                "timeout_seconds": s.timeout.as_secs_f64(),
                "retries": s.retries,
                "on_failure": if s.on_failure == crate::engine::runbooks::OnFailure::Continue { "continue" } else { "abort" },
            })
        })
        .collect();
    serde_json::json!({
        "id": spec.id,
        "name": spec.name,
        "description": spec.description,
        "match": spec.matchers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "mode": spec.mode.as_str(),
        "timeout_seconds": spec.timeout.as_secs_f64(),
        "retries": spec.retries,
        "auto": {
            "enabled": spec.auto.enabled,
            "max_runs_per_hour": spec.auto.max_runs_per_hour,
            "cooldown_seconds": spec.auto.cooldown.as_secs_f64(),
        },
        "steps": steps,
        "last_run": last.map(|r| serde_json::json!({
            "id": r.id,
            "state": r.state,
            "dry_run": r.dry_run,
            "trigger": r.trigger,
            "attempt": r.attempt,
            "started": r.started.to_rfc3339(),
            "finished": r.finished.map(|t| t.to_rfc3339()),
            "detail": r.detail,
            "actor": r.actor,
        })),
    })
}

/// A step's action for reading (never for running): its argv as a shell
/// would quote it, or the notifier. Unless `whole`, a script argument of
/// several lines shows its first line and an ellipsis.
pub(super) fn action_text(action: &StepAction, whole: bool) -> String {
    match action {
        StepAction::Command(argv) if whole => shell_words(argv),
        StepAction::Command(argv) => {
            let short: Vec<String> = argv
                .iter()
                .map(|a| match a.trim().split_once('\n') {
                    Some((first, _)) => format!("{} …", first.trim()),
                    None => a.clone(),
                })
                .collect();
            shell_words(&short)
        }
        StepAction::Notify(name) => format!("notify {name}"),
    }
}
