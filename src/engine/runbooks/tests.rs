//! A run from step to step, with the time passed in: the modes, retries,
//! confirmations, aborts, dry runs and the run's timeout.

use super::context::{RunContext, step_env};
use super::*;
use chrono::{DateTime, TimeZone, Utc};

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
}

fn step(name: &str) -> StepSpec {
    StepSpec {
        name: name.into(),
        action: StepAction::Command(vec!["true".into()]),
        env: Default::default(),
        timeout: Duration::from_secs(10),
        on_failure: OnFailure::Abort,
        dangerous: false,
        settle: Duration::ZERO,
        verify: Vec::new(),
        verify_check: None,
        retries: 0,
    }
}

fn runbook(mode: Mode, steps: Vec<StepSpec>) -> RunbookSpec {
    RunbookSpec {
        id: "rb".into(),
        name: "rb".into(),
        description: String::new(),
        matchers: vec!["alertname=\"Down\"".parse().unwrap()],
        mode,
        timeout: Duration::from_secs(180),
        retries: 0,
        auto: AutoSpec {
            enabled: false,
            max_runs_per_hour: 2,
            cooldown: Duration::from_secs(900),
        },
        steps,
    }
}

fn ok() -> StepResult {
    StepResult::new(StepState::Succeeded, Some(0), "exit 0")
}

fn fail() -> StepResult {
    StepResult::new(StepState::Failed, Some(1), "exit 1")
}

/// Drives `run` with `results` for the steps it names, in turn; returns the
/// steps it ran (step, attempt) and how it ended.
fn drive(run: &mut RecoveryRun, results: &[StepResult]) -> (Vec<(usize, u32)>, RunOutcome) {
    let mut ran = Vec::new();
    let mut results = results.iter();
    for i in 0..100 {
        match run.next(t(i)) {
            Next::Run { step, attempt, .. } => {
                ran.push((step, attempt));
                let result = results.next().expect("a result for every step run");
                run.step_ended(result.clone(), t(i));
            }
            Next::Confirm { step } => run.confirm(step),
            Next::Done(outcome) => return (ran, outcome),
        }
    }
    panic!("the run never ended");
}

fn states(run: &RecoveryRun) -> Vec<StepState> {
    run.steps.iter().map(|s| s.state).collect()
}

#[test]
fn a_sequence_runs_every_step_in_order_and_recovers() {
    let mut run = RecoveryRun::new(
        runbook(Mode::Sequence, vec![step("a"), step("b")]),
        false,
        t(0),
    );
    let (ran, outcome) = drive(&mut run, &[ok(), ok()]);
    assert_eq!(ran, [(0, 1), (1, 1)]);
    assert_eq!(outcome, RunOutcome::Recovered);
    assert_eq!(states(&run), [StepState::Succeeded; 2]);
    assert_eq!(outcome.status(), 0);
}

#[test]
fn a_failed_step_ends_a_sequence_unless_it_may_continue() {
    let mut run = RecoveryRun::new(
        runbook(Mode::Sequence, vec![step("a"), step("b")]),
        false,
        t(0),
    );
    let (ran, outcome) = drive(&mut run, &[fail()]);
    assert_eq!((ran, outcome), (vec![(0, 1)], RunOutcome::Failed));
    assert_eq!(states(&run), [StepState::Failed, StepState::Skipped]);
    assert_eq!(run.detail, "step 1 (a) failed: exit 1");

    let mut check = step("check");
    check.on_failure = OnFailure::Continue;
    let mut run = RecoveryRun::new(runbook(Mode::Sequence, vec![check, step("b")]), false, t(0));
    let (_, outcome) = drive(&mut run, &[fail(), ok()]);
    assert_eq!(outcome, RunOutcome::Recovered);
    assert_eq!(states(&run), [StepState::Failed, StepState::Succeeded]);
}

#[test]
fn first_success_ends_at_the_first_step_that_succeeds() {
    let steps = vec![step("a"), step("b"), step("c")];
    let mut run = RecoveryRun::new(runbook(Mode::FirstSuccess, steps), false, t(0));
    let (ran, outcome) = drive(&mut run, &[fail(), ok()]);
    assert_eq!(
        (ran, outcome),
        (vec![(0, 1), (1, 1)], RunOutcome::Recovered)
    );
    assert_eq!(
        states(&run),
        [StepState::Failed, StepState::Succeeded, StepState::Skipped]
    );
}

#[test]
fn first_success_that_reaches_its_notify_step_escalates() {
    let mut tell = step("tell");
    tell.action = StepAction::Notify("oncall".into());
    let mut run = RecoveryRun::new(
        runbook(Mode::FirstSuccess, vec![step("a"), tell]),
        false,
        t(0),
    );
    let (_, outcome) = drive(&mut run, &[fail(), ok()]);
    assert_eq!(outcome, RunOutcome::Escalated);
    assert_eq!(run.detail, "notified oncall");
    assert_eq!(outcome.status(), 1, "not recovered");
}

