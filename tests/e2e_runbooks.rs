//! Recovery end to end, as the issue asks: a local rule over a scraped metric
//! fires; `r` on it, Enter, and the runbook's step changes what the
//! `/metrics` page serves; the rule resolves; the run is `recovered` in the
//! dashboard, in `opsdeck runbook list` and in the audit log. The page is a
//! real HTTP server (Python's) serving a file.

#[path = "state_db/mod.rs"]
mod state_db;
mod tmux;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tmux::{Tmux, json_lines};

const SEEN: Duration = Duration::from_secs(20);

/// `python3 -m http.server` serving `dir` on a free loopback port.
struct Page {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Page {
    fn start(name: &str, body: &str) -> Page {
        let dir =
            std::env::temp_dir().join(format!("opsdeck-e2e-page-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("metrics"), body).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 (the test's /metrics page)");
        let page = Page { child, port, dir };
        let url = format!("127.0.0.1:{}", page.port);
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(&url).is_err() {
            assert!(
                start.elapsed() < SEEN,
                "the page server never listened on {url}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        page
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn r_runs_the_runbook_that_fixes_what_the_rule_sees_and_the_alert_resolves() {
    let page = Page::start("recover", "# TYPE app_broken gauge\napp_broken 1\n");
    let fixed = page.dir.join("metrics");
    let config = format!(
        r#"
[general]
host_rules = false

[[scrape]]
name = "app"
url = "http://127.0.0.1:{port}/metrics"
interval = "1s"

[[rule]]
name = "AppBroken"
expr = "app_broken > 0"
severity = "critical"
[rule.annotations]
summary = "the app says it is broken"

[[runbook]]
id = "fix_app"
name = "Fix the app"
match = ['alertname="AppBroken"']
timeout = "1m"

[[runbook.step]]
name = "Look"
command = ["sh", "-c", "echo looking at $OPSDECK_ALERT_NAME"]

[[runbook.step]]
name = "Repair"
command = ["sh", "-c", "printf '# TYPE app_broken gauge\\napp_broken 0\\n' > {fixed}"]
dangerous = true
"#,
        port = page.port,
        fixed = fixed.display()
    );
    // Outside the tmux sandbox, which `Tmux::start` wipes.
    let config_path = page.dir.join("opsdeck.toml");
    std::fs::write(&config_path, config).unwrap();
    let config_arg = config_path.to_string_lossy().into_owned();
    // Two dashboards on one host: the run of one shows on the other.
    let shared = page.dir.join("state");
    let shared_arg = shared.to_string_lossy().into_owned();
    let env = [("XDG_STATE_HOME", shared_arg.as_str())];
    let t = Tmux::start("runbooks-recover-ui", &["-c", &config_arg], 160, 36, &env);
    t.wait_text("leader", SEEN);
    let other = Tmux::start(
        "runbooks-recover-other",
        &["-c", &config_arg],
        160,
        36,
        &env,
    );
    other.send(&["3"]);
    t.send(&["3"]);
    let screen = t.wait_for("AppBroken firing", SEEN, |s| {
        s.contains("AppBroken") && s.contains("firing")
    });
    let linked = "r the app says";
    assert!(
        screen.contains(linked),
        "the row says a runbook is linked: {screen}"
    );
    t.send(&["r"]);
    let plan = t.wait_text("Run Fix the app", SEEN);
    assert!(plan.contains("step 2 !"), "{plan}");
    t.send(&["Enter"]);
    t.wait_text("Dangerous step 2/2: Repair", SEEN);
    t.send(&["Enter"]);
    let view = t.wait_text("recovered", SEEN);
    assert!(
        view.contains("looking at AppBroken"),
        "the step's output: {view}"
    );
    t.send(&["Escape"]);
    let screen = t.wait_for("AppBroken resolved", SEEN, |s| {
        s.contains("AppBroken") && s.contains("resolved")
    });
    let went = "✓ recovered · the";
    assert!(
        screen.contains(went),
        "the row says how the run went: {screen}"
    );

    other.wait_for("the run on the other dashboard", SEEN, |s| s.contains(went));
    // Enter on the alert: its runs, whoever ran them, with each step.
    other.send(&["Enter"]);
    let details = other.wait_text("Recovery runs", SEEN);
    for text in [
        "fix_app run 1: recovered",
        "manual by",
        "2. Repair: succeeded",
        "looking at AppBroken",
    ] {
        assert!(
            details.contains(text),
            "{text:?} in the details:\n{details}"
        );
    }
    let state = shared;
    let config_home = t.dir.join("config");
    let listed = json_lines(
        &["-c", &config_arg, "runbook", "list", "--format", "json"],
        &state,
        &config_home,
    );
    let last = &listed[0]["last_run"];
    assert_eq!(last["state"], "recovered", "{last}");
    assert_eq!(last["trigger"], "manual");
    let audit = json_lines(&["audit", "--format", "json"], &state, &config_home);
    let runbook: Vec<(String, String, String)> = audit
        .iter()
        .filter(|r| r["target"] == "fix_app")
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (s("action"), s("phase"), s("outcome"))
        })
        .collect();
    let expected = [
        ("runbook.run", "intent", ""),
        ("runbook.run", "outcome", "started"),
        ("runbook.confirm", "intent", ""),
        ("runbook.confirm", "outcome", "confirmed"),
    ];
    let got: Vec<(&str, &str, &str)> = runbook
        .iter()
        .map(|(a, p, o)| (a.as_str(), p.as_str(), o.as_str()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn the_leader_closes_a_run_whose_opsdeck_was_killed_and_stops_its_step() {
    let dir = std::env::temp_dir().join(format!("opsdeck-e2e-abandoned-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        r#"
[[runbook]]
id = "slow"

[[runbook.step]]
name = "Wait"
command = ["sh", "-c", "touch {started}; sleep 3074"]
timeout = "1m"
"#,
        started = dir.join("started").display()
    );
    let config_path = dir.join("opsdeck.toml");
    std::fs::write(&config_path, config).unwrap();
    let config_arg = config_path.to_string_lossy().into_owned();
    let state = dir.join("state");
    let t = Tmux::start_with_state("runbooks-abandoned", &config_path, &state, 120, 30);
    t.wait_text("leader", SEEN);
    let mut cli = Command::new(tmux::BIN)
        .args(["-c", &config_arg, "runbook", "run", "slow"])
        .env("XDG_STATE_HOME", &state)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    state_db::wait_for_file(&dir.join("started"));
    state_db::wait_for_step_pgid(&state);
    cli.kill().unwrap();
    cli.wait().unwrap();
    let config_home = dir.join("config");
    let start = std::time::Instant::now();
    loop {
        let listed = json_lines(
            &["-c", &config_arg, "runbook", "list", "--format", "json"],
            &state,
            &config_home,
        );
        let last = &listed[0]["last_run"];
        if last["state"] == "failed" {
            assert!(
                last["detail"].as_str().unwrap().contains("abandoned"),
                "{last}"
            );
            break;
        }
        assert!(
            start.elapsed() < SEEN,
            "the leader never closed the run: {last}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let left = Command::new("pgrep")
        .args(["-f", "sleep 3074"])
        .output()
        .unwrap();
    assert!(left.stdout.is_empty(), "the abandoned step was stopped");
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}
