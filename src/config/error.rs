//! Config errors always name the file, line, column and key, so an operator can fix
//! them without guessing.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the text came from: a path, or "<embedded default>".
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Dotted key path such as `general.refresh`; empty when the error is about syntax.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Several errors found in one pass; a config is checked as a whole so the operator
/// sees everything wrong at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Finds where `key` is written inside table `table` (dotted, e.g. "ui.thresholds"),
/// returning 1-based (line, column). Falls back to the table header, then to 1:1.
/// Used for errors found after parsing (semantic checks), where serde has no span.
pub fn locate(text: &str, table: &str, key: &str) -> (usize, usize) {
    let mut current = String::new();
    let mut header_pos = None;
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        let indent = raw.len() - line.len();
        if let Some(name) = table_header(line) {
            current = name;
            if current == table && header_pos.is_none() {
                header_pos = Some((idx + 1, indent + 1));
            }
            if !key.is_empty() && current == format!("{table}.{key}") {
                return (idx + 1, indent + 1);
            }
            continue;
        }
        if current == table
            && !key.is_empty()
            && let Some(rest) = line.strip_prefix(key)
            && matches!(rest.trim_start().chars().next(), Some('=' | '.'))
        {
            return (idx + 1, indent + 1);
        }
    }
    header_pos.unwrap_or((1, 1))
}

fn table_header(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?;
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    let end = inner.find(']')?;
    Some(
        inner[..end]
            .split('.')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 11), (2, 6));
    }

    #[test]
    fn locate_finds_key_in_its_table() {
        let text = "[general]\nrefresh = \"1s\"\n\n[ui]\n  theme = \"x\"\n";
        assert_eq!(locate(text, "ui", "theme"), (5, 3));
        assert_eq!(locate(text, "general", "refresh"), (2, 1));
        assert_eq!(locate(text, "general", "missing"), (1, 1));
        assert_eq!(locate(text, "nowhere", "x"), (1, 1));
    }

    #[test]
    fn locate_finds_subtable_header() {
        let text = "[ui.thresholds.cpu]\nwarning = 1\n";
        assert_eq!(locate(text, "ui.thresholds", "cpu"), (1, 1));
    }
}
