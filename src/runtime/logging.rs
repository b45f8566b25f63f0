//! Logging: tracing events go to tui-logger (the Log pane) and to the log file,
//! their control characters escaped (`log_layer`).
//! Nothing is written to stdout or stderr while the TUI is up.
//!
//! INFO and above by default; `OPSDECK_LOG` takes directives such as `debug`
//! or `opsdeck=debug,hyper_util=debug`. The HTTP and TLS crates stay at WARN
//! unless a directive names them: their debug lines were nine in ten of the
//! file. The file is rotated at `ROTATE_AT` bytes, one old file kept (`.1`).
//!
//! Every line is cleaned of the configured secrets before the pane or the file
//! gets it (an error may quote a server that echoed a token), and the file is
//! readable by its owner only (0600).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter as Level, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tui_logger::{LevelFilter, TuiLoggerFile, TuiLoggerLevelOutput};

/// Crates whose debug output is noise to an operator.
const QUIET: &[&str] = &[
    "hyper",
    "hyper_util",
    "reqwest",
    "rustls",
    "h2",
    "tower",
    "mio",
];

/// A log file past this size is rotated (the old one kept as `.1`).
pub const ROTATE_AT: u64 = 8 * 1024 * 1024;

/// How often the running dashboard looks at the file's size.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// The log file and when its size was last checked.
static FILE: Mutex<Option<(PathBuf, Instant)>> = Mutex::new(None);

/// Moves captured events to the Log pane's buffer and the log file; called before
/// each frame and at exit.
pub fn move_events() {
    tui_logger::move_events();
}

/// What is logged: `directives` (OPSDECK_LOG's syntax; empty: INFO), with the
/// noisy crates at WARN unless named. A bad directive is reported, and INFO used.
pub fn filter(directives: &str) -> (Targets, Option<String>) {
    let (mut targets, problem) = match directives.trim() {
        "" => (Targets::new().with_default(Level::INFO), None),
        text => match text.parse::<Targets>() {
            Ok(t) => (t, None),
            Err(e) => (
                Targets::new().with_default(Level::INFO),
                Some(format!("OPSDECK_LOG={text:?} ignored: {e}")),
            ),
        },
    };
    for name in QUIET {
        let named = directives
            .split(',')
            .any(|d| d.split('=').next().map(str::trim) == Some(*name));
        if !named {
            targets = targets.with_target(*name, Level::WARN);
        }
    }
    (targets, problem)
}

/// Starts logging. The file is optional: if it cannot be opened the Log pane still
/// works, and the returned warning says why.
pub fn init(log_file: &Path) -> Option<String> {
    // Bounded buffers: a wall display runs for weeks.
    tui_logger::set_buffer_depth(2000);
    tui_logger::set_hot_buffer_depth(500);
    // Not `tui_logger::init_logger`: it starts a thread that wakes every 10 ms to move
    // events, which alone costs as much CPU as htop. The event loop moves them
    // before each frame instead (`move_events`). The filter is tracing's: what
    // it drops is never even formatted.
    tui_logger::set_default_level(LevelFilter::Trace);
    let (targets, problem) = filter(&std::env::var("OPSDECK_LOG").unwrap_or_default());
    let layer = super::log_layer::VisibleTuiLayer.with_filter(targets);
    let subscriber = tracing_subscriber::registry().with(layer);
    let _ = tracing::subscriber::set_global_default(subscriber);
    if let Some(problem) = &problem {
        tracing::warn!("{problem}");
    }
    let opened = log_file
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        // Files from an older opsdeck were 0644; tightened before the old
        // one is rotated away with its lines.
        .and_then(|()| make_private(log_file))
        .and_then(|()| make_private(&rotated_name(log_file)))
        .and_then(|()| rotate_if_large(log_file, ROTATE_AT).map(drop))
        .and_then(|()| open(log_file));
    match opened {
        Ok(()) => {
            *FILE.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((log_file.to_path_buf(), Instant::now()));
            None
        }
        Err(e) => Some(format!("cannot write log file {}: {e}", log_file.display())),
    }
}

