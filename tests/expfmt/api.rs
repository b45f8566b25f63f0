//! The public helpers: format from content type, labels, finding samples and
//! families, the summary wording, rendering.
use super::*;

#[test]
fn format_from_content_type() {
    let cases = [
        (
            Some("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Format::OpenMetrics,
        ),
        (Some("application/openmetrics-text"), Format::OpenMetrics),
        (
            Some("Application/OpenMetrics-Text;version=0.0.1"),
            Format::OpenMetrics,
        ),
        (
            Some("text/plain; version=0.0.4; charset=utf-8"),
            Format::Text,
        ),
        (Some("application/json"), Format::Text),
        (Some(""), Format::Text),
        (None, Format::Text),
    ];
    for (ct, want) in cases {
        assert_eq!(Format::from_content_type(ct), want, "{ct:?}");
    }
}

#[test]
fn labels_behave_like_an_ordered_list() {
    let l = labels(&[("b", "2"), ("a", "1"), ("é", "\"q\"")]);
    assert_eq!(l.len(), 3);
    assert_eq!(l.get("a"), Some("1"));
    assert_eq!(l.get("é"), Some("\"q\""));
    assert_eq!(l.get("c"), None);
    let pairs: Vec<(&str, &str)> = l.iter().collect();
    assert_eq!(pairs, [("b", "2"), ("a", "1"), ("é", "\"q\"")]);
    assert_ne!(
        l,
        labels(&[("a", "1"), ("b", "2"), ("é", "\"q\"")]),
        "order matters"
    );
    assert_ne!(labels(&[("ab", "c")]), labels(&[("a", "bc")]));
    assert!(Labels::new().is_empty());
    assert_eq!(format!("{:?}", labels(&[("k", "v")])), "{\"k\": \"v\"}");
}

#[test]
fn find_sample_count_and_family() {
    let s =
        text("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nx 1\n");
    assert_eq!(s.sample_count(), 4);
    assert_eq!(s.find("h_bucket").count(), 2);
    assert_eq!(s.find("h").count(), 0);
    assert_eq!(
        s.find("h_count").map(|x| x.value).collect::<Vec<_>>(),
        [2.0]
    );
    assert_eq!(s.family("h").map(|f| f.samples.len()), Some(3));
    assert!(s.family("h_bucket").is_none());
}

#[test]
fn summary_wording() {
    let s = text("a\nb\nc 1\n");
    assert_eq!(
        s.summary().as_deref(),
        Some(
            "2 lines unparsable (first: line 1: expected value after metric name, found end of line)"
        )
    );
    let limits = Limits {
        max_bytes: usize::MAX,
        max_lines: 1,
    };
    let s = parse(b"a\nb 1\n", Format::Text, &limits);
    assert_eq!(
        s.summary().as_deref(),
        Some(
            "1 line unparsable (first: line 1: expected value after metric name, found end of line); truncated: over the 1 line limit; parsed the first 1 lines"
        )
    );
}

#[test]
fn render_text_and_openmetrics() {
    let s = om(r#"# HELP http_requests Requests "served".
# TYPE http_requests counter
http_requests_total{code="200",path="/a\"b\\c\nd"} 1027 1395066363.000 # {trace_id="abc"} 1.0 1625000000.123
{"my.metric","a.b"="1"} NaN
# TYPE t_seconds gauge
# UNIT t_seconds seconds
t_seconds -Inf
# EOF
"#);
    assert_clean(&s);
    assert_eq!(
        render(&s.families, Format::OpenMetrics),
        r#"# HELP http_requests Requests \"served\".
# TYPE http_requests counter
http_requests_total{code="200",path="/a\"b\\c\nd"} 1027.0 1395066363.000 # {trace_id="abc"} 1.0 1625000000.123
# TYPE "my.metric" unknown
{"my.metric","a.b"="1"} NaN
# TYPE t_seconds gauge
# UNIT t_seconds seconds
t_seconds -Inf
# EOF
"#
    );
    assert_eq!(
        render(&s.families, Format::Text),
        r#"# HELP http_requests Requests "served".
# TYPE http_requests counter
http_requests_total{code="200",path="/a\"b\\c\nd"} 1027.0 1395066363000
# TYPE "my.metric" untyped
{"my.metric","a.b"="1"} NaN
# TYPE t_seconds gauge
# UNIT t_seconds seconds
t_seconds -Inf
"#
    );
}
