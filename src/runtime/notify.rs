//! Sending local alerts' notifications to `[[notifier]]` webhooks.
//!
//! [`send`] is called from the event loop, so it only routes the batch and
//! spawns one task per notifier (on the current `LocalSet`); the tasks POST,
//! retry with backoff and log the outcome. A failed delivery is a `warn!` in the
//! Log pane, never an error of the dashboard: alerts still show on screen.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::app::local_rules::Notification;
use crate::collect::backoff::Backoff;
use crate::collect::http::{Auth, HttpClient, HttpOptions, SourceError, url_for_display};
use crate::config::notifier::Notifier;
use crate::config::remote::Credentials;
use crate::engine::notify::{group_by_alertname, routes, webhook_payload};
use crate::engine::rules::Transition;

/// Receivers answer with a few bytes; the cap only bounds memory (a larger 2xx
/// answer would count as a failure and be sent again).
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Why a delivery failed, for the log. Never holds a secret: token errors name
/// the key and the file or variable, and URLs pass through `url_for_display`.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The token could not be read, or the settings are unusable: retrying
    /// would not help.
    #[error("{key}: {message}")]
    Config { key: &'static str, message: String },
    /// The receiver refused the message (4xx other than 429): not retried.
    #[error("{0}")]
    Rejected(SourceError),
    /// Every attempt failed; the last error.
    #[error("{error} (after {attempts} attempts)")]
    Failed { error: SourceError, attempts: u32 },
}

/// Routes `batch` to the notifiers and starts the deliveries. Returns at once;
/// must be called inside a `LocalSet` (the runtime's event loop is in one).
pub fn send(notifiers: &[Notifier], batch: Vec<Notification>) {
    send_reporting(notifiers, batch, None);
}

/// Where delivery results go: notifier `i` is source `first + i` of the
/// dashboard's sources, so its health mark shows the last delivery.
pub struct Report {
    pub first: crate::app::sources::SourceId,
    pub tx: tokio::sync::mpsc::Sender<crate::app::Msg>,
}

/// `send`, reporting each notifier's delivery as its source's health.
pub fn send_reporting(notifiers: &[Notifier], batch: Vec<Notification>, report: Option<&Report>) {
    for (index, notifier) in notifiers.iter().enumerate() {
        let report = report.map(|r| (r.first + index, r.tx.clone()));
        let selected: Vec<&Notification> = batch
            .iter()
            .filter(|n| match n.kind {
                Transition::Firing => true,
                Transition::Resolved => notifier.send_resolved,
                Transition::Pending => false,
            })
            .filter(|n| routes(&notifier.matchers, &n.alert.labels))
            .collect();
        if selected.is_empty() {
            continue;
        }
        let external_url = notifier.external_url();
        // One message per alertname, as Alertmanager's usual `group_by`, so
        // receivers that key on groupKey keep distinct alerts apart.
        let bodies: Vec<serde_json::Value> = group_by_alertname(&selected)
            .iter()
            .map(|group| webhook_payload(group, &notifier.name, &external_url))
            .collect();
        let notifier = notifier.clone();
        tokio::task::spawn_local(async move {
            for body in bodies {
                let alerts = body["alerts"].as_array().map_or(0, Vec::len);
                let started = std::time::Instant::now();
                let outcome = deliver(&notifier, &body).await;
                if let Some((source, tx)) = &report {
                    let result = match &outcome {
                        Ok(_) => Ok(crate::app::remote::Payload::Delivered),
                        Err(e) => Err(crate::app::remote::Failure {
                            kind: "notify".into(),
                            message: crate::secrets::redacted(e.to_string()),
                        }),
                    };
                    let update = crate::app::remote::RemoteUpdate {
                        source: *source,
                        at: chrono::Utc::now(),
                        latency: started.elapsed(),
                        result,
                    };
                    let _ = tx.send(crate::app::Msg::Remote(Box::new(update))).await;
                }
                match outcome {
                    Ok(1) => tracing::debug!("notifier {}: sent {alerts} alert(s)", notifier.name),
                    Ok(attempts) => tracing::info!(
                        "notifier {}: sent {alerts} alert(s) after {attempts} attempts",
                        notifier.name
                    ),
                    Err(e) => tracing::warn!(
                        "notifier {}: could not send {alerts} alert(s): {e}",
                        notifier.name
                    ),
                }
            }
        });
    }
}

