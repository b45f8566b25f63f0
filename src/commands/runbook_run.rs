//! `opsdeck runbook run`: one run on the command line, each step announced
//! and recorded before it runs, its output streamed, a dangerous step asked
//! on the terminal.

use super::runbook::{action_text, label_text};
use super::task::Shown;
use crate::cli::Cli;
use crate::config::Config;
use crate::config::duration::short;
use crate::config::paths::Paths;
use crate::engine::runbooks::context::{RunContext, step_env};
use crate::engine::runbooks::{
    AlertContext, RecoveryRun, RunOutcome, RunbookSpec, StepAction, StepResult,
};
use crate::runtime::process::Stream;
use crate::runtime::runbooks::{Setting, Witness, drive};
use crate::store::audit::Phase;
use crate::store::recovery::{NewRecoveryRun, StoredStep};
use crate::store::{NewAudit, Store};
use chrono::Utc;
use std::io::{IsTerminal, Write};
use tokio_util::sync::CancellationToken;

pub struct Options {
    pub dry_run: bool,
    pub yes: bool,
}

pub fn run(
    cli: &Cli,
    paths: &Paths,
    config: &Config,
    spec: &RunbookSpec,
    alert: Option<AlertContext>,
    options: Options,
) -> anyhow::Result<i32> {
    // A dry run changes nothing, so read-only allows it (unrecorded).
    anyhow::ensure!(
        !cli.read_only() || options.dry_run,
        "read-only (--read-only): runbook run is disabled (--dry-run shows the steps)"
    );
    let actor = super::actor(config);
    let mut store = if cli.no_store || cli.read_only() {
        None
    } else {
        Some(Store::open(&paths.database())?)
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Caught before the run is recorded: no signal leaves it "running".
    let mut signals = {
        let _in_runtime = rt.enter();
        crate::runtime::signals::Terminating::new()?
    };
    if let Some(store) = store.as_mut() {
        close_abandoned(store)?;
    }
    let mut witness = CliWitness::new(store, &actor, options.yes, alert.as_ref());
    let mut run = RecoveryRun::new(spec.clone(), options.dry_run, Utc::now());
    let run_id = witness.record_start(&run, alert.as_ref())?;
    announce(&run, alert.as_ref(), run_id);
    let hidden_env = config.secret_env_vars();
    let cancel = CancellationToken::new();
    let setting = Setting {
        alert: alert.as_ref(),
        run_id,
        notifiers: &config.notifier,
        hidden_env: &hidden_env,
        cancel: cancel.clone(),
        cancelled_why: "interrupted (a signal)".into(),
    };
    let outcome = rt.block_on(async {
        let on_signal = cancel.clone();
        tokio::spawn(async move {
            signals.recv().await;
            on_signal.cancel();
        });
        drive(&mut run, &setting, &mut witness).await
    });
    // What ran could not be recorded: nothing more runs.
    let outcome = outcome.unwrap_or_else(|e| {
        run.stop(Utc::now(), &format!("{e:#}"));
        crate::engine::runbooks::RunOutcome::Failed
    });
    // A confirmation left unanswered by a signal still waits on stdin.
    rt.shutdown_background();
    let recorded_end = witness.record_end(&run);
    let took = (run.finished.unwrap_or_else(Utc::now) - run.started)
        .to_std()
        .unwrap_or_default();
    let recorded = if run_id > 0 {
        format!(" (run {run_id})")
    } else {
        String::new()
    };
    note!(
        "opsdeck: runbook {} {} in {}{recorded}: {}",
        spec.id,
        outcome.label(),
        short(took),
        run.detail
    );
    if let Err(e) = recorded_end {
        let e = format!("{e:#}");
        let why = e.lines().next().unwrap_or_default();
        note!(
            "opsdeck: the run's end could not be recorded either ({why}); \
             the next opsdeck on this host closes it as failed"
        );
        return Ok(RunOutcome::Failed.status());
    }
    Ok(outcome.status())
}

/// Runs whose opsdeck died (killed in the middle of a run) end as failed,
/// once what is left of their processes is stopped: nothing shows running
/// forever, and no step goes on beside a new run of the same runbook.
fn close_abandoned(store: &mut Store) -> anyhow::Result<()> {
    let stop = |a: &crate::store::tasks::Abandoned| {
        crate::runtime::process::stop_abandoned_group(a.pgid, a.started)
    };
    for run in store.close_abandoned_recovery_runs(Utc::now(), &stop)? {
        note!(
            "opsdeck: runbook {} run {} was abandoned (its opsdeck died): closed as failed, what was left of it stopped",
            run.task,
            run.run_id
        );
    }
    Ok(())
}

fn announce(run: &RecoveryRun, alert: Option<&AlertContext>, run_id: i64) {
    let spec = &run.spec;
    let alert = alert.map_or_else(|| "no alert".to_string(), |a| label_text(&a.labels));
    let dry = if run.dry_run { "dry run of " } else { "" };
    let id = if run_id > 0 {
        format!("run {run_id}, ")
    } else {
        String::new()
    };
    note!(
        "opsdeck: {dry}runbook {} ({}) for {alert}: {id}{}, {} step(s), timeout {}, {} retr{}",
        spec.id,
        spec.name,
        spec.mode.as_str(),
        spec.steps.len(),
        short(spec.timeout),
        spec.retries,
        if spec.retries == 1 { "y" } else { "ies" }
    );
}

/// The command line's view of a run: the store, the audit log, stderr for
/// what happens, stdout/stderr for what the steps write.
struct CliWitness<'a> {
    store: Option<Store>,
    actor: &'a str,
    yes: bool,
    alert: Option<AlertContext>,
    alert_labels: serde_json::Value,
    run_id: i64,
    intent: Option<i64>,
    /// The store's row of the running step attempt.
    step_row: i64,
    out: Shown,
    err: Shown,
    mirror: crate::runtime::runbooks::OutputMirror,
}

