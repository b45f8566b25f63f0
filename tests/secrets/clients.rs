//! Errors from the HTTP layer, the clients, the pollers (the `Failure` the
//! screen and `snapshot` show) and the notifier, against echoing fakes.

use std::time::Duration;

use opsdeck::collect::alertmanager::AlertmanagerClient;
use opsdeck::collect::http::{Auth, HttpClient, HttpOptions, Secret};
use opsdeck::collect::prometheus::PrometheusClient;
use opsdeck::config::remote::Fleet;
use opsdeck::runtime::notify::{DeliveryError, deliver};
use opsdeck::runtime::remote::{Poller, PromJob, poll_once};
use reqwest::Url;

use super::{Echo, PASSWORD, TOKEN, TempDir, USER, assert_hidden, secret_forms};

fn http(auth: Auth) -> HttpClient {
    HttpClient::new(HttpOptions {
        timeout: Duration::from_secs(5),
        auth,
        ..HttpOptions::default()
    })
    .expect("http client")
}

fn auths() -> [Auth; 2] {
    [
        Auth::Bearer(Secret::new(TOKEN.into())),
        Auth::Basic {
            username: USER.into(),
            password: Secret::new(PASSWORD.into()),
        },
    ]
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

/// The failure `poll_once` reports, as the screen and `snapshot` show it.
async fn failure_of(poller: &Poller) -> String {
    match poll_once(poller, true, &mut opsdeck::runtime::remote::Sent::default()).await {
        Err(f) => f.message,
        Ok(_) => panic!("the poll should fail"),
    }
}

#[tokio::test]
async fn a_scrape_target_echoing_the_header_in_a_401_or_500_is_shown_without_it() {
    for status in [401, 500] {
        for auth in auths() {
            let server = Echo::start(status);
            let target = url(&server.url("/metrics"));
            let http = http(auth);
            let err = http.get_metrics(&target).await.expect_err("error status");
            let message = failure_of(&Poller::Scrape {
                http,
                url: target,
                max_size: 64 << 20,
                keep: Default::default(),
            })
            .await;
            let forms = secret_forms(&[&server]);
            assert_eq!(server.authorization().len(), 2, "both requests had auth");
            assert_hidden("the error", &format!("{err} | {err:?}"), &forms);
            assert_hidden("the failure", &message, &forms);
            // What the server said is still shown, less the secret.
            let shown = err.to_string();
            assert!(shown.contains(&format!(": {status} ")), "{shown}");
            assert!(shown.contains("authorization: B"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
            assert_eq!(message, shown);
        }
    }
}

#[tokio::test]
async fn a_prometheus_echoing_the_header_in_its_error_envelope_is_shown_without_it() {
    for status in [401, 500] {
        for auth in auths() {
            let server = Echo::start(status);
            let client = PrometheusClient::new("main", url(&server.url("/")), http(auth));
            let err = client.alerts().await.expect_err("error status");
            let job = PromJob {
                client,
                fleet: Some(Fleet::default()),
                panels: Vec::new(),
            };
            let message = failure_of(&Poller::Prometheus(job)).await;
            let forms = secret_forms(&[&server]);
            assert_hidden("the error", &format!("{err} | {err:?}"), &forms);
            assert_hidden("the failure", &message, &forms);
            assert!(err.to_string().contains("bad_data: you sent: GET"), "{err}");
            assert!(message.contains("<redacted>"), "{message}");
        }
    }
}

#[tokio::test]
async fn an_alertmanager_cluster_echoing_the_header_is_shown_without_it() {
    for auth in auths() {
        let (one, two) = (Echo::start(401), Echo::start(500));
        let members = vec![url(&one.url("/")), url(&two.url("/"))];
        let client = AlertmanagerClient::new("main", members, http(auth));
        let err = client.alerts().await.expect_err("both fail");
        let message = failure_of(&Poller::Alertmanager(client)).await;
        let forms = secret_forms(&[&one, &two]);
        assert_hidden("the error", &format!("{err} | {err:?}"), &forms);
        assert_hidden("the failure", &message, &forms);
        let shown = err.to_string();
        assert!(shown.contains("all 2 members failed"), "{shown}");
        assert!(
            shown.contains("401 Unauthorized: \"GET /api/v2/alerts"),
            "{shown}"
        );
        assert!(shown.contains("500 Internal Server Error"), "{shown}");
    }
}

#[test]
fn a_webhook_receiver_echoing_the_token_gets_an_error_without_it() {
    // Its own token: read through the config, as the dashboard reads it.
    const HOOK_TOKEN: &str = "tok-Hook-52c07e1b99";
    let dir = TempDir::new("hook");
    let token_file = dir.write("hook.token", &format!("{HOOK_TOKEN}\n"));
    for status in [401, 500] {
        let server = Echo::start(status);
        let text = format!(
            "[[notifier]]\nname = \"oncall\"\nurl = \"{}\"\nretries = 0\nbearer_token_file = \"{}\"\n",
            server.url("/hook"),
            token_file.display()
        );
        let config = opsdeck::config::parse(&text, "hook.toml").expect("valid config");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let err = rt
            .block_on(deliver(&config.notifier[0], &serde_json::json!({})))
            .expect_err("error status");
        match status {
            401 => assert!(matches!(err, DeliveryError::Rejected(_)), "{err:?}"),
            _ => assert!(matches!(err, DeliveryError::Failed { .. }), "{err:?}"),
        }
        assert_eq!(server.authorization(), [format!("Bearer {HOOK_TOKEN}")]);
        let forms = secret_forms(&[&server]);
        assert_hidden("the delivery error", &format!("{err} | {err:?}"), &forms);
        assert!(
            err.to_string().contains("authorization: Bearer <redacted>"),
            "{err}"
        );
    }
}
