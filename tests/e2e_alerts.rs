//! The Alerts pane end to end: the real binary in tmux against real Prometheus and
//! Alertmanager (Debian's packages, started by `servers`). Acknowledging creates a
//! real silence; a second opsdeck sees it; un-acknowledging expires it; a source
//! that stalls or fails goes stale and recovers, and the UI stays responsive.

mod servers;
mod tmux;

use serde_json::Value;
use servers::{Stack, StackOptions, get_json, wait_until};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tmux::{Tmux, audit_records};

const SEEN: Duration = Duration::from_secs(30);

/// A config file for `stack`, outside the tmux sandbox (which `Tmux::start` wipes).
fn write_config(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("opsdeck-config-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, body).unwrap();
    path
}

fn config_for(stack: &Stack, prometheus: &str, extra: &str) -> String {
    format!(
        r#"[general]
user = "ann@e2e"
# Only the alerts under test: the host rules (CPU, memory, disk) would add
# rows that depend on how busy the test machine is.
host_rules = false

[[prometheus]]
name = "main"
url = "{prometheus}"
interval = "1s"
timeout = "1s"

[[alertmanager]]
name = "am"
# The first member is dead: reads and writes fail over to the second.
urls = ["http://127.0.0.1:{dead}", "{am}"]
interval = "1s"
{extra}"#,
        dead = servers::free_port(),
        am = stack.alertmanagers[0],
    )
}

/// The table row of `alertname` on screen (not a title that names it).
fn row<'a>(screen: &'a str, alertname: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.starts_with('│') && l.contains(alertname) && !l.contains("Acknowledge"))
        .unwrap_or("")
}

fn silences(stack: &Stack) -> Vec<Value> {
    let all = get_json(&format!("{}/api/v2/silences", stack.alertmanagers[0]));
    all.as_array().cloned().unwrap_or_default()
}

