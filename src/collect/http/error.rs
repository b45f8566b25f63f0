//! Typed errors for remote sources, each one line that names the endpoint.
//!
//! Messages are built from URLs already passed through [`url_for_display`]
//! and from server text, never from the request; server and library text is
//! cleaned of every configured secret (`crate::secrets`) as the error is made,
//! since a server may echo the request's Authorization header back. So
//! credentials cannot leak into the UI or the logs, through Display or Debug.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use reqwest::{StatusCode, Url};

use crate::secrets::{redact, redacted};

/// A URL as shown to the user: without `user:password@`, and with `***` for
/// the value of a query parameter that carries a credential (`?token=`).
pub fn url_for_display(url: &Url) -> String {
    let mut shown = url.clone();
    // Fails only for URLs that cannot have userinfo anyway (`mailto:`).
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if shown
        .query_pairs()
        .any(|(k, _)| crate::secrets::is_credential_param(&k))
    {
        let pairs: Vec<(String, String)> = shown
            .query_pairs()
            .map(|(k, v)| {
                let v = match crate::secrets::is_credential_param(&k) {
                    true => "***".to_owned(),
                    false => v.into_owned(),
                };
                (k.into_owned(), v)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// Bad client settings (unreadable `ca_file`, ...), found before any request.
    #[error("invalid HTTP settings: {message}")]
    Config { message: String },
    /// Nothing accepted the connection: refused, unreachable, reset.
    #[error("{url}: {reason}")]
    Down { url: String, reason: String },
    #[error("{url}: DNS lookup failed: {reason}")]
    Dns { url: String, reason: String },
    #[error("{url}: timed out after {}", crate::config::duration::short(*timeout))]
    Timeout { url: String, timeout: Duration },
    #[error("{url}: TLS handshake failed: {reason}{}", hint.map(|h| format!(" ({h})")).unwrap_or_default())]
    Tls {
        url: String,
        reason: String,
        hint: Option<&'static str>,
    },
    /// A non-2xx answer; `excerpt` is the server's own words, shortened.
    #[error("{url}: {}", status_line(*status, excerpt))]
    Status {
        url: String,
        status: u16,
        excerpt: String,
    },
    /// Prometheus's `{"status":"error","errorType":…,"error":…}`.
    #[error("{url}: {error_type}: {message}")]
    Api {
        url: String,
        error_type: ApiErrorType,
        message: String,
    },
    /// Something else answered, typically a proxy's or SSO login HTML page.
    #[error("{url}: expected JSON, got {content_type}: {excerpt}")]
    NotJson {
        url: String,
        content_type: String,
        excerpt: String,
    },
    /// Invalid or truncated JSON, or JSON of an unexpected shape.
    #[error("{url}: malformed JSON: {message}")]
    BadJson { url: String, message: String },
    #[error("{url}: response body over the {} limit", human_bytes(*limit))]
    TooLarge { url: String, limit: usize },
    /// The connection broke mid-exchange, or another transport failure.
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },
    /// Every member of an Alertmanager cluster failed; one error each.
    #[error("{name}: all {} members failed: {}", failures.len(), join(failures))]
    AllMembersFailed {
        name: String,
        failures: Vec<SourceError>,
    },
}

impl SourceError {
    /// A short label for the UI's status column.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceError::Config { .. } => "config",
            SourceError::Down { .. } => "down",
            SourceError::Dns { .. } => "dns",
            SourceError::Timeout { .. } => "timeout",
            SourceError::Tls { .. } => "tls",
            SourceError::Status { status, .. } => status_kind(*status),
            SourceError::Api { error_type, .. } => error_type.as_str(),
            SourceError::NotJson { .. } => "not json",
            SourceError::BadJson { .. } => "bad json",
            SourceError::TooLarge { .. } => "too large",
            SourceError::Transport { .. } => "io",
            SourceError::AllMembersFailed { failures, .. } => {
                // One label when all members failed alike ("down"), else a summary.
                let first = failures.first().map(SourceError::kind);
                if failures.iter().all(|f| Some(f.kind()) == first) {
                    first.unwrap_or("down")
                } else {
                    "all failed"
                }
            }
        }
    }

    /// The endpoint the error is about, as displayed.
    pub fn url(&self) -> Option<&str> {
        match self {
            SourceError::Config { .. } | SourceError::AllMembersFailed { .. } => None,
            SourceError::Down { url, .. }
            | SourceError::Dns { url, .. }
            | SourceError::Timeout { url, .. }
            | SourceError::Tls { url, .. }
            | SourceError::Status { url, .. }
            | SourceError::Api { url, .. }
            | SourceError::NotJson { url, .. }
            | SourceError::BadJson { url, .. }
            | SourceError::TooLarge { url, .. }
            | SourceError::Transport { url, .. } => Some(url),
        }
    }

    /// True when the server understood the request and refused it (4xx, or
    /// an API error about the request): another member would refuse it too.
    pub fn is_client_error(&self) -> bool {
        match self {
            // 408 and 429 are about this server's state, not the request.
            SourceError::Status { status, .. } => {
                (400..500).contains(status) && !matches!(status, 408 | 429)
            }
            SourceError::Api { error_type, .. } => {
                matches!(error_type, ApiErrorType::BadData | ApiErrorType::NotFound)
            }
            _ => false,
        }
    }

    /// Maps a reqwest failure, whose own Display would print the full URL.
    /// A library's message may quote what the server sent (a redirect's
    /// Location, say): it is cleaned like a body.
    pub(crate) fn from_reqwest(err: &reqwest::Error, url: &Url, timeout: Duration) -> SourceError {
        let shown = url_for_display(url);
        if err.is_timeout() {
            return SourceError::Timeout {
                url: shown,
                timeout,
            };
        }
        if let Some(tls) = chain(err).find_map(|e| e.downcast_ref::<rustls::Error>()) {
            return SourceError::Tls {
                url: shown,
                reason: redacted(tls.to_string()),
                hint: tls_hint(tls),
            };
        }
        let deepest = chain(err)
            .last()
            .map(|e| redacted(e.to_string()))
            .unwrap_or_default();
        if err.is_dns() {
            return SourceError::Dns {
                url: shown,
                reason: deepest,
            };
        }
        let io_kind = chain(err)
            .filter_map(|e| e.downcast_ref::<io::Error>())
            .map(io::Error::kind)
            .last();
        if err.is_connect() {
            // A server that hangs up right after our ClientHello is most
            // likely not speaking TLS at all.
            if url.scheme() == "https" && io_kind == Some(io::ErrorKind::UnexpectedEof) {
                return SourceError::Tls {
                    url: shown,
                    reason: "connection closed during the handshake".into(),
                    hint: Some(PLAIN_HTTP_HINT),
                };
            }
            let reason = match io_kind {
                Some(io::ErrorKind::ConnectionRefused) => "connection refused".into(),
                _ => format!("cannot connect: {deepest}"),
            };
            return SourceError::Down { url: shown, reason };
        }
        let reason = if err.is_body() || err.is_decode() {
            format!("reading the response failed: {deepest}")
        } else if err.is_redirect() {
            format!("redirect failed: {deepest}")
        } else {
            format!("request failed: {deepest}")
        };
        SourceError::Transport { url: shown, reason }
    }
}

