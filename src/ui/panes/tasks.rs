//! The Tasks pane: one row per task, most important first, with its state, its
//! last and next run, and counts in the title so that a failing task shows on
//! the overview at a glance.

use super::times::{clock, duration, since, until};
use crate::app::PaneId;
use crate::app::tasks::TaskStatus;
use crate::engine::tasks::{Priority, Run, RunState, TaskSpec};
use crate::ui::theme::Styles;
use crate::ui::widgets::format;
use crate::ui::{Ui, visible};
use crate::ui::{note, pane_block};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};

/// Columns get their short forms until the Name column is this wide...
const NAME_WANT: u16 = 16;
/// ...and are dropped until it is this wide.
const NAME_MIN: u16 = 10;
/// The widest a Category column gets; longer ones end in "…".
const CATEGORY_MAX: usize = 14;

pub fn draw(frame: &mut Frame, area: Rect, ui: Ui<'_>) {
    let Ui { state, styles: s } = ui;
    // Each list once per frame: the title counts them too.
    let visible = state.visible_tasks();
    let runs = crate::app::runbooks::visible_runs(state);
    let recovering = runs.iter().filter(|r| r.ok.is_none()).count();
    let notes = title_notes(ui, area.width, visible.len(), recovering);
    let block = pane_block(ui, PaneId::Tasks, notes, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    let focused = state.view.focus == PaneId::Tasks;
    let selected = state.list(PaneId::Tasks).selected;
    let on_run = selected.checked_sub(visible.len()).filter(|_| focused);
    let runs_height =
        super::recovery_runs::height(inner.height, visible.len(), runs.len(), on_run.is_some());
    // The runs right under the tasks (a blank row between when there is room).
    let rest = inner.height - runs_height;
    let tasks_height = if runs_height == 0 {
        rest
    } else {
        rest.min(u16::try_from(visible.len() + 1).unwrap_or(u16::MAX))
    };
    let gap = u16::from(runs_height > 0 && rest > tasks_height);
    let [inner, _, runs_area, _] = Layout::vertical([
        Constraint::Length(tasks_height),
        Constraint::Length(gap),
        Constraint::Length(runs_height),
        Constraint::Fill(1),
    ])
    .areas(inner);
    if runs_height > 0 {
        super::recovery_runs::draw(frame, runs_area, ui, &runs, on_run);
    }
    if visible.is_empty() {
        let why = if state.tasks.is_empty() {
            "no tasks configured — see [[task]] in config"
        } else {
            "no task matches the filter"
        };
        note(frame, inner, why, s.dim);
        return;
    }
    let cells: Vec<Cells> = visible.iter().map(|spec| cells(ui, spec)).collect();
    let plan = Plan::fit(&cells, inner.width);
    let widths: Vec<Constraint> = plan
        .columns
        .iter()
        .map(|&c| match c {
            Col::Name => Constraint::Fill(1),
            c => Constraint::Length(plan.width(&cells, c)),
        })
        .collect();
    let name_width = usize::from(plan.name_width(&cells, inner.width));
    // Ids are usually shorter than names: a column too narrow for every name
    // shows every id (one kind of label, not a mix).
    let widest = |f: fn(&Cells) -> &str| cells.iter().map(|c| f(c).chars().count()).max();
    let by_id = widest(|c| &c.name) > Some(name_width) && widest(|c| &c.id) < widest(|c| &c.name);
    let header: Vec<&str> = plan.columns.iter().map(|c| c.header()).collect();
    let rows: Vec<Row> = cells
        .iter()
        .map(|row| {
            Row::new(
                plan.columns
                    .iter()
                    .map(|&c| row.line(c, &plan, name_width, by_id))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let on_task = (focused && selected < visible.len()).then_some(selected);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(s.title))
        .row_highlight_style(if focused { s.selection } else { Style::new() });
    let mut table_state = TableState::default().with_selected(on_task);
    frame.render_stateful_widget(table, inner, &mut table_state);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Pri,
    Category,
    Name,
    State,
    Last,
    Next,
    Att,
    Ok,
}

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Pri => "Pri",
            Col::Category => "Category",
            Col::Name => "Name",
            Col::State => "State",
            Col::Last => "Last run",
            Col::Next => "Next run",
            Col::Att => "Att",
            Col::Ok => "OK%",
        }
    }
}

