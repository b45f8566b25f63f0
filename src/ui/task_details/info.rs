//! What the task is: the fields of its `[[task]]`, the schedule in words and its
//! next runs, and what it is doing now. Env values are never shown.

use crate::app::tasks::{TaskStatus, shell_words};
use crate::engine::tasks::{Concurrency, Missed, RunState, TaskSpec};
use crate::ui::Ui;
use crate::ui::panes::{
    clock, clock_or_date, needs_year, priority_look, run_look, status_line, until,
};
use crate::ui::theme::Styles;
use crate::ui::visible::visible_span;
use ratatui::text::{Line, Span};
use std::borrow::Cow;

/// Most lines of a multi-line command (a `sh -c` script) shown.
const COMMAND_LINES: usize = 5;

/// The task's fields, one labelled line each (a command may take a few).
pub(super) fn lines(ui: Ui<'_>, spec: &TaskSpec) -> Vec<Line<'static>> {
    let f = Fields(ui.styles);
    let mut lines = task(f, spec);
    lines.extend(command(f, spec));
    lines.extend(setup(f, spec));
    lines.extend(after(ui, spec));
    lines.extend(schedule(ui, spec));
    lines.push(now(ui, spec));
    lines
}

/// Labelled lines in the theme's styles: a dim name, then the value.
#[derive(Clone, Copy)]
struct Fields<'a>(&'a Styles);

impl Fields<'_> {
    fn line(self, name: &str, value: Vec<Span<'static>>) -> Line<'static> {
        let mut spans = vec![Span::styled(format!("{name:>9}  "), self.0.dim)];
        spans.extend(value);
        Line::from(spans)
    }

    // Escaped, as every text on screen: a run's actor is not the config's.
    fn text(self, t: impl Into<Cow<'static, str>>) -> Span<'static> {
        visible_span(Span::styled(t, self.0.text))
    }

    fn dim(self, t: impl Into<Cow<'static, str>>) -> Span<'static> {
        visible_span(Span::styled(t, self.0.dim))
    }
}

/// Its description, then id, priority, category and whether it is enabled.
fn task(f: Fields, spec: &TaskSpec) -> Vec<Line<'static>> {
    let s = f.0;
    let mut lines = Vec::new();
    if !spec.description.is_empty() {
        lines.push(f.line("about", vec![f.text(spec.description.replace('\n', " "))]));
    }
    let (symbol, _, style) = priority_look(s, spec.priority);
    let mut task = vec![
        f.text(spec.id.clone()),
        f.dim(" · priority "),
        Span::styled(format!("{symbol} {}", spec.priority.as_str()), style),
    ];
    if !spec.category.is_empty() {
        task.push(f.dim(" · category "));
        task.push(f.text(spec.category.clone()));
    }
    if !spec.enabled {
        task.push(Span::styled(" · disabled", s.warning));
    }
    lines.push(f.line("task", task));
    lines
}

/// The command. `sh -c` scripts span lines: shown as lines (as a shell would
/// read them), the first few only, so the schedule below stays on screen.
fn command(f: Fields, spec: &TaskSpec) -> Vec<Line<'static>> {
    let command = shell_words(&spec.command).replace('\t', "    ");
    let command_lines: Vec<&str> = command.lines().collect();
    let shown = if command_lines.len() > COMMAND_LINES {
        COMMAND_LINES - 1
    } else {
        command_lines.len().max(1)
    };
    let mut lines = Vec::new();
    for i in 0..shown {
        let line = command_lines.get(i).copied().unwrap_or_default();
        let name = if i == 0 { "command" } else { "" };
        lines.push(f.line(name, vec![f.text(line.to_string())]));
    }
    if command_lines.len() > shown {
        lines.push(f.line(
            "",
            vec![f.dim(format!("… {} more lines", command_lines.len() - shown))],
        ));
    }
    lines
}

/// Where and how it runs: workdir, env names, limits and policies.
fn setup(f: Fields, spec: &TaskSpec) -> Vec<Line<'static>> {
    let mut lines = vec![f.line(
        "workdir",
        vec![match &spec.workdir {
            Some(dir) => f.text(dir.display().to_string()),
            None => f.dim("opsdeck's working directory"),
        }],
    )];
    if !spec.env.is_empty() {
        // Names only: values may be passwords or tokens.
        let names: Vec<&str> = spec.env.keys().map(String::as_str).collect();
        lines.push(f.line(
            "env",
            vec![f.text(names.join(", ")), f.dim(" (values not shown)")],
        ));
    }
    lines.push(f.line("limits", vec![f.text(limits(spec))]));
    lines.push(f.line("policy", vec![f.text(policy(spec))]));
    lines
}

