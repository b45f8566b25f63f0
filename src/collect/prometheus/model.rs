//! Prometheus HTTP API v1 data, and how it is read from JSON.
//!
//! Sample values arrive as strings (`"NaN"`, `"+Inf"`, `"1e-3"`) precisely
//! because JSON numbers cannot carry NaN or infinities: they are parsed as
//! strings here, never through JSON numbers. Unknown fields are ignored, so
//! newer servers keep working.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize};

use crate::collect::http::json::{go_time, null_as_default};
use crate::labels::LabelSet;

pub type Labels = BTreeMap<String, String>;

/// An API answer's data, with the notes Prometheus attached to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse<T> {
    pub data: T,
    /// E.g. "PromQL info: metric might not be a counter" or partial results.
    pub warnings: Vec<String>,
    /// Prometheus 2.46+ annotations of lower severity than warnings.
    pub infos: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    Vector(Vec<InstantSample>),
    Matrix(Vec<RangeSeries>),
    Scalar(f64),
    String(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstantSample {
    pub labels: Labels,
    pub value: f64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeSeries {
    pub labels: Labels,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PromAlertState {
    Pending,
    Firing,
    /// Also any state this version does not know: shown as not firing.
    #[serde(other)]
    Inactive,
}

/// An entry of `GET /api/v1/alerts`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromAlert {
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: LabelSet,
    #[serde(default, deserialize_with = "null_as_default")]
    pub annotations: LabelSet,
    pub state: PromAlertState,
    #[serde(default, deserialize_with = "go_time")]
    pub active_at: Option<DateTime<Utc>>,
    /// The rule expression's value when it was last evaluated.
    #[serde(default = "nan", deserialize_with = "prom_f64")]
    pub value: f64,
}

/// An active target of `GET /api/v1/targets`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: Labels,
    #[serde(default)]
    pub scrape_pool: String,
    #[serde(default)]
    pub scrape_url: String,
    /// "up", "down" or "unknown".
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub last_error: String,
    #[serde(default, deserialize_with = "go_time")]
    pub last_scrape: Option<DateTime<Utc>>,
    /// Seconds.
    #[serde(default)]
    pub last_scrape_duration: Option<f64>,
}

/// `GET /api/v1/status/buildinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BuildInfo {
    pub version: String,
    pub revision: String,
    pub branch: String,
    pub build_user: String,
    pub build_date: String,
    pub go_version: String,
}

/// The API's envelope; `data` is absent on errors.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Envelope<T> {
    pub status: String,
    pub data: Option<T>,
    pub error_type: Option<String>,
    pub error: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub warnings: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub infos: Vec<String>,
}

/// `data` of /query and /query_range, tagged by `resultType`.
#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub(super) enum RawQueryData {
    Vector(Vec<RawInstant>),
    Matrix(Vec<RawRange>),
    Scalar(RawPoint),
    String(RawStringPoint),
}

#[derive(Deserialize)]
pub(super) struct RawInstant {
    #[serde(default, deserialize_with = "null_as_default")]
    metric: Labels,
    /// Absent for native-histogram samples (`histogram`), which are skipped.
    value: Option<RawPoint>,
}

#[derive(Deserialize)]
pub(super) struct RawRange {
    #[serde(default, deserialize_with = "null_as_default")]
    metric: Labels,
    #[serde(default, deserialize_with = "null_as_default")]
    values: Vec<RawPoint>,
}

/// `[ <unix seconds>, "<value>" ]`
#[derive(Deserialize)]
pub(super) struct RawPoint(PromTime, PromFloat);

#[derive(Deserialize)]
pub(super) struct RawStringPoint(de::IgnoredAny, String);

impl From<RawQueryData> for QueryValue {
    fn from(raw: RawQueryData) -> Self {
        match raw {
            RawQueryData::Vector(v) => QueryValue::Vector(
                v.into_iter()
                    .filter_map(|s| {
                        let RawPoint(at, value) = s.value?;
                        Some(InstantSample {
                            labels: s.metric,
                            value: value.0,
                            at: at.0,
                        })
                    })
                    .collect(),
            ),
            RawQueryData::Matrix(m) => QueryValue::Matrix(
                m.into_iter()
                    .map(|s| RangeSeries {
                        labels: s.metric,
                        points: s.values.into_iter().map(|p| (p.0.0, p.1.0)).collect(),
                    })
                    .collect(),
            ),
            RawQueryData::Scalar(RawPoint(_, v)) => QueryValue::Scalar(v.0),
            RawQueryData::String(RawStringPoint(_, s)) => QueryValue::String(s),
        }
    }
}

