//! The shared HTTP layer: transport faults, statuses, size caps, auth.

use std::time::{Duration, Instant};

use opsdeck::collect::http::{HttpOptions, METRICS_ACCEPT, url_for_display};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{
    PASSWORD, TOKEN, assert_no_secrets, basic, bearer, client, client_with, closed_port_url,
    options, url,
};

const METRICS_GZ: &[u8] = include_bytes!("metrics.txt.gz");
/// 2 MiB of text that gzips to 6 KiB.
const BOMB_GZ: &[u8] = include_bytes!("bomb.txt.gz");

async fn metrics_server(body: ResponseTemplate) -> (MockServer, reqwest::Url) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metrics"))
        .respond_with(body)
        .mount(&server)
        .await;
    let target = url(&format!("{}/metrics", server.uri()));
    (server, target)
}

#[tokio::test]
async fn a_closed_port_is_down_and_named() {
    let target = closed_port_url();
    let err = client()
        .get_metrics(&target)
        .await
        .expect_err("nothing listens");
    assert_eq!(err.kind(), "down", "{err}");
    assert_eq!(err.to_string(), format!("{target}: connection refused"));
}

#[tokio::test]
async fn an_unknown_host_is_a_dns_error() {
    // `.invalid` never resolves (RFC 6761).
    let target = url("http://opsdeck-test.invalid:9090/metrics");
    let err = client()
        .get_metrics(&target)
        .await
        .expect_err("no such host");
    assert_eq!(err.kind(), "dns", "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{target}: DNS lookup failed: "))
    );
}

#[tokio::test]
async fn a_stalled_server_times_out_at_the_configured_timeout() {
    let (_server, target) =
        metrics_server(ResponseTemplate::new(200).set_delay(Duration::from_secs(30))).await;
    let http = client_with(HttpOptions {
        timeout: Duration::from_secs(1),
        ..options()
    });
    let started = Instant::now();
    let err = http.get_metrics(&target).await.expect_err("stalled");
    let took = started.elapsed();
    assert_eq!(err.kind(), "timeout", "{err}");
    assert_eq!(err.to_string(), format!("{target}: timed out after 1s"));
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_stall_mid_body_times_out_too() {
    // Headers and a first chunk, then silence: the timeout covers the body.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 1024];
        let _ = socket.read(&mut buf).await;
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nup 1\n";
        socket.write_all(head.as_bytes()).await.expect("write");
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let http = client_with(HttpOptions {
        timeout: Duration::from_secs(1),
        ..options()
    });
    let started = Instant::now();
    let err = http
        .get_metrics(&url(&format!("http://{addr}/metrics")))
        .await
        .expect_err("stalled body");
    assert_eq!(err.kind(), "timeout", "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    server.abort();
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_an_io_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 1024];
        let _ = socket.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nup 1\n";
        socket.write_all(head.as_bytes()).await.expect("write");
        // Dropping the socket closes it 95 bytes early.
    });
    let err = client()
        .get_metrics(&url(&format!("http://{addr}/metrics")))
        .await
        .expect_err("truncated body");
    assert_eq!(err.kind(), "io", "{err}");
    assert!(
        err.to_string().contains("reading the response failed"),
        "{err}"
    );
    server.abort();
}

#[tokio::test]
async fn a_500_shows_the_body_verbatim() {
    let (_server, target) =
        metrics_server(ResponseTemplate::new(500).set_body_string("oops\n")).await;
    let err = client().get_metrics(&target).await.expect_err("500");
    assert_eq!(err.kind(), "http 500");
    assert_eq!(
        err.to_string(),
        format!("{target}: 500 Internal Server Error: \"oops\"")
    );
}

#[tokio::test]
async fn tls_spoken_to_a_plain_http_port_says_so() {
    let server = MockServer::start().await;
    let target = url(&format!("https://{}/metrics", server.address()));
    let err = client().get_metrics(&target).await.expect_err("not TLS");
    assert_eq!(err.kind(), "tls", "{err}");
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("{target}: TLS handshake failed: ")),
        "{shown}"
    );
    assert!(shown.ends_with("(is this an http:// endpoint?)"), "{shown}");
}