/// POSTs one webhook body, retrying transport errors, 5xx and 429 up to
/// `notifier.retries` times with backoff. Returns the number of attempts made.
/// Takes at most `(retries + 1) × timeout` plus the waits between attempts
/// (each at most `max(timeout, 1s)`).
pub async fn deliver(notifier: &Notifier, body: &serde_json::Value) -> Result<u32, DeliveryError> {
    let config = |key: &'static str, message: String| DeliveryError::Config { key, message };
    let url = Url::parse(&notifier.url).map_err(|e| config("url", e.to_string()))?;
    // Read at every delivery, so a rotated token is picked up without a restart.
    let token = match notifier.credentials() {
        Ok(Credentials::Bearer(token)) => Some(token),
        Ok(_) => None,
        Err((key, message)) => return Err(config(key, message)),
    };
    let mut headers = Vec::with_capacity(notifier.headers.len());
    for (name, value) in &notifier.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| config("headers", format!("{name:?} is not a header name")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| config("headers", format!("{name}: invalid value")))?;
        headers.push((name, value));
    }
    let bytes = serde_json::to_vec(body).map_err(|e| config("body", e.to_string()))?;
    let client = client_for(notifier).map_err(|e| config("client", e.to_string()))?;

    // Waits grow from 1s and never exceed one timeout: a notification is
    // worth little once it is minutes late.
    let mut backoff = Backoff::new(Duration::from_secs(1), notifier.timeout);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut request = client
            .request(Method::POST, url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(bytes.clone());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        if let Some(token) = &token {
            request = request.bearer_auth(token);
        }
        let error = match client.send(request, &url).await {
            Ok(response) if response.status.is_success() => return Ok(attempts),
            Ok(response) => {
                let status = response.status;
                let error = response.status_error();
                // As Alertmanager: a 4xx will not get better by retrying, except
                // 429 (the receiver asks us to slow down).
                if status.is_client_error() && status.as_u16() != 429 {
                    return Err(DeliveryError::Rejected(error));
                }
                error
            }
            Err(error @ SourceError::Config { .. }) => return Err(DeliveryError::Rejected(error)),
            Err(error) => error,
        };
        if attempts > notifier.retries {
            return Err(DeliveryError::Failed { error, attempts });
        }
        let wait = backoff.on_failure();
        tracing::debug!(
            "notifier {}: attempt {attempts} to {} failed ({error}); retrying in {wait:?}",
            notifier.name,
            url_for_display(&url)
        );
        tokio::time::sleep(wait).await;
    }
}

thread_local! {
    /// One client per notifier name, kept across batches so connections are
    /// reused; rebuilt when the timeout changes (config reload). The runtime is
    /// single-threaded, so a thread-local is the whole cache.
    static CLIENTS: RefCell<HashMap<String, (Duration, HttpClient)>> =
        RefCell::new(HashMap::new());
}

fn client_for(notifier: &Notifier) -> Result<HttpClient, SourceError> {
    CLIENTS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((timeout, client)) = cache.get(&notifier.name)
            && *timeout == notifier.timeout
        {
            return Ok(client.clone());
        }
        // No auth in the client: the token is added per request, read fresh.
        let client = HttpClient::new(HttpOptions {
            timeout: notifier.timeout,
            auth: Auth::None,
            max_body_bytes: MAX_RESPONSE_BYTES,
            ..HttpOptions::default()
        })?;
        cache.insert(notifier.name.clone(), (notifier.timeout, client.clone()));
        Ok(client)
    })
}
