//! Logging: tracing events go to tui-logger (the Log pane) and to the log file.
//! Nothing is written to stdout or stderr while the TUI is up.

use std::path::Path;
use tracing_subscriber::layer::SubscriberExt;
use tui_logger::{LevelFilter, TuiLoggerFile, TuiLoggerLevelOutput};

/// Moves captured events to the Log pane's buffer and the log file; called before
/// each frame and at exit.
pub fn move_events() {
    tui_logger::move_events();
}

/// Starts logging. The file is optional: if it cannot be opened the Log pane still
/// works, and the returned warning says why.
pub fn init(log_file: &Path) -> Option<String> {
    // Bounded buffers: a wall display runs for weeks.
    tui_logger::set_buffer_depth(2000);
    tui_logger::set_hot_buffer_depth(500);
    // Not `tui_logger::init_logger`: it starts a thread that wakes every 10 ms to move
    // events, which alone costs as much CPU as htop. The event loop moves them
    // before each frame instead (`move_events`).
    tui_logger::set_default_level(LevelFilter::Debug);
    tui_logger::set_env_filter_from_env(Some("OPSDECK_LOG"));
    let subscriber = tracing_subscriber::registry().with(tui_logger::TuiTracingSubscriberLayer);
    let _ = tracing::subscriber::set_global_default(subscriber);

    let opened = log_file
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log_file)
                .map(drop)
        });
    match (opened, log_file.to_str()) {
        (Ok(()), Some(path)) => {
            tui_logger::set_log_file(
                TuiLoggerFile::new(path)
                    .output_timestamp(Some("%Y-%m-%dT%H:%M:%S%.3f%:z".into()))
                    .output_separator(' ')
                    .output_level(Some(TuiLoggerLevelOutput::Long))
                    .output_target(true)
                    .output_file(false)
                    .output_line(false),
            );
            None
        }
        (Err(e), _) => Some(format!("cannot write log file {}: {e}", log_file.display())),
        (Ok(()), None) => Some(format!(
            "log file path is not UTF-8: {}",
            log_file.display()
        )),
    }
}
