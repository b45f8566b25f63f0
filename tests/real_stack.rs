//! The test harness and the real servers (Debian's Prometheus, Alertmanager and
//! node_exporter) behave as the contract tests assume.

mod servers;

use std::time::{Duration, Instant};

use serde_json::Value;
use servers::{
    Stack, StackOptions, get_json, http_delete, http_get, post_silence, try_http_get, wait_until,
};

const TIMEOUT: Duration = Duration::from_secs(30);

fn labels_of(alert: &Value) -> Vec<(String, String)> {
    alert["labels"]
        .as_object()
        .expect("alert labels")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("label value").to_string()))
        .collect()
}

fn silence(alertmanager: &str, id: &str) -> Value {
    get_json(&format!("{alertmanager}/api/v2/silence/{id}"))
}

fn alert_in(alertmanager: &str, alertname: &str) -> Option<Value> {
    let alerts = get_json(&format!("{alertmanager}/api/v2/alerts"));
    alerts
        .as_array()?
        .iter()
        .find(|a| a["labels"]["alertname"] == alertname)
        .cloned()
}

#[test]
fn firing_alert_reaches_alertmanager_and_prometheus_shows_firing_and_pending() {
    let t0 = Instant::now();
    let stack = Stack::start(StackOptions::default());
    let started = t0.elapsed();

    let alert = stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
    let in_alertmanager = t0.elapsed();
    assert_eq!(alert["labels"]["severity"], "critical", "{alert}");
    assert_eq!(alert["labels"]["team"], "ops", "{alert}");
    assert_eq!(alert["status"]["state"], "active", "{alert}");
    assert!(alert["annotations"]["summary"].is_string(), "{alert}");
    assert!(alert["annotations"]["description"].is_string(), "{alert}");
    assert!(
        alert["generatorURL"]
            .as_str()
            .is_some_and(|u| u.starts_with(&stack.prometheus)),
        "{alert}"
    );

    let firing = stack.wait_for_alert_in_prometheus("OpsdeckAlwaysFiring", "firing");
    assert_eq!(firing["labels"]["severity"], "critical", "{firing}");
    let pending = stack.wait_for_alert_in_prometheus("OpsdeckPending", "pending");
    assert_eq!(pending["labels"]["severity"], "warning", "{pending}");
    // A pending alert is never sent to Alertmanager.
    assert!(alert_in(&stack.alertmanagers[0], "OpsdeckPending").is_none());

    eprintln!(
        "timing: stack started in {:.2?}; alert in Alertmanager after {:.2?}; \
         whole check {:.2?}",
        started,
        in_alertmanager,
        t0.elapsed()
    );
    assert!(in_alertmanager < TIMEOUT);
}

