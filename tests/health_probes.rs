//! Health probes against real servers on 127.0.0.1: a Python HTTP server
//! told to answer, fail with 500 (echoing the token it was sent), answer
//! slowly or stall, and to serve HTTPS with a self-signed certificate made
//! here by openssl that expires in 5 days; a real TCP listener, opened and
//! closed; real commands exiting 0, 1 and 2, and one that does not exist.

use opsdeck::engine::health::{CheckSpec, Probe, Verdict};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "hc-s3cret-token-77";

struct Server {
    child: Child,
    port: u16,
    mode: PathBuf,
}

impl Server {
    fn start(dir: &Path, tls: Option<(&Path, &Path)>) -> Server {
        let mode = dir.join("mode");
        std::fs::write(&mode, "up").unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/health/server.py");
        let mut command = Command::new("python3");
        command.arg(script).arg(&mode);
        if let Some((cert, key)) = tls {
            command.arg(cert).arg(key);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the test's health server (apt-get install python3)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the server prints its port");
        Server { child, port, mode }
    }

    fn set(&self, mode: &str) {
        std::fs::write(&self.mode, mode).unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("opsdeck-probes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spec(toml: &str) -> CheckSpec {
    let config = opsdeck::config::parse(toml, "test.toml").expect("valid check");
    config.health_checks()[0].clone()
}

/// One probe, as the dashboard runs it.
fn probe(spec: &CheckSpec) -> Probe {
    let hidden: Vec<String> = Vec::new();
    let client = opsdeck::runtime::health::client_for(spec);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(opsdeck::runtime::health::probe(
        spec,
        client.as_ref(),
        &hidden,
    ))
}

fn texts(p: &Probe) -> Vec<(Verdict, String)> {
    p.conditions
        .iter()
        .map(|c| (c.verdict, c.text.clone()))
        .collect()
}

#[test]
fn http_answers_fails_is_slow_and_stalls_and_the_token_it_echoes_stays_hidden() {
    let dir = temp("http");
    std::fs::write(dir.join("token"), TOKEN).unwrap();
    let server = Server::start(&dir, None);
    let check = spec(&format!(
        r#"
[[health_check]]
name = "api"
kind = "http"
url = "http://127.0.0.1:{}/health"
timeout = "1s"
bearer_token_file = "{}"
expect = {{ status = [200], body = '"status":\s*"UP"', max_latency = "500ms" }}
"#,
        server.port,
        dir.join("token").display()
    ));
    let up = probe(&check);
    assert_eq!(up.verdict(), Verdict::Pass, "{up:?}");
    let got = texts(&up);
    assert_eq!(got[0], (Verdict::Pass, "status 200".into()));
    assert_eq!(got[1], (Verdict::Pass, "body matches".into()));
    assert!(
        got[2].1.starts_with("latency ") && got[2].1.ends_with("≤ 500 ms"),
        "{got:?}"
    );

    server.set("500");
    let failed = probe(&check);
    assert_eq!(failed.verdict(), Verdict::Fail);
    assert_eq!(
        texts(&failed)[0],
        (Verdict::Fail, "status 500 (want 200)".into())
    );
    let shown = format!("{failed:?}");
    assert!(
        !shown.contains(TOKEN),
        "the echoed token is not kept: {shown}"
    );

    // `opsdeck snapshot` judges it the same way, and shows no token either.
    let config = dir.join("opsdeck.toml");
    std::fs::write(
        &config,
        format!(
            "[general]\nhost_rules = false\n[[health_check]]\nname = \"api\"\nkind = \"http\"\nurl = \"http://127.0.0.1:{}/health\"\nbearer_token_file = \"{}\"\n",
            server.port,
            dir.join("token").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("-c")
        .arg(&config)
        .args(["snapshot", "--format", "json"])
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .unwrap();
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json.contains("status 500 (want 2xx)"), "{json}");
    assert!(!json.contains(TOKEN) && !String::from_utf8_lossy(&out.stderr).contains(TOKEN));

    server.set("slow");
    let slow = probe(&check);
    assert_eq!(slow.verdict(), Verdict::Warn, "{slow:?}");
    // "latency 712 ms > 500 ms": at least the server's 0.7 s, however loaded.
    let cause = slow.cause();
    let ms: u64 = cause
        .strip_prefix("latency ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{cause}"));
    assert!(ms >= 700 && cause.ends_with("> 500 ms"), "{cause}");

    server.set("stall");
    let began = Instant::now();
    let stalled = probe(&check);
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(
        stalled.error.as_deref(),
        Some("timed out after 1s"),
        "{stalled:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn https_reads_the_certificate_and_warns_days_before_it_expires() {
    let dir = temp("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "5", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        // A server's certificate, not a CA's (rustls refuses a CA as the
        // end entity); trusted through ca_file all the same.
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl makes the test's certificate (apt-get install openssl)");
    assert!(made.success());
    let server = Server::start(&dir, Some((&cert, &key)));
    let check = spec(&format!(
        r#"
[[health_check]]
name = "tls"
kind = "http"
url = "https://127.0.0.1:{}/health"
ca_file = "{}"
"#,
        server.port,
        cert.display()
    ));
    let p = probe(&check);
    assert_eq!(p.verdict(), Verdict::Warn, "{p:?}");
    assert!(
        p.cause()
            .starts_with("certificate expires in 4.9 d (< 14 d)")
            || p.cause()
                .starts_with("certificate expires in 5.0 d (< 14 d)"),
        "{}",
        p.cause()
    );
    let left = p.certificate_expiry.unwrap() - chrono::Utc::now();
    assert!(
        left > chrono::Duration::days(4) && left <= chrono::Duration::days(5),
        "{left}"
    );
    // Without the CA, the handshake fails and says so.
    let untrusted = spec(&format!(
        "[[health_check]]\nname = \"tls\"\nkind = \"http\"\nurl = \"https://127.0.0.1:{}/health\"\n",
        server.port
    ));
    let p = probe(&untrusted);
    assert!(
        p.error
            .as_deref()
            .unwrap_or("")
            .contains("TLS handshake failed"),
        "{p:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tcp_connects_and_is_refused_once_the_listener_closes() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let check = spec(&format!(
        "[[health_check]]\nname = \"pg\"\nkind = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n"
    ));
    let up = probe(&check);
    assert_eq!(texts(&up), [(Verdict::Pass, "connected".into())]);
    assert!(up.latency.is_some());
    drop(listener);
    let down = probe(&check);
    assert_eq!(down.error.as_deref(), Some("connection refused"));
}

#[test]
fn a_command_passes_warns_fails_and_one_that_does_not_exist_is_named() {
    let check = |script: &str| {
        spec(&format!(
            "[[health_check]]\nname = \"c\"\nkind = \"command\"\ncommand = [\"sh\", \"-c\", \"{script}\"]\n"
        ))
    };
    let ok = probe(&check("echo fresh; exit 0"));
    assert_eq!(texts(&ok), [(Verdict::Pass, "exit 0: fresh".into())]);
    let warn = probe(&check("echo backup 30h old; exit 1"));
    assert_eq!(
        texts(&warn),
        [(Verdict::Warn, "exit 1: backup 30h old".into())]
    );
    let fail = probe(&check("echo no backup at all >&2; exit 2"));
    assert_eq!(
        texts(&fail),
        [(Verdict::Fail, "exit 2: no backup at all".into())]
    );
    let missing = spec(
        "[[health_check]]\nname = \"m\"\nkind = \"command\"\ncommand = [\"/nonexistent/check_backup\"]\n",
    );
    let p = probe(&missing);
    assert!(
        p.error
            .as_deref()
            .unwrap()
            .contains("/nonexistent/check_backup"),
        "{p:?}"
    );
}