impl QueryValue {
    pub fn kind(&self) -> &'static str {
        match self {
            QueryValue::Vector(_) => "vector",
            QueryValue::Matrix(_) => "matrix",
            QueryValue::Scalar(_) => "scalar",
            QueryValue::String(_) => "string",
        }
    }
}

#[derive(Deserialize)]
pub(super) struct AlertsData {
    #[serde(default, deserialize_with = "null_as_default")]
    pub alerts: Vec<PromAlert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TargetsData {
    #[serde(default, deserialize_with = "null_as_default")]
    pub active_targets: Vec<Target>,
}

fn nan() -> f64 {
    f64::NAN
}

fn prom_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    PromFloat::deserialize(d).map(|v| v.0)
}

/// A sample value: a string in Go's float syntax, or (leniently) a number.
struct PromFloat(f64);

impl<'de> Deserialize<'de> for PromFloat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PromFloat;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sample value such as \"1.5\", \"NaN\" or \"+Inf\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PromFloat, E> {
                // Rust's parser accepts Go's spellings: NaN, +Inf, -Inf, 1e-3.
                s.parse()
                    .map(PromFloat)
                    .map_err(|_| E::invalid_value(Unexpected::Str(s), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<PromFloat, E> {
                Ok(PromFloat(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PromFloat, E> {
                Ok(PromFloat(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PromFloat, E> {
                Ok(PromFloat(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// A sample time: float seconds since the epoch, kept to the millisecond
/// (Prometheus's own resolution).
struct PromTime(DateTime<Utc>);

impl<'de> Deserialize<'de> for PromTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let secs = PromFloat::deserialize(d)?.0;
        let millis = (secs * 1000.0).round();
        if !millis.is_finite() {
            return Err(de::Error::custom(format_args!("invalid timestamp {secs}")));
        }
        DateTime::from_timestamp_millis(millis as i64)
            .map(PromTime)
            .ok_or_else(|| de::Error::custom(format_args!("timestamp out of range: {secs}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_value(json: &str) -> QueryValue {
        serde_json::from_str::<RawQueryData>(json)
            .expect(json)
            .into()
    }

    #[test]
    fn special_float_values_survive() {
        let v = query_value(
            r#"{"resultType":"vector","result":[
                {"metric":{"a":"1"},"value":[1700000000.123,"NaN"]},
                {"metric":{"a":"2"},"value":[1700000000,"+Inf"]},
                {"metric":{"a":"3"},"value":[1700000000,"-Inf"]},
                {"metric":{"a":"4"},"value":[1700000000,"1e-3"]}]}"#,
        );
        let QueryValue::Vector(samples) = v else {
            panic!("vector expected: {v:?}")
        };
        assert!(samples[0].value.is_nan());
        assert_eq!(samples[0].at.timestamp_millis(), 1_700_000_000_123);
        assert_eq!(samples[1].value, f64::INFINITY);
        assert_eq!(samples[2].value, f64::NEG_INFINITY);
        assert_eq!(samples[3].value, 0.001);
    }

    #[test]
    fn scalar_string_and_unknown_fields() {
        let v = query_value(r#"{"result":[1.5,"42"],"resultType":"scalar","stats":{"x":1}}"#);
        assert_eq!(v, QueryValue::Scalar(42.0));
        let v = query_value(r#"{"resultType":"string","result":[1.5,"hello"]}"#);
        assert_eq!(v, QueryValue::String("hello".into()));
    }

    #[test]
    fn histogram_samples_are_skipped() {
        let v = query_value(
            r#"{"resultType":"vector","result":[
                {"metric":{},"histogram":[1,{"count":"2","sum":"3","buckets":[]}]},
                {"metric":{"x":"y"},"value":[1,"2"]}]}"#,
        );
        assert_eq!(v.kind(), "vector");
        let QueryValue::Vector(samples) = v else {
            unreachable!()
        };
        assert_eq!(samples.len(), 1);
        assert_eq!(samples[0].labels["x"], "y");
    }

    #[test]
    fn bad_values_are_errors_with_positions() {
        let err = serde_json::from_str::<RawQueryData>(
            r#"{"resultType":"vector","result":[{"metric":{},"value":[1,"many"]}]}"#,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("many") && err.contains("column"), "{err}");
    }
}
