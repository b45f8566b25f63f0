//! Runs a recovery run's steps for real: each command (then, after `settle`,
//! its `verify`) as a supervised process group, a `notify` step as a webhook,
//! a dry run as nothing at all. `engine::runbooks::RecoveryRun` decides what
//! comes next; a `Witness` (the command line now, the dashboard later) records
//! each step before it is shown and answers confirmations.

use super::process::{self, Outcome, Stream};
use crate::config::notifier::Notifier;
use crate::engine::runbooks::context::{RunContext, step_env};
use crate::engine::runbooks::{
    AlertContext, Next, RecoveryRun, RunOutcome, StepAction, StepResult, StepSpec, StepState,
};
use crate::engine::tasks::Exit;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What a run needs besides itself.
pub struct Setting<'a> {
    pub alert: Option<&'a AlertContext>,
    /// The store's id of the run (0 without a store).
    pub run_id: i64,
    pub notifiers: &'a [Notifier],
    /// opsdeck's secret variables: no step inherits them.
    pub hidden_env: &'a [String],
    /// Stops the running step's whole process group and aborts the run.
    pub cancel: CancellationToken,
    /// Why, when `cancel` fires: "interrupted", "aborted by ann@ops-1".
    pub cancelled_why: String,
}

/// A running step's output as other opsdecks read it from the store: the
/// tail so far, due to be written on the first chunk and then at most once
/// a second (the step's end writes all of it).
#[derive(Debug, Default)]
pub struct OutputMirror {
    tail: String,
    written: Option<std::time::Instant>,
    /// Output came since the last write.
    unwritten: bool,
}

impl OutputMirror {
    /// A step attempt starts: nothing of it written yet.
    pub fn restart(&mut self) {
        self.tail.clear();
        self.written = None;
        self.unwritten = false;
    }

    /// Takes a chunk; returns the tail when it is due to be written.
    pub fn push(&mut self, chunk: &[u8]) -> Option<String> {
        crate::app::runbooks::push_output(&mut self.tail, &String::from_utf8_lossy(chunk));
        self.unwritten = true;
        self.due()
    }

    /// The tail, when output is left unwritten and a write is due (asked
    /// every second while the step runs, so the last lines before a quiet
    /// spell show too).
    pub fn due(&mut self) -> Option<String> {
        let now = std::time::Instant::now();
        let due = self.unwritten
            && self
                .written
                .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        due.then(|| {
            self.written = Some(now);
            self.unwritten = false;
            self.tail.clone()
        })
    }
}

/// Who follows a run: records it and shows it, and decides on dangerous steps.
pub trait Witness {
    /// Step `step` starts (its `attempt`th attempt): written before it runs.
    fn step_started(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        attempt: u32,
    ) -> impl std::future::Future<Output = anyhow::Result<()>>;
    /// The running command's process group, once it is started (a next
    /// opsdeck stops what is left of it if this one dies). Not waited for.
    fn step_pgid(&mut self, pgid: u32);
    /// Output of the running step, as it comes.
    fn output(&mut self, stream: Stream, chunk: &[u8]);
    /// Every second while a step runs: output held back can be written.
    fn output_idle(&mut self) {}
    /// The attempt ended (`run` has already taken the result in): written
    /// before it is shown.
    fn step_ended(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        result: &StepResult,
        output: &str,
    ) -> impl std::future::Future<Output = anyhow::Result<()>>;
    /// Whether the dangerous step `step` may run; false aborts the run.
    fn confirm(
        &mut self,
        run: &RecoveryRun,
        step: usize,
        cancel: &CancellationToken,
    ) -> impl std::future::Future<Output = bool>;
}

