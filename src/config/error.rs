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
        if self.line == 0 {
            // Not from a file (a command-line option): no position to give.
            write!(f, "{}: ", self.file)?;
        } else {
            write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every error of a config, in file order, so the operator fixes them in one go:
/// all syntax errors; or all shape errors (unknown keys, wrong types) with the
/// semantic ones (`config::parse_all` says when those have to wait).
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

/// Converts a toml error (syntax or shape) into a `ConfigError` with the key it is
/// about and wording for an operator rather than for a Rust programmer.
pub fn from_toml(e: &toml::de::Error, text: &str, file: &str) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start);
    let (line, column) = line_col(text, offset);
    // toml only prints the key path when it has no input to quote; ask it that way.
    let mut bare = e.clone();
    bare.set_input(None);
    let rendered = bare.to_string();
    let mut key = rendered
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `").and_then(|k| k.strip_suffix('`')))
        .unwrap_or_default()
        .to_string();
    let message = plain_message(e.message().trim());
    if let Some(field) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        // toml names the enclosing table; add the offending field.
        key = if key.is_empty() {
            field.to_string()
        } else {
            format!("{key}.{field}")
        };
    }
    let located = super::locate::key_at(text, offset);
    if key.is_empty() || without_indices(&located) == key {
        // toml drops the indices of arrays of tables; the text has them all.
        key = located;
    } else if let Some((first, rest)) = located.split_once('[')
        && key.split('.').next() == Some(first)
    {
        // toml drops the index of an array of tables; the text has it.
        let index = rest.split(']').next().unwrap_or("0");
        let tail = key
            .split_once('.')
            .map(|(_, t)| format!(".{t}"))
            .unwrap_or_default();
        key = format!("{first}[{index}]{tail}");
    }
    let line_text = text.lines().nth(line - 1).unwrap_or("").trim_start();
    let message = if let Some(name) = line_text
        .strip_prefix("[[")
        .and_then(|r| r.split(']').next())
        .filter(|name| !super::ARRAY_SECTIONS.contains(&name.trim()))
    {
        format!("`[[{name}]]` makes a list of tables; use `[{name}]`")
    } else if message == "duplicate key" {
        format!("`{key}` is already defined above; define each key and table once")
    } else {
        message
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        key,
        message,
    }
}

/// Replaces Rust type names in serde messages with what the operator should write.
fn plain_message(message: &str) -> String {
    message
        .replace("expected usize", "expected a whole number (0 or more)")
        .replace("expected u64", "expected a whole number (0 or more)")
        .replace("expected f64", "expected a number")
        .replace(
            "invalid type: sequence, expected struct",
            "expected a single [table], not [[table]], for struct",
        )
}

/// `runbook[0].step[1].name` → `runbook.step.name`.
fn without_indices(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut in_index = false;
    for c in key.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            c if !in_index => out.push(c),
            _ => {}
        }
    }
    out
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
}
