//! Everything the event loop waits on: keys, messages from collectors and
//! effects, the one-second tick, signals, and the next frame when one is due.

use super::signals::Terminating;
use crate::app::Msg;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior, interval, sleep_until};

pub struct Inputs {
    events: EventStream,
    rx: mpsc::Receiver<Msg>,
    tick: Interval,
    signals: Terminating,
}

/// What woke the event loop.
pub enum Input {
    /// The frame that was due.
    Frame,
    Resize,
    Msg(Msg),
    Tick,
    /// Nothing to act on (a mouse or focus event).
    Nothing,
}

impl Inputs {
    pub fn new(rx: mpsc::Receiver<Msg>, signals: Terminating) -> Self {
        // The clock and staleness marks need a tick even when no data arrives.
        let mut tick = interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            events: EventStream::new(),
            rx,
            tick,
            signals,
        }
    }

    pub async fn next(&mut self, frame_due: Option<Instant>) -> Input {
        let due = frame_due.unwrap_or_else(Instant::now);
        tokio::select! {
            _ = sleep_until(due), if frame_due.is_some() => Input::Frame,
            event = self.events.next() => match event {
                Some(Ok(Event::Key(key))) => Input::Msg(Msg::Key(key)),
                Some(Ok(Event::Resize(..))) => Input::Resize,
                Some(Ok(_)) => Input::Nothing,
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    Input::Msg(Msg::Terminate(1))
                }
                // stdin closed: nobody is there to see the dashboard.
                None => Input::Msg(Msg::Terminate(0)),
            },
            Some(msg) = self.rx.recv() => Input::Msg(msg),
            _ = self.tick.tick() => Input::Tick,
            // Ended as `q` ends it, with the shell's code for a signal.
            number = self.signals.recv() => Input::Msg(Msg::Terminate(128 + number)),
        }
    }
}
