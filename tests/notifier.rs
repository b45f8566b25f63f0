//! `[[notifier]]` webhooks against a real HTTP receiver: the JSON Alertmanager
//! receivers expect, routing, resolutions, tokens and headers, retries, and a
//! dead receiver; then end to end from a `[[rule]]` through the rules engine,
//! and through the real binary across leader changes.

mod receiver;
mod tmux;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use opsdeck::app::local_rules::{LocalRules, Notification};
use opsdeck::collect::expfmt::{self, Format, Limits};
use opsdeck::config::{self, notifier::Notifier};
use opsdeck::engine::rules::{AlertPhase, Labels, RuleAlert, Transition, fingerprint};
use opsdeck::runtime::notify::{DeliveryError, deliver, send};
use receiver::Receiver;
use serde_json::json;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

fn notification(kind: Transition, name: &str, severity: &str) -> Notification {
    let labels: Labels = [
        ("alertname", name),
        ("instance", "db-1:9100"),
        ("severity", severity),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let resolved = kind == Transition::Resolved;
    Notification {
        kind,
        alert: RuleAlert {
            rule: name.into(),
            fingerprint: fingerprint(&labels),
            labels,
            annotations: [("summary".to_string(), format!("{name} on db-1"))].into(),
            phase: if resolved {
                AlertPhase::Resolved
            } else {
                AlertPhase::Firing
            },
            active_since: t(0),
            fired_at: Some(t(30)),
            resolved_at: resolved.then(|| t(90)),
            value: 9.0,
            last_notified: None,
            firing_notified: false,
        },
    }
}

/// `[[notifier]]` sections through the real config loader (so they are valid).
fn notifiers(text: &str) -> Vec<Notifier> {
    match config::parse(text, "notifier.toml") {
        Ok(config) => config.notifier,
        Err(e) => panic!("invalid config: {e:?}"),
    }
}

/// Runs `send` as the event loop does, checks it returns at once, then waits
/// for every delivery task; returns how long the deliveries took.
fn run(notifiers: &[Notifier], batch: Vec<Notification>) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    let start = Instant::now();
    local.block_on(&rt, async { send(notifiers, batch) });
    assert!(
        start.elapsed() < Duration::from_millis(200),
        "send must not wait for the network"
    );
    // A LocalSet completes once all its tasks have.
    rt.block_on(local);
    start.elapsed()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    tokio::task::LocalSet::new().block_on(&rt, f)
}

