//! Annotation templates: minijinja with two variables, `labels` (the alert's final
//! label map) and `value` (the sample value of the current evaluation).
//!
//! Prometheus rule files spell them `$labels` and `$value` (Go templates). To let
//! those rules be pasted unchanged, the source is rewritten before compiling:
//! `$labels` → `labels`, `$value` → `value`, but only inside `{{ }}` / `{% %}` tags
//! and outside string literals there, so a literal "$value" in prose or in a
//! quoted string is left alone. Go-only syntax (`.Labels`, `printf`) is not
//! translated.
//!
//! Differences from Prometheus worth knowing: a missing label renders as an empty
//! string (not `<no value>`); `labels` holds the final alert labels, so
//! `alertname` and `severity` are available too; a whole-number value renders
//! without a trailing `.0` (`42`, as Go prints it).
//!
//! Filters: `humanize` (1500 → `1.5k`), `humanizePercentage` (0.256 → `25.6%`) and
//! `humanizeDuration` (seconds → `1h 2m 3s`), following Prometheus's functions.

use minijinja::{AutoEscape, Environment, Value};

use super::Labels;

/// The compiled annotation templates of one rule.
#[derive(Debug)]
pub struct AnnotationTemplates {
    // Each annotation is a named template in a private environment: the name is
    // the annotation key, so compile and render errors name the annotation.
    env: Environment<'static>,
    names: Vec<String>,
}

impl AnnotationTemplates {
    /// Compiles every annotation; the error names the first annotation that fails.
    pub fn compile(annotations: &Labels) -> Result<Self, String> {
        let mut env = Environment::new();
        // Annotations are plain text sent to chat and terminals, never HTML, even
        // if a key happens to end in ".html".
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.add_filter("humanize", |v: f64| humanize(v));
        env.add_filter("humanizePercentage", |v: f64| humanize_percentage(v));
        env.add_filter("humanizeDuration", |v: f64| humanize_duration(v));
        for (name, source) in annotations {
            env.add_template_owned(name.clone(), rewrite_prometheus_vars(source))
                .map_err(|e| format!("annotation {name:?}: {e}"))?;
        }
        Ok(AnnotationTemplates {
            env,
            names: annotations.keys().cloned().collect(),
        })
    }

    /// Renders all annotations. Never fails: a render error becomes the
    /// annotation's text ("template error: ..."), so one bad annotation neither
    /// hides the alert nor the other annotations.
    pub fn render(&self, labels: &Labels, value: f64) -> Labels {
        let ctx = Value::from_pairs([
            (
                "labels",
                Value::from_pairs(labels.iter().map(|(k, v)| (k.clone(), v.clone()))),
            ),
            ("value", value_to_template(value)),
        ]);
        self.names
            .iter()
            .map(|name| {
                let text = self
                    .env
                    .get_template(name)
                    .and_then(|t| t.render(&ctx))
                    .unwrap_or_else(|e| format!("template error: {e}"));
                (name.clone(), text)
            })
            .collect()
    }
}

/// Whole numbers are passed as integers so `{{ value }}` prints `42` rather than
/// minijinja's `42.0`, matching what Prometheus users expect to see.
fn value_to_template(value: f64) -> Value {
    // 2^53: beyond it not every integer is representable, keep the float.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value.abs() < EXACT {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

/// Rewrites `$labels`/`$value` inside template tags, outside quotes (see module
/// docs). Comments `{# #}` and text outside tags are copied unchanged.
pub fn rewrite_prometheus_vars(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while !rest.is_empty() {
        let close = if rest.starts_with("{{") {
            "}}"
        } else if rest.starts_with("{%") {
            "%}"
        } else if rest.starts_with("{#") {
            // Copy a comment verbatim (or the rest if unterminated).
            let end = rest.find("#}").map_or(rest.len(), |i| i + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
            continue;
        };
        out.push_str(&rest[..2]);
        rest = rewrite_tag(&rest[2..], close, &mut out);
    }
    out
}

/// Rewrites one tag body up to and including `close`; returns what follows it.
fn rewrite_tag<'a>(mut rest: &'a str, close: &str, out: &mut String) -> &'a str {
    let mut quote: Option<char> = None;
    while !rest.is_empty() {
        if quote.is_none() {
            if let Some(after) = rest.strip_prefix(close) {
                out.push_str(close);
                return after;
            }
            if let Some((name, after)) = prometheus_var(rest) {
                out.push_str(name);
                rest = after;
                continue;
            }
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        out.push(c);
        match quote {
            Some(_) if c == '\\' => {
                // Keep the escaped character inside the literal, even a quote.
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
            }
            Some(q) if c == q => quote = None,
            None if c == '"' || c == '\'' => quote = Some(c),
            _ => {}
        }
        rest = chars.as_str();
    }
    rest
}

/// `$labels`/`$value` at the start of `s` as a whole word: the new name and the rest.
fn prometheus_var(s: &str) -> Option<(&'static str, &str)> {
    for (from, to) in [("$labels", "labels"), ("$value", "value")] {
        if let Some(after) = s.strip_prefix(from)
            && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            return Some((to, after));
        }
    }
    None
}

