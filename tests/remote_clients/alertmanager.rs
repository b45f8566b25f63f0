//! The Alertmanager client: failover across members, silences, decoding.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use opsdeck::collect::alertmanager::{
    AlertmanagerClient, AmAlertState, Matcher, NewSilence, Silence, SilenceState,
};
use reqwest::Url;
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{client, closed_port_url, url};

fn am(members: Vec<Url>) -> AlertmanagerClient {
    AlertmanagerClient::new("prod", members, client())
}

fn member(server: &MockServer) -> Url {
    url(&format!("{}/", server.uri()))
}

async fn serving_alerts(body: serde_json::Value, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/alerts"))
        .and(query_param("active", "true"))
        .and(query_param("silenced", "true"))
        .and(query_param("inhibited", "true"))
        .and(query_param("unprocessed", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(times)
        .mount(&server)
        .await;
    server
}

async fn answering(status: u16, body: &str, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .expect(times)
        .mount(&server)
        .await;
    server
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn new_silence() -> NewSilence {
    NewSilence {
        matchers: vec![Matcher {
            name: "alertname".into(),
            value: "DiskFull".into(),
            is_regex: false,
            is_equal: true,
        }],
        starts_at: Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap(),
        ends_at: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
        created_by: "alice".into(),
        comment: "disk swap, INC-42".into(),
    }
}

#[tokio::test]
async fn reads_fail_over_from_a_dead_member_to_the_next() {
    let dead = closed_port_url();
    let live = serving_alerts(json!([]), 2).await;
    let am = am(vec![dead, member(&live)]);
    for _ in 0..2 {
        let read = am.alerts().await.expect("second member answers");
        assert_eq!(read.member, member(&live));
        assert!(read.value.is_empty());
    }
}

#[tokio::test]
async fn the_last_member_that_answered_is_asked_first() {
    let failing = answering(503, "\"not ready\"", 1).await;
    let live = serving_alerts(json!([]), 3).await;
    let am = am(vec![member(&failing), member(&live)]);
    for _ in 0..3 {
        assert_eq!(am.alerts().await.expect("read").member, member(&live));
    }
    // `failing` expects exactly one request: verified when dropped.
}

#[tokio::test]
async fn when_all_members_fail_each_error_is_listed() {
    let dead = closed_port_url();
    let broken = answering(500, "\"db locked\"", 1).await;
    let am = am(vec![dead.clone(), member(&broken)]);
    let err = am.silences().await.expect_err("all down");
    assert_eq!(err.kind(), "all failed");
    assert_eq!(
        err.to_string(),
        format!(
            "alertmanager prod: all 2 members failed: {dead}api/v2/silences: connection refused; \
             {}api/v2/silences: 500 Internal Server Error: \"db locked\"",
            member(&broken)
        )
    );
}

#[tokio::test]
async fn create_silence_posts_the_exact_body_and_returns_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/silences"))
        .and(body_json(json!({
            "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true}],
            "startsAt": "2024-05-01T10:00:00Z",
            "endsAt": "2024-05-01T12:00:00Z",
            "createdBy": "alice",
            "comment": "disk swap, INC-42",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"silenceID": "4f1c-9d"})))
        .expect(1)
        .mount(&server)
        .await;
    let written = am(vec![member(&server)])
        .create_silence(&new_silence())
        .await
        .expect("created");
    assert_eq!(written.value, "4f1c-9d");
    assert_eq!(written.member, member(&server));
}

#[tokio::test]
async fn create_silence_falls_through_a_500_to_the_next_member() {
    let broken = answering(500, "\"gossip failed\"", 1).await;
    let good = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/silences"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"silenceID": "abc"})))
        .expect(1)
        .mount(&good)
        .await;
    let written = am(vec![member(&broken), member(&good)])
        .create_silence(&new_silence())
        .await
        .expect("second member accepts");
    assert_eq!(written.member, member(&good));
    assert_eq!(written.value, "abc");
}

#[tokio::test]
async fn a_refused_silence_shows_alertmanagers_words_and_is_not_retried() {
    let refusing = answering(400, "\"start time must be before end time\"", 1).await;
    let other = answering(200, "{\"silenceID\":\"x\"}", 0).await;
    let err = am(vec![member(&refusing), member(&other)])
        .create_silence(&new_silence())
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), "http 400");
    assert_eq!(
        err.to_string(),
        format!(
            "{}api/v2/silences: 400 Bad Request: \"start time must be before end time\"",
            member(&refusing)
        )
    );
}

#[tokio::test]
async fn a_swagger_validation_error_shows_its_message() {
    let body = r#"{"code":602,"message":"matchers in body is required"}"#;
    let refusing = answering(422, body, 1).await;
    let err = am(vec![member(&refusing)])
        .create_silence(&new_silence())
        .await
        .expect_err("invalid");
    assert!(
        err.to_string()
            .ends_with("422 Unprocessable Entity: \"matchers in body is required\""),
        "{err}"
    );
}

#[tokio::test]
async fn expire_silence_sends_delete_to_the_silence_path() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v2/silence/4f1c-9d"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let written = am(vec![member(&server)]).expire_silence("4f1c-9d").await;
    assert_eq!(written.expect("expired").member, member(&server));
}

