//! Scanning one line: a cursor over its bytes with the format's small tokens.
//!
//! Lines are checked as UTF-8 before they get here, and every delimiter we stop at is
//! ASCII, so slicing at the cursor stays on char boundaries; `str::get` keeps that an
//! invariant rather than a panic.

pub(crate) mod labels;
pub(crate) mod line;
pub(crate) mod number;

use std::borrow::Cow;

/// Character classes as bit flags, one table lookup per byte on the hot scanning paths.
const BLANK: u8 = 1;
const METRIC_START: u8 = 2;
const METRIC_REST: u8 = 4;
const LABEL_START: u8 = 8;
const LABEL_REST: u8 = 16;

const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let alpha = c.is_ascii_alphabetic() || c == b'_';
        let digit = c.is_ascii_digit();
        let mut class = 0;
        if c == b' ' || c == b'\t' {
            class |= BLANK;
        }
        if alpha || c == b':' {
            class |= METRIC_START | METRIC_REST;
        }
        if digit {
            class |= METRIC_REST | LABEL_REST;
        }
        if alpha {
            class |= LABEL_START | LABEL_REST;
        }
        table[b] = class;
        b += 1;
    }
    table
};

fn is(class: u8, b: u8) -> bool {
    CLASSES[usize::from(b)] & class != 0
}

/// Space and tab separate tokens in both formats (OpenMetrics says one space; we are lenient).
pub(crate) fn is_blank(b: u8) -> bool {
    is(BLANK, b)
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`: names that need no quotes.
pub(crate) fn is_bare_metric_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| is(METRIC_START, b)) && bytes.all(|b| is(METRIC_REST, b))
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`: label names that need no quotes (no colon, unlike metrics).
pub(crate) fn is_bare_label_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| is(LABEL_START, b)) && bytes.all(|b| is(LABEL_REST, b))
}

pub(crate) struct Cursor<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(line: &'a str) -> Self {
        Cursor { line, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.line.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.line.len()
    }

    /// Consumes `b` if it is next (callers only pass ASCII).
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Skips spaces and tabs; says whether there were any.
    pub(crate) fn skip_blanks(&mut self) -> bool {
        let start = self.pos;
        self.skip_while(is_blank);
        self.pos > start
    }

    /// The rest of the line from the cursor.
    pub(crate) fn rest(&self) -> &'a str {
        self.line.get(self.pos..).unwrap_or("")
    }

    fn skip_while(&mut self, pred: impl Fn(u8) -> bool) {
        let skipped = self
            .line
            .as_bytes()
            .get(self.pos..)
            .unwrap_or(&[])
            .iter()
            .take_while(|&&b| pred(b))
            .count();
        self.pos += skipped;
    }

    /// Consumes bytes while `pred` holds; `pred` must only accept ASCII or whole runs
    /// of non-ASCII, so the cut is on a char boundary.
    fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        self.skip_while(pred);
        self.line.get(start..self.pos).unwrap_or("")
    }

    /// A run of non-blank bytes (a value, timestamp or type word).
    pub(crate) fn token(&mut self) -> &'a str {
        self.take_while(|b| !is_blank(b))
    }

    /// A bare metric name, or None if the next byte cannot start one.
    pub(crate) fn metric_name(&mut self) -> Option<&'a str> {
        if !is(METRIC_START, self.peek()?) {
            return None;
        }
        Some(self.take_while(|b| is(METRIC_REST, b)))
    }

    /// A bare label name, or None if the next byte cannot start one.
    pub(crate) fn label_name(&mut self) -> Option<&'a str> {
        if !is(LABEL_START, self.peek()?) {
            return None;
        }
        Some(self.take_while(|b| is(LABEL_REST, b)))
    }

    /// A quoted string at the cursor, borrowed when it has no escapes.
    pub(crate) fn quoted(&mut self, what: &str) -> Result<Cow<'a, str>, String> {
        if self.peek() != Some(b'"') {
            return Err(format!(
                "expected '\"' to start {what}, found {}",
                self.found()
            ));
        }
        let start = self.pos + 1;
        let mut scan = Cursor {
            line: self.line,
            pos: start,
        };
        scan.skip_while(|b| b != b'"' && b != b'\\');
        if scan.peek() == Some(b'"') {
            let text = self.line.get(start..scan.pos).unwrap_or("");
            self.pos = scan.pos + 1;
            return Ok(Cow::Borrowed(text));
        }
        let mut out = String::new();
        self.quoted_into(&mut out, what)?;
        Ok(Cow::Owned(out))
    }

    /// Decodes the quoted string at the cursor into `out`. Escapes are `\\`, `\"` and
    /// `\n` (the only ones both formats define); anything else fails the line.
    pub(crate) fn quoted_into(&mut self, out: &mut String, what: &str) -> Result<(), String> {
        if !self.eat(b'"') {
            return Err(format!(
                "expected '\"' to start {what}, found {}",
                self.found()
            ));
        }
        loop {
            out.push_str(self.take_while(|b| b != b'"' && b != b'\\'));
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'\\') => out.push('\\'),
                        Some(b'"') => out.push('"'),
                        Some(b'n') => out.push('\n'),
                        Some(_) => {
                            let c = self.rest().chars().next().unwrap_or('?');
                            return Err(format!("invalid escape sequence \"\\{c}\" in {what}"));
                        }
                        None => return Err(format!("unterminated {what}")),
                    }
                    self.pos += 1;
                }
                _ => return Err(format!("unterminated {what}")),
            }
        }
    }

    /// What is at the cursor, for error messages: `end of line` or a short quoted snippet.
    pub(crate) fn found(&self) -> String {
        found(self.rest())
    }
}

/// `end of line`, or the next token (at most 24 chars) quoted and escaped.
pub(crate) fn found(rest: &str) -> String {
    const MAX: usize = 24;
    if rest.is_empty() {
        return "end of line".to_owned();
    }
    let mut snippet: String = rest
        .chars()
        .take_while(|&c| c != ' ' && c != '\t')
        .take(MAX)
        .collect();
    if snippet.is_empty() {
        snippet = rest.chars().take(1).collect();
    }
    format!("{snippet:?}")
}
