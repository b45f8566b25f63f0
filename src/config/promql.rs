//! PromQL validation at config load, with the position of the mistake.
//!
//! promql-parser says what is wrong ("invalid promql query") but not where. We find
//! the place as the first token boundary after which no closing text can make the
//! query valid again: everything before it is a valid beginning of some query.

/// Texts that, followed by the brackets still open, complete most valid
/// beginnings of a query.
const COMPLETIONS: &[&str] = &[
    "", " 1", "1", "x", " x", "(x)", " (x)", "5m", "[5m]", "x[5m]", "(x[5m])", "m", ":", "\"",
    "=\"\"", " == 1",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromqlError {
    pub message: String,
    /// 1-based column (in characters) where the query stops making sense.
    pub column: usize,
}

impl std::fmt::Display for PromqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid PromQL at column {}: {}",
            self.column, self.message
        )
    }
}

pub fn check(query: &str) -> Result<(), PromqlError> {
    let message = match promql_parser::parser::parse(query) {
        Ok(_) => return Ok(()),
        Err(m) => m,
    };
    if query.trim().is_empty() {
        return Err(PromqlError {
            message: "the query is empty".into(),
            column: 1,
        });
    }
    let boundaries = token_starts(query);
    let mut last_good = 0;
    for &b in boundaries.iter().skip(1) {
        let prefix = &query[..b];
        if completes(prefix) {
            last_good = b;
        } else {
            break;
        }
    }
    // The first token that cannot follow the valid beginning.
    let at = boundaries
        .iter()
        .copied()
        .find(|&b| b >= last_good && !query[b..].starts_with(char::is_whitespace))
        .unwrap_or(last_good);
    Err(PromqlError {
        message,
        column: query[..at].chars().count() + 1,
    })
}

fn completes(prefix: &str) -> bool {
    COMPLETIONS.iter().any(|c| {
        let text = format!("{prefix}{c}");
        let closed = format!("{text}{}", closers(&text));
        promql_parser::parser::parse(&closed).is_ok()
    })
}

/// The brackets (and string quote) left open at the end of `text`, closed in order.
fn closers(text: &str) -> String {
    let mut open = Vec::new();
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' | '`' => quote = Some(c),
                '(' => open.push(')'),
                '[' => open.push(']'),
                '{' => open.push('}'),
                ')' | ']' | '}' => {
                    open.pop();
                }
                _ => {}
            },
        }
    }
    let mut out: String = quote.map(String::from).unwrap_or_default();
    out.extend(open.iter().rev());
    out
}

/// Byte offsets where a new token may start: where the character class changes,
/// and at every punctuation character, plus the end.
fn token_starts(text: &str) -> Vec<usize> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Word,
        Space,
        Punct,
    }
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' || c == ':' || c == '.' {
            Class::Word
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Punct
        }
    };
    let mut starts = Vec::new();
    let mut previous = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        if previous != Some(k) || k == Class::Punct {
            starts.push(i);
        }
        previous = Some(k);
    }
    starts.push(text.len());
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_queries_pass() {
        for q in [
            "up",
            r#"sum by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m]))"#,
            "histogram_quantile(0.95, sum by (le) (rate(http_bucket[5m]))) > 0.5",
        ] {
            assert_eq!(check(q), Ok(()), "{q}");
        }
    }

    #[test]
    fn errors_point_at_the_bad_token() {
        let e = check("sum(rate(x[5m])) +* 2").unwrap_err();
        assert_eq!(e.column, 19, "{e}");
        let e = check("up{job=\"x\"} foo").unwrap_err();
        assert_eq!(e.column, 13, "{e}");
        let e = check("rate(foo[5m]").unwrap_err();
        assert!(e.message.contains("parenthesis"), "{e}");
        assert_eq!(e.column, 13, "missing ) is at the end: {e}");
    }

    #[test]
    fn empty_query_is_named() {
        assert!(check("  ").unwrap_err().message.contains("empty"));
    }
}
