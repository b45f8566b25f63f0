//! Exposition parser throughput on a node_exporter-like page of 50,000 lines.
//!
//! Run: `cargo bench --bench expfmt`. The budget is at least 100 MB/s (release).

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opsdeck::collect::expfmt::{Format, Limits, parse};

const LINES: usize = 50_000;

/// Deterministic pseudo-random numbers (an LCG) so every run parses the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn float(&mut self) -> f64 {
        self.next() as f64 / 1024.0
    }
}

const MODES: [&str; 8] = [
    "idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user",
];
const DEVICES: [(&str, &str, &str); 4] = [
    ("/dev/nvme0n1p2", "ext4", "/"),
    ("/dev/nvme0n1p1", "vfat", "/boot/efi"),
    ("tmpfs", "tmpfs", "/run"),
    ("/dev/mapper/data", "xfs", "/var/lib/docker"),
];
const HANDLERS: [&str; 5] = [
    "/api/v1/query",
    "/api/v1/query_range",
    "/api/v1/series",
    "/metrics",
    "/-/healthy",
];
const BUCKETS: [&str; 12] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

/// HELP/TYPE headers, counters with cpu/mode labels, gauges with several labels,
/// histograms with buckets, and bare go_* gauges; families repeat with a numeric
/// suffix until the page is `lines` long. OpenMetrics adds timestamps and exemplars.
fn exposition(lines: usize, format: Format) -> String {
    let om = format == Format::OpenMetrics;
    let mut rng = Rng(42);
    let mut out = String::new();
    let mut written = 0;
    let mut n = 0;
    while written < lines {
        let start = out.len();
        let _ = writeln!(
            out,
            "# HELP node_cpu_seconds_{n}_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_{n}_total counter"
        );
        for cpu in 0..16 {
            for mode in MODES {
                let _ = write!(
                    out,
                    "node_cpu_seconds_{n}_total{{cpu=\"{cpu}\",mode=\"{mode}\"}} {:.2}",
                    rng.float()
                );
                if om {
                    let _ = write!(out, " 1625000000.{:03}", rng.next() % 1000);
                }
                out.push('\n');
            }
        }
        let _ = writeln!(
            out,
            "# HELP node_filesystem_avail_bytes_{n} Filesystem space available to non-root users in bytes.\n# TYPE node_filesystem_avail_bytes_{n} gauge"
        );
        for (device, fstype, mountpoint) in DEVICES {
            let _ = writeln!(
                out,
                "node_filesystem_avail_bytes_{n}{{device=\"{device}\",fstype=\"{fstype}\",mountpoint=\"{mountpoint}\"}} {:e}",
                rng.float() * 1e6
            );
        }
        let _ = writeln!(
            out,
            "# HELP http_request_duration_seconds_{n} A histogram of request latencies.\n# TYPE http_request_duration_seconds_{n} histogram"
        );
        for handler in HANDLERS {
            let mut count = 0;
            for le in BUCKETS {
                count += rng.next() % 100;
                let _ = write!(
                    out,
                    "http_request_duration_seconds_{n}_bucket{{handler=\"{handler}\",method=\"GET\",le=\"{le}\"}} {count}"
                );
                if om && le == "0.1" {
                    let _ = write!(
                        out,
                        " # {{trace_id=\"{:016x}\"}} 0.067 1625000000.123",
                        rng.next()
                    );
                }
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_{n}_sum{{handler=\"{handler}\",method=\"GET\"}} {:.6}\nhttp_request_duration_seconds_{n}_count{{handler=\"{handler}\",method=\"GET\"}} {count}",
                rng.float()
            );
        }
        let _ = writeln!(
            out,
            "# HELP go_memstats_alloc_bytes_{n} Number of bytes allocated and still in use.\n# TYPE go_memstats_alloc_bytes_{n} gauge\ngo_memstats_alloc_bytes_{n} {:e}\ngo_goroutines_{n} {}",
            rng.float() * 1e4,
            rng.next() % 500
        );
        written += out.get(start..).map_or(0, |s| s.matches('\n').count());
        n += 1;
    }
    let mut page: String = out.lines().take(lines).flat_map(|l| [l, "\n"]).collect();
    if om {
        page.push_str("# EOF\n");
    }
    page
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("expfmt");
    for (id, format) in [
        ("parse_text_50k_lines", Format::Text),
        ("parse_openmetrics_50k_lines", Format::OpenMetrics),
    ] {
        let body = exposition(LINES, format);
        // Measure the happy path: the page must parse cleanly.
        let scrape = parse(body.as_bytes(), format, &limits);
        assert_eq!(scrape.summary(), None, "{id}");
        eprintln!(
            "{id}: {} bytes, {} lines, {} samples in {} families",
            body.len(),
            body.lines().count(),
            scrape.sample_count(),
            scrape.families.len()
        );
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(id, |b| {
            b.iter(|| parse(black_box(body.as_bytes()), format, &limits))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
