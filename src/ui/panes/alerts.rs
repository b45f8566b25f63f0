//! The Alerts pane: one list merged from every source, sorted by severity then
//! age, optionally grouped by a label, with the sources' health in the title.

use crate::app::alerts::{Alert, AlertState, Severity};
use crate::app::sources::{Health, SourceKind};
use crate::app::{AppState, PaneId};
use crate::ui::theme::Styles;
use crate::ui::widgets::format;
use crate::ui::{Ui, visible};
use crate::ui::{note, pane_block};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    let block = pane_block(ui, PaneId::Alerts, title_notes(ui), area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    if state.visible_alert_count() == 0 {
        let (text, style) = empty_text(ui);
        note(frame, inner, &text, style);
        return;
    }
    let (header, widths) = columns(inner.width);
    // Column widths as the table will lay them out, to cut long text with "…".
    let column_widths: Vec<usize> = Layout::horizontal(widths.clone())
        .spacing(1)
        .split(inner)
        .iter()
        .map(|r| usize::from(r.width))
        .collect();
    let focused = state.view.focus == PaneId::Alerts;
    let body = usize::from(inner.height.saturating_sub(1));
    let grouped = grouped_rows(ui, focused, body, &header, &column_widths);
    let table = Table::new(grouped.rows, widths)
        .header(Row::new(header).style(s.title))
        .row_highlight_style(if focused { s.selection } else { Style::new() });
    let mut table_state = TableState::default().with_selected(grouped.selected);
    frame.render_stateful_widget(table, inner, &mut table_state);
    group_headings(frame, inner, ui, table_state.offset(), grouped.headings);
}

/// The columns for a width. The alert's name goes last of all: first the
/// labels, summary and source go, then (below 60 columns) since and level.
fn columns(width: u16) -> (Vec<&'static str>, Vec<Constraint>) {
    let wide = width >= 110;
    let mut columns = vec![("Sev", Constraint::Length(6))];
    if width >= 60 {
        columns.push(("Level", Constraint::Length(11)));
    }
    columns.push(("State", Constraint::Length(13)));
    if width >= 60 {
        columns.push(("Since", Constraint::Length(6)));
    }
    if width >= 100 {
        columns.push(("Source", Constraint::Length(8)));
    }
    let summary = width >= 70;
    if summary {
        columns.push(("Alert", Constraint::Length(if wide { 26 } else { 20 })));
    } else {
        columns.push(("Alert", Constraint::Fill(1)));
    }
    if wide {
        columns.push(("Labels", Constraint::Fill(2)));
    }
    if summary {
        columns.push(("Summary", Constraint::Fill(3)));
    }
    columns.into_iter().unzip()
}

/// The rows in view, with an empty row where each group's heading goes.
struct Grouped<'a> {
    rows: Vec<Row<'a>>,
    /// (row index, heading) of each group in view.
    headings: Vec<(usize, String)>,
    /// The row of the selected alert, when the pane has the focus.
    selected: Option<usize>,
}

/// A line of the list: a group's heading (its value and size) or an alert
/// (its index among the visible ones).
enum Slot<'a> {
    Heading(&'a str, usize),
    Alert(usize),
}