#[test]
fn firing_message_has_alertmanagers_webhook_shape() {
    let rx = Receiver::start(&[]);
    let n = notifiers(&format!(
        "[[notifier]]\nname = \"pager\"\nurl = \"{}\"\nexternal_url = \"https://ops.example\"\n",
        rx.url()
    ));
    let firing = notification(Transition::Firing, "HighLoad", "critical");
    let fp = format!("{:016x}", firing.alert.fingerprint);
    run(&n, vec![firing]);
    let seen = rx.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let r = &seen[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(r.headers["user-agent"].starts_with("opsdeck/"));
    assert!(!r.headers.contains_key("authorization"));
    let labels = json!({"alertname": "HighLoad", "instance": "db-1:9100", "severity": "critical"});
    assert_eq!(
        r.body,
        json!({
            "version": "4",
            "groupKey": "{}:{alertname=\"HighLoad\"}",
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "pager",
            "groupLabels": {"alertname": "HighLoad"},
            "commonLabels": labels,
            "commonAnnotations": {"summary": "HighLoad on db-1"},
            "externalURL": "https://ops.example",
            "alerts": [{
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": "HighLoad on db-1"},
                "startsAt": "2026-11-24T12:00:30Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
                "fingerprint": fp,
            }],
        })
    );
}

#[test]
fn resolved_message_has_ends_at_and_names_group_separately() {
    let rx = Receiver::start(&[]);
    let n = notifiers(&format!(
        "[[notifier]]\nname = \"chat\"\nurl = \"{}\"\n",
        rx.url()
    ));
    run(
        &n,
        vec![
            notification(Transition::Resolved, "HighLoad", "critical"),
            notification(Transition::Firing, "DiskFull", "warning"),
        ],
    );
    let mut seen = rx.seen();
    assert_eq!(seen.len(), 2, "one message per alertname: {seen:?}");
    seen.sort_by_key(|s| s.body["groupKey"].to_string());
    let (disk, load) = (&seen[0].body, &seen[1].body);
    assert_eq!(load["status"], "resolved");
    assert_eq!(load["alerts"][0]["status"], "resolved");
    assert_eq!(load["alerts"][0]["endsAt"], "2026-11-24T12:01:30Z");
    assert!(
        load["externalURL"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://"))
    );
    assert_eq!(disk["status"], "firing");
    assert_eq!(disk["alerts"][0]["labels"]["alertname"], "DiskFull");
}

#[test]
fn match_routes_alerts_and_send_resolved_false_drops_resolutions() {
    let (critical, all) = (Receiver::start(&[]), Receiver::start(&[]));
    let n = notifiers(&format!(
        r#"
[[notifier]]
name = "pager"
url = "{}"
match = ['severity="critical"', 'instance=~"db-.*"']
send_resolved = false

[[notifier]]
name = "everything"
url = "{}"
"#,
        critical.url(),
        all.url()
    ));
    run(
        &n,
        vec![
            notification(Transition::Firing, "HighLoad", "critical"),
            notification(Transition::Resolved, "Older", "critical"),
            notification(Transition::Firing, "DiskFull", "warning"),
        ],
    );
    let pager = critical.seen();
    assert_eq!(pager.len(), 1, "{pager:?}");
    assert_eq!(pager[0].body["receiver"], "pager");
    assert_eq!(
        pager[0].body["alerts"][0]["labels"]["alertname"],
        "HighLoad"
    );
    assert_eq!(all.seen().len(), 3, "no matcher: every alert, resolved too");

    // Only resolutions for a send_resolved = false notifier: nothing is sent.
    run(
        &n[..1],
        vec![notification(Transition::Resolved, "HighLoad", "critical")],
    );
    assert_eq!(critical.seen().len(), 1);
}

#[test]
fn bearer_token_from_file_and_custom_headers_are_sent() {
    let rx = Receiver::start(&[]);
    let dir = std::env::temp_dir().join(format!("opsdeck-notifier-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let token = dir.join("token");
    std::fs::write(&token, "s3cr3t-token\n").expect("write token");
    let n = notifiers(&format!(
        r#"
[[notifier]]
name = "relay"
url = "{}"
bearer_token_file = "{}"
headers = {{ X-Team = "ops", X-Scope-OrgID = "tenant-1" }}
"#,
        rx.url(),
        token.display()
    ));
    run(
        &n,
        vec![notification(Transition::Firing, "HighLoad", "critical")],
    );
    let seen = rx.seen();
    assert_eq!(seen.len(), 1);
    let h = &seen[0].headers;
    assert_eq!(h["authorization"], "Bearer s3cr3t-token");
    assert_eq!(h["x-team"], "ops");
    assert_eq!(h["x-scope-orgid"], "tenant-1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn failures_are_retried_then_succeed() {
    let rx = Receiver::start(&[500, 503]);
    let n = notifiers(&format!(
        "[[notifier]]\nname = \"flaky\"\nurl = \"{}\"\ntimeout = \"1s\"\nretries = 3\n",
        rx.url()
    ));
    let body = json!({"hello": "world"});
    let attempts = block_on(deliver(&n[0], &body)).expect("delivered on the 3rd attempt");
    assert_eq!(attempts, 3);
    let seen = rx.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.body == body), "same body each time");
}

#[test]
fn client_errors_are_not_retried_and_errors_hide_the_token() {
    let rx = Receiver::start(&[400]);
    let dir = std::env::temp_dir().join(format!("opsdeck-notifier4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let token = dir.join("token");
    std::fs::write(&token, "hunter2").expect("write token");
    let n = notifiers(&format!(
        "[[notifier]]\nname = \"x\"\nurl = \"{}\"\nbearer_token_file = \"{}\"\n",
        rx.url(),
        token.display()
    ));
    let e = block_on(deliver(&n[0], &json!({}))).expect_err("400");
    assert!(matches!(e, DeliveryError::Rejected(_)), "{e:?}");
    assert!(e.to_string().contains("400"), "{e}");
    assert!(!format!("{e} {e:?}").contains("hunter2"));
    assert_eq!(rx.seen().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);

    // A token that cannot be read: an error naming the key, nothing sent.
    let n = notifiers(&format!(
        "[[notifier]]\nname = \"x\"\nurl = \"{}\"\nbearer_token_env = \"OPSDECK_TEST_UNSET_TOKEN\"\n",
        rx.url()
    ));
    let e = block_on(deliver(&n[0], &json!({}))).expect_err("no token");
    assert!(e.to_string().starts_with("bearer_token_env: "), "{e}");
    assert_eq!(rx.seen().len(), 1);
}

#[test]
fn a_dead_receiver_neither_panics_nor_hangs() {
    // A port nobody listens on: bound, then closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let n = notifiers(&format!(
        "[[notifier]]\nname = \"dead\"\nurl = \"http://127.0.0.1:{port}/hook\"\ntimeout = \"1s\"\nretries = 2\n"
    ));
    let e = block_on(deliver(&n[0], &json!({}))).expect_err("nobody listens");
    assert!(
        matches!(e, DeliveryError::Failed { attempts: 3, .. }),
        "{e:?}"
    );
    // Through `send` too: the task logs and ends. Bound: 3 attempts of at most
    // one timeout each, plus 2 waits of at most max(timeout, 1s).
    let took = run(
        &n,
        vec![notification(Transition::Firing, "HighLoad", "critical")],
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn a_rule_fires_then_resolves_at_the_receiver() {
    let rx = Receiver::start(&[]);
    let config = config::parse(
        &format!(
            r#"
[[scrape]]
name = "app"
url = "http://127.0.0.1:8000/metrics"

[[rule]]
name = "AppValueHigh"
expr = "app_value > 5"
severity = "critical"
annotations = {{ summary = "value is {{{{ $value }}}}" }}

[[notifier]]
name = "hook"
url = "{}"
"#,
            rx.url()
        ),
        "e2e.toml",
    )
    .expect("valid config");
    let mut rules = LocalRules::from_config(&config).engine;
    let mut step = |secs: i64, value: f64| {
        let text = format!("# TYPE app_value gauge\napp_value {value}\n");
        let scrape = expfmt::parse(text.as_bytes(), Format::Text, &Limits::default());
        rules.record_scrape("app", "127.0.0.1:8000", Some(&scrape), t(secs));
        rules.evaluate(t(secs));
        let batch = rules.take_notifications();
        run(&config.notifier, batch);
    };
    step(0, 9.0);
    step(15, 2.0);
    let seen = rx.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (fired, resolved) = (&seen[0].body, &seen[1].body);
    assert_eq!(fired["status"], "firing");
    let alert = &fired["alerts"][0];
    assert_eq!(alert["labels"]["alertname"], "AppValueHigh");
    assert_eq!(alert["labels"]["instance"], "127.0.0.1:8000");
    assert_eq!(alert["labels"]["job"], "app");
    assert_eq!(alert["annotations"]["summary"], "value is 9");
    assert_eq!(alert["startsAt"], "2026-11-24T12:00:00Z");
    assert_eq!(alert["endsAt"], "0001-01-01T00:00:00Z");
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["alerts"][0]["endsAt"], "2026-11-24T12:00:15Z");
    assert_eq!(resolved["alerts"][0]["fingerprint"], alert["fingerprint"]);
}

#[test]
fn deliveries_report_to_the_notifiers_health() {
    use opsdeck::app::Msg;
    use opsdeck::app::remote::Payload;
    let up = Receiver::start(&[]);
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let n = notifiers(&format!(
        "[[notifier]]\nname = \"up\"\nurl = \"{}\"\n\n[[notifier]]\nname = \"dead\"\nurl = \"http://127.0.0.1:{port}/hook\"\ntimeout = \"1s\"\nretries = 0\n",
        up.url()
    ));
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let report = opsdeck::runtime::notify::Report { first: 5, tx };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        opsdeck::runtime::notify::send_reporting(
            &n,
            vec![notification(Transition::Firing, "HighLoad", "critical")],
            Some(&report),
        )
    });
    rt.block_on(local);
    drop(report);
    let mut results = Vec::new();
    while let Ok(Msg::Remote(update)) = rx.try_recv() {
        results.push((
            update.source,
            update.result.map(|p| matches!(p, Payload::Delivered)),
        ));
    }
    results.sort_by_key(|r| r.0);
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0], (5, Ok(true)), "notifier 0 is source 5");
    let (source, Err(failure)) = &results[1] else {
        panic!("the dead one fails: {results:?}");
    };
    assert_eq!(*source, 6);
    assert_eq!(failure.kind, "notify");
    assert!(
        failure.message.contains(&port.to_string()),
        "{}",
        failure.message
    );
}

