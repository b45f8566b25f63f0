//! Configured secrets (tokens, passwords, the Authorization values built from
//! them) never reach an error, the screen, `opsdeck snapshot` or the log file,
//! whatever a server sends back. The servers here are fakes on a raw TCP
//! listener that answer 401 or 500 with a body echoing the request's headers,
//! as a misconfigured proxy or a debugging endpoint does: a real Prometheus
//! never echoes a token.
//!
//! `clients.rs`: the HTTP layer, the Prometheus and Alertmanager clients, the
//! pollers and the notifier; `binary.rs`: `opsdeck snapshot` and the dashboard
//! in tmux; `properties.rs`: arbitrary bodies holding a secret.

mod binary;
mod clients;
mod properties;
#[path = "../tmux/mod.rs"]
mod tmux;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const TOKEN: &str = "tok-Echo-7f3a9c21e5d0";
pub const USER: &str = "oncall";
pub const PASSWORD: &str = "pw-Echo-b81d44c9";

/// What the fake answers.
#[derive(Clone)]
pub enum Body {
    /// The request's head (request line and headers) verbatim, shaped as the
    /// path's server would wrap an error: Prometheus's error envelope under
    /// `/api/v1/`, go-swagger's `{"code","message"}` under `/api/v2/`, plain
    /// text elsewhere.
    Echo,
    /// These bytes with this content type.
    Fixed {
        content_type: Option<String>,
        bytes: Vec<u8>,
    },
}

struct Answer {
    status: u16,
    body: Body,
}

/// A fake server; it lives as long as the test process.
pub struct Echo {
    pub addr: SocketAddr,
    answer: Arc<Mutex<Answer>>,
    authorization: Arc<Mutex<Vec<String>>>,
}

impl Echo {
    pub fn start(status: u16) -> Echo {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let answer = Arc::new(Mutex::new(Answer {
            status,
            body: Body::Echo,
        }));
        let authorization = Arc::new(Mutex::new(Vec::new()));
        let (a, seen) = (answer.clone(), authorization.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (a, seen) = (a.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &a, &seen));
            }
        });
        Echo {
            addr,
            answer,
            authorization,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, status: u16, body: Body) {
        *self.answer.lock().expect("lock") = Answer { status, body };
    }

    /// The Authorization values received so far.
    pub fn authorization(&self) -> Vec<String> {
        self.authorization.lock().expect("lock").clone()
    }
}

fn serve(stream: TcpStream, answer: &Mutex<Answer>, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            let value = line["authorization:".len()..].trim().to_owned();
            seen.lock().expect("lock").push(value);
        }
        head.push_str(&line);
    }
    let mut request_body = vec![0; length];
    let _ = reader.read_exact(&mut request_body);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let (status, body) = {
        let a = answer.lock().expect("lock");
        (a.status, a.body.clone())
    };
    let (content_type, bytes) = match body {
        Body::Echo => echo_body(&path, status, &head),
        Body::Fixed {
            content_type,
            bytes,
        } => (content_type, bytes),
    };
    let mut response = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        bytes.len()
    );
    if let Some(ct) = content_type {
        response.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    response.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.write_all(&bytes);
}

fn echo_body(path: &str, status: u16, head: &str) -> (Option<String>, Vec<u8>) {
    let json = |v: serde_json::Value| (Some("application/json".into()), v.to_string().into());
    if path.starts_with("/api/v1/") {
        json(serde_json::json!({
            "status": "error",
            "errorType": "bad_data",
            "error": format!("you sent: {head}"),
        }))
    } else if path.starts_with("/api/v2/") {
        json(serde_json::json!({ "code": status, "message": head }))
    } else {
        (Some("text/plain".into()), head.as_bytes().to_vec())
    }
}

/// The secrets as they may appear: as configured, and every Authorization
/// value a fake received (`Bearer ...`, `Basic <base64 of user:password>`),
/// with and without its `=` padding.
pub fn secret_forms(servers: &[&Echo]) -> Vec<String> {
    let mut forms = vec![TOKEN.to_owned(), PASSWORD.to_owned()];
    for server in servers {
        for value in server.authorization() {
            let credential = value.split_once(' ').map_or(value.as_str(), |(_, c)| c);
            forms.push(credential.trim_end_matches('=').to_owned());
        }
    }
    forms
}

/// Fails the test, naming what leaked and where, if `text` shows a secret.
pub fn assert_hidden(what: &str, text: &str, forms: &[String]) {
    for form in forms {
        assert!(
            !text.contains(form.as_str()),
            "{what} shows the secret {form:?}:\n{text}"
        );
    }
}

/// A temp directory of its own, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("opsdeck-secrets-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
