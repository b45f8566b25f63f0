//! Compact number formatting for narrow columns.

use std::time::Duration;

/// 1536 → "1.5K", binary units as free(1) and htop use.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "K", "M", "G", "T", "P"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n}B")
    } else if value < 10.0 {
        format!("{value:.1}{}", UNITS[unit])
    } else {
        format!("{value:.0}{}", UNITS[unit])
    }
}

/// `text` cut to `width` characters, with "…" when something was cut.
pub fn ellipsis(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

pub fn rate(bytes_per_sec: f64) -> String {
    format!("{}/s", bytes(bytes_per_sec.max(0.0).round() as u64))
}

/// A panel value in its configured unit: "1.5G", "350ms", "42.0%", "12.3/s".
pub fn unit_value(value: f64, unit: crate::config::remote::Unit) -> String {
    use crate::config::remote::Unit;
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    match unit {
        Unit::Bytes => signed(value, |v| bytes(v.round() as u64)),
        Unit::BytesRate => signed(value, rate),
        Unit::Percent => format!("{value:.1}%"),
        Unit::Seconds => seconds(value),
        Unit::Rate => format!("{}/s", si(value)),
        Unit::None => si(value),
    }
}

fn signed(value: f64, f: impl Fn(f64) -> String) -> String {
    if value < 0.0 {
        format!("-{}", f(-value))
    } else {
        f(value)
    }
}

/// 0.00042 → "420µs", 1.5 → "1.50s", 400 → "6m40s".
fn seconds(value: f64) -> String {
    let a = value.abs();
    if a == 0.0 {
        "0s".into()
    } else if a < 1e-3 {
        format!("{:.0}µs", value * 1e6)
    } else if a < 1.0 {
        format!("{:.0}ms", value * 1e3)
    } else if a < 60.0 {
        format!("{value:.2}s")
    } else {
        signed(value, |v| age(v.round() as u64))
    }
}

/// SI-prefixed number: 1234 → "1.23k", 0.5 → "0.5".
fn si(value: f64) -> String {
    let a = value.abs();
    let (scaled, prefix) = if a >= 1e12 {
        (value / 1e12, "T")
    } else if a >= 1e9 {
        (value / 1e9, "G")
    } else if a >= 1e6 {
        (value / 1e6, "M")
    } else if a >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.3}");
    // At most 3 decimals, no trailing zeros: "2" not "2.000".
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{prefix}")
}

/// Whole seconds as every duration is shown (`config::duration::short`):
/// 93784 → "1d02h", 3700 → "1h01m", 65 → "1m05s", 59 → "59s".
pub fn age(secs: u64) -> String {
    crate::config::duration::short(std::time::Duration::from_secs(secs))
}

/// A forecast as the range it is sure of, in one unit chosen by its far end:
/// "40–55m", "5–7h", "3–4d"; "~6h" when both ends round the same. Whole units
/// only, so the figure does not twitch with every sample.
pub fn forecast(earliest: Duration, latest: Duration) -> String {
    let far = latest.as_secs_f64();
    let (unit, secs) = if far < 2.0 * 3600.0 {
        ("m", 60.0)
    } else if far < 2.0 * 86400.0 {
        ("h", 3600.0)
    } else {
        ("d", 86400.0)
    };
    let lo = (earliest.as_secs_f64() / secs).round() as u64;
    let hi = (far / secs).round() as u64;
    match (lo, hi) {
        (_, 0) => "<1m".into(),
        (lo, hi) if lo == hi => format!("~{hi}{unit}"),
        (lo, hi) => format!("{lo}–{hi}{unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_values() {
        use crate::config::remote::Unit;
        assert_eq!(unit_value(1536.0, Unit::Bytes), "1.5K");
        assert_eq!(unit_value(0.35, Unit::Seconds), "350ms");
        assert_eq!(unit_value(400.0, Unit::Seconds), "6m40s");
        assert_eq!(unit_value(42.04, Unit::Percent), "42.0%");
        assert_eq!(unit_value(1234.0, Unit::Rate), "1.234k/s");
        assert_eq!(unit_value(2.0, Unit::None), "2");
        assert_eq!(unit_value(f64::NAN, Unit::None), "NaN");
        assert_eq!(unit_value(f64::NEG_INFINITY, Unit::Bytes), "-Inf");
    }

    #[test]
    fn formats_bytes_compactly() {
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(1536), "1.5K");
        assert_eq!(bytes(8 * 1024 * 1024 * 1024), "8.0G");
        assert_eq!(bytes(300 * 1024 * 1024), "300M");
    }

    #[test]
    fn formats_ages() {
        assert_eq!(age(59), "59s");
        assert_eq!(age(3700), "1h01m");
        assert_eq!(age(93784), "1d02h");
        assert_eq!(age(0), "0s");
    }

    #[test]
    fn forecasts_say_how_sure_they_are() {
        let m = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(forecast(m(40), m(55)), "40–55m");
        assert_eq!(forecast(m(300), m(420)), "5–7h");
        assert_eq!(forecast(m(339), m(339)), "~6h");
        assert_eq!(forecast(m(3 * 1440), m(4 * 1440 + 100)), "3–4d");
        assert_eq!(forecast(m(50), m(150)), "1–3h");
        assert_eq!(forecast(Duration::ZERO, Duration::from_secs(20)), "<1m");
        // The widest: half a year to a year, within the column's 8 characters.
        assert_eq!(forecast(m(183 * 1440), m(730 * 1440)), "183–730d");
    }
}
