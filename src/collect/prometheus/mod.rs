//! Prometheus HTTP API v1 client: instant and range queries, alerts,
//! targets and build info.
//!
//! Errors come back typed: Prometheus's JSON error envelope (with 400, 422,
//! 503, or even 200) becomes [`SourceError::Api`] with its `errorType`.

mod model;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method, Url};
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::collect::http::{
    ApiErrorType, HttpClient, Response, SourceError, decode_off_thread, one_line, url_for_display,
};

use crate::collect::unchanged::{self, Fresh};
use model::{AlertsData, Envelope, RawQueryData, TargetsData};
pub use model::{
    ApiResponse, BuildInfo, InstantSample, Labels, PromAlert, PromAlertState, QueryValue,
    RangeSeries, Target,
};

/// Above this many bytes of encoded parameters a query is POSTed as a form:
/// long URLs get cut by proxies. Below it GET is used, since some
/// read-only proxies refuse POST.
pub const MAX_GET_QUERY_BYTES: usize = 1500;

#[derive(Debug, Clone)]
pub struct PrometheusClient {
    name: String,
    base: Url,
    http: HttpClient,
}

impl PrometheusClient {
    /// `base` is the server's root, e.g. `http://prom:9090/` or a prefix
    /// behind a proxy such as `https://gw/prometheus/`.
    pub fn new(name: &str, base: Url, http: HttpClient) -> Self {
        PrometheusClient {
            name: name.to_owned(),
            base,
            http,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `GET|POST /api/v1/query`, evaluated at `at` (the server's now if None).
    pub async fn query(
        &self,
        expr: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<ApiResponse<QueryValue>, SourceError> {
        let mut params = vec![("query", expr.to_owned())];
        if let Some(at) = at {
            params.push(("time", rfc3339(at)));
        }
        let raw: ApiResponse<RawQueryData> = self.call("/api/v1/query", &params, true).await?;
        Ok(map_data(raw, QueryValue::from))
    }

    /// `GET|POST /api/v1/query_range`.
    pub async fn query_range(
        &self,
        expr: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: Duration,
    ) -> Result<ApiResponse<Vec<RangeSeries>>, SourceError> {
        let params = [
            ("query", expr.to_owned()),
            ("start", rfc3339(start)),
            ("end", rfc3339(end)),
            // Float seconds: the one step syntax every version accepts.
            ("step", step.as_secs_f64().to_string()),
        ];
        let endpoint = self.endpoint("/api/v1/query_range");
        let raw: ApiResponse<RawQueryData> =
            self.call("/api/v1/query_range", &params, true).await?;
        match QueryValue::from(raw.data) {
            QueryValue::Matrix(series) => Ok(ApiResponse {
                data: series,
                warnings: raw.warnings,
                infos: raw.infos,
            }),
            other => Err(SourceError::BadJson {
                url: url_for_display(&endpoint),
                message: format!("expected a matrix, got a {}", other.kind()),
            }),
        }
    }

    /// `GET /api/v1/alerts`: pending and firing alerts of all rules.
    pub async fn alerts(&self) -> Result<ApiResponse<Vec<PromAlert>>, SourceError> {
        let raw: ApiResponse<AlertsData> = self.call("/api/v1/alerts", &[], false).await?;
        Ok(map_data(raw, |d| d.alerts))
    }

    /// [`Self::alerts`], decoded only if the list (or its warnings) differs
    /// from the one whose digest is `last` (see `collect::unchanged`).
    pub async fn alerts_since(
        &self,
        last: Option<u64>,
    ) -> Result<Fresh<ApiResponse<Vec<PromAlert>>>, SourceError> {
        let endpoint = self.endpoint("/api/v1/alerts");
        let request = self
            .http
            .request(Method::GET, endpoint.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        let response = self.http.send(request, &endpoint).await?;
        decode_off_thread(response, move |r| {
            let digest = unchanged::prometheus_alerts(&r.body);
            if digest.is_some() && digest == last {
                return Ok(Fresh::Same);
            }
            let raw: ApiResponse<AlertsData> = decode(r)?;
            Ok(Fresh::New(map_data(raw, |d| d.alerts), digest))
        })
        .await
    }

    /// `GET /api/v1/targets?state=active`.
    pub async fn targets(&self) -> Result<ApiResponse<Vec<Target>>, SourceError> {
        let params = [("state", "active".to_owned())];
        let raw: ApiResponse<TargetsData> = self.call("/api/v1/targets", &params, false).await?;
        Ok(map_data(raw, |d| d.active_targets))
    }

    /// `GET /api/v1/status/buildinfo`: the version, for the status line.
    pub async fn build_info(&self) -> Result<ApiResponse<BuildInfo>, SourceError> {
        self.call("/api/v1/status/buildinfo", &[], false).await
    }

    /// `path` appended to the base URL's path; the base's own query (a
    /// proxy's tenant parameter, say) is kept.
    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    }

    async fn call<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
        params: &[(&str, String)],
        post_if_long: bool,
    ) -> Result<ApiResponse<T>, SourceError> {
        let endpoint = self.endpoint(path);
        let mut get_url = endpoint.clone();
        if !params.is_empty() {
            get_url.query_pairs_mut().extend_pairs(params);
        }
        let encoded_len = get_url.query().map_or(0, str::len);
        let request = if post_if_long && encoded_len > MAX_GET_QUERY_BYTES {
            self.http
                .request(Method::POST, endpoint.clone())
                .form(params)
        } else {
            self.http.request(Method::GET, get_url)
        };
        let request = request.header(ACCEPT, HeaderValue::from_static("application/json"));
        let response = self.http.send(request, &endpoint).await?;
        decode_off_thread(response, |r| decode(r)).await
    }
}

fn map_data<T, U>(r: ApiResponse<T>, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
    ApiResponse {
        data: f(r.data),
        warnings: r.warnings,
        infos: r.infos,
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads Prometheus's envelope whatever the HTTP status: its typed error
/// beats a bare status, and a bare status beats "not JSON" for a proxy's
/// error page.
fn decode<T: DeserializeOwned>(response: &Response) -> Result<ApiResponse<T>, SourceError> {
    if !response.looks_like_json() && !response.status.is_success() {
        return Err(response.status_error());
    }
    let parsed = response.json::<Envelope<T>>();
    let envelope = match parsed {
        Ok(envelope) => envelope,
        Err(err @ SourceError::BadJson { .. }) => {
            // Maybe an error envelope whose `data` we could not read, or
            // some other JSON error body.
            if let Ok(env) = serde_json::from_slice::<Envelope<IgnoredAny>>(&response.body)
                && env.status == "error"
            {
                return Err(api_error(response, env));
            }
            if !response.status.is_success() {
                return Err(response.status_error());
            }
            return Err(err);
        }
        Err(other) => return Err(other),
    };
    if envelope.status == "error" {
        return Err(api_error(response, envelope));
    }
    match envelope.data {
        Some(data) if envelope.status == "success" => Ok(ApiResponse {
            data,
            warnings: envelope.warnings,
            infos: envelope.infos,
        }),
        _ if !response.status.is_success() => Err(response.status_error()),
        _ => Err(response.bad_json(format!("status {:?} without data", envelope.status))),
    }
}

fn api_error<T>(response: &Response, env: Envelope<T>) -> SourceError {
    SourceError::Api {
        url: response.url.clone(),
        error_type: ApiErrorType::parse(env.error_type.as_deref().unwrap_or("")),
        message: one_line(env.error.as_deref().unwrap_or(""), 300),
    }
}
