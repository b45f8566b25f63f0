//! `Parser`: the same body fed in chunks cut anywhere parses exactly as `parse`
//! does on the whole; `Keep` drops what nothing reads and counts it.
use super::*;
use opsdeck::collect::expfmt::{Keep, Parser};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeSet;
use std::sync::Arc;

const NO_LIMITS: Limits = Limits {
    max_bytes: usize::MAX,
    max_lines: usize::MAX,
};

fn chunked(body: &[u8], format: Format, cuts: &[usize], keep: Keep) -> Scrape {
    let mut parser = Parser::new(format, keep);
    let mut rest = body;
    for &cut in cuts {
        let (chunk, tail) = rest.split_at(cut.min(rest.len()));
        parser.feed(chunk);
        rest = tail;
    }
    parser.feed(rest);
    parser.finish()
}

fn keep(names: &[&str]) -> Keep {
    let names: BTreeSet<String> = names.iter().map(|n| n.to_string()).collect();
    Keep::Names(Arc::new(names))
}

/// Bodies that reach the cases a cut can break: `\r\n`, `# EOF` and what follows
/// it, a missing last newline, UTF-8 split between chunks.
fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        select(vec![
            &b"m{a=\"1\"} 1\n"[..],
            b"m{a=\"\xc3\xa9\"} 2\r\n",
            b"# TYPE h histogram\n",
            b"h_bucket{le=\"+Inf\"} 3\n",
            b"# EOF\n",
            b"# EOF",
            b"\n",
            b"bad line\n",
            b"\xff\xfe\n",
            b"x 1",
        ]),
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn chunks_parse_as_the_whole(
        body in body_strategy(),
        cuts in proptest::collection::vec(0usize..24, 0..8),
        format in select(vec![Format::Text, Format::OpenMetrics]),
    ) {
        let whole = parse(&body, format, &NO_LIMITS);
        let parts = chunked(&body, format, &cuts, Keep::All);
        // Debug, not ==: NaN values are equal here.
        prop_assert_eq!(format!("{whole:?}"), format!("{parts:?}"));
    }

    #[test]
    fn byte_at_a_time_parses_as_the_whole(body in body_strategy()) {
        let whole = parse(&body, Format::OpenMetrics, &NO_LIMITS);
        let cuts = vec![1; body.len()];
        let parts = chunked(&body, Format::OpenMetrics, &cuts, Keep::All);
        prop_assert_eq!(format!("{whole:?}"), format!("{parts:?}"));
    }
}

#[test]
fn keep_drops_and_counts_what_nothing_reads() {
    let body = "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nother 5\nother 6\nbad line\n";
    let s = chunked(body.as_bytes(), Format::Text, &[7, 30], keep(&["h_bucket"]));
    assert_eq!(s.sample_count(), 1);
    assert_eq!(s.dropped, 3);
    assert_eq!(names(&s), ["h"]);
    assert_one_bad_line(&s, 6, "");
    assert_eq!(
        s.kept_note().as_deref(),
        Some("4 series, kept 1 (the rules read only those)")
    );
    assert_eq!(
        parse(body.as_bytes(), Format::Text, &NO_LIMITS).kept_note(),
        None
    );
}

#[test]
fn a_page_of_only_dropped_series_is_still_metrics() {
    let s = chunked(b"a 1\nb 2\nbad\n", Format::Text, &[], keep(&[]));
    assert_eq!((s.sample_count(), s.dropped, s.unparsable), (0, 2, 1));
    assert_eq!(s.rejection(Some("text/plain")), None);
    assert_eq!(
        s.kept_note().as_deref(),
        Some("2 series, kept 0 (no rule reads them)")
    );
}

#[test]
fn type_after_dropped_samples_is_still_misplaced() {
    let body = "# HELP x help\nx 1\n# TYPE x gauge\n";
    let s = chunked(body.as_bytes(), Format::Text, &[], keep(&["y"]));
    assert_one_bad_line(&s, 3, "after its samples");
}