impl<'a> CliWitness<'a> {
    fn new(store: Option<Store>, actor: &'a str, yes: bool, alert: Option<&AlertContext>) -> Self {
        let alert_labels = alert.map_or(serde_json::json!({}), |a| {
            serde_json::to_value(&a.labels).unwrap_or_default()
        });
        Self {
            store,
            actor,
            yes,
            alert: alert.cloned(),
            alert_labels,
            run_id: 0,
            intent: None,
            step_row: 0,
            // To a terminal, escape sequences are shown, not acted on.
            out: Shown::new(std::io::stdout().is_terminal()),
            err: Shown::new(std::io::stderr().is_terminal()),
            mirror: Default::default(),
        }
    }

    /// The intent in the audit log, then the run: both before any step.
    fn record_start(
        &mut self,
        run: &RecoveryRun,
        alert: Option<&AlertContext>,
    ) -> anyhow::Result<i64> {
        let Some(store) = self.store.as_mut() else {
            return Ok(0);
        };
        let mut intent = NewAudit::event(run.started, self.actor, "runbook.run", "")
            .with_target(&run.spec.id)
            .with_params(serde_json::json!({
                "alert": self.alert_labels,
                "dry_run": run.dry_run,
                "from": "command line",
            }));
        intent.phase = Phase::Intent;
        self.intent = Some(store.append_audit(&intent)?);
        self.run_id = store.insert_recovery_run(&NewRecoveryRun {
            runbook: run.spec.id.clone(),
            alert_key: alert.map(|a| crate::app::alerts::label_key(a.labels.iter())),
            alert_labels: self.alert_labels.clone(),
            trigger: "cli".into(),
            dry_run: run.dry_run,
            started: run.started,
            actor: self.actor.to_string(),
        })?;
        Ok(self.run_id)
    }

    /// The output so far, for the dashboards on the host.
    fn mirror_write(&mut self, tail: Option<String>) {
        if let (Some(tail), Some(store)) = (tail, self.store.as_mut())
            && let Err(e) = store.set_recovery_step_output(self.step_row, &tail)
        {
            note!("opsdeck: cannot record the step's output so far: {e}");
        }
    }

    /// The run waits on the terminal's answer (`why`), or no longer (""):
    /// dashboards on the host show it.
    fn waiting(&mut self, run: &RecoveryRun, why: &str) {
        if let Some(store) = self.store.as_mut()
            && let Err(e) =
                store.update_recovery_run(self.run_id, "running", run.attempt, None, why)
        {
            note!("opsdeck: cannot record that the run waits: {e}");
        }
    }

    fn record_end(&mut self, run: &RecoveryRun) -> anyhow::Result<()> {
        let Some(store) = self.store.as_mut() else {
            return Ok(());
        };
        let state = run.outcome.map_or("running", |o| o.as_str());
        store.update_recovery_run(self.run_id, state, run.attempt, run.finished, &run.detail)?;
        let mut end = NewAudit::event(Utc::now(), self.actor, "runbook.run", state)
            .with_target(&run.spec.id)
            .with_params(serde_json::json!({ "run": self.run_id, "detail": run.detail }));
        end.phase = Phase::Outcome;
        end.intent_id = self.intent;
        store.append_audit(&end)?;
        Ok(())
    }
}

