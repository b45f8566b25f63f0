//! `[[runbook]]` validation, through `config::parse` as a user meets it:
//! every error names the file, the line and the key.

use crate::config::error::ConfigError;
use crate::engine::runbooks::{Mode, OnFailure, StepAction};
use std::time::Duration;

fn errors(text: &str) -> Vec<ConfigError> {
    match crate::config::parse(text, "test.toml") {
        Ok(_) => Vec::new(),
        Err(e) => e.0,
    }
}

/// The only error of `text`, on `key`.
fn error_on(text: &str, key: &str) -> ConfigError {
    let all = errors(text);
    assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
    assert_eq!(all[0].key, key, "{}", all[0]);
    all[0].clone()
}

const NOTIFIER: &str = "[[notifier]]\nname = \"oncall\"\nurl = \"http://127.0.0.1:9/hook\"\n";

const SERVICE: &str = r#"
[[runbook]]
id = "service_unavailable"
name = "Service unavailable"
description = "Check, restart the instance, verify health"
match = ['alertname=~"ServiceDown|HighErrorRate"', 'severity="critical"']
mode = "sequence"
timeout = "3m"
retries = 2
auto = { enabled = true, max_runs_per_hour = 2, cooldown = "15m" }

[[runbook.step]]
name = "Check service status"
command = ["systemctl", "is-active", "app.service"]
timeout = "10s"
on_failure = "continue"

[[runbook.step]]
name = "Restart the instance"
command = ["systemctl", "restart", "app.service"]
dangerous = true
settle = "30s"
verify = ["curl", "-fsS", "http://127.0.0.1:8000/health"]
retries = 1

[[runbook.step]]
name = "Tell the on-call channel"
notify = "oncall"
"#;

#[test]
fn the_issues_example_passes_with_every_field() {
    let config = crate::config::parse(&format!("{NOTIFIER}{SERVICE}"), "test.toml").unwrap();
    let [r] = config.runbooks() else {
        panic!("one runbook: {:?}", config.runbooks());
    };
    assert_eq!(
        (r.id.as_str(), r.name.as_str()),
        ("service_unavailable", "Service unavailable")
    );
    assert_eq!(
        (r.mode, r.timeout, r.retries),
        (Mode::Sequence, Duration::from_secs(180), 2)
    );
    assert!(r.auto.enabled && r.auto.max_runs_per_hour == 2);
    assert_eq!(r.auto.cooldown, Duration::from_secs(900));
    assert_eq!(r.matchers.len(), 2);
    assert_eq!(r.steps.len(), 3);
    assert_eq!(r.steps[0].on_failure, OnFailure::Continue);
    assert_eq!(r.steps[0].timeout, Duration::from_secs(10));
    let restart = &r.steps[1];
    assert!(restart.dangerous && restart.retries == 1);
    assert_eq!(restart.settle, Duration::from_secs(30));
    assert_eq!(restart.verify[0], "curl");
    assert_eq!(r.steps[2].action, StepAction::Notify("oncall".into()));
}

#[test]
fn defaults_are_safe() {
    let text = "[[runbook]]\nid = \"x\"\n[[runbook.step]]\nname = \"s\"\ncommand = [\"true\"]\n";
    let config = crate::config::parse(text, "test.toml").unwrap();
    let r = &config.runbooks()[0];
    assert_eq!(r.name, "x", "the name defaults to the id");
    assert!(!r.auto.enabled, "automatic recovery is off unless enabled");
    assert_eq!((r.mode, r.retries), (Mode::Sequence, 0));
    let s = &r.steps[0];
    assert_eq!(
        (s.on_failure, s.dangerous, s.retries),
        (OnFailure::Abort, false, 0)
    );
    assert!(s.timeout <= r.timeout);
}

#[test]
fn an_unknown_notifier_names_the_step_and_the_known_ones() {
    let text = format!(
        "{NOTIFIER}{}",
        SERVICE.replace("notify = \"oncall\"", "notify = \"pager\"")
    );
    let e = error_on(&text, "runbook[0].step[2].notify");
    assert!(
        e.message.contains("\"pager\"") && e.message.contains("oncall"),
        "{e}"
    );
    let line = text
        .lines()
        .position(|l| l == "notify = \"pager\"")
        .unwrap()
        + 1;
    assert_eq!(e.line, line, "{e}");
}

