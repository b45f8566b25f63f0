//! A runbook run for an alert a real Alertmanager and Prometheus hold (Debian's
//! packages), picked by the fingerprint Alertmanager's own API shows.

mod servers;

use servers::{Stack, StackOptions};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_opsdeck");

#[test]
fn alert_takes_alertmanagers_own_fingerprint() {
    let stack = Stack::start(StackOptions::default());
    let alert = stack.wait_for_alert_in_alertmanager("OpsdeckAlwaysFiring");
    let fingerprint = alert["fingerprint"]
        .as_str()
        .expect("Alertmanager's fingerprint");
    let dir = std::env::temp_dir().join(format!("opsdeck-runbook-stack-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let seen = dir.join("seen");
    let config = format!(
        r#"
[general]
host_rules = false

[[prometheus]]
name = "prom"
url = "{prom}"

[[alertmanager]]
name = "am"
urls = ["{am}"]

[[runbook]]
id = "always"
match = ['alertname="OpsdeckAlwaysFiring"']

[[runbook.step]]
name = "Record the alert"
command = ["sh", "-c", "env | grep ^OPSDECK_ALERT_ | sort > {seen}"]
"#,
        prom = stack.prometheus,
        am = stack.alertmanagers[0],
        seen = seen.display()
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let out = Command::new(BIN)
        .arg("-c")
        .arg(dir.join("config.toml"))
        .args(["runbook", "run", "always", "--alert", fingerprint])
        .env("XDG_STATE_HOME", dir.join("state"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let env = std::fs::read_to_string(&seen).unwrap();
    assert!(
        env.contains(&format!("OPSDECK_ALERT_FINGERPRINT={fingerprint}\n")),
        "{env}"
    );
    assert!(
        env.contains("OPSDECK_ALERT_NAME=OpsdeckAlwaysFiring\n"),
        "{env}"
    );
    assert!(env.contains("OPSDECK_ALERT_LABEL_TEAM=ops\n"), "{env}");
    let _ = std::fs::remove_dir_all(&dir);
}
