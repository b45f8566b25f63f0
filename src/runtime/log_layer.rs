//! The tracing layer that feeds tui-logger (the Log pane and the log file).
//! It is tui-logger's own layer but for two things: the line is cleaned of
//! every configured secret (`secrets::redact`, whatever a server echoed),
//! then passed through [`visible`]. Log lines quote alert names, servers' errors
//! and task output, and tui-logger draws them as they are; the log file is
//! read in a terminal too (`less`, `tail -f`).

use crate::ui::visible;
use std::fmt::Write as _;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

pub struct VisibleTuiLayer;

/// The event's fields as tui-logger writes them: the message, then
/// ` name: value` for each other field.
#[derive(Default)]
struct Fields {
    message: String,
    others: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.add(field, format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.add(field, format_args!("{value:?}"));
    }
}

impl Fields {
    fn add(&mut self, field: &Field, value: std::fmt::Arguments) {
        let _ = if field.name() == "message" {
            write!(self.message, " {value}")
        } else {
            write!(self.others, " {}: {value}", field.name())
        };
    }
}

impl<S: tracing::Subscriber> Layer<S> for VisibleTuiLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        let level = match *meta.level() {
            tracing::Level::ERROR => log::Level::Error,
            tracing::Level::WARN => log::Level::Warn,
            tracing::Level::INFO => log::Level::Info,
            tracing::Level::DEBUG => log::Level::Debug,
            tracing::Level::TRACE => log::Level::Trace,
        };
        let text = format!("{}{}", fields.message, fields.others);
        tui_logger::Drain::new().log(
            &log::Record::builder()
                .args(format_args!("{}", visible(&crate::secrets::redact(&text))))
                .level(level)
                .target(meta.target())
                .file(meta.file())
                .line(meta.line())
                .module_path(meta.module_path())
                .build(),
        );
    }
}
