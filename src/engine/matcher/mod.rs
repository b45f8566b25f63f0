//! The one label matcher, in Alertmanager's syntax: `severity="critical"`,
//! `team!="db"`, `instance=~"db-.*"`, `job!~"test|dev"`.
//!
//! Used by the `/` filter, `[[notifier]]` routes, incident-level overrides and
//! Alertmanager silences. As in Alertmanager:
//! - regexes are anchored at both ends (`^(?:…)$`);
//! - a label the alert lacks reads as the empty string, so `team=""` matches
//!   alerts without `team` and `team!~"web|api"` matches them too;
//! - values are quoted with PromQL/Go escapes (`"a\"b"`, `"\\d+"`, `"\n"`,
//!   `"\u00e9"`) or bare when they hold no space and none of `{}!=~,\"'`` ` ``.
//!
//! One parser ([`parse`] for a list such as `{a="x", b=~"y"}`, `str::parse`
//! for a single matcher) and one error type, [`MatcherError`], which carries the
//! 1-based column in the input. This is a leaf module: plain data, no I/O.

mod syntax;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use regex::Regex;

use crate::labels::Labelled;

/// How a matcher compares the label's value with its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `=~`, an anchored regex.
    Re,
    /// `!~`, an anchored regex that must not match.
    NotRe,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Ne => "!=",
            MatchOp::Re => "=~",
            MatchOp::NotRe => "!~",
        }
    }

    /// `=~` and `!~`.
    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Re | MatchOp::NotRe)
    }

    /// `=` and `=~` (Alertmanager's `isEqual`).
    pub fn is_equal(self) -> bool {
        matches!(self, MatchOp::Eq | MatchOp::Re)
    }
}

/// One label matcher: a name, an operator and a value, with its regex compiled
/// once. Built by the parser (always valid) or from Alertmanager's wire form.
#[derive(Debug, Clone)]
pub struct Matcher {
    name: String,
    op: MatchOp,
    value: String,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    /// `=` and `!=`: the value as written.
    Literal,
    /// `=~` and `!~`: `^(?:value)$`.
    Regex(Regex),
    /// A regex that does not compile (only from the wire form): matches
    /// nothing, negated or not; Alertmanager would have refused it, so don't guess.
    Invalid,
}

/// Why a matcher (or list of matchers) did not parse, and where: `column` is the
/// 1-based character position in the text given to the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for MatcherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for MatcherError {}

/// Parses a list of matchers: `a="x", b=~"y"`, optionally in braces
/// (`{a="x"}`), commas allowed inside quoted values and after the last matcher.
/// Empty text (or `{}`) is an empty list, which matches everything.
pub fn parse(input: &str) -> Result<Vec<Matcher>, MatcherError> {
    Ok(parse_located(input)?.into_iter().map(|(_, m)| m).collect())
}

/// [`parse`], each matcher with the 1-based column of its name, so that a
/// caller checking names (the `/` filter) can point at the one it refuses.
pub fn parse_located(input: &str) -> Result<Vec<(usize, Matcher)>, MatcherError> {
    syntax::Scanner::new(input).list()
}

/// A single matcher, such as one entry of a config `match = [...]` list.
impl FromStr for Matcher {
    type Err = MatcherError;

    fn from_str(input: &str) -> Result<Matcher, MatcherError> {
        syntax::Scanner::new(input).one()
    }
}

/// Whether every matcher holds for `labels` (none: always).
pub fn all_match(matchers: &[Matcher], labels: &impl Labelled) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

/// `^(?:pattern)$`, as Alertmanager anchors its regexes.
fn anchored(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

impl Matcher {
    /// Builds a matcher from parts; only a regex that does not compile is
    /// refused (with its message). The name is taken as given.
    fn build(name: String, op: MatchOp, value: String) -> Result<Matcher, regex::Error> {
        let test = if op.is_regex() {
            Test::Regex(anchored(&value)?)
        } else {
            Test::Literal
        };
        Ok(Matcher {
            name,
            op,
            value,
            test,
        })
    }

    /// A matcher in Alertmanager's API form (`name`, `value`, `isRegex`,
    /// `isEqual`), as silences carry them. Never fails: a regex that does not
    /// compile makes a matcher that matches nothing.
    pub fn from_wire(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        let op = match (is_regex, is_equal) {
            (false, true) => MatchOp::Eq,
            (false, false) => MatchOp::Ne,
            (true, true) => MatchOp::Re,
            (true, false) => MatchOp::NotRe,
        };
        Matcher::build(name.to_string(), op, value.to_string()).unwrap_or_else(|_| Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            test: Test::Invalid,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn op(&self) -> MatchOp {
        self.op
    }

    /// The value as written (unescaped); for `=~`/`!~` the unanchored pattern.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether `labels` satisfy this matcher; a missing label reads as "".
    pub fn matches(&self, labels: &impl Labelled) -> bool {
        self.matches_value(labels.label(&self.name).unwrap_or(""))
    }

    /// Whether a label whose value is `value` satisfies this matcher.
    pub fn matches_value(&self, value: &str) -> bool {
        let hit = match &self.test {
            Test::Literal => value == self.value,
            Test::Regex(re) => re.is_match(value),
            Test::Invalid => return false,
        };
        hit == self.op.is_equal()
    }
}

/// Equal when name, operator and value are: the compiled regex follows from them.
impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl Eq for Matcher {}

/// `name="value"` with the value quoted so that it parses back the same.
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.name, self.op.as_str())?;
        syntax::write_quoted(f, &self.value)
    }
}

/// Config files hold matchers as strings; they are parsed once, at load, and a
/// bad one is a config error at its position.
impl<'de> serde::Deserialize<'de> for Matcher {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Matcher, D::Error> {
        // A visitor rather than `String::deserialize` then `parse`: an error
        // raised inside the deserializer gets the string's own position (in a
        // list, the entry's) rather than the enclosing value's.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Matcher;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a matcher string such as 'severity="critical"'"#)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Matcher, E> {
                text.parse()
                    .map_err(|e| E::custom(format!("bad matcher {text:?}: {e}")))
            }
        }
        d.deserialize_str(Visitor)
    }
}

impl serde::Serialize for Matcher {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
