//! Everything about one `[[runbook]]` and its steps, and the `RunbookSpec`
//! built from it once it passed.

use super::{Runbook, Step};
use crate::config::tasks::checks::{check_command, check_env};
use crate::engine::runbooks::{AutoSpec, Mode, RunbookSpec, StepAction, StepSpec};
use std::time::Duration;

/// A recovery that takes longer than this is an outage of its own.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// Whole-run attempts past this hammer a broken service.
const MAX_RUN_RETRIES: u32 = 10;
const MAX_STEP_RETRIES: u32 = 100;

/// What a step may name: notifiers, and health checks.
pub(super) type Known<'a> = (&'a [&'a str], &'a [crate::engine::health::CheckSpec]);

pub(super) fn spec(
    r: &Runbook,
    table: &str,
    known: Known<'_>,
    err: &mut impl FnMut(&str, &str, String),
) -> Option<RunbookSpec> {
    let mut failed = false;
    let mut err = |table: &str, key: &str, message: String| {
        failed = true;
        err(table, key, message);
    };
    check_limits(r, table, &mut err);
    check_order(r, table, &mut err);
    if r.step.is_empty() {
        err(
            table,
            "step",
            "a runbook needs at least one [[runbook.step]]".into(),
        );
    }
    let steps: Vec<Option<StepSpec>> = r
        .step
        .iter()
        .enumerate()
        .map(|(j, s)| step(r, s, &format!("{table}.step.{j}"), known, &mut err))
        .collect();
    if failed {
        return None;
    }
    Some(RunbookSpec {
        id: r.id.clone(),
        name: if r.name.is_empty() {
            r.id.clone()
        } else {
            r.name.clone()
        },
        description: r.description.clone(),
        matchers: r.matchers.clone(),
        mode: r.mode,
        timeout: r.timeout,
        retries: r.retries,
        auto: AutoSpec {
            enabled: r.auto.enabled,
            max_runs_per_hour: r.auto.max_runs_per_hour,
            cooldown: r.auto.cooldown,
        },
        steps: steps.into_iter().flatten().collect(),
    })
}

fn check_limits(r: &Runbook, table: &str, err: &mut impl FnMut(&str, &str, String)) {
    check_timeout(r.timeout, table, "timeout", err);
    if r.retries > MAX_RUN_RETRIES {
        err(
            table,
            "retries",
            format!("must be at most {MAX_RUN_RETRIES} (it is {})", r.retries),
        );
    }
    if r.auto.enabled && r.auto.max_runs_per_hour == 0 {
        err(
            &format!("{table}.auto"),
            "max_runs_per_hour",
            "must be at least 1 when auto recovery is enabled (or set enabled = false)".into(),
        );
    }
}

fn check_timeout(t: Duration, table: &str, key: &str, err: &mut impl FnMut(&str, &str, String)) {
    if t < Duration::from_secs(1) {
        err(table, key, "must be at least 1s".into());
    } else if t > MAX_TIMEOUT {
        err(table, key, "must be at most 24h".into());
    }
}

/// One `[[runbook.step]]` (table `runbook.{i}.step.{j}`).
fn step(
    r: &Runbook,
    s: &Step,
    table: &str,
    (notifiers, checks): Known<'_>,
    err: &mut impl FnMut(&str, &str, String),
) -> Option<StepSpec> {
    if s.name.trim().is_empty() {
        err(table, "name", "must not be empty".into());
    }
    let action = action(s, table, notifiers, err);
    let verify_check = verify_check(s, &action, checks, table, err);
    if !s.verify.is_empty() || s.settle > Duration::ZERO {
        let key = if s.verify.is_empty() {
            "settle"
        } else {
            "verify"
        };
        if !matches!(action, Some(StepAction::Command(_))) {
            err(
                table,
                key,
                "only a step with a `command` can be verified (a notify step has nothing to check)"
                    .into(),
            );
        } else if !s.verify.is_empty() {
            check_command(&s.verify, table, "verify", err);
        }
    }
    check_timeout(s.timeout, table, "timeout", err);
    if s.timeout > r.timeout {
        let short = crate::config::duration::short;
        err(
            table,
            "timeout",
            format!(
                "{} is longer than the whole runbook's timeout ({}): the step would be cut short",
                short(s.timeout),
                short(r.timeout)
            ),
        );
    }
    if s.retries > MAX_STEP_RETRIES {
        err(
            table,
            "retries",
            format!("must be at most {MAX_STEP_RETRIES} (it is {})", s.retries),
        );
    }
    check_env(&s.env, table, err);
    if let Some(name) = s.env.keys().find(|k| k.starts_with("OPSDECK_")) {
        err(
            &format!("{table}.env"),
            name,
            "OPSDECK_* variables are set by opsdeck (the alert and the run)".into(),
        );
    }
    Some(StepSpec {
        name: s.name.clone(),
        action: action?,
        env: s.env.clone(),
        timeout: s.timeout,
        on_failure: s.on_failure,
        dangerous: s.dangerous,
        settle: s.settle,
        verify: s.verify.clone(),
        verify_check,
        retries: s.retries,
    })
}

