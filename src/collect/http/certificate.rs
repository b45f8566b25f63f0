//! When a served certificate expires: `notAfter` read from its DER.
//!
//! Written here on purpose: the one field needs a few lines of DER walking,
//! where an X.509 crate (x509-parser with nom, asn1-rs, der-parser,
//! oid-registry and a time crate) would add a dozen crates to the tree.

use chrono::{DateTime, NaiveDate, Utc};

/// One DER element: its tag and content; `rest` follows it.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
    rest: &'a [u8],
}

fn element(der: &[u8]) -> Option<Element<'_>> {
    let (&tag, der) = der.split_first()?;
    let (&first, der) = der.split_first()?;
    let (len, der) = if first < 0x80 {
        (usize::from(first), der)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || der.len() < count {
            return None;
        }
        let len = der[..count]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (len, &der[count..])
    };
    (der.len() >= len).then(|| Element {
        tag,
        content: &der[..len],
        rest: &der[len..],
    })
}

const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// `[0] EXPLICIT` version, present from X.509 v2 on.
const VERSION: u8 = 0xa0;

/// The certificate's `notAfter`; None for anything that is not one.
pub fn not_after(der: &[u8]) -> Option<DateTime<Utc>> {
    let certificate = element(der).filter(|e| e.tag == SEQUENCE)?;
    let tbs = element(certificate.content).filter(|e| e.tag == SEQUENCE)?;
    let mut fields = tbs.content;
    let first = element(fields)?;
    if first.tag == VERSION {
        fields = first.rest;
    }
    // serialNumber, signature, issuer, then validity.
    for _ in 0..3 {
        fields = element(fields)?.rest;
    }
    let validity = element(fields).filter(|e| e.tag == SEQUENCE)?;
    let not_before = element(validity.content)?;
    let not_after = element(not_before.rest)?;
    time(not_after.tag, not_after.content)
}

/// UTCTime `YYMMDDHHMMSSZ` (years 1950–2049) or GeneralizedTime
/// `YYYYMMDDHHMMSSZ`, as RFC 5280 requires them.
fn time(tag: u8, text: &[u8]) -> Option<DateTime<Utc>> {
    // Bytes, not text: a server (unverified, with insecure_skip_verify) may
    // put anything here, and only ASCII digits are read.
    let digits = text.strip_suffix(b"Z")?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |from: usize, len: usize| {
        digits
            .get(from..from + len)?
            .iter()
            .try_fold(0u32, |n, d| Some(n * 10 + u32::from(d - b'0')))
    };
    let (year, rest) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy = i32::try_from(number(0, 2)?).ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        (GENERALIZED_TIME, 14) => (i32::try_from(number(0, 4)?).ok()?, 4),
        _ => return None,
    };
    let n = |i: usize| number(rest + i, 2);
    let date = NaiveDate::from_ymd_opt(year, n(0)?, n(2)?)?;
    Some(date.and_hms_opt(n(4)?, n(6)?, n(8)?)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate made by `openssl req -x509 -newkey ec ... -days 5`
    /// (generated for this test; its key was thrown away).
    #[test]
    fn reads_not_after_of_a_real_certificate() {
        let pem = include_str!("../../../tests/fixtures/certificate-5d.pem");
        let der = pem_body(pem);
        let at = not_after(&der).expect("a certificate");
        assert_eq!(at.to_rfc3339(), "2026-12-08T04:23:17+00:00");
    }

    #[test]
    fn anything_else_is_none() {
        assert_eq!(not_after(b""), None);
        assert_eq!(not_after(&[0x30, 0x82, 0xff]), None);
        assert_eq!(not_after(&[0x30, 0x03, 0x02, 0x01, 0x01]), None);
    }

    #[test]
    fn both_time_forms() {
        let utc = time(UTC_TIME, b"491231235959Z").unwrap();
        assert_eq!(utc.to_rfc3339(), "2049-12-31T23:59:59+00:00");
        let old = time(UTC_TIME, b"500101000000Z").unwrap();
        assert_eq!(old.to_rfc3339(), "1950-01-01T00:00:00+00:00");
        let generalized = time(GENERALIZED_TIME, b"20510101000000Z").unwrap();
        assert_eq!(generalized.to_rfc3339(), "2051-01-01T00:00:00+00:00");
        assert_eq!(time(UTC_TIME, b"2012"), None);
    }

    #[test]
    fn hostile_times_are_none_not_a_panic() {
        // 12 bytes with a multi-byte character where the year's digits are.
        assert_eq!(time(UTC_TIME, "1\u{20ac}01234567Z".as_bytes()), None);
        assert_eq!(
            time(GENERALIZED_TIME, "2\u{20ac}0101000000Z".as_bytes()),
            None
        );
        assert_eq!(time(UTC_TIME, b"991301000000Z"), None, "month 13");
        assert_eq!(time(UTC_TIME, b"-9010100000Z"), None);
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let _ = not_after(&junk);
            let _ = time(UTC_TIME, &junk);
        }
    }

    fn pem_body(pem: &str) -> Vec<u8> {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64_decode(&b64)
    }

    fn base64_decode(text: &str) -> Vec<u8> {
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for c in text.bytes().filter(|&c| c != b'=') {
            let v = ABC.iter().position(|&a| a == c).unwrap() as u32;
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }
}