impl Witness for CliWitness<'_> {
    async fn step_started(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        attempt: u32,
    ) -> anyhow::Result<()> {
        let row = StoredStep::attempt_of(run, step);
        if let Some(store) = self.store.as_mut() {
            if run.starts_over(step, attempt) {
                store.update_recovery_run(self.run_id, "running", run.attempt, None, "")?;
            }
            self.step_row = store
                .insert_recovery_step(self.run_id, &row)
                .map_err(|e| anyhow::anyhow!("its step could not be recorded: {e}"))?;
            self.mirror.restart();
        }
        if run.starts_over(step, attempt) {
            note!(
                "opsdeck: starting over, attempt {} of {}, after: {}",
                run.attempt,
                run.spec.retries + 1,
                run.detail
            );
        }
        let spec = &run.spec.steps[step];
        let of = run.spec.steps.len();
        let mut what = format!("step {}/{of} {}", step + 1, spec.name);
        if attempt > 1 || run.attempt > 1 {
            what.push_str(&format!(
                " (attempt {attempt}, run attempt {})",
                run.attempt
            ));
        }
        let marks = if spec.dangerous { " [dangerous]" } else { "" };
        note!(
            "opsdeck: {what}{marks}: {}",
            action_text(&spec.action, run.dry_run)
        );
        if run.dry_run && matches!(spec.action, StepAction::Command(_)) {
            if let Some(verify) = spec.verify_text() {
                note!("opsdeck:   then {verify}");
            }
            let context = RunContext {
                runbook_id: &run.spec.id,
                run_id: self.run_id,
                step: step + 1,
                dry_run: true,
            };
            for (name, value) in step_env(self.alert.as_ref(), context, &spec.env) {
                note!("opsdeck:   {name}={value:?}");
            }
        }
        Ok(())
    }

    fn step_pgid(&mut self, pgid: u32) {
        if let Some(store) = self.store.as_mut()
            && let Err(e) = store.set_recovery_step_pgid(self.step_row, pgid)
        {
            note!("opsdeck: cannot record the step's process group: {e}");
        }
    }

    fn output_idle(&mut self) {
        let tail = self.mirror.due();
        self.mirror_write(tail);
    }

    fn output(&mut self, stream: Stream, chunk: &[u8]) {
        let tail = self.mirror.push(chunk);
        self.mirror_write(tail);
        let _ = match stream {
            Stream::Stdout => self.out.write(&mut std::io::stdout(), chunk),
            Stream::Stderr => self.err.write(&mut std::io::stderr(), chunk),
        };
    }

    async fn step_ended(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        result: &StepResult,
        output: &str,
    ) -> anyhow::Result<()> {
        let _ = self.out.write(&mut std::io::stdout(), &[]);
        let _ = self.err.write(&mut std::io::stderr(), &[]);
        let _ = std::io::stdout().flush();
        let row = StoredStep::ended(run, step, result, output);
        if let Some(store) = self.store.as_mut() {
            store
                .finish_recovery_step(self.step_row, &row)
                .map_err(|e| anyhow::anyhow!("its step's end could not be recorded: {e}"))?;
        }
        let state = result.shown_state(run.dry_run);
        note!(
            "opsdeck: step {}/{} {}: {}",
            step + 1,
            run.spec.steps.len(),
            state.label(),
            result.detail
        );
        Ok(())
    }

    async fn confirm(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        cancel: &CancellationToken,
    ) -> bool {
        let spec = &run.spec.steps[step];
        let what = format!(
            "step {} ({}): {}",
            step + 1,
            spec.name,
            action_text(&spec.action, true)
        );
        let confirmed = if self.yes {
            note!("opsdeck: dangerous {what}: confirmed by --yes");
            true
        } else if !std::io::stdin().is_terminal() {
            note!(
                "opsdeck: dangerous {what}: not confirmed (stdin is not a terminal; --yes runs it)"
            );
            false
        } else {
            note!("opsdeck: dangerous {what}");
            self.waiting(run, &run.asking_text(step));
            let yes = ask("opsdeck: run it? [y/N] ", cancel).await;
            self.waiting(run, "");
            yes
        };
        if let Some(store) = self.store.as_ref() {
            let outcome = if confirmed { "confirmed" } else { "declined" };
            let record = NewAudit::event(Utc::now(), self.actor, "runbook.confirm", outcome)
                .with_target(&run.spec.id)
                .with_params(
                    serde_json::json!({ "run": self.run_id, "step": step + 1, "name": spec.name }),
                );
            if let Err(e) = store.append_audit(&record) {
                note!("opsdeck: cannot write the audit log: {e}");
                return false;
            }
        }
        confirmed
    }
}

/// Asks on the terminal; Ctrl-C (or any terminating signal) is a no.
async fn ask(prompt: &str, cancel: &CancellationToken) -> bool {
    let _ = std::io::stderr().write_all(prompt.as_bytes());
    let _ = std::io::stderr().flush();
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    });
    tokio::select! {
        line = answer => matches!(line, Ok(Ok(l)) if matches!(l.trim(), "y" | "Y" | "yes")),
        () = cancel.cancelled() => false,
    }
}
