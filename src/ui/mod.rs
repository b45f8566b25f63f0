//! Drawing: `draw(frame, &state, &styles)` reads state and holds no business logic.
//! The styles are the runtime's, resolved once at start; every part of the screen
//! gets both as one [`Ui`].

mod alert_details;
mod check_details;
pub mod color;
mod dialogs;
mod header;
mod layout;
mod overlay;
mod panes;
mod recovery;
mod recovery_history;
mod report;
mod scaling_details;
mod status;
mod task_details;
pub mod theme;
pub mod visible;
pub mod widgets;

pub use visible::visible;

use crate::app::{AppState, PaneId};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;
use theme::Styles;

/// What every part of the screen reads: the state, and the styles to draw it in.
#[derive(Clone, Copy)]
pub(crate) struct Ui<'a> {
    pub state: &'a AppState,
    pub styles: &'a Styles,
}

pub fn draw(frame: &mut Frame, state: &AppState, styles: &Styles) {
    let ui = Ui { state, styles };
    let s = styles;
    let area = frame.area();
    frame.render_widget(Block::new().style(s.text), area);
    let header_height = header::height(state);
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, top, ui);
    match state.view.zoom {
        Some(pane) => panes::draw(frame, body, ui, pane),
        None => {
            for (pane, rect) in layout::overview(body) {
                panes::draw(frame, rect, ui, pane);
            }
        }
    }
    status::draw(frame, bottom, ui);
    overlay::draw(frame, area, ui);
}

/// A pane's frame: number and title, focus highlight, and right-aligned notes
/// (filter, staleness).
pub(crate) fn pane_block<'a>(
    ui: Ui<'_>,
    pane: PaneId,
    notes: Vec<Span<'a>>,
    width: u16,
) -> Block<'a> {
    let Ui { state, styles: s } = ui;
    let focused = state.view.focus == pane;
    let (border, title) = if focused {
        (s.border_focus, s.title_focus)
    } else {
        (s.border, s.title)
    };
    let name = Line::from(vec![
        Span::styled(format!(" {} ", pane.number()), s.dim),
        Span::styled(format!("{} ", pane.title()), title),
    ]);
    // The notes share the top border with the pane's name, which they must
    // never cover: they are cut from their end (the least important last).
    let room = usize::from(width).saturating_sub(name.width() + 3);
    let mut block = Block::bordered().border_style(border).title(name);
    let mut right = notes;
    // Callers put failures first; the filter goes last, as it always did.
    if let Some(filter) = &state.list(pane).filter {
        right.push(Span::styled(format!(" /{} ", filter.source()), s.accent));
    }
    // Notes quote sources' errors: escaped before they are measured.
    let right = right.into_iter().map(visible::visible_span).collect();
    let right = fit_spans(right, room);
    if !right.is_empty() {
        block = block.title(Line::from(right).right_aligned());
    }
    block
}

/// As many of `spans` as fit in `room` columns, the last one cut with "…".
fn fit_spans(spans: Vec<Span<'_>>, room: usize) -> Vec<Span<'_>> {
    let mut used = 0;
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let width = span.width();
        if used + width <= room {
            used += width;
            out.push(span);
            continue;
        }
        let left = room - used;
        if left >= 4 {
            let cut = widgets::format::ellipsis(span.content.trim_end(), left - 1);
            out.push(Span::styled(format!("{cut} "), span.style));
        }
        break;
    }
    out
}

/// A one-line explanation inside a pane (no data yet, nothing configured).
pub(crate) fn note(frame: &mut Frame, area: Rect, text: &str, style: Style) {
    let paragraph = ratatui::widgets::Paragraph::new(visible(text).into_owned())
        .style(style)
        .wrap(ratatui::widgets::Wrap { trim: true });
    frame.render_widget(paragraph, area);
}
