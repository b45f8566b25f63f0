//! Dialogs that change something: acknowledge (duration and comment), the
//! confirmation before a silence is expired, and before a task is triggered or
//! cancelled. Enter confirms, Esc cancels.

use crate::app::AppState;
use crate::app::ack::{AckDialog, AckField, ExpireConfirm};
use crate::app::alerts::label_key;
use crate::app::tasks::TaskConfirm;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn ack(frame: &mut Frame, area: Rect, state: &AppState, dialog: &AckDialog) {
    let s = &state.styles;
    let source = state.remote.sources.get(dialog.source);
    let local = source.is_some_and(|src| src.kind == crate::app::sources::SourceKind::Local);
    let (what, where_) = if local {
        (
            " alert    ",
            " stored on this host, for every opsdeck here".to_string(),
        )
    } else {
        let name = source.map_or("", |src| src.name.as_str());
        (" silence  ", format!(" in Alertmanager {name:?}"))
    };
    let name = dialog.labels.get("alertname").map_or("", String::as_str);
    let field = |label: &str, value: &str, which: AckField| {
        let focused = dialog.field == which && !dialog.busy;
        let cursor = if focused { "█" } else { "" };
        Line::from(vec![
            Span::styled(
                format!(" {label:>9} "),
                if focused { s.accent } else { s.dim },
            ),
            Span::styled(format!("{value}{cursor}"), s.text),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(what, s.dim),
            Span::styled(label_key(&dialog.labels), s.text),
        ]),
        Line::from(Span::styled(format!("{where_}, as {}", state.actor), s.dim)),
        Line::default(),
        field("duration", &dialog.duration, AckField::Duration),
        field("comment", &dialog.comment, AckField::Comment),
        Line::default(),
    ];
    if dialog.busy {
        lines.push(Line::from(Span::styled(" sending…", s.info)));
    } else if let Some(error) = &dialog.error {
        lines.push(Line::from(vec![
            Span::styled(" error: ", s.critical),
            Span::styled(error.clone(), s.text),
        ]));
    }
    let hint = " Enter acknowledge · Tab field · Esc cancel ";
    show(
        frame,
        area,
        state,
        &format!(" Acknowledge {name} "),
        hint,
        lines,
    );
}

pub fn expire(frame: &mut Frame, area: Rect, state: &AppState, confirm: &ExpireConfirm) {
    let s = &state.styles;
    let name = confirm.labels.get("alertname").map_or("", String::as_str);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                if confirm.silence_id.starts_with("local-") {
                    " remove acknowledgement "
                } else {
                    " expire silence "
                },
                s.dim,
            ),
            Span::styled(confirm.silence_id.clone(), s.text),
        ]),
        Line::from(vec![
            Span::styled(" acknowledged by ", s.dim),
            Span::styled(confirm.by.clone(), s.text),
        ]),
        Line::default(),
    ];
    if confirm.busy {
        lines.push(Line::from(Span::styled(" sending…", s.info)));
    }
    let hint = " Enter expire · Esc keep ";
    show(
        frame,
        area,
        state,
        &format!(" Un-acknowledge {name} "),
        hint,
        lines,
    );
}

pub fn task_confirm(frame: &mut Frame, area: Rect, state: &AppState, confirm: &TaskConfirm) {
    let s = &state.styles;
    let spec = state.tasks.scheduler.spec(&confirm.task_id);
    let mut lines = vec![Line::from(vec![
        Span::styled(" task     ", s.dim),
        Span::styled(confirm.task_id.clone(), s.text),
    ])];
    // A `sh -c` script keeps its lines (a few of them), not one run-together row.
    const SHOWN: usize = 8;
    let command: Vec<&str> = confirm.command.lines().collect();
    for (i, line) in command.iter().take(SHOWN).enumerate() {
        let label = if i == 0 { " command  " } else { "          " };
        lines.push(Line::from(vec![
            Span::styled(label, s.dim),
            Span::styled(line.to_string(), s.text),
        ]));
    }
    if command.len() > SHOWN {
        lines.push(Line::from(Span::styled(
            format!("          … {} more lines", command.len() - SHOWN),
            s.dim,
        )));
    }
    if let Some(spec) = spec {
        let dir = spec
            .workdir
            .as_ref()
            .map_or_else(|| "opsdeck's".to_string(), |d| d.display().to_string());
        lines.push(Line::from(vec![
            Span::styled(" in       ", s.dim),
            Span::styled(dir, s.text),
            Span::styled(
                format!(" · timeout {}", humantime::format_duration(spec.timeout)),
                s.dim,
            ),
        ]));
    }
    lines.push(Line::default());
    let (title, hint) = if confirm.cancel {
        lines.push(Line::from(Span::styled(
            " Its whole process group gets SIGTERM, then SIGKILL.",
            s.dim,
        )));
        (
            format!(" Cancel {} ", confirm.name),
            " Enter cancel the run · Esc keep it ",
        )
    } else {
        lines.push(Line::from(Span::styled(
            format!(" Runs now, outside its schedule, as {}.", state.actor),
            s.dim,
        )));
        (
            format!(" Run {} now ", confirm.name),
            " Enter run · Esc cancel ",
        )
    };
    show(frame, area, state, &title, hint, lines);
}

pub fn quit(frame: &mut Frame, area: Rect, state: &AppState, running: usize) {
    let s = &state.styles;
    let runs = if running == 1 {
        "1 task run".to_string()
    } else {
        format!("{running} task runs")
    };
    let lines = vec![
        Line::from(Span::styled(
            format!(" This opsdeck has {runs} going. Quitting cancels them"),
            s.text,
        )),
        Line::from(Span::styled(
            " (their process groups are stopped and the runs recorded as cancelled).",
            s.text,
        )),
        Line::default(),
    ];
    show(
        frame,
        area,
        state,
        " Quit? ",
        " Enter or q quit · Esc stay ",
        lines,
    );
}

fn show(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    title: &str,
    hint: &str,
    lines: Vec<Line>,
) {
    // Long label sets and Alertmanager's errors wrap: count the rows they take, or
    // the last lines (the error) fall off the bottom.
    let width = area.width.min(76);
    let height = wrapped_height(&lines, width.saturating_sub(2)).saturating_add(2);
    let rect = super::overlay::centered(area, width, height);
    super::overlay::popup(frame, rect, state, title, hint, lines);
}

/// Rows `lines` take in a `Paragraph` word-wrapped at `width` columns (greedy, as
/// ratatui wraps; words longer than a row are broken). Never less than needed.
pub(super) fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines
        .iter()
        .map(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            let (mut rows, mut column) = (1, 0);
            for piece in text.split_inclusive(' ') {
                let word = Span::raw(piece.trim_end_matches(' ')).width();
                let spaces = piece.len() - piece.trim_end_matches(' ').len();
                if column > 0 && column + word > width {
                    rows += 1;
                    column = 0;
                }
                if word > width {
                    rows += (word - 1) / width;
                    column = word - (word - 1) / width * width;
                } else {
                    column += word;
                }
                column += spaces;
            }
            rows
        })
        .sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}
