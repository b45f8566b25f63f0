//! Alertmanager: one alone (clustering off), or several gossiping as one HA
//! cluster; every alert goes to a `blackhole` receiver.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use super::Stack;
use super::http::{get_json, http_post_json, try_http_get};
use super::process::{Role, Server};
use super::shared::{HOW_TO_GET, READY_TIMEOUT, bin, wait_until};

/// Debian's Alertmanager reads its default templates from this fixed folder
/// and exits at start-up without them; `scripts/test-servers` copies them.
pub const ALERTMANAGER_TEMPLATES: &str = "/usr/share/prometheus/alertmanager";

/// Panics saying how to get them when Debian's Alertmanager (`binary`) would
/// exit at start-up for want of its templates.
pub(super) fn check_templates(binary: &Path) {
    let templates = Path::new(ALERTMANAGER_TEMPLATES).join("default.tmpl");
    if binary.ends_with("prometheus-alertmanager") && !templates.is_file() {
        panic!(
            "{} is missing: Debian's Alertmanager exits without its templates: {HOW_TO_GET}",
            templates.display()
        );
    }
}

/// Writes `alertmanager.yml` (shared by all the stack's Alertmanagers).
pub(super) fn write_config(dir: &Path) {
    fs::write(
        dir.join("alertmanager.yml"),
        format!(
            // The templates glob (in the stack's folder) shows in
            // /api/v2/status, so readiness can tell this Alertmanager is ours.
            "templates:\n  - '{}/*.tmpl'\n\
             route:\n  receiver: blackhole\n  group_by: ['alertname']\n  \
             group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\n\
             receivers:\n  - name: blackhole\n",
            dir.join("alertmanager-templates").display()
        ),
    )
    .expect("write alertmanager.yml");
}

pub(super) fn command(stack: &Stack, server: &Server) -> Command {
    let Role::Alertmanager(i) = server.role else {
        panic!("{} is not an Alertmanager", server.name);
    };
    let dir = &stack.dir;
    let mut cmd = Command::new(bin("alertmanager"));
    cmd.arg(format!(
        "--config.file={}",
        dir.join("alertmanager.yml").display()
    ))
    .arg(format!(
        "--storage.path={}",
        dir.join(format!("alertmanager-{i}-data")).display()
    ))
    .arg(server.listen_arg())
    .arg(format!(
        "--web.external-url=http://127.0.0.1:{}",
        server.port
    ));
    if server.cluster_port == 0 {
        cmd.arg("--cluster.listen-address=");
    } else {
        let cluster = format!("127.0.0.1:{}", server.cluster_port);
        cmd.arg(format!("--cluster.listen-address={cluster}"))
            .arg(format!("--cluster.advertise-address={cluster}"));
        for other in &stack.servers {
            if matches!(other.role, Role::Alertmanager(j) if j != i) {
                cmd.arg(format!("--cluster.peer=127.0.0.1:{}", other.cluster_port));
            }
        }
    }
    cmd
}

/// Ready, and this stack's: `/api/v2/status` shows the templates glob in the
/// stack's folder.
pub(super) fn is_ready(stack: &Stack, base: &str) -> bool {
    matches!(try_http_get(&format!("{base}/-/ready")), Ok((200, _)))
        && matches!(
            try_http_get(&format!("{base}/api/v2/status")),
            Ok((200, body)) if body.contains(&stack.token)
        )
}

/// Waits until each Alertmanager sees all of them in its cluster.
pub(super) fn wait_for_cluster(stack: &Stack) {
    let count = stack.options.alertmanagers;
    for url in &stack.alertmanagers {
        wait_until(
            &format!("{url} to see {count} Alertmanagers in its cluster"),
            READY_TIMEOUT,
            || {
                let status = get_json(&format!("{url}/api/v2/status"));
                let peers = status["cluster"]["peers"].as_array()?.len();
                (peers == count).then_some(())
            },
        );
    }
}

/// Creates a silence on the Alertmanager at `alertmanager` (base URL) with
/// equality matchers for `labels`, lasting an hour; returns its id.
pub fn post_silence(
    alertmanager: &str,
    labels: &[(&str, &str)],
    created_by: &str,
    comment: &str,
) -> String {
    let now = chrono::Utc::now();
    let matchers: Vec<Value> = labels
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value, "isRegex": false, "isEqual": true}))
        .collect();
    let body = json!({
        "matchers": matchers,
        "startsAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "endsAt": (now + chrono::Duration::hours(1))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "createdBy": created_by,
        "comment": comment,
    });
    let url = format!("{alertmanager}/api/v2/silences");
    let (status, response) = http_post_json(&url, &body);
    assert_eq!(status, 200, "POST {url} answered {status}: {response}");
    let response: Value = serde_json::from_str(&response).expect("silence response is JSON");
    response["silenceID"]
        .as_str()
        .unwrap_or_else(|| panic!("no silenceID in {response}"))
        .to_string()
}

impl Stack {
    /// Waits (30 s) until the first Alertmanager has an alert named
    /// `alertname`, and returns it as `/api/v2/alerts` shows it.
    pub fn wait_for_alert_in_alertmanager(&self, alertname: &str) -> Value {
        self.wait_for_alert_in_alertmanager_at(0, alertname)
    }

    /// Waits (30 s) until Alertmanager `i` has an alert named `alertname`.
    pub fn wait_for_alert_in_alertmanager_at(&self, i: usize, alertname: &str) -> Value {
        let url = format!("{}/api/v2/alerts", self.alertmanagers[i]);
        wait_until(
            &format!("alert {alertname} in {url}"),
            Duration::from_secs(30),
            || {
                let alerts = get_json(&url);
                alerts
                    .as_array()?
                    .iter()
                    .find(|a| a["labels"]["alertname"] == alertname)
                    .cloned()
            },
        )
    }

    /// SIGKILLs Alertmanager `i` (what it had not written to disk is lost;
    /// clustered peers still hold the silences).
    pub fn kill_alertmanager(&mut self, i: usize) {
        let index = self.index(Role::Alertmanager(i));
        self.kill(index);
    }

    /// Starts Alertmanager `i` again on the same ports and data folder, and
    /// waits until it is ready.
    pub fn start_alertmanager(&mut self, i: usize) {
        let index = self.index(Role::Alertmanager(i));
        self.restart(index);
    }
}
