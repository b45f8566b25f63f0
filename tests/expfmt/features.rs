//! Format details: line endings, separators, escapes, special values, timestamps,
//! names, grouping samples into families, comments, `# EOF`, units.
use super::*;

#[test]
fn crlf_line_endings() {
    let input = "# HELP c the help\r\n# TYPE c gauge\r\nc{x=\"y\"} 3 1000\r\nd 4\r\n";
    let s = text(input);
    assert_clean(&s);
    let c = family(&s, "c");
    assert_eq!(c.help.as_deref(), Some("the help"));
    assert_eq!(c.kind, MetricKind::Gauge);
    assert_eq!(c.samples[0].timestamp_ms, Some(1000));
    assert_eq!(one(&s, "d").value, 4.0);

    let s = om("# TYPE c counter\r\nc_total 1 1.5\r\n# EOF\r\n");
    assert_clean(&s);
    assert_eq!(one(&s, "c_total").timestamp_ms, Some(1500));
}

#[test]
fn no_final_newline() {
    let s = text("a 1\nb{x=\"y\"} 2 17");
    assert_clean(&s);
    assert_eq!(one(&s, "b").timestamp_ms, Some(17));
    let s = om("a 1\n# EOF");
    assert_clean(&s);
    assert_eq!(one(&s, "a").value, 1.0);
}

#[test]
fn tabs_as_separators() {
    let s = text("a\t1\t2\nb{x=\"1\",\ty=\"2\"}\t3\n\t# TYPE\tc\tcounter\nc\t4\n");
    assert_clean(&s);
    assert_eq!(one(&s, "a").timestamp_ms, Some(2));
    assert_eq!(one(&s, "b").labels, labels(&[("x", "1"), ("y", "2")]));
    assert_eq!(family(&s, "c").kind, MetricKind::Counter);
    let s = om("a\t1\t2.5\t#\t{t=\"x\"}\t3\n# EOF\n");
    assert_clean(&s);
    let a = one(&s, "a");
    assert_eq!(a.timestamp_ms, Some(2500));
    assert_eq!(a.exemplar.as_ref().map(|e| e.value), Some(3.0));
}

#[test]
fn empty_label_sets() {
    let s = text("a{} 1\nb {} 2\n{\"c.d\"} 3\ne{,} 4\n");
    // `{,}` has an empty item: rejected as in Prometheus.
    assert_one_bad_line(&s, 4, "expected label name");
    for name in ["a", "b", "c.d"] {
        assert!(one(&s, name).labels.is_empty());
    }
}

