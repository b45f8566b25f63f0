//! The Prometheus API client against wiremock.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use opsdeck::collect::http::{HttpOptions, SourceError};
use opsdeck::collect::prometheus::{PromAlertState, PrometheusClient, QueryValue};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{TOKEN, assert_no_secrets, bearer, client, client_with, options, url};

async fn prom() -> (MockServer, PrometheusClient) {
    let server = MockServer::start().await;
    let prom = PrometheusClient::new("main", url(&server.uri()), client());
    (server, prom)
}

fn vector(result: serde_json::Value) -> serde_json::Value {
    json!({"status": "success", "data": {"resultType": "vector", "result": result}})
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().expect("valid time")
}

async fn mount(server: &MockServer, api_path: &str, response: ResponseTemplate) {
    Mock::given(path(api_path))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn instant_query_uses_get_with_query_and_time() {
    let (server, prom) = prom().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/query"))
        .and(query_param("query", "up{job=\"node\"}"))
        .and(query_param("time", "2024-05-01T10:00:00.000Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vector(json!([
            {"metric": {"__name__": "up", "job": "node"}, "value": [1714557600.5, "1"]}
        ]))))
        .expect(1)
        .mount(&server)
        .await;
    let answer = prom
        .query("up{job=\"node\"}", Some(at(1_714_557_600)))
        .await
        .expect("query");
    let QueryValue::Vector(samples) = answer.data else {
        panic!("vector expected: {:?}", answer.data)
    };
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].labels["job"], "node");
    assert_eq!(samples[0].value, 1.0);
    assert_eq!(samples[0].at.timestamp_millis(), 1_714_557_600_500);
    assert!(answer.warnings.is_empty());
}

#[tokio::test]
async fn nan_and_infinities_survive() {
    let (server, prom) = prom().await;
    let body = vector(json!([
        {"metric": {"i": "nan"}, "value": [1, "NaN"]},
        {"metric": {"i": "pinf"}, "value": [1, "+Inf"]},
        {"metric": {"i": "ninf"}, "value": [1, "-Inf"]},
        {"metric": {"i": "small"}, "value": [1, "1e-3"]},
    ]));
    mount(
        &server,
        "/api/v1/query",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let QueryValue::Vector(s) = prom.query("x", None).await.expect("query").data else {
        panic!("vector expected")
    };
    let values: Vec<f64> = s.iter().map(|s| s.value).collect();
    assert!(values[0].is_nan());
    assert_eq!(values[1..], [f64::INFINITY, f64::NEG_INFINITY, 0.001]);
}

#[tokio::test]
async fn long_queries_are_posted_as_a_form() {
    let (server, prom) = prom().await;
    mount(
        &server,
        "/api/v1/query_range",
        ResponseTemplate::new(200).set_body_json(json!({"status": "success", "data": {
            "resultType": "matrix",
            "result": [{"metric": {"job": "a"}, "values": [[1, "1"], [16, "2"]]}],
        }})),
    )
    .await;
    let long_expr = format!(
        "sum by (job) (rate(x{{job=~\"{}\"}}[5m]))",
        "a|".repeat(800)
    );
    let answer = prom
        .query_range(&long_expr, at(0), at(60), Duration::from_secs(15))
        .await
        .expect("range");
    assert_eq!(answer.data[0].points.len(), 2);
    assert_eq!(answer.data[0].points[1], (at(16), 2.0));

    let requests = server.received_requests().await.expect("recorded");
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.query(), None, "nothing in the URL");
    let content_type = request.headers.get("content-type").map(|v| v.to_str().ok());
    assert_eq!(
        content_type,
        Some(Some("application/x-www-form-urlencoded"))
    );
    let form = url(&format!(
        "http://form/?{}",
        String::from_utf8_lossy(&request.body)
    ));
    let fields: Vec<(String, String)> = form.query_pairs().into_owned().collect();
    assert_eq!(
        fields,
        [
            ("query".to_owned(), long_expr),
            ("start".to_owned(), "1970-01-01T00:00:00.000Z".to_owned()),
            ("end".to_owned(), "1970-01-01T00:01:00.000Z".to_owned()),
            ("step".to_owned(), "15".to_owned()),
        ]
    );
}

