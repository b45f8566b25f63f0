//! The in-house exposition parser (`opsdeck::collect::expfmt`).
//!
//! Cases mirror Prometheus' own parser tests (model/textparse promparse_test.go and
//! openmetricsparse_test.go, prometheus/common expfmt text_parse_test.go); where our
//! documented behaviour differs (we skip a bad line instead of failing the scrape, and
//! are lenient in a few places) the test says so. Then limits, the public helpers, and
//! property tests: render→parse round trips and "never panics".

use opsdeck::collect::expfmt::{
    Format, Labels, Limits, MetricFamily, MetricKind, Sample, Scrape, parse, render,
};

fn text(input: &str) -> Scrape {
    parse(input.as_bytes(), Format::Text, &Limits::default())
}

fn om(input: &str) -> Scrape {
    parse(input.as_bytes(), Format::OpenMetrics, &Limits::default())
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().copied().collect()
}

/// 1-based number of the first line containing `needle`.
fn line_of(input: &str, needle: &str) -> usize {
    input
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in input"))
}

#[track_caller]
fn assert_clean(scrape: &Scrape) {
    assert_eq!(
        scrape.unparsable, 0,
        "first error: {:?}",
        scrape.first_error
    );
    assert_eq!(scrape.first_error, None);
    assert_eq!(scrape.truncated, None);
    assert_eq!(scrape.summary(), None);
}

/// Exactly one bad line, at `line`, with `fragment` in its message.
#[track_caller]
fn assert_one_bad_line(scrape: &Scrape, line: usize, fragment: &str) {
    let err = scrape.first_error.as_ref().expect("an error");
    assert_eq!(scrape.unparsable, 1, "errors: {err}");
    assert_eq!(err.line, line, "{err}");
    assert!(
        err.message.contains(fragment),
        "{err:?} should mention {fragment:?}"
    );
}

/// The only sample called `name`.
#[track_caller]
fn one<'a>(scrape: &'a Scrape, name: &str) -> &'a Sample {
    let found: Vec<&Sample> = scrape.find(name).collect();
    assert_eq!(found.len(), 1, "samples named {name:?}: {found:?}");
    found[0]
}

#[track_caller]
fn family<'a>(scrape: &'a Scrape, name: &str) -> &'a MetricFamily {
    scrape
        .family(name)
        .unwrap_or_else(|| panic!("no family {name:?} in {:?}", names(scrape)))
}

fn names(scrape: &Scrape) -> Vec<&str> {
    scrape.families.iter().map(|f| f.name.as_str()).collect()
}

fn sample_names(family: &MetricFamily) -> Vec<&str> {
    family.samples.iter().map(|s| s.name.as_str()).collect()
}

mod prometheus_cases {
    //! Equivalents of textparse's TestPromParse / TestUTF8PromParse.
    use super::*;

    const PROM_INPUT: &str =
        "# HELP go_gc_duration_seconds A summary of the GC invocation durations.
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
}

mod client_golang_cases {
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
}

mod openmetrics_cases {
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
}

mod bad_lines {
    //! Each bad line is skipped and counted with its line number; its neighbours survive.
    use super::*;

    /// `bad` between two good samples, in `format` (OpenMetrics gets its `# EOF`).
    #[track_caller]
    fn check(format: Format, bad: &str, fragment: &str) {
        let mut input = format!("before 1\n{bad}\nafter 2\n");
        if format == Format::OpenMetrics {
            input.push_str("# EOF\n");
        }
        let s = parse(input.as_bytes(), format, &Limits::default());
        let err = s
            .first_error
            .as_ref()
            .unwrap_or_else(|| panic!("{bad:?} parsed cleanly: {:?}", s.families));
        assert_eq!(s.unparsable, 1, "{bad:?}: {err}");
        assert_eq!(err.line, 2, "{bad:?}: {err}");
        assert!(
            err.message.contains(fragment),
            "{bad:?}: {:?} should mention {fragment:?}",
            err.message
        );
        assert_eq!(one(&s, "before").value, 1.0, "{bad:?}");
        assert_eq!(one(&s, "after").value, 2.0, "{bad:?}");
        assert_eq!(s.truncated, None);
    }