/// Points tui-logger at the file (appending).
fn open(log_file: &Path) -> std::io::Result<()> {
    create_private(log_file)?;
    let Some(path) = log_file.to_str() else {
        return Err(std::io::Error::other("the path is not UTF-8"));
    };
    tui_logger::set_log_file(
        TuiLoggerFile::new(path)
            .output_timestamp(Some("%Y-%m-%dT%H:%M:%S%.3f%:z".into()))
            .output_separator(' ')
            .output_level(Some(TuiLoggerLevelOutput::Long))
            .output_target(true)
            .output_file(false)
            .output_line(false),
    );
    Ok(())
}

/// Creates the file 0600 if it is new, and makes it so if it is not.
pub fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    make_private(path)
}

/// Takes group and other permissions away from an existing file: the log
/// holds the errors of every source, with URLs and server answers.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            let mode = meta.permissions().mode() & 0o700;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        }
        _ => Ok(()),
    }
}

fn rotated_name(path: &Path) -> PathBuf {
    let mut old = path.as_os_str().to_owned();
    old.push(".1");
    PathBuf::from(old)
}

/// Renames a file of `max` bytes or more to `<name>.1` (replacing the older
/// one). Returns whether it did.
pub fn rotate_if_large(path: &Path, max: u64) -> std::io::Result<bool> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() >= max => {
            std::fs::rename(path, rotated_name(path))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// On the event loop's tick: at most once a minute, rotates the log file if it
/// grew past `ROTATE_AT`, and writes on into a new one.
pub fn rotate_if_due() {
    let mut file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    let Some((path, checked)) = file.as_mut() else {
        return;
    };
    if checked.elapsed() < CHECK_EVERY {
        return;
    }
    *checked = Instant::now();
    // What is already captured goes to the old file first.
    tui_logger::move_events();
    match rotate_if_large(path, ROTATE_AT).and_then(
        |rotated| {
            if rotated { open(path) } else { Ok(()) }
        },
    ) {
        Ok(()) => {}
        Err(e) => tracing::warn!("cannot rotate the log file {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level as L;

    #[test]
    fn info_by_default_and_http_crates_only_warn() {
        let (t, problem) = filter("");
        assert!(problem.is_none());
        assert!(t.would_enable("opsdeck::runtime", &L::INFO));
        assert!(!t.would_enable("opsdeck::runtime", &L::DEBUG));
        assert!(!t.would_enable("hyper_util::client::legacy::pool", &L::INFO));
        assert!(t.would_enable("hyper_util::client::legacy::pool", &L::WARN));
    }

    #[test]
    fn directives_raise_levels_but_name_a_noisy_crate_to_hear_it() {
        let (t, _) = filter("debug");
        assert!(t.would_enable("opsdeck::store", &L::DEBUG));
        assert!(!t.would_enable("reqwest::connect", &L::DEBUG));
        let (t, _) = filter("info,reqwest=debug");
        assert!(t.would_enable("reqwest::connect", &L::DEBUG));
        assert!(!t.would_enable("opsdeck::store", &L::DEBUG));
    }

    #[test]
    fn a_bad_directive_is_reported_and_info_used() {
        let (t, problem) = filter("opsdeck=loud");
        assert!(problem.unwrap().contains("OPSDECK_LOG"));
        assert!(t.would_enable("opsdeck", &L::INFO));
        assert!(!t.would_enable("opsdeck", &L::DEBUG));
    }

    #[test]
    fn the_log_file_is_created_0600_and_an_old_one_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("opsdeck-log-mode-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let new = dir.join("new.log");
        create_private(&new).unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = dir.join("old.log");
        std::fs::write(&old, b"line\n").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        create_private(&old).unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(
            std::fs::read(&old).unwrap(),
            b"line\n",
            "appended to, not truncated"
        );
        // A missing rotated file is not an error.
        make_private(&dir.join("none.log.1")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_large_file_is_rotated_keeping_one_old_file() {
        let dir = std::env::temp_dir().join(format!("opsdeck-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("opsdeck.log");
        std::fs::write(&log, vec![b'x'; 100]).unwrap();
        assert!(!rotate_if_large(&log, 101).unwrap(), "under the limit");
        assert!(rotate_if_large(&log, 100).unwrap());
        assert!(!log.exists());
        assert_eq!(std::fs::read(dir.join("opsdeck.log.1")).unwrap().len(), 100);
        // The next rotation replaces the older file.
        std::fs::write(&log, b"newer").unwrap();
        assert!(rotate_if_large(&log, 5).unwrap());
        assert_eq!(std::fs::read(dir.join("opsdeck.log.1")).unwrap(), b"newer");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
