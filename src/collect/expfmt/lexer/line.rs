//! One line → what it says, borrowing from the body wherever it can.

use std::borrow::Cow;

use super::labels::{Owner, label_set};
use super::{Cursor, found, is_blank, number};
use crate::collect::expfmt::labels::Labels;
use crate::collect::expfmt::model::{Format, MetricKind};

/// Buffers reused across lines so a sample costs no allocation until it is stored.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) labels: Labels,
    pub(crate) exemplar: Labels,
}

pub(crate) enum Line<'a> {
    /// Empty, or a comment that is not metadata.
    Ignored,
    /// `# EOF` (OpenMetrics only; in text it is a comment).
    Eof,
    Help(Cow<'a, str>, Cow<'a, str>),
    Type(Cow<'a, str>, MetricKind),
    Unit(Cow<'a, str>, &'a str),
    /// Labels are in `Scratch::labels`, exemplar labels in `Scratch::exemplar`.
    Sample(RawSample<'a>),
}

pub(crate) struct RawSample<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) value: f64,
    pub(crate) timestamp_ms: Option<i64>,
    pub(crate) exemplar: Option<RawExemplar>,
}

pub(crate) struct RawExemplar {
    pub(crate) value: f64,
    pub(crate) timestamp_ms: Option<i64>,
}

/// Parses one line (without its line ending). Leading blanks are allowed, as the
/// Prometheus text parser allows them.
pub(crate) fn parse_line<'a>(
    line: &'a str,
    format: Format,
    scratch: &mut Scratch,
) -> Result<Line<'a>, String> {
    let mut cur = Cursor::new(line);
    cur.skip_blanks();
    match cur.peek() {
        None => Ok(Line::Ignored),
        Some(b'#') => comment(&mut cur, format),
        Some(_) => sample(&mut cur, format, scratch).map(Line::Sample),
    }
}

/// `# HELP`, `# TYPE`, `# UNIT`, `# EOF`, or any other comment (ignored).
fn comment<'a>(cur: &mut Cursor<'a>, format: Format) -> Result<Line<'a>, String> {
    cur.eat(b'#');
    cur.skip_blanks();
    let keyword = cur.token();
    let is_bare_word = cur.at_end() || cur.skip_blanks();
    match keyword {
        "EOF" if format == Format::OpenMetrics && cur.at_end() => Ok(Line::Eof),
        // A keyword with nothing after it carries nothing: a comment, as client_golang reads it.
        "HELP" | "TYPE" | "UNIT" if is_bare_word && !cur.at_end() => metadata(cur, keyword, format),
        _ => Ok(Line::Ignored),
    }
}

fn metadata<'a>(cur: &mut Cursor<'a>, keyword: &str, format: Format) -> Result<Line<'a>, String> {
    let name = metadata_name(cur, keyword)?;
    cur.skip_blanks();
    match keyword {
        "HELP" => Ok(Line::Help(name, unescape_help(cur.rest(), format))),
        "TYPE" => {
            let word = cur.token();
            if word.is_empty() {
                return Err(format!(
                    "expected metric type after {name:?}, found end of line"
                ));
            }
            let kind = MetricKind::from_type_word(word)
                .ok_or_else(|| format!("unknown metric type {word:?}"))?;
            expect_end(cur, "metric type")?;
            Ok(Line::Type(name, kind))
        }
        _ => {
            let unit = cur.token();
            expect_end(cur, "unit")?;
            Ok(Line::Unit(name, unit))
        }
    }
}

/// The metric name after HELP/TYPE/UNIT: bare or quoted, then a blank or end of line.
fn metadata_name<'a>(cur: &mut Cursor<'a>, keyword: &str) -> Result<Cow<'a, str>, String> {
    let name = if cur.peek() == Some(b'"') {
        cur.quoted("metric name")?
    } else {
        match cur.metric_name() {
            Some(name) => Cow::Borrowed(name),
            None => {
                return Err(format!(
                    "expected metric name after {keyword}, found {}",
                    cur.found()
                ));
            }
        }
    };
    if name.is_empty() {
        return Err("empty metric name".to_owned());
    }
    if !(cur.at_end() || cur.peek().is_some_and(is_blank)) {
        return Err(invalid_name(&name, cur));
    }
    Ok(name)
}

fn invalid_name(name: &str, cur: &Cursor<'_>) -> String {
    let rest = cur.rest();
    let tail = rest.split([' ', '\t']).next().unwrap_or(rest);
    let whole: String = format!("{name}{tail}").chars().take(48).collect();
    format!("invalid metric name {whole:?}")
}