    const BOTH: [Format; 2] = [Format::Text, Format::OpenMetrics];

    #[test]
    fn missing_or_bad_values() {
        for f in BOTH {
            check(
                f,
                "a",
                "expected value after metric name, found end of line",
            );
            check(
                f,
                "a ",
                "expected value after metric name, found end of line",
            );
            check(f, "a{b=\"c\"}", "expected value after metric name");
            check(
                f,
                "a true",
                "expected value after metric name, found \"true\"",
            );
            check(f, "metric{label=\"bla\"} blubb", "found \"blubb\"");
            // Go's ParseFloat accepts these, Prometheus does not.
            check(
                f,
                "foo 1_2",
                "expected value after metric name, found \"1_2\"",
            );
            check(f, "foo 0x1p-3", "found \"0x1p-3\"");
            check(f, "foo 0X1P-3", "found \"0X1P-3\"");
            check(f, "foo 0b1", "expected value");
            check(f, "foo 1,5", "expected value");
        }
    }

    #[test]
    fn bad_label_syntax() {
        for f in BOTH {
            check(
                f,
                "a{b='c'} 1",
                "expected '\"' to start label value, found \"'c'}\"",
            );
            check(
                f,
                "a{b=",
                "expected '\"' to start label value, found end of line",
            );
            check(f, "a{b=\"c", "unterminated label value");
            check(f, "a{b=\"c\\", "unterminated label value");
            check(f, "something_weird{problem=\"", "unterminated label value");
            check(
                f,
                "empty_label_name{=\"\"} 0",
                "expected label name, found \"=\\\"\\\"}\"",
            );
            check(
                f,
                "metric{@=\"bla\"} 3.14",
                "expected label name, found \"@",
            );
            check(
                f,
                "metric{label+=\"bla\"} 3.14",
                "expected '=' after label name \"label\"",
            );
            check(
                f,
                "metric{label=bla} 3.14",
                "expected '\"' to start label value",
            );
            check(
                f,
                "metric{label=\"bla\"+} 3.14",
                "expected ',' or '}' after label",
            );
            check(f, "a{b=\"c\"d=\"e\"} 1", "expected ',' or '}' after label");
            check(
                f,
                "a{b=\"c\",,d=\"e\"} 1",
                "expected label name, found \",d",
            );
            check(f, "a{,b=\"c\"} 1", "expected label name");
            check(
                f,
                "a{b=\"c\"",
                "expected ',' or '}' after label, found end of line",
            );
            check(f, "a{b\0=\"hiih\"}\t1", "expected '=' after label name");
            check(f, "a{b=\0\"ssss\"} 1", "expected '\"' to start label value");
            check(f, "a{\"\"=\"x\"} 1", "empty label name");
        }
    }

    #[test]
    fn bad_escapes() {
        for f in BOTH {
            check(
                f,
                r#"metric{label="\t"} 3.14"#,
                r#"invalid escape sequence "\t" in label value"#,
            );
            check(
                f,
                r#"metric{label="\x41"} 3.14"#,
                r#"invalid escape sequence "\x""#,
            );
            check(
                f,
                r#"{"a\z"} 1"#,
                r#"invalid escape sequence "\z" in quoted name"#,
            );
        }
    }

    #[test]
    fn duplicate_and_reserved_labels() {
        // Documented choice: Prometheus rejects these series, so do we (line only).
        for f in BOTH {
            check(
                f,
                "metric{label=\"bla\",label=\"bla\"} 3.14",
                "duplicate label name \"label\"",
            );
            check(f, "m{a=\"1\",\"a\"=\"2\"} 1", "duplicate label name \"a\"");
            check(
                f,
                "metric{__name__=\"bla\"} 3.14",
                "label name \"__name__\" is reserved",
            );
        }
        // The check still catches duplicates in long label sets (sorted path).
        let many: Vec<String> = (0..40).map(|i| format!("l{i}=\"v\"")).collect();
        check(
            Format::Text,
            &format!("m{{{},l7=\"x\"}} 1", many.join(",")),
            "duplicate label name \"l7\"",
        );
    }

