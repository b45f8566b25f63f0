//! `opsdeck task list` and `opsdeck task run ID`: the tasks for scripts and
//! hosts without a dashboard. A run goes through the dashboard's runner and is
//! recorded the same way.

use crate::app::tasks::shell_words;
use crate::cli::{AuditFormat, Cli, TaskCommand};
use crate::config::duration::short;
use crate::config::paths::Paths;
use crate::engine::tasks::{Run, RunState, TaskSpec, Trigger};
use crate::runtime::process::{self, Stream};
use crate::store::{NewAudit, Store};
use crate::ui::visible::VisibleStream;
use chrono::{DateTime, Local, Utc};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};

pub fn run(cli: &Cli, paths: &Paths, command: &TaskCommand) -> anyhow::Result<i32> {
    let source = super::read_source(paths)?;
    let config = super::load(cli, &source)?;
    let specs = config.tasks();
    match command {
        TaskCommand::List { format } => list(cli, paths, specs, *format),
        TaskCommand::Run { id } => {
            let Some(spec) = specs.iter().find(|s| &s.id == id) else {
                let known: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
                anyhow::bail!(
                    "no task {id:?} in {}; tasks: {}",
                    source.name,
                    if known.is_empty() {
                        "none configured".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            };
            anyhow::ensure!(
                !cli.read_only(),
                "read-only (--read-only): task run is disabled"
            );
            let actor = super::actor(&config);
            let store = if cli.no_store {
                None
            } else {
                Some(Store::open(&paths.database())?)
            };
            run_now(spec, store, &actor, &config.secret_env_vars())
        }
    }
}

/// Each task's newest run from the state database, if there is one to read.
pub(super) fn last_runs(cli: &Cli, paths: &Paths) -> anyhow::Result<HashMap<String, Run>> {
    let Some(store) = super::stored(cli, paths)? else {
        return Ok(HashMap::new());
    };
    Ok(store
        .recent_runs(1)?
        .into_iter()
        .map(|r| (r.task_id.clone(), r))
        .collect())
}

fn next_run(spec: &TaskSpec, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    spec.schedule
        .as_ref()
        .filter(|_| spec.enabled)
        .and_then(|s| s.next_after(now))
}

/// A task, its next run and its last run, as `task list --format json` and
/// `snapshot --format json` print it.
pub(super) fn task_json(
    spec: &TaskSpec,
    last: Option<&Run>,
    now: DateTime<Utc>,
) -> serde_json::Value {
    serde_json::json!({
        "id": spec.id,
        "name": spec.name,
        "priority": spec.priority.as_str(),
        "category": spec.category,
        "schedule": spec.schedule.as_ref().map(|s| s.pattern()),
        "timezone": spec.schedule.as_ref().map(|s| s.zone_name()),
        "enabled": spec.enabled,
        "command": spec.command,
        "next_run": next_run(spec, now).map(|t| t.to_rfc3339()),
        "last_run": last.map(|r| serde_json::json!({
            "id": r.id,
            "trigger": r.trigger.as_str(),
            "state": r.state.as_str(),
            "attempt": r.attempt,
            "started": r.started.to_rfc3339(),
            "finished": r.finished.map(|t| t.to_rfc3339()),
            "exit_code": r.exit_code,
            "detail": r.detail,
        })),
    })
}

/// One line of `task list` (and of `snapshot`'s text).
pub(super) fn task_line(spec: &TaskSpec, last: Option<&Run>, now: DateTime<Utc>) -> String {
    let schedule = match (&spec.schedule, spec.enabled) {
        (_, false) => "disabled".to_string(),
        (Some(s), true) => s.pattern().to_string(),
        (None, true) => "manual".to_string(),
    };
    let next = next_run(spec, now).map_or_else(|| "-".to_string(), |t| when(t, now));
    let last = last.map_or_else(
        || "never run".to_string(),
        |r| {
            let took = r.duration().filter(|_| r.state != RunState::Skipped);
            let took = took.and_then(|d| d.to_std().ok());
            let took = took.map_or(String::new(), |d| format!(" in {}", short(d)));
            format!("{}{took}, {}", r.state.label(), when(r.started, now))
        },
    );
    format!(
        "{:<20} {:<8} {:<16} {:<28} {last}",
        spec.id,
        spec.priority.as_str(),
        schedule,
        next
    )
}

fn list(cli: &Cli, paths: &Paths, specs: &[TaskSpec], format: AuditFormat) -> anyhow::Result<i32> {
    let last = last_runs(cli, paths)?;
    let now = Utc::now();
    if format == AuditFormat::Text {
        outln!(
            "{:<20} {:<8} {:<16} {:<28} LAST",
            "ID",
            "PRIORITY",
            "SCHEDULE",
            "NEXT RUN"
        )?;
    }
    for spec in specs {
        let run = last.get(&spec.id);
        match format {
            AuditFormat::Json => super::print_json(&task_json(spec, run, now), false)?,
            AuditFormat::Text => outln!("{}", task_line(spec, run, now))?,
        }
    }
    Ok(0)
}

/// "2026-11-24 02:00 (in 5h12m)" in local time, the span in the TUI's form.
fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Local).format("%Y-%m-%d %H:%M");
    let (ahead, d) = match (t - now).to_std() {
        Ok(d) => (true, d),
        Err(_) => (false, (now - t).to_std().unwrap_or_default()),
    };
    // Whole minutes: the times are shown to the minute.
    let d = std::time::Duration::from_secs(d.as_secs() / 60 * 60);
    let span = short(d);
    match (ahead, d.is_zero()) {
        (_, true) => format!("{local} (now)"),
        (true, false) => format!("{local} (in {span})"),
        (false, false) => format!("{local} ({span} ago)"),
    }
}

