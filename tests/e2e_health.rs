//! Health checks in the real binary, in tmux: a TCP check goes down when its
//! listener closes (pending, then down, with the error and the counters) and
//! up again when it reopens; an HTTP check whose server stalls never holds
//! up a key press; the token a failing server echoes is on no screen and in
//! no log.

mod tmux;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tmux::Tmux;

const SEEN: Duration = Duration::from_secs(20);
const TOKEN: &str = "e2e-hc-s3cret-41";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn checks_flip_with_their_causes_and_a_stalled_one_never_holds_up_a_key() {
    let dir = std::env::temp_dir().join(format!("opsdeck-e2e-health-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mode = dir.join("mode");
    std::fs::write(&mode, "500").unwrap();
    std::fs::write(dir.join("token"), TOKEN).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/health/server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(&mode)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the test's health server (apt-get install python3)");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let http_port: u16 = line.trim().parse().unwrap();
    let _server = Server(child);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_port = listener.local_addr().unwrap().port();
    let config = format!(
        r#"
[general]
host_rules = false

[[health_check]]
name = "pg"
kind = "tcp"
address = "127.0.0.1:{tcp_port}"
interval = "2s"
timeout = "1s"
retry_interval = "1s"
failure_threshold = 2
success_threshold = 2

[[health_check]]
name = "api"
kind = "http"
url = "http://127.0.0.1:{http_port}/health"
interval = "5s"
timeout = "4s"
bearer_token_file = "{token}"
"#,
        token = dir.join("token").display()
    );
    let config_path = dir.join("opsdeck.toml");
    std::fs::write(&config_path, config).unwrap();
    let t = Tmux::start(
        "health",
        &["-c", config_path.to_str().unwrap()],
        160,
        48,
        &[],
    );
    let screen = t.wait_text("status 500 (want 2xx)", SEEN);
    assert!(screen.contains("✓ up      pg"), "{screen}");
    assert!(!screen.contains(TOKEN), "{screen}");

    // The listener closes: pending below the threshold, then down.
    drop(listener);
    let screen = t.wait_text("✗ down    pg", SEEN);
    assert!(screen.contains("connection refused · "), "{screen}");
    assert!(
        screen.contains("Checks · 1 down") || screen.contains("Checks · 2 down"),
        "{screen}"
    );
    // Enter on it: the last probe and how it went down.
    t.send(&["G", "k", "Enter"]);
    let details = t.wait_text("Check pg: down", SEEN);
    for text in [
        "✗ connection refused",
        "down after 2 failures: connection refused",
        "up: first probe",
    ] {
        assert!(details.contains(text), "{text:?} in:\n{details}");
    }
    t.send(&["Escape"]);

    // The HTTP server stalls: its probe waits for 4s, the keys do not.
    std::fs::write(&mode, "stall").unwrap();
    // The key is pressed while a probe is held by the server, not before.
    let stalled = dir.join("mode.stalled");
    let began = Instant::now();
    while !stalled.exists() {
        assert!(
            began.elapsed() < SEEN,
            "no probe reached the stalled server"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let began = Instant::now();
    t.send(&["?"]);
    t.wait_text("Help · keys", Duration::from_secs(2));
    let took = began.elapsed();
    assert!(
        took < Duration::from_secs(1),
        "a key took {took:?} while a probe stalled"
    );
    t.send(&["Escape"]);

    // The listener is back: up again after two successes.
    let _back = std::net::TcpListener::bind(("127.0.0.1", tcp_port)).unwrap();
    t.wait_text("✓ up      pg", SEEN);

    let log = std::fs::read_to_string(t.state_dir().join("opsdeck.log")).unwrap();
    assert!(
        log.contains("check pg: pending → down: after 2 failures: connection refused"),
        "{log}"
    );
    assert!(!log.contains(TOKEN), "the token is in no log");
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}
