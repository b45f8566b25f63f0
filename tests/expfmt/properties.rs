//! Property tests: render→parse round trips, and "never panics" on any input.
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
            let samples = proptest::collection::vec(sample(name.clone(), kind, exemplars), 1..5);
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
