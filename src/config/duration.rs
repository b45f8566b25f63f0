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

/// The one form of a duration on screen and in the CLI, two units at most,
/// the second zero-padded and left out when zero: "0.94s", "2.1s", "45s",
/// "1m05s", "5m", "2h03m", "3d04h"; under 10 ms, "3ms" (none: "0s").
pub fn short(value: Duration) -> String {
    let ms = value.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if ms < 10 {
        return format!("{ms}ms");
    }
    if ms < 10_000 {
        // Hundredths under a second, tenths under ten; no trailing zeros.
        let text = if ms < 995 {
            format!("{:.2}", ms as f64 / 1000.0)
        } else {
            format!("{:.1}", ms as f64 / 1000.0)
        };
        let text = text.trim_end_matches('0').trim_end_matches('.');
        return format!("{text}s");
    }
    // Whole seconds from 10 s on, truncated as a clock counts.
    let secs = (ms / 1000) as u64;
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let two = |big: u64, a: &str, small: u64, b: &str| {
        if small == 0 {
            format!("{big}{a}")
        } else {
            format!("{big}{a}{small:02}{b}")
        }
    };
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => two(m, "m", s, "s"),
        (0, _, _) => two(h, "h", m, "m"),
        _ => two(d, "d", h, "h"),
    }
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
    fn short_form_has_two_units_at_most() {
        let ms = Duration::from_millis;
        let cases = [
            (ms(0), "0s"),
            (ms(3), "3ms"),
            (ms(935), "0.94s"),
            (ms(500), "0.5s"),
            (ms(999), "1s"),
            (ms(2_100), "2.1s"),
            (ms(2_000), "2s"),
            (ms(9_960), "10s"),
            (ms(88_700), "1m28s"),
            (ms(45_000), "45s"),
            (ms(65_000), "1m05s"),
            (ms(300_000), "5m"),
            (ms(5_400_000), "1h30m"),
            (ms(7_380_000), "2h03m"),
            (ms(7_200_000), "2h"),
            (ms((3 * 86400 + 4 * 3600) * 1000), "3d04h"),
            (ms(30 * 86400 * 1000), "30d"),
        ];
        for (value, text) in cases {
            assert_eq!(short(value), text, "{value:?}");
        }
    }
}

/// An optional duration (`max_latency = "500ms"`, or left out).
pub mod option {
    use serde::{Deserializer, Serializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        super::deserialize(d).map(Some)
    }

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serialize(v, s),
            None => s.serialize_none(),
        }
    }
}
