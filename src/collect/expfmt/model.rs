//! The parsed shape of a scrape: families of samples, plus what went wrong.

use std::fmt;

use super::labels::Labels;

/// Which exposition format a body is in; decides timestamps, HELP escapes and `# EOF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    #[default]
    Text,
    /// OpenMetrics 1.0 (`application/openmetrics-text`).
    OpenMetrics,
}

impl Format {
    /// Picks the format from a `Content-Type` header; anything but OpenMetrics is text,
    /// because that is what Prometheus itself falls back to.
    pub fn from_content_type(ct: Option<&str>) -> Format {
        let media_type = ct
            .and_then(|ct| ct.split(';').next())
            .map(str::trim)
            .unwrap_or("");
        if media_type.eq_ignore_ascii_case("application/openmetrics-text") {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

/// Caps for `parse` on a body already in memory: parsing stops at the cap, keeps
/// what it has and says so in `truncated`. The dashboard does not use them: it
/// streams a page through `Parser` and fails one over `[[scrape]] max_size`,
/// since a cut page would make rules see absent series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // Large node_exporter / kube-state-metrics pages are a few MiB and tens of
        // thousands of lines; these leave headroom without letting one target eat memory.
        Limits {
            max_bytes: 10 << 20,
            max_lines: 200_000,
        }
    }
}

/// The metric type from `# TYPE`; `Unknown` covers `untyped` and families without TYPE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    #[default]
    Unknown,
}

impl MetricKind {
    /// Reads a `# TYPE` word. Case-insensitive and accepts both formats' spellings in
    /// either format, since exporters mix them and the word is unambiguous.
    pub fn from_type_word(word: &str) -> Option<MetricKind> {
        const WORDS: [(&str, MetricKind); 10] = [
            ("counter", MetricKind::Counter),
            ("gauge", MetricKind::Gauge),
            ("histogram", MetricKind::Histogram),
            ("gaugehistogram", MetricKind::GaugeHistogram),
            ("gauge_histogram", MetricKind::GaugeHistogram),
            ("summary", MetricKind::Summary),
            ("info", MetricKind::Info),
            ("stateset", MetricKind::StateSet),
            ("untyped", MetricKind::Unknown),
            ("unknown", MetricKind::Unknown),
        ];
        WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|&(_, kind)| kind)
    }

    /// The `# TYPE` word for `format`.
    pub fn type_word(self, format: Format) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::GaugeHistogram => "gaugehistogram",
            MetricKind::Summary => "summary",
            MetricKind::Info => "info",
            MetricKind::StateSet => "stateset",
            MetricKind::Unknown => match format {
                Format::Text => "untyped",
                Format::OpenMetrics => "unknown",
            },
        }
    }
}

/// An OpenMetrics exemplar attached to a sample (`# {trace_id="abc"} 1.0 1625000000.123`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exemplar {
    pub labels: Labels,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

/// One sample line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample {
    /// The full sample name including any suffix (`_bucket`, `_total`, ...).
    pub name: String,
    pub labels: Labels,
    pub value: f64,
    /// Milliseconds since the epoch (OpenMetrics' float seconds are converted).
    pub timestamp_ms: Option<i64>,
    pub exemplar: Option<Exemplar>,
}

/// Samples grouped under one family name with their metadata.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricFamily {
    pub name: String,
    pub help: Option<String>,
    pub unit: Option<String>,
    pub kind: MetricKind,
    pub samples: Vec<Sample>,
}

/// The first line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number in the body.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LineError {}

/// What one body parsed into. Bad lines are skipped and counted, never fatal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scrape {
    /// In order of first appearance; families without samples are dropped.
    pub families: Vec<MetricFamily>,
    /// Number of skipped lines.
    pub unparsable: usize,
    pub first_error: Option<LineError>,
    /// Why parsing stopped early (a limit, or OpenMetrics without `# EOF`), if it did.
    pub truncated: Option<String>,
    /// Series parsed but not kept (`Keep`): nothing reads them.
    pub dropped: usize,
}

impl Scrape {
    pub fn sample_count(&self) -> usize {
        self.families.iter().map(|f| f.samples.len()).sum()
    }

    /// One line for the UI, e.g. `3 lines unparsable (first: line 17: ...)`; None when clean.
    pub fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.unparsable > 0 {
            let plural = if self.unparsable == 1 { "" } else { "s" };
            let mut part = format!("{} line{plural} unparsable", self.unparsable);
            if let Some(err) = &self.first_error {
                part.push_str(&format!(" (first: {err})"));
            }
            parts.push(part);
        }
        if let Some(why) = &self.truncated {
            parts.push(format!("truncated: {why}"));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// Why this answer is not a scrape at all, as Prometheus would fail it
    /// (`up` 0): an HTML page (a login or error page with status 200), or a
    /// body of which no line parses.
    pub fn rejection(&self, content_type: Option<&str>) -> Option<String> {
        let media_type = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|t| t.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if matches!(media_type.as_str(), "text/html" | "application/xhtml+xml") {
            return Some(format!(
                "got {media_type}, not metrics (a login or error page?)"
            ));
        }
        if self.sample_count() + self.dropped == 0 && self.unparsable > 0 {
            let why = self.summary().unwrap_or_default();
            return Some(format!("no metrics: {why}"));
        }
        None
    }

    /// "1,000,000 series, kept 12 (the rules read only those)", when series
    /// were dropped.
    pub fn kept_note(&self) -> Option<String> {
        (self.dropped > 0).then(|| {
            let kept = self.sample_count();
            let total = kept + self.dropped;
            let why = if kept == 0 {
                "no rule reads them"
            } else {
                "the rules read only those"
            };
            format!(
                "{} series, kept {} ({why})",
                thousands(total),
                thousands(kept)
            )
        })
    }

    /// Samples whose full sample name is `name`, across all families.
    pub fn find<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a Sample> + use<'a, 'n> {
        self.families
            .iter()
            .flat_map(|f| f.samples.iter())
            .filter(move |s| s.name == name)
    }

    /// The family called `name` (the name from TYPE/HELP, without sample suffixes).
    pub fn family(&self, name: &str) -> Option<&MetricFamily> {
        self.families.iter().find(|f| f.name == name)
    }
}

/// 1000000 → "1,000,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