#[test]
fn a_runbook_without_steps_is_an_error() {
    let e = error_on(
        "[[runbook]]\nid = \"empty\"\nmatch = ['a=\"b\"']\n",
        "runbook[0].step",
    );
    assert!(e.message.contains("at least one [[runbook.step]]"), "{e}");
    assert_eq!(e.line, 1);
}

#[test]
fn a_bad_matcher_is_an_error_at_its_string() {
    let text = "[[runbook]]\nid = \"x\"\nmatch = ['severity=~\"(\"']\n[[runbook.step]]\nname = \"s\"\ncommand = [\"true\"]\n";
    let all = errors(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(
        (all[0].line, all[0].key.as_str()),
        (3, "runbook[0].match"),
        "{}",
        all[0]
    );
}

#[test]
fn verify_needs_a_command_step() {
    let text = format!(
        "{NOTIFIER}[[runbook]]\nid = \"x\"\n[[runbook.step]]\nname = \"tell\"\nnotify = \"oncall\"\nverify = [\"true\"]\n"
    );
    let e = error_on(&text, "runbook[0].step[0].verify");
    assert!(e.message.contains("only a step with a `command`"), "{e}");
    assert_eq!(e.line, 9);
}

#[test]
fn a_step_has_exactly_one_of_command_and_notify() {
    let neither = "[[runbook]]\nid = \"x\"\n[[runbook.step]]\nname = \"s\"\n";
    let e = error_on(neither, "runbook[0].step[0].command");
    assert!(
        e.message.contains("`command`") && e.message.contains("`notify`"),
        "{e}"
    );
    let both = format!(
        "{NOTIFIER}[[runbook]]\nid = \"x\"\n[[runbook.step]]\nname = \"s\"\ncommand = [\"true\"]\nnotify = \"oncall\"\n"
    );
    error_on(&both, "runbook[0].step[0].notify");
}

#[test]
fn a_runbook_id_used_twice_names_the_first() {
    let one = "[[runbook]]\nid = \"disk\"\n[[runbook.step]]\nname = \"s\"\ncommand = [\"true\"]\n";
    let e = error_on(&format!("{one}{one}"), "runbook[1].id");
    assert!(e.message.contains("already the id of runbook[0]"), "{e}");
    assert_eq!(e.line, 7);
}

#[test]
fn a_step_longer_than_its_runbook_and_bad_limits_are_errors() {
    let text = "[[runbook]]\nid = \"x\"\ntimeout = \"1m\"\nretries = 50\n[[runbook.step]]\nname = \"s\"\ncommand = [\"true\"]\ntimeout = \"5m\"\nenv = { OPSDECK_ALERT_NAME = \"x\" }\n";
    let all = errors(text);
    let keys: Vec<&str> = all.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "runbook[0].retries",
            "runbook[0].step[0].timeout",
            "runbook[0].step[0].env.OPSDECK_ALERT_NAME"
        ],
        "{all:#?}"
    );
    assert!(
        all[1]
            .message
            .contains("5m is longer than the whole runbook's timeout (1m)")
    );
}

#[test]
fn a_notify_step_before_others_in_first_success_is_an_error() {
    let text = format!(
        "{NOTIFIER}[[runbook]]\nid = \"x\"\nmode = \"first_success\"\n[[runbook.step]]\nname = \"tell\"\nnotify = \"oncall\"\n[[runbook.step]]\nname = \"fix\"\ncommand = [\"true\"]\n"
    );
    let e = error_on(&text, "runbook[0].step[0].notify");
    assert!(e.message.contains("never run"), "{e}");
}

#[test]
fn unknown_keys_and_modes_are_shape_errors_with_positions() {
    let text = "[[runbook]]\nid = \"x\"\nmode = \"parallel\"\n[[runbook.step]]\nname = \"s\"\ncommand = [\"true\"]\nretry = 2\n";
    let all = errors(text);
    let found: Vec<(usize, &str)> = all.iter().map(|e| (e.line, e.key.as_str())).collect();
    assert_eq!(
        found,
        [(3, "runbook[0].mode"), (7, "runbook[0].step[0].retry")],
        "{all:#?}"
    );
}
