//! Prometheus: scrapes itself, node_exporter and the jobs a test adds
//! ([`StackOptions::scrape`]) every second, evaluates the stack's rule files
//! every second, and sends alerts to the Alertmanagers.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::http::{get_json, try_http_get, urlencode};
use super::process::{Role, Server};
use super::shared::{bin, wait_until};
use super::{Stack, StackOptions};

/// The default rules: one alert that always fires, one that stays pending.
pub const DEFAULT_RULES: &str = r#"groups:
  - name: opsdeck-test
    rules:
      - alert: OpsdeckAlwaysFiring
        expr: vector(1)
        for: 0s
        labels:
          severity: critical
          team: ops
        annotations:
          summary: Always firing
          description: A test alert whose expression is always true.
      - alert: OpsdeckPending
        expr: vector(1)
        for: 1h
        labels:
          severity: warning
        annotations:
          summary: Pending for an hour
          description: A test alert that stays pending.
"#;

/// Writes the rule files `options` asks for into `dir/rules`.
pub(super) fn write_rules(dir: &Path, options: &StackOptions) {
    if options.default_rules {
        fs::write(dir.join("rules/default.yml"), DEFAULT_RULES).expect("write rules");
    }
    if let Some(rules) = &options.rules {
        fs::write(dir.join("rules/extra.yml"), rules).expect("write rules");
    }
}

pub(super) fn command(stack: &Stack, server: &Server) -> Command {
    let dir = &stack.dir;
    let mut cmd = Command::new(bin("prometheus"));
    cmd.arg(format!(
        "--config.file={}",
        dir.join("prometheus.yml").display()
    ))
    .arg(format!(
        "--storage.tsdb.path={}",
        dir.join("prometheus-data").display()
    ))
    .arg(server.listen_arg())
    .arg(format!(
        "--web.external-url=http://127.0.0.1:{}/",
        server.port
    ))
    .arg("--rules.alert.resend-delay=1s")
    .arg("--web.enable-lifecycle");
    // Debian's classic UI reads its pages from here.
    if let Some(assets) = bin("prometheus")
        .parent()
        .map(|d| d.join("../share/prometheus/web"))
        .filter(|d| d.is_dir())
    {
        cmd.arg(format!("--web.local-assets={}", assets.display()));
    }
    cmd
}

/// Writes `prometheus.yml` with the servers' current ports (written again
/// before each start, as a server may have moved).
pub(super) fn write_config(stack: &Stack) {
    fs::write(stack.dir.join("prometheus.yml"), config(stack)).expect("write prometheus.yml");
}

fn config(stack: &Stack) -> String {
    let target = |role: Role| format!("'127.0.0.1:{}'", stack.servers[stack.index(role)].port);
    let mut config = format!(
        "# {}\n\
         global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n  - {}/*.yml\n\
         scrape_configs:\n\
         \x20 - job_name: prometheus\n    static_configs:\n      - targets: [{}]\n\
         \x20 - job_name: node\n    static_configs:\n      - targets: [{}]\n",
        stack.token,
        stack.dir.join("rules").display(),
        target(Role::Prometheus),
        target(Role::NodeExporter),
    );
    for job in &stack.options.scrape {
        config.push_str(job);
        if !job.ends_with('\n') {
            config.push('\n');
        }
    }
    if stack.options.alertmanagers > 0 {
        let targets: Vec<String> = (0..stack.options.alertmanagers)
            .map(|i| target(Role::Alertmanager(i)))
            .collect();
        let _ = write!(
            config,
            "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [{}]\n",
            targets.join(", ")
        );
    }
    config
}

/// Ready, and this stack's: its flags show paths in the stack's folder (the
/// TSDB path), whose name is the stack's token.
pub(super) fn is_ready(stack: &Stack, base: &str) -> bool {
    matches!(try_http_get(&format!("{base}/-/ready")), Ok((200, _)))
        && matches!(
            try_http_get(&format!("{base}/api/v1/status/flags")),
            Ok((200, body)) if body.contains(&stack.token)
        )
}

impl Stack {
    /// Waits (30 s) until Prometheus's `/api/v1/alerts` lists `alertname` in
    /// `state` (`pending` or `firing`), and returns that alert.
    pub fn wait_for_alert_in_prometheus(&self, alertname: &str, state: &str) -> Value {
        let url = format!("{}/api/v1/alerts", self.prometheus);
        wait_until(
            &format!("alert {alertname} {state} in {url}"),
            Duration::from_secs(30),
            || {
                let response = get_json(&url);
                response["data"]["alerts"]
                    .as_array()?
                    .iter()
                    .find(|a| a["labels"]["alertname"] == alertname && a["state"] == state)
                    .cloned()
            },
        )
    }

    /// Runs an instant query; returns `data.result`.
    pub fn prometheus_query(&self, promql: &str) -> Value {
        let url = format!(
            "{}/api/v1/query?query={}",
            self.prometheus,
            urlencode(promql)
        );
        let response = get_json(&url);
        assert_eq!(response["status"], "success", "{url}: {response}");
        response["data"]["result"].clone()
    }

    /// SIGKILLs Prometheus (its TSDB keeps what its WAL had).
    pub fn stop_prometheus(&mut self) {
        let index = self.index(Role::Prometheus);
        self.kill(index);
    }

    /// Freezes Prometheus (SIGSTOP): it stops evaluating and answering, and
    /// Alertmanager resolves its alerts once their `endsAt` (4 s here) passes.
    pub fn pause_prometheus(&mut self) {
        let index = self.index(Role::Prometheus);
        self.signal(index, nix::sys::signal::Signal::SIGSTOP);
    }

    /// Lets a frozen Prometheus run again (SIGCONT).
    pub fn resume_prometheus(&mut self) {
        let index = self.index(Role::Prometheus);
        self.signal(index, nix::sys::signal::Signal::SIGCONT);
    }

    /// Starts Prometheus again on the same port and data, and waits until it
    /// is ready.
    pub fn start_prometheus(&mut self) {
        let index = self.index(Role::Prometheus);
        self.restart(index);
    }
}
