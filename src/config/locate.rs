//! Finding where a key is written in TOML text, for errors that serde reports
//! without a position (semantic checks) or without a key (syntax errors).

use super::error::line_col;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// A TOML text parsed once, for many lookups: a position per `[[rule]]` (or
/// per error) must not parse the whole file again for each. Parsed at the
/// first lookup: a valid file without rules is never parsed here.
pub struct Document<'a> {
    text: &'a str,
    doc: std::cell::OnceCell<Option<toml::Spanned<DeTable<'a>>>>,
}

impl<'a> Document<'a> {
    pub fn parse(text: &'a str) -> Self {
        Document {
            text,
            doc: std::cell::OnceCell::new(),
        }
    }

    /// The span of the key at `path` (e.g. ["ui", "thresholds", "cpu"]), however
    /// it is written: `[table]` headers, dotted keys, inline tables or quoted
    /// keys. A numeric segment indexes an array, so `["panel", "1", "query"]` is
    /// the `query` of the second `[[panel]]`.
    pub fn key_span(&self, path: &[&str]) -> Option<Range<usize>> {
        let doc = self
            .doc
            .get_or_init(|| DeTable::parse(self.text).ok())
            .as_ref()?;
        let mut value: Option<&DeValue> = None;
        let mut span = None;
        for segment in path {
            match (value, segment.parse::<usize>()) {
                (Some(DeValue::Array(items)), Ok(index)) => {
                    let item = items.get(index)?;
                    span = Some(item.span());
                    value = Some(item.get_ref());
                }
                (current, _) => {
                    let table = match current {
                        None => doc.get_ref(),
                        Some(DeValue::Table(t)) => t,
                        Some(_) => return None,
                    };
                    let (key, v) = table.iter().find(|(k, _)| k.get_ref() == segment)?;
                    span = Some(key.span());
                    value = Some(v.get_ref());
                }
            }
        }
        span
    }

    /// 1-based line and column of `key` in the dotted `table`; falls back to
    /// the table itself, then to the start of the file.
    pub fn position(&self, table: &str, key: &str) -> (usize, usize) {
        let mut path: Vec<&str> = table.split('.').filter(|s| !s.is_empty()).collect();
        if !key.is_empty() {
            path.push(key);
        }
        while !path.is_empty() {
            if let Some(span) = self.key_span(&path) {
                return line_col(self.text, span.start);
            }
            path.pop();
        }
        (1, 1)
    }
}

/// [`Document::key_span`] of a text looked up once.
pub fn key_span(text: &str, path: &[&str]) -> Option<Range<usize>> {
    Document::parse(text).key_span(path)
}

/// [`Document::position`] of a text looked up once.
pub fn position(text: &str, table: &str, key: &str) -> (usize, usize) {
    Document::parse(text).position(table, key)
}

/// The dotted key being written on the line at `offset`: the enclosing `[table]`
/// plus the key before `=`, or the table name on a header line.
pub fn key_at(text: &str, offset: usize) -> String {
    let (line_no, _) = line_col(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    let Some(line) = lines.get(line_no - 1).map(|l| l.trim()) else {
        return String::new();
    };
    if header_name(line).is_some() {
        return indexed_header(&lines, line_no - 1);
    }
    let table = lines[..line_no - 1]
        .iter()
        .rposition(|l| header_name(l.trim()).is_some())
        .map(|h| indexed_header(&lines, h))
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

/// The header on line `h`, with the index of its array of tables when it is in
/// one: the third `[[panel]]` is `panel[2]`, and `[prometheus.fleet]` after the
/// first `[[prometheus]]` is `prometheus[0].fleet`.
fn indexed_header(lines: &[&str], h: usize) -> String {
    let name = header_name(lines[h].trim()).unwrap_or_default();
    let (first, rest) = match name.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (name.as_str(), None),
    };
    let array_header = |l: &&&str| {
        let l = l.trim();
        l.starts_with("[[") && header_name(l).as_deref() == Some(first)
    };
    let count = lines[..=h].iter().filter(array_header).count();
    if count == 0 || !super::ARRAY_SECTIONS.contains(&first) {
        return name;
    }
    let mut out = format!("{first}[{}]", count - 1);
    if let Some(rest) = rest {
        out.push('.');
        out.push_str(&nested_index(lines, h, first, rest));
    }
    out
}

/// `step` of `[[runbook.step]]` as `step[j]`, counted within its runbook
/// (arrays of tables inside an array of tables); other keys as they are.
fn nested_index(lines: &[&str], h: usize, first: &str, rest: &str) -> String {
    let (second, tail) = rest.split_once('.').unwrap_or((rest, ""));
    let nested = format!("{first}.{second}");
    if !super::ARRAY_SECTIONS.contains(&nested.as_str()) {
        return rest.to_string();
    }
    let is = |l: &str, name: &str| {
        let l = l.trim();
        l.starts_with("[[") && header_name(l).as_deref() == Some(name)
    };
    let parent = lines[..=h].iter().rposition(|l| is(l, first)).unwrap_or(0);
    let count = lines[parent..=h].iter().filter(|l| is(l, &nested)).count();
    if count == 0 {
        return rest.to_string();
    }
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!(".{tail}")
    };
    format!("{second}[{}]{tail}", count - 1)
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
