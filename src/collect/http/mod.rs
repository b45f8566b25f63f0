//! The HTTP layer shared by remote sources: one configured client (auth,
//! TLS, timeout, body cap) and typed errors that never show credentials,
//! whatever the server sends back.

mod certificate;
mod error;
pub(crate) mod json;
mod page;
mod probe;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use serde::de::DeserializeOwned;

pub use error::{ApiErrorType, SourceError, url_for_display};
pub(crate) use error::{body_excerpt, one_line};
pub use page::MetricsPage;
pub use probe::ProbeAnswer;

/// What Prometheus 2.42 sends when scraping: OpenMetrics preferred, the
/// classic text format as fallback, anything as a last resort.
pub const METRICS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,\
     application/openmetrics-text;version=0.0.1;q=0.75,\
     text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const USER_AGENT: &str = concat!("opsdeck/", env!("CARGO_PKG_VERSION"));

/// A secret never printed: Debug and Display show `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Secret(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    Bearer(Secret),
    Basic {
        username: String,
        password: Secret,
    },
}

#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// For the whole exchange: connect, headers and body.
    pub timeout: Duration,
    pub auth: Auth,
    /// PEM bundle of the CAs to trust instead of the system's, as in
    /// Prometheus's `tls_config.ca_file`.
    pub ca_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
    /// Decompressed size cap of a whole-body read (`get_metrics`, the APIs): a
    /// runaway server must not eat the memory. Streamed scrapes have their own.
    pub max_body_bytes: usize,
    /// Keep the peer's certificate of each response (health probes read
    /// its expiry).
    pub tls_info: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            auth: Auth::None,
            ca_file: None,
            insecure_skip_verify: false,
            // An alert storm: 30,000 alerts are about 25 MiB of JSON.
            max_body_bytes: 64 << 20,
            tls_info: false,
        }
    }
}

/// A scraped body, decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBody {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

/// reqwest's client plus our auth and limits. Cheap to clone (all shared).
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    auth: Arc<Auth>,
    timeout: Duration,
    max_body_bytes: usize,
    insecure: bool,
    /// The size of each endpoint's last body (by path): the next one is
    /// read into a buffer of about that size, allocated once.
    last_sizes: Arc<Mutex<HashMap<String, usize>>>,
}

impl HttpClient {
    pub fn new(opts: HttpOptions) -> Result<HttpClient, SourceError> {
        install_crypto_provider();
        // Secrets given here (not read through the config) are kept out of
        // errors too.
        match &opts.auth {
            Auth::None => {}
            Auth::Bearer(token) => crate::secrets::register(token.expose()),
            Auth::Basic { username, password } => {
                crate::secrets::register_basic(username, password.expose())
            }
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(opts.timeout)
            .tls_danger_accept_invalid_certs(opts.insecure_skip_verify)
            .tls_info(opts.tls_info);
        if let Some(path) = &opts.ca_file {
            builder = builder.tls_certs_only(read_ca_file(path)?);
        }
        let inner = builder.build().map_err(|e| SourceError::Config {
            message: format!("cannot build the HTTP client: {}", e.without_url()),
        })?;
        Ok(HttpClient {
            inner,
            auth: Arc::new(opts.auth),
            timeout: opts.timeout,
            max_body_bytes: opts.max_body_bytes,
            insecure: opts.insecure_skip_verify,
            last_sizes: Arc::default(),
        })
    }

    /// Certificates are not checked: the UI should say so.
    pub fn insecure(&self) -> bool {
        self.insecure
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Scrapes a `/metrics` endpoint: any 2xx body, decompressed and capped.
    pub async fn get_metrics(&self, url: &Url) -> Result<FetchedBody, SourceError> {
        let request = self
            .request(Method::GET, url.clone())
            .header(ACCEPT, HeaderValue::from_static(METRICS_ACCEPT));
        let response = self.send(request, url).await?.ensure_success()?;
        Ok(FetchedBody {
            bytes: response.body,
            content_type: response.content_type,
        })
    }

    /// A request with our credentials; gzip is negotiated by reqwest itself.
    pub(crate) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        if let Some(password) = url.password() {
            // reqwest sends `user:password@` as basic auth; the config refuses
            // it, but a caller may not have read a config.
            crate::secrets::register_basic(url.username(), password);
        }
        let request = self.inner.request(method, url);
        match &*self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
        }
    }

    /// Sends and reads the whole body, within the size cap. `endpoint`
    /// names the request in errors (pass it without a long query string).
    pub(crate) async fn send(
        &self,
        request: RequestBuilder,
        endpoint: &Url,
    ) -> Result<Response, SourceError> {
        let failed = |e: reqwest::Error| SourceError::from_reqwest(&e, endpoint, self.timeout);
        let mut response = request.send().await.map_err(failed)?;
        let url = url_for_display(endpoint);
        let too_large = || SourceError::TooLarge {
            url: url.clone(),
            limit: self.max_body_bytes,
        };
        // Known up front only when not compressed; checked again as it streams.
        let announced = response.content_length().unwrap_or(0);
        if announced > self.max_body_bytes as u64 {
            return Err(too_large());
        }
        // Read into room for what this endpoint sent last time (a tenth more):
        // grown by doubling, a storm's body would be held at up to three
        // times its size; kept as chunks to join later, twice.
        let path = endpoint.path();
        let expected = self.last_size(path).map_or(0, |n| n + n / 10);
        let mut body =
            Vec::with_capacity(expected.max(announced as usize).min(self.max_body_bytes));
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        self.remember_size(path, body.len());
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Response {
            url,
            status: response.status(),
            content_type,
            body,
        })
    }
}