#[test]
fn label_value_escapes_and_raw_characters() {
    let s = text(r##"a{v="x\\y\"z\nw",t="tab	here",u="é€😀",e="",h="# {} , ="} 1"##);
    assert_clean(&s);
    let a = one(&s, "a");
    assert_eq!(a.labels.get("v"), Some("x\\y\"z\nw"));
    assert_eq!(a.labels.get("t"), Some("tab\there"));
    assert_eq!(a.labels.get("u"), Some("é€😀"));
    assert_eq!(a.labels.get("e"), Some(""));
    assert_eq!(a.labels.get("h"), Some("# {} , ="));
}

#[test]
fn help_escapes_differ_by_format() {
    let line = "# HELP h a\\\\b\\nc \\\"q\\\" \\t\nh 1\n";
    let t = text(line);
    assert_eq!(
        family(&t, "h").help.as_deref(),
        Some("a\\b\nc \\\"q\\\" \\t")
    );
    let o = om(&format!("{line}# EOF\n"));
    assert_eq!(family(&o, "h").help.as_deref(), Some("a\\b\nc \"q\" \\t"));
    // A trailing lone backslash is kept, not an error.
    assert_eq!(
        family(&text("# HELP h x\\\nh 1\n"), "h").help.as_deref(),
        Some("x\\")
    );
}

#[test]
fn special_and_unusual_values() {
    let cases: [(&str, f64); 17] = [
        ("NaN", f64::NAN),
        ("nan", f64::NAN),
        ("+Inf", f64::INFINITY),
        ("-Inf", f64::NEG_INFINITY),
        ("Inf", f64::INFINITY),
        ("inf", f64::INFINITY),
        ("+inf", f64::INFINITY),
        ("-INF", f64::NEG_INFINITY),
        ("Infinity", f64::INFINITY),
        ("1e3", 1000.0),
        ("-1.5E-3", -0.0015),
        (".5", 0.5),
        ("5.", 5.0),
        ("+7", 7.0),
        ("08", 8.0),
        ("-0", -0.0),
        ("1.7976931348623157e308", f64::MAX),
    ];
    for (tok, want) in cases {
        let s = text(&format!("v {tok}\n"));
        assert_clean(&s);
        let got = one(&s, "v").value;
        assert!(
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            "{tok}: {got} != {want}"
        );
    }
}

#[test]
fn timestamps_by_format() {
    let s = text("a 1 -5\nb 1 +1234567890123\n");
    assert_eq!(one(&s, "a").timestamp_ms, Some(-5));
    assert_eq!(one(&s, "b").timestamp_ms, Some(1234567890123));
    let cases = [
        ("1520879607.789", 1520879607789),
        ("1520430001", 1520430001000),
        ("123.123", 123123),
        ("0.0005", 0),
        ("-1.5", -1500),
        ("1.5e3", 1500000),
        ("1E-3", 1),
        (".25", 250),
        ("5.", 5000),
        ("-9223372036854775.808", i64::MIN),
        ("9223372036854775.807", i64::MAX),
    ];
    for (tok, want) in cases {
        let s = om(&format!("a 1 {tok}\n# EOF\n"));
        assert_clean(&s);
        assert_eq!(one(&s, "a").timestamp_ms, Some(want), "{tok}");
    }
    let s = om("a 1 9223372036854775.808\n# EOF\n");
    assert_eq!(s.unparsable, 1, "one past i64::MAX ms");
}

#[test]
fn metric_names_with_colons_and_quoted_forms() {
    let input = r#"job:http_requests:rate5m{job="api"} 3
"my.metric"{label="x"} 1
"my.metric" 2 100
"other metric"   {a="b"} 3
{"my.metric", "label.with.dots"="y"} 4
"#;
    let s = text(input);
    assert_clean(&s);
    assert_eq!(
        one(&s, "job:http_requests:rate5m").labels.get("job"),
        Some("api")
    );
    let f = family(&s, "my.metric");
    assert_eq!(f.samples.len(), 3);
    assert_eq!(f.samples[1].timestamp_ms, Some(100));
    assert_eq!(f.samples[2].labels, labels(&[("label.with.dots", "y")]));
    assert_eq!(one(&s, "other metric").labels.get("a"), Some("b"));
}

#[test]
fn grouping_by_type_and_suffix() {
    let input = r#"# TYPE c counter
c_total{a="1"} 1
c_created{a="1"} 1600000000
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_count 2
h_sum 3
h_created 1600000000
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 2
gh_gcount 2
gh_gsum 3
# TYPE s summary
s{quantile="0.5"} 1
s_count 2
s_sum 3
s_created 1600000000
# TYPE i info
i_info{version="1.2"} 1
# TYPE st stateset
st{st="a"} 1
st{st="b"} 0
# TYPE g gauge
g_total 1
g_count 1
# TYPE c2 counter
c2_bucket 1
# EOF
"#;
    let s = om(input);
    assert_clean(&s);
    let expect: [(&str, MetricKind, usize); 7] = [
        ("c", MetricKind::Counter, 2),
        ("h", MetricKind::Histogram, 5),
        ("gh", MetricKind::GaugeHistogram, 3),
        ("s", MetricKind::Summary, 4),
        ("i", MetricKind::Info, 1),
        ("st", MetricKind::StateSet, 2),
        ("c2", MetricKind::Counter, 0),
    ];
    for (name, kind, samples) in expect {
        if samples == 0 {
            assert!(s.family(name).is_none(), "{name} got no samples");
            continue;
        }
        let f = family(&s, name);
        assert_eq!((f.kind, f.samples.len()), (kind, samples), "{name}");
    }
    // A suffix only groups when the family's TYPE has it.
    assert!(s.family("g").is_none());
    assert_eq!(family(&s, "g_total").kind, MetricKind::Unknown);
    assert_eq!(family(&s, "g_count").kind, MetricKind::Unknown);
    assert_eq!(family(&s, "c2_bucket").kind, MetricKind::Unknown);
}

#[test]
fn exact_family_name_wins_over_suffix() {
    let input = "# TYPE x histogram\n# TYPE x_count gauge\nx_count 5\nx_bucket{le=\"+Inf\"} 5\n";
    let s = text(input);
    assert_clean(&s);
    assert_eq!(sample_names(family(&s, "x")), ["x_bucket"]);
    assert_eq!(family(&s, "x_count").kind, MetricKind::Gauge);

    // Metadata between two samples of one name can move the second one.
    let s = text("# TYPE a counter\na_total 1\n# TYPE a_total gauge\na_total 2\n");
    assert_clean(&s);
    assert_eq!(family(&s, "a").samples.len(), 1);
    let moved = family(&s, "a_total");
    assert_eq!(
        (moved.kind, moved.samples[0].value),
        (MetricKind::Gauge, 2.0)
    );
}

#[test]
fn families_keep_first_appearance_order_when_interleaved() {
    let s = text("b 1\na 1\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nb 2\nh_count 1\na 2\n");
    assert_clean(&s);
    assert_eq!(names(&s), ["b", "a", "h"]);
    assert_eq!(family(&s, "b").samples.len(), 2);
    assert_eq!(family(&s, "h").samples.len(), 2);
}

#[test]
fn comments_are_ignored() {
    let input =
        "# just a comment\n#\n# HELP\n# TYPE\n#TYPEx\n# help lowercase x\n# HELPER x\n a 1\n";
    let s = text(input);
    assert_clean(&s);
    assert_eq!(names(&s), ["a"]);
    assert_eq!(family(&s, "a").help, None);
}

#[test]
fn eof_ends_openmetrics() {
    let s = om("a 1\n# EOF\n");
    assert_clean(&s);

    // Anything after # EOF is one error, on the line after it; nothing is parsed.
    let s = om("a 1\n# EOF\nb 2\nc 3\n");
    assert_one_bad_line(&s, 3, "unexpected data after # EOF");
    assert_eq!(names(&s), ["a"]);
    let s = om("# EOF\n\n");
    assert_one_bad_line(&s, 2, "unexpected data after # EOF");

    // No # EOF: everything is kept, and the body is flagged as possibly cut off.
    let s = om("a 1\nb 2\n");
    assert_eq!(s.sample_count(), 2);
    assert_eq!(s.unparsable, 0);
    assert!(s.truncated.as_deref().is_some_and(|t| t.contains("# EOF")));
    assert!(s.summary().is_some_and(|t| t.starts_with("truncated: ")));

    // In text, # EOF is just a comment.
    let s = text("a 1\n# EOF\nb 2\n");
    assert_clean(&s);
    assert_eq!(s.sample_count(), 2);
}

#[test]
fn unit_metadata() {
    let s = om(
        "# TYPE d_seconds gauge\n# UNIT d_seconds seconds\nd_seconds 1\n# UNIT e \ne 1\n# EOF\n",
    );
    assert_clean(&s);
    assert_eq!(family(&s, "d_seconds").unit.as_deref(), Some("seconds"));
    assert_eq!(family(&s, "e").unit.as_deref(), Some(""));
}

#[test]
fn leading_blanks_and_blank_lines() {
    let s = om("  a 1\n\n\t# TYPE b gauge\n   \nb 2\n# EOF\n");
    assert_clean(&s);
    assert_eq!(family(&s, "b").kind, MetricKind::Gauge);
    assert_eq!(s.sample_count(), 2);
}