#[tokio::test]
async fn alerts_decode_with_unknown_and_missing_fields() {
    let body = json!([
        {"annotations": {"summary": "Disk full"}, "endsAt": "2024-05-01T10:10:00.000Z",
         "fingerprint": "0f3c8c1b3d2a1e4f", "receivers": [{"name": "pager"}, {"name": "chat"}],
         "startsAt": "2024-05-01T11:00:00.123+02:00",
         "status": {"inhibitedBy": [], "silencedBy": ["a1b2"], "state": "suppressed", "mutedBy": []},
         "updatedAt": "2024-05-01T12:05:00.123+02:00",
         "generatorURL": "http://prom:9090/graph?g0.expr=up",
         "labels": {"alertname": "DiskFull", "severity": "critical"},
         "someFutureField": {"x": 1}},
        {"fingerprint": "bare", "labels": {"alertname": "Bare"}, "status": {"state": "active",
         "silencedBy": null, "inhibitedBy": null}, "receivers": null}
    ]);
    let server = serving_alerts(body, 1).await;
    let alerts = am(vec![member(&server)])
        .alerts()
        .await
        .expect("alerts")
        .value;
    assert_eq!(alerts.len(), 2);
    let full = &alerts[0];
    assert_eq!(full.state, AmAlertState::Suppressed);
    assert_eq!(full.silenced_by, ["a1b2"]);
    assert_eq!(&full.labels["severity"], "critical");
    assert_eq!(
        full.generator_url.as_deref(),
        Some("http://prom:9090/graph?g0.expr=up")
    );
    let started = full.starts_at.expect("startsAt");
    assert_eq!(started.to_rfc3339(), "2024-05-01T09:00:00.123+00:00");
    let bare = &alerts[1];
    assert_eq!(bare.state, AmAlertState::Active);
    assert!(bare.annotations.is_empty());
    assert_eq!(
        (bare.starts_at, bare.generator_url.as_deref()),
        (None, None)
    );
}

#[tokio::test]
async fn silences_decode_across_versions() {
    let server = MockServer::start().await;
    let body = json!([
        {"id": "a1b2", "status": {"state": "active"}, "updatedAt": "2024-05-01T09:00:00Z",
         "comment": "maint", "createdBy": "alice", "endsAt": "2024-05-01T12:00:00Z",
         "startsAt": "2024-05-01T09:00:00Z", "annotations": {"new": "field"},
         "matchers": [{"isEqual": false, "isRegex": false, "name": "env", "value": "dev"}]},
        // Before Alertmanager 0.22: no isEqual. No updatedAt, an unknown state.
        {"id": "old", "status": {"state": "archived"}, "createdBy": "bob", "comment": "",
         "startsAt": "2024-04-01T00:00:00Z", "endsAt": "2024-04-02T00:00:00Z",
         "matchers": [{"isRegex": true, "name": "job", "value": "node.*"}]}
    ]);
    Mock::given(path("/api/v2/silences"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let silences = am(vec![member(&server)])
        .silences()
        .await
        .expect("silences")
        .value;
    assert_eq!(silences[0].state, SilenceState::Active);
    assert!(!silences[0].matchers[0].is_equal);
    assert!(silences[0].updated_at.is_some());
    assert_eq!(silences[1].state, SilenceState::Unknown);
    assert!(
        silences[1].matchers[0].is_equal,
        "absent isEqual means equal"
    );
    assert_eq!(silences[1].updated_at, None);
}

#[tokio::test]
async fn status_reads_version_cluster_and_start() {
    let server = MockServer::start().await;
    let body = json!({"cluster": {"name": "01HX", "peers": [], "status": "ready"},
        "config": {"original": "route: {}"}, "uptime": "2024-05-01T08:00:00.000Z",
        "versionInfo": {"branch": "debian/sid", "version": "0.25.0", "goVersion": "go1.19"}});
    Mock::given(path("/api/v2/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let status = am(vec![member(&server)])
        .status()
        .await
        .expect("status")
        .value;
    assert_eq!(status.version.as_deref(), Some("0.25.0"));
    assert_eq!(status.cluster_status.as_deref(), Some("ready"));
    assert_eq!(
        status.uptime,
        Some(Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap())
    );
}

#[test]
fn silence_matchers_of_all_four_kinds() {
    let matcher = |name: &str, value: &str, is_regex, is_equal| Matcher {
        name: name.into(),
        value: value.into(),
        is_regex,
        is_equal,
    };
    let silence = |matchers| Silence {
        id: "s".into(),
        matchers,
        starts_at: Utc::now(),
        ends_at: Utc::now(),
        created_by: "t".into(),
        comment: String::new(),
        state: SilenceState::Active,
        updated_at: None,
    };
    let alert = labels(&[
        ("alertname", "DiskFull"),
        ("env", "prod"),
        ("job", "node-exporter"),
    ]);
    let cases = [
        (matcher("env", "prod", false, true), true),     // =
        (matcher("env", "pro", false, true), false),     // = exact, not prefix
        (matcher("env", "dev", false, false), true),     // !=
        (matcher("env", "prod", false, false), false),   // !=
        (matcher("job", "node-.*", true, true), true),   // =~
        (matcher("job", "node", true, true), false),     // =~ is anchored
        (matcher("job", "exporter", true, false), true), // !~ anchored: no full match
        (matcher("job", "node-(exporter|x)", true, false), false), // !~
        (matcher("team", "", false, true), true),        // missing label is ""
    ];
    for (m, want) in cases {
        let shown = format!("{m:?}");
        assert_eq!(silence(vec![m]).matches(&alert), want, "{shown}");
    }
    let both = silence(vec![
        matcher("alertname", "DiskFull", false, true),
        matcher("env", "staging|dev", true, true),
    ]);
    assert!(!both.matches(&alert), "every matcher must hold");
}