#[test]
fn a_step_is_retried_then_the_whole_run_starts_again() {
    let mut flaky = step("flaky");
    flaky.retries = 1;
    let mut spec = runbook(Mode::Sequence, vec![step("a"), flaky]);
    spec.retries = 1;
    let mut run = RecoveryRun::new(spec, false, t(0));
    let (ran, outcome) = drive(&mut run, &[ok(), fail(), fail(), ok(), fail(), ok()]);
    // Attempt 1: a, flaky ×2 (failed); attempt 2: a, flaky ×2 (second ok).
    assert_eq!(ran, [(0, 1), (1, 1), (1, 2), (0, 1), (1, 1), (1, 2)]);
    assert_eq!((outcome, run.attempt), (RunOutcome::Recovered, 2));
}

#[test]
fn a_dangerous_step_waits_for_a_confirmation_in_each_attempt() {
    let mut restart = step("restart");
    restart.dangerous = true;
    let mut spec = runbook(Mode::Sequence, vec![step("check"), restart]);
    spec.retries = 1;
    let mut run = RecoveryRun::new(spec, false, t(0));
    assert!(matches!(run.next(t(0)), Next::Run { step: 0, .. }));
    run.step_ended(ok(), t(1));
    assert_eq!(run.next(t(1)), Next::Confirm { step: 1 });
    assert_eq!(
        run.next(t(2)),
        Next::Confirm { step: 1 },
        "asked until answered"
    );
    run.confirm(1);
    assert!(matches!(run.next(t(3)), Next::Run { step: 1, .. }));
    run.step_ended(fail(), t(4));
    assert!(matches!(run.next(t(5)), Next::Run { step: 0, .. }));
    run.step_ended(ok(), t(6));
    assert_eq!(
        run.next(t(7)),
        Next::Confirm { step: 1 },
        "asked again in the new attempt"
    );
}

#[test]
fn a_declined_confirmation_aborts_the_run() {
    let mut restart = step("restart");
    restart.dangerous = true;
    let mut run = RecoveryRun::new(
        runbook(Mode::Sequence, vec![restart, step("b")]),
        false,
        t(0),
    );
    assert_eq!(run.next(t(0)), Next::Confirm { step: 0 });
    run.abort(t(1), "not confirmed");
    assert_eq!(run.next(t(2)), Next::Done(RunOutcome::Aborted));
    assert_eq!(states(&run), [StepState::Aborted, StepState::Skipped]);
    assert_eq!(RunOutcome::Aborted.status(), 130);
}

#[test]
fn an_aborted_step_ends_the_run_with_no_retry() {
    let mut spec = runbook(Mode::Sequence, vec![step("a"), step("b")]);
    spec.retries = 3;
    let mut run = RecoveryRun::new(spec, false, t(0));
    let aborted = StepResult::new(StepState::Aborted, None, "aborted by ana@ops-1");
    let (ran, outcome) = drive(&mut run, &[aborted]);
    assert_eq!(
        (ran.len(), outcome, run.attempt),
        (1, RunOutcome::Aborted, 1)
    );
    assert!(
        run.detail.contains("aborted by ana@ops-1"),
        "{}",
        run.detail
    );
}

#[test]
fn a_dry_run_shows_every_step_and_asks_nothing() {
    let mut restart = step("restart");
    restart.dangerous = true;
    let spec = runbook(Mode::FirstSuccess, vec![step("a"), restart, step("c")]);
    let mut run = RecoveryRun::new(spec, true, t(0));
    let shown = StepResult::new(StepState::Succeeded, None, "not executed");
    let (ran, outcome) = drive(&mut run, &[shown.clone(), shown.clone(), shown]);
    assert_eq!(ran.len(), 3, "every step, whatever the mode");
    assert_eq!(outcome, RunOutcome::DryRun);
    assert_eq!(states(&run), [StepState::WouldRun; 3]);
}

#[test]
fn the_runs_timeout_ends_it_failed_with_no_retry() {
    let mut spec = runbook(Mode::Sequence, vec![step("a"), step("b")]);
    spec.retries = 2;
    let mut run = RecoveryRun::new(spec, false, t(0));
    let Next::Run { deadline, .. } = run.next(t(0)) else {
        panic!("runs the first step");
    };
    assert_eq!(deadline, t(180));
    assert_eq!(run.time_left(t(170)), Duration::from_secs(10));
    run.step_ended(
        StepResult::new(StepState::TimedOut, None, "timed out"),
        t(180),
    );
    assert_eq!(run.next(t(180)), Next::Done(RunOutcome::Failed));
    assert_eq!(run.detail, "the runbook's timeout (3m) passed");
    assert_eq!(run.attempt, 1);
}

