//! Alertmanager API v2 data. Decoding is lenient (no unknown-field errors,
//! optional fields defaulted) so that 0.25 and later versions all read.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::collect::http::json::{go_time, null_as_default};

pub use crate::labels::LabelSet as Labels;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AmAlertState {
    Active,
    Suppressed,
    /// Also any state this version does not know.
    #[serde(other)]
    Unprocessed,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(from = "RawAlert")]
pub struct AmAlert {
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: Option<DateTime<Utc>>,
    /// Shared with the rows made from it.
    pub generator_url: Option<Arc<str>>,
    pub state: AmAlertState,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    // Not kept: `endsAt` and `updatedAt` (they move at every evaluation and
    // nothing shows them), `receivers` and `fingerprint` (nothing reads
    // them); a storm holds thousands of these.
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    /// `false` for `!=` and `!~`. Absent before Alertmanager 0.22: equal.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(from = "RawSilence")]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
    pub state: SilenceState,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The body of `POST /api/v2/silences`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSilence {
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

/// An alert as `POST /api/v2/alerts` takes it (what Prometheus sends).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    /// A while ahead while firing (refreshed before it passes); the resolve time
    /// once resolved.
    pub ends_at: DateTime<Utc>,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(from = "RawStatus")]
pub struct AmStatus {
    pub version: Option<String>,
    /// "ready", "settling" or "disabled".
    pub cluster_status: Option<String>,
    /// When the server started (despite the name).
    pub uptime: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

// The wire shapes, converted to the flat public types above.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlert {
    #[serde(default, deserialize_with = "null_as_default")]
    labels: Labels,
    #[serde(default, deserialize_with = "null_as_default")]
    annotations: Labels,
    #[serde(default, deserialize_with = "go_time")]
    starts_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
    #[serde(default)]
    status: Option<RawAlertStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlertStatus {
    state: AmAlertState,
    #[serde(default, deserialize_with = "null_as_default")]
    silenced_by: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    inhibited_by: Vec<String>,
}

impl From<RawAlert> for AmAlert {
    fn from(raw: RawAlert) -> Self {
        let (state, silenced_by, inhibited_by) = match raw.status {
            Some(s) => (s.state, s.silenced_by, s.inhibited_by),
            None => (AmAlertState::Unprocessed, Vec::new(), Vec::new()),
        };
        AmAlert {
            labels: raw.labels,
            annotations: raw.annotations,
            starts_at: raw.starts_at,
            generator_url: raw.generator_url.filter(|u| !u.is_empty()).map(Arc::from),
            state,
            silenced_by,
            inhibited_by,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSilence {
    #[serde(default)]
    id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    matchers: Vec<Matcher>,
    // Required by the API; a silence without them is not worth showing.
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    status: Option<RawSilenceStatus>,
    #[serde(default, deserialize_with = "go_time")]
    updated_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct RawSilenceStatus {
    state: SilenceState,
}

impl From<RawSilence> for Silence {
    fn from(raw: RawSilence) -> Self {
        Silence {
            id: raw.id,
            matchers: raw.matchers,
            starts_at: raw.starts_at,
            ends_at: raw.ends_at,
            created_by: raw.created_by,
            comment: raw.comment,
            state: raw.status.map_or(SilenceState::Unknown, |s| s.state),
            updated_at: raw.updated_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatus {
    #[serde(default)]
    version_info: Option<RawVersionInfo>,
    #[serde(default)]
    cluster: Option<RawCluster>,
    #[serde(default, deserialize_with = "go_time")]
    uptime: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct RawVersionInfo {
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct RawCluster {
    #[serde(default)]
    status: Option<String>,
}

impl From<RawStatus> for AmStatus {
    fn from(raw: RawStatus) -> Self {
        AmStatus {
            version: raw.version_info.and_then(|v| v.version),
            cluster_status: raw.cluster.and_then(|c| c.status),
            uptime: raw.uptime,
        }
    }
}

/// `POST /api/v2/silences` answers `{"silenceID": "…"}`.
#[derive(Deserialize)]
pub(super) struct SilenceCreated {
    #[serde(rename = "silenceID")]
    pub silence_id: String,
}
