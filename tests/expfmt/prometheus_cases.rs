//! Equivalents of textparse's TestPromParse / TestUTF8PromParse.
use super::*;

const PROM_INPUT: &str = "# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# \tTYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05
go_gc_duration_seconds{quantile=\"0.25\",} 7.424100000000001e-05
go_gc_duration_seconds{quantile=\"0.5\",a=\"b\"} 8.3835e-05
go_gc_duration_seconds{quantile=\"0.8\", a=\"b\"} 8.3835e-05
go_gc_duration_seconds{ quantile=\"0.9\", a=\"b\"} 8.3835e-05
# Hrandom comment starting with prefix of HELP
#
wind_speed{A=\"2\",c=\"3\"} 12345
# comment with escaped \\n newline
# comment with escaped \\ escape character
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile=\"1.0\", a=\"b\" } 8.3835e-05
go_gc_duration_seconds { quantile=\"1.0\", a=\"b\" } 8.3835e-05
go_gc_duration_seconds { quantile= \"1.0\", a= \"b\", } 8.3835e-05
go_gc_duration_seconds { quantile = \"1.0\", a = \"b\" } 8.3835e-05
go_gc_duration_seconds { quantile = \"2.0\" a = \"b\" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b=\"c\"}\t1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  \t123123
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore=\"foo\"} 1
testmetric{label=\"\\\"bar\\\"\"} 1
# HELP metric foo\x00bar
null_byte_metric{a=\"abc\x00\"} 1";

#[test]
fn prom_parse_reference_input() {
    let s = text(PROM_INPUT);
    // Prometheus accepts labels without a comma between them (its own test calls
    // that unintended); we reject that one line and keep the rest.
    assert_one_bad_line(&s, line_of(PROM_INPUT, "\"2.0\" a"), "expected ',' or '}'");

    let gc = family(&s, "go_gc_duration_seconds");
    assert_eq!(gc.kind, MetricKind::Summary);
    assert_eq!(
        gc.help.as_deref(),
        Some("A summary of the GC invocation durations.")
    );
    // 10 quantile lines (one rejected) plus _count, all in the summary family.
    assert_eq!(gc.samples.len(), 10);
    assert_eq!(gc.samples[0].labels, labels(&[("quantile", "0")]));
    assert_eq!(gc.samples[0].value, 4.9351e-05);
    assert_eq!(gc.samples[1].labels, labels(&[("quantile", "0.25")]));
    assert_eq!(gc.samples[1].value, 7.424100000000001e-05);
    for i in 2..9 {
        assert_eq!(gc.samples[i].labels.get("a"), Some("b"), "sample {i}");
    }
    assert_eq!(
        gc.samples[8].labels,
        labels(&[("quantile", "1.0"), ("a", "b")])
    );
    assert_eq!(gc.samples[9].name, "go_gc_duration_seconds_count");
    assert_eq!(gc.samples[9].value, 99.0);

    let wind = one(&s, "wind_speed");
    assert_eq!(wind.labels, labels(&[("A", "2"), ("c", "3")]));
    assert_eq!(wind.value, 12345.0);
    assert_eq!(
        one(&s, "some:aggregate:rate5m").labels.get("a_b"),
        Some("c")
    );

    let goroutines = family(&s, "go_goroutines");
    assert_eq!(goroutines.kind, MetricKind::Gauge);
    assert_eq!(goroutines.samples[0].value, 33.0);
    assert_eq!(goroutines.samples[0].timestamp_ms, Some(123123));

    assert_eq!(one(&s, "_metric_starting_with_underscore").value, 1.0);
    let test: Vec<_> = s.find("testmetric").collect();
    assert_eq!(
        test[0].labels.get("_label_starting_with_underscore"),
        Some("foo")
    );
    assert_eq!(test[1].labels.get("label"), Some("\"bar\""));
    assert_eq!(one(&s, "null_byte_metric").labels.get("a"), Some("abc\0"));

    // HELP without samples describes nothing we can show: dropped with its family.
    assert!(s.family("nohelp1").is_none());
    assert!(s.family("metric").is_none());
    assert_eq!(s.sample_count(), 10 + 1 + 1 + 1 + 1 + 2 + 1);
}

#[test]
fn utf8_prom_parse() {
    let input = r#"# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# 	TYPE "go.gc_duration_seconds" summary
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25",} 7.424100000000001e-05
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"go.gc_duration_seconds",quantile="0.8", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="0.9", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile= "1.0", a= "b", } 8.3835e-05
{ "go.gc_duration_seconds", quantile = "1.0", a = "b" } 8.3835e-05
{"go.gc_duration_seconds_count"} 99
{"Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}","strange©™\n'quoted' \"name\""="6"} 10.0"#;
    let s = text(input);
    assert_clean(&s);
    let gc = family(&s, "go.gc_duration_seconds");
    assert_eq!(gc.kind, MetricKind::Summary);
    assert_eq!(gc.samples.len(), 10);
    assert_eq!(
        gc.samples[4].labels,
        labels(&[("quantile", "0.9"), ("a", "b")])
    );
    assert_eq!(gc.samples[9].name, "go.gc_duration_seconds_count");

    let odd = one(
        &s,
        "Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}",
    );
    assert_eq!(odd.labels, labels(&[("strange©™\n'quoted' \"name\"", "6")]));
    assert_eq!(odd.value, 10.0);
}
