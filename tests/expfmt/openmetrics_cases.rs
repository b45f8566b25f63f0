//! Equivalents of textparse's TestOpenMetricsParse / TestUTF8OpenMetricsParse.
use super::*;

const OM_INPUT: &str = r#"# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
# HELP nohelp1 
# HELP help2 escape \ \n \\ \" \x chars
# UNIT nounit 
go_gc_duration_seconds{quantile="1.0",a="b"} 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"} 1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33 123.123
# TYPE hh histogram
hh_bucket{le="+Inf"} 1
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 1
# TYPE hhh histogram
hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4
hhh_count 1 # {id="histogram-count-test"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 123.123
ggh_count 1 # {id="gaugehistogram-count-test",xx="yy"} 4 123.123
# TYPE smr_seconds summary
smr_seconds_count 2.0 # {id="summary-count-test"} 1 123.321
smr_seconds_sum 42.0 # {id="summary-sum-test"} 1 123.321
# TYPE ii info
ii{foo="bar"} 1
# TYPE ss stateset
ss{ss="foo"} 1
ss{ss="bar"} 0
ss{A="a"} 0
# TYPE un unknown
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1
# HELP foo Counter with and without labels to certify CT is parsed for both cases
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id="counter-test"} 5
foo_created 1520872607.123
foo_total{a="b"} 17.0 1520879607.789 # {id="counter-test"} 5
foo_created{a="b"} 1520872607.123
foo_total{le="c"} 21.0
foo_created{le="c"} 1520872621.123
foo_total{le="1"} 10.0
# HELP bar Summary with CT at the end, making sure we find CT even if it's multiple lines a far
# TYPE bar summary
bar_count 17.0
bar_sum 324789.3
bar{quantile="0.95"} 123.7
bar{quantile="0.99"} 150.0
bar_created 1520872608.124
# HELP baz Histogram with the same objective as above's summary
# TYPE baz histogram
baz_bucket{le="0.0"} 0
baz_bucket{le="+Inf"} 17
baz_count 17
baz_sum 324789.3
baz_created 1520872609.125
# HELP fizz_created Gauge which shouldn't be parsed as CT
# TYPE fizz_created gauge
fizz_created 17.0
# HELP something Histogram with _created between buckets and summary
# TYPE something histogram
something_count 18
something_sum 324789.4
something_created 1520430001
something_bucket{le="0.0"} 1
something_bucket{le="1"} 2
something_bucket{le="+Inf"} 18
# HELP yum Summary with _created between sum and quantiles
# TYPE yum summary
yum_count 20
yum_sum 324789.5
yum_created 1520430003
yum{quantile="0.95"} 123.7
yum{quantile="0.99"} 150.0
# HELP foobar Summary with _created as the first line
# TYPE foobar summary
foobar_count 21
foobar_created 1520430004
foobar_sum 324789.6
foobar{quantile="0.95"} 123.8
foobar{quantile="0.99"} 150.1
null_byte_metric{a="abc "} 1
# EOF
"#;

