//! Real Prometheus, Alertmanager and node_exporter for the tests.
//!
//! The servers are Debian's packages (`prometheus`, `prometheus-alertmanager`,
//! `prometheus-node-exporter`), fetched and unpacked by `scripts/test-servers`
//! into `target/test-servers/root`. A [`Stack`] starts one Prometheus, one or
//! more Alertmanagers and one node_exporter on free 127.0.0.1 ports, each with
//! its own configuration and data in a temporary folder, so tests can run in
//! parallel. Dropping the stack kills them all.
//!
//! The HTTP client here is a tiny blocking HTTP/1.1 one over `TcpStream`, so
//! the harness needs no async runtime.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde_json::{Value, json};

/// How long a server may take to answer its readiness check.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Debian's Alertmanager reads its default templates from this fixed folder
/// and exits at start-up without them; `scripts/test-servers` copies them.
pub const ALERTMANAGER_TEMPLATES: &str = "/usr/share/prometheus/alertmanager";

const HOW_TO_GET: &str = "run scripts/test-servers (it fetches Debian's prometheus, \
     prometheus-alertmanager and prometheus-node-exporter)";

/// The folder holding the server binaries: `$OPSDECK_TEST_SERVERS` if set,
/// else `target/test-servers/root/usr/bin` in this crate.
pub fn servers_dir() -> PathBuf {
    match std::env::var_os("OPSDECK_TEST_SERVERS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-servers/root/usr/bin"),
    }
}

/// The path of a server binary: `prometheus`, `alertmanager` (Debian's
/// `prometheus-alertmanager`) or `prometheus-node-exporter` (also
/// `node_exporter`). Panics saying how to get it when it is missing.
pub fn bin(name: &str) -> PathBuf {
    let file = match name {
        "alertmanager" | "prometheus-alertmanager" => "prometheus-alertmanager",
        "node_exporter" | "node-exporter" | "prometheus-node-exporter" => {
            "prometheus-node-exporter"
        }
        other => other,
    };
    let path = servers_dir().join(file);
    if !path.is_file() {
        panic!("{name} not found at {}: {HOW_TO_GET}", path.display());
    }
    path
}

/// A free TCP port on 127.0.0.1 (bound, read and released). Never hands out
/// the same port twice in one test process; another process may still take
/// it before the server binds, which [`Stack::start`] detects and retries.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    for _ in 0..100 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind 127.0.0.1:0")
            .port();
        if given.insert(port) {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 after 100 tries");
}

/// Polls `f` every 100 ms until it returns `Some`, and returns that value.
/// Panics naming `what` after `timeout`.
pub fn wait_until<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = f() {
            return value;
        }
        if start.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------
// HTTP

