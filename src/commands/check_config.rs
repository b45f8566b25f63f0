//! `opsdeck check-config [FILE]`: validate, print every error, exit 1 on error.

use super::Source;
use crate::config;
use crate::config::paths::Paths;
use std::path::Path;

pub fn run(file: Option<&Path>, paths: &Paths) -> i32 {
    let source = match Source::read(file.or(paths.config.as_ref().map(|r| r.path.as_path()))) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let errors = match config::parse(&source.text, &source.name) {
        Err(errors) => errors.0,
        Ok(config) => {
            let mut errors = config::check_files(&config, &source.text, &source.name);
            if let Err(e) = super::theme_file(&config, paths, &source, false) {
                errors.push(e);
            }
            if errors.is_empty() {
                println!("{}: ok", source.name);
                return 0;
            }
            errors
        }
    };
    for e in &errors {
        eprintln!("{e}");
    }
    eprintln!("{}: {} error(s)", source.name, errors.len());
    1
}
