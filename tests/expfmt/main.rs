//! The in-house exposition parser (`opsdeck::collect::expfmt`).
//!
//! Cases mirror Prometheus' own parser tests (model/textparse promparse_test.go and
//! openmetricsparse_test.go, prometheus/common expfmt text_parse_test.go); where our
//! documented behaviour differs (we skip a bad line instead of failing the scrape, and
//! are lenient in a few places) the test says so. Then limits, the public helpers, and
//! property tests: render→parse round trips and "never panics".
//!
//! One test binary; the helpers below are shared by the files of this folder, one per
//! group of cases (`prometheus_cases.rs`, `client_golang_cases.rs`, `openmetrics_cases.rs`,
//! `bad_lines.rs`, `features.rs`, `limits.rs`, `api.rs`, `properties.rs`).

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

mod api;
mod bad_lines;
mod client_golang_cases;
mod features;
mod limits;
mod openmetrics_cases;
mod prometheus_cases;
mod properties;
mod streaming;