/// Go's `%.4g`: four significant digits, trailing zeros dropped, exponent form
/// for very large or small magnitudes.
fn format_g4(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    // The exponent after rounding to 4 digits decides the form, as in Go.
    let sci = format!("{v:.3e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..4).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.abs());
    }
    let decimals = usize::try_from(3 - exp).unwrap_or(0);
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Prometheus's `humanize`: SI prefixes in steps of 1000.
pub fn humanize(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format_g4(v);
    }
    let mut v = v;
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", format_g4(v))
}

/// Prometheus's `humanizePercentage`: a ratio as a percentage.
pub fn humanize_percentage(v: f64) -> String {
    format!("{}%", format_g4(v * 100.0))
}

/// Prometheus's `humanizeDuration`: seconds as `1d 2h 3m 4s`, or with a
/// sub-second prefix (`250ms`).
pub fn humanize_duration(v: f64) -> String {
    if !v.is_finite() {
        return format_g4(v);
    }
    if v == 0.0 {
        return "0s".into();
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        // Truncation toward zero is what Prometheus does for the whole units.
        let total = v.abs() as u64;
        let (days, hours) = (total / 86_400, total / 3_600 % 24);
        let (minutes, seconds) = (total / 60 % 60, total % 60);
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", format_g4(v.abs()))
        };
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", format_g4(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_inside_tags_and_outside_quotes() {
        assert_eq!(
            rewrite_prometheus_vars("$value is {{ $value }} on {{ $labels.instance }}"),
            "$value is {{ value }} on {{ labels.instance }}"
        );
        assert_eq!(
            rewrite_prometheus_vars(r#"{{ "$value" ~ '$labels' ~ $value }}"#),
            r#"{{ "$value" ~ '$labels' ~ value }}"#
        );
        assert_eq!(
            rewrite_prometheus_vars("{% if $value > 1 %}x{% endif %}{# $value #}"),
            "{% if value > 1 %}x{% endif %}{# $value #}"
        );
        // Whole words only; escaped quotes don't end a literal.
        assert_eq!(
            rewrite_prometheus_vars(r#"{{ $values ~ "a\"$value" ~ $value }}"#),
            r#"{{ $values ~ "a\"$value" ~ value }}"#
        );
    }

    #[test]
    fn go_style_g4_formatting() {
        assert_eq!(format_g4(1.5), "1.5");
        assert_eq!(format_g4(1234.5), "1234"); // round-half-even on the binary value
        assert_eq!(format_g4(12345.0), "1.234e+04");
        assert_eq!(format_g4(0.000_012_34), "1.234e-05");
        assert_eq!(format_g4(0.25), "0.25");
        assert_eq!(format_g4(f64::INFINITY), "+Inf");
    }

    #[test]
    fn humanize_filters() {
        assert_eq!(humanize(1500.0), "1.5k");
        assert_eq!(humanize(1_234_567.0), "1.235M");
        assert_eq!(humanize(0.25), "250m");
        assert_eq!(humanize(0.0), "0");
        assert_eq!(humanize(12.0), "12");
        assert_eq!(humanize_percentage(0.256), "25.6%");
        assert_eq!(humanize_duration(3_723.0), "1h 2m 3s");
        assert_eq!(humanize_duration(90_061.0), "1d 1h 1m 1s");
        assert_eq!(humanize_duration(1.5), "1.5s");
        assert_eq!(humanize_duration(0.25), "250ms");
    }

    #[test]
    fn compile_error_names_the_annotation() {
        let mut a = Labels::new();
        a.insert("summary".into(), "{{ labels.x ".into());
        let err = AnnotationTemplates::compile(&a).unwrap_err();
        assert!(err.contains("summary"), "{err}");
    }
}