fn expect_end(cur: &mut Cursor<'_>, after: &str) -> Result<(), String> {
    cur.skip_blanks();
    if cur.at_end() {
        Ok(())
    } else {
        Err(format!(
            "unexpected text after {after}, found {}",
            cur.found()
        ))
    }
}

/// HELP escapes: `\\` and `\n` in both formats, `\"` in OpenMetrics. Anything else is
/// kept as written (like Prometheus): one stray backslash is no reason to lose a HELP.
fn unescape_help(text: &str, format: Format) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if format == Format::OpenMetrics => out.push('"'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    Cow::Owned(out)
}

/// `name{labels} value [timestamp] [# {labels} value [timestamp]]`, with the name bare
/// or quoted before the braces, or quoted inside them.
fn sample<'a>(
    cur: &mut Cursor<'a>,
    format: Format,
    scratch: &mut Scratch,
) -> Result<RawSample<'a>, String> {
    scratch.labels.clear();
    let mut name = series_name(cur)?;
    cur.skip_blanks();
    if cur.eat(b'{') {
        label_set(cur, &mut scratch.labels, &mut name, Owner::Series)?;
    }
    let name = name.ok_or_else(|| "missing metric name".to_owned())?;
    cur.skip_blanks();
    let value = value_token(cur, "after metric name")?;
    let mut timestamp_ms = None;
    let mut exemplar = None;
    // The value token ended at a blank or at the end of the line.
    cur.skip_blanks();
    if !cur.at_end() {
        if cur.peek() != Some(b'#') {
            timestamp_ms = Some(timestamp(cur, format)?);
            cur.skip_blanks();
        }
        if cur.eat(b'#') {
            exemplar = Some(exemplar_part(cur, scratch)?);
        } else if !cur.at_end() {
            return Err(format!(
                "unexpected text after timestamp, found {}",
                cur.found()
            ));
        }
    }
    Ok(RawSample {
        name,
        value,
        timestamp_ms,
        exemplar,
    })
}

/// The name before the braces, if any. It must end at a blank, `{` or end of line.
fn series_name<'a>(cur: &mut Cursor<'a>) -> Result<Option<Cow<'a, str>>, String> {
    let name = match cur.peek() {
        Some(b'{') => return Ok(None),
        Some(b'"') => cur.quoted("metric name")?,
        _ => match cur.metric_name() {
            Some(name) => Cow::Borrowed(name),
            None => return Err(format!("expected metric name, found {}", cur.found())),
        },
    };
    if name.is_empty() {
        return Err("empty metric name".to_owned());
    }
    match cur.peek() {
        None | Some(b' ' | b'\t' | b'{') => Ok(Some(name)),
        Some(_) => Err(invalid_name(&name, cur)),
    }
}

fn value_token(cur: &mut Cursor<'_>, context: &str) -> Result<f64, String> {
    let tok = cur.token();
    if tok.is_empty() {
        return Err(format!("expected value {context}, found {}", cur.found()));
    }
    number::value(tok).ok_or_else(|| format!("expected value {context}, found {}", found(tok)))
}

fn timestamp(cur: &mut Cursor<'_>, format: Format) -> Result<i64, String> {
    let tok = cur.token();
    let parsed = match format {
        Format::Text => number::text_timestamp(tok),
        Format::OpenMetrics => number::openmetrics_timestamp(tok),
    };
    parsed.ok_or_else(|| match format {
        Format::Text => format!(
            "invalid timestamp {} (want integer milliseconds)",
            found(tok)
        ),
        Format::OpenMetrics => format!("invalid timestamp {} (want seconds)", found(tok)),
    })
}

/// After the `#` of ` # {labels} value [timestamp]`. Exemplars are accepted in text too
/// (some clients send them as text/plain); their timestamps are OpenMetrics seconds.
fn exemplar_part(cur: &mut Cursor<'_>, scratch: &mut Scratch) -> Result<RawExemplar, String> {
    scratch.exemplar.clear();
    cur.skip_blanks();
    if !cur.eat(b'{') {
        return Err(format!(
            "expected '{{' to start exemplar labels, found {}",
            cur.found()
        ));
    }
    label_set(cur, &mut scratch.exemplar, &mut None, Owner::Exemplar)?;
    cur.skip_blanks();
    let value = value_token(cur, "after exemplar labels")?;
    let mut timestamp_ms = None;
    if cur.skip_blanks() && !cur.at_end() {
        timestamp_ms = Some(timestamp(cur, Format::OpenMetrics)?);
        cur.skip_blanks();
    }
    if !cur.at_end() {
        return Err(format!(
            "unexpected text after exemplar, found {}",
            cur.found()
        ));
    }
    Ok(RawExemplar {
        value,
        timestamp_ms,
    })
}