    #[test]
    fn bad_metric_names() {
        for f in BOTH {
            check(f, "{a=\"ok\"} 1", "missing metric name");
            check(f, "{} 3.14", "missing metric name");
            check(f, "{b=\"c\",} 1", "missing metric name");
            check(
                f,
                "@invalidmetric{label=\"bla\"} 3.14 2",
                "expected metric name, found \"@invalidmetric",
            );
            check(f, "9 1", "expected metric name, found \"9\"");
            check(f, "met-ric 1", "invalid metric name \"met-ric\"");
            check(f, "a\0{b=\"ddd\"} 1", "invalid metric name");
            check(
                f,
                "{\"one.name\",\"another.name\"} 3.14",
                "multiple metric names",
            );
            check(f, "x{\"one.name\"} 3.14", "multiple metric names");
            check(
                f,
                "{\"metric.name\".label=\"bla\"} 3.14",
                "expected ',' or '}'",
            );
            check(f, "{\"\"} 1", "empty metric name");
            check(f, "\"unterminated 1", "unterminated metric name");
            check(f, "\"a\"b 1", "invalid metric name \"ab\"");
        }
    }

    #[test]
    fn bad_timestamps_and_trailing_garbage() {
        for f in BOTH {
            check(f, "foo 0 1_2", "invalid timestamp \"1_2\"");
            check(
                f,
                "metric{label=\"bla\"} 3.14 2 3",
                "unexpected text after timestamp, found \"3\"",
            );
            check(f, "a 0 1\0", "invalid timestamp");
            check(f, "a 1 NaN", "invalid timestamp \"NaN\"");
            check(f, "a 1 -Inf", "invalid timestamp");
            check(f, "a 1 Inf", "invalid timestamp");
            check(f, "a 1 1z", "invalid timestamp \"1z\"");
        }
        // Text timestamps are integer milliseconds.
        check(
            Format::Text,
            "metric{label=\"bla\"} 3.14 2.72",
            "invalid timestamp \"2.72\" (want integer milliseconds)",
        );
        check(
            Format::Text,
            "a 1 99999999999999999999",
            "invalid timestamp",
        );
        check(Format::OpenMetrics, "a 1 1e400", "invalid timestamp");
    }

    #[test]
    fn bad_exemplars() {
        for f in BOTH {
            check(
                f,
                "custom_metric_total 1 # {aa=bb}",
                "expected '\"' to start label value",
            );
            check(
                f,
                "custom_metric_total 1 # {aa=\"bb\"}",
                "expected value after exemplar labels, found end of line",
            );
            check(
                f,
                "custom_metric_total 1 # {bb}",
                "expected '=' after label name \"bb\"",
            );
            check(
                f,
                "custom_metric_total 1 # {bb, a=\"dd\"}",
                "expected '=' after label name",
            );
            check(
                f,
                "custom_metric_total 1 # {aa=\"bb\",,cc=\"dd\"} 1",
                "expected label name",
            );
            check(
                f,
                "custom_metric_total 1 # {aa=\"bb\"} 1_2",
                "expected value after exemplar labels, found \"1_2\"",
            );
            check(
                f,
                "custom_metric_total 1 # {aa=\"bb\"} true",
                "found \"true\"",
            );
            check(
                f,
                "custom_metric_total 1 # {aa=\"bb\",cc=}",
                "expected '\"' to start label value",
            );
            check(
                f,
                "custom_metric_total 1 # {\"x\"} 1",
                "exemplar labels cannot hold a metric name",
            );
            check(f, "a 1 # x", "expected '{' to start exemplar labels");
            check(
                f,
                "a 1 2 #",
                "expected '{' to start exemplar labels, found end of line",
            );
            check(f, "a 1 # {x=\"y\"} 1 2 3", "unexpected text after exemplar");
            check(
                f,
                "hhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 NaN",
                "invalid timestamp \"NaN\"",
            );
            check(
                f,
                "hhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 -Inf",
                "invalid timestamp",
            );
        }
    }