#[test]
fn silence_suppresses_the_alert_and_delete_expires_it() {
    let stack = Stack::start(StackOptions::default());
    let am = stack.alertmanagers[0].clone();
    let alert = stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
    let labels = labels_of(&alert);
    let pairs: Vec<(&str, &str)> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    let id = post_silence(&am, &pairs, "opsdeck-test", "ACK! looking into it");

    let silences = get_json(&format!("{am}/api/v2/silences"));
    let listed = silences
        .as_array()
        .expect("silences")
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap_or_else(|| panic!("silence {id} not listed: {silences}"));
    assert_eq!(listed["status"]["state"], "active", "{listed}");
    assert_eq!(listed["createdBy"], "opsdeck-test");
    assert!(listed["comment"].as_str().unwrap().starts_with("ACK!"));
    let matchers = listed["matchers"].as_array().expect("matchers");
    assert_eq!(matchers.len(), labels.len(), "{listed}");
    assert!(
        matchers
            .iter()
            .all(|m| m["isEqual"] == true && m["isRegex"] == false)
    );

    let t = Instant::now();
    let suppressed = wait_until("the alert to be suppressed", TIMEOUT, || {
        let alert = alert_in(&am, "OpsdeckAlwaysFiring")?;
        let by = alert["status"]["silencedBy"].as_array()?;
        (alert["status"]["state"] == "suppressed" && by.iter().any(|s| s == id.as_str()))
            .then_some(alert)
    });
    eprintln!("timing: suppressed {:.2?} after the silence", t.elapsed());
    assert!(
        suppressed["status"]["inhibitedBy"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let (status, body) = http_delete(&format!("{am}/api/v2/silence/{id}"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(silence(&am, &id)["status"]["state"], "expired");
    wait_until("the alert to be active again", TIMEOUT, || {
        let alert = alert_in(&am, "OpsdeckAlwaysFiring")?;
        (alert["status"]["state"] == "active").then_some(())
    });

    let (status, _) = http_get(&format!("{am}/api/v2/silence/no-such-id"));
    assert_ne!(status, 200);
}

#[test]
fn silence_on_one_alertmanager_replicates_to_its_peer() {
    let t0 = Instant::now();
    let stack = Stack::start(StackOptions::default().alertmanagers(2));
    let started = t0.elapsed();
    let [am0, am1] = [
        stack.alertmanagers[0].clone(),
        stack.alertmanagers[1].clone(),
    ];
    for am in [&am0, &am1] {
        let status = get_json(&format!("{am}/api/v2/status"));
        assert_eq!(status["cluster"]["peers"].as_array().unwrap().len(), 2);
    }
    // Prometheus sends to both.
    stack.wait_for_alert_in_alertmanager_at(1, "OpsdeckAlwaysFiring");

    let id = post_silence(
        &am0,
        &[("alertname", "OpsdeckAlwaysFiring")],
        "opsdeck-test",
        "ACK! on the first",
    );
    let t = Instant::now();
    wait_until("the silence on the second Alertmanager", TIMEOUT, || {
        let s = try_get_silence(&am1, &id)?;
        (s["status"]["state"] == "active").then_some(())
    });
    let replicated = t.elapsed();
    wait_until("the alert suppressed on the second", TIMEOUT, || {
        let alert = alert_in(&am1, "OpsdeckAlwaysFiring")?;
        (alert["status"]["state"] == "suppressed").then_some(())
    });

    // Expiring on the second replicates back to the first.
    let (status, body) = http_delete(&format!("{am1}/api/v2/silence/{id}"));
    assert_eq!(status, 200, "{body}");
    wait_until("the silence expired on the first", TIMEOUT, || {
        (silence(&am0, &id)["status"]["state"] == "expired").then_some(())
    });
    eprintln!(
        "timing: 2-Alertmanager stack started in {started:.2?}; silence replicated in \
         {replicated:.2?}"
    );
}

fn try_get_silence(alertmanager: &str, id: &str) -> Option<Value> {
    match try_http_get(&format!("{alertmanager}/api/v2/silence/{id}")) {
        Ok((200, body)) => serde_json::from_str(&body).ok(),
        _ => None,
    }
}

#[test]
fn node_exporter_answers_and_prometheus_scrapes_it() {
    let stack = Stack::start(StackOptions::default().without_default_rules());
    let (status, metrics) = http_get(&format!("{}/metrics", stack.node_exporter));
    assert_eq!(status, 200);
    assert!(
        metrics.contains("node_exporter_build_info"),
        "no build info"
    );
    assert!(metrics.contains("node_load1 "), "no load average");

    for job in ["node", "prometheus"] {
        let query = format!("up{{job=\"{job}\"}}");
        let result = wait_until(&format!("{query} == 1"), TIMEOUT, || {
            let result = stack.prometheus_query(&query);
            (result[0]["value"][1] == "1").then_some(result)
        });
        assert_eq!(result.as_array().unwrap().len(), 1, "{result}");
    }
    // Without default rules nothing is pending or firing.
    let alerts = get_json(&format!("{}/api/v1/alerts", stack.prometheus));
    assert_eq!(alerts["data"]["alerts"], Value::Array(vec![]), "{alerts}");
}

#[test]
fn killed_alertmanager_restarts_and_gets_silences_back_from_its_peer() {
    let mut stack = Stack::start(StackOptions::default().alertmanagers(2));
    let [am0, am1] = [
        stack.alertmanagers[0].clone(),
        stack.alertmanagers[1].clone(),
    ];
    let id = post_silence(
        &am0,
        &[("alertname", "OpsdeckAlwaysFiring")],
        "opsdeck-test",
        "ACK! before the crash",
    );
    wait_until("the silence on the second", TIMEOUT, || {
        try_get_silence(&am1, &id)
    });

    stack.wait_for_alert_in_alertmanager_at(1, "OpsdeckAlwaysFiring");

    stack.kill_alertmanager(1);
    assert!(try_http_get(&format!("{am1}/-/ready")).is_err(), "still up");
    let t = Instant::now();
    stack.start_alertmanager(1);
    let restarted = t.elapsed();
    assert_eq!(stack.alertmanagers[1], am1, "same URL after a restart");
    wait_until("the silence back on the restarted one", TIMEOUT, || {
        let s = try_get_silence(&am1, &id)?;
        (s["status"]["state"] == "active").then_some(())
    });
    let silence_back = t.elapsed();
    // Prometheus resends to it within a few seconds.
    stack.wait_for_alert_in_alertmanager_at(1, "OpsdeckAlwaysFiring");
    eprintln!(
        "timing: Alertmanager ready again in {restarted:.2?}, its silence back in \
         {silence_back:.2?}, the alert in {:.2?}",
        t.elapsed()
    );

    stack.stop_prometheus();
    assert!(try_http_get(&format!("{}/-/ready", stack.prometheus)).is_err());
    stack.start_prometheus();
    stack.wait_for_alert_in_prometheus("OpsdeckAlwaysFiring", "firing");
}

#[test]
fn harness_http_client_reads_chunked_and_sized_bodies() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let responses: [&[u8]; 2] = [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
              5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone",
        ];
        for response in responses {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).unwrap();
                request.extend_from_slice(&buf[..n]);
            }
            stream.write_all(response).unwrap();
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(http_get(&format!("{base}/a")), (200, "hello, world".into()));
    assert_eq!(http_delete(&format!("{base}/b")), (404, "gone".into()));
    server.join().unwrap();
}
