//! What every server needs: finding its binary, a free port, and waiting.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a server may take to answer its readiness check.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// What a test that lacks a server tells its reader to do.
pub(super) const HOW_TO_GET: &str = "run scripts/test-servers (it fetches Debian's prometheus, \
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
/// it before the server binds, which [`Stack::start`](super::Stack::start)
/// detects and retries.
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
