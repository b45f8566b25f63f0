//! Prometheus exposition parser: text format 0.0.4 and OpenMetrics 1.0.
//!
//! Written in-house because every crate we tried either lost data (dropped exemplars,
//! `_created`, quoted UTF-8 names, or whole families it did not understand) or rejected
//! the whole scrape for one odd line. Here a bad line is skipped and counted, the first
//! error is kept with its line number, and everything else survives.
//!
//! Layout: `body` splits lines within the `Limits`; `lexer` turns one line into borrowed
//! tokens; `group` assigns samples to families; `render` is the inverse.
//!
//! Decisions where the formats or Prometheus' parsers disagree (lenient unless leniency
//! would mean guessing):
//! - Either format: leading blanks, tabs as separators, blanks around `{`, `=`, `,`,
//!   blank lines, and comments other than HELP/TYPE/UNIT (or a bare `# HELP`) are
//!   accepted. A missing comma between labels is not.
//! - Label values: only `\\`, `\"`, `\n` escapes; any other escape fails the line.
//!   HELP keeps unknown escapes as written (`\"` is an escape in OpenMetrics only).
//! - Duplicate label names, the reserved label `__name__`, two metric names, or no
//!   metric name fail the line.
//! - Values: Go float syntax without hex and `_` (as Prometheus), plus `NaN`/`Inf` in
//!   any case and sign. Timestamps: integer ms in text, float seconds in OpenMetrics.
//! - Exemplars are also accepted in text (some clients send them as text/plain).
//! - A second HELP/TYPE/UNIT for a name, or a TYPE after that name's samples, fails
//!   that line only; HELP for a name with no samples is dropped with its family.
//! - OpenMetrics: data after `# EOF` counts as one bad line; a missing `# EOF` sets
//!   `truncated` (that is how OpenMetrics signals a cut-off body). UNIT need not be a
//!   suffix of the name.
//! - Invalid UTF-8 fails only the lines that contain it.

mod body;
mod group;
mod labels;
mod lexer;
mod model;
mod render;

pub use labels::{Iter as LabelsIter, Labels};
pub use model::{Exemplar, Format, Limits, LineError, MetricFamily, MetricKind, Sample, Scrape};
pub use render::render;

use group::Families;
use lexer::line::{Line, Scratch, parse_line};

/// Parses one scrape body. Never fails and never panics: bad lines are counted in
/// `Scrape::unparsable`, limits and a missing `# EOF` are reported in `truncated`.
pub fn parse(body: &[u8], format: Format, limits: &Limits) -> Scrape {
    let (body, mut truncated) = body::cap_bytes(body, limits.max_bytes);
    let mut errors = Errors::default();
    let mut families = Families::default();
    let mut scratch = Scratch::default();
    let mut lines = body::Lines::new(body);
    let mut line_no = 0;
    let mut saw_eof = false;
    while let Some(line) = lines.next() {
        if line_no >= limits.max_lines {
            truncated = Some(format!(
                "over the {} line limit; parsed the first {line_no} lines",
                limits.max_lines
            ));
            break;
        }
        line_no += 1;
        let Ok(text) = std::str::from_utf8(line) else {
            errors.record(line_no, "line is not valid UTF-8".to_owned());
            continue;
        };
        match parse_line(text, format, &mut scratch)
            .and_then(|line| apply(line, &mut families, &scratch))
        {
            Ok(Flow::Next) => {}
            Ok(Flow::Eof) => {
                saw_eof = true;
                if !lines.is_empty() {
                    errors.record(line_no + 1, "unexpected data after # EOF".to_owned());
                }
                break;
            }
            Err(message) => errors.record(line_no, message),
        }
    }
    if format == Format::OpenMetrics && !saw_eof && truncated.is_none() {
        truncated = Some("no \"# EOF\" line: the OpenMetrics body may be incomplete".to_owned());
    }
    Scrape {
        families: families.finish(),
        unparsable: errors.count,
        first_error: errors.first,
        truncated,
    }
}

enum Flow {
    Next,
    Eof,
}

fn apply(line: Line<'_>, families: &mut Families, scratch: &Scratch) -> Result<Flow, String> {
    match line {
        Line::Ignored => {}
        Line::Eof => return Ok(Flow::Eof),
        Line::Help(name, text) => families.help(&name, text)?,
        Line::Type(name, kind) => families.kind(&name, kind)?,
        Line::Unit(name, unit) => families.unit(&name, unit)?,
        Line::Sample(raw) => families.sample(raw, &scratch.labels, &scratch.exemplar),
    }
    Ok(Flow::Next)
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