/// The lines of the whole list: one per alert, and with `[ui.alerts]
/// group_by` a heading before each group. Cheap (no text is formatted), so
/// only the lines in view are made into rows.
fn slots(ui: Ui<'_>) -> Vec<Slot<'_>> {
    let state = ui.state;
    let count = state.visible_alert_count();
    let group_by = state.config.ui.alerts.group_by.as_str();
    if group_by.is_empty() {
        return (0..count).map(Slot::Alert).collect();
    }
    let mut slots = Vec::with_capacity(count + 8);
    // Sorted by group: each group is one run; its heading's size is set when
    // the run ends.
    let mut heading: Option<usize> = None;
    for i in 0..count {
        let Some(alert) = state.visible_alert(i) else {
            break;
        };
        let value = alert.labels.get(group_by).unwrap_or("");
        let same = heading.is_some_and(|h| matches!(slots[h], Slot::Heading(v, _) if v == value));
        if !same {
            heading = Some(slots.len());
            slots.push(Slot::Heading(value, 0));
        }
        if let Some(Slot::Heading(_, size)) = heading.and_then(|h| slots.get_mut(h)) {
            *size += 1;
        }
        slots.push(Slot::Alert(i));
    }
    slots
}

/// The rows in view (`body` lines), scrolled as little as keeps the
/// selected alert in view, as a table scrolls from the top.
fn grouped_rows<'a>(
    ui: Ui<'a>,
    focused: bool,
    body: usize,
    header: &[&str],
    widths: &[usize],
) -> Grouped<'a> {
    let state = ui.state;
    let group_by = state.config.ui.alerts.group_by.as_str();
    let selected = state.list(PaneId::Alerts).selected;
    let slots = slots(ui);
    let selected_line = focused
        .then(|| {
            slots
                .iter()
                .position(|slot| matches!(slot, Slot::Alert(i) if *i == selected))
        })
        .flatten();
    let offset = selected_line.map_or(0, |line| (line + 1).saturating_sub(body.max(1)));
    let mut grouped = Grouped {
        rows: Vec::with_capacity(body),
        headings: Vec::new(),
        selected: selected_line.map(|line| line - offset),
    };
    for slot in slots.iter().skip(offset).take(body.max(1)) {
        match *slot {
            Slot::Heading(value, size) => {
                let shown = if value.is_empty() { "(none)" } else { value };
                // Drawn over the whole row below: a cell would cut it to "Sev"'s width.
                let heading = format!("{group_by}={} ({size})", crate::ui::visible(shown));
                grouped.headings.push((grouped.rows.len(), heading));
                grouped.rows.push(Row::new(Vec::<Line>::new()));
            }
            Slot::Alert(i) => {
                if let Some(alert) = state.visible_alert(i) {
                    grouped.rows.push(alert_row(ui, alert, header, widths));
                }
            }
        }
    }
    grouped
}

/// Group headings span the row, over the table's empty heading rows that are
/// scrolled into view; the table's header takes the first line.
fn group_headings(
    frame: &mut Frame,
    inner: Rect,
    ui: Ui<'_>,
    offset: usize,
    headings: Vec<(usize, String)>,
) {
    let body = inner.height.saturating_sub(1);
    for (index, heading) in headings {
        let Some(line) = index.checked_sub(offset) else {
            continue;
        };
        let Ok(line) = u16::try_from(line) else { break };
        if line >= body {
            break;
        }
        let area = Rect::new(inner.x, inner.y + 1 + line, inner.width, 1);
        frame.render_widget(Paragraph::new(Span::styled(heading, ui.styles.title)), area);
    }
}

fn alert_row<'a>(ui: Ui<'_>, alert: &'a Alert, header: &[&str], widths: &[usize]) -> Row<'a> {
    let Ui { state, styles: s } = ui;
    let width = |name: &str| {
        let i = header.iter().position(|h| *h == name);
        i.and_then(|i| widths.get(i)).copied().unwrap_or(0)
    };
    // Escaped before being cut: an escape takes columns too.
    let fit = |text: &str, column: &str| format::ellipsis(&visible(text), width(column));
    let (symbol, sev_style) = severity_look(s, alert.severity);
    let resolved = alert.state == AlertState::Resolved;
    let dim_if_quiet = |style: Style| {
        let quiet = matches!(alert.state, AlertState::Silenced | AlertState::Inhibited);
        if resolved || quiet || alert.stale {
            s.dim
        } else {
            style
        }
    };
    // A resolved row tells how long ago it resolved, not when it started.
    let since = alert
        .resolved_at
        .or(alert.since)
        .and_then(|t| (state.now - t).to_std().ok())
        .map(|d| format::age(d.as_secs()))
        .unwrap_or_else(|| "–".into());
    let mut cells = vec![Line::from(Span::styled(
        format!("{symbol} {}", alert.severity.label()),
        dim_if_quiet(sev_style),
    ))];
    if header.contains(&"Level") {
        cells.push(level_cell(ui, alert));
    }
    let cell = state_cell(ui, alert);
    // Without the Level column its marks go here: staleness and lateness
    // are never what a narrow pane drops.
    cells.push(if header.contains(&"Level") {
        cell
    } else {
        with_level_marks(ui, alert, cell)
    });
    if header.contains(&"Since") {
        cells.push(Line::from(Span::styled(since, s.dim)));
    }
    if header.contains(&"Source") {
        cells.push(Line::from(Span::styled(source_tags(state, alert), s.dim)));
    }
    cells.push(Line::from(Span::styled(
        fit(alert.name(), "Alert"),
        dim_if_quiet(s.text),
    )));
    if header.contains(&"Labels") {
        cells.push(Line::from(Span::styled(
            fit(&key_labels(state, alert), "Labels"),
            s.dim,
        )));
    }
    if header.contains(&"Summary") {
        let summary = alert.summary().replace('\n', " ");
        let mut line = Vec::with_capacity(2);
        let mut room = width("Summary");
        // A linked runbook, and how its latest run went, first.
        if let Some((mark, style)) = super::recovery_mark::mark(state, s, alert) {
            room = room.saturating_sub(mark.chars().count());
            line.push(Span::styled(mark, style));
        }
        let summary = format::ellipsis(&visible(&summary), room);
        line.push(Span::styled(summary, dim_if_quiet(s.text)));
        cells.push(Line::from(line));
    }
    Row::new(cells)
}