/// What narrowing does, in order, until the row fits: the least important
/// columns go first, then the long forms of Next, Last and State give way to
/// short ones, and on the overview's small panes only Name and State remain.
#[derive(Debug, Clone, Copy)]
enum Step {
    Drop(Col),
    Compact(Col),
}

const STEPS: [Step; 9] = [
    Step::Drop(Col::Category),
    Step::Drop(Col::Ok),
    Step::Drop(Col::Att),
    Step::Compact(Col::Next),
    Step::Compact(Col::Last),
    Step::Compact(Col::State),
    Step::Drop(Col::Pri),
    Step::Drop(Col::Next),
    Step::Drop(Col::Last),
];

/// The columns shown at one width, and which of them use their short form.
struct Plan {
    columns: Vec<Col>,
    compact: Vec<Col>,
}

impl Plan {
    fn fit(cells: &[Cells], width: u16) -> Plan {
        let mut columns = vec![
            Col::Pri,
            Col::Category,
            Col::Name,
            Col::State,
            Col::Last,
            Col::Next,
            Col::Att,
            Col::Ok,
        ];
        if cells.iter().all(|c| c.category.is_empty()) {
            columns.retain(|&c| c != Col::Category);
        }
        let mut plan = Plan {
            columns,
            compact: Vec::new(),
        };
        for step in STEPS {
            let name = match step {
                Step::Drop(_) => NAME_MIN,
                Step::Compact(_) => NAME_WANT,
            };
            if plan.fixed_width(cells) + name <= width {
                continue;
            }
            match step {
                Step::Drop(col) => plan.columns.retain(|&c| c != col),
                Step::Compact(col) => plan.compact.push(col),
            }
        }
        plan
    }

    fn is_compact(&self, col: Col) -> bool {
        self.compact.contains(&col)
    }

    /// A column's width: its widest cell or header.
    fn width(&self, cells: &[Cells], col: Col) -> u16 {
        let widest = cells
            .iter()
            .map(|c| c.line(col, self, usize::MAX, false).width())
            .max()
            .unwrap_or(0);
        let width = widest.max(col.header().chars().count());
        u16::try_from(width).unwrap_or(u16::MAX)
    }

    /// Every column but Name, with the spaces between all columns.
    fn fixed_width(&self, cells: &[Cells]) -> u16 {
        let spacing = u16::try_from(self.columns.len().saturating_sub(1)).unwrap_or(u16::MAX);
        self.columns
            .iter()
            .filter(|&&c| c != Col::Name)
            .map(|&c| self.width(cells, c))
            .fold(spacing, u16::saturating_add)
    }

    fn name_width(&self, cells: &[Cells], width: u16) -> u16 {
        width.saturating_sub(self.fixed_width(cells))
    }
}

