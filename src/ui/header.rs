//! The top bar: host, uptime, clock and mode flags. Wall mode gets a taller header
//! with a big clock; it shows minutes only, so it changes once a minute.

use super::widgets::{bigtext, format};
use crate::app::AppState;
use crate::app::sources::{Health, SourceKind};
use crate::ui::{Ui, visible};
use chrono::{DateTime, FixedOffset};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// One mark per remote source: its health by symbol (not colour alone), its
/// name, and a loud marker when TLS verification is off. When the header is
/// short of room (`collapse`), the sources that are fine are counted in one
/// mark: a failing one is never what is cut.
fn source_marks(ui: Ui<'_>, collapse: bool) -> Vec<Span<'static>> {
    let Ui { state, styles: s } = ui;
    let mut spans = Vec::new();
    // Counted when short of room: the ones that answer, and the rest (waiting,
    // or a notifier the leader sends through).
    let (mut fine, mut others) = (0, 0);
    for source in &state.remote.sources {
        let health = source.health();
        // Only the leader sends notifications: here they are not waited for.
        let not_ours = source.kind == SourceKind::Notifier && !state.runs_host_work();
        let (mark, style) = match health {
            _ if not_ours => ("–", s.dim),
            Health::Ok => ("✓", s.ok),
            Health::Slow => ("~", s.warning),
            Health::Degraded => ("!", s.warning),
            Health::Down => ("✗", s.critical),
            Health::Waiting => ("…", s.dim),
        };
        let trouble =
            !not_ours && !matches!(health, Health::Ok | Health::Waiting) || source.insecure;
        if collapse && !trouble {
            if health == Health::Ok && !not_ours {
                fine += 1;
            } else {
                others += 1;
            }
            continue;
        }
        spans.push(Span::styled(format!("│ {mark}"), s.header.patch(style)));
        let partial = source
            .partial
            .as_ref()
            .filter(|_| source.error.is_none())
            .map(|p| format!(" {p}"))
            .unwrap_or_default();
        let by_leader = if !not_ours {
            ""
        } else if state.mode.read_only && state.leader.is_none() {
            // No leader either: nobody sends them.
            " (read-only)"
        } else {
            " (leader sends)"
        };
        spans.push(Span::styled(
            visible(&format!(
                " {} {}{partial}{by_leader} ",
                source.kind.tag(),
                source.name
            ))
            .into_owned(),
            s.header,
        ));
        if source.insecure {
            spans.push(Span::styled(" TLS UNVERIFIED ", s.header.patch(s.critical)));
        }
    }
    if fine > 0 {
        spans.push(Span::styled("│ ✓".to_string(), s.header.patch(s.ok)));
        spans.push(Span::styled(format!(" {fine} more ok "), s.header));
    }
    if others > 0 {
        spans.push(Span::styled(format!("│ {others} more "), s.header));
    }
    spans
}

pub fn height(state: &AppState) -> u16 {
    if state.mode.wall { 3 } else { 1 }
}

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let uptime = uptime(ui.state);
    if ui.state.mode.wall {
        wall(frame, area, ui, &uptime);
    } else {
        bar(frame, area, ui, &uptime);
    }
}

/// Paused, read-only, and the remote sources' marks.
fn flags(ui: Ui<'_>, collapse: bool) -> Vec<Span<'static>> {
    let Ui { state, styles: s } = ui;
    let mut flags: Vec<Span> = Vec::new();
    if state.view.paused {
        flags.push(Span::styled(" ⏸ PAUSED ", s.warning.patch(s.header)));
    }
    if state.mode.read_only {
        flags.push(Span::styled(" READ-ONLY ", s.header));
    }
    flags.extend(source_marks(ui, collapse));
    flags
}

fn uptime(state: &AppState) -> String {
    state
        .resources
        .latest
        .as_ref()
        .map(|r| format!("up {}", format::age(r.uptime_secs)))
        .unwrap_or_default()
}

/// The one-line header: name, host, cores, uptime, flags, and the clock. When
/// it does not fit, the sources that are fine are counted, then cores and
/// uptime go: the host and every failing source stay.
fn bar(frame: &mut Frame, area: Rect, ui: Ui<'_>, uptime: &str) {
    let Ui { state, styles: s } = ui;
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(10)]).areas(area);
    let head = |cores: bool, uptime: &str, brief: bool| {
        let mut spans = vec![
            Span::styled(" opsdeck ", s.header.add_modifier(Modifier::BOLD)),
            Span::styled(format!("│ {} ", state.host.hostname), s.header),
        ];
        spans.extend(health_marks(ui, brief));
        if cores {
            spans.push(Span::styled(
                format!("│ {} cores ", state.host.cores),
                s.header,
            ));
        }
        if !uptime.is_empty() {
            spans.push(Span::styled(format!("│ {uptime} "), s.header));
        }
        spans
    };
    let room = usize::from(left.width);
    let fits = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>() <= room;
    let mut spans = head(true, uptime, false);
    spans.extend(flags(ui, false));
    spans.extend(handover(ui, Some(false)));
    // Short of room, the hand-over line shortens, the host mark's words go,
    // then the sources that are fine are counted, then the hand-over, cores
    // and uptime.
    for (cores, uptime, collapse, hand) in [
        (true, uptime, false, Some(true)),
        (true, uptime, true, Some(true)),
        (true, uptime, true, None),
        (false, uptime, true, None),
        (false, "", true, None),
    ] {
        if fits(&spans) {
            break;
        }
        spans = head(cores, uptime, true);
        spans.extend(flags(ui, collapse));
        spans.extend(handover(ui, hand));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(s.header), left);
    frame.render_widget(
        Paragraph::new(local_time(state).format("%H:%M:%S ").to_string())
            .style(s.header)
            .alignment(Alignment::Right),
        right,
    );
}

