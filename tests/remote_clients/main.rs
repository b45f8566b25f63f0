//! The HTTP layer and the Prometheus and Alertmanager clients against fake
//! servers: wiremock, or a raw TCP listener for faults wiremock can't make.
//! Runs on tokio's current-thread runtime, as the app does.

mod alertmanager;
mod http_layer;
mod prometheus;
mod tls;

use std::time::Duration;

use opsdeck::collect::http::{Auth, HttpClient, HttpOptions, Secret, SourceError};
use reqwest::Url;

pub const TOKEN: &str = "s3cret-token-x9";
pub const PASSWORD: &str = "hunter2-pw-x9";

pub fn options() -> HttpOptions {
    HttpOptions {
        timeout: Duration::from_secs(5),
        auth: Auth::None,
        ca_file: None,
        insecure_skip_verify: false,
        max_body_bytes: 1 << 20,
        tls_info: false,
    }
}

pub fn client() -> HttpClient {
    HttpClient::new(options()).expect("http client")
}

pub fn client_with(opts: HttpOptions) -> HttpClient {
    HttpClient::new(opts).expect("http client")
}

pub fn bearer() -> Auth {
    Auth::Bearer(Secret::new(TOKEN.into()))
}

pub fn basic() -> Auth {
    Auth::Basic {
        username: "bob".into(),
        password: Secret::new(PASSWORD.into()),
    }
}

pub fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

/// A port on which nothing listens: bound, then released.
pub fn closed_port_url() -> Url {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    url(&format!("http://127.0.0.1:{port}/"))
}

/// Fails the test if a secret shows anywhere a user or a log could see it.
pub fn assert_no_secrets(err: &SourceError) {
    let shown = format!("{err} | {err:?}");
    for secret in [TOKEN, PASSWORD] {
        assert!(!shown.contains(secret), "secret leaked: {shown}");
    }
}
