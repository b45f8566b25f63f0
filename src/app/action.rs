//! One `Action` enum is both the keymap target and the message `update` acts on.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PaneId {
    Resources,
    Tasks,
    Alerts,
    Scaling,
    Log,
}

impl PaneId {
    pub const ALL: [PaneId; 5] = [
        PaneId::Resources,
        PaneId::Tasks,
        PaneId::Alerts,
        PaneId::Scaling,
        PaneId::Log,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Resources => "Resources",
            PaneId::Tasks => "Tasks",
            PaneId::Alerts => "Alerts",
            PaneId::Scaling => "Scaling",
            PaneId::Log => "Log",
        }
    }

    pub fn number(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Suspend,
    /// Repaint the whole screen (after line noise over SSH, or another program wrote over it).
    Redraw,
    Help,
    /// The hand-over summary: the ops report since the last hand-over.
    Handover,
    Zoom(PaneId),
    Overview,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Filter,
    Details,
    Pause,
    LogMore,
    LogLess,
    // Write actions: they change something outside opsdeck and go through the one
    // dispatcher that enforces read-only mode.
    Acknowledge,
    Unacknowledge,
    TriggerTask,
    CancelTask,
    RunRecovery,
    Scale,
}

impl Action {
    /// Every action a key can be bound to, with its config name and help text,
    /// in the order the help screen lists them.
    pub const BINDABLE: &'static [(Action, &'static str, &'static str)] = &[
        (Action::Quit, "quit", "quit"),
        (Action::Help, "help", "show this help"),
        (
            Action::Zoom(PaneId::Resources),
            "zoom_resources",
            "zoom Resources",
        ),
        (Action::Zoom(PaneId::Tasks), "zoom_tasks", "zoom Tasks"),
        (Action::Zoom(PaneId::Alerts), "zoom_alerts", "zoom Alerts"),
        (
            Action::Zoom(PaneId::Scaling),
            "zoom_scaling",
            "zoom Scaling",
        ),
        (Action::Zoom(PaneId::Log), "zoom_log", "zoom Log"),
        (Action::Overview, "overview", "overview / close"),
        (Action::FocusNext, "focus_next", "focus next pane"),
        (Action::FocusPrev, "focus_prev", "focus previous pane"),
        (Action::Up, "up", "move up"),
        (Action::Down, "down", "move down"),
        (Action::Top, "top", "go to first row"),
        (Action::Bottom, "bottom", "go to last row"),
        (Action::PageUp, "page_up", "page up"),
        (Action::PageDown, "page_down", "page down"),
        (Action::Filter, "filter", "filter focused list"),
        (Action::Details, "details", "details of selected row"),
        (Action::Pause, "pause", "pause / resume data"),
        (Action::LogMore, "log_more", "Log: show more levels"),
        (Action::LogLess, "log_less", "Log: show fewer levels"),
        (Action::Suspend, "suspend", "suspend (fg resumes)"),
        (Action::Redraw, "redraw", "repaint the screen"),
        (
            Action::Handover,
            "handover",
            "hand-over summary (the report since the last hand-over)",
        ),
        (Action::Acknowledge, "acknowledge", "acknowledge alert"),
        (
            Action::Unacknowledge,
            "unacknowledge",
            "un-acknowledge alert",
        ),
        (Action::TriggerTask, "trigger", "trigger task now"),
        (
            Action::CancelTask,
            "cancel",
            "cancel a task run, abort a recovery run",
        ),
        (Action::RunRecovery, "recover", "run recovery runbook"),
        (Action::Scale, "scale", "scale target"),
    ];

    pub fn config_name(self) -> &'static str {
        Self::BINDABLE
            .iter()
            .find(|(a, _, _)| *a == self)
            .map_or("?", |(_, n, _)| n)
    }

    pub fn from_config_name(name: &str) -> Option<Action> {
        Self::BINDABLE
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(a, _, _)| *a)
    }

    /// Whether this action changes something outside opsdeck (refused in read-only mode).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Action::Acknowledge
                | Action::Unacknowledge
                | Action::TriggerTask
                | Action::CancelTask
                | Action::RunRecovery
                | Action::Scale
        )
    }
}