const PLAIN_HTTP_HINT: &str = "is this an http:// endpoint?";

fn tls_hint(err: &rustls::Error) -> Option<&'static str> {
    match err {
        // The first bytes back were not a TLS record: plain HTTP, usually.
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            Some(PLAIN_HTTP_HINT)
        }
        rustls::Error::InvalidCertificate(_) => Some("set ca_file, or insecure_skip_verify"),
        _ => None,
    }
}

/// Walks an error's causes. `io::Error::source()` skips the error it wraps
/// (it returns the *inner's* source), which would hide rustls's error, so
/// io errors are unwrapped with `get_ref` instead.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn StdError + 'static)| {
        let e: &'a (dyn StdError + 'static) = *e;
        match e.downcast_ref::<io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &'a (dyn StdError + 'static)),
            None => e.source(),
        }
    })
}

/// Prometheus API error types (`errorType`), plus any future one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiErrorType {
    BadData,
    Timeout,
    Canceled,
    Execution,
    Unavailable,
    Internal,
    NotFound,
    Other(String),
}

impl ApiErrorType {
    pub fn parse(s: &str) -> ApiErrorType {
        match s {
            "bad_data" => ApiErrorType::BadData,
            "timeout" => ApiErrorType::Timeout,
            "canceled" => ApiErrorType::Canceled,
            "execution" => ApiErrorType::Execution,
            "unavailable" => ApiErrorType::Unavailable,
            "internal" => ApiErrorType::Internal,
            "not_found" => ApiErrorType::NotFound,
            // Server text, shown in the status column.
            other => ApiErrorType::Other(one_line(other, 60)),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ApiErrorType::BadData => "bad_data",
            ApiErrorType::Timeout => "timeout",
            ApiErrorType::Canceled => "canceled",
            ApiErrorType::Execution => "execution",
            ApiErrorType::Unavailable => "unavailable",
            ApiErrorType::Internal => "internal",
            ApiErrorType::NotFound => "not_found",
            ApiErrorType::Other(_) => "api error",
        }
    }
}

impl fmt::Display for ApiErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiErrorType::Other(s) => f.write_str(s),
            known => f.write_str(known.as_str()),
        }
    }
}

/// `500 Internal Server Error: "oops"`, or without the excerpt if empty.
fn status_line(status: u16, excerpt: &str) -> String {
    let head = match StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    };
    match excerpt {
        "" => head,
        text => format!("{head}: \"{text}\""),
    }
}

