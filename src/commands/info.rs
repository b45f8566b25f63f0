//! `opsdeck info`: every resolved path and where it came from.

use crate::config::EMBEDDED_NAME;
use crate::config::paths::Paths;

pub fn run(paths: &Paths) -> anyhow::Result<i32> {
    let exists = |p: &std::path::Path| {
        if p.exists() {
            ""
        } else {
            " (does not exist yet)"
        }
    };
    match &paths.config {
        Some(c) => println!(
            "config file   {}  [{}]{}",
            c.path.display(),
            c.origin,
            exists(&c.path)
        ),
        None => println!(
            "config file   {EMBEDDED_NAME}  [no {} found]",
            paths.default_config_file().display()
        ),
    }
    let t = &paths.themes_dir;
    println!(
        "themes dir    {}  [{}]{}",
        t.path.display(),
        t.origin,
        exists(&t.path)
    );
    let s = &paths.state_dir;
    let db = paths.database();
    println!(
        "state db      {}  [{}]{}",
        db.display(),
        s.origin,
        exists(&db)
    );
    let log = paths.log_file();
    println!(
        "log file      {}  [{}]{}",
        log.display(),
        s.origin,
        exists(&log)
    );
    Ok(0)
}