#[test]
fn openmetrics_reference_input() {
    let input = OM_INPUT.replace("abc ", "abc\0");
    let s = om(&input);
    assert_clean(&s);

    let gc = family(&s, "go_gc_duration_seconds");
    assert_eq!(
        (gc.kind, gc.unit.as_deref()),
        (MetricKind::Summary, Some("seconds"))
    );
    assert_eq!(gc.samples.len(), 5);
    assert_eq!(gc.samples[4].name, "go_gc_duration_seconds_count");

    let goroutines = one(&s, "go_goroutines");
    assert_eq!(goroutines.timestamp_ms, Some(123123));

    assert_eq!(family(&s, "hh").kind, MetricKind::Histogram);
    assert_eq!(family(&s, "gh").kind, MetricKind::GaugeHistogram);
    let hhh = family(&s, "hhh");
    let ex = hhh.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(ex.labels, labels(&[("id", "histogram-bucket-test")]));
    assert_eq!((ex.value, ex.timestamp_ms), (4.0, None));
    let ggh = family(&s, "ggh");
    let ex = ggh.samples[1].exemplar.as_ref().expect("exemplar");
    assert_eq!(
        ex.labels,
        labels(&[("id", "gaugehistogram-count-test"), ("xx", "yy")])
    );
    assert_eq!(ex.timestamp_ms, Some(123123));
    let smr = family(&s, "smr_seconds");
    assert_eq!(smr.samples[1].value, 42.0);
    assert_eq!(
        smr.samples[1]
            .exemplar
            .as_ref()
            .and_then(|e| e.timestamp_ms),
        Some(123321)
    );

    assert_eq!(family(&s, "ii").kind, MetricKind::Info);
    let ss = family(&s, "ss");
    assert_eq!((ss.kind, ss.samples.len()), (MetricKind::StateSet, 3));
    assert_eq!(ss.samples[1].labels.get("ss"), Some("bar"));
    assert!(s.family("un").is_none(), "TYPE without samples");

    let foo = family(&s, "foo");
    assert_eq!(foo.kind, MetricKind::Counter);
    assert_eq!(foo.samples.len(), 7);
    assert_eq!(foo.samples[0].timestamp_ms, Some(1520879607789));
    assert_eq!(foo.samples[1].name, "foo_created");
    assert_eq!(foo.samples[1].value, 1520872607.123);
    assert_eq!(foo.samples[2].exemplar.as_ref().map(|e| e.value), Some(5.0));

    assert_eq!(family(&s, "bar").samples.len(), 5);
    assert_eq!(family(&s, "baz").samples.len(), 5);
    let fizz = family(&s, "fizz_created");
    assert_eq!((fizz.kind, fizz.samples.len()), (MetricKind::Gauge, 1));
    assert_eq!(family(&s, "something").samples.len(), 6);
    assert_eq!(family(&s, "yum").samples.len(), 5);
    assert_eq!(
        sample_names(family(&s, "foobar")),
        [
            "foobar_count",
            "foobar_created",
            "foobar_sum",
            "foobar",
            "foobar"
        ]
    );
    assert_eq!(one(&s, "null_byte_metric").labels.get("a"), Some("abc\0"));
    // HELP escapes in OpenMetrics: \\ \n \" decode, anything else stays.
    assert!(s.family("help2").is_none());
    let help = om("# HELP help2 escape \\ \\n \\\\ \\\" \\x chars\nhelp2 1\n# EOF\n");
    assert_eq!(
        family(&help, "help2").help.as_deref(),
        Some("escape \\ \n \\ \" \\x chars")
    );
}

#[test]
fn utf8_openmetrics() {
    let input = r#"# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# TYPE "go.gc_duration_seconds" summary
# UNIT "go.gc_duration_seconds" seconds
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25"} 7.424100000000001e-05
{"go.gc_duration_seconds_created"} 1520872607.123
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{q="0.9","http.status",a="b"} 8.3835e-05
{"go.gc_duration_seconds_sum"} 0.004304266
{"Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}","strange©™\n'quoted' \"name\""="6"} 10.0
quotedexemplar_count 1 # {"id.thing"="histogram-count-test"} 4
quotedexemplar2_count 1 # {"id.thing"="histogram-count-test",other="hello"} 4
# EOF
"#;
    let s = om(input);
    assert_clean(&s);
    let gc = family(&s, "go.gc_duration_seconds");
    assert_eq!(gc.unit.as_deref(), Some("seconds"));
    assert_eq!(
        sample_names(gc),
        [
            "go.gc_duration_seconds",
            "go.gc_duration_seconds",
            "go.gc_duration_seconds_created",
            "go.gc_duration_seconds",
            "go.gc_duration_seconds_sum",
        ]
    );
    let http = family(&s, "http.status");
    assert_eq!(http.samples.len(), 3);
    assert!(
        http.samples
            .iter()
            .all(|x| x.labels == labels(&[("q", "0.9"), ("a", "b")]))
    );
    let ex = one(&s, "quotedexemplar2_count")
        .exemplar
        .clone()
        .expect("exemplar");
    assert_eq!(
        ex.labels,
        labels(&[("id.thing", "histogram-count-test"), ("other", "hello")])
    );
}
