//! Equivalents of prometheus/common expfmt's testTextParse scenarios.
use super::*;

#[test]
fn empty_lines_only() {
    let s = text("\n\n");
    assert_clean(&s);
    assert!(s.families.is_empty());
}

#[test]
fn minimal() {
    let s = text(
        "\nminimal_metric 1.234\nanother_metric -3e3 103948\n# Even that:\nno_labels{} 3\n# HELP line for non-existing metric will be ignored.\n",
    );
    assert_clean(&s);
    assert_eq!(names(&s), ["minimal_metric", "another_metric", "no_labels"]);
    assert_eq!(one(&s, "minimal_metric").value, 1.234);
    let another = one(&s, "another_metric");
    assert_eq!((another.value, another.timestamp_ms), (-3e3, Some(103948)));
    assert!(one(&s, "no_labels").labels.is_empty());
    assert!(s.families.iter().all(|f| f.kind == MetricKind::Unknown));
}

#[test]
fn counters_gauges_whitespace_and_escapes() {
    let input = "
# A normal comment.
#
# TYPE name counter
name{labelname=\"val1\",basename=\"basevalue\"} NaN
name {labelname=\"val2\",basename=\"base\\\"v\\\\al\\nue\"} 0.23 1234567890
# HELP name two-line\\n doc  str\\\\ing

 # HELP  name2  \tdoc str\"ing 2
  #    TYPE    name2 gauge
name2{labelname=\"val2\"\t,basename   =   \"basevalue2\"\t\t} +Inf 54321
name2{ labelname = \"val1\" , }-Inf
";
    let s = text(input);
    assert_clean(&s);
    let name = family(&s, "name");
    assert_eq!(name.kind, MetricKind::Counter);
    assert_eq!(name.help.as_deref(), Some("two-line\n doc  str\\ing"));
    assert!(name.samples[0].value.is_nan());
    assert_eq!(
        name.samples[1].labels.get("basename"),
        Some("base\"v\\al\nue")
    );
    assert_eq!(name.samples[1].timestamp_ms, Some(1234567890));

    let name2 = family(&s, "name2");
    assert_eq!(name2.kind, MetricKind::Gauge);
    assert_eq!(name2.help.as_deref(), Some("doc str\"ing 2"));
    assert_eq!(
        name2.samples[0].labels,
        labels(&[("labelname", "val2"), ("basename", "basevalue2")])
    );
    assert_eq!(name2.samples[0].value, f64::INFINITY);
    assert_eq!(name2.samples[0].timestamp_ms, Some(54321));
    assert_eq!(name2.samples[1].labels, labels(&[("labelname", "val1")]));
    assert_eq!(name2.samples[1].value, f64::NEG_INFINITY);
}

#[test]
fn the_evil_summary() {
    let input = r#"
# TYPE my_summary summary
my_summary{n1="val1",quantile="0.5"} 110
decoy -1 -2
my_summary{n1="val1",quantile="0.9"} 140 1
my_summary_count{n1="val1"} 42
# Latest timestamp wins in case of a summary.
my_summary_sum{n1="val1"} 4711 2
fake_sum{n1="val1"} 2001
# TYPE another_summary summary
another_summary_count{n2="val2",n1="val1"} 20
my_summary_count{n2="val2",n1="val1"} 5 5
another_summary{n1="val1",n2="val2",quantile=".3"} -1.2
my_summary_sum{n1="val2"} 08 15
my_summary{n1="val3", quantile="0.2"} 4711
  my_summary{n1="val1",n2="val2",quantile="-12.34",} NaN
# some
# funny comments
# HELP
# HELP
# HELP my_summary
# HELP my_summary
"#;
    let s = text(input);
    // client_golang ignores `# HELP name` without text; we record an empty HELP,
    // so the second one is a duplicate.
    assert_one_bad_line(&s, 22, "second HELP line");
    assert_eq!(
        names(&s),
        ["my_summary", "decoy", "fake_sum", "another_summary"]
    );
    let summary = family(&s, "my_summary");
    assert_eq!(summary.kind, MetricKind::Summary);
    assert_eq!(summary.help.as_deref(), Some(""));
    assert_eq!(
        sample_names(summary),
        [
            "my_summary",
            "my_summary",
            "my_summary_count",
            "my_summary_sum",
            "my_summary_count",
            "my_summary_sum",
            "my_summary",
            "my_summary",
        ]
    );
    assert_eq!(summary.samples[4].timestamp_ms, Some(5));
    assert_eq!(summary.samples[5].value, 8.0);
    assert!(summary.samples[7].value.is_nan());
    assert_eq!(summary.samples[7].labels.get("quantile"), Some("-12.34"));
    assert_eq!(one(&s, "decoy").timestamp_ms, Some(-2));
    assert_eq!(family(&s, "fake_sum").kind, MetricKind::Unknown);
    assert_eq!(
        sample_names(family(&s, "another_summary")),
        ["another_summary_count", "another_summary"]
    );
}

#[test]
fn histogram() {
    let input = r#"
# HELP request_duration_microseconds The response latency.
# TYPE request_duration_microseconds histogram
request_duration_microseconds_bucket{le="100"} 123
request_duration_microseconds_bucket{le="120"} 412
request_duration_microseconds_bucket{le="144"} 592
request_duration_microseconds_bucket{le="172.8"} 1524
request_duration_microseconds_bucket{le="+Inf"} 2693
request_duration_microseconds_sum 1.7560473e+06
request_duration_microseconds_count 2693
"#;
    let s = text(input);
    assert_clean(&s);
    assert_eq!(s.families.len(), 1);
    let h = family(&s, "request_duration_microseconds");
    assert_eq!(h.kind, MetricKind::Histogram);
    assert_eq!(h.samples.len(), 7);
    assert_eq!(h.samples[4].labels.get("le"), Some("+Inf"));
    assert_eq!(h.samples[5].value, 1756047.3);
    assert_eq!(h.samples[6].name, "request_duration_microseconds_count");
}

#[test]
fn gauge_histogram_in_text_uses_count_and_sum() {
    let input = "# TYPE rd gauge_histogram\nrd_bucket{le=\"1\"} 1\nrd_bucket{le=\"+Inf\"} 2\nrd_sum 3\nrd_count 2\n";
    let s = text(input);
    assert_clean(&s);
    let h = family(&s, "rd");
    assert_eq!(h.kind, MetricKind::GaugeHistogram);
    assert_eq!(h.samples.len(), 4);
}

#[test]
fn quoted_names_with_dots() {
    let input = r#"
# HELP "my.noncompliant.metric" help text
# TYPE "my.noncompliant.metric" counter
{"my.noncompliant.metric","label.name"="value"} 1
{labelname="value", "my.noncompliant.metric"} 2
{"name.with.dots"} 0.23 1234567890
"#;
    let s = text(input);
    assert_clean(&s);
    let f = family(&s, "my.noncompliant.metric");
    assert_eq!(f.kind, MetricKind::Counter);
    assert_eq!(f.help.as_deref(), Some("help text"));
    assert_eq!(f.samples[0].labels, labels(&[("label.name", "value")]));
    assert_eq!(f.samples[1].labels, labels(&[("labelname", "value")]));
    assert_eq!(f.samples[1].value, 2.0);
    assert_eq!(one(&s, "name.with.dots").timestamp_ms, Some(1234567890));
}

#[test]
fn escaped_characters_in_quoted_names() {
    let input = "# HELP \"gauge.name\" gauge\\ndoc\\nstr\\\"ing
# TYPE \"my\\\"noncompliant\\nmetric\\\\\" counter
{\"my\\\"noncompliant\\nmetric\\\\\",\"label\\\"name\\n\"=\"value\"} 1
{\"gauge.name\",\"name.1\"=\"Björn\",\"name*2\"=\"佖佥\"} 3.14e+42
";
    let s = text(input);
    assert_clean(&s);
    let f = family(&s, "my\"noncompliant\nmetric\\");
    assert_eq!(f.kind, MetricKind::Counter);
    assert_eq!(f.samples[0].labels, labels(&[("label\"name\n", "value")]));
    let g = family(&s, "gauge.name");
    // In text, `\"` is not a HELP escape and stays as written.
    assert_eq!(g.help.as_deref(), Some("gauge\ndoc\nstr\\\"ing"));
    assert_eq!(
        g.samples[0].labels,
        labels(&[("name.1", "Björn"), ("name*2", "佖佥")])
    );
    assert_eq!(g.samples[0].value, 3.14e42);
}