/// One HTTP/1.1 request with `Connection: close`; returns the status and the
/// body (decoded from chunked transfer encoding when the server used it).
pub fn try_http(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> io::Result<(u16, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid(format!("not an http:// URL: {url}")))?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('?') => (&rest[..i], format!("/{}", &rest[i..])),
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let addr = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid(format!("no address for {authority}")))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;

    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Accept: application/json, */*\r\nUser-Agent: opsdeck-tests\r\n"
    );
    if let Some(content_type) = content_type {
        let _ = write!(request, "Content-Type: {content_type}\r\n");
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        let _ = write!(request, "Content-Length: {}\r\n", body.len());
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;

    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn parse_response(raw: &[u8]) -> io::Result<(u16, String)> {
    let end = find(raw, b"\r\n\r\n").ok_or_else(|| invalid("no end of headers".into()))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            }
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        decode_chunked(rest)?
    } else if let Some(length) = length {
        if rest.len() < length {
            return Err(invalid(format!(
                "body cut short: {} of {length} bytes",
                rest.len()
            )));
        }
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn decode_chunked(mut rest: &[u8]) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").ok_or_else(|| invalid("bad chunk header".into()))?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| invalid(format!("bad chunk size {size_text:?}")))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err(invalid("chunk cut short".into()));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// `GET url`; panics when the server cannot be reached.
pub fn http_get(url: &str) -> (u16, String) {
    try_http("GET", url, None, b"").unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// `GET url` without panicking (for a server that may be down).
pub fn try_http_get(url: &str) -> io::Result<(u16, String)> {
    try_http("GET", url, None, b"")
}

/// `POST url` with a JSON body; panics when the server cannot be reached.
pub fn http_post_json(url: &str, body: &Value) -> (u16, String) {
    let body = serde_json::to_vec(body).expect("serialize JSON");
    try_http("POST", url, Some("application/json"), &body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// `DELETE url`; panics when the server cannot be reached.
pub fn http_delete(url: &str) -> (u16, String) {
    try_http("DELETE", url, None, b"").unwrap_or_else(|e| panic!("DELETE {url}: {e}"))
}

/// `GET url`, asserting status 200, parsed as JSON.
pub fn get_json(url: &str) -> Value {
    let (status, body) = http_get(url);
    assert_eq!(status, 200, "GET {url} answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {body}"))
}

/// Percent-encodes a query parameter value.
pub fn urlencode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
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

// ---------------------------------------------------------------------------
// The stack

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
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            alertmanagers: 1,
            default_rules: true,
            rules: None,
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

    pub fn without_default_rules(mut self) -> Self {
        self.default_rules = false;
        self
    }
}

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    NodeExporter,
    Alertmanager(usize),
    Prometheus,
}

struct Server {
    role: Role,
    name: String,
    port: u16,
    /// The Alertmanager's cluster (gossip) port; 0 when not clustered.
    cluster_port: u16,
    child: Option<Child>,
    log: PathBuf,
    /// Where this start's output begins in the log.
    log_offset: u64,
}

/// Kills the servers' process groups if the test process dies without
/// dropping the stack (Ctrl-C, SIGKILL, abort): it reads `+pgid`/`-pgid` lines
/// and, at end of input, kills the groups still listed.
struct Watchdog {
    child: Child,
    stdin: Option<ChildStdin>,
}

const WATCHDOG_SCRIPT: &str = r#"pgs=" "
while IFS= read -r line; do
  case $line in
    +*) pgs="$pgs${line#+} " ;;
    -*) pgs=${pgs/ ${line#-} / } ;;
  esac
done
for pg in $pgs; do kill -s KILL -- "-$pg" 2>/dev/null; done
"#;

impl Watchdog {
    fn start() -> Watchdog {
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start the watchdog (bash)");
        let stdin = child.stdin.take();
        Watchdog { child, stdin }
    }

    fn send(&mut self, line: String) {
        if let Some(stdin) = &mut self.stdin {
            let _ = stdin.write_all(line.as_bytes());
            let _ = stdin.flush();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.wait();
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
    dir: PathBuf,
    token: String,
    options: StackOptions,
    servers: Vec<Server>,
    watchdog: Watchdog,
}

static STACKS: AtomicU32 = AtomicU32::new(0);

impl Stack {
    /// Starts node_exporter, the Alertmanagers and Prometheus, and returns
    /// once each answers its readiness check (and, with several
    /// Alertmanagers, once they see each other in the cluster). Panics with
    /// the tail of a server's log when it fails.
    pub fn start(options: StackOptions) -> Stack {
        let binaries = [
            bin("prometheus"),
            bin("alertmanager"),
            bin("prometheus-node-exporter"),
        ];
        let templates = Path::new(ALERTMANAGER_TEMPLATES).join("default.tmpl");
        if binaries[1].ends_with("prometheus-alertmanager") && !templates.is_file() {
            panic!(
                "{} is missing: Debian's Alertmanager exits without its templates: {HOW_TO_GET}",
                templates.display()
            );
        }

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
        // node_exporter serves this, so readiness can tell it is ours.
        fs::write(
            dir.join("textfile/opsdeck_stack.prom"),
            format!("opsdeck_test_stack{{stack=\"{token}\"}} 1\n"),
        )
        .expect("write the textfile marker");
        if options.default_rules {
            fs::write(dir.join("rules/default.yml"), DEFAULT_RULES).expect("write rules");
        }
        if let Some(rules) = &options.rules {
            fs::write(dir.join("rules/extra.yml"), rules).expect("write rules");
        }
        let clustered = options.alertmanagers > 1;
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

        // node_exporter, the first Alertmanager and Prometheus start together;
        // the other Alertmanagers once the first listens, so they join it at once.
        let node = stack.index(Role::NodeExporter);
        let prometheus = stack.index(Role::Prometheus);
        stack.spawn(node);
        let mut moved = false;
        if stack.options.alertmanagers > 0 {
            let first = stack.index(Role::Alertmanager(0));
            stack.spawn(first);
            stack.spawn(prometheus);
            moved |= stack.ready_or_move(first);
            for i in 1..stack.options.alertmanagers {
                let am = stack.index(Role::Alertmanager(i));
                stack.spawn(am);
                moved |= stack.ready_or_move(am);
            }
        } else {
            stack.spawn(prometheus);
        }
        moved |= stack.ready_or_move(node);
        if moved {
            // Prometheus's configuration names the old ports.
            stack.kill(prometheus);
            stack.spawn(prometheus);
        }
        stack.ready_or_move(prometheus);

        if clustered {
            let count = stack.options.alertmanagers;
            for url in stack.alertmanagers.clone() {
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
        stack
    }

    /// The stack's temporary folder (configurations, data, logs). Kept when
    /// the test panics, or always with `OPSDECK_KEEP_TEST_SERVERS=1`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// node_exporter's textfile collector folder: `*.prom` files written here
    /// appear in its `/metrics`.
    pub fn textfile_dir(&self) -> PathBuf {
        self.dir.join("textfile")
    }

    /// The whole log of a server: `prometheus`, `alertmanager-N` or
    /// `node_exporter`.
    pub fn log(&self, name: &str) -> String {
        fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }

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

    /// SIGKILLs Prometheus (its TSDB keeps what its WAL had).
    pub fn stop_prometheus(&mut self) {
        let index = self.index(Role::Prometheus);
        self.kill(index);
    }

    /// Starts Prometheus again on the same port and data, and waits until it
    /// is ready.
    pub fn start_prometheus(&mut self) {
        let index = self.index(Role::Prometheus);
        self.restart(index);
    }

    /// SIGKILLs node_exporter.
    pub fn stop_node_exporter(&mut self) {
        let index = self.index(Role::NodeExporter);
        self.kill(index);
    }

    /// Starts node_exporter again on the same port.
    pub fn start_node_exporter(&mut self) {
        let index = self.index(Role::NodeExporter);
        self.restart(index);
    }

    fn index(&self, role: Role) -> usize {
        self.servers
            .iter()
            .position(|s| s.role == role)
            .unwrap_or_else(|| panic!("no {role:?} in this stack"))
    }

    fn update_urls(&mut self) {
        let url = |port: u16| format!("http://127.0.0.1:{port}");
        self.alertmanagers.clear();
        for server in &self.servers {
            match server.role {
                Role::NodeExporter => self.node_exporter = url(server.port),
                Role::Alertmanager(_) => self.alertmanagers.push(url(server.port)),
                Role::Prometheus => self.prometheus = url(server.port),
            }
        }
    }

    fn command(&self, index: usize) -> Command {
        let server = &self.servers[index];
        let dir = &self.dir;
        let listen = format!("--web.listen-address=127.0.0.1:{}", server.port);
        match server.role {
            Role::NodeExporter => {
                let mut cmd = Command::new(bin("prometheus-node-exporter"));
                cmd.arg(listen)
                    .arg(format!(
                        "--collector.textfile.directory={}",
                        dir.join("textfile").display()
                    ))
                    // Debian enables it; there is no systemd here to ask.
                    .arg("--no-collector.systemd");
                cmd
            }
            Role::Alertmanager(i) => {
                let mut cmd = Command::new(bin("alertmanager"));
                cmd.arg(format!(
                    "--config.file={}",
                    dir.join("alertmanager.yml").display()
                ))
                .arg(format!(
                    "--storage.path={}",
                    dir.join(format!("alertmanager-{i}-data")).display()
                ))
                .arg(listen)
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
                    for other in &self.servers {
                        if matches!(other.role, Role::Alertmanager(j) if j != i) {
                            cmd.arg(format!("--cluster.peer=127.0.0.1:{}", other.cluster_port));
                        }
                    }
                }
                cmd
            }
            Role::Prometheus => {
                let mut cmd = Command::new(bin("prometheus"));
                cmd.arg(format!(
                    "--config.file={}",
                    dir.join("prometheus.yml").display()
                ))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join("prometheus-data").display()
                ))
                .arg(listen)
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
        }
    }

    fn prometheus_config(&self) -> String {
        let target = |role: Role| format!("'127.0.0.1:{}'", self.servers[self.index(role)].port);
        let mut config = format!(
            "# {}\n\
             global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - {}/*.yml\n\
             scrape_configs:\n\
             \x20 - job_name: prometheus\n    static_configs:\n      - targets: [{}]\n\
             \x20 - job_name: node\n    static_configs:\n      - targets: [{}]\n",
            self.token,
            self.dir.join("rules").display(),
            target(Role::Prometheus),
            target(Role::NodeExporter),
        );
        if self.options.alertmanagers > 0 {
            let targets: Vec<String> = (0..self.options.alertmanagers)
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

    fn spawn(&mut self, index: usize) {
        if self.servers[index].role == Role::Prometheus {
            fs::write(self.dir.join("prometheus.yml"), self.prometheus_config())
                .expect("write prometheus.yml");
        }
        let mut cmd = self.command(index);
        let server = &mut self.servers[index];
        let mut log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&server.log)
            .expect("open the server's log");
        server.log_offset = log.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = writeln!(log, "=== {cmd:?}");
        cmd.current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log file"))
            .stderr(log)
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", server.name));
        self.watchdog.send(format!("+{}\n", child.id()));
        server.child = Some(child);
    }

    fn kill(&mut self, index: usize) {
        let server = &mut self.servers[index];
        if let Some(mut child) = server.child.take() {
            let pid = Pid::from_raw(child.id() as i32);
            if killpg(pid, Signal::SIGKILL).is_err() {
                let _ = kill(pid, Signal::SIGKILL);
            }
            let _ = child.wait();
            self.watchdog.send(format!("-{pid}\n"));
        }
    }

    /// Starts a stopped server again on the same ports; retries a few times
    /// while the port is still taken.
    fn restart(&mut self, index: usize) {
        self.kill(index);
        for _ in 0..10 {
            self.spawn(index);
            if self.wait_ready(index) {
                return;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        panic!(
            "{}: its port stayed in use\n{}",
            self.servers[index].name,
            self.tail(index)
        );
    }

    /// Waits until the server is ready; when it could not bind its port,
    /// starts it again on new ports and returns true (the URLs changed).
    fn ready_or_move(&mut self, index: usize) -> bool {
        let mut moved = false;
        for _ in 0..5 {
            if self.wait_ready(index) {
                return moved;
            }
            let server = &mut self.servers[index];
            server.port = free_port();
            if server.cluster_port != 0 {
                server.cluster_port = free_port();
            }
            self.update_urls();
            self.spawn(index);
            moved = true;
        }
        panic!(
            "{}: no free port after 5 tries\n{}",
            self.servers[index].name,
            self.tail(index)
        );
    }

    /// True once the server answers its readiness check as this stack's;
    /// false when it exited because its port was taken; panics otherwise.
    fn wait_ready(&mut self, index: usize) -> bool {
        let start = Instant::now();
        loop {
            if self.is_ready(index) {
                return true;
            }
            let server = &mut self.servers[index];
            let child = server.child.as_mut().expect("server was started");
            if let Ok(Some(status)) = child.try_wait() {
                let pid = child.id();
                server.child = None;
                self.watchdog.send(format!("-{pid}\n"));
                if self
                    .this_start_log(index)
                    .contains("address already in use")
                {
                    return false;
                }
                panic!(
                    "{} exited ({status}) before it was ready\n{}",
                    self.servers[index].name,
                    self.tail(index)
                );
            }
            if start.elapsed() > READY_TIMEOUT {
                panic!(
                    "{} not ready after {READY_TIMEOUT:?}\n{}",
                    self.servers[index].name,
                    self.tail(index)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ready, and really this stack's server (not another one that took
    /// the port): node_exporter serves the stack's textfile marker,
    /// Alertmanager and Prometheus show paths in the stack's folder (a
    /// templates glob, the TSDB path).
    fn is_ready(&self, index: usize) -> bool {
        let server = &self.servers[index];
        let base = format!("http://127.0.0.1:{}", server.port);
        match server.role {
            Role::NodeExporter => matches!(
                try_http_get(&format!("{base}/metrics")),
                Ok((200, body)) if body.contains(&self.token)
            ),
            Role::Alertmanager(_) => {
                matches!(try_http_get(&format!("{base}/-/ready")), Ok((200, _)))
                    && matches!(
                        try_http_get(&format!("{base}/api/v2/status")),
                        Ok((200, body)) if body.contains(&self.token)
                    )
            }
            Role::Prometheus => {
                matches!(try_http_get(&format!("{base}/-/ready")), Ok((200, _)))
                    && matches!(
                        try_http_get(&format!("{base}/api/v1/status/flags")),
                        Ok((200, body)) if body.contains(&self.token)
                    )
            }
        }
    }

    fn this_start_log(&self, index: usize) -> String {
        let server = &self.servers[index];
        let log = fs::read(&server.log).unwrap_or_default();
        let from = (server.log_offset as usize).min(log.len());
        String::from_utf8_lossy(&log[from..]).into_owned()
    }

    fn tail(&self, index: usize) -> String {
        let log = self.this_start_log(index);
        let lines: Vec<&str> = log.lines().collect();
        let from = lines.len().saturating_sub(40);
        format!(
            "--- last lines of {} ---\n{}",
            self.servers[index].log.display(),
            lines[from..].join("\n")
        )
    }
}

impl Server {
    fn new(role: Role, dir: &Path, clustered: bool) -> Server {
        let name = match role {
            Role::NodeExporter => "node_exporter".to_string(),
            Role::Alertmanager(i) => format!("alertmanager-{i}"),
            Role::Prometheus => "prometheus".to_string(),
        };
        let cluster_port = if clustered && matches!(role, Role::Alertmanager(_)) {
            free_port()
        } else {
            0
        };
        Server {
            role,
            log: dir.join(format!("{name}.log")),
            name,
            port: free_port(),
            cluster_port,
            child: None,
            log_offset: 0,
        }
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
