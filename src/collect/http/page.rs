//! A `/metrics` page read chunk by chunk, so the caller can parse as it
//! arrives and stop at its own size limit: a big page never sits whole in
//! memory.

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};

use super::{HttpClient, METRICS_ACCEPT, SourceError, body_excerpt, url_for_display};

/// An answered `/metrics` request (status 2xx) whose body is still to read.
#[derive(Debug)]
pub struct MetricsPage {
    response: reqwest::Response,
    endpoint: Url,
    timeout: std::time::Duration,
    pub content_type: Option<String>,
    /// Content-Length, when the server gave one and the body is not compressed
    /// (reqwest decompresses, so a gzip length says nothing about the page).
    pub announced: Option<u64>,
}

/// How much of an error page is read for its excerpt.
const ERROR_EXCERPT_BYTES: usize = 4 << 10;

impl HttpClient {
    /// Asks for a `/metrics` page; its body is read with `MetricsPage::chunk`.
    /// A non-2xx answer is an error here, with an excerpt of its body.
    pub async fn open_metrics(&self, url: &Url) -> Result<MetricsPage, SourceError> {
        let failed = |e: reqwest::Error| SourceError::from_reqwest(&e, url, self.timeout());
        let request = self
            .request(Method::GET, url.clone())
            .header(ACCEPT, HeaderValue::from_static(METRICS_ACCEPT));
        let mut response = request.send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            let mut head = Vec::new();
            while head.len() < ERROR_EXCERPT_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => head.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            return Err(SourceError::Status {
                url: url_for_display(url),
                status: status.as_u16(),
                excerpt: body_excerpt(&head, 200),
            });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(MetricsPage {
            announced: response.content_length(),
            response,
            endpoint: url.clone(),
            timeout: self.timeout(),
            content_type,
        })
    }
}

impl MetricsPage {
    /// The next piece of the (decompressed) body; None at its end.
    pub async fn chunk(
        &mut self,
    ) -> Result<Option<impl AsRef<[u8]> + Send + 'static>, SourceError> {
        self.response
            .chunk()
            .await
            .map_err(|e| SourceError::from_reqwest(&e, &self.endpoint, self.timeout))
    }
}
