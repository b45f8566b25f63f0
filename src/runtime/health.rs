//! Health probes at run time: each due probe (`app::health::Effect::Probe`)
//! runs on the event loop's LocalSet within its check's timeout (waiting on a
//! socket or a child is not work), and its result comes back as a message. A
//! probe that cannot even start (refused, DNS, TLS, command not found) ends
//! with that error named, as a failed probe.

use crate::app::Msg;
use crate::app::health::Msg as HealthMsg;
use crate::collect::http::{HttpClient, url_for_display};
use crate::engine::health::{CheckSpec, Condition, HttpProbe, Probe, ProbeSpec, Verdict};
use crate::engine::tasks::Exit;
use chrono::{DateTime, Utc};
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The checks and what probes them.
#[derive(Clone)]
pub struct Prober {
    checks: Rc<Vec<(CheckSpec, Result<HttpClient, String>)>>,
    hidden_env: Rc<Vec<String>>,
    tx: mpsc::Sender<Msg>,
}

impl Prober {
    /// Builds the HTTP checks' clients (TLS reads the CA store: after the
    /// first frame, as the remote sources').
    pub fn new(checks: &[CheckSpec], hidden_env: Vec<String>, tx: mpsc::Sender<Msg>) -> Prober {
        let checks = checks
            .iter()
            .map(|spec| (spec.clone(), client_for(spec)))
            .collect();
        Prober {
            checks: Rc::new(checks),
            hidden_env: Rc::new(hidden_env),
            tx,
        }
    }

    /// Probes check `check` and reports back.
    pub fn probe(&self, check: usize) {
        let this = self.clone();
        tokio::task::spawn_local(async move {
            let Some((spec, client)) = this.checks.get(check) else {
                return;
            };
            let probe = probe(spec, client.as_ref(), &this.hidden_env).await;
            let _ = this
                .tx
                .send(Msg::Health(HealthMsg::Probed { check, probe }))
                .await;
        });
    }
}

/// An HTTP check's client (the others need none: their `Err` is never read).
pub fn client_for(spec: &CheckSpec) -> Result<HttpClient, String> {
    match &spec.probe {
        ProbeSpec::Http(http) => super::remote::http_client(&http.connection, true),
        _ => Err(String::new()),
    }
}

/// One probe of `spec`, now.
pub async fn probe(
    spec: &CheckSpec,
    client: Result<&HttpClient, &String>,
    hidden_env: &[String],
) -> Probe {
    let at = Utc::now();
    let began = Instant::now();
    let mut probe = match &spec.probe {
        ProbeSpec::Http(http) => match client {
            Ok(client) => http_probe(http, client, at).await,
            Err(why) => failed(at, why.clone()),
        },
        ProbeSpec::Tcp(address) => tcp_probe(address, spec.timeout, at).await,
        ProbeSpec::Command(argv) => command_probe(argv, spec.timeout, hidden_env, at).await,
    };
    if let (Some(bound), Some(latency)) = (spec.max_latency, probe.latency)
        && probe.error.is_none()
    {
        let ms = |d: Duration| format!("{} ms", d.as_millis());
        probe.conditions.push(if latency > bound {
            Condition::new(
                Verdict::Warn,
                format!("latency {} > {}", ms(latency), ms(bound)),
            )
        } else {
            Condition::new(
                Verdict::Pass,
                format!("latency {} ≤ {}", ms(latency), ms(bound)),
            )
        });
    }
    probe.took = began.elapsed();
    probe
}

fn failed(at: DateTime<Utc>, why: String) -> Probe {
    Probe {
        at,
        error: Some(why),
        ..Probe::default()
    }
}