#[test]
fn acknowledge_creates_a_real_silence_seen_everywhere_and_u_expires_it() {
    let stack = Stack::start(StackOptions::default());
    let alert = stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
    let config = write_config("ack", &config_for(&stack, &stack.prometheus, ""));
    let t = Tmux::start(
        "alerts-ack",
        &["-c", config.to_str().unwrap()],
        160,
        40,
        &[],
    );
    t.send(&["3"]);
    t.wait_for("both alerts", SEEN, |s| {
        row(s, "OpsdeckAlwaysFiring").contains("am+prom") && s.contains("OpsdeckPending")
    });

    // Filter with an Alertmanager matcher: only the firing alert stays.
    t.send(&["/"]);
    t.send(&["-l", r#"alertname="OpsdeckAlwaysFiring""#]);
    t.send(&["Enter"]);
    t.wait_for("the filter to apply", SEEN, |s| {
        !s.contains("OpsdeckPending")
    });

    t.send(&["a"]);
    t.wait_text("Acknowledge OpsdeckAlwaysFiring", SEEN);
    t.send(&["-l", "e2e check"]);
    t.send(&["Enter"]);
    // The status line says so once the silence is made and recorded (the row may
    // show the ACK a moment earlier, from Alertmanager's next answer).
    t.wait_text("acknowledged OpsdeckAlwaysFiring: silence", SEEN);
    t.wait_for("the ACK mark", SEEN, |s| {
        row(s, "OpsdeckAlwaysFiring").contains("ACK ann")
    });

    // The silence is real: active, with the alert's labels as equality matchers.
    let silence = silences(&stack)
        .into_iter()
        .find(|s| s["createdBy"] == "ann@e2e")
        .expect("a silence created by ann@e2e");
    assert_eq!(silence["status"]["state"], "active", "{silence}");
    assert_eq!(silence["comment"], "ACK! e2e check", "{silence}");
    let id = silence["id"].as_str().unwrap().to_string();
    let labels = alert["labels"].as_object().unwrap();
    let matchers = silence["matchers"].as_array().unwrap();
    assert_eq!(matchers.len(), labels.len(), "{silence}");
    for m in matchers {
        let name = m["name"].as_str().unwrap();
        assert_eq!(&m["value"], &labels[name], "{m}");
        assert_eq!(
            (m["isEqual"].as_bool(), m["isRegex"].as_bool()),
            (Some(true), Some(false))
        );
    }
    let ends = chrono::DateTime::parse_from_rfc3339(silence["endsAt"].as_str().unwrap()).unwrap();
    let starts =
        chrono::DateTime::parse_from_rfc3339(silence["startsAt"].as_str().unwrap()).unwrap();
    let hours = (ends - starts).num_minutes();
    assert!(
        (59..=60).contains(&hours),
        "default duration is 1h: {silence}"
    );

    // Alertmanager now suppresses the alert, by that silence.
    wait_until("the alert suppressed by the silence", SEEN, || {
        let alert = stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
        let status = &alert["status"];
        (status["state"] == "suppressed"
            && status["silencedBy"]
                .as_array()?
                .iter()
                .any(|s| s == id.as_str()))
        .then_some(())
    });

    // Intent and outcome are in the audit log, the outcome naming the silence.
    let records = audit_records(&t.dir.join("state"));
    let intent = records
        .iter()
        .find(|r| r["action"] == "acknowledge" && r["phase"] == "intent")
        .expect("an acknowledge intent");
    let outcome = records
        .iter()
        .find(|r| r["action"] == "acknowledge" && r["phase"] == "outcome")
        .expect("an acknowledge outcome");
    assert_eq!(outcome["intent_id"], intent["id"]);
    assert!(
        outcome["outcome"].as_str().unwrap().contains(&id),
        "{outcome}"
    );

    // Another opsdeck (read-only, its own state) shows the same ACK, from
    // Alertmanager, with its author.
    let other = Tmux::start(
        "alerts-ack-other",
        &["-c", config.to_str().unwrap(), "--read-only"],
        160,
        40,
        &[],
    );
    other.send(&["3"]);
    other.wait_for("the ACK from the other instance", SEEN, |s| {
        row(s, "OpsdeckAlwaysFiring").contains("ACK ann")
    });
    // Read-only refuses to un-acknowledge, and says which alert.
    other.send(&["u"]);
    other.wait_text(
        "read-only (--read-only): not un-acknowledging OpsdeckAlwaysFiring{",
        SEEN,
    );

    t.send(&["u"]);
    t.wait_text("Un-acknowledge OpsdeckAlwaysFiring", SEEN);
    t.send(&["Enter"]);
    // Wait for the confirmation to close: until then keys go to it.
    t.wait_text("un-acknowledged OpsdeckAlwaysFiring", SEEN);
    t.wait_for("the alert firing again", SEEN, |s| {
        row(s, "OpsdeckAlwaysFiring").contains("firing")
    });
    let silence = silences(&stack)
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap();
    assert_eq!(silence["status"]["state"], "expired", "{silence}");
    wait_until("the alert active again", SEEN, || {
        let alert = stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
        (alert["status"]["state"] == "active").then_some(())
    });
    t.send(&["q"]);
    t.wait_text("EXIT=0", SEEN);
}

/// What the fault proxy does with the next connections.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Fault {
    /// Forward to the real server.
    Pass = 0,
    /// Accept and never answer.
    Stall = 1,
    /// `500` with a plain string body.
    Error500 = 2,
    /// An HTML error page, as a proxy in front of Prometheus sends.
    Html = 3,
    /// JSON cut off in the middle (Content-Length matches what is sent).
    Truncated = 4,
    /// The connection is closed at once, as a dead endpoint behind a balancer does.
    Reset = 5,
}

/// A TCP proxy in front of a real server that can be told to misbehave: the
/// faults a real Prometheus does not produce on demand.
struct FaultProxy {
    port: u16,
    mode: Arc<AtomicU8>,
    /// Open client connections, cut when the mode changes: a pooled keep-alive
    /// connection would otherwise go on passing requests through.
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl FaultProxy {
    fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(Fault::Pass as u8));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (shared, connections) = (mode.clone(), open.clone());
        std::thread::spawn(move || {
            let mut stalled = Vec::new();
            for client in listener.incoming().flatten() {
                if let Ok(copy) = client.try_clone() {
                    connections.lock().unwrap().push(copy);
                }
                match shared.load(Ordering::SeqCst) {
                    0 => forward(client, &upstream),
                    1 => stalled.push(client),
                    2 => respond(client, "500 Internal Server Error", "text/plain", "oops"),
                    4 => respond(
                        client,
                        "200 OK",
                        "application/json",
                        r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"#,
                    ),
                    5 => drop(client),
                    _ => respond(
                        client,
                        "200 OK",
                        "text/html",
                        "<html><body><h1>Bad Gateway</h1></body></html>",
                    ),
                }
            }
        });
        FaultProxy { port, mode, open }
    }

    fn set(&self, fault: Fault) {
        self.mode.store(fault as u8, Ordering::SeqCst);
        for connection in self.open.lock().unwrap().drain(..) {
            let _ = connection.shutdown(std::net::Shutdown::Both);
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn forward(client: TcpStream, upstream: &str) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (mut client, mut server) = (client, server);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut s2);
        let _ = s2.shutdown(std::net::Shutdown::Write);
    });
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server, &mut client);
        let _ = client.shutdown(std::net::Shutdown::Write);
    });
}