#[test]
fn a_runbook_is_linked_only_to_alerts_it_matches() {
    let spec = runbook(Mode::Sequence, vec![step("a")]);
    let down: crate::labels::LabelSet = [("alertname", "Down")].into_iter().collect();
    let up: crate::labels::LabelSet = [("alertname", "Up")].into_iter().collect();
    assert!(spec.matches(&down) && !spec.matches(&up));
    let mut unlinked = spec.clone();
    unlinked.matchers.clear();
    assert!(!unlinked.matches(&down), "no matchers: run by id only");
}

#[test]
fn the_alert_reaches_a_step_as_environment_variables_only() {
    let labels: crate::labels::LabelSet = [
        ("alertname", "ServiceDown"),
        ("severity", "critical"),
        ("instance", "$(touch pwned)"),
        ("app.kubernetes.io/name", "web"),
    ]
    .into_iter()
    .collect();
    let alert = AlertContext::new(labels, "web is down");
    let run = RunContext {
        runbook_id: "service_unavailable",
        run_id: 42,
        step: 2,
        dry_run: true,
    };
    let env = step_env(
        Some(&alert),
        run,
        &[("EXTRA".to_string(), "1".to_string())].into(),
    );
    let get = |k: &str| env.get(k).map(String::as_str);
    assert_eq!(get("OPSDECK_ALERT_NAME"), Some("ServiceDown"));
    assert_eq!(get("OPSDECK_ALERT_SEVERITY"), Some("critical"));
    assert_eq!(get("OPSDECK_ALERT_SUMMARY"), Some("web is down"));
    assert_eq!(get("OPSDECK_ALERT_LABEL_INSTANCE"), Some("$(touch pwned)"));
    assert_eq!(
        get("OPSDECK_ALERT_LABEL_APP_KUBERNETES_IO_NAME"),
        Some("web")
    );
    assert_eq!(get("OPSDECK_RUNBOOK_ID"), Some("service_unavailable"));
    assert_eq!(get("OPSDECK_RUN_ID"), Some("42"));
    assert_eq!(get("OPSDECK_STEP"), Some("2"));
    assert_eq!(get("OPSDECK_DRY_RUN"), Some("1"));
    assert_eq!(get("EXTRA"), Some("1"));
    assert_eq!(get("OPSDECK_ALERT_FINGERPRINT").map(str::len), Some(16));
}

#[test]
fn the_fingerprint_is_alertmanagers() {
    // Alertmanager's own fingerprint of {alertname="test"} (FNV-1a 64 over
    // name, 0xff, value, 0xff), as its API shows it.
    let labels: crate::labels::LabelSet = [("alertname", "test")].into_iter().collect();
    let expected = {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in b"alertname\xfftest\xff" {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        format!("{h:016x}")
    };
    assert_eq!(AlertContext::new(labels, "").fingerprint(), expected);
}

#[test]
fn a_run_stopped_because_it_cannot_be_recorded_fails_and_runs_nothing_more() {
    let mut run = RecoveryRun::new(
        runbook(Mode::Sequence, vec![step("a"), step("b")]),
        false,
        t(0),
    );
    assert!(matches!(run.next(t(1)), Next::Run { step: 0, .. }));
    run.stop(t(2), "its step could not be recorded: busy");
    assert_eq!(run.outcome, Some(RunOutcome::Failed));
    assert_eq!(run.detail, "stopped: its step could not be recorded: busy");
    assert_eq!(run.steps[0].state, StepState::Failed);
    assert_eq!(run.steps[1].state, StepState::Skipped);
    assert!(matches!(run.next(t(3)), Next::Done(RunOutcome::Failed)));
    // Once stopped, a stop changes nothing.
    run.stop(t(4), "again");
    assert_eq!(run.detail, "stopped: its step could not be recorded: busy");
}

#[test]
fn a_run_its_last_step_ended_is_failed_when_that_end_cannot_be_recorded() {
    let mut run = RecoveryRun::new(runbook(Mode::Sequence, vec![step("a")]), false, t(0));
    let (_, outcome) = drive(&mut run, &[ok()]);
    assert_eq!(outcome, RunOutcome::Recovered);
    run.stop(t(5), "its step's end could not be recorded: busy");
    assert_eq!(run.outcome, Some(RunOutcome::Failed));
    assert_eq!(
        run.detail,
        "stopped: its step's end could not be recorded: busy (after it had recovered)"
    );
}