/// Drives `run` to its end.
pub async fn drive(
    run: &mut RecoveryRun,
    setting: &Setting<'_>,
    witness: &mut impl Witness,
) -> anyhow::Result<RunOutcome> {
    loop {
        if setting.cancel.is_cancelled() && run.outcome.is_none() {
            run.abort(Utc::now(), &setting.cancelled_why);
        }
        match run.next(Utc::now()) {
            Next::Done(outcome) => return Ok(outcome),
            Next::Confirm { step } => {
                if witness.confirm(run, step, &setting.cancel).await {
                    run.confirm(step);
                } else if setting.cancel.is_cancelled() {
                    run.abort(Utc::now(), &setting.cancelled_why);
                } else {
                    run.abort(Utc::now(), "the dangerous step was not confirmed");
                }
            }
            Next::Run {
                step,
                attempt,
                deadline,
            } => {
                witness.step_started(run, step, attempt).await?;
                let (result, output) = if run.dry_run {
                    let shown = "not executed (dry run)";
                    (
                        StepResult::new(StepState::Succeeded, None, shown),
                        String::new(),
                    )
                } else {
                    let context = RunContext {
                        runbook_id: &run.spec.id,
                        run_id: setting.run_id,
                        step: step + 1,
                        dry_run: false,
                    };
                    let spec = &run.spec.steps[step];
                    execute(spec, context, deadline, setting, witness).await
                };
                let mut result = result;
                if setting.cancel.is_cancelled() && result.state == StepState::Aborted {
                    result.detail = format!("{}; {}", setting.cancelled_why, result.detail);
                }
                run.step_ended(result.clone(), Utc::now());
                witness.step_ended(run, step, &result, &output).await?;
            }
        }
    }
}

/// One attempt of a step.
async fn execute(
    spec: &StepSpec,
    context: RunContext<'_>,
    deadline: DateTime<Utc>,
    setting: &Setting<'_>,
    witness: &mut impl Witness,
) -> (StepResult, String) {
    match &spec.action {
        StepAction::Notify(name) => (notify(name, setting, context).await, String::new()),
        StepAction::Command(argv) => {
            let env = step_env(setting.alert, context, &spec.env);
            let timeout = time_left(spec.timeout, deadline);
            let main = command(argv, &env, timeout, setting);
            let outcome = supervised(main, setting, witness).await;
            let mut output = outcome.output.clone();
            let result = result_of(&outcome, timeout, "");
            if result.state != StepState::Succeeded {
                return (result, output);
            }
            if let Some(check) = &spec.verify_check {
                let result = check_up_within(check, spec.settle, deadline, setting).await;
                return (result, output);
            }
            if spec.verify.is_empty() {
                return (result, output);
            }
            // Settled, then checked: the step succeeded only if verify says so.
            tokio::select! {
                () = tokio::time::sleep(spec.settle) => {}
                () = setting.cancel.cancelled() => {
                    return (StepResult::new(StepState::Aborted, None, "interrupted while settling"), output);
                }
            }
            let timeout = time_left(spec.timeout, deadline);
            let verify = command(&spec.verify, &env, timeout, setting);
            let checked = supervised(verify, setting, witness).await;
            output.push_str(&checked.output);
            (result_of(&checked, timeout, "verify "), output)
        }
    }
}

/// `verify_check`: the check is probed until it passes (every retry
/// interval), within `settle` and the run's deadline.
async fn check_up_within(
    check: &crate::engine::health::CheckSpec,
    settle: Duration,
    deadline: DateTime<Utc>,
    setting: &Setting<'_>,
) -> StepResult {
    use crate::engine::health::Verdict;
    let until = tokio::time::Instant::now() + time_left(settle, deadline);
    // Built once: each retry would read the token and CA files again.
    let client = super::health::client_for(check);
    loop {
        let probe = tokio::select! {
            probe = super::health::probe(check, client.as_ref(), setting.hidden_env) => probe,
            () = setting.cancel.cancelled() => {
                return StepResult::new(StepState::Aborted, None, "interrupted while checking");
            }
        };
        if probe.verdict() != Verdict::Fail {
            let detail = format!("check {} is up", check.name);
            return StepResult::new(StepState::Succeeded, None, &detail);
        }
        let next = tokio::time::Instant::now() + check.retry_interval;
        if next > until {
            let within = crate::config::duration::short(settle);
            let detail = format!(
                "check {} not up within {within}: {}",
                check.name,
                probe.cause()
            );
            return StepResult::new(StepState::Failed, None, &detail);
        }
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            () = setting.cancel.cancelled() => {
                return StepResult::new(StepState::Aborted, None, "interrupted while checking");
            }
        }
    }
}