    #[test]
    fn bad_metadata() {
        for f in BOTH {
            check(
                f,
                "# TYPE #",
                "expected metric name after TYPE, found \"#\"",
            );
            check(
                f,
                "# HELP #",
                "expected metric name after HELP, found \"#\"",
            );
            check(f, "# UNIT #", "expected metric name after UNIT");
            check(f, "# TYPE metric bla", "unknown metric type \"bla\"");
            check(
                f,
                "# TYPE met-ric counter",
                "invalid metric name \"met-ric\"",
            );
            check(
                f,
                "# TYPE m",
                "expected metric type after \"m\", found end of line",
            );
            check(
                f,
                "# TYPE c counter extra",
                "unexpected text after metric type, found \"extra\"",
            );
            check(f, "# UNIT m seconds extra", "unexpected text after unit");
            check(f, "# HELP \"open", "unterminated metric name");
            check(f, "# TYPE \"\" counter", "empty metric name");
        }
    }

    #[test]
    fn metadata_conflicts_keep_the_first() {
        let input = "# TYPE metric counter\n# TYPE metric gauge\nmetric 1\n";
        let s = text(input);
        assert_one_bad_line(&s, 2, "second TYPE line for metric \"metric\"");
        assert_eq!(family(&s, "metric").kind, MetricKind::Counter);

        let s = text("# HELP metric one\n# HELP metric two\nmetric 1\n");
        assert_one_bad_line(&s, 2, "second HELP line");
        assert_eq!(family(&s, "metric").help.as_deref(), Some("one"));

        let s = om("# UNIT m_seconds seconds\n# UNIT m_seconds ms\nm_seconds 1\n# EOF\n");
        assert_one_bad_line(&s, 2, "second UNIT line");
        assert_eq!(family(&s, "m_seconds").unit.as_deref(), Some("seconds"));
    }

    #[test]
    fn type_after_samples_is_rejected_and_samples_stay() {
        let input = "metric 4.12\nother 1\n# TYPE metric counter\nmetric 5\n";
        let s = text(input);
        assert_one_bad_line(&s, 3, "TYPE line for metric \"metric\" after its samples");
        let f = family(&s, "metric");
        assert_eq!(f.kind, MetricKind::Unknown);
        assert_eq!(f.samples.len(), 2);
        assert_eq!(one(&s, "other").value, 1.0);
    }

    #[test]
    fn raw_newline_in_label_value_breaks_two_lines() {
        let input = "good 1\nmetric{label=\"new\nline\"} 3.14\nalso_good 2\n";
        let s = text(input);
        assert_eq!(s.unparsable, 2);
        let err = s.first_error.as_ref().expect("error");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("unterminated label value"), "{err}");
        assert_eq!(s.sample_count(), 2);
    }

    #[test]
    fn invalid_utf8_fails_only_its_line() {
        for bad in [
            &b"a{b=\"\xff\"} 1"[..],
            b"a{\xff=\"foo\"} 1",
            b"\xc3\x28 1",
            b"# HELP x \xfe",
        ] {
            let mut input = b"before 1\n".to_vec();
            input.extend_from_slice(bad);
            input.extend_from_slice(b"\nafter 2\n");
            let s = parse(&input, Format::Text, &Limits::default());
            assert_one_bad_line(&s, 2, "not valid UTF-8");
            assert_eq!(s.sample_count(), 2);
        }
    }

    #[test]
    fn error_message_names_line_and_token() {
        let mut input: String = (1..=16).map(|i| format!("good_{i} {i}\n")).collect();
        input.push_str("metric abc\n");
        input.push_str("# TYPE x gauge\nx{y=\"z\"} 7e0\n");
        let s = text(&input);
        let err = s.first_error.as_ref().expect("error");
        assert_eq!(
            err.to_string(),
            "line 17: expected value after metric name, found \"abc\""
        );
        assert_eq!(s.sample_count(), 17);
        assert_eq!(
            s.summary().as_deref(),
            Some(
                "1 line unparsable (first: line 17: expected value after metric name, found \"abc\")"
            )
        );
    }

    #[test]
    fn many_bad_lines_counted_first_kept() {
        let input = "ok 1\nbad\n# TYPE t nope\nok2 2\nworse{\nok3 3 # {a=\"b\"} 1\n";
        let s = text(input);
        assert_eq!(s.unparsable, 3);
        assert_eq!(s.first_error.as_ref().map(|e| e.line), Some(2));
        assert_eq!(s.sample_count(), 3);
        let summary = s.summary().expect("summary");
        assert!(
            summary.starts_with("3 lines unparsable (first: line 2: "),
            "{summary}"
        );
    }
}