fn limits(spec: &TaskSpec) -> String {
    let retries = if spec.retries == 0 {
        "no retries".to_string()
    } else {
        format!(
            "{} retries, {} backoff doubling",
            spec.retries,
            crate::config::duration::short(spec.retry_backoff)
        )
    };
    format!(
        "timeout {} · {retries}",
        crate::config::duration::short(spec.timeout)
    )
}

fn policy(spec: &TaskSpec) -> String {
    let concurrency = match spec.concurrency {
        Concurrency::Skip => "skip",
        Concurrency::Queue => "queue",
    };
    let missed = match spec.missed {
        Missed::Skip => "skip".to_string(),
        Missed::RunOnce => format!(
            "one catch-up run within {}",
            crate::config::duration::short(spec.missed_grace)
        ),
    };
    format!("due while running: {concurrency} · missed while down: {missed}")
}

/// The tasks it waits for, each with how its last run ended.
fn after(ui: Ui<'_>, spec: &TaskSpec) -> Option<Line<'static>> {
    let Ui { state, styles: s } = ui;
    let f = Fields(s);
    if spec.depends_on.is_empty() {
        return None;
    }
    let mut deps = Vec::new();
    for (i, dep) in spec.depends_on.iter().enumerate() {
        if i > 0 {
            deps.push(f.dim(", "));
        }
        deps.push(f.text(dep.clone()));
        if let Some(run) = state.tasks.last_finished(dep) {
            let (symbol, style) = run_look(s, run.state);
            deps.push(Span::styled(
                format!(" {symbol} {}", run.state.label()),
                style,
            ));
        }
    }
    Some(f.line("after", deps))
}

/// The schedule in words, and the next three runs.
fn schedule(ui: Ui<'_>, spec: &TaskSpec) -> Vec<Line<'static>> {
    let state = ui.state;
    let f = Fields(ui.styles);
    let Some(schedule) = &spec.schedule else {
        return vec![f.line("schedule", vec![f.dim("none: runs only when triggered")])];
    };
    let mut lines = vec![f.line(
        "schedule",
        vec![
            f.text(schedule.pattern().to_string()),
            f.dim(format!(" {} · ", schedule.zone_name())),
            f.text(schedule.describe()),
        ],
    )];
    if let Some(first) = state.tasks.next_run(spec, state.now) {
        let later: Vec<_> =
            std::iter::successors(schedule.next_after(first), |t| schedule.next_after(*t))
                .take(2)
                .collect();
        // All with their year when one needs it: "01-01 00:00" three times
        // would say nothing of a yearly task.
        let with_year = later.iter().any(|t| needs_year(state, *t));
        let mut next = vec![
            f.text(clock_or_date(state, first, with_year)),
            f.dim(format!(" (in {})", until(state.now, first))),
        ];
        let later: Vec<String> = later
            .into_iter()
            .map(|t| clock_or_date(state, t, with_year))
            .collect();
        if !later.is_empty() {
            next.push(f.dim(format!(", then {}", later.join(", "))));
        }
        lines.push(f.line("next", next));
    }
    lines
}

/// What it is doing now: its status, the running attempt, a retry due.
fn now(ui: Ui<'_>, spec: &TaskSpec) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    let f = Fields(s);
    let status = state.tasks.status(&spec.id);
    let last = state.tasks.last_run(&spec.id);
    let mut now = status_line(ui, &status, last, false).spans;
    match (&status, last) {
        (TaskStatus::Waiting(reason), _) => now.push(f.dim(format!(": {reason}"))),
        (TaskStatus::Run(RunState::Running), Some(run)) => now.push(f.dim(format!(
            " · attempt {}/{} · {} by {}",
            run.attempt,
            spec.retries + 1,
            run.trigger.as_str(),
            run.actor
        ))),
        _ => {}
    }
    if let Some((at, attempt)) = state.tasks.scheduler.retry(&spec.id) {
        now.push(Span::styled(
            format!(
                " · retry {attempt}/{} at {} (in {})",
                spec.retries + 1,
                clock(state, at),
                until(state.now, at)
            ),
            s.warning,
        ));
    }
    f.line("now", now)
}
