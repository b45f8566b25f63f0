//! Recovery end to end, as the issue asks: a local rule over a scraped metric
//! fires; `r` on it, Enter, and the runbook's step changes what the
//! `/metrics` page serves; the rule resolves; the run is `recovered` in the
//! dashboard, in `opsdeck runbook list` and in the audit log. The page is a
//! real HTTP server (Python's) serving a file.

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
    let t = Tmux::start("runbooks-recover-ui", &["-c", &config_arg], 160, 36, &[]);
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

    let state = t.dir.join("state");
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
