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
mod stream;

pub use labels::{Iter as LabelsIter, Labels};
pub use model::{Exemplar, Format, Limits, LineError, MetricFamily, MetricKind, Sample, Scrape};
pub use render::render;
pub use stream::{Keep, Parser};

/// Parses one whole body, keeping every series. Never fails and never panics:
/// bad lines are counted in `Scrape::unparsable`, limits and a missing `# EOF`
/// are reported in `truncated`. The dashboard streams pages through `Parser`.
pub fn parse(body: &[u8], format: Format, limits: &Limits) -> Scrape {
    let (body, truncated) = body::cap_bytes(body, limits.max_bytes);
    let mut parser = Parser::new(format, Keep::All).with_limits(limits.max_lines, truncated);
    parser.feed(body);
    parser.finish()
}
