//! Families back to exposition text: the inverse of `parse`, used by the round-trip
//! tests and by anything that re-exposes what it scraped.

use std::fmt::Write as _;

use super::labels::Labels;
use super::lexer::{is_bare_label_name, is_bare_metric_name};
use super::model::{Format, MetricFamily, Sample};

/// Renders `families` in `format`. Names that are not `[a-zA-Z_:][a-zA-Z0-9_:]*` are
/// quoted (`{"my.metric",...}`). Exemplars are written in OpenMetrics only: the text
/// format has no syntax for them.
pub fn render(families: &[MetricFamily], format: Format) -> String {
    let mut out = String::new();
    for family in families {
        if let Some(help) = &family.help {
            out.push_str("# HELP ");
            push_metric_name(&mut out, &family.name);
            out.push(' ');
            push_help(&mut out, help, format);
            out.push('\n');
        }
        out.push_str("# TYPE ");
        push_metric_name(&mut out, &family.name);
        out.push(' ');
        out.push_str(family.kind.type_word(format));
        out.push('\n');
        if let Some(unit) = &family.unit {
            out.push_str("# UNIT ");
            push_metric_name(&mut out, &family.name);
            out.push(' ');
            out.push_str(unit);
            out.push('\n');
        }
        for sample in &family.samples {
            push_sample(&mut out, sample, format);
        }
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

fn push_sample(out: &mut String, sample: &Sample, format: Format) {
    if is_bare_metric_name(&sample.name) {
        out.push_str(&sample.name);
        if !sample.labels.is_empty() {
            out.push('{');
            push_labels(out, &sample.labels);
            out.push('}');
        }
    } else {
        out.push('{');
        push_quoted(out, &sample.name);
        if !sample.labels.is_empty() {
            out.push(',');
            push_labels(out, &sample.labels);
        }
        out.push('}');
    }
    out.push(' ');
    push_value(out, sample.value);
    if let Some(ms) = sample.timestamp_ms {
        out.push(' ');
        push_timestamp(out, ms, format);
    }
    if let (Some(exemplar), Format::OpenMetrics) = (&sample.exemplar, format) {
        out.push_str(" # {");
        push_labels(out, &exemplar.labels);
        out.push_str("} ");
        push_value(out, exemplar.value);
        if let Some(ms) = exemplar.timestamp_ms {
            out.push(' ');
            push_timestamp(out, ms, Format::OpenMetrics);
        }
    }
    out.push('\n');
}

fn push_metric_name(out: &mut String, name: &str) {
    if is_bare_metric_name(name) {
        out.push_str(name);
    } else {
        push_quoted(out, name);
    }
}

fn push_labels(out: &mut String, labels: &Labels) {
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if is_bare_label_name(name) {
            out.push_str(name);
        } else {
            push_quoted(out, name);
        }
        out.push('=');
        push_quoted(out, value);
    }
}

/// `"..."` with `\\`, `\"` and `\n` escaped: the escapes both formats define.
fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// HELP escapes `\\` and `\n`; OpenMetrics also `\"`.
fn push_help(out: &mut String, text: &str, format: Format) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

/// Shortest text that parses back to the same f64 (`{:?}` uses an exponent when long).
fn push_value(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
    } else if value == f64::INFINITY {
        out.push_str("+Inf");
    } else if value == f64::NEG_INFINITY {
        out.push_str("-Inf");
    } else {
        let _ = write!(out, "{value:?}");
    }
}

/// Integer milliseconds in text; exact decimal seconds in OpenMetrics.
fn push_timestamp(out: &mut String, ms: i64, format: Format) {
    let _ = match format {
        Format::Text => write!(out, "{ms}"),
        Format::OpenMetrics => {
            let sign = if ms < 0 { "-" } else { "" };
            let abs = ms.unsigned_abs();
            write!(out, "{sign}{}.{:03}", abs / 1000, abs % 1000)
        }
    };
}