impl HttpClient {
    fn last_size(&self, path: &str) -> Option<usize> {
        self.last_sizes.lock().ok()?.get(path).copied()
    }

    fn remember_size(&self, path: &str, size: usize) {
        if let Ok(mut sizes) = self.last_sizes.lock() {
            match sizes.get_mut(path) {
                Some(last) => *last = size,
                None => {
                    sizes.insert(path.to_owned(), size);
                }
            }
        }
    }
}

/// Bodies at least this big are decoded on the blocking pool.
const OFF_THREAD_BYTES: usize = 64 << 10;

/// Runs `decode` on the blocking pool when the body is big: the JSON of an
/// alert storm (tens of MiB) must not hold up the thread that reads keys.
pub(crate) async fn decode_off_thread<T: Send + 'static>(
    response: Response,
    decode: impl FnOnce(&Response) -> Result<T, SourceError> + Send + 'static,
) -> Result<T, SourceError> {
    if response.body.len() < OFF_THREAD_BYTES {
        return decode(&response);
    }
    let url = response.url.clone();
    tokio::task::spawn_blocking(move || decode(&response))
        .await
        .unwrap_or_else(|e| {
            Err(SourceError::BadJson {
                url,
                message: format!("the decoder failed: {e}"),
            })
        })
}

/// A response read in full; `url` is already safe to display.
#[derive(Debug)]
pub(crate) struct Response {
    pub url: String,
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn ensure_success(self) -> Result<Response, SourceError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(self.status_error())
        }
    }

    pub fn status_error(&self) -> SourceError {
        SourceError::Status {
            url: self.url.clone(),
            status: self.status.as_u16(),
            excerpt: body_excerpt(&self.body, 200),
        }
    }

    /// True for a JSON content type, or for an untyped body that looks like
    /// JSON (some proxies drop or rewrite the header).
    pub fn looks_like_json(&self) -> bool {
        match &self.content_type {
            Some(ct) if ct.to_ascii_lowercase().contains("json") => true,
            _ => {
                let start = self.body.iter().find(|b| !b.is_ascii_whitespace());
                matches!(start, Some(b'{' | b'[' | b'"'))
            }
        }
    }

    /// Decodes JSON, or says what came instead (an HTML login page...).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, SourceError> {
        self.ensure_json()?;
        serde_json::from_slice(&self.body).map_err(|e| self.bad_json(e))
    }

    /// [`Response::json`] for a list whose length an earlier pass counted.
    pub fn json_list<T: DeserializeOwned>(&self, count: usize) -> Result<Vec<T>, SourceError> {
        self.ensure_json()?;
        json::array_of(&self.body, count).map_err(|e| self.bad_json(e))
    }

    fn ensure_json(&self) -> Result<(), SourceError> {
        if !self.looks_like_json() {
            return Err(SourceError::NotJson {
                url: self.url.clone(),
                content_type: match &self.content_type {
                    Some(ct) => one_line(ct, 80),
                    None => "no content type".into(),
                },
                excerpt: one_line(&String::from_utf8_lossy(&self.body), 80),
            });
        }
        Ok(())
    }

    /// serde's message may quote a value the server sent.
    pub fn bad_json(&self, err: impl fmt::Display) -> SourceError {
        SourceError::BadJson {
            url: self.url.clone(),
            message: one_line(&err.to_string(), 300),
        }
    }
}

/// reqwest is built with `rustls-no-provider`, so a process-wide rustls
/// provider must exist before any client is built; we use ring (no aws-lc C
/// build). Another part of the program may have installed one first: fine.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
    });
}

fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, SourceError> {
    let shown = path.display();
    let pem = std::fs::read(path).map_err(|e| SourceError::Config {
        message: format!("cannot read ca_file {shown}: {e}"),
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| SourceError::Config {
        message: format!("ca_file {shown} is not valid PEM: {e}"),
    })?;
    if certs.is_empty() {
        return Err(SourceError::Config {
            message: format!("ca_file {shown} holds no PEM certificate"),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_debug() {
        let opts = HttpOptions {
            auth: Auth::Basic {
                username: "bob".into(),
                password: Secret::new("hunter2".into()),
            },
            ..HttpOptions::default()
        };
        let shown = format!("{opts:?} {}", Secret::new("hunter2".into()));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        let client = HttpClient::new(opts).expect("client");
        assert!(!format!("{client:?}").contains("hunter2"));
    }

    #[test]
    fn ca_file_errors_name_the_file() {
        let missing = HttpOptions {
            ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..HttpOptions::default()
        };
        let err = HttpClient::new(missing).expect_err("missing file");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
        assert_eq!(err.kind(), "config");

        let dir = std::env::temp_dir().join(format!("opsdeck-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let not_pem = dir.join("ca.pem");
        std::fs::write(&not_pem, "hello").expect("write");
        let err = HttpClient::new(HttpOptions {
            ca_file: Some(not_pem.clone()),
            ..HttpOptions::default()
        })
        .expect_err("no certificate");
        assert!(
            err.to_string().contains(&*not_pem.to_string_lossy()),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
