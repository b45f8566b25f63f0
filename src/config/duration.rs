//! Durations in config are human strings ("1s", "5m", "30d"), parsed by humantime.

use serde::{Deserializer, Serializer};
use std::time::Duration;

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = Duration;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a duration string such as \"500ms\", \"5s\" or \"10m\"")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
            parse(v).map_err(E::custom)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
            Err(E::custom(format!(
                "a duration needs a unit and quotes: write \"{v}s\" (or ms, m, h, d)"
            )))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
            self.visit_i64(v as i64)
        }
    }
    d.deserialize_any(Visitor)
}

#[allow(dead_code)] // used by serde when a config is re-serialised (snapshot, info)
pub fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*value).to_string())
}

/// Parses a duration such as "1s", "250ms", "5m", "30d".
pub fn parse(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        format!("invalid duration {text:?} ({e}); use e.g. \"500ms\", \"1s\", \"5m\", \"30d\"")
    })
}

/// Short form for display: "1s", "10m", "1h30m".
pub fn short(value: Duration) -> String {
    humantime::format_duration(Duration::from_secs(value.as_secs()))
        .to_string()
        .replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_human_durations() {
        assert_eq!(parse("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("30d").unwrap(), Duration::from_secs(30 * 86400));
        assert!(parse("soon").unwrap_err().contains("\"soon\""));
    }

    #[test]
    fn short_form_has_no_spaces() {
        assert_eq!(short(Duration::from_secs(5400)), "1h30m");
    }
}
