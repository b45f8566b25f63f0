//! The `/` filter: plain text (case-insensitive substring over a row's text) or
//! Prometheus-style matchers such as `user="root", command=~"ssh.*"`.

use regex::Regex;

#[derive(Debug, Clone)]
pub enum Filter {
    Text(String),
    Matchers(Vec<Matcher>),
}

#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: Op,
    pub value: String,
    regex: Option<Regex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Re,
    NotRe,
}

/// A row that can be filtered: its free text and its named fields.
pub trait Filterable {
    fn text(&self) -> String;
    fn field(&self, name: &str) -> Option<String>;
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.source() == other.source()
    }
}

impl Filter {
    /// Parses filter input. Text that looks like matchers but is malformed is an
    /// error (shown in the status line), not silently a text search.
    pub fn parse(input: &str) -> Result<Option<Filter>, String> {
        let input = input.trim();
        if input.is_empty() {
            return Ok(None);
        }
        if !looks_like_matchers(input) {
            return Ok(Some(Filter::Text(input.to_lowercase())));
        }
        let mut matchers = Vec::new();
        for part in split_top_level(input.trim_start_matches('{').trim_end_matches('}')) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            matchers.push(parse_matcher(part)?);
        }
        Ok(Some(Filter::Matchers(matchers)))
    }

    pub fn source(&self) -> String {
        match self {
            Filter::Text(t) => t.clone(),
            Filter::Matchers(ms) => ms
                .iter()
                .map(|m| {
                    let op = match m.op {
                        Op::Eq => "=",
                        Op::Ne => "!=",
                        Op::Re => "=~",
                        Op::NotRe => "!~",
                    };
                    format!("{}{}{:?}", m.name, op, m.value)
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    pub fn matches(&self, row: &impl Filterable) -> bool {
        match self {
            Filter::Text(t) => row.text().to_lowercase().contains(t),
            Filter::Matchers(ms) => ms.iter().all(|m| {
                let value = row.field(&m.name).unwrap_or_default();
                match (m.op, &m.regex) {
                    (Op::Eq, _) => value == m.value,
                    (Op::Ne, _) => value != m.value,
                    (Op::Re, Some(r)) => r.is_match(&value),
                    (Op::NotRe, Some(r)) => !r.is_match(&value),
                    _ => false,
                }
            }),
        }
    }
}

fn looks_like_matchers(input: &str) -> bool {
    let Some(pos) = input.find(['=', '!']) else {
        return false;
    };
    let name = input[..pos].trim().trim_start_matches('{');
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn split_top_level(input: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in input.char_indices() {
        match c {
            '\\' if in_quotes && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                parts.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        escaped = false;
    }
    parts.push(&input[start..]);
    parts
}

fn parse_matcher(part: &str) -> Result<Matcher, String> {
    let (name, op, rest) = ["=~", "!~", "!=", "="]
        .iter()
        .find_map(|op| {
            part.find(op)
                .map(|i| (&part[..i], *op, &part[i + op.len()..]))
        })
        .ok_or_else(|| format!("{part:?}: expected name=\"value\", name!=, name=~ or name!~"))?;
    let name = name.trim();
    let rest = rest.trim();
    let value = if rest.len() >= 2 && rest.starts_with('"') && rest.ends_with('"') {
        rest[1..rest.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    } else {
        return Err(format!("{part:?}: the value must be in double quotes"));
    };
    let op = match op {
        "=" => Op::Eq,
        "!=" => Op::Ne,
        "=~" => Op::Re,
        _ => Op::NotRe,
    };
    let regex = match op {
        // Anchored, as in PromQL.
        Op::Re | Op::NotRe => Some(
            Regex::new(&format!("^(?:{value})$")).map_err(|e| format!("{name}: bad regex: {e}"))?,
        ),
        _ => None,
    };
    Ok(Matcher {
        name: name.to_string(),
        op,
        value,
        regex,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, &'static str);
    impl Filterable for Row {
        fn text(&self) -> String {
            format!("{} {}", self.0, self.1)
        }
        fn field(&self, name: &str) -> Option<String> {
            match name {
                "user" => Some(self.0.into()),
                "command" => Some(self.1.into()),
                _ => None,
            }
        }
    }

    fn matches(f: &str, row: &Row) -> bool {
        Filter::parse(f).unwrap().unwrap().matches(row)
    }

    #[test]
    fn text_is_case_insensitive_substring() {
        assert!(matches("SSHD", &Row("root", "/usr/sbin/sshd")));
        assert!(!matches("nginx", &Row("root", "/usr/sbin/sshd")));
    }

    #[test]
    fn matchers_follow_promql() {
        let r = Row("root", "/usr/sbin/sshd -D");
        assert!(matches(r#"user="root""#, &r));
        assert!(!matches(r#"user!="root""#, &r));
        assert!(matches(r#"command=~".*sshd.*", user="root""#, &r));
        assert!(!matches(r#"command=~"sshd""#, &r), "regex is anchored");
        assert!(matches(r#"command!~"nginx.*""#, &r));
    }

    #[test]
    fn malformed_matchers_are_errors() {
        assert!(Filter::parse("user=root").is_err());
        assert!(Filter::parse(r#"user=~"(""#).is_err());
        assert!(Filter::parse("").unwrap().is_none());
    }
}
