//! Entry points for each command line: the dashboard and the one-shot commands.
//!
//! The one-shot commands print through `outln!` (a line), `note!` (to
//! stderr) and `print_json` (all in `out`): what they print may quote alert
//! labels, servers' errors or process names, and goes through `ui::visible`
//! so that no escape sequence in it acts on the operator's terminal; and a
//! reader that goes away (`| head`) ends the command quietly.

// print!/println! panic on a closed pipe: commands print through `out`.
#![deny(clippy::print_stdout, clippy::print_stderr)]

// First: its macros are used by the modules below.
#[macro_use]
pub mod out;

mod audit;
mod check_config;
mod dashboard;
mod info;
mod report;
mod runbook;
mod runbook_run;
mod scaling;
mod session;
mod snapshot;
mod snapshot_checks;
mod snapshot_remote;
mod snapshot_scaling;
mod task;

use crate::cli::{Cli, Command};
use crate::config::error::ConfigError;
use crate::config::paths::Paths;
use crate::config::{self, Config};
use crate::ui::color::ColorDepth;
use crate::ui::theme::{self, Styles, ThemeError, ThemeFile};
use std::path::PathBuf;

pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match dispatch(cli) {
        // The reader of our output has gone (`| head`): nothing more to say.
        Err(e) if e.is::<out::Closed>() => Ok(0),
        other => other,
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    let env_config = std::env::var_os("OPSDECK_CONFIG").map(PathBuf::from);
    let paths = Paths::resolve(cli.config.as_deref(), env_config.as_deref())?;
    match &cli.command {
        Some(Command::CheckConfig { file }) => check_config::run(file.as_deref(), &paths),
        Some(Command::Info) => info::run(&paths),
        Some(Command::Snapshot { format }) => snapshot::run(&cli, &paths, *format),
        Some(Command::Audit { since, format }) => audit::run(&cli, &paths, *since, *format),
        Some(Command::Task(command)) => task::run(&cli, &paths, command),
        Some(Command::Runbook(command)) => runbook::run(&cli, &paths, command),
        Some(Command::Scaling(command)) => scaling::run(&cli, &paths, command),
        Some(Command::Report {
            since,
            since_handover,
            format,
            output,
        }) => {
            let period = match (since, since_handover) {
                (Some(d), _) => report::Period::Last(*d),
                (None, true) => report::Period::SinceHandover,
                (None, false) => report::Period::Default,
            };
            report::run(&cli, &paths, period, *format, output.as_deref())
        }
        Some(Command::Handover {
            note,
            format,
            output,
        }) => report::handover(&cli, &paths, note.as_deref(), *format, output.as_deref()),
        None => dashboard::run(&cli, &paths),
    }
}

/// Prints `value` as JSON, with what `ui::visible` escapes as `\uXXXX`.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T, pretty: bool) -> anyhow::Result<()> {
    out::raw_line(&crate::ui::visible::json(value, pretty)?)
}

/// The state database to read from, if there is one: never with `--no-store`,
/// whatever lies at its path (a broken file must not lock anyone out), and
/// none before opsdeck first created it.
pub fn stored(cli: &Cli, paths: &Paths) -> anyhow::Result<Option<crate::store::Store>> {
    let db = paths.database();
    if cli.no_store || !db.exists() {
        return Ok(None);
    }
    Ok(Some(crate::store::Store::open_read_only(&db)?))
}

/// The config text and the name errors use for it.
pub struct Source {
    pub text: String,
    pub name: String,
}

impl Source {
    /// The file at `path`, or the embedded default when there is none.
    pub fn read(path: Option<&std::path::Path>) -> Result<Source, ConfigError> {
        Ok(match path {
            Some(path) => Source {
                text: config::read_file(path)?,
                name: path.display().to_string(),
            },
            None => Source {
                text: config::DEFAULT_CONFIG.to_string(),
                name: config::EMBEDDED_NAME.to_string(),
            },
        })
    }
}

/// The config opsdeck uses: the resolved file, or the embedded default.
pub fn read_source(paths: &Paths) -> anyhow::Result<Source> {
    let resolved = paths.config.as_ref();
    Source::read(resolved.map(|r| r.path.as_path())).map_err(|e| match resolved {
        Some(r) => anyhow::anyhow!("{e} (config from {})", r.origin),
        None => anyhow::anyhow!("{e}"),
    })
}

/// Validates the config, with the host rules added and command-line overrides
/// applied.
pub fn load(cli: &Cli, source: &Source) -> anyhow::Result<Config> {
    let mut config = validated(source).map_err(|e| anyhow::anyhow!("invalid config:\n{e}"))?;
    config.add_host_rules(&source.name);
    if let Some(refresh) = cli.refresh {
        anyhow::ensure!(
            refresh >= std::time::Duration::from_millis(100),
            "--refresh must be at least 100ms"
        );
        config.general.refresh = refresh;
        config.general.history = config.general.history.max(refresh);
    }
    if let Some(theme) = &cli.theme {
        config.ui.theme = theme.clone();
    }
    if let Some(color) = cli.color {
        config.ui.color = color;
    }
    Ok(config)
}

/// The config as written, if it has no error at all (files it names included).
pub fn validated(source: &Source) -> Result<Config, config::error::ConfigErrors> {
    let (config, mut errors) = config::parse_all(&source.text, &source.name);
    if let Some(config) = &config {
        let files = config::check_files(config, &source.text, &source.name);
        config::add_later(&mut errors, files);
        config::sort_in_file_order(&mut errors);
    }
    match config {
        Some(config) if errors.is_empty() => Ok(config),
        _ => Err(config::error::ConfigErrors(errors)),
    }
}

/// Who this operator is in the audit log: `general.user`, else user@host.
pub fn actor(config: &Config) -> String {
    config
        .general
        .user
        .clone()
        .unwrap_or_else(crate::store::audit::os_actor)
}

/// Loads the configured theme; an unknown name is reported where it was given:
/// `--theme`, or `ui.theme` in the config file.
pub fn theme_file(
    config: &Config,
    paths: &Paths,
    source: &Source,
    from_flag: bool,
) -> Result<ThemeFile, ConfigError> {
    theme::load(&config.ui.theme, &paths.themes_dir.path).map_err(|e| match e {
        ThemeError::File(e) => e,
        ThemeError::Unknown { name, available } => {
            let message = ThemeError::unknown_message(&name, &available);
            if from_flag {
                ConfigError {
                    file: "--theme".into(),
                    line: 0,
                    column: 0,
                    key: String::new(),
                    message,
                }
            } else {
                let (line, column) = config::locate::position(&source.text, "ui", "theme");
                ConfigError {
                    file: source.name.clone(),
                    line,
                    column,
                    key: "ui.theme".into(),
                    message,
                }
            }
        }
    })
}

/// The configured theme resolved at the terminal's colour depth.
pub fn styles(
    cli: &Cli,
    config: &Config,
    paths: &Paths,
    source: &Source,
) -> anyhow::Result<Styles> {
    let theme = theme_file(config, paths, source, cli.theme.is_some())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Styles::resolve(
        &theme,
        ColorDepth::resolve(config.ui.color),
    ))
}
