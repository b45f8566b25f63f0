//! `{name="value", "quoted.name"="value", "metric.name"}`: one label set.

use std::borrow::Cow;

use super::Cursor;
use crate::collect::expfmt::labels::Labels;

/// Where a label set appears: a series may carry its quoted metric name inside the
/// braces (`{"my.metric", a="b"}`); an exemplar may not.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Series,
    Exemplar,
}

/// Parses from just after `{` through the closing `}` into `out` (cleared by the caller).
/// A bare quoted string becomes `name`; a second one is an error.
///
/// Whitespace around names, `=` and commas is accepted (Prometheus does); a missing
/// comma between labels is not (OpenMetrics and client_golang reject it).
pub(crate) fn label_set<'a>(
    cur: &mut Cursor<'a>,
    out: &mut Labels,
    name: &mut Option<Cow<'a, str>>,
    owner: Owner,
) -> Result<(), String> {
    loop {
        cur.skip_blanks();
        if cur.eat(b'}') {
            break;
        }
        item(cur, out, name, owner)?;
        cur.skip_blanks();
        if cur.eat(b',') {
            continue;
        }
        if cur.eat(b'}') {
            break;
        }
        return Err(format!(
            "expected ',' or '}}' after label, found {}",
            cur.found()
        ));
    }
    if let Some(dup) = out.duplicate_name() {
        // Prometheus rejects such a series; keeping either value would be a guess.
        return Err(format!("duplicate label name {dup:?}"));
    }
    Ok(())
}

/// One `name="value"` pair or, for a series, one quoted metric name.
fn item<'a>(
    cur: &mut Cursor<'a>,
    out: &mut Labels,
    name: &mut Option<Cow<'a, str>>,
    owner: Owner,
) -> Result<(), String> {
    let label = if cur.peek() == Some(b'"') {
        let quoted = cur.quoted("quoted name")?;
        cur.skip_blanks();
        if cur.peek() != Some(b'=') {
            return metric_name_in_braces(quoted, name, owner);
        }
        quoted
    } else {
        match cur.label_name() {
            Some(label) => Cow::Borrowed(label),
            None => return Err(format!("expected label name, found {}", cur.found())),
        }
    };
    if label.is_empty() {
        return Err("empty label name".to_owned());
    }
    if label == "__name__" {
        return Err("label name \"__name__\" is reserved".to_owned());
    }
    cur.skip_blanks();
    if !cur.eat(b'=') {
        return Err(format!(
            "expected '=' after label name {label:?}, found {}",
            cur.found()
        ));
    }
    cur.skip_blanks();
    let name_end = out.begin_label(&label);
    cur.quoted_into(out.text_mut(), "label value")?;
    out.end_label(name_end);
    Ok(())
}

fn metric_name_in_braces<'a>(
    quoted: Cow<'a, str>,
    name: &mut Option<Cow<'a, str>>,
    owner: Owner,
) -> Result<(), String> {
    if owner == Owner::Exemplar {
        return Err(format!(
            "exemplar labels cannot hold a metric name ({quoted:?})"
        ));
    }
    if name.is_some() {
        return Err(format!("multiple metric names (second: {quoted:?})"));
    }
    if quoted.is_empty() {
        return Err("empty metric name".to_owned());
    }
    *name = Some(quoted);
    Ok(())
}