/// The last hand-over of the past 12 hours and what came since (`brief`:
/// its age only; None: left out).
fn handover(ui: Ui<'_>, brief: Option<bool>) -> Option<Span<'static>> {
    let Ui { state, styles: s } = ui;
    let since = state.report.since_handover.as_ref()?;
    let brief = brief?;
    let secs = (state.now - since.handover.at)
        .num_seconds()
        .max(0)
        .unsigned_abs();
    let ago = format::age(secs);
    let text = if brief {
        format!("│ hand-over {ago} ago ")
    } else {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "│ since hand-over by {} {ago} ago: {}, {} ",
            since.handover.actor,
            plural(since.new_alerts, "new alert", "new alerts"),
            plural(since.tasks_failed, "task failed", "tasks failed"),
        )
    };
    Some(Span::styled(visible(&text).into_owned(), s.header))
}

/// The host check's mark beside the host name (`✓`, or what is wrong) and
/// the checks that are down.
fn health_marks(ui: Ui<'_>, brief: bool) -> Vec<Span<'static>> {
    use crate::engine::health::CheckState;
    let Ui { state, styles: s } = ui;
    let mut spans = Vec::new();
    if let Some(host) = &state.health.host {
        let why = || {
            if brief {
                return String::new();
            }
            let cause = host.last.as_ref().map(|p| p.cause()).unwrap_or_default();
            // Mount points are the system's text: shown, never acted on.
            crate::ui::widgets::format::ellipsis(&crate::ui::visible(&cause), 32)
        };
        let (text, style) = match host.state {
            CheckState::Up => ("✓ ".to_string(), s.ok),
            CheckState::Warning => (format!("! {}", with_space(why())), s.warning),
            CheckState::Down => (format!("✗ {}", with_space(why())), s.critical),
            _ => (String::new(), s.dim),
        };
        if !text.is_empty() {
            spans.push(Span::styled(text, s.header.patch(style)));
        }
    }
    let down = state.health.down();
    if down > 0 {
        let what = if down == 1 { "check" } else { "checks" };
        spans.push(Span::styled(
            format!("│ ✗ {down} {what} down "),
            s.header.patch(s.critical),
        ));
    }
    spans
}

fn with_space(text: String) -> String {
    if text.is_empty() {
        text
    } else {
        format!("{text} ")
    }
}

/// Wall mode's three lines: host, system and flags, beside a big clock.
fn wall(frame: &mut Frame, area: Rect, ui: Ui<'_>, uptime: &str) {
    let state = ui.state;
    let header = wall_style(ui);
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(22)]).areas(area);
    let mut flags = flags(ui, false);
    if flags.iter().map(Span::width).sum::<usize>() > usize::from(left.width) {
        flags = self::flags(ui, true);
    }
    let mut host = vec![Span::styled(
        format!(" {} ", state.host.hostname),
        header.add_modifier(Modifier::BOLD),
    )];
    host.extend(health_marks(ui, false));
    let mut second = vec![Span::styled(
        format!(
            " {}  {}  {} cores ",
            state.host.os, uptime, state.host.cores
        ),
        header,
    )];
    // The hand-over in full where it fits, else its age.
    let room = usize::from(left.width).saturating_sub(second[0].width());
    let hand = [Some(false), Some(true)]
        .into_iter()
        .filter_map(|brief| handover(ui, brief))
        .find(|span| span.width() <= room);
    second.extend(hand.map(|span| span.style(header)));
    let lines = vec![Line::from(host), Line::from(second), Line::from(flags)];
    frame.render_widget(Paragraph::new(lines).style(header), left);
    let big = bigtext::render(&local_time(state).format("%H:%M").to_string());
    let clock: Vec<Line> = big
        .into_iter()
        .map(|row| Line::from(format!("{row} ")))
        .collect();
    frame.render_widget(
        Paragraph::new(clock)
            .style(header)
            .alignment(Alignment::Right),
        right,
    );
}

/// The wall header's style: a critical alert just started firing, so it flashes
/// for a moment.
fn wall_style(ui: Ui<'_>) -> Style {
    let Ui { state, styles: s } = ui;
    let flashing = state
        .view
        .flash_until
        .is_some_and(|until| state.now < until);
    if flashing {
        s.header.patch(s.critical).add_modifier(Modifier::REVERSED)
    } else {
        s.header
    }
}

fn local_time(state: &AppState) -> DateTime<FixedOffset> {
    state.now.with_timezone(&state.local_offset)
}