async fn http_probe(http: &HttpProbe, client: &HttpClient, at: DateTime<Utc>) -> Probe {
    let url = match reqwest::Url::parse(&http.url) {
        Ok(url) => url,
        Err(e) => return failed(at, format!("invalid url: {e}")),
    };
    let answer = match client.probe(&url, &http.headers).await {
        Ok(answer) => answer,
        Err(e) => {
            // The row names the check's URL already.
            let text = e.to_string();
            let shown = url_for_display(&url);
            let why = text.strip_prefix(&format!("{shown}: ")).unwrap_or(&text);
            return failed(at, why.to_string());
        }
    };
    let mut conditions = Vec::new();
    let status_ok = if http.status.is_empty() {
        (200..300).contains(&answer.status)
    } else {
        http.status.contains(&answer.status)
    };
    let want = if http.status.is_empty() {
        "2xx".to_string()
    } else {
        let codes: Vec<String> = http.status.iter().map(u16::to_string).collect();
        codes.join(" or ")
    };
    conditions.push(if status_ok {
        Condition::new(Verdict::Pass, format!("status {}", answer.status))
    } else {
        Condition::new(
            Verdict::Fail,
            format!("status {} (want {want})", answer.status),
        )
    });
    if let Some(pattern) = &http.body {
        let body = String::from_utf8_lossy(&answer.body);
        conditions.push(if pattern.0.is_match(&body) {
            Condition::new(Verdict::Pass, "body matches")
        } else {
            Condition::new(
                Verdict::Fail,
                format!("body does not match /{}/", pattern.0.as_str()),
            )
        });
    }
    if let Some(expiry) = answer.certificate_expiry {
        conditions.push(certificate(expiry, http.certificate_min_valid, at));
    }
    Probe {
        at,
        latency: Some(answer.latency),
        conditions,
        error: None,
        certificate_expiry: answer.certificate_expiry,
        took: Duration::ZERO,
    }
}

/// `certificate 41 d`, or a warning when it expires within `min_valid`.
fn certificate(expiry: DateTime<Utc>, min_valid: Duration, now: DateTime<Utc>) -> Condition {
    let left = expiry - now;
    let days = left.num_hours() as f64 / 24.0;
    let min_days = min_valid.as_secs() / 86400;
    if left <= chrono::Duration::zero() {
        Condition::new(
            Verdict::Fail,
            format!("certificate expired {}", expiry.format("%Y-%m-%d")),
        )
    } else if left.to_std().is_ok_and(|l| l < min_valid) {
        Condition::new(
            Verdict::Warn,
            format!("certificate expires in {days:.1} d (< {min_days} d)"),
        )
    } else {
        Condition::new(Verdict::Pass, format!("certificate {days:.0} d"))
    }
}

async fn tcp_probe(address: &str, timeout: Duration, at: DateTime<Utc>) -> Probe {
    let start = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
        Ok(Ok(_stream)) => Probe {
            at,
            latency: Some(start.elapsed()),
            conditions: vec![Condition::new(Verdict::Pass, "connected")],
            ..Probe::default()
        },
        Ok(Err(e)) => failed(at, connect_error(&e)),
        Err(_) => failed(
            at,
            format!(
                "connect timed out after {}",
                crate::config::duration::short(timeout)
            ),
        ),
    }
}

fn connect_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        _ => {
            // "Connection reset by peer (os error 104)": the words, not the number.
            let text = e.to_string();
            let words = text.split(" (os error").next().unwrap_or(&text);
            words.to_lowercase()
        }
    }
}

async fn command_probe(
    argv: &[String],
    timeout: Duration,
    hidden_env: &[String],
    at: DateTime<Utc>,
) -> Probe {
    let outcome = super::process::run_plain(argv, timeout, hidden_env).await;
    let said = outcome
        .output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", crate::collect::http::one_line(l, 120)))
        .unwrap_or_default();
    let latency = Some(outcome.duration);
    let condition = match outcome.exit {
        Exit::Code(0) => Condition::new(Verdict::Pass, format!("exit 0{said}")),
        Exit::Code(1) => Condition::new(Verdict::Warn, format!("exit 1{said}")),
        Exit::Code(code) => Condition::new(Verdict::Fail, format!("exit {code}{said}")),
        Exit::Signal(sig) => Condition::new(Verdict::Fail, format!("killed by signal {sig}")),
        Exit::TimedOut => {
            return failed(
                at,
                format!(
                    "timed out after {}",
                    crate::config::duration::short(timeout)
                ),
            );
        }
        Exit::Cancelled => return failed(at, "cancelled".into()),
        Exit::SpawnFailed(why) => return failed(at, why),
    };
    Probe {
        at,
        latency,
        conditions: vec![condition],
        ..Probe::default()
    }
}

/// One probe of each check, all at once (for `snapshot`), in config order.
pub fn probe_all_once(checks: &[CheckSpec], hidden_env: &[String]) -> anyhow::Result<Vec<Probe>> {
    if checks.is_empty() {
        return Ok(Vec::new());
    }
    let clients: Vec<Result<HttpClient, String>> = checks.iter().map(client_for).collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let probes = checks
        .iter()
        .zip(&clients)
        .map(|(spec, client)| probe(spec, client.as_ref(), hidden_env));
    Ok(rt.block_on(futures_util::future::join_all(probes)))
}
