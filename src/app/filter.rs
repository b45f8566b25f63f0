//! The `/` filter: plain text (case-insensitive substring over a row's text) or
//! Alertmanager-style matchers such as `user="root", command=~"ssh.*"`, read by
//! the one matcher parser (`engine::matcher`) and tested against a row's fields.

use std::collections::BTreeSet;
use std::fmt;

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

/// The names a pane's rows can be filtered on, so that a misspelt one is
/// reported instead of silently matching nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Fields {
    /// Every row has exactly these: any other name is an error.
    Fixed(&'static [&'static str]),
    /// Alerts: any label name is valid (a missing label reads as ""); these
    /// are the ones some row has now, and another name is only a warning.
    Labels(BTreeSet<String>),
}

/// What is wrong with filter input, at a 1-based column of what was typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub column: usize,
    pub message: String,
    /// An error: the input is not applied. Else a warning about a filter
    /// that is applied.
    pub error: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "col {}: {}", self.column, self.message)
    }
}

/// Filter input that parsed: the filter (`None` for empty input) and, when it
/// names a label no row has, a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub filter: Option<Filter>,
    pub warning: Option<Problem>,
}

impl Filter {
    /// Parses filter input. Text that looks like matchers but is malformed is an
    /// error with its column, not silently a text search.
    pub fn parse(input: &str) -> Result<Option<Filter>, Problem> {
        Ok(parse_located(input)?.map(|(filter, _)| filter))
    }

    /// [`Filter::parse`], then every matcher's name checked against the
    /// fields the rows have.
    /// `fields` is asked for only when the input names some (matchers): for
    /// alerts it reads every row.
    pub fn check(input: &str, fields: impl FnOnce() -> Fields) -> Result<Checked, Problem> {
        let Some((filter, names)) = parse_located(input)? else {
            return Ok(Checked {
                filter: None,
                warning: None,
            });
        };
        if names.is_empty() {
            return Ok(Checked {
                filter: Some(filter),
                warning: None,
            });
        }
        let fields = fields();
        let unknown = names.into_iter().find(|(_, name)| match &fields {
            Fields::Fixed(known) => !known.contains(&name.as_str()),
            Fields::Labels(known) => !known.contains(name),
        });
        let warning = match (unknown, fields) {
            (None, _) => None,
            (Some((column, name)), Fields::Fixed(known)) => {
                let have = if known.is_empty() {
                    "these rows have no fields".to_string()
                } else {
                    format!("fields: {}", known.join(", "))
                };
                return Err(Problem {
                    column,
                    message: format!("unknown field {name:?} ({have})"),
                    error: true,
                });
            }
            (Some((column, name)), Fields::Labels(_)) => Some(Problem {
                column,
                message: format!("no alert has label {name:?} (it reads as \"\")"),
                error: false,
            }),
        };
        Ok(Checked {
            filter: Some(filter),
            warning,
        })
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

/// The filter and, for matchers, each name with its column.
type Located = (Filter, Vec<(usize, String)>);

fn parse_located(input: &str) -> Result<Option<Located>, Problem> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if !looks_like_matchers(trimmed) {
        return Ok(Some((Filter::Text(trimmed.to_lowercase()), Vec::new())));
    }
    // The untrimmed input, so error columns count what was typed.
    let located = matcher::parse_located(input).map_err(|e| Problem {
        column: e.column,
        message: e.message,
        error: true,
    })?;
    let names = located
        .iter()
        .map(|(column, m)| (*column, m.name().to_string()))
        .collect();
    let matchers = located.into_iter().map(|(_, m)| m).collect();
    Ok(Some((Filter::Matchers(matchers), names)))
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
        let e = Filter::parse(r#"user=~"(""#).unwrap_err().to_string();
        assert!(e.starts_with("col 7: invalid regex"), "{e}");
        let e = Filter::parse(r#"  user="root" command="x""#).unwrap_err();
        assert_eq!(e.to_string(), "col 15: expected ',' after matcher");
        assert!(Filter::parse("").unwrap().is_none());
    }

    #[test]
    fn unknown_fields_are_errors_and_unseen_labels_warnings() {
        let fixed = Fields::Fixed(&["user", "command"]);
        let e = Filter::check(r#"user="root", usr="x""#, || fixed.clone()).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"col 14: unknown field "usr" (fields: user, command)"#
        );
        assert!(
            Filter::check("usr", || fixed.clone())
                .unwrap()
                .warning
                .is_none(),
            "text"
        );
        let labels = Fields::Labels(["severity".to_string()].into());
        let ok = Filter::check(r#"team="ops""#, || labels.clone()).unwrap();
        assert!(ok.filter.is_some());
        let w = ok.warning.expect("a warning");
        assert!(!w.error && w.column == 1, "{w:?}");
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
