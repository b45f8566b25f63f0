//! The real binary against echoing fakes: `opsdeck snapshot` (text and JSON)
//! and the dashboard in tmux (its screens, its log file).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::tmux::{BIN, Tmux};
use super::{Echo, PASSWORD, TOKEN, TempDir, USER, assert_hidden, secret_forms};

const TOKEN_ENV: &str = "OPSDECK_TEST_SECRETS_TOKEN";
const PASSWORD_ENV: &str = "OPSDECK_TEST_SECRETS_PASSWORD";

/// A Prometheus (token file, 401), an Alertmanager (basic auth, 500) and a
/// scrape target (token variable, 401), all echoing the request's headers.
struct Fakes {
    prometheus: Echo,
    alertmanager: Echo,
    scrape: Echo,
}

impl Fakes {
    fn start() -> Fakes {
        Fakes {
            prometheus: Echo::start(401),
            alertmanager: Echo::start(500),
            scrape: Echo::start(401),
        }
    }

    fn config(&self, token_file: &Path) -> String {
        format!(
            r#"[[prometheus]]
name = "main"
url = "{}"
bearer_token_file = "{}"
interval = "1s"

[[alertmanager]]
name = "am"
urls = ["{}"]
basic_auth = {{ username = "{USER}", password_env = "{PASSWORD_ENV}" }}
interval = "1s"

[[scrape]]
name = "app"
url = "{}"
bearer_token_env = "{TOKEN_ENV}"
interval = "1s"
"#,
            self.prometheus.url("/"),
            token_file.display(),
            self.alertmanager.url("/"),
            self.scrape.url("/metrics"),
        )
    }

    /// The secrets, with every Authorization value the fakes received.
    fn forms(&self) -> Vec<String> {
        let all = [&self.prometheus, &self.alertmanager, &self.scrape];
        assert!(
            all.iter().all(|s| !s.authorization().is_empty()),
            "every fake was asked with credentials"
        );
        secret_forms(&all)
    }
}

fn snapshot(dir: &TempDir, config: &Path, format: &str) -> (String, String) {
    let out = Command::new(BIN)
        .arg("-c")
        .arg(config)
        .args(["--no-store", "snapshot", "--format", format])
        .env("XDG_CONFIG_HOME", dir.0.join("config"))
        .env("XDG_STATE_HOME", dir.0.join("state"))
        .env(TOKEN_ENV, TOKEN)
        .env(PASSWORD_ENV, PASSWORD)
        .output()
        .expect("runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (stdout, stderr)
}

#[test]
fn snapshot_text_and_json_show_the_errors_without_the_secrets() {
    let fakes = Fakes::start();
    let dir = TempDir::new("snapshot");
    let token_file = dir.write("prom.token", TOKEN);
    let config = dir.write("config.toml", &fakes.config(&token_file));

    let (json, stderr) = snapshot(&dir, &config, "json");
    let forms = fakes.forms();
    assert_hidden("snapshot --format json", &format!("{json}{stderr}"), &forms);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    for kind in ["prometheus", "alertmanager", "scrape"] {
        let source = doc["sources"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["kind"] == kind))
            .unwrap_or_else(|| panic!("no {kind} source in {json}"));
        let error = source["error"].as_str().unwrap_or_default();
        assert!(error.contains("authorization: B"), "{kind}: {error}");
        assert!(error.contains("<redacted>"), "{kind}: {error}");
    }

    let (text, stderr) = snapshot(&dir, &config, "text");
    assert_hidden("snapshot", &format!("{text}{stderr}"), &fakes.forms());
    assert!(text.contains("401 Unauthorized"), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
}

#[test]
fn the_dashboard_shows_and_logs_the_errors_without_the_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let fakes = Fakes::start();
    let dir = TempDir::new("dashboard");
    let token_file = dir.write("prom.token", TOKEN);
    let config = dir.write("config.toml", &fakes.config(&token_file));
    // A log file left by an older opsdeck, readable by all, there before
    // this one starts.
    let t = Tmux::new("secrets");
    let log = t.state_dir().join("opsdeck.log");
    std::fs::create_dir_all(t.state_dir()).expect("state dir");
    std::fs::write(&log, "older line\n").expect("old log");
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let script = dir.write(
        "run.sh",
        &format!(
            "#!/bin/sh\nexport {TOKEN_ENV}='{TOKEN}' {PASSWORD_ENV}='{PASSWORD}'\n\
             '{BIN}' -c '{}' --no-store\necho \"EXIT=$?\"\nsleep 600\n",
            config.display()
        ),
    );
    t.new_session(160, 50, &["sh", script.to_str().expect("UTF-8 path")]);

    let overview = t.wait_text("401 Unauthorized", Duration::from_secs(20));
    let zoomed = |key: &str, title: &str, text: &str| {
        t.send(&[key]);
        t.wait_for(
            &format!("{title} with {text:?}"),
            Duration::from_secs(10),
            |s| s.contains(title) && !s.contains("1 Resources") && s.contains(text),
        )
    };
    // Zoomed, the Alerts title is wide enough to show the header's line.
    let alerts = zoomed("3", "3 Alerts", "authorization: Bearer <redacted>");
    let log_pane = zoomed("5", "5 Log", "authorization: Basic <redacted>");
    t.send(&["q"]);
    t.wait_text("EXIT=0", Duration::from_secs(10));

    let forms = fakes.forms();
    assert_hidden("the overview", &overview, &forms);
    assert_hidden("the Alerts pane", &alerts, &forms);
    assert_hidden("the Log pane", &log_pane, &forms);
    let written = std::fs::read_to_string(&log).expect("log file");
    assert_hidden("opsdeck.log", &written, &forms);
    assert!(written.starts_with("older line\n"), "appended: {written}");
    for name in ["prometheus main", "alertmanager am", "scrape app"] {
        assert!(
            written
                .lines()
                .any(|l| l.contains(name) && l.contains("<redacted>")),
            "{name}'s error is logged, cleaned:\n{written}"
        );
    }
    let mode = std::fs::metadata(&log).expect("log").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "opsdeck.log is its owner's only");
}
