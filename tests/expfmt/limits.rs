//! `Limits`: the line and byte caps, and how a scrape reports hitting them.
use super::*;

fn lines(n: usize) -> String {
    (0..n).map(|i| format!("m{{i=\"{i}\"}} {i}\n")).collect()
}

#[test]
fn defaults() {
    let l = Limits::default();
    assert_eq!((l.max_bytes, l.max_lines), (10 * 1024 * 1024, 200_000));
}

#[test]
fn line_limit_stops_and_keeps() {
    let body = lines(10);
    let limits = Limits {
        max_bytes: usize::MAX,
        max_lines: 4,
    };
    let s = parse(body.as_bytes(), Format::Text, &limits);
    assert_eq!(s.sample_count(), 4);
    assert_eq!(s.unparsable, 0);
    let why = s.truncated.as_deref().expect("truncated");
    assert!(why.contains("4 line limit"), "{why}");

    let limits = Limits {
        max_bytes: usize::MAX,
        max_lines: 10,
    };
    let s = parse(body.as_bytes(), Format::Text, &limits);
    assert_clean(&s);
    assert_eq!(s.sample_count(), 10);
}

#[test]
fn byte_limit_cuts_at_a_whole_line() {
    let body = lines(10);
    let cut = body.find("m{i=\"3\"}").expect("line 4") + 5; // inside line 4
    let limits = Limits {
        max_bytes: cut,
        max_lines: usize::MAX,
    };
    let s = parse(body.as_bytes(), Format::Text, &limits);
    assert_eq!(s.sample_count(), 3);
    assert_eq!(s.unparsable, 0, "the half line is not a bad line");
    let why = s.truncated.as_deref().expect("truncated");
    assert!(why.contains(&format!("{cut}-byte limit")), "{why}");

    let exact = Limits {
        max_bytes: body.len(),
        max_lines: usize::MAX,
    };
    assert_clean(&parse(body.as_bytes(), Format::Text, &exact));
}

#[test]
fn om_truncation_is_reported_once() {
    let mut body = lines(10);
    body.push_str("# EOF\n");
    let limits = Limits {
        max_bytes: 30,
        max_lines: usize::MAX,
    };
    let s = parse(body.as_bytes(), Format::OpenMetrics, &limits);
    assert!(
        s.truncated
            .as_deref()
            .is_some_and(|t| t.contains("byte limit"))
    );
    assert_eq!(s.unparsable, 0);
}

#[test]
fn zero_limits_parse_nothing() {
    let s = parse(
        b"a 1\n",
        Format::Text,
        &Limits {
            max_bytes: 0,
            max_lines: 10,
        },
    );
    assert_eq!(s.sample_count(), 0);
    assert!(s.truncated.is_some());
    let s = parse(
        b"a 1\n",
        Format::Text,
        &Limits {
            max_bytes: 10,
            max_lines: 0,
        },
    );
    assert_eq!(s.sample_count(), 0);
    assert!(s.truncated.is_some());
    let s = parse(
        b"",
        Format::Text,
        &Limits {
            max_bytes: 0,
            max_lines: 0,
        },
    );
    assert_clean(&s);
}
