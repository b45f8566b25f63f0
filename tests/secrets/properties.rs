//! For any body a server may send, whatever its status and shape, holding a
//! configured secret (as sent, base64 in a Basic header, or inside JSON), no
//! rendered error, poll failure or log line contains it.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use opsdeck::collect::alertmanager::AlertmanagerClient;
use opsdeck::collect::http::{Auth, HttpClient, HttpOptions, Secret};
use opsdeck::collect::prometheus::PrometheusClient;
use opsdeck::runtime::remote::{Poller, poll_once};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use reqwest::Url;

use super::{Body, Echo, assert_hidden};

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Do not write proptest-regressions files into the repository.
        failure_persistence: None,
        ..Config::default()
    }
}

/// One fake for every case; each case sets its answer.
fn server() -> &'static Echo {
    static SERVER: OnceLock<Echo> = OnceLock::new();
    SERVER.get_or_init(|| Echo::start(500))
}

/// Logging as the dashboard sets it up, into a file of this process.
fn log_file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let file = std::env::temp_dir().join(format!("opsdeck-secrets-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&file);
        assert_eq!(opsdeck::runtime::logging::init(&file), None);
        file
    })
}

/// Tokens and passwords as people write them.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~+/=!@#$%^&*-]{8,40}"
}

/// Anything at all around the secret: escapes, quotes, line breaks.
fn filler() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..80).prop_map(|v| v.into_iter().collect())
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Plain,
    Html,
    PrometheusError,
    PrometheusErrorType,
    /// A success envelope whose data has the wrong type: serde's message
    /// quotes the value.
    PrometheusWrongType,
    AlertmanagerMessage,
    JsonString,
}

fn shape() -> impl Strategy<Value = Shape> {
    select(vec![
        Shape::Plain,
        Shape::Html,
        Shape::PrometheusError,
        Shape::PrometheusErrorType,
        Shape::PrometheusWrongType,
        Shape::AlertmanagerMessage,
        Shape::JsonString,
    ])
}

fn body(shape: Shape, text: &str) -> Body {
    use serde_json::json;
    let (content_type, bytes) = match shape {
        Shape::Plain => ("text/plain", text.to_owned()),
        Shape::Html => ("text/html", format!("<html><pre>{text}</pre></html>")),
        Shape::PrometheusError => (
            "application/json",
            json!({"status": "error", "errorType": "internal", "error": text}).to_string(),
        ),
        Shape::PrometheusErrorType => (
            "application/json",
            json!({"status": "error", "errorType": text, "error": "x"}).to_string(),
        ),
        Shape::PrometheusWrongType => (
            "application/json",
            json!({"status": "success", "data": {"alerts": text}}).to_string(),
        ),
        Shape::AlertmanagerMessage => (
            "application/json",
            json!({"code": 401, "message": text}).to_string(),
        ),
        Shape::JsonString => ("application/json", json!(text).to_string()),
    };
    Body::Fixed {
        content_type: Some(content_type.into()),
        bytes: bytes.into_bytes(),
    }
}

/// Every error the clients make of the answer, rendered, and the poll
/// failures (which also cover a 200 that is not metrics).
async fn rendered(http: HttpClient) -> Vec<String> {
    let base = Url::parse(&server().url("/")).expect("URL");
    let metrics = base.join("metrics").expect("URL");
    let mut shown = Vec::new();
    if let Err(e) = http.get_metrics(&metrics).await {
        shown.push(format!("{e} | {e:?}"));
    }
    let prometheus = PrometheusClient::new("p", base.clone(), http.clone());
    if let Err(e) = prometheus.alerts().await {
        shown.push(format!("{e} | {e:?}"));
    }
    let alertmanager = AlertmanagerClient::new("a", vec![base], http.clone());
    if let Err(e) = alertmanager.alerts().await {
        shown.push(format!("{e} | {e:?}"));
    }
    let scrape = Poller::Scrape {
        http,
        url: metrics,
        max_size: 64 << 20,
        keep: Default::default(),
    };
    if let Err(f) = poll_once(
        &scrape,
        true,
        &mut opsdeck::runtime::remote::Sent::default(),
    )
    .await
    {
        shown.push(f.message);
    }
    shown
}

fn padded_base64(unpadded: &str) -> String {
    let pad = (4 - unpadded.len() % 4) % 4;
    format!("{unpadded}{}", "=".repeat(pad))
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn no_secret_survives_into_an_error_or_a_log_line(
        password in secret(),
        which in 0..4usize,
        shape in shape(),
        status in select(vec![200u16, 400, 401, 403, 404, 500, 502, 503]),
        before in filler(),
        after in filler(),
    ) {
        let user = "ops";
        let basic = opsdeck::secrets::base64(format!("{user}:{password}").as_bytes());
        let forms = vec![
            password.clone(),
            basic.clone(),
            opsdeck::secrets::base64(password.as_bytes()),
        ];
        let form = match which {
            0 => password.clone(),
            1 => format!("Authorization: Basic {}", padded_base64(&basic)),
            2 => format!("Bearer {password}"),
            _ => padded_base64(&forms[2]),
        };
        let text = format!("{before}{form}{after}");
        server().set(status, body(shape, &text));
        let http = HttpClient::new(HttpOptions {
            timeout: Duration::from_secs(5),
            auth: Auth::Basic { username: user.into(), password: Secret::new(password.clone()) },
            ..HttpOptions::default()
        })
        .expect("client");
        let log = log_file();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        let shown = rt.block_on(rendered(http));
        // What reqwest sent is what the forms say.
        let sent = server().authorization().pop().unwrap_or_default();
        prop_assert_eq!(sent, format!("Basic {}", padded_base64(&basic)));
        for line in &shown {
            assert_hidden("a rendered error", line, &forms);
            tracing::warn!("source failed: {line}");
        }
        // A line made of the server's text itself: the log layer cleans it.
        tracing::warn!(body = %text, "the server said");
        opsdeck::runtime::logging::move_events();
        let written = std::fs::read_to_string(log).expect("log file");
        assert_hidden("opsdeck.log", &written, &forms);
        prop_assert!(written.contains("the server said"));
    }
}
