//! The database schema, versioned with `PRAGMA user_version`. Each entry of
//! `MIGRATIONS` takes the schema from version i to i+1; they only ever go forward.

/// Version N is reached by applying `MIGRATIONS[..N]`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the audit log and the tables the engines write.
    r#"
    CREATE TABLE audit_log (
        id        INTEGER PRIMARY KEY,
        at_ms     INTEGER NOT NULL,               -- Unix time, milliseconds, UTC
        actor     TEXT    NOT NULL,               -- user@host
        action    TEXT    NOT NULL,               -- session.start, acknowledge, ...
        phase     TEXT    NOT NULL CHECK (phase IN ('event', 'intent', 'outcome')),
        target    TEXT    NOT NULL DEFAULT '',
        params    TEXT    NOT NULL DEFAULT '{}',  -- JSON object, never secrets
        outcome   TEXT    NOT NULL DEFAULT '',
        intent_id INTEGER REFERENCES audit_log(id) ON DELETE SET NULL,
        pid       INTEGER NOT NULL
    );
    CREATE INDEX audit_log_at ON audit_log(at_ms);

    CREATE TABLE acknowledgements (
        id          INTEGER PRIMARY KEY,
        alert_key   TEXT    NOT NULL,
        source      TEXT    NOT NULL,
        silence_id  TEXT,
        author      TEXT    NOT NULL,
        comment     TEXT    NOT NULL DEFAULT '',
        created_ms  INTEGER NOT NULL,
        expires_ms  INTEGER NOT NULL,
        removed_ms  INTEGER
    );
    CREATE INDEX acknowledgements_alert ON acknowledgements(alert_key);

    CREATE TABLE alert_events (
        id        INTEGER PRIMARY KEY,
        alert_key TEXT    NOT NULL,
        source    TEXT    NOT NULL,
        kind      TEXT    NOT NULL CHECK (kind IN ('fired', 'resolved', 'acked', 'unacked')),
        at_ms     INTEGER NOT NULL,
        labels    TEXT    NOT NULL DEFAULT '{}'
    );
    CREATE INDEX alert_events_at ON alert_events(at_ms);

    CREATE TABLE task_runs (
        id          INTEGER PRIMARY KEY,
        task_id     TEXT    NOT NULL,
        trigger     TEXT    NOT NULL,               -- schedule, manual, dependency
        state       TEXT    NOT NULL,
        attempt     INTEGER NOT NULL DEFAULT 1,
        started_ms  INTEGER NOT NULL,
        finished_ms INTEGER,
        exit_code   INTEGER,
        output_tail TEXT    NOT NULL DEFAULT '',
        actor       TEXT    NOT NULL
    );
    CREATE INDEX task_runs_started ON task_runs(started_ms);

    CREATE TABLE recovery_runs (
        id          INTEGER PRIMARY KEY,
        runbook     TEXT    NOT NULL,
        alert_key   TEXT,
        state       TEXT    NOT NULL,
        dry_run     INTEGER NOT NULL,
        started_ms  INTEGER NOT NULL,
        finished_ms INTEGER,
        actor       TEXT    NOT NULL
    );
    CREATE INDEX recovery_runs_started ON recovery_runs(started_ms);

    CREATE TABLE recovery_steps (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES recovery_runs(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        name        TEXT    NOT NULL,
        state       TEXT    NOT NULL,
        started_ms  INTEGER,
        finished_ms INTEGER,
        exit_code   INTEGER,
        output_tail TEXT    NOT NULL DEFAULT ''
    );

    CREATE TABLE scaling_decisions (
        id       INTEGER PRIMARY KEY,
        target   TEXT    NOT NULL,
        at_ms    INTEGER NOT NULL,
        current  INTEGER NOT NULL,
        desired  INTEGER NOT NULL,
        reason   TEXT    NOT NULL,
        executed INTEGER NOT NULL,
        dry_run  INTEGER NOT NULL,
        outcome  TEXT    NOT NULL DEFAULT '',
        actor    TEXT    NOT NULL
    );
    CREATE INDEX scaling_decisions_at ON scaling_decisions(at_ms);
    "#,
    // 2: alert events also record 'pending' (local rules' transitions), and are
    // read per alert for the details view. SQLite cannot change a CHECK in place.
    r#"
    CREATE TABLE alert_events_v2 (
        id        INTEGER PRIMARY KEY,
        alert_key TEXT    NOT NULL,
        source    TEXT    NOT NULL,
        kind      TEXT    NOT NULL
                  CHECK (kind IN ('pending', 'fired', 'resolved', 'acked', 'unacked')),
        at_ms     INTEGER NOT NULL,
        labels    TEXT    NOT NULL DEFAULT '{}'
    );
    INSERT INTO alert_events_v2 (id, alert_key, source, kind, at_ms, labels)
        SELECT id, alert_key, source, kind, at_ms, labels FROM alert_events;
    DROP TABLE alert_events;
    ALTER TABLE alert_events_v2 RENAME TO alert_events;
    CREATE INDEX alert_events_at ON alert_events(at_ms);
    CREATE INDEX alert_events_key ON alert_events(alert_key, at_ms);
    "#,
    // 3: task runs say why they ended or were skipped, which process ran them
    // (a run left 'running' by a process that died is found), and carry a
    // change counter that readers follow to pick up other processes' runs.
    r#"
    ALTER TABLE task_runs ADD COLUMN detail TEXT NOT NULL DEFAULT '';
    ALTER TABLE task_runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE task_runs ADD COLUMN change INTEGER NOT NULL DEFAULT 0;
    UPDATE task_runs SET change = id;
    CREATE INDEX task_runs_change ON task_runs(change);
    CREATE INDEX task_runs_task ON task_runs(task_id, started_ms);
    "#,
    // 4: the local rules' alerts as the leader evaluated them, so every opsdeck
    // on the host shows the same states and ages, and a new leader goes on
    // with the same cooldowns; a run's process group, so a live leader can
    // stop the processes of a run whose opsdeck died.
    r#"
    CREATE TABLE local_alerts (
        fingerprint      INTEGER PRIMARY KEY,     -- the u64 fingerprint, bit for bit
        rule             TEXT    NOT NULL,
        labels           TEXT    NOT NULL,        -- JSON object
        annotations      TEXT    NOT NULL,        -- JSON object
        phase            TEXT    NOT NULL CHECK (phase IN ('pending', 'firing', 'resolved')),
        active_since_ms  INTEGER NOT NULL,
        fired_at_ms      INTEGER,
        resolved_at_ms   INTEGER,
        value            REAL,                    -- NULL for NaN
        last_notified_ms INTEGER,
        firing_notified  INTEGER NOT NULL DEFAULT 0
    );
    -- When the leader last evaluated (written even with no alert): a follower
    -- tells a hung leader's frozen alerts from current ones.
    CREATE TABLE local_alerts_evaluated (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        evaluated_ms INTEGER NOT NULL
    );
    ALTER TABLE task_runs ADD COLUMN pgid INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX task_runs_open ON task_runs(state) WHERE state IN ('running', 'pending');
    -- The start of the episode a transition belongs to: the same transition
    -- told again (a restart, a new leader) is recorded once.
    ALTER TABLE alert_events ADD COLUMN started_ms INTEGER;
    "#,
    // 5: recovery runs as the runner writes them: why they started and ended,
    // the alert they were for, the attempt, which process ran them (a run left
    // 'running' by a dead process is found) and a change counter for readers;
    // each step attempt as its own row, with what ran.
    r#"
    ALTER TABLE recovery_runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual';
    ALTER TABLE recovery_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE recovery_runs ADD COLUMN detail TEXT NOT NULL DEFAULT '';
    ALTER TABLE recovery_runs ADD COLUMN alert_labels TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE recovery_runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE recovery_runs ADD COLUMN change INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX recovery_runs_runbook ON recovery_runs(runbook, started_ms);
    CREATE INDEX recovery_runs_change ON recovery_runs(change);
    CREATE INDEX recovery_runs_alert ON recovery_runs(alert_key, id);
    ALTER TABLE recovery_steps ADD COLUMN run_attempt INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE recovery_steps ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE recovery_steps ADD COLUMN command TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE recovery_steps ADD COLUMN detail TEXT NOT NULL DEFAULT '';
    ALTER TABLE recovery_steps ADD COLUMN pgid INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX recovery_runs_open ON recovery_runs(state) WHERE state = 'running';
    CREATE INDEX recovery_steps_run ON recovery_steps(run_id);
    "#,
    // 6: health checks' state changes with their causes (the leader writes
    // them), for the ops report.
    r#"
    CREATE TABLE health_changes (
        id          INTEGER PRIMARY KEY,
        check_name  TEXT    NOT NULL,
        from_state  TEXT    NOT NULL,
        to_state    TEXT    NOT NULL,
        cause       TEXT    NOT NULL,
        at_ms       INTEGER NOT NULL
    );
    CREATE INDEX health_changes_at ON health_changes(at_ms);
    "#,
    // 7: scaling records as the autoscaler writes them: an evaluation that
    // changed something, with its inputs (replayable) and every stage, or an
    // execution with its argv and output. Rows are only ever added: a reader
    // follows them by id.
    r#"
    ALTER TABLE scaling_decisions ADD COLUMN kind TEXT NOT NULL DEFAULT 'evaluation'
        CHECK (kind IN ('evaluation', 'execution'));
    ALTER TABLE scaling_decisions ADD COLUMN trigger TEXT NOT NULL DEFAULT '';
    ALTER TABLE scaling_decisions ADD COLUMN inputs TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE scaling_decisions ADD COLUMN stages TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE scaling_decisions ADD COLUMN command TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE scaling_decisions ADD COLUMN output TEXT NOT NULL DEFAULT '';
    ALTER TABLE scaling_decisions ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX scaling_decisions_target ON scaling_decisions(target, at_ms);
    "#,
    // 8: for the ops report: hand-overs between shifts, and the host's
    // resources per minute (the leader's aggregate of its samples; a month
    // of them stays small), one row per minute, keyed by its start.
    r#"
    CREATE TABLE handovers (
        id     INTEGER PRIMARY KEY,
        at_ms  INTEGER NOT NULL,
        actor  TEXT    NOT NULL,
        note   TEXT    NOT NULL DEFAULT '',
        pid    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX handovers_at ON handovers(at_ms);
    CREATE TABLE resource_minutes (
        minute_ms      INTEGER PRIMARY KEY,
        cpu_avg        REAL    NOT NULL,
        cpu_max        REAL    NOT NULL,
        mem_avg        REAL    NOT NULL,
        mem_max        REAL    NOT NULL,
        fs_mount       TEXT    NOT NULL DEFAULT '',
        fs_used_pct    REAL    NOT NULL DEFAULT 0,
        fs_used_bytes  INTEGER NOT NULL DEFAULT 0,
        fs_total_bytes INTEGER NOT NULL DEFAULT 0
    );
    -- Each check's probes per minute (the leader's): how many, how many
    -- failed, and every latency in milliseconds, comma-separated, so the
    -- report's p95 is over the probes themselves.
    CREATE TABLE check_minutes (
        check_name TEXT    NOT NULL,
        minute_ms  INTEGER NOT NULL,
        probes     INTEGER NOT NULL,
        failures   INTEGER NOT NULL,
        latencies  TEXT    NOT NULL DEFAULT '',
        PRIMARY KEY (check_name, minute_ms)
    ) WITHOUT ROWID;
    CREATE INDEX alert_events_kind ON alert_events(kind, alert_key, at_ms);
    "#,
];

/// The schema version this build writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

/// Tables pruned by retention, each with its time column.
pub const PRUNED: &[(&str, &str)] = &[
    ("audit_log", "at_ms"),
    ("alert_events", "at_ms"),
    ("task_runs", "started_ms"),
    ("recovery_runs", "started_ms"),
    ("scaling_decisions", "at_ms"),
    ("acknowledgements", "expires_ms"),
    ("health_changes", "at_ms"),
    ("handovers", "at_ms"),
    ("resource_minutes", "minute_ms"),
    ("check_minutes", "minute_ms"),
];