fn respond(
    mut client: TcpStream,
    status: &'static str,
    content_type: &'static str,
    body: &'static str,
) {
    std::thread::spawn(move || {
        // Read the request head before answering, as a server would.
        let mut buf = [0u8; 4096];
        let _ = client.read(&mut buf);
        let _ = write!(
            client,
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
}

#[test]
fn a_stalled_or_failing_prometheus_goes_stale_keeps_its_alerts_and_recovers() {
    let stack = Stack::start(StackOptions::default());
    stack.wait_for_alert_in_prometheus("OpsdeckPending", "pending");
    let proxy = FaultProxy::start(&stack.prometheus);
    let config = write_config("faults", &config_for(&stack, &proxy.url(), ""));
    let t = Tmux::start(
        "alerts-faults",
        &["-c", config.to_str().unwrap()],
        160,
        40,
        &[],
    );
    t.send(&["3"]);
    t.wait_for("the pending alert from Prometheus", SEEN, |s| {
        row(s, "OpsdeckPending").contains("pending")
    });

    // A stall: the poll times out after 1s; the alerts stay, marked stale.
    proxy.set(Fault::Stall);
    let screen = t.wait_text("timed out after 1s", SEEN);
    assert!(screen.contains("stale: prom main"), "{screen}");
    assert!(
        row(&screen, "OpsdeckPending").contains("pending"),
        "{screen}"
    );
    assert!(
        screen.lines().next().unwrap().contains("✗ prom main"),
        "{screen}"
    );
    // The UI answers at once while the source hangs.
    t.send(&["?"]);
    t.wait_text("Help · keys", Duration::from_secs(1));
    t.send(&["Escape"]);
    t.wait_for("help closed", Duration::from_secs(1), |s| {
        !s.contains("Help · keys")
    });

    // A 500 with a plain body: the body is shown.
    proxy.set(Fault::Error500);
    t.wait_text("oops", SEEN);
    // HTML from a proxy where JSON was expected.
    proxy.set(Fault::Html);
    t.wait_text("got text/html", SEEN);
    // JSON cut off in the middle.
    proxy.set(Fault::Truncated);
    t.wait_text("malformed JSON", SEEN);
    // The endpoint goes away.
    proxy.set(Fault::Reset);
    t.wait_for("a connection error", SEEN, |s| {
        s.lines()
            .nth(1)
            .is_some_and(|title| title.contains("stale: prom main") && !title.contains("malformed"))
    });

    // Back: the stale mark goes, the alerts are live again.
    proxy.set(Fault::Pass);
    let screen = t.wait_for("recovery", SEEN, |s| {
        !s.contains("stale:") && s.lines().next().unwrap_or("").contains("✓ prom main")
    });
    assert!(
        row(&screen, "OpsdeckPending").contains("pending"),
        "{screen}"
    );
    t.send(&["q"]);
    t.wait_text("EXIT=0", SEEN);
}

#[test]
fn a_local_rule_fires_with_its_level_and_an_ack_is_seen_by_a_second_opsdeck() {
    let shared = Tmux::new("local-rules-shared");
    let state = shared.dir.join("state");
    let env = [("XDG_STATE_HOME", state.to_str().unwrap())];
    let config = write_config(
        "local-rules",
        r#"[general]
user = "ann@e2e"
# Only the alerts under test: the host rules (CPU, memory, disk) would add
# rows that depend on how busy the test machine is.
host_rules = false

[[rule]]
name = "OpsdeckCpuSeen"
expr = "opsdeck_cpu_usage_percent >= 0"
severity = "critical"
annotations = { summary = "CPU on {{ $labels.instance }} is {{ $value }}%" }
"#,
    );
    let args = ["-c", config.to_str().unwrap()];
    let first = Tmux::start("local-rules-1", &args, 160, 40, &env);
    first.send(&["3"]);
    let screen = first.wait_for("the local alert", SEEN, |s| {
        row(s, "OpsdeckCpuSeen").contains("firing")
    });
    let line = row(&screen, "OpsdeckCpuSeen");
    assert!(line.contains("‼ crit") && line.contains("P1 "), "{line}");
    assert!(line.contains("local"), "source local: {line}");
    assert!(
        screen.lines().next().unwrap().contains("✓ local rules"),
        "{screen}"
    );

    first.send(&["a"]);
    first.wait_text("Acknowledge OpsdeckCpuSeen", SEEN);
    first.send(&["-l", "looking"]);
    first.send(&["Enter"]);
    first.wait_text("acknowledged OpsdeckCpuSeen until", SEEN);
    first.wait_for("ACK on the first", SEEN, |s| {
        row(s, "OpsdeckCpuSeen").contains("ACK ann")
    });

    // The details show the alert's history, as the leader recorded it.
    first.send(&["Enter"]);
    let details = first.wait_text("acked (local)", SEEN);
    assert!(details.contains("fired (local)"), "{details}");
    first.send(&["Escape"]);

    // A second opsdeck on the host reads the acknowledgement from the store.
    let second = Tmux::start("local-rules-2", &args, 160, 40, &env);
    second.send(&["3"]);
    second.wait_for("ACK on the second", SEEN, |s| {
        row(s, "OpsdeckCpuSeen").contains("ACK ann")
    });

    // Un-acknowledged on the second: the first sees it firing again.
    second.send(&["u"]);
    second.wait_text("Un-acknowledge OpsdeckCpuSeen", SEEN);
    second.send(&["Enter"]);
    second.wait_text("un-acknowledged OpsdeckCpuSeen", SEEN);
    first.wait_for("firing again on the first", SEEN, |s| {
        row(s, "OpsdeckCpuSeen").contains("firing")
    });
    let records = audit_records(&state);
    for phase in ["intent", "outcome"] {
        for action in ["acknowledge", "unacknowledge"] {
            assert!(
                records
                    .iter()
                    .any(|r| r["action"] == action && r["phase"] == phase),
                "{action} {phase} in {records:#?}"
            );
        }
    }
    first.send(&["q"]);
    first.wait_text("EXIT=0", SEEN);
}

#[test]
fn local_alerts_pushed_to_alertmanager_show_once_and_ack_as_a_silence() {
    let stack = Stack::start(StackOptions::default().without_default_rules());
    let config = write_config(
        "push-local",
        &format!(
            r#"[general]
user = "ann@e2e"
# Only the alerts under test: the host rules (CPU, memory, disk) would add
# rows that depend on how busy the test machine is.
host_rules = false

[ack]
push_local_to = "am"

[[alertmanager]]
name = "am"
urls = ["{am}"]
interval = "1s"

[[rule]]
name = "OpsdeckCpuSeen"
expr = "opsdeck_cpu_usage_percent >= 0"
severity = "critical"
"#,
            am = stack.alertmanagers[0]
        ),
    );
    let t = Tmux::start(
        "push-local",
        &["-c", config.to_str().unwrap()],
        160,
        40,
        &[],
    );
    // The team sees it in Alertmanager, with opsdeck's labels.
    let pushed = stack.wait_for_alert_in_alertmanager("OpsdeckCpuSeen");
    assert_eq!(pushed["labels"]["severity"], "critical", "{pushed}");
    assert_eq!(pushed["labels"]["job"], "opsdeck", "{pushed}");
    // One row, from both.
    t.send(&["3"]);
    let screen = t.wait_for("one row from local and am", SEEN, |s| {
        row(s, "OpsdeckCpuSeen").contains("local+am")
    });
    assert_eq!(
        screen.matches("OpsdeckCpuSeen").count(),
        1,
        "shown once: {screen}"
    );
    // Acknowledging it silences it in Alertmanager, for the whole team.
    t.send(&["a"]);
    t.wait_text("in Alertmanager \"am\"", SEEN);
    t.send(&["-l", "mine"]);
    t.send(&["Enter"]);
    t.wait_text("acknowledged OpsdeckCpuSeen: silence", SEEN);
    assert!(
        silences(&stack)
            .iter()
            .any(|s| s["comment"] == "ACK! mine" && s["status"]["state"] == "active"),
        "a real silence"
    );
    t.send(&["q"]);
    t.wait_text("EXIT=0", SEEN);
}

/// Prometheus frozen (SIGSTOP) after an ack: Alertmanager resolves what it no
/// longer hears about, Prometheus's last list still says firing. The row is
/// stale (no response deadline, no "late"), still acknowledged by the ACK
/// silence that is active in Alertmanager, and `a` knows it.
#[test]
fn a_frozen_prometheus_leaves_stale_rows_that_keep_their_ack() {
    let mut stack = Stack::start(StackOptions::default());
    stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
    let panel = "[[panel]]\ntitle = \"Targets up\"\nquery = \"sum(up)\"\n";
    let config = write_config("frozen", &config_for(&stack, &stack.prometheus, panel));
    let t = Tmux::start(
        "alerts-frozen",
        &["-c", config.to_str().unwrap()],
        160,
        40,
        &[],
    );
    t.send(&["3"]);
    t.wait_for("the alert from both sources", SEEN, |s| {
        row(s, "OpsdeckAlwaysFiring").contains("am+prom")
    });
    t.send(&["a"]);
    t.wait_text("Acknowledge OpsdeckAlwaysFiring", SEEN);
    t.send(&["-l", "frozen check"]);
    t.send(&["Enter"]);
    t.wait_text("acknowledged OpsdeckAlwaysFiring: silence", SEEN);
    // The fleet has its rows before the freeze: Prometheus scrapes
    // node_exporter on its own clock, later than the alert on a busy machine.
    t.send(&["1"]);
    t.wait_for("the fleet's rows", SEEN, |s| {
        s.lines()
            .any(|l| l.contains("127.0.0.1:") && l.contains(" up "))
    });
    t.send(&["3"]);

    stack.pause_prometheus();
    let alerts = format!("{}/api/v2/alerts", stack.alertmanagers[0]);
    wait_until("Alertmanager to resolve the alert", SEEN, || {
        let list = get_json(&alerts);
        let listed = list
            .as_array()?
            .iter()
            .any(|a| a["labels"]["alertname"] == "OpsdeckAlwaysFiring");
        (!listed).then_some(())
    });
    let screen = t.wait_for("the stale mark", SEEN, |s| {
        s.contains("stale: prom main") && row(s, "OpsdeckAlwaysFiring").contains("stale")
    });
    let frozen = row(&screen, "OpsdeckAlwaysFiring");
    assert!(
        frozen.contains("ACK ann"),
        "the silence still applies:\n{screen}"
    );
    assert!(
        !frozen.contains("late"),
        "no deadline for stale data:\n{screen}"
    );
    assert!(
        row(&screen, "OpsdeckPending").contains("stale"),
        "every row of the frozen source:\n{screen}"
    );
    assert!(
        !screen.lines().nth(1).unwrap_or("").contains("firing "),
        "no live firing count from stale rows:\n{screen}"
    );
    // `a` knows the alert is acknowledged, in Alertmanager.
    t.send(&["a"]);
    t.wait_text("is already acknowledged by ann@e2e", SEEN);
    // The Resources pane: the fleet rows and the panel of that Prometheus
    // say they are stale, not up.
    t.send(&["1"]);
    let screen = t.wait_for("stale fleet rows", SEEN, |s| {
        s.contains("Fleet ·")
            && s.lines()
                .any(|l| l.contains("127.0.0.1:") && l.contains(" stale "))
    });
    assert!(
        screen
            .lines()
            .any(|l| l.contains("Targets up") && l.contains("stale")),
        "{screen}"
    );
    t.send(&["3"]);

    stack.resume_prometheus();
    t.wait_for("live again", SEEN, |s| {
        !s.contains("stale: prom") && !row(s, "OpsdeckAlwaysFiring").contains("stale")
    });
    t.send(&["q"]);
    t.wait_text("EXIT=0", SEEN);
}

/// A member of a two-member Alertmanager cluster dies: the other answers, so
/// failover alone would hide it. The header says "1/2 members" and the Alerts
/// title names the member that fails; it goes when the member is back.
#[test]
fn a_dead_alertmanager_member_is_shown_while_the_other_answers() {
    let mut stack = Stack::start(StackOptions::default().alertmanagers(2));
    let config = format!(
        r#"[[alertmanager]]
name = "ha"
urls = ["{}", "{}"]
interval = "1s"
timeout = "1s"
"#,
        stack.alertmanagers[0], stack.alertmanagers[1]
    );
    let config = write_config("members", &config);
    let t = Tmux::start(
        "alerts-members",
        &["-c", config.to_str().unwrap()],
        120,
        36,
        &[],
    );
    t.send(&["3"]);
    t.wait_for("the cluster healthy", SEEN, |s| {
        s.lines().next().unwrap_or("").contains("✓ am ha")
    });
    stack.kill_alertmanager(1);
    let dead = stack.alertmanagers[1].clone();
    let screen = t.wait_for("the dead member", SEEN, |s| {
        s.lines()
            .next()
            .unwrap_or("")
            .contains("! am ha 1/2 members")
    });
    assert!(
        screen.contains(&format!("member {dead}")),
        "the title names it:\n{screen}"
    );
    stack.start_alertmanager(1);
    t.wait_for("the member back", SEEN, |s| {
        s.lines().next().unwrap_or("").contains("✓ am ha")
    });
    t.send(&["q"]);
    t.wait_text("EXIT=0", SEEN);
}

/// A scraped target behind a proxy that starts answering 200 with an HTML
/// page (a login or error page): Prometheus fails such a scrape, and so does
/// opsdeck. `up` is 0 at once and the target's series are stale at once: the
/// rule over them resolves now, not five minutes later.
#[test]
fn an_html_answer_is_a_failed_scrape_and_its_series_go_stale_at_once() {
    let stack = Stack::start(StackOptions::default());
    let proxy = FaultProxy::start(&stack.node_exporter);
    let config = format!(
        r#"[[scrape]]
name = "node"
url = "{}/metrics"
interval = "1s"
timeout = "1s"

[[rule]]
name = "NodeLoadSeen"
expr = "node_load1 >= 0"
severity = "warning"

[[rule]]
name = "NodeScrapeDown"
expr = "up{{job=\"node\"}} == 0"
severity = "critical"
"#,
        proxy.url()
    );
    let config = write_config("html-scrape", &config);
    let t = Tmux::start(
        "alerts-html-scrape",
        &["-c", config.to_str().unwrap()],
        160,
        40,
        &[],
    );
    t.send(&["3"]);
    t.wait_for("the rule over the scraped series", SEEN, |s| {
        row(s, "NodeLoadSeen").contains("firing")
    });
    proxy.set(Fault::Html);
    let screen = t.wait_for("the scrape failed", Duration::from_secs(10), |s| {
        row(s, "NodeScrapeDown").contains("firing") && row(s, "NodeLoadSeen").contains("resolved")
    });
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or("")
            .contains("✗ scrape node"),
        "{screen}"
    );
    t.send(&["q"]);
    t.wait_text("EXIT=0", SEEN);
}

/// Two opsdecks on one host: the second, started after the local alert fired
/// in the first, shows it firing at once (not pending from its own start);
/// its header does not wait for the notifier the leader sends through; and
/// when the leader is killed, it takes over with the same alert, still firing.
#[test]
fn two_opsdecks_on_a_host_show_the_same_local_alert_and_survive_the_leaders_death() {
    let shared = Tmux::new("local-agree-shared");
    let state = shared.dir.join("state");
    let env = [("XDG_STATE_HOME", state.to_str().unwrap())];
    let config = write_config(
        "local-agree",
        &format!(
            r#"[[rule]]
name = "OpsdeckCpuWatched"
expr = "opsdeck_cpu_usage_percent >= 0"
for = "15s"
severity = "warning"

[[notifier]]
name = "hook"
url = "http://127.0.0.1:{}/hook"
"#,
            servers::free_port()
        ),
    );
    let args = ["-c", config.to_str().unwrap()];
    let first = Tmux::start("local-agree-1", &args, 160, 40, &env);
    first.send(&["3"]);
    first.wait_for("firing in the first", SEEN, |s| {
        row(s, "OpsdeckCpuWatched").contains("firing")
    });
    let second = Tmux::start("local-agree-2", &args, 160, 40, &env);
    second.send(&["3"]);
    // Well within the rule's 15 s `for`: only the leader's state can say firing.
    let screen = second.wait_for("firing in the second", Duration::from_secs(8), |s| {
        row(s, "OpsdeckCpuWatched").contains("firing")
    });
    let header = screen.lines().next().unwrap_or("");
    assert!(header.contains("notify hook (leader sends)"), "{screen}");
    assert!(status_of(&screen).contains("follower"), "{screen}");

    let pid = first.opsdeck_pid();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let screen = second.wait_for("the second leads", SEEN, |s| {
        status_of(s).contains("leader")
    });
    assert!(
        row(&screen, "OpsdeckCpuWatched").contains("firing"),
        "the alert goes on, not pending again:\n{screen}"
    );
    second.send(&["q"]);
    second.wait_text("EXIT=0", SEEN);
}

fn status_of(screen: &str) -> &str {
    tmux::status_line(screen)
}
