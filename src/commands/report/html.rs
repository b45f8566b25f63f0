//! The report as one self-contained HTML file: inline CSS (light and dark
//! by `prefers-color-scheme`, narrow screens and print), inline SVG charts,
//! no script, nothing fetched. Every text is HTML-escaped.

use crate::engine::report::Report;
use crate::engine::report::document::{Block, Chart, time};
use std::fmt::Write;

fn escape(text: &str) -> String {
    // Secrets out first: escaping would hide them from the redaction.
    let text = crate::secrets::redact(text);
    let text = crate::ui::visible(&text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --dim: #57606a;
  --line: #d0d7de; --head: #f6f8fa; --bar: #0969da; --cpu: #cf222e; --mem: #1a7f37; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --dim: #8b949e; --line: #30363d; --head: #161b22;
    --bar: #4493f8; --cpu: #ff7b72; --mem: #3fb950; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--head); }
svg { max-width: 100%; height: auto; display: block; margin: .5rem 0 1rem; }
svg text { fill: var(--dim); font: 11px system-ui, sans-serif; }
.axis { stroke: var(--line); } .bar { fill: var(--bar); }
.cpu { stroke: var(--cpu); fill: none; stroke-width: 1.5; }
.mem { stroke: var(--mem); fill: none; stroke-width: 1.5; }
@media print { body { max-width: none; } .scroll { overflow: visible; } }
";

pub fn render(report: &Report, blocks: &[Block]) -> String {
    let mut out = String::new();
    let title = escape(&format!(
        "Ops report: {} until {}",
        report.host,
        time(report.until)
    ));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", escape(text));
            }
            Block::Text(text) => {
                let _ = writeln!(out, "<p>{}</p>", escape(text));
            }
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", escape(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Table { head, rows } => {
                out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
                for h in head {
                    let _ = write!(out, "<th>{}</th>", escape(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        let _ = write!(out, "<td>{}</td>", escape(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody></table></div>\n");
            }
            Block::Chart(Chart::AlertsPerHour) => out.push_str(&alerts_chart(report)),
            Block::Chart(Chart::CpuAndMemory) => out.push_str(&resources_chart(report)),
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 20.0;

/// Alerts that started firing, per hour of the period.
fn alerts_chart(report: &Report) -> String {
    let hours = &report.alerts_per_hour;
    if hours.is_empty() {
        return String::new();
    }
    let most = hours.iter().map(|h| h.fired).max().unwrap_or(0).max(1) as f64;
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM;
    let step = plot_w / hours.len() as f64;
    let mut svg = svg_open("Alerts that started firing, per hour");
    axes(&mut svg, &format!("{most}"), "0");
    for (i, h) in hours.iter().enumerate() {
        let bar = h.fired as f64 / most * (plot_h - 4.0);
        let x = LEFT + i as f64 * step + step * 0.1;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\"><title>{} {}</title></rect>",
            plot_h - bar,
            step * 0.8,
            escape(&time(h.hour)),
            h.fired
        );
    }
    let first = hours.first().map(|h| time(h.hour)).unwrap_or_default();
    let _ = writeln!(
        svg,
        "<text x=\"{LEFT}\" y=\"{}\">{} (one bar per hour)</text></svg>",
        HEIGHT - 4.0,
        escape(&first)
    );
    svg
}

/// CPU and memory in percent over the period.
fn resources_chart(report: &Report) -> String {
    let points = &report.resource_series;
    if points.len() < 2 {
        return String::new();
    }
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM;
    let (t0, t1) = (
        points[0].at.timestamp(),
        points[points.len() - 1].at.timestamp(),
    );
    let span = (t1 - t0).max(1) as f64;
    let line = |value: fn(&crate::engine::report::ResourcePoint) -> f64| {
        points
            .iter()
            .map(|p| {
                let x = LEFT + (p.at.timestamp() - t0) as f64 / span * plot_w;
                let y = plot_h - value(p).clamp(0.0, 100.0) / 100.0 * (plot_h - 4.0);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut svg = svg_open("CPU and memory in percent");
    axes(&mut svg, "100 %", "0 %");
    let _ = writeln!(
        svg,
        "<polyline class=\"cpu\" points=\"{}\"/><polyline class=\"mem\" points=\"{}\"/>\
         <text x=\"{LEFT}\" y=\"{}\">CPU (red) and memory (green), {} to {}</text></svg>",
        line(|p| p.cpu),
        line(|p| p.memory),
        HEIGHT - 4.0,
        escape(&time(points[0].at)),
        escape(&time(points[points.len() - 1].at)),
    );
    svg
}

fn svg_open(label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        escape(label)
    )
}

fn axes(svg: &mut String, top: &str, bottom: &str) {
    let plot_h = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"0\" x2=\"{LEFT}\" y2=\"{plot_h}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{plot_h}\" x2=\"{WIDTH}\" y2=\"{plot_h}\"/>\
         <text x=\"0\" y=\"10\">{}</text><text x=\"0\" y=\"{plot_h}\">{}</text>",
        escape(top),
        escape(bottom)
    );
}
