//! The matcher grammar, read character by character so every error knows its
//! column:
//!
//! ```text
//! list    = [ "{" ] [ matcher { "," matcher } [ "," ] ] [ "}" ]   (braces in pairs)
//! matcher = name ( "=" | "!=" | "=~" | "!~" ) value
//! name    = [A-Za-z_][A-Za-z0-9_]*
//! value   = '"' chars with Go/PromQL escapes '"' | bare
//! bare    = characters other than spaces and {}!=~,\"'`   (may be empty)
//! ```
//! Spaces are allowed between all tokens.

use std::fmt;

use super::{MatchOp, Matcher, MatcherError};

/// Characters a bare (unquoted) value cannot hold, as in Alertmanager.
const RESERVED: &str = "{}!=~,\\\"'`";

pub(super) struct Scanner {
    chars: Vec<char>,
    pos: usize,
}

impl Scanner {
    pub(super) fn new(input: &str) -> Scanner {
        Scanner {
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    /// Exactly one matcher, spaces around it allowed.
    pub(super) fn one(mut self) -> Result<Matcher, MatcherError> {
        self.skip_spaces();
        let m = self.matcher()?;
        self.skip_spaces();
        match self.peek() {
            None => Ok(m),
            Some(',') => Err(self.error(
                self.pos,
                "one matcher per entry: write each matcher as its own string",
            )),
            Some(c) => Err(self.unexpected_after_value(c, "the end")),
        }
    }

    /// Comma-separated matchers, optionally in braces, each with the 1-based
    /// column where its name starts.
    pub(super) fn list(mut self) -> Result<Vec<(usize, Matcher)>, MatcherError> {
        self.skip_spaces();
        let open = self.pos;
        let braced = self.eat('{');
        let mut out = Vec::new();
        loop {
            self.skip_spaces();
            if matches!(self.peek(), None | Some('}')) {
                break;
            }
            out.push((self.pos + 1, self.matcher()?));
            // A bare value cannot end in a quote.
            let quoted = self.chars[..self.pos].last() == Some(&'"');
            self.skip_spaces();
            match self.peek() {
                Some(',') => self.pos += 1,
                None | Some('}') => break,
                // `a="x" b="y"`: a second matcher where a comma belongs (for
                // `a=x b`, the value may as well lack quotes).
                Some(_) if self.at_name() && (quoted || self.at_matcher()) => {
                    return Err(self.error(self.pos, "expected ',' after matcher"));
                }
                Some(c) => return Err(self.unexpected_after_value(c, "',' or the end")),
            }
        }
        match (braced, self.peek()) {
            (true, None) => return Err(self.error(open, "'{' is never closed with '}'")),
            (true, Some('}')) => self.pos += 1,
            (false, Some('}')) => {
                return Err(self.error(self.pos, "'}' without an opening '{'"));
            }
            _ => {}
        }
        self.skip_spaces();
        match self.peek() {
            None => Ok(out),
            Some(c) => Err(self.error(self.pos, format!("unexpected {c:?} after '}}'"))),
        }
    }

    fn matcher(&mut self) -> Result<Matcher, MatcherError> {
        let name = self.name()?;
        self.skip_spaces();
        let op = self.op(&name)?;
        self.skip_spaces();
        let value_at = self.pos;
        let value = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            self.bare()
        };
        Matcher::build(name, op, value)
            .map_err(|e| self.error(value_at, format!("invalid regex: {}", regex_reason(&e))))
    }

    fn name(&mut self) -> Result<String, MatcherError> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
            Some(c) => {
                return Err(self.error(
                    start,
                    format!("expected a label name (letters, digits, _), found {c:?}"),
                ));
            }
            None => return Err(self.error(start, "expected a matcher such as name=\"value\"")),
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn op(&mut self, name: &str) -> Result<MatchOp, MatcherError> {
        let op = match (self.peek(), self.chars.get(self.pos + 1)) {
            (Some('='), Some('~')) => MatchOp::Re,
            (Some('!'), Some('~')) => MatchOp::NotRe,
            (Some('!'), Some('=')) => MatchOp::Ne,
            (Some('='), _) => MatchOp::Eq,
            (found, _) => {
                let found = found.map_or("the end".to_string(), |c| format!("{c:?}"));
                return Err(self.error(
                    self.pos,
                    format!("expected =, !=, =~ or !~ after {name:?}, found {found}"),
                ));
            }
        };
        self.pos += op.as_str().len();
        Ok(op)
    }

    fn bare(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && !RESERVED.contains(c))
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// A double-quoted value; `self.pos` is at the opening quote.
    fn quoted(&mut self) -> Result<String, MatcherError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.next() {
                None => return Err(self.error(open, "the quoted value is never closed with '\"'")),
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.escape(open)?),
                Some(c) => out.push(c),
            }
        }
    }

    /// The character a backslash escape stands for; `self.pos` is just after
    /// the backslash. Go's and PromQL's escapes, within double quotes.
    fn escape(&mut self, open: usize) -> Result<char, MatcherError> {
        let at = self.pos - 1;
        let Some(c) = self.next() else {
            return Err(self.error(open, "the quoted value is never closed with '\"'"));
        };
        let simple = match c {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            _ => None,
        };
        if let Some(s) = simple {
            return Ok(s);
        }
        let (digits, radix) = match c {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            '0'..='7' => {
                self.pos -= 1;
                (3, 8)
            }
            _ => {
                return Err(self.error(
                    at,
                    format!("unknown escape \\{c}; write \\\\ for a backslash"),
                ));
            }
        };
        let end = self.pos + digits;
        let code = self
            .chars
            .get(self.pos..end)
            .filter(|d| d.iter().all(|d| d.is_digit(radix)))
            .map(|d| d.iter().collect::<String>())
            .and_then(|d| u32::from_str_radix(&d, radix).ok())
            .ok_or_else(|| self.error(at, format!("\\{c} needs {digits} digits")))?;
        self.pos = end;
        if matches!(c, 'x' | '0'..='7') && code > 0x7f {
            return Err(self.error(
                at,
                "byte escapes must be ASCII; use \\u for other characters",
            ));
        }
        char::from_u32(code).ok_or_else(|| self.error(at, "not a Unicode character"))
    }

    fn at_name(&self) -> bool {
        self.peek()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
    }

    /// Whether a name followed by an operator starts here.
    fn at_matcher(&self) -> bool {
        let rest = &self.chars[self.pos..];
        let name = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .count();
        let after = rest[name..].iter().find(|c| !c.is_whitespace());
        matches!(after, Some('=' | '!'))
    }

    fn unexpected_after_value(&self, c: char, expected: &str) -> MatcherError {
        self.error(
            self.pos,
            format!(
                "expected {expected}, found {c:?} (quote values with spaces or any of {RESERVED})"
            ),
        )
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// An error at character index `at` (0-based), reported 1-based.
    fn error(&self, at: usize, message: impl Into<String>) -> MatcherError {
        MatcherError {
            column: at + 1,
            message: message.into(),
        }
    }
}

/// The one-line reason of a regex error (its `Display` is a multi-line
/// drawing of the anchored pattern, which is not what the user wrote).
fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().next().unwrap_or_default())
        .to_string()
}

/// `value` in double quotes, escaped so that the parser reads it back unchanged.
pub(super) fn write_quoted(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    use fmt::Write;
    f.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}
