//! The `/` filter: plain text (case-insensitive substring over a row's text) or
//! Alertmanager-style matchers such as `user="root", command=~"ssh.*"`, read by
//! the one matcher parser (`engine::matcher`) and tested against a row's fields.

use crate::engine::matcher::{self, Matcher};

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Text(String),
    Matchers(Vec<Matcher>),
}

/// A row that can be filtered: its free text and its named fields.
pub trait Filterable {
    fn text(&self) -> String;
    /// A field's value; `None` (no such field) compares as "", as a missing
    /// label does in Alertmanager.
    fn field(&self, name: &str) -> Option<String>;
}

impl Filter {
    /// Parses filter input. Text that looks like matchers but is malformed is an
    /// error (shown in the status line, with the column), not silently a text
    /// search.
    pub fn parse(input: &str) -> Result<Option<Filter>, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if !looks_like_matchers(trimmed) {
            return Ok(Some(Filter::Text(trimmed.to_lowercase())));
        }
        // The untrimmed input, so error columns count what was typed.
        let matchers = matcher::parse(input).map_err(|e| e.to_string())?;
        Ok(Some(Filter::Matchers(matchers)))
    }

    pub fn source(&self) -> String {
        match self {
            Filter::Text(t) => t.clone(),
            Filter::Matchers(ms) => ms
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    pub fn matches(&self, row: &impl Filterable) -> bool {
        match self {
            Filter::Text(t) => row.text().to_lowercase().contains(t),
            Filter::Matchers(ms) => ms
                .iter()
                .all(|m| m.matches_value(&row.field(m.name()).unwrap_or_default())),
        }
    }
}

/// Matcher mode when the text before the first `=` or `!` is a name (letters,
/// digits, `_`), optionally after `{`.
fn looks_like_matchers(input: &str) -> bool {
    let Some(pos) = input.find(['=', '!']) else {
        return false;
    };
    let name = input[..pos].trim().trim_start_matches('{');
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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
    fn malformed_matchers_are_errors_with_the_column() {
        let e = Filter::parse(r#"user=~"(""#).unwrap_err();
        assert!(e.starts_with("column 7: invalid regex"), "{e}");
        let e = Filter::parse(r#"  user="root" command="x""#).unwrap_err();
        assert!(e.starts_with("column 15: expected ','"), "{e}");
        assert!(Filter::parse("").unwrap().is_none());
    }

    #[test]
    fn braces_bare_values_and_missing_fields() {
        let r = Row("root", "/usr/sbin/sshd -D");
        assert!(matches(r#"{user="root"}"#, &r));
        assert!(matches("user=root", &r), "bare values, as in Alertmanager");
        assert!(matches(r#"host="""#, &r), "a missing field reads as empty");
        assert!(matches(r#"command=~".*sshd.*,?", user!~"a,b""#, &r));
    }

    #[test]
    fn source_shows_the_matchers_quoted() {
        let f = Filter::parse(r#"user = "ro\"ot",command=~x"#)
            .unwrap()
            .unwrap();
        assert_eq!(f.source(), r#"user="ro\"ot", command=~"x""#);
        assert_eq!(Filter::parse(f.source().as_str()).unwrap(), Some(f));
    }
}
