//! The commands, what they print and the records they leave.

use super::Home;
use super::receiver::Receiver;

const SERVICE: &str = r#"
[[runbook]]
id = "service_unavailable"
name = "Service unavailable"
match = ['alertname=~"ServiceDown|HighErrorRate"']
timeout = "1m"

[[runbook.step]]
name = "Check service status"
command = ["sh", "-c", "echo checking; exit 3"]
on_failure = "continue"

[[runbook.step]]
name = "Restart the instance"
command = ["sh", "-c", "env | grep ^OPSDECK_ | sort > {home}/env; touch {home}/restarted"]
dangerous = true
settle = "200ms"
verify = ["test", "-e", "{home}/restarted"]
"#;

#[test]
fn a_sequence_recovers_and_is_recorded_with_the_alert_as_data() {
    let home = Home::new("sequence", SERVICE);
    let pwned = home.path("pwned");
    let instance = format!("instance=$(touch {})", pwned.display());
    let (code, out, err) = home.run(&[
        "runbook",
        "run",
        "service_unavailable",
        "--label",
        "alertname=ServiceDown",
        "--label",
        &instance,
        "--label",
        "severity=critical",
        "--yes",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("checking"),
        "the steps' output is streamed: {out}"
    );
    assert!(err.contains("step 1/2 failed: exit 3"), "{err}");
    assert!(err.contains("confirmed by --yes"), "{err}");
    assert!(err.contains("step 2/2 succeeded: verify exit 0"), "{err}");
    assert!(
        err.contains("runbook service_unavailable recovered"),
        "{err}"
    );
    assert!(!pwned.exists(), "a label value is never executed");
    let env = std::fs::read_to_string(home.path("env")).unwrap();
    for line in [
        "OPSDECK_ALERT_NAME=ServiceDown",
        "OPSDECK_ALERT_SEVERITY=critical",
        &format!("OPSDECK_ALERT_LABEL_INSTANCE=$(touch {})", pwned.display()),
        "OPSDECK_RUNBOOK_ID=service_unavailable",
        "OPSDECK_STEP=2",
        "OPSDECK_DRY_RUN=0",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} in\n{env}");
    }
    let last = home.last_run("service_unavailable");
    assert_eq!(
        (last["state"].as_str(), last["dry_run"].as_bool()),
        (Some("recovered"), Some(false))
    );
    let run_id = last["id"].as_i64().unwrap();
    assert!(
        env.lines().any(|l| l == format!("OPSDECK_RUN_ID={run_id}")),
        "{env}"
    );
    let audit = home.audit();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .filter(|r| r["target"] == "service_unavailable")
        .map(|r| (r["action"].as_str().unwrap(), r["phase"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("runbook.run", "intent"),
            ("runbook.confirm", "event"),
            ("runbook.run", "outcome")
        ]
    );
    let (code, text, _) = home.run(&["runbook", "list"]);
    assert_eq!(code, 0);
    let line = text
        .lines()
        .find(|l| l.starts_with("service_unavailable"))
        .unwrap();
    assert!(
        line.contains("2 (1!)") && line.contains("recovered in"),
        "{line}"
    );
}

#[test]
fn a_dangerous_step_is_not_run_unless_confirmed_and_dry_runs_execute_nothing() {
    let home = Home::new("guarded", SERVICE);
    let label = ["--label", "alertname=ServiceDown"];
    let (code, _, err) =
        home.run(&[&["runbook", "run", "service_unavailable"], &label[..]].concat());
    assert_eq!(code, 130, "aborted: {err}");
    assert!(
        err.contains("not confirmed (stdin is not a terminal; --yes runs it)"),
        "{err}"
    );
    assert!(
        !home.path("restarted").exists(),
        "the dangerous step did not run"
    );
    assert_eq!(home.last_run("service_unavailable")["state"], "aborted");

    let (code, _, err) = home.run(
        &[
            &["runbook", "run", "service_unavailable", "--dry-run"],
            &label[..],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("OPSDECK_ALERT_NAME=\"ServiceDown\""),
        "the environment shown: {err}"
    );
    assert!(err.contains("then verify after 0.2s: test -e"), "{err}");
    assert!(
        !home.path("restarted").exists(),
        "a dry run executes nothing"
    );
    let last = home.last_run("service_unavailable");
    assert_eq!(
        (last["state"].as_str(), last["dry_run"].as_bool()),
        (Some("dry_run"), Some(true))
    );

    let (code, _, err) = home.run(
        &[
            &[
                "--read-only",
                "runbook",
                "run",
                "service_unavailable",
                "--yes",
            ],
            &label[..],
        ]
        .concat(),
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("read-only (--read-only): runbook run is disabled"),
        "{err}"
    );
    assert!(!home.path("restarted").exists());
}

#[test]
fn a_runbook_is_refused_for_an_alert_it_does_not_match() {
    let home = Home::new("unlinked", SERVICE);
    let (code, _, err) = home.run(&[
        "runbook",
        "run",
        "service_unavailable",
        "--label",
        "alertname=DiskFull",
        "--yes",
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("does not match the alert {alertname=\"DiskFull\"}"),
        "{err}"
    );
    assert!(
        err.contains("alertname=~\"ServiceDown|HighErrorRate\""),
        "{err}"
    );
    let (code, _, err) = home.run(&["runbook", "run", "nope"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("no runbook \"nope\"") && err.contains("service_unavailable"),
        "{err}"
    );
}

#[test]
fn first_success_stops_at_the_first_step_that_works_and_retries_a_step() {
    let home = Home::new(
        "first-success",
        r#"
[[runbook]]
id = "disk_full"
mode = "first_success"

[[runbook.step]]
name = "Clean temp files"
command = ["false"]

[[runbook.step]]
name = "Compress logs (fails once)"
command = ["sh", "-c", "n=$(cat {home}/count 2>/dev/null || echo 0); echo $((n+1)) > {home}/count; [ $n -ge 1 ]"]
retries = 1

[[runbook.step]]
name = "Delete expired backups"
command = ["touch", "{home}/deleted"]
"#,
    );
    let (code, _, err) = home.run(&["runbook", "run", "disk_full"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(home.path("count")).unwrap().trim(),
        "2"
    );
    assert!(err.contains("(attempt 2, run attempt 1)"), "{err}");
    assert!(
        !home.path("deleted").exists(),
        "the step after the first success never ran"
    );
    let last = home.last_run("disk_full");
    assert_eq!(last["state"], "recovered");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("step 2 (Compress logs (fails once)) succeeded")
    );
}

#[test]
fn a_notify_step_escalates_with_the_alert_in_alertmanagers_format() {
    let hook = Receiver::start(&[]);
    let home = Home::new(
        "escalate",
        &format!(
            r#"
[[notifier]]
name = "oncall"
url = "{}"

[[runbook]]
id = "db"
match = ['alertname="DatabaseDown"']
mode = "first_success"

[[runbook.step]]
name = "Restart the database"
command = ["false"]

[[runbook.step]]
name = "Tell the on-call channel"
notify = "oncall"
"#,
            hook.url()
        ),
    );
    let (code, _, err) = home.run(&[
        "runbook",
        "run",
        "db",
        "--label",
        "alertname=DatabaseDown",
        "--label",
        "instance=db-1",
    ]);
    assert_eq!(code, 1, "escalated is not recovered: {err}");
    assert!(err.contains("runbook db escalated"), "{err}");
    let seen = hook.seen();
    assert_eq!(seen.len(), 1);
    let body = &seen[0].body;
    assert_eq!(body["version"], "4");
    assert_eq!(body["receiver"], "oncall");
    let alert = &body["alerts"][0];
    assert_eq!(alert["labels"]["instance"], "db-1");
    assert!(
        alert["annotations"]["opsdeck_recovery"]
            .as_str()
            .unwrap()
            .contains("runbook db")
    );
    assert_eq!(home.last_run("db")["state"], "escalated");
}

#[test]
fn alert_picks_an_alert_opsdeck_sees_by_its_fingerprint() {
    let home = Home::new(
        "by-fingerprint",
        r#"
[general]
host_rules = false

[[rule]]
name = "HostAlive"
expr = "opsdeck_cpu_usage_percent >= 0"
severity = "warning"
[rule.annotations]
summary = "the host answers"

[[runbook]]
id = "alive"
match = ['alertname="HostAlive"']

[[runbook.step]]
name = "Record the alert"
command = ["sh", "-c", "echo \"$OPSDECK_ALERT_NAME $OPSDECK_ALERT_SUMMARY $OPSDECK_ALERT_FINGERPRINT\" > {home}/seen"]
"#,
    );
    let (code, out, err) = home.run(&["snapshot", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let snapshot: serde_json::Value = serde_json::from_str(&out).unwrap();
    let alert = snapshot["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["alertname"] == "HostAlive")
        .expect("the rule fires in the snapshot");
    let fingerprint = alert["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 16);
    let (code, _, err) = home.run(&["runbook", "run", "alive", "--alert", fingerprint]);
    assert_eq!(code, 0, "{err}");
    let seen = std::fs::read_to_string(home.path("seen")).unwrap();
    assert_eq!(
        seen.trim(),
        format!("HostAlive the host answers {fingerprint}")
    );
    let (code, _, err) = home.run(&["runbook", "run", "alive", "--alert", "0123456789abcdef"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("no alert with fingerprint \"0123456789abcdef\""),
        "{err}"
    );
}

#[test]
fn steps_do_not_inherit_opsdecks_secrets_and_runs_show_in_the_snapshot() {
    let home = Home::new(
        "secrets",
        r#"
[[prometheus]]
name = "main"
url = "http://127.0.0.1:9"
bearer_token_env = "OPSDECK_TEST_PROM_TOKEN"

[[runbook]]
id = "env"

[[runbook.step]]
name = "Print the environment"
command = ["sh", "-c", "echo token=${OPSDECK_TEST_PROM_TOKEN:-unset} other=$OPSDECK_TEST_OTHER"]
"#,
    );
    let out = home
        .command(&["runbook", "run", "env"])
        .env("OPSDECK_TEST_PROM_TOKEN", "s3cret-value")
        .env("OPSDECK_TEST_OTHER", "kept")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "token=unset other=kept\n"
    );
    assert!(!err.contains("s3cret"), "{err}");
    let out = home
        .command(&["snapshot", "--format", "json"])
        .env("OPSDECK_TEST_PROM_TOKEN", "s3cret-value")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let snapshot: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runbook = &snapshot["runbooks"][0];
    assert_eq!(runbook["id"], "env");
    assert_eq!(runbook["last_run"]["state"], "recovered");
    assert_eq!(runbook["steps"][0]["command"][0], "sh");
}

#[test]
fn alert_names_the_sources_that_did_not_answer() {
    // Nothing listens on the discard port: the Alertmanager is down.
    let home = Home::new(
        "am-down",
        r#"
[general]
host_rules = false

[[alertmanager]]
name = "main"
urls = ["http://127.0.0.1:9"]
timeout = "1s"

[[runbook]]
id = "any"
match = ['alertname="X"']

[[runbook.step]]
name = "Nothing"
command = ["true"]
"#,
    );
    let (code, _, err) = home.run(&["runbook", "run", "any", "--alert", "0123456789abcdef"]);
    assert_ne!(code, 0);
    assert!(err.contains("no alert with fingerprint"), "{err}");
    assert!(
        err.contains("these sources did not answer: am main"),
        "{err}"
    );
}
