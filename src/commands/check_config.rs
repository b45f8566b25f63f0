//! `opsdeck check-config [FILE]`: validate, print every error, exit 1 on error.

use crate::config::paths::Paths;
use crate::config::{self, EMBEDDED_NAME};
use crate::ui::theme;
use std::path::Path;

pub fn run(file: Option<&Path>, paths: &Paths) -> i32 {
    let (text, name) = match file.or(paths.config.as_ref().map(|r| r.path.as_path())) {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => (text, path.display().to_string()),
            Err(e) => {
                eprintln!("{}: cannot read: {e}", path.display());
                return 1;
            }
        },
        None => (
            config::DEFAULT_CONFIG.to_string(),
            EMBEDDED_NAME.to_string(),
        ),
    };
    match config::parse(&text, &name) {
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{name}: {} error(s)", errors.0.len());
            1
        }
        Ok(loaded) => match theme::load(&loaded.config.ui.theme, &paths.themes_dir.path) {
            Err(mut e) => {
                if e.file.is_empty() {
                    e.file = name.clone();
                    (e.line, e.column) = config::error::locate(&text, "ui", "theme");
                }
                eprintln!("{e}");
                1
            }
            Ok(_) => {
                println!("{name}: ok");
                0
            }
        },
    }
}
