//! The parser fed chunk by chunk, as the body arrives, so a big page never sits
//! whole in memory; only a line cut between two chunks is copied. `parse` feeds
//! it one slice, so both paths are the same code.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::group::Families;
use super::lexer::line::{Line, Scratch, parse_line};
use super::model::{Format, LineError, Scrape};

/// Which series a scrape keeps. Dropped series are still parsed (their bad lines
/// count) but never stored, so the memory a page costs is that of what is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Keep {
    #[default]
    All,
    /// Only samples with one of these full sample names (`x_bucket`, not `x`).
    Names(Arc<BTreeSet<String>>),
}

impl Keep {
    pub fn wants(&self, sample_name: &str) -> bool {
        match self {
            Keep::All => true,
            Keep::Names(names) => names.contains(sample_name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    /// `# EOF` was read: any further byte is one bad line.
    AfterEof,
    /// Nothing more is read (data after `# EOF` was reported, or a line limit).
    Done,
}

pub struct Parser {
    format: Format,
    keep: Keep,
    max_lines: usize,
    /// The start of a line whose end is in a later chunk.
    carry: Vec<u8>,
    line_no: usize,
    state: State,
    saw_eof: bool,
    errors: Errors,
    families: Families,
    scratch: Scratch,
    truncated: Option<String>,
    dropped: usize,
}

impl Parser {
    pub fn new(format: Format, keep: Keep) -> Parser {
        Parser {
            format,
            keep,
            max_lines: usize::MAX,
            carry: Vec::new(),
            line_no: 0,
            state: State::Reading,
            saw_eof: false,
            errors: Errors::default(),
            families: Families::default(),
            scratch: Scratch::default(),
            truncated: None,
            dropped: 0,
        }
    }

    /// For `parse`'s `Limits`: stops after `max_lines` lines, and `cut` says
    /// why the body was cut before it came here. Both end up in `truncated`.
    /// (The dashboard bounds a page by bytes instead, and fails it.)
    pub(crate) fn with_limits(mut self, max_lines: usize, cut: Option<String>) -> Parser {
        self.max_lines = max_lines;
        self.truncated = cut;
        self
    }

    /// Parses the complete lines of `chunk` (with what was carried over) and
    /// keeps the last, unfinished one for the next chunk.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        if !self.carry.is_empty() && self.state == State::Reading {
            let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
                self.carry.extend_from_slice(rest);
                return;
            };
            let (head, tail) = rest.split_at(newline);
            self.carry.extend_from_slice(head);
            rest = tail.get(1..).unwrap_or_default();
            let line = std::mem::take(&mut self.carry);
            self.line(&line);
            self.carry = line;
            self.carry.clear();
        }
        while self.state == State::Reading {
            let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
                break;
            };
            let (line, tail) = rest.split_at(newline);
            rest = tail.get(1..).unwrap_or_default();
            self.line(line);
        }
        match self.state {
            State::Reading => self.carry.extend_from_slice(rest),
            State::AfterEof if !rest.is_empty() => self.after_eof(),
            State::AfterEof | State::Done => {}
        }
    }

    /// The last line (one without a newline) and what the body as a whole says.
    pub fn finish(mut self) -> Scrape {
        if self.state == State::Reading && !self.carry.is_empty() {
            let line = std::mem::take(&mut self.carry);
            self.line(&line);
        }
        if self.format == Format::OpenMetrics && !self.saw_eof && self.truncated.is_none() {
            self.truncated =
                Some("no \"# EOF\" line: the OpenMetrics body may be incomplete".to_owned());
        }
        Scrape {
            families: self.families.finish(),
            unparsable: self.errors.count,
            first_error: self.errors.first,
            truncated: self.truncated,
            dropped: self.dropped,
        }
    }

    fn after_eof(&mut self) {
        self.errors
            .record(self.line_no + 1, "unexpected data after # EOF".to_owned());
        self.state = State::Done;
    }

    fn line(&mut self, line: &[u8]) {
        if self.line_no >= self.max_lines {
            self.truncated = Some(format!(
                "over the {} line limit; parsed the first {} lines",
                self.max_lines, self.line_no
            ));
            self.state = State::Done;
            return;
        }
        self.line_no += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(text) = std::str::from_utf8(line) else {
            self.errors
                .record(self.line_no, "line is not valid UTF-8".to_owned());
            return;
        };
        let parsed = parse_line(text, self.format, &mut self.scratch);
        match parsed.and_then(|line| self.apply(line)) {
            Ok(()) => {}
            Err(message) => self.errors.record(self.line_no, message),
        }
    }

    fn apply(&mut self, line: Line<'_>) -> Result<(), String> {
        let families = &mut self.families;
        match line {
            Line::Ignored => {}
            Line::Eof => {
                self.saw_eof = true;
                self.state = State::AfterEof;
            }
            Line::Help(name, text) => families.help(&name, text)?,
            Line::Type(name, kind) => families.kind(&name, kind)?,
            Line::Unit(name, unit) => families.unit(&name, unit)?,
            Line::Sample(raw) if self.keep.wants(&raw.name) => {
                families.sample(raw, &self.scratch.labels, &self.scratch.exemplar)
            }
            Line::Sample(raw) => {
                families.dropped_sample(&raw.name);
                self.dropped += 1;
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Errors {
    count: usize,
    first: Option<LineError>,
}

impl Errors {
    fn record(&mut self, line: usize, message: String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(LineError { line, message });
        }
    }
}