/// One task's row, each cell in its long and short form where it has two.
struct Cells {
    priority: Line<'static>,
    category: String,
    name: String,
    id: String,
    name_style: Style,
    state: [Line<'static>; 2],
    last: [Line<'static>; 2],
    next: [Line<'static>; 2],
    attempt: Line<'static>,
    ok: Line<'static>,
}

impl Cells {
    /// The cell of `col`; the name (or id) fitted to `name_width`.
    fn line(&self, col: Col, plan: &Plan, name_width: usize, by_id: bool) -> Line<'static> {
        let form = usize::from(plan.is_compact(col));
        match col {
            Col::Pri => self.priority.clone(),
            Col::Category => Line::raw(format::ellipsis(&self.category, CATEGORY_MAX)),
            Col::Name => {
                let text = if by_id { &self.id } else { &self.name };
                Line::styled(format::ellipsis(text, name_width), self.name_style)
            }
            Col::State => self.state[form].clone(),
            Col::Last => self.last[form].clone(),
            Col::Next => self.next[form].clone(),
            Col::Att => self.attempt.clone(),
            Col::Ok => self.ok.clone(),
        }
    }
}

fn cells(ui: Ui<'_>, spec: &TaskSpec) -> Cells {
    let Ui { state, styles: s } = ui;
    let tasks = &state.tasks;
    let (symbol, word, style) = priority_look(s, spec.priority);
    let status = tasks.status(&spec.id);
    let last_run = tasks.last_run(&spec.id);
    let attempt = match last_run {
        Some(run) => Line::styled(
            format!("{}/{}", run.attempt, spec.retries + 1),
            if run.attempt > 1 { s.warning } else { s.text },
        ),
        None => Line::styled("–", s.dim),
    };
    let ok = match tasks.stats.get(&spec.id).and_then(|st| st.success_rate()) {
        Some(rate) => Line::styled(format!("{:.0}%", rate * 100.0), s.text),
        None => Line::styled("—", s.dim),
    };
    Cells {
        priority: Line::styled(format!("{symbol} {word}"), style),
        category: visible(&spec.category).into_owned(),
        name: visible(&spec.name).into_owned(),
        id: visible(&spec.id).into_owned(),
        name_style: if spec.enabled { s.text } else { s.dim },
        state: [false, true].map(|compact| status_line(ui, &status, last_run, compact)),
        last: [false, true].map(|compact| last_line(ui, tasks.last_finished(&spec.id), compact)),
        next: [false, true].map(|compact| next_line(ui, spec, compact)),
        attempt,
        ok,
    }
}

/// Symbol, short word and colour of a priority; symbol and word carry it without colour.
pub fn priority_look(s: &Styles, priority: Priority) -> (&'static str, &'static str, Style) {
    match priority {
        Priority::Critical => ("‼", "crit", s.critical),
        Priority::High => ("!", "high", s.warning),
        Priority::Medium => ("·", "med", s.text),
        Priority::Low => (" ", "low", s.dim),
    }
}

/// Symbol and colour of a run state; the symbol and the label carry it without colour.
pub fn run_look(s: &Styles, state: RunState) -> (&'static str, Style) {
    match state {
        RunState::Pending => ("…", s.info),
        RunState::Running => ("▶", s.info),
        RunState::Succeeded => ("✓", s.ok),
        RunState::Failed => ("✗", s.critical),
        RunState::TimedOut => ("⏱", s.critical),
        RunState::Cancelled => ("⊘", s.warning),
        RunState::Skipped => ("↷", s.dim),
    }
}

/// "✗ failed", "▶ running 3m2s" (the elapsed time only in the long form).
pub fn status_line(
    ui: Ui<'_>,
    status: &TaskStatus,
    last_run: Option<&Run>,
    compact: bool,
) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    match status {
        TaskStatus::Never => Line::styled("– never run", s.dim),
        TaskStatus::Waiting(_) => {
            let (symbol, style) = run_look(s, RunState::Pending);
            Line::styled(format!("{symbol} pending"), style)
        }
        TaskStatus::Run(run_state) => {
            let (symbol, style) = run_look(s, *run_state);
            let mut line = Line::styled(format!("{symbol} {}", run_state.label()), style);
            if *run_state == RunState::Running
                && !compact
                && let Some(run) = last_run
            {
                line.push_span(Span::styled(
                    format!(" {}", since(state.now, run.started)),
                    s.dim,
                ));
            }
            line
        }
    }
}

/// The outcome of a finished run in a word or two: "ok", "exit 3", "timeout".
pub fn outcome(run: &Run) -> String {
    match (run.state, run.exit_code) {
        (RunState::Succeeded, _) => "ok".into(),
        (RunState::Failed, Some(code)) => format!("exit {code}"),
        (RunState::TimedOut, _) => "timeout".into(),
        (state, _) => state.label().into(),
    }
}

/// "✗ exit 3 · 2.1s · 3h ago"; the short form leaves out the duration.
fn last_line(ui: Ui<'_>, run: Option<&Run>, compact: bool) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    let Some(run) = run else {
        return Line::styled("–", s.dim);
    };
    let (symbol, style) = run_look(s, run.state);
    let mut rest = String::new();
    // A skipped run did not run: it has no duration worth showing.
    if !compact
        && run.state != RunState::Skipped
        && let Some(d) = run.duration()
    {
        rest.push_str(&format!(" · {}", duration(d)));
    }
    let ended = run.finished.unwrap_or(run.started);
    rest.push_str(&format!(" · {} ago", coarse(state.now, ended)));
    Line::from(vec![
        Span::styled(format!("{symbol} {}", outcome(run)), style),
        Span::styled(rest, s.dim),
    ])
}