#[tokio::test]
async fn gzip_bodies_are_negotiated_and_decoded() {
    let (server, target) = metrics_server(
        ResponseTemplate::new(200)
            .set_body_raw(METRICS_GZ, "text/plain; version=0.0.4; charset=utf-8")
            .insert_header("content-encoding", "gzip"),
    )
    .await;
    let body = client().get_metrics(&target).await.expect("scrape");
    let text = String::from_utf8(body.bytes).expect("utf-8");
    assert!(
        text.starts_with("# HELP up Whether the target is up.\n"),
        "{text}"
    );
    assert!(text.contains("node_load1 0.42\n"));
    assert_eq!(
        body.content_type.as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );

    let requests = server.received_requests().await.expect("recorded");
    let headers = &requests[0].headers;
    let accept = headers.get("accept").and_then(|v| v.to_str().ok());
    assert_eq!(accept, Some(METRICS_ACCEPT));
    assert!(METRICS_ACCEPT.starts_with("application/openmetrics-text;version=1.0.0,"));
    let encoding = headers.get("accept-encoding").and_then(|v| v.to_str().ok());
    assert!(encoding.unwrap_or("").contains("gzip"), "{encoding:?}");
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_decompressed_cap() {
    let (_server, target) = metrics_server(
        ResponseTemplate::new(200)
            .set_body_raw(BOMB_GZ, "text/plain")
            .insert_header("content-encoding", "gzip"),
    )
    .await;
    let err = client().get_metrics(&target).await.expect_err("over 1 MiB");
    assert_eq!(err.kind(), "too large");
    assert_eq!(
        err.to_string(),
        format!("{target}: response body over the 1 MiB limit")
    );

    let roomy = client_with(HttpOptions {
        max_body_bytes: 4 << 20,
        ..options()
    });
    let body = roomy.get_metrics(&target).await.expect("under 4 MiB");
    assert!(body.bytes.len() > 2 << 20);
}

#[tokio::test]
async fn a_plain_body_over_the_cap_is_refused() {
    let (_server, target) =
        metrics_server(ResponseTemplate::new(200).set_body_string("x".repeat(1001))).await;
    let small = client_with(HttpOptions {
        max_body_bytes: 1000,
        ..options()
    });
    let err = small.get_metrics(&target).await.expect_err("1001 > 1000");
    assert_eq!(
        err.to_string(),
        format!("{target}: response body over the 1000-byte limit")
    );
}

#[tokio::test]
async fn bearer_token_is_sent_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/metrics"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string("up 1\n"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/fail"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let http = client_with(HttpOptions {
        auth: bearer(),
        timeout: Duration::from_millis(500),
        ..options()
    });
    let ok = http
        .get_metrics(&url(&format!("{}/metrics", server.uri())))
        .await;
    assert_eq!(ok.expect("authorized").bytes, b"up 1\n");
    assert!(!format!("{http:?}").contains(TOKEN));

    for target in [url(&format!("{}/fail", server.uri())), closed_port_url()] {
        let err = http.get_metrics(&target).await.expect_err("fails");
        assert_no_secrets(&err);
    }
}

#[tokio::test]
async fn basic_auth_is_sent_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/metrics"))
        .and(header("authorization", "Basic Ym9iOmh1bnRlcjItcHcteDk="))
        .respond_with(ResponseTemplate::new(401).set_body_string("bad password"))
        .expect(1)
        .mount(&server)
        .await;
    let http = client_with(HttpOptions {
        auth: basic(),
        ..options()
    });
    let err = http
        .get_metrics(&url(&format!("{}/metrics", server.uri())))
        .await
        .expect_err("401");
    assert_eq!(err.kind(), "http 401");
    assert!(
        err.to_string()
            .contains("401 Unauthorized: \"bad password\""),
        "{err}"
    );
    assert_no_secrets(&err);
}

#[tokio::test]
async fn credentials_in_the_url_are_used_but_not_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/metrics"))
        .and(header("authorization", "Basic Ym9iOmh1bnRlcjItcHcteDk="))
        .respond_with(ResponseTemplate::new(500).set_body_string("no"))
        .expect(1)
        .mount(&server)
        .await;
    let with_userinfo = url(&format!(
        "http://bob:{PASSWORD}@{}/metrics",
        server.address()
    ));
    assert!(!url_for_display(&with_userinfo).contains(PASSWORD));
    let err = client().get_metrics(&with_userinfo).await.expect_err("500");
    assert_eq!(err.kind(), "http 500");
    assert!(
        err.to_string()
            .starts_with(&format!("http://{}/metrics:", server.address()))
    );
    assert_no_secrets(&err);

    let mut closed = closed_port_url();
    closed.set_username("bob").expect("userinfo");
    closed.set_password(Some(PASSWORD)).expect("userinfo");
    let err = client().get_metrics(&closed).await.expect_err("down");
    assert_no_secrets(&err);
}