mod features {
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
        let input =
            "# TYPE x histogram\n# TYPE x_count gauge\nx_count 5\nx_bucket{le=\"+Inf\"} 5\n";
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
}

mod limits {
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
}

mod api {
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
        let s = text(
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nx 1\n",
        );
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
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use proptest::test_runner::Config;

    fn config(cases: u32) -> Config {
        Config {
            cases,
            // Do not write proptest-regressions files into the repository.
            failure_persistence: None,
            ..Config::default()
        }
    }

    /// Characters that stress escaping and splitting, plus anything at all.
    fn tricky_char() -> impl Strategy<Value = char> {
        prop_oneof![
            6 => proptest::char::range('a', 'z'),
            3 => select(vec!['"', '\\', '\n', ' ', '\t', '{', '}', ',', '=', '#', '\r', '\0', '.', ':', 'é', '€', '😀']),
            1 => any::<char>(),
        ]
    }

    fn tricky_string(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(tricky_char(), 0..max).prop_map(|v| v.into_iter().collect())
    }

    /// A name part: usually bare, sometimes needing quotes.
    fn name_part() -> impl Strategy<Value = String> {
        prop_oneof![
            2 => "[a-z][a-z0-9_:]{0,8}",
            1 => tricky_string(8),
        ]
    }

