//! Alertmanager API v2 client for one HA cluster.
//!
//! Members hold the same state (they gossip), so any healthy one will do.
//! Requests start at the member that last answered and go round the list
//! in order; the first answer wins. A write refused with a 4xx is not
//! retried elsewhere: every member would refuse it alike. A write that
//! timed out is retried on the next member although the first may have
//! applied it: a duplicate silence is harmless, a missing one during an
//! incident is not.

mod model;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;

use crate::collect::http::{HttpClient, SourceError, decode_off_thread};
use crate::collect::unchanged::{self, Fresh};

pub use model::{
    AmAlert, AmAlertState, AmStatus, Labels, Matcher, NewSilence, PostableAlert, Silence,
    SilenceState,
};

/// A value read, with the member that answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    pub member: Url,
    pub value: T,
}

/// The outcome of a write, with the member that accepted it.
#[derive(Debug, Clone, PartialEq)]
pub struct Written<T> {
    pub member: Url,
    pub value: T,
}

/// The longest a cluster member's health check may take.
const MEMBER_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct AlertmanagerClient {
    name: String,
    members: Arc<[Url]>,
    http: HttpClient,
    /// Index of the member that answered last; shared by clones.
    preferred: Arc<AtomicUsize>,
}

impl AlertmanagerClient {
    pub fn new(name: &str, members: Vec<Url>, http: HttpClient) -> Self {
        AlertmanagerClient {
            name: name.to_owned(),
            members: members.into(),
            http,
            preferred: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn members(&self) -> &[Url] {
        &self.members
    }

    /// Every alert: active, silenced, inhibited and not yet processed.
    pub async fn alerts(&self) -> Result<Read<Vec<AmAlert>>, SourceError> {
        let query = "active=true&silenced=true&inhibited=true&unprocessed=true";
        self.read("alerts", Some(query)).await
    }

    /// [`Self::alerts`], decoded only if the list differs from the one whose
    /// digest is `last` (see `collect::unchanged`).
    pub async fn alerts_since(
        &self,
        last: Option<u64>,
    ) -> Result<Read<Fresh<Vec<AmAlert>>>, SourceError> {
        let query = "active=true&silenced=true&inhibited=true&unprocessed=true";
        let (member, value) = self
            .on_members(false, async |member| {
                let url = endpoint(member, &["alerts"]);
                let mut with_query = url.clone();
                with_query.set_query(Some(query));
                let request = self.http.request(Method::GET, with_query);
                let response = self.send(request, &url).await?;
                decode_off_thread(response, move |r| {
                    let (digest, count) = match unchanged::alertmanager_alerts(&r.body) {
                        Some((digest, count)) => (Some(digest), count),
                        None => (None, 0),
                    };
                    if digest.is_some() && digest == last {
                        return Ok(Fresh::Same);
                    }
                    Ok(Fresh::New(r.json_list::<AmAlert>(count)?, digest))
                })
                .await
            })
            .await?;
        Ok(Read { member, value })
    }

    pub async fn silences(&self) -> Result<Read<Vec<Silence>>, SourceError> {
        self.read("silences", None).await
    }

    pub async fn status(&self) -> Result<Read<AmStatus>, SourceError> {
        self.read("status", None).await
    }

    /// `POST /api/v2/silences`; returns the new silence's ID.
    pub async fn create_silence(&self, s: &NewSilence) -> Result<Written<String>, SourceError> {
        let (member, created) = self
            .on_members(true, async |member| {
                let url = endpoint(member, &["silences"]);
                let request = self.http.request(Method::POST, url.clone()).json(s);
                let response = self.send(request, &url).await?;
                response.json::<model::SilenceCreated>()
            })
            .await?;
        Ok(Written {
            member,
            value: created.silence_id,
        })
    }

    /// `POST /api/v2/alerts` to every member: members do not gossip alerts, so
    /// each must hear them itself (as Prometheus does). Succeeds when at least one
    /// member accepted; returns the members that did.
    pub async fn post_alerts(&self, alerts: &[PostableAlert]) -> Result<Vec<Url>, SourceError> {
        let mut accepted = Vec::new();
        let mut failures = Vec::new();
        for member in self.members.iter() {
            let url = endpoint(member, &["alerts"]);
            let request = self.http.request(Method::POST, url.clone()).json(alerts);
            match self.send(request, &url).await {
                Ok(_) => accepted.push(member.clone()),
                Err(e) => failures.push(e),
            }
        }
        match (accepted.is_empty(), failures.len()) {
            (false, _) => Ok(accepted),
            (true, 1) => Err(failures.remove(0)),
            (true, _) => Err(SourceError::AllMembersFailed {
                name: format!("alertmanager {}", self.name),
                failures,
            }),
        }
    }

    /// `DELETE /api/v2/silence/{id}`.
    pub async fn expire_silence(&self, id: &str) -> Result<Written<()>, SourceError> {
        let (member, ()) = self
            .on_members(true, async |member| {
                let url = endpoint(member, &["silence", id]);
                let request = self.http.request(Method::DELETE, url.clone());
                self.send(request, &url).await.map(drop)
            })
            .await?;
        Ok(Written { member, value: () })
    }

    async fn read<T: DeserializeOwned + Send + 'static>(
        &self,
        what: &str,
        query: Option<&str>,
    ) -> Result<Read<T>, SourceError> {
        let (member, value) = self
            .on_members(false, async |member| {
                let url = endpoint(member, &[what]);
                let mut with_query = url.clone();
                with_query.set_query(query);
                let request = self.http.request(Method::GET, with_query);
                let response = self.send(request, &url).await?;
                decode_off_thread(response, |r| r.json::<T>()).await
            })
            .await?;
        Ok(Read { member, value })
    }

    /// Asks every member for its status at once: in a cluster, a dead member
    /// is hidden by failover, so each is asked. Returns the failing ones.
    pub async fn failing_members(&self) -> Vec<(Url, SourceError)> {
        // Short: a hung member must not hold up the poll it rides along with.
        let patience = (self.http.timeout() / 2).min(MEMBER_CHECK);
        let checks = self.members.iter().map(|member| async move {
            let url = endpoint(member, &["status"]);
            let request = self.http.request(Method::GET, url.clone());
            let result = match tokio::time::timeout(patience, self.send(request, &url)).await {
                Ok(result) => result,
                Err(_) => Err(SourceError::Timeout {
                    url: crate::collect::http::url_for_display(&url),
                    timeout: patience,
                }),
            };
            result.err().map(|e| (member.clone(), e))
        });
        futures_util::future::join_all(checks)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Sends, expecting JSON back; non-2xx becomes a status error.
    async fn send(
        &self,
        request: RequestBuilder,
        url: &Url,
    ) -> Result<crate::collect::http::Response, SourceError> {
        let request = request.header(ACCEPT, HeaderValue::from_static("application/json"));
        self.http.send(request, url).await?.ensure_success()
    }

    /// Runs `attempt` against the members, from the last good one on,
    /// until one succeeds. With `write`, a 4xx stops the round.
    async fn on_members<T>(
        &self,
        write: bool,
        attempt: impl AsyncFn(&Url) -> Result<T, SourceError>,
    ) -> Result<(Url, T), SourceError> {
        let count = self.members.len();
        if count == 0 {
            return Err(SourceError::Config {
                message: format!("alertmanager {:?} has no URL", self.name),
            });
        }
        let start = self.preferred.load(Ordering::Relaxed) % count;
        let mut failures = Vec::new();
        for index in (0..count).map(|k| (start + k) % count) {
            let member = &self.members[index];
            match attempt(member).await {
                Ok(value) => {
                    self.preferred.store(index, Ordering::Relaxed);
                    return Ok((member.clone(), value));
                }
                Err(e) if write && e.is_client_error() => return Err(e),
                Err(e) => {
                    tracing::debug!(source = %self.name, error = %e, "alertmanager member failed");
                    failures.push(e);
                }
            }
        }
        if failures.len() == 1 {
            return Err(failures.remove(0));
        }
        Err(SourceError::AllMembersFailed {
            name: format!("alertmanager {}", self.name),
            failures,
        })
    }
}

/// `member` + `/api/v2/` + `segments`, each segment percent-encoded (a
/// silence ID is user-visible text, so don't trust it in a path).
fn endpoint(member: &Url, segments: &[&str]) -> Url {
    let mut url = member.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(["api", "v2"]).extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_prefix_and_encode_ids() {
        let base = Url::parse("http://am:9093/alertmanager/?x=1").unwrap();
        assert_eq!(
            endpoint(&base, &["silence", "a/b c"]).as_str(),
            "http://am:9093/alertmanager/api/v2/silence/a%2Fb%20c"
        );
        let base = Url::parse("http://am:9093").unwrap();
        assert_eq!(
            endpoint(&base, &["alerts"]).as_str(),
            "http://am:9093/api/v2/alerts"
        );
    }
}