/// Symbol and colour of a severity; the symbol and text carry it without colour.
pub fn severity_look(s: &Styles, severity: Severity) -> (&'static str, Style) {
    match severity {
        Severity::Critical => ("‼", s.critical),
        Severity::Warning => ("!", s.warning),
        Severity::Info => ("i", s.info),
        Severity::None => ("·", s.dim),
    }
}

/// P1–P4, and for an unacknowledged firing alert the time left to respond:
/// "P1 4m", or "P1 late 2m" once the response target has passed.
fn level_cell(ui: Ui<'_>, alert: &Alert) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    let level = alert.level(&state.level_rules);
    let left = alert.response_left(level, state.now);
    let level = level.label();
    if alert.stale {
        // Its sources are down: whether it still fires is not known.
        return Line::from(Span::styled(format!("{level} stale"), s.warning));
    }
    match left {
        Some(left) if left < chrono::Duration::zero() => {
            let late = coarse((-left).num_seconds().unsigned_abs());
            Line::from(Span::styled(format!("{level} late {late}"), s.critical))
        }
        Some(left) => {
            let left = coarse(left.num_seconds().unsigned_abs());
            Line::from(vec![
                Span::styled(format!("{level} "), s.text),
                Span::styled(left, s.warning),
            ])
        }
        None => Line::from(Span::styled(level, s.dim)),
    }
}