/// The real binary, three times on one host, the leader killed twice: the
/// alert is notified once. Its cooldown (10m) is in the state database, so
/// each new leader goes on from it instead of notifying again.
#[test]
fn leader_changes_do_not_notify_again_within_the_cooldown() {
    let rx = Receiver::start(&[]);
    let shared = tmux::Tmux::new("notify-leaders-shared");
    let state = shared.dir.join("state");
    let env = [("XDG_STATE_HOME", state.to_str().unwrap())];
    let dir = std::env::temp_dir().join(format!("opsdeck-notify-leaders-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    let body = format!(
        r#"[general]
host_rules = false

[[rule]]
name = "OpsdeckCpuNotified"
expr = "opsdeck_cpu_usage_percent >= 0"
severity = "warning"
cooldown = "10m"

[[notifier]]
name = "hook"
url = "{}"
"#,
        rx.url()
    );
    std::fs::write(&config, body).unwrap();
    let args = ["-c", config.to_str().unwrap()];
    let seen = Duration::from_secs(20);
    let firing = || {
        rx.seen()
            .iter()
            .filter(|r| r.body["status"] == "firing")
            .count()
    };
    let kill = |t: &tmux::Tmux| {
        let pid = nix::unistd::Pid::from_raw(t.opsdeck_pid());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    };
    let first = tmux::Tmux::start("notify-leaders-1", &args, 120, 30, &env);
    first.wait_text("leader", seen);
    let start = Instant::now();
    while firing() == 0 {
        assert!(
            start.elapsed() < seen,
            "no notification from the first leader"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let second = tmux::Tmux::start("notify-leaders-2", &args, 120, 30, &env);
    second.wait_text("follower", seen);
    kill(&first);
    second.wait_for("the second to lead", seen, |s| {
        tmux::status_line(s).contains("leader")
    });
    let third = tmux::Tmux::start("notify-leaders-3", &args, 120, 30, &env);
    third.wait_text("follower", seen);
    kill(&second);
    third.wait_for("the third to lead", seen, |s| {
        tmux::status_line(s).contains("leader")
    });
    // Long enough for a new leader's first evaluations to have sent, had they.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(firing(), 1, "{:#?}", rx.seen());
    third.send(&["q"]);
    third.wait_text("EXIT=0", seen);
    let _ = std::fs::remove_dir_all(&dir);
}