/// A `'static` label per common status, since `kind` is shown in a column.
fn status_kind(status: u16) -> &'static str {
    match status {
        400 => "http 400",
        401 => "http 401",
        403 => "http 403",
        404 => "http 404",
        405 => "http 405",
        408 => "http 408",
        413 => "http 413",
        422 => "http 422",
        429 => "http 429",
        500 => "http 500",
        501 => "http 501",
        502 => "http 502",
        503 => "http 503",
        504 => "http 504",
        other => match other / 100 {
            3 => "http 3xx",
            4 => "http 4xx",
            5 => "http 5xx",
            _ => "http error",
        },
    }
}

fn human_bytes(n: usize) -> String {
    const MIB: usize = 1 << 20;
    const KIB: usize = 1 << 10;
    match n {
        n if n >= MIB && n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n >= KIB && n % KIB == 0 => format!("{} KiB", n / KIB),
        n => format!("{n}-byte"),
    }
}

fn join(errors: &[SourceError]) -> String {
    let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    parts.join("; ")
}

/// One line of server text: control characters (a terminal escape in a
/// response must not reach the TUI) and whitespace runs become one space,
/// every configured secret goes, then it is cut at `max` characters.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    // Before the cut, which could leave a secret's first half; and again
    // after collapsing, which could join one split by a line break.
    let cleaned: String = redact(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = redacted(cleaned.split_whitespace().collect::<Vec<_>>().join(" "));
    match collapsed.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

/// What a failed response says, verbatim: Alertmanager answers 400 with a
/// JSON string (`"bad matcher"`, shown without the JSON quoting) or with
/// go-swagger's `{"code":…,"message":…}`; proxies answer with plain text.
pub(crate) fn body_excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let said = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => {
            match ["error", "message"]
                .iter()
                .find_map(|k| o.get(*k)?.as_str())
            {
                Some(msg) => msg.to_owned(),
                None => text.into_owned(),
            }
        }
        _ => text.into_owned(),
    };
    one_line(&said, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_url_drops_credentials() {
        let url = Url::parse("https://bob:hunter2@prom.example:9090/x?y=1").unwrap();
        assert_eq!(url_for_display(&url), "https://prom.example:9090/x?y=1");
    }

    #[test]
    fn display_url_hides_query_credentials() {
        let url =
            Url::parse("https://prom.example/x?tenant=a&access_token=tok9&api-key=k").unwrap();
        assert_eq!(
            url_for_display(&url),
            "https://prom.example/x?tenant=a&access_token=***&api-key=***"
        );
        let plain = Url::parse("http://h/metrics?module=http_2xx&target=a%20b").unwrap();
        assert_eq!(
            url_for_display(&plain),
            "http://h/metrics?module=http_2xx&target=a%20b"
        );
    }

    #[test]
    fn excerpts_lose_secrets_before_they_are_cut() {
        crate::secrets::register("unit-cut-secret-4242");
        let body = format!(
            "{}Authorization: Bearer unit-cut-secret-4242",
            "x".repeat(40)
        );
        let shown = body_excerpt(body.as_bytes(), 80);
        assert!(!shown.contains("unit-cut"), "{shown}");
        assert!(shown.ends_with("Bearer <redacted>"), "{shown}");
        // A cut inside the secret would otherwise leave its first half.
        let shown = one_line(&body, 66);
        assert!(!shown.contains("unit-cut"), "{shown}");
        assert_eq!(
            ApiErrorType::parse("unit-cut-secret-4242").to_string(),
            "<redacted>"
        );
    }

    #[test]
    fn status_line_quotes_the_body() {
        let e = SourceError::Status {
            url: "http://h/".into(),
            status: 500,
            excerpt: "oops".into(),
        };
        assert_eq!(
            e.to_string(),
            r#"http://h/: 500 Internal Server Error: "oops""#
        );
        assert_eq!(e.kind(), "http 500");
        let e = SourceError::Status {
            url: "http://h/".into(),
            status: 599,
            excerpt: String::new(),
        };
        assert_eq!(e.to_string(), "http://h/: 599");
        assert_eq!(e.kind(), "http 5xx");
    }

    #[test]
    fn excerpts_unwrap_json_strings_and_objects() {
        assert_eq!(body_excerpt(br#""bad matcher""#, 50), "bad matcher");
        assert_eq!(
            body_excerpt(br#"{"code":602,"message":"endsAt required"}"#, 50),
            "endsAt required"
        );
        assert_eq!(body_excerpt(b"  oops\n\x1b[31mred ", 50), "oops [31mred");
        assert_eq!(body_excerpt("é".repeat(10).as_bytes(), 3), "ééé…");
    }

    #[test]
    fn timeout_and_limit_are_human() {
        let e = SourceError::Timeout {
            url: "http://h/".into(),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(e.to_string(), "http://h/: timed out after 5s");
        let e = SourceError::TooLarge {
            url: "http://h/".into(),
            limit: 4 << 20,
        };
        assert_eq!(
            e.to_string(),
            "http://h/: response body over the 4 MiB limit"
        );
    }
}