/// The largest unit only ("9m", "2h"): a response deadline needs no seconds.
fn coarse(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

fn state_cell<'a>(ui: Ui<'_>, alert: &'a Alert) -> Line<'a> {
    let Ui { state, styles: s } = ui;
    match (&alert.ack, alert.state) {
        (Some(ack), AlertState::Acknowledged) => {
            let by = visible(&ack.by);
            let who = by.split('@').next().unwrap_or(&by);
            let age = (state.now - ack.at)
                .to_std()
                .map(|d| coarse(d.as_secs()))
                .unwrap_or_default();
            // The State column is 13 wide: a long name is cut, never the age's unit.
            let who = format::ellipsis(who, 13usize.saturating_sub(5 + age.len()));
            Line::from(vec![
                Span::styled("ACK ", s.ok),
                Span::styled(format!("{who} {age}"), s.dim),
            ])
        }
        (_, st) => {
            let style = match st {
                _ if alert.stale => s.dim,
                AlertState::Firing => s.critical,
                AlertState::Pending => s.warning,
                _ => s.dim,
            };
            Line::from(Span::styled(st.label(), style))
        }
    }
}

fn with_level_marks<'a>(ui: Ui<'_>, alert: &Alert, cell: Line<'a>) -> Line<'a> {
    let Ui { state, styles: s } = ui;
    if alert.stale {
        let mut spans = vec![Span::styled("stale ", s.warning)];
        spans.extend(cell.spans);
        return Line::from(spans);
    }
    let level = alert.level(&state.level_rules);
    match alert.response_left(level, state.now) {
        Some(left) if left < chrono::Duration::zero() => Line::from(Span::styled(
            format!("{} late", alert.state.label()),
            s.critical,
        )),
        _ => cell,
    }
}

fn source_tags(state: &AppState, alert: &Alert) -> String {
    let mut tags: Vec<&str> = alert
        .sources
        .iter()
        .filter_map(|id| state.remote.sources.get(*id))
        .map(|s| s.kind.tag())
        .collect();
    tags.dedup();
    tags.join("+")
}

/// The configured key labels the alert has; when it has none of them, its other
/// labels (alertname and severity have their own columns).
fn key_labels(state: &AppState, alert: &Alert) -> String {
    let keys = &state.config.ui.alerts.key_labels;
    let mut shown: Vec<String> = keys
        .iter()
        .filter_map(|k| alert.labels.get(k).map(|v| format!("{k}={v}")))
        .collect();
    if shown.is_empty() {
        shown = alert
            .labels
            .iter()
            .filter(|(k, _)| !matches!(*k, "alertname" | "severity"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
    }
    shown.join(" ")
}

/// The pane's right-hand title: every failing source with its age first
/// (what is cut when the title is short is the counts, never a failure),
/// then what fails in sources that answer, then the counts.
fn title_notes(ui: Ui<'_>) -> Vec<Span<'static>> {
    let Ui { state, styles: s } = ui;
    let mut notes = Vec::new();
    let problems = state.remote.alert_source_problems(state.now);
    if let Some(first) = problems.first() {
        let more = if problems.len() > 1 {
            format!(" (+{} more)", problems.len() - 1)
        } else {
            String::new()
        };
        notes.push(Span::styled(format!(" stale: {first}{more} "), s.critical));
    }
    for warning in state.remote.alert_source_warnings() {
        notes.push(Span::styled(format!(" {warning} "), s.warning));
    }
    let firing = state
        .remote
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing && !a.stale)
        .count();
    if firing > 0 {
        notes.push(Span::styled(format!(" {firing} firing "), s.critical));
    }
    let stale = state.remote.alerts.iter().filter(|a| a.stale).count();
    if stale > 0 {
        notes.push(Span::styled(format!(" {stale} stale "), s.warning));
    }
    let unlisted = state.remote.unlisted.count();
    if unlisted > 0 {
        notes.push(Span::styled(
            format!(" +{unlisted} resolved not listed "),
            s.dim,
        ));
    }
    notes
}

fn empty_text(ui: Ui<'_>) -> (String, Style) {
    let Ui { state, styles: s } = ui;
    let sources: Vec<_> = state
        .remote
        .sources
        .iter()
        .filter(|src| matches!(src.kind, SourceKind::Prometheus | SourceKind::Alertmanager))
        .collect();
    let rules = state.rules.engine.len();
    if sources.is_empty() && rules == 0 {
        return (
            "no alert sources configured — see [[rule]], [[prometheus]], [[alertmanager]] in config"
                .into(),
            s.dim,
        );
    }
    if sources.is_empty() {
        // Only opsdeck's own rules: quiet, and saying it watches.
        let plural = if rules == 1 { "" } else { "s" };
        return (
            format!("no active alerts · {rules} local rule{plural} evaluated"),
            s.ok,
        );
    }
    if state.list(PaneId::Alerts).filter.is_some() && !state.remote.alerts.is_empty() {
        return ("no alert matches the filter".into(), s.dim);
    }
    if sources.iter().all(|src| src.health() == Health::Waiting) {
        let names: Vec<String> = sources
            .iter()
            .map(|src| format!("{} {}", src.kind.tag(), src.name))
            .collect();
        return (format!("waiting for {}…", names.join(", ")), s.dim);
    }
    if sources.iter().all(|src| src.health() == Health::Down) {
        return ("no alert source answers (see the title)".into(), s.critical);
    }
    ("no active alerts".into(), s.ok)
}