/// Runs `command`, its output and its process group told to `witness` as
/// they come.
async fn supervised(
    mut command: process::Command,
    setting: &Setting<'_>,
    witness: &mut impl Witness,
) -> Outcome {
    let (tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    command.started = Some(tx);
    // The output callback (inside the run) and the pgid (beside it) take
    // turns: never both at once.
    let witness = std::cell::RefCell::new(witness);
    let run = process::run(&command, setting.cancel.clone(), |s, c| {
        witness.borrow_mut().output(s, c);
    });
    tokio::pin!(run);
    let mut idle = tokio::time::interval(Duration::from_secs(1));
    idle.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            outcome = &mut run => return outcome,
            Some(pgid) = started.recv() => witness.borrow_mut().step_pgid(pgid),
            _ = idle.tick() => witness.borrow_mut().output_idle(),
        }
    }
}

fn time_left(step: Duration, deadline: DateTime<Utc>) -> Duration {
    let left = (deadline - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    // At least a second: a process is started only to be timed out at once.
    step.min(left).max(Duration::from_secs(1))
}

fn command(
    argv: &[String],
    env: &std::collections::BTreeMap<String, String>,
    timeout: Duration,
    setting: &Setting<'_>,
) -> process::Command {
    let mut command = process::Command::new(argv.iter().cloned(), timeout);
    command.env = env.clone();
    command.env_remove = setting.hidden_env.to_vec();
    command
}

/// A process's end as a step's: `what` names the command ("verify ").
fn result_of(outcome: &Outcome, timeout: Duration, what: &str) -> StepResult {
    let state = match outcome.exit {
        Exit::Code(0) => StepState::Succeeded,
        Exit::TimedOut => StepState::TimedOut,
        Exit::Cancelled => StepState::Aborted,
        _ => StepState::Failed,
    };
    let code = match outcome.exit {
        Exit::Code(c) => Some(c),
        _ => None,
    };
    let detail = super::tasks::describe(outcome, timeout);
    StepResult::new(state, code, format!("{what}{detail}"))
}

/// Tells the notifier `name` about the alert, in Alertmanager's webhook
/// format; a failed delivery fails the step (with no secret in its detail).
async fn notify(name: &str, setting: &Setting<'_>, context: RunContext<'_>) -> StepResult {
    let Some(notifier) = setting.notifiers.iter().find(|n| n.name == name) else {
        // check-config refuses this; a config changed under a run is not.
        return StepResult::new(StepState::Failed, None, format!("no notifier {name:?}"));
    };
    let external_url = notifier.external_url();
    let body = crate::engine::runbooks::context::webhook(
        setting.alert,
        context,
        &notifier.name,
        &external_url,
        Utc::now(),
    );
    let delivery = tokio::select! {
        sent = super::notify::deliver(notifier, &body) => sent,
        () = setting.cancel.cancelled() => {
            return StepResult::new(StepState::Aborted, None, "interrupted while notifying");
        }
    };
    match delivery {
        Ok(attempts) => StepResult::new(
            StepState::Succeeded,
            None,
            format!("notified {name} ({attempts} attempt(s))"),
        ),
        Err(e) => StepResult::new(
            StepState::Failed,
            None,
            format!("notifying {name} failed: {e}"),
        ),
    }
}

/// `run`'s outcome for people, with its detail.
pub fn summary(run: &RecoveryRun) -> String {
    let outcome = run.outcome.map_or("running", RunOutcome::label);
    format!("{outcome}: {}", run.detail)
}
