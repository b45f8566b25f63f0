//! A health probe over HTTP: one GET, the status, the start of the body and
//! the served certificate's expiry. Unlike the APIs' reads, a body past the
//! cap is cut, not an error: a health page is judged on its start.

use super::{HttpClient, SourceError};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Url};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The part of a health page a probe reads.
pub const PROBE_BODY_BYTES: usize = 64 << 10;

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeAnswer {
    pub status: u16,
    /// The first `PROBE_BODY_BYTES` of the body.
    pub body: Vec<u8>,
    /// Until the headers came.
    pub latency: Duration,
    /// The served certificate's `notAfter` (https).
    pub certificate_expiry: Option<DateTime<Utc>>,
}

impl HttpClient {
    /// GETs `url` with `headers` (and the client's credentials).
    pub async fn probe(
        &self,
        url: &Url,
        headers: &BTreeMap<String, String>,
    ) -> Result<ProbeAnswer, SourceError> {
        let mut request = self.request(Method::GET, url.clone());
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                request = request.header(name, value);
            }
        }
        let failed = |e: reqwest::Error| SourceError::from_reqwest(&e, url, self.timeout);
        let start = Instant::now();
        let mut response = request.send().await.map_err(failed)?;
        let latency = start.elapsed();
        let certificate_expiry = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|info| info.peer_certificate())
            .and_then(super::certificate::not_after);
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < PROBE_BODY_BYTES {
            match response.chunk().await.map_err(failed)? {
                Some(chunk) => {
                    let room = PROBE_BODY_BYTES - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                None => break,
            }
        }
        Ok(ProbeAnswer {
            status,
            body,
            latency,
            certificate_expiry,
        })
    }
}
