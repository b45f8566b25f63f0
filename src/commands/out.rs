//! What the commands print. `println!` panics when the reader has gone
//! (`opsdeck audit | head -1` ended with exit 101); `outln!` ends the command
//! quietly instead, exit 0, as `ls | head` does without the signal.
//!
//! SIGPIPE stays ignored (Rust's default) rather than reset to kill us: the
//! dashboard and `task run` must never die mid-write with the terminal raw,
//! a run unrecorded or its children left behind; a closed pipe or socket is
//! an error where it happens.

use std::io::{ErrorKind, Write};

/// stdout's reader has gone: the command stops, and `commands::run` turns
/// this into a quiet exit 0.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct Closed;

/// One line to stdout, escaped by `ui::visible` (a line break in a value is
/// escaped too: one record stays one line); `Closed` once nobody reads it.
pub fn line(args: std::fmt::Arguments) -> anyhow::Result<()> {
    raw_line(&crate::ui::visible(&args.to_string()))
}

/// One line to stdout as it is (already escaped, as JSON is).
pub fn raw_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Closed.into()),
        Err(e) => Err(anyhow::anyhow!("cannot write to stdout: {e}")),
    }
}

/// Lines to stderr, each escaped, the line breaks kept. Errors are dropped:
/// with stderr gone there is nowhere left to say anything.
pub fn note(args: std::fmt::Arguments) {
    let text = args.to_string();
    let shown = crate::ui::visible::visible_lines(&text);
    let _ = writeln!(std::io::stderr().lock(), "{shown}");
}

/// `println!` that returns `anyhow::Result<()>` (`Closed` on a closed pipe).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::commands::out::line(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::commands::out::note(format_args!($($arg)*))
    };
}
