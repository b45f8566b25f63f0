//! The terminal as the event loop uses it: frames drawn only when something
//! changed, at most one per `FRAME_INTERVAL`, and the effects that need the
//! terminal itself (suspend, repaint, bell).

use super::{logging, terminal};
use crate::app::{AppState, Effect};
use crate::ui::theme::Styles;
use std::time::Duration;
use tokio::time::Instant;

/// Minimum time between two frames (10 frames per second at most).
const FRAME_INTERVAL: Duration = Duration::from_millis(100);

pub struct Screen<'a> {
    pub term: &'a mut terminal::Tui,
    styles: &'a Styles,
    last_draw: Instant,
    /// Something changed since the last frame.
    dirty: bool,
}

impl<'a> Screen<'a> {
    pub fn new(term: &'a mut terminal::Tui, styles: &'a Styles) -> Self {
        Self {
            term,
            styles,
            last_draw: Instant::now(),
            dirty: false,
        }
    }

    /// When the next frame may be drawn, if one is due.
    pub fn frame_due(&self) -> Option<Instant> {
        self.dirty.then(|| self.last_draw + FRAME_INTERVAL)
    }

    /// After a message: samples already redraw (and move the clock) every
    /// refresh; a lone tick draws only when nothing else did for a while, e.g.
    /// to age a stale source.
    pub fn changed(&mut self, only_a_tick: bool) {
        self.dirty |= !only_a_tick || self.last_draw.elapsed() >= Duration::from_millis(900);
    }

    /// Draws a frame now; the backend writes only what changed, as one
    /// synchronized update.
    pub fn draw_now(&mut self, state: &AppState) -> std::io::Result<()> {
        logging::move_events();
        let styles = self.styles;
        self.term
            .draw(|frame| crate::ui::draw(frame, state, styles))?;
        self.last_draw = Instant::now();
        self.dirty = false;
        Ok(())
    }

    /// Redraws at once after a resize, not at the next frame slot.
    pub fn resized(&mut self, state: &AppState) -> std::io::Result<()> {
        self.term.autoresize()?;
        self.draw_now(state)
    }

    /// Carries out a terminal effect; hands any other back.
    pub fn carry_out(
        &mut self,
        state: &AppState,
        effect: Effect,
    ) -> std::io::Result<Option<Effect>> {
        match effect {
            Effect::Suspend => {
                terminal::suspend(self.term)?;
                self.draw_now(state)?;
            }
            Effect::Redraw => {
                self.term.backend_mut().invalidate();
                self.term.clear()?;
                self.draw_now(state)?;
            }
            Effect::Bell => {
                use std::io::Write;
                let backend = self.term.backend_mut();
                let _ = backend.write_all(b"\x07").and_then(|()| backend.flush());
            }
            other => return Ok(Some(other)),
        }
        Ok(None)
    }
}
