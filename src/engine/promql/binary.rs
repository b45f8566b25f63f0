//! Binary operators with Prometheus's vector matching (one-to-one and the
//! many-to-many set operators).

use std::collections::{BTreeMap, BTreeSet};

use super::Labels;
use super::check::{BinOp, Binary, Matching};
use super::eval::{Sample, Value, check_unique, drop_name};

pub(crate) fn eval(b: &Binary, lhs: Value, rhs: Value) -> Result<Value, String> {
    let out = match (lhs, rhs) {
        (Value::Scalar(l), Value::Scalar(r)) => {
            let (v, keep) = elem(b.op, l, r)?;
            // The parser guarantees `bool` on scalar comparisons.
            return Ok(Value::Scalar(if b.op.is_comparison() {
                f64::from(u8::from(keep))
            } else {
                v
            }));
        }
        (Value::Vector(l), Value::Scalar(r)) => vector_scalar(b, l, r, false)?,
        (Value::Scalar(l), Value::Vector(r)) => vector_scalar(b, r, l, true)?,
        (Value::Vector(l), Value::Vector(r)) => match b.op {
            BinOp::And => set_filter(&b.matching, l, &r, true),
            BinOp::Unless => set_filter(&b.matching, l, &r, false),
            BinOp::Or => or(&b.matching, l, r),
            _ => one_to_one(b, l, r)?,
        },
    };
    check_unique(&out)?;
    Ok(Value::Vector(out))
}

/// Result value and whether the sample is kept (comparisons filter; the kept
/// value is the left operand, as in Prometheus's `vectorElemBinop`).
fn elem(op: BinOp, l: f64, r: f64) -> Result<(f64, bool), String> {
    Ok(match op {
        BinOp::Add => (l + r, true),
        BinOp::Sub => (l - r, true),
        BinOp::Mul => (l * r, true),
        BinOp::Div => (l / r, true),
        // Rust's `%` on f64 is C's fmod, the same as Go's math.Mod.
        BinOp::Mod => (l % r, true),
        BinOp::Pow => (l.powf(r), true),
        BinOp::Eq => (l, l == r),
        BinOp::Ne => (l, l != r),
        BinOp::Gt => (l, l > r),
        BinOp::Lt => (l, l < r),
        BinOp::Ge => (l, l >= r),
        BinOp::Le => (l, l <= r),
        BinOp::And | BinOp::Or | BinOp::Unless => {
            return Err("set operators are only defined between vectors".into());
        }
    })
}

fn is_arithmetic(op: BinOp) -> bool {
    !op.is_comparison() && !op.is_set()
}

/// `swap` = the scalar was on the left (`2 * foo`, `5 < foo`).
fn vector_scalar(b: &Binary, v: Vec<Sample>, s: f64, swap: bool) -> Result<Vec<Sample>, String> {
    let mut out = Vec::with_capacity(v.len());
    for (labels, x) in v {
        let (l, r) = if swap { (s, x) } else { (x, s) };
        let (mut value, keep) = elem(b.op, l, r)?;
        // A comparison filter always returns the vector's value, whichever side it is on.
        if b.op.is_comparison() && swap {
            value = x;
        }
        let (value, keep) = bool_result(b, value, keep);
        if keep {
            let labels = if is_arithmetic(b.op) || b.return_bool {
                drop_name(labels)
            } else {
                labels
            };
            out.push((labels, value));
        }
    }
    Ok(out)
}

fn bool_result(b: &Binary, value: f64, keep: bool) -> (f64, bool) {
    if b.return_bool {
        (f64::from(u8::from(keep)), true)
    } else {
        (value, keep)
    }
}

/// The label values a sample is matched on.
fn signature(labels: &Labels, matching: &Matching) -> Vec<(String, String)> {
    match matching {
        Matching::On(on) => {
            let on: BTreeSet<&String> = on.iter().collect();
            on.into_iter()
                .filter_map(|k| labels.get(k).map(|v| (k.clone(), v.clone())))
                .collect()
        }
        Matching::Ignoring(ign) => labels
            .iter()
            .filter(|(k, _)| k.as_str() != "__name__" && !ign.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn set_filter(
    matching: &Matching,
    l: Vec<Sample>,
    r: &[Sample],
    keep_matched: bool,
) -> Vec<Sample> {
    let sigs: BTreeSet<_> = r.iter().map(|(ls, _)| signature(ls, matching)).collect();
    l.into_iter()
        .filter(|(ls, _)| sigs.contains(&signature(ls, matching)) == keep_matched)
        .collect()
}

fn or(matching: &Matching, mut l: Vec<Sample>, r: Vec<Sample>) -> Vec<Sample> {
    let sigs: BTreeSet<_> = l.iter().map(|(ls, _)| signature(ls, matching)).collect();
    l.extend(
        r.into_iter()
            .filter(|(ls, _)| !sigs.contains(&signature(ls, matching))),
    );
    l
}

fn one_to_one(b: &Binary, l: Vec<Sample>, r: Vec<Sample>) -> Result<Vec<Sample>, String> {
    let mut right: BTreeMap<Vec<(String, String)>, f64> = BTreeMap::new();
    for (ls, v) in &r {
        let sig = signature(ls, &b.matching);
        if right.insert(sig, *v).is_some() {
            return Err(format!(
                "found duplicate series for the match group {} on the right hand-side of the \
                 operation; many-to-many matching not allowed: matching labels must be unique \
                 on one side",
                show_sig(&signature(ls, &b.matching))
            ));
        }
    }
    let mut matched = BTreeSet::new();
    let mut out = Vec::new();
    for (ls, lv) in l {
        let sig = signature(&ls, &b.matching);
        let Some(&rv) = right.get(&sig) else {
            continue;
        };
        let (value, keep) = elem(b.op, lv, rv)?;
        let (value, keep) = bool_result(b, value, keep);
        if !keep {
            continue;
        }
        if !matched.insert(sig) {
            return Err(
                "multiple matches for labels: many-to-one matching must be explicit \
                 (group_left/group_right), which opsdeck does not support"
                    .into(),
            );
        }
        out.push((result_labels(b, ls), value));
    }
    Ok(out)
}

/// Prometheus's `resultMetric` for one-to-one matching.
fn result_labels(b: &Binary, mut ls: Labels) -> Labels {
    if is_arithmetic(b.op) || b.return_bool {
        ls.remove("__name__");
    }
    match &b.matching {
        Matching::On(on) => ls.retain(|k, _| on.contains(k)),
        Matching::Ignoring(ign) => ls.retain(|k, _| !ign.contains(k)),
    }
    ls
}

fn show_sig(sig: &[(String, String)]) -> String {
    let inner: Vec<String> = sig.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}
