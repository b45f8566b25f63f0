//! Everything the event loop waits on: keys, messages from collectors and
//! effects, the one-second tick, signals, and the next frame when one is due.

use super::signals::Terminating;
use crate::app::Msg;
use crossterm::event::Event;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior, interval, sleep_until};

pub struct Inputs {
    events: mpsc::Receiver<std::io::Result<Event>>,
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
            events: terminal_events(),
            rx,
            tick,
            signals,
        }
    }

    pub async fn next(&mut self, frame_due: Option<Instant>) -> Input {
        let due = frame_due.unwrap_or_else(Instant::now);
        tokio::select! {
            _ = sleep_until(due), if frame_due.is_some() => Input::Frame,
            event = self.events.recv() => match event {
                Some(Ok(Event::Key(key))) => Input::Msg(Msg::Key(key)),
                Some(Ok(Event::Resize(..))) => Input::Resize,
                Some(Ok(_)) => Input::Nothing,
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    Input::Msg(Msg::Terminate(1))
                }
                // The reader thread is gone (it could not start, or it
                // panicked): no key can reach the dashboard, so it must not
                // go on as if it were fine.
                None => {
                    tracing::error!("terminal input ended: the keys thread is gone");
                    Input::Msg(Msg::Terminate(1))
                }
            },
            Some(msg) = self.rx.recv() => Input::Msg(msg),
            _ = self.tick.tick() => Input::Tick,
            // Ended as `q` ends it, with the shell's code for a signal.
            number = self.signals.recv() => Input::Msg(Msg::Terminate(128 + number)),
        }
    }
}

/// Terminal events from a thread of their own that blocks in crossterm's
/// `read`. crossterm's `EventStream` is polled each time the loop wakes, and
/// each poll fights its own waker thread for crossterm's reader lock (spinning,
/// seven `sched_yield`s a time): a fifth of the loop's system calls with
/// everything on. Ends with the first error, after passing it on (crossterm
/// itself waits on forever at the end of input; a closed terminal reaches
/// the loop as SIGHUP). The thread holds crossterm's reader lock for the life
/// of the process, so nothing else may call `crossterm::event::read`/`poll`.
fn terminal_events() -> mpsc::Receiver<std::io::Result<Event>> {
    let (tx, rx) = mpsc::channel(64);
    let reader = move || {
        loop {
            let event = crossterm::event::read();
            let failed = event.is_err();
            if tx.blocking_send(event).is_err() || failed {
                break;
            }
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("keys".into())
        .spawn(reader)
    {
        tracing::error!("cannot start the terminal reader: {e}");
    }
    rx
}
