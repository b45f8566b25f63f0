//! A health check as the runtime probes it, validated from `[[health_check]]`.

use super::Thresholds;
use crate::config::remote::Connection;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckSpec {
    pub name: String,
    pub probe: ProbeSpec,
    pub interval: Duration,
    pub timeout: Duration,
    /// Probes come this often while pending or down.
    pub retry_interval: Duration,
    pub thresholds: Thresholds,
    /// A slower answer is a warning.
    pub max_latency: Option<Duration>,
    /// Added to the check's series and alerts (beside `check`).
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeSpec {
    Http(Box<HttpProbe>),
    /// `host:port`, connected to.
    Tcp(String),
    /// argv: exit 0 passing, 1 warning, anything else failing.
    Command(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpProbe {
    pub url: String,
    /// Statuses that pass; empty: any 2xx.
    pub status: Vec<u16>,
    pub body: Option<BodyPattern>,
    /// https: a certificate that expires sooner is a warning.
    pub certificate_min_valid: Duration,
    /// Sent with each probe (no credentials: those come from files).
    pub headers: BTreeMap<String, String>,
    /// Auth and TLS, as for `[[prometheus]]`.
    pub connection: Connection,
}

/// A regex the body must match.
#[derive(Debug, Clone)]
pub struct BodyPattern(pub regex::Regex);

impl PartialEq for BodyPattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl CheckSpec {
    pub fn kind(&self) -> &'static str {
        match self.probe {
            ProbeSpec::Http(_) => "http",
            ProbeSpec::Tcp(_) => "tcp",
            ProbeSpec::Command(_) => "command",
        }
    }

    /// An https check's bound on its certificate's days left.
    pub fn certificate_min_valid(&self) -> Option<Duration> {
        match &self.probe {
            ProbeSpec::Http(h) => Some(h.certificate_min_valid),
            _ => None,
        }
    }

    /// What it probes, for people: the URL, the address or the command.
    pub fn target(&self) -> String {
        match &self.probe {
            ProbeSpec::Http(h) => h.url.clone(),
            ProbeSpec::Tcp(address) => address.clone(),
            ProbeSpec::Command(argv) => crate::engine::shell_words(argv),
        }
    }
}
