//! Sample values and timestamps.

/// 2^63: i64::MAX rounds up to this as f64, so `< TWO_63` keeps a cast in range.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// A value in Go `ParseFloat` syntax as Prometheus accepts it: decimal with optional
/// exponent, `NaN`, `Inf`, `+Inf`, `-Inf`, `Infinity`, any case. Hex floats and `_`
/// digit separators are rejected, as Prometheus and the OpenMetrics grammar do;
/// Rust's `f64` grammar is exactly that set.
pub(crate) fn value(tok: &str) -> Option<f64> {
    tok.parse::<f64>().ok()
}

/// Text format timestamp: integer milliseconds.
pub(crate) fn text_timestamp(tok: &str) -> Option<i64> {
    tok.parse::<i64>().ok()
}

/// OpenMetrics timestamp: float seconds, stored as milliseconds (truncated toward zero,
/// like Prometheus). Plain decimals are converted exactly, not through f64, so
/// `1520879607.789` is 1520879607789 and not ...788.
pub(crate) fn openmetrics_timestamp(tok: &str) -> Option<i64> {
    decimal_seconds_to_ms(tok).or_else(|| float_seconds_to_ms(tok.parse::<f64>().ok()?))
}

/// `[+-]digits[.digits]` → ms; None for anything else (exponents go through f64).
fn decimal_seconds_to_ms(tok: &str) -> Option<i64> {
    let (negative, unsigned) = match tok.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, tok.strip_prefix('+').unwrap_or(tok)),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    // Accumulate the magnitude unsigned so -9223372036854775.808 (i64::MIN ms) fits.
    let mut ms: u64 = 0;
    for b in int.bytes() {
        ms = ms.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    ms = ms.checked_mul(1000)?;
    let mut scale = 100;
    for b in frac.bytes().take(3) {
        ms = ms.checked_add(u64::from(b - b'0') * scale)?;
        scale /= 10;
    }
    if negative {
        0i64.checked_sub_unsigned(ms)
    } else {
        i64::try_from(ms).ok()
    }
}

fn float_seconds_to_ms(secs: f64) -> Option<i64> {
    let ms = (secs * 1000.0).trunc();
    (ms.is_finite() && (-TWO_63..TWO_63).contains(&ms)).then_some(ms as i64)
}
