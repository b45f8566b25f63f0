//! Health of every remote source (Prometheus, Alertmanager, `/metrics`): when it
//! last answered, how fast, and its last error, so panes can mark stale data.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// Index of a source in `AppState::sources`, fixed at start from the config order.
pub type SourceId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Prometheus,
    Alertmanager,
    Scrape,
    /// opsdeck's own `[[rule]]`s, evaluated here.
    Local,
    /// A `[[notifier]]` webhook: its health is its last delivery.
    Notifier,
}

impl SourceKind {
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Prometheus => "prometheus",
            SourceKind::Alertmanager => "alertmanager",
            SourceKind::Scrape => "scrape",
            SourceKind::Local => "local",
            SourceKind::Notifier => "notifier",
        }
    }

    /// A short tag for narrow columns.
    pub fn tag(self) -> &'static str {
        match self {
            SourceKind::Prometheus => "prom",
            SourceKind::Alertmanager => "am",
            SourceKind::Scrape => "scrape",
            SourceKind::Local => "local",
            SourceKind::Notifier => "notify",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceError {
    /// Short kind for narrow places: "down", "timeout", "http 500", "not json".
    pub kind: String,
    pub message: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub kind: SourceKind,
    pub name: String,
    /// Where it is read from, without credentials (for Alertmanager: the member
    /// that answered last).
    pub endpoint: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub last_ok: Option<DateTime<Utc>>,
    pub latency: Option<Duration>,
    pub error: Option<SourceError>,
    /// Consecutive failures, for the backoff shown next to the error.
    pub failures: u32,
    /// What the source says about itself: version, warnings, unparsable lines.
    pub note: Option<String>,
    /// TLS verification is off for this source (`insecure_skip_verify`).
    pub insecure: bool,
    /// An Alertmanager cluster's members, and which fail.
    pub members: Members,
    /// What of an answering source fails, in a few words for the header:
    /// "1/2 members", "3 unparsable".
    pub partial: Option<String>,
}

/// The members of an Alertmanager cluster (`urls`), as last checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Members {
    pub total: usize,
    /// (URL, error) of each member that did not answer.
    pub failing: Vec<(String, String)>,
}

impl Members {
    /// "1/2 members" when some fail; nothing when all answer.
    pub fn summary(&self) -> Option<String> {
        (!self.failing.is_empty()).then(|| {
            let up = self.total.saturating_sub(self.failing.len());
            format!("{up}/{} members", self.total)
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Not answered yet.
    Waiting,
    Ok,
    /// Answered, but slower than half its timeout.
    Slow,
    /// Answered, but part of it fails (a cluster member).
    Degraded,
    /// The last attempt failed; data on screen is stale.
    Down,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Waiting => "waiting",
            Health::Ok => "ok",
            Health::Slow => "slow",
            Health::Degraded => "degraded",
            Health::Down => "down",
        }
    }
}

impl Source {
    pub fn new(kind: SourceKind, name: &str, endpoint: String, interval: Duration) -> Self {
        Self {
            kind,
            name: name.to_string(),
            endpoint,
            interval,
            timeout: Duration::from_secs(10),
            last_ok: None,
            latency: None,
            error: None,
            failures: 0,
            note: None,
            insecure: false,
            members: Members::default(),
            partial: None,
        }
    }

    pub fn health(&self) -> Health {
        if self.error.is_some() {
            Health::Down
        } else if self.last_ok.is_none() {
            Health::Waiting
        } else if self.partial.is_some() {
            // It answers, but its cluster has lost a member: one more and it is gone.
            Health::Degraded
        } else if self.latency.is_some_and(|l| l > self.timeout / 2) {
            Health::Slow
        } else {
            Health::Ok
        }
    }

    pub fn succeeded(&mut self, at: DateTime<Utc>, latency: Duration) {
        self.last_ok = Some(at);
        self.latency = Some(latency);
        self.error = None;
        self.failures = 0;
    }

    pub fn failed(&mut self, at: DateTime<Utc>, kind: &str, message: String) {
        // Keep when the trouble started, so the age reads "down for 5m".
        let since = match &self.error {
            Some(e) => e.since,
            None => at,
        };
        self.error = Some(SourceError {
            kind: kind.to_string(),
            message,
            since,
        });
        self.failures = self.failures.saturating_add(1);
    }

    /// How old the data on screen is, when the source is failing and has had data.
    pub fn stale_for(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.error.as_ref()?;
        (now - self.last_ok?).to_std().ok()
    }

    /// "prom main", "am main": two sources may share a name, not a kind too.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.tag(), self.name)
    }

    /// What fails in an answering source, in full: "am main: member
    /// http://am-2:9093 fails: connection refused".
    pub fn partial_problem(&self) -> Option<String> {
        let partial = self.partial.as_ref()?;
        let detail = match self.members.failing.first() {
            Some((url, error)) => format!("member {url} fails: {error}"),
            None => self.note.clone().unwrap_or_else(|| partial.clone()),
        };
        Some(format!("{}: {detail}", self.label()))
    }

    /// "main: timed out after 10s (for 2m)", for status lines and pane titles.
    pub fn problem(&self, now: DateTime<Utc>) -> Option<String> {
        let e = self.error.as_ref()?;
        let age = (now - e.since).to_std().unwrap_or_default();
        Some(format!(
            "{}: {} (for {})",
            self.label(),
            e.message,
            crate::config::duration::short(age)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn health_follows_answers_and_failures() {
        let mut s = Source::new(
            SourceKind::Prometheus,
            "main",
            "http://p:9090".into(),
            Duration::from_secs(15),
        );
        assert_eq!(s.health(), Health::Waiting);
        s.succeeded(at(0), Duration::from_millis(20));
        assert_eq!(s.health(), Health::Ok);
        s.succeeded(at(15), Duration::from_secs(6));
        assert_eq!(s.health(), Health::Slow);
        s.failed(at(30), "timeout", "timed out after 10s".into());
        s.failed(at(60), "timeout", "timed out after 10s".into());
        assert_eq!(s.health(), Health::Down);
        assert_eq!(s.failures, 2);
        assert_eq!(s.stale_for(at(60)), Some(Duration::from_secs(45)));
        let problem = s.problem(at(90)).unwrap();
        assert!(problem.contains("timed out after 10s"), "{problem}");
        assert!(
            problem.contains("for 1m"),
            "the age counts from the first failure: {problem}"
        );
        s.succeeded(at(90), Duration::from_millis(20));
        assert_eq!(
            (s.health(), s.failures, s.stale_for(at(90))),
            (Health::Ok, 0, None)
        );
    }
}
