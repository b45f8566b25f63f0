//! Reading the state database the way a test waits on it: read-only, with
//! a busy timeout, beside the opsdeck processes that write it.

/// Waits until the state database under `state_home` holds the process group
/// of a running step: only then can a next opsdeck stop what is left of it.
pub fn wait_for_step_pgid(state_home: &std::path::Path) {
    let db = state_home.join("opsdeck/opsdeck.db");
    let start = std::time::Instant::now();
    loop {
        let pgid: i64 =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| {
                    c.busy_timeout(std::time::Duration::from_secs(2))?;
                    c.query_row(
                        "SELECT COALESCE(MAX(pgid), 0) FROM recovery_steps WHERE state = 'running'",
                        [],
                        |r| r.get(0),
                    )
                })
                .unwrap_or(0);
        if pgid > 0 {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the running step's process group was never recorded in {}",
            db.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Waits until `path` exists (a step touched it: it runs).
pub fn wait_for_file(path: &std::path::Path) {
    let began = std::time::Instant::now();
    while !path.exists() {
        assert!(
            began.elapsed() < std::time::Duration::from_secs(20),
            "the step never started ({} never appeared)",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
