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
        Some("1 line unparsable (first: line 17: expected value after metric name, found \"abc\")")
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

/// What Prometheus fails as a scrape (`up` 0), opsdeck fails too: a login page
/// served with 200, or a body of which nothing parses. One bad line among good
/// ones is not a failure.
#[test]
fn an_html_page_or_a_body_without_metrics_is_a_failed_scrape() {
    let page = "<!doctype html>\n<html><body>Sign in</body></html>\n";
    let s = text(page);
    let why = s
        .rejection(Some("text/html; charset=utf-8"))
        .expect("html is no scrape");
    assert!(why.contains("text/html"), "{why}");
    let why = s.rejection(Some("text/plain")).expect("nothing parses");
    assert!(why.starts_with("no metrics: 2 lines unparsable"), "{why}");
    assert_eq!(text("up 1\n<br>\n").rejection(Some("text/plain")), None);
    assert_eq!(
        text("").rejection(None),
        None,
        "an empty page is a scrape of nothing"
    );
}