#[tokio::test]
async fn short_range_queries_stay_get() {
    let (server, prom) = prom().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/query_range"))
        .and(query_param("step", "0.5"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "success",
            "data": {"resultType": "matrix", "result": []}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let answer = prom
        .query_range("up", at(0), at(1), Duration::from_millis(500))
        .await;
    assert!(answer.expect("range").data.is_empty());
}

#[tokio::test]
async fn bad_data_is_typed_even_on_400() {
    let (server, prom) = prom().await;
    let body = json!({"status": "error", "errorType": "bad_data",
        "error": "invalid parameter \"query\": 1:5: parse error: unexpected <EOF>"});
    mount(
        &server,
        "/api/v1/query",
        ResponseTemplate::new(400).set_body_json(body),
    )
    .await;
    let err = prom.query("rate(", None).await.expect_err("bad query");
    assert_eq!(err.kind(), "bad_data");
    assert_eq!(
        err.to_string(),
        format!(
            "{}/api/v1/query: bad_data: invalid parameter \"query\": 1:5: parse error: unexpected <EOF>",
            server.uri()
        )
    );
    assert!(matches!(err, SourceError::Api { .. }));
}

#[tokio::test]
async fn other_error_types_are_typed_too() {
    for (status, error_type) in [(503, "unavailable"), (422, "execution"), (200, "timeout")] {
        let (server, prom) = prom().await;
        let body = json!({"status": "error", "errorType": error_type, "error": "it broke"});
        mount(
            &server,
            "/api/v1/query",
            ResponseTemplate::new(status).set_body_json(body),
        )
        .await;
        let err = prom.query("up", None).await.expect_err(error_type);
        assert_eq!(err.kind(), error_type);
        assert!(
            err.to_string()
                .ends_with(&format!(": {error_type}: it broke")),
            "{err}"
        );
    }
}

#[tokio::test]
async fn warnings_and_infos_are_surfaced() {
    let (server, prom) = prom().await;
    let mut body = vector(json!([]));
    body["warnings"] = json!(["partial response: store b is down"]);
    body["infos"] = json!(["PromQL info: metric might not be a counter"]);
    mount(
        &server,
        "/api/v1/query",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let answer = prom.query("x", None).await.expect("query");
    assert_eq!(answer.warnings, ["partial response: store b is down"]);
    assert_eq!(answer.infos, ["PromQL info: metric might not be a counter"]);
}

#[tokio::test]
async fn truncated_json_reports_where() {
    let (server, prom) = prom().await;
    let cut = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job""#;
    mount(
        &server,
        "/api/v1/query",
        ResponseTemplate::new(200).set_body_raw(cut, "application/json"),
    )
    .await;
    let err = prom.query("up", None).await.expect_err("cut short");
    assert_eq!(err.kind(), "bad json");
    let shown = err.to_string();
    assert!(
        shown.contains("malformed JSON: EOF while parsing"),
        "{shown}"
    );
    assert!(shown.contains("line 1 column 76"), "{shown}");
}

#[tokio::test]
async fn an_html_page_from_a_proxy_is_not_json() {
    let (server, prom) = prom().await;
    let page = "<!DOCTYPE html>\n<html>\n  <head><title>Sign in</title></head>\n  <body>\n    \
                <form action=\"/login\">Please sign in to continue to the monitoring portal</form>";
    mount(
        &server,
        "/api/v1/alerts",
        ResponseTemplate::new(200).set_body_raw(page, "text/html; charset=utf-8"),
    )
    .await;
    let err = prom.alerts().await.expect_err("login page");
    assert_eq!(err.kind(), "not json");
    assert_eq!(
        err.to_string(),
        format!(
            "{}/api/v1/alerts: expected JSON, got text/html; charset=utf-8: \
             <!DOCTYPE html> <html> <head><title>Sign in</title></head> <body> <form action=\"…",
            server.uri()
        )
    );
}

#[tokio::test]
async fn a_proxy_error_page_is_a_status_error() {
    let (server, prom) = prom().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    mount(
        &server,
        "/api/v1/targets",
        ResponseTemplate::new(502).set_body_raw(page, "text/html"),
    )
    .await;
    let err = prom.targets().await.expect_err("gateway");
    assert_eq!(err.kind(), "http 502");
    assert!(
        err.to_string().contains("502 Bad Gateway: \"<html>"),
        "{err}"
    );
}

#[tokio::test]
async fn alerts_decode_with_unknown_fields() {
    let (server, prom) = prom().await;
    let body = json!({"status": "success", "data": {"alerts": [
        {"labels": {"alertname": "HighLoad"}, "annotations": {"summary": "load"},
         "state": "firing", "activeAt": "2024-05-01T09:58:00.123456789Z", "value": "+Inf",
         "keepFiringSince": "2024-05-01T10:00:00Z"},
        {"labels": {"alertname": "Soon"}, "state": "pending", "value": "1e+00"}
    ], "groups": []}});
    mount(
        &server,
        "/api/v1/alerts",
        ResponseTemplate::new(200).set_body_json(body),
    )
    .await;
    let alerts = prom.alerts().await.expect("alerts").data;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0].state, PromAlertState::Firing);
    assert_eq!(alerts[0].value, f64::INFINITY);
    assert_eq!(&alerts[0].annotations["summary"], "load");
    let active = alerts[0].active_at.expect("activeAt");
    assert_eq!(active.timestamp_subsec_nanos(), 123_456_789);
    assert_eq!(alerts[1].state, PromAlertState::Pending);
    assert_eq!(alerts[1].active_at, None);
    assert!(alerts[1].annotations.is_empty());
}

#[tokio::test]
async fn targets_read_health_and_never_scraped() {
    let (server, prom) = prom().await;
    let body = json!({"status": "success", "data": {"activeTargets": [
        {"discoveredLabels": {"__address__": "a:9100"}, "labels": {"job": "node"},
         "scrapePool": "node", "scrapeUrl": "http://a:9100/metrics", "globalUrl": "http://a:9100/metrics",
         "lastError": "connection refused", "lastScrape": "0001-01-01T00:00:00Z",
         "lastScrapeDuration": 0, "health": "down", "scrapeInterval": "15s", "scrapeTimeout": "10s"},
        {"labels": {"job": "prom"}, "scrapeUrl": "http://b/metrics", "health": "up",
         "lastScrape": "2024-05-01T10:00:00Z"}
    ], "droppedTargets": []}});
    Mock::given(path("/api/v1/targets"))
        .and(query_param("state", "active"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let targets = prom.targets().await.expect("targets").data;
    assert_eq!(targets[0].health, "down");
    assert_eq!(targets[0].last_error, "connection refused");
    assert_eq!(targets[0].last_scrape, None, "Go's zero time means never");
    assert_eq!(targets[0].scrape_url, "http://a:9100/metrics");
    assert_eq!(targets[1].last_scrape, Some(at(1_714_557_600)));
    assert_eq!(targets[1].last_error, "");
}

#[tokio::test]
async fn a_path_prefix_and_the_bearer_token_are_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/prom/api/v1/status/buildinfo"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "success",
            "data": {"version": "2.42.0", "revision": "abc", "goVersion": "go1.19"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let http = client_with(HttpOptions {
        auth: bearer(),
        ..options()
    });
    let prom = PrometheusClient::new("main", url(&format!("{}/prom/", server.uri())), http);
    let info = prom.build_info().await.expect("build info").data;
    assert_eq!(info.version, "2.42.0");
    assert_eq!(info.branch, "");

    let err = prom.alerts().await.expect_err("no mock: 404");
    assert_eq!(err.kind(), "http 404");
    assert_no_secrets(&err);
}