/// `verify_check`: a `[[health_check]]` by name, on a command step, instead
/// of a `verify` command.
fn verify_check(
    s: &Step,
    action: &Option<StepAction>,
    checks: &[crate::engine::health::CheckSpec],
    table: &str,
    err: &mut impl FnMut(&str, &str, String),
) -> Option<Box<crate::engine::health::CheckSpec>> {
    let name = s.verify_check.as_deref()?;
    if !s.verify.is_empty() {
        err(
            table,
            "verify_check",
            "choose one of verify and verify_check".into(),
        );
        return None;
    }
    if !matches!(action, Some(StepAction::Command(_))) {
        err(
            table,
            "verify_check",
            "only a step with a `command` can be verified".into(),
        );
        return None;
    }
    match checks.iter().find(|c| c.name == name) {
        Some(check) => Some(Box::new(check.clone())),
        None => {
            let known: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
            let hint = if known.is_empty() {
                "no [[health_check]] is configured".to_string()
            } else {
                format!("the checks are {}", known.join(", "))
            };
            err(
                table,
                "verify_check",
                format!("no [[health_check]] is named {name:?} ({hint})"),
            );
            None
        }
    }
}

/// A step runs a command or tells a notifier, exactly one of them.
fn action(
    s: &Step,
    table: &str,
    notifiers: &[&str],
    err: &mut impl FnMut(&str, &str, String),
) -> Option<StepAction> {
    match (&s.notify, s.command.is_empty()) {
        (Some(_), false) => {
            err(
                table,
                "notify",
                "a step has either `command` or `notify`, not both".into(),
            );
            None
        }
        (None, true) => {
            err(
                table,
                "command",
                "a step needs a `command` (an argv array) or a `notify` (a [[notifier]] name)"
                    .into(),
            );
            None
        }
        (Some(name), true) if !notifiers.contains(&name.as_str()) => {
            let known = if notifiers.is_empty() {
                "no [[notifier]] is configured".to_string()
            } else {
                format!("notifiers: {}", notifiers.join(", "))
            };
            err(
                table,
                "notify",
                format!("no [[notifier]] is named {name:?}; {known}"),
            );
            None
        }
        (Some(name), true) => Some(StepAction::Notify(name.clone())),
        (None, false) => {
            let mut ok = true;
            check_command(
                &s.command,
                table,
                "command",
                &mut |t: &str, k: &str, m: String| {
                    ok = false;
                    err(t, k, m);
                },
            );
            ok.then(|| StepAction::Command(s.command.clone()))
        }
    }
}

/// `first_success` with nothing after a notify step would never try them.
fn check_order(r: &Runbook, table: &str, err: &mut impl FnMut(&str, &str, String)) {
    if r.mode != Mode::FirstSuccess {
        return;
    }
    let last = r.step.len().saturating_sub(1);
    if let Some(j) = r.step.iter().position(|s| s.notify.is_some())
        && j < last
    {
        err(
            &format!("{table}.step.{j}"),
            "notify",
            format!(
                "in a first_success runbook a notify step ends the run, so the {} step(s) after it never run; make it the last step",
                last - j
            ),
        );
    }
}