    fn label_name() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
            1 => tricky_string(6).prop_filter("non-empty", |s| !s.is_empty()),
        ]
        .prop_filter("reserved", |s| s != "__name__")
    }

    fn label_set() -> impl Strategy<Value = Labels> {
        proptest::collection::vec((label_name(), tricky_string(12)), 0..4).prop_map(|pairs| {
            let mut seen = std::collections::HashSet::new();
            pairs
                .into_iter()
                .filter(|(n, _)| seen.insert(n.clone()))
                .collect()
        })
    }

    /// HELP text survives except a leading blank (it separates) and CR (line ending).
    fn help_text() -> impl Strategy<Value = String> {
        tricky_string(20).prop_map(|s| {
            s.replace('\r', "")
                .trim_start_matches([' ', '\t'])
                .to_owned()
        })
    }

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => any::<f64>(),
            1 => select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1e300, 5e-324]),
            2 => (0u32..100_000).prop_map(f64::from),
        ]
    }

    fn kind() -> impl Strategy<Value = MetricKind> {
        select(vec![
            MetricKind::Counter,
            MetricKind::Gauge,
            MetricKind::Histogram,
            MetricKind::GaugeHistogram,
            MetricKind::Summary,
            MetricKind::Info,
            MetricKind::StateSet,
            MetricKind::Unknown,
        ])
    }

    /// Sample names that group back into a family of `kind` called `base`.
    fn sample_suffixes(kind: MetricKind) -> &'static [&'static str] {
        match kind {
            MetricKind::Counter => &["_total", "_created"],
            MetricKind::Histogram => &["_bucket", "_count", "_sum", "_created"],
            MetricKind::GaugeHistogram => &["_bucket", "_gcount", "_gsum"],
            MetricKind::Summary => &["", "_count", "_sum", "_created"],
            MetricKind::Info => &["_info", ""],
            MetricKind::Gauge | MetricKind::StateSet | MetricKind::Unknown => &[""],
        }
    }

    fn sample(base: String, kind: MetricKind, exemplars: bool) -> impl Strategy<Value = Sample> {
        let suffix = select(sample_suffixes(kind).to_vec());
        let exemplar = if exemplars {
            proptest::option::weighted(
                0.3,
                (label_set(), value(), proptest::option::of(any::<i64>())).prop_map(
                    |(labels, value, timestamp_ms)| opsdeck::collect::expfmt::Exemplar {
                        labels,
                        value,
                        timestamp_ms,
                    },
                ),
            )
            .boxed()
        } else {
            Just(None).boxed()
        };
        (
            suffix,
            label_set(),
            value(),
            proptest::option::of(any::<i64>()),
            exemplar,
        )
            .prop_map(
                move |(suffix, labels, value, timestamp_ms, exemplar)| Sample {
                    name: format!("{base}{suffix}"),
                    labels,
                    value,
                    timestamp_ms,
                    exemplar,
                },
            )
    }

    fn family(index: usize, exemplars: bool) -> impl Strategy<Value = MetricFamily> {
        (
            name_part(),
            kind(),
            proptest::option::of(help_text()),
            proptest::option::of("[a-z_]{0,8}"),
        )
            .prop_flat_map(move |(part, kind, help, unit)| {
                // A distinct `f<i>_` prefix: no family's samples can name another family.
                let name = format!("f{index}_{part}");
                let samples =
                    proptest::collection::vec(sample(name.clone(), kind, exemplars), 1..5);
                (Just(name), Just(kind), Just(help), Just(unit), samples)
            })
            .prop_map(|(name, kind, help, unit, samples)| MetricFamily {
                name,
                help,
                unit,
                kind,
                samples,
            })
    }

    fn families(exemplars: bool) -> impl Strategy<Value = Vec<MetricFamily>> {
        (0usize..6).prop_flat_map(move |n| (0..n).map(|i| family(i, exemplars)).collect::<Vec<_>>())
    }

    fn same_f64(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    /// Exact equality with NaN == NaN; says where the first difference is.
    fn compare(want: &[MetricFamily], got: &[MetricFamily]) -> Result<(), String> {
        if want.len() != got.len() {
            return Err(format!("{} families, got {}", want.len(), got.len()));
        }
        for (w, g) in want.iter().zip(got) {
            let meta = |f: &MetricFamily| {
                (
                    f.name.clone(),
                    f.help.clone(),
                    f.unit.clone(),
                    f.kind,
                    f.samples.len(),
                )
            };
            if meta(w) != meta(g) {
                return Err(format!("family {:?} != {:?}", meta(w), meta(g)));
            }
            for (ws, gs) in w.samples.iter().zip(&g.samples) {
                let same = ws.name == gs.name
                    && ws.labels == gs.labels
                    && same_f64(ws.value, gs.value)
                    && ws.timestamp_ms == gs.timestamp_ms
                    && match (&ws.exemplar, &gs.exemplar) {
                        (None, None) => true,
                        (Some(a), Some(b)) => {
                            a.labels == b.labels
                                && same_f64(a.value, b.value)
                                && a.timestamp_ms == b.timestamp_ms
                        }
                        _ => false,
                    };
                if !same {
                    return Err(format!("sample {ws:?} != {gs:?}"));
                }
            }
        }
        Ok(())
    }

    fn round_trip(want: &[MetricFamily], format: Format) -> Result<(), TestCaseError> {
        let body = render(want, format);
        let got = parse(body.as_bytes(), format, &Limits::default());
        prop_assert_eq!(got.unparsable, 0, "{:?}\n{}", got.first_error, body);
        prop_assert_eq!(&got.truncated, &None, "{}", body);
        if let Err(diff) = compare(want, &got.families) {
            return Err(TestCaseError::fail(format!("{diff}\n{body}")));
        }
        Ok(())
    }

    /// A realistic valid exposition to mutate.
    const VALID: &str = r#"# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 123456.78 1625000000000
node_cpu_seconds_total{cpu="0",mode="user"} 1234.5
# TYPE req histogram
req_bucket{le="0.1",path="/a\"b"} 3 # {trace_id="abc"} 0.05 1625000000.123
req_bucket{le="+Inf",path="/a\"b"} 7
req_sum{path="/a\"b"} 1.5e2
req_count{path="/a\"b"} 7
{"odd.name","é"="\\\n"} NaN
# EOF
"#;

    fn mutations() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
        proptest::collection::vec((any::<usize>(), 0u8..3, any::<u8>()), 1..8)
    }

    fn mutate(base: &[u8], ops: &[(usize, u8, u8)]) -> Vec<u8> {
        let mut bytes = base.to_vec();
        for &(at, op, byte) in ops {
            let at = at % (bytes.len() + 1);
            match op {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ if at < bytes.len() => bytes[at] = byte,
                _ => bytes.push(byte),
            }
        }
        bytes
    }

    fn format_strategy() -> impl Strategy<Value = Format> {
        select(vec![Format::Text, Format::OpenMetrics])
    }

    /// Bytes that look like the format often enough to reach deep paths.
    fn exposition_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                2 => any::<u8>(),
                3 => select(b"{}\"=,# \t\n\r\\_:.aeHELPTYPEUNITOF01+-InfNa".to_vec()),
            ],
            0..300,
        )
    }

    #[track_caller]
    fn sane(s: &Scrape, body: &[u8]) {
        let lines = body.split(|&b| b == b'\n').count();
        assert!(s.unparsable <= lines, "{} bad of {lines}", s.unparsable);
        assert_eq!(s.unparsable == 0, s.first_error.is_none());
        assert!(s.sample_count() <= lines);
        assert!(s.families.iter().all(|f| !f.samples.is_empty()));
        let _ = s.summary();
    }

    proptest! {
        #![proptest_config(config(256))]

        #[test]
        fn round_trip_text(fams in families(false)) {
            round_trip(&fams, Format::Text)?;
        }

        #[test]
        fn round_trip_openmetrics(fams in families(true)) {
            round_trip(&fams, Format::OpenMetrics)?;
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512), format in format_strategy()) {
            let s = parse(&body, format, &Limits::default());
            sane(&s, &body);
        }

        #[test]
        fn never_panics_on_format_like_bytes(body in exposition_bytes(), format in format_strategy()) {
            let s = parse(&body, format, &Limits::default());
            sane(&s, &body);
        }

        #[test]
        fn never_panics_on_mutated_exposition(ops in mutations(), format in format_strategy()) {
            let body = mutate(VALID.as_bytes(), &ops);
            let s = parse(&body, format, &Limits::default());
            sane(&s, &body);
        }

        #[test]
        fn small_limits_never_panic(ops in mutations(), max_bytes in 0usize..400, max_lines in 0usize..12) {
            let body = mutate(VALID.as_bytes(), &ops);
            let s = parse(&body, Format::OpenMetrics, &Limits { max_bytes, max_lines });
            sane(&s, &body);
            prop_assert!(s.sample_count() <= max_lines);
        }

        /// One garbage line costs at most itself: every other sample survives.
        #[test]
        fn a_bad_line_takes_nothing_else_with_it(garbage in tricky_string(40), at in 0usize..8) {
            let garbage = garbage.replace(['\n', '\r'], " ");
            let mut lines: Vec<String> = (0..8).map(|i| format!("s{i}{{l=\"v{i}\"}} {i}")).collect();
            lines[at] = garbage;
            let body = lines.join("\n");
            let s = parse(body.as_bytes(), Format::Text, &Limits::default());
            prop_assert!(s.unparsable <= 1);
            for i in (0..8).filter(|&i| i != at) {
                let name = format!("s{i}");
                prop_assert!(
                    s.find(&name).any(|x| x.value == i as f64 && x.labels.get("l") == Some(&*format!("v{i}"))),
                    "lost {} in {:?}", name, body
                );
            }
        }
    }
}