/// "02:00 (in 5h12m)"; a pending retry, "manual" or "disabled" instead. The
/// short form is the relative time alone.
fn next_line(ui: Ui<'_>, spec: &TaskSpec, compact: bool) -> Line<'static> {
    let Ui { state, styles: s } = ui;
    let now = state.now;
    if let Some((at, attempt)) = state.tasks.scheduler.retry(&spec.id) {
        let when = if at <= now {
            "due".to_string()
        } else {
            format!("in {}", until(now, at))
        };
        let text = if compact {
            format!("retry {when}")
        } else {
            format!("retry {attempt}/{} {when}", spec.retries + 1)
        };
        return Line::styled(text, s.warning);
    }
    if !spec.enabled {
        return Line::styled("disabled", s.dim);
    }
    if spec.schedule.is_none() {
        return Line::styled("manual", s.dim);
    }
    match state.tasks.next_run(spec, now) {
        Some(at) if compact => Line::styled(format!("in {}", until(now, at)), s.text),
        Some(at) => Line::from(vec![
            Span::styled(clock(state, at), s.text),
            Span::styled(format!(" (in {})", until(now, at)), s.dim),
        ]),
        None => Line::styled("–", s.dim),
    }
}

/// The largest unit only ("3h", "2d"): enough for how long ago a run ended.
fn coarse(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// The right-hand title: how many tasks, how many run, how many fail, in the
/// longest form that fits beside the pane's name (failing always stays).
/// `shown`: the tasks the filter leaves; `recovering`: the runs going.
fn title_notes(ui: Ui<'_>, width: u16, shown: usize, recovering: usize) -> Vec<Span<'static>> {
    let Ui { state, styles: s } = ui;
    let tasks = &state.tasks;
    let (total, running, failing) = (tasks.len(), tasks.running(), tasks.failing());
    let count = if shown == total {
        total.to_string()
    } else {
        format!("{shown}/{total}")
    };
    // Corners, the left title " 2 Tasks ", a space, and the filter note.
    let filter = state
        .list(PaneId::Tasks)
        .filter
        .as_ref()
        .map_or(0, |f| f.source().chars().count() + 3);
    let room = usize::from(width).saturating_sub(2 + 9 + 1 + filter);
    let mut forms: Vec<Vec<Span<'static>>> = Vec::new();
    for with_count in [true, false] {
        let mut parts: Vec<Span<'static>> = Vec::new();
        let mut push = |text: String, style: Style| {
            let sep = if parts.is_empty() { " " } else { " · " };
            parts.push(Span::styled(sep, s.dim));
            parts.push(Span::styled(text, style));
        };
        if with_count {
            push(count.clone(), s.dim);
        }
        if running > 0 {
            push(format!("{running} running"), s.info);
        }
        if failing > 0 {
            push(format!("{failing} failing"), s.critical);
        }
        if recovering > 0 {
            push(format!("{recovering} recovering"), s.info);
        }
        forms.push(parts);
    }
    let mut short = Vec::new();
    if running > 0 {
        short.push(Span::styled(format!(" ▶{running}"), s.info));
    }
    if failing > 0 {
        short.push(Span::styled(format!(" ✗{failing} failing"), s.critical));
    }
    if recovering > 0 {
        short.push(Span::styled(format!(" ↻{recovering}"), s.info));
    }
    forms.push(short);
    if failing > 0 {
        forms.push(vec![Span::styled(
            format!(" ✗{failing} failing"),
            s.critical,
        )]);
        forms.push(vec![Span::styled(format!(" ✗{failing}"), s.critical)]);
    }
    for mut form in forms {
        if form.is_empty() {
            continue;
        }
        form.push(Span::raw(" "));
        let width: usize = form.iter().map(Span::width).sum();
        if width <= room {
            return form;
        }
    }
    Vec::new()
}
