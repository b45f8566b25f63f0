//! Sizes in config are strings with a unit ("64MiB", "500kB"), like durations:
//! a bare number would leave the reader guessing bytes, KiB or MiB.

use serde::{Deserializer, Serializer};

const UNITS: [(&str, u64); 9] = [
    ("B", 1),
    ("kB", 1000),
    ("KB", 1000),
    ("MB", 1000 * 1000),
    ("GB", 1000 * 1000 * 1000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("", 0),
];

const EXAMPLES: &str = "use e.g. \"512KiB\", \"64MiB\", \"1GiB\" or \"50MB\"";

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a size string such as \"64MiB\"")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
            parse(v).map_err(E::custom)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            Err(E::custom(format!(
                "a size needs a unit and quotes: write \"{v}B\" (or KiB, MiB, GiB, kB, MB, GB)"
            )))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            self.visit_i64(v as i64)
        }
    }
    d.deserialize_any(Visitor)
}

#[allow(dead_code)] // used by serde when a config is re-serialised (snapshot, info)
pub fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&show(*value))
}

/// Parses "64MiB", "64 MiB", "50MB", "4096B" (binary and decimal units, exact
/// case for k/K as both are common; whole numbers only, over zero).
pub fn parse(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = trimmed.split_at(digits);
    let unit = unit.trim_start();
    let invalid = |why: &str| format!("invalid size {text:?} ({why}); {EXAMPLES}");
    let number: u64 = number.parse().map_err(|_| invalid("no number"))?;
    let &(_, factor) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or_else(|| invalid("unknown unit"))?;
    if factor == 0 {
        return Err(invalid("no unit"));
    }
    match number.checked_mul(factor) {
        Some(0) => Err(invalid("must be over zero")),
        Some(bytes) => Ok(bytes),
        None => Err(invalid("too large")),
    }
}

/// The shortest exact form: "64 MiB", "50 MB", "4097 B".
pub fn show(bytes: u64) -> String {
    const SHOWN: [(&str, u64); 6] = [
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
        ("GB", 1000 * 1000 * 1000),
        ("MB", 1000 * 1000),
        ("kB", 1000),
    ];
    SHOWN
        .iter()
        .find(|&&(_, f)| bytes >= f && bytes.is_multiple_of(f))
        .map_or_else(
            || format!("{bytes} B"),
            |&(unit, f)| format!("{} {unit}", bytes / f),
        )
}

/// An approximate size for messages about what was seen: "80.0 MiB", "912 KiB".
pub fn approx(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_exactly() {
        assert_eq!(parse("64MiB"), Ok(64 << 20));
        assert_eq!(parse(" 64 MiB "), Ok(64 << 20));
        assert_eq!(parse("50MB"), Ok(50_000_000));
        assert_eq!(parse("512KiB"), Ok(512 << 10));
        assert_eq!(parse("1GiB"), Ok(1 << 30));
        assert_eq!(parse("4096B"), Ok(4096));
        assert_eq!(parse("2kB"), Ok(2000));
    }

    #[test]
    fn bad_sizes_say_why_and_how() {
        for (text, why) in [
            ("64", "no unit"),
            ("MiB", "no number"),
            ("64 MB/s", "unknown unit"),
            ("1.5GiB", "unknown unit"),
            ("0MiB", "over zero"),
            ("99999999999GiB", "too large"),
            ("-1MiB", "no number"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(why) && e.contains("\"64MiB\""), "{text}: {e}");
        }
    }

    #[test]
    fn shown_exactly_or_approximately() {
        assert_eq!(show(64 << 20), "64 MiB");
        assert_eq!(show(50_000_000), "50 MB");
        assert_eq!(show(4097), "4097 B");
        assert_eq!(approx(80 << 20), "80.0 MiB");
        assert_eq!(approx(52_428_900), "50.0 MiB");
        assert_eq!(approx(2048), "2 KiB");
    }
}

#[cfg(test)]
mod config_tests {
    #[test]
    fn max_size_defaults_and_errors_name_file_line_and_key() {
        let ok = "[[scrape]]\nname = \"app\"\nurl = \"http://h/metrics\"\n";
        let config = crate::config::parse(ok, "c.toml").expect("valid");
        assert_eq!(config.scrape[0].max_size, 64 << 20);
        let set = format!("{ok}max_size = \"100MiB\"\n");
        let config = crate::config::parse(&set, "c.toml").expect("valid");
        assert_eq!(config.scrape[0].max_size, 100 << 20);

        for (bad, what) in [
            ("\"64\"", "no unit"),
            ("64", "needs a unit"),
            ("\"lots\"", "no number"),
        ] {
            let text = format!("{ok}max_size = {bad}\n");
            let e = crate::config::parse(&text, "c.toml")
                .unwrap_err()
                .0
                .remove(0);
            assert_eq!((e.file.as_str(), e.line), ("c.toml", 4), "{e}");
            assert_eq!(e.key, "scrape[0].max_size", "{e}");
            assert!(e.message.contains(what), "{e}");
        }
    }
}
