//! `opsdeck check-config [FILE]`: validate, print every error, exit 1 on error.

use super::Source;
use crate::config;
use crate::config::paths::Paths;
use std::path::Path;

pub fn run(file: Option<&Path>, paths: &Paths) -> anyhow::Result<i32> {
    let source = match Source::read(file.or(paths.config.as_ref().map(|r| r.path.as_path()))) {
        Ok(source) => source,
        Err(e) => {
            note!("{e}");
            return Ok(1);
        }
    };
    // Every error in file order; a user theme's own errors after the file's.
    let (config, mut errors) = config::parse_all(&source.text, &source.name);
    if let Some(config) = &config {
        config::add_later(
            &mut errors,
            config::check_files(config, &source.text, &source.name),
        );
        config::add_later(
            &mut errors,
            super::theme_file(config, paths, &source, false).err(),
        );
        errors.sort_by_key(|e| (e.file != source.name, e.line, e.column));
    }
    if errors.is_empty() {
        outln!("{}: ok", source.name)?;
        return Ok(0);
    }
    for e in &errors {
        note!("{e}");
    }
    note!("{}: {} error(s)", source.name, errors.len());
    Ok(1)
}
