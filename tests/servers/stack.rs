//! [`Stack`]: one Prometheus, its Alertmanagers and one node_exporter, started
//! together in a temporary folder of their own and killed when dropped.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::process::{Role, Server, Watchdog};
use super::shared::bin;
use super::{alertmanager, node_exporter, prometheus};

/// What [`Stack::start`] starts.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// How many Alertmanagers; two or more form one HA cluster (silences
    /// replicate by gossip), one runs with clustering disabled.
    pub alertmanagers: usize,
    /// Load the default rules (`OpsdeckAlwaysFiring`, `OpsdeckPending`).
    pub default_rules: bool,
    /// An extra Prometheus rule file, complete (`groups: ...`).
    pub rules: Option<String>,
    /// Extra Prometheus scrape jobs: each a complete `scrape_configs` entry,
    /// indented as a list item under `scrape_configs:` (`  - job_name: ...`),
    /// appended after the `node` job.
    pub scrape: Vec<String>,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            alertmanagers: 1,
            default_rules: true,
            rules: None,
            scrape: Vec::new(),
        }
    }
}

impl StackOptions {
    pub fn alertmanagers(mut self, count: usize) -> Self {
        self.alertmanagers = count;
        self
    }

    /// Adds a complete Prometheus rule file (`groups: ...`).
    pub fn rules(mut self, rule_file: &str) -> Self {
        self.rules = Some(rule_file.to_string());
        self
    }

    /// Adds a scrape job: a complete `scrape_configs` entry, indented as a
    /// list item under `scrape_configs:`, e.g.
    /// `"  - job_name: workers\n    static_configs:\n      - targets: ['127.0.0.1:9000']\n"`.
    pub fn scrape(mut self, fragment: &str) -> Self {
        self.scrape.push(fragment.to_string());
        self
    }

    pub fn without_default_rules(mut self) -> Self {
        self.default_rules = false;
        self
    }
}

/// A running Prometheus, Alertmanager(s) and node_exporter on 127.0.0.1.
pub struct Stack {
    /// Prometheus's base URL, `http://127.0.0.1:PORT`.
    pub prometheus: String,
    /// Each Alertmanager's base URL.
    pub alertmanagers: Vec<String>,
    /// node_exporter's base URL.
    pub node_exporter: String,
    pub(super) dir: PathBuf,
    /// Unique to this stack: its folder's name, shown by each server so
    /// readiness checks can tell it from another that took its port.
    pub(super) token: String,
    pub(super) options: StackOptions,
    pub(super) servers: Vec<Server>,
    pub(super) watchdog: Watchdog,
}

static STACKS: AtomicU32 = AtomicU32::new(0);

impl Stack {
    /// Starts node_exporter, the Alertmanagers and Prometheus, and returns
    /// once each answers its readiness check (and, with several
    /// Alertmanagers, once they see each other in the cluster). Panics with
    /// the tail of a server's log when it fails.
    pub fn start(options: StackOptions) -> Stack {
        // Each panics saying how to get the servers when one is missing.
        let _ = bin("prometheus");
        let alertmanager = bin("alertmanager");
        let _ = bin("prometheus-node-exporter");
        alertmanager::check_templates(&alertmanager);

        let mut stack = Stack::prepare(options);
        stack.start_servers();
        if stack.options.alertmanagers > 1 {
            alertmanager::wait_for_cluster(&stack);
        }
        stack
    }

    /// Creates the stack's folder with the servers' configurations, and picks
    /// their ports; starts nothing.
    fn prepare(options: StackOptions) -> Stack {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let token = format!(
            "opsdeck-stack-{}-{}-{nanos:x}",
            std::process::id(),
            STACKS.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(&token);
        fs::create_dir_all(dir.join("rules")).expect("create the stack's folder");
        fs::create_dir_all(dir.join("textfile")).expect("create the textfile folder");
        fs::create_dir_all(dir.join("alertmanager-templates")).expect("create a folder");
        node_exporter::write_marker(&dir, &token);
        prometheus::write_rules(&dir, &options);
        alertmanager::write_config(&dir);

        let clustered = options.alertmanagers > 1;
        let mut servers = vec![Server::new(Role::NodeExporter, &dir, false)];
        for i in 0..options.alertmanagers {
            servers.push(Server::new(Role::Alertmanager(i), &dir, clustered));
        }
        servers.push(Server::new(Role::Prometheus, &dir, false));

        let mut stack = Stack {
            prometheus: String::new(),
            alertmanagers: Vec::new(),
            node_exporter: String::new(),
            dir,
            token,
            options,
            servers,
            watchdog: Watchdog::start(),
        };
        stack.update_urls();
        stack
    }

    /// node_exporter, the first Alertmanager and Prometheus start together;
    /// the other Alertmanagers once the first listens, so they join it at
    /// once. Returns when all are ready.
    fn start_servers(&mut self) {
        let node = self.index(Role::NodeExporter);
        let prometheus = self.index(Role::Prometheus);
        self.spawn(node);
        let mut moved = false;
        if self.options.alertmanagers > 0 {
            let first = self.index(Role::Alertmanager(0));
            self.spawn(first);
            self.spawn(prometheus);
            moved |= self.ready_or_move(first);
            for i in 1..self.options.alertmanagers {
                let am = self.index(Role::Alertmanager(i));
                self.spawn(am);
                moved |= self.ready_or_move(am);
            }
        } else {
            self.spawn(prometheus);
        }
        moved |= self.ready_or_move(node);
        if moved {
            // Prometheus's configuration names the old ports.
            self.kill(prometheus);
            self.spawn(prometheus);
        }
        self.ready_or_move(prometheus);
    }

    /// The stack's temporary folder (configurations, data, logs). Kept when
    /// the test panics, or always with `OPSDECK_KEEP_TEST_SERVERS=1`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The whole log of a server: `prometheus`, `alertmanager-N` or
    /// `node_exporter`.
    pub fn log(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for index in 0..self.servers.len() {
            self.kill(index);
        }
        let keep = std::thread::panicking()
            || std::env::var_os("OPSDECK_KEEP_TEST_SERVERS").is_some_and(|v| v == "1");
        if keep {
            eprintln!("test servers' folder kept: {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
