//! Finding where a key is written in TOML text, for errors that serde reports
//! without a position (semantic checks) or without a key (syntax errors).

use super::error::line_col;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// The span of the key at `path` (e.g. ["ui", "thresholds", "cpu"]), however it is
/// written: `[table]` headers, dotted keys, inline tables or quoted keys.
pub fn key_span(text: &str, path: &[&str]) -> Option<Range<usize>> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut span = None;
    for (i, segment) in path.iter().enumerate() {
        let (key, value) = table.iter().find(|(k, _)| k.get_ref() == segment)?;
        span = Some(key.span());
        if i + 1 < path.len() {
            match value.get_ref() {
                DeValue::Table(t) => table = t,
                _ => return None,
            }
        }
    }
    span
}

/// 1-based line and column of `key` in the dotted `table`; falls back to the table
/// itself, then to the start of the file.
pub fn position(text: &str, table: &str, key: &str) -> (usize, usize) {
    let mut path: Vec<&str> = table.split('.').filter(|s| !s.is_empty()).collect();
    if !key.is_empty() {
        path.push(key);
    }
    while !path.is_empty() {
        if let Some(span) = key_span(text, &path) {
            return line_col(text, span.start);
        }
        path.pop();
    }
    (1, 1)
}

/// The dotted key being written on the line at `offset`: the enclosing `[table]`
/// plus the key before `=`, or the table name on a header line.
pub fn key_at(text: &str, offset: usize) -> String {
    let (line_no, _) = line_col(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let Some(line) = lines.get(line_no - 1).map(|l| l.trim()) else {
        return String::new();
    };
    if let Some(name) = header_name(line) {
        return name;
    }
    let table = lines[..line_no - 1]
        .iter()
        .rev()
        .find_map(|l| header_name(l.trim()))
        .unwrap_or_default();
    let key = line.split('=').next().unwrap_or("").trim();
    let key: String = key
        .split('.')
        .map(|s| s.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".");
    if key.is_empty() || key.contains(char::is_whitespace) {
        return table;
    }
    if table.is_empty() {
        key
    } else {
        format!("{table}.{key}")
    }
}

fn header_name(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?;
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    let end = inner.find(']').unwrap_or(inner.len());
    let name: Vec<&str> = inner[..end]
        .split('.')
        .map(|s| s.trim().trim_matches('"'))
        .collect();
    Some(name.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_however_they_are_written() {
        let text = "ui = { processes = 0 }\n[general]\nrefresh = \"1s\"\n";
        assert_eq!(position(text, "general", "refresh"), (3, 1));
        assert_eq!(position(text, "ui", "processes"), (1, 8));
        let dotted = "[ui]\nthresholds.cpu = { warning = 1, critical = 2 }\n";
        assert_eq!(position(dotted, "ui.thresholds", "cpu"), (2, 12));
        let quoted = "[keys]\n\"help\" = \"q\"\n";
        assert_eq!(position(quoted, "keys", "help"), (2, 1));
    }

    #[test]
    fn falls_back_to_table_then_start() {
        let text = "[general]\nrefresh = \"1s\"\n";
        assert_eq!(position(text, "general", "history"), (1, 2));
        assert_eq!(position(text, "ui", "theme"), (1, 1));
    }

    #[test]
    fn key_at_names_the_key_on_a_line() {
        let text = "[general]\nrefresh = \"1s\nx = 1\n";
        assert_eq!(key_at(text, 12), "general.refresh");
        assert_eq!(key_at(text, 2), "general");
        assert_eq!(key_at("a.b = 1\n", 0), "a.b");
    }
}
