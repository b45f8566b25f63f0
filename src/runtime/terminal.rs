//! Terminal lifecycle: raw mode and the alternate screen, restored on every exit
//! path (normal quit, signals, panics, suspend).

use super::backend::AnsiBackend;
use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::Terminal;
use std::io::{BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

pub type Tui = Terminal<AnsiBackend<BufWriter<Stdout>>>;

/// Whether the terminal is currently in TUI mode; makes `restore` idempotent and
/// lets the panic hook know whether there is anything to undo.
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub fn enter() -> std::io::Result<Tui> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = std::io::stdout();
    execute!(out, EnterAlternateScreen, Hide, EnableBracketedPaste)?;
    // One write per frame instead of one per escape sequence.
    let backend = AnsiBackend::new(BufWriter::with_capacity(32 * 1024, std::io::stdout()));
    Terminal::new(backend)
}

/// Leaves raw mode and the alternate screen. Safe to call more than once and from
/// the panic hook; errors are ignored because the terminal may already be gone
/// (SIGHUP after the SSH connection dropped).
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout();
    let _ = queue!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = out.flush();
    let _ = disable_raw_mode();
}

/// Restores the terminal before the default panic message is printed, so the
/// message lands on the normal screen. Panics on other threads (collectors) are
/// logged instead: the dashboard keeps running and marks their data stale.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let main = std::thread::current().name() == Some("main");
        if main || !ACTIVE.load(Ordering::SeqCst) {
            restore();
            default(info);
        } else {
            tracing::error!(
                thread = std::thread::current().name().unwrap_or("?"),
                "panic: {info}"
            );
        }
    }));
}

/// Ctrl-Z: give the terminal back, stop, and take it again after `fg`.
pub fn suspend(terminal: &mut Tui) -> std::io::Result<()> {
    restore();
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGTSTP).map_err(std::io::Error::from)?;
    // Execution continues here after SIGCONT.
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        Hide,
        EnableBracketedPaste
    )?;
    terminal.backend_mut().invalidate();
    terminal.clear()
}