/// Runs `spec` once, streaming its output, and returns its exit status.
fn run_now(
    spec: &TaskSpec,
    mut store: Option<Store>,
    actor: &str,
    hidden_env: &[String],
) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Caught before the run is recorded: no signal leaves it "running".
    let signals = {
        let _in_runtime = rt.enter();
        crate::runtime::signals::Terminating::new()?
    };
    let mut run = Run::start(&spec.id, Trigger::Manual, 1, actor, Utc::now());
    if let Some(store) = store.as_mut() {
        let mut intent = NewAudit::event(
            run.started,
            actor,
            "task.run",
            "started from the command line",
        );
        intent.target = spec.id.clone();
        intent.params = serde_json::json!({ "command": shell_words(&spec.command) });
        store.append_audit(&intent)?;
        run.id = store.insert_run(&run)?;
    }
    note!(
        "opsdeck: running {} ({}): {}",
        spec.id,
        spec.name,
        shell_words(&spec.command)
    );
    let command = crate::runtime::task_command(spec, run.id, 1, Trigger::Manual, hidden_env);
    let outcome = rt.block_on(run_streaming(&command, signals));
    let _ = std::io::stdout().flush();
    let (took, status) = (short(outcome.duration), outcome.exit.status());
    crate::runtime::record_outcome(&mut run, outcome, spec.timeout);
    if let Some(store) = store.as_mut() {
        store.finish_run(&run)?;
        let what = format!("{} in {took}: {}", run.state.label(), run.detail);
        let mut end = NewAudit::event(Utc::now(), actor, "task.run", &what);
        end.target = spec.id.clone();
        store.append_audit(&end)?;
    }
    let recorded = if run.id > 0 {
        format!(", run {}", run.id)
    } else {
        String::new()
    };
    note!(
        "opsdeck: task {} {} in {took} ({}{recorded})",
        spec.id,
        run.state.label(),
        run.detail
    );
    Ok(status)
}

/// Runs `command` with its output streamed to ours. Any terminating signal
/// (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT, ...) stops the run's whole group, so it
/// is recorded and leaves nothing behind; then we exit.
async fn run_streaming(
    command: &process::Command,
    mut signals: crate::runtime::signals::Terminating,
) -> process::Outcome {
    let cancel = tokio_util::sync::CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        signals.recv().await;
        on_signal.cancel();
    });
    // To a terminal, the output's escape sequences are shown, not acted on
    // (as in the dashboard); to a pipe or a file it goes as it came.
    let mut out = Shown::new(std::io::stdout().is_terminal());
    let mut err = Shown::new(std::io::stderr().is_terminal());
    let outcome = process::run(command, cancel, |stream, chunk| {
        let _ = match stream {
            Stream::Stdout => out.write(&mut std::io::stdout(), chunk),
            Stream::Stderr => err.write(&mut std::io::stderr(), chunk),
        };
    })
    .await;
    let _ = out.write(&mut std::io::stdout(), &[]);
    let _ = err.write(&mut std::io::stderr(), &[]);
    outcome
}

/// One output stream of a run: escaped when it goes to a terminal.
pub(super) struct Shown(Option<VisibleStream>);

impl Shown {
    pub(super) fn new(terminal: bool) -> Self {
        Self(terminal.then(VisibleStream::default))
    }

    /// Writes `chunk`; an empty chunk (the end) writes what is left.
    pub(super) fn write(&mut self, to: &mut impl Write, chunk: &[u8]) -> std::io::Result<()> {
        match &mut self.0 {
            None => to.write_all(chunk),
            Some(stream) if chunk.is_empty() => to.write_all(stream.finish().as_bytes()),
            Some(stream) => to.write_all(stream.push(chunk).as_bytes()),
        }
    }
}
