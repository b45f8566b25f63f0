#!/bin/sh
# Nightly PostgreSQL optimisation: VACUUM (ANALYZE) of every database, so dead
# rows are reclaimed and the planner's statistics are fresh. Never VACUUM FULL
# or REINDEX: those take exclusive locks and belong in a maintenance window.
#
# Connection: the usual libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE,
# PGPASSFILE, PGSSLMODE, ...); a password goes in ~/.pgpass, never here.
# Vacuuming every table needs a superuser (or pg_maintain, PostgreSQL 17);
# tables the role may not vacuum are skipped with a warning.
#
#   DB_OPTIMIZE_JOBS     parallel connections for vacuumdb (default 2)
#   DB_OPTIMIZE_ALL      "yes": every database (default); "no": only PGDATABASE
#   DB_OPTIMIZE_TOP      tables listed by dead rows, before and after (default 5)
#
# Exit: 0 done, 1 vacuum failed, 2 cannot run (no client, server unreachable).
set -eu

me=db_optimize
jobs=${DB_OPTIMIZE_JOBS:-2}
all=${DB_OPTIMIZE_ALL:-yes}
top=${DB_OPTIMIZE_TOP:-5}

for tool in psql vacuumdb; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$me: $tool not installed (Debian: apt install postgresql-client); cannot run" >&2
        exit 2
    fi
done

target="${PGHOST:-local socket}:${PGPORT:-5432}"
if ! version=$(psql -X -w -A -t -c 'SHOW server_version_num' 2>&1); then
    echo "$me: PostgreSQL at $target not reachable: $version" >&2
    exit 2
fi
echo "PostgreSQL $(psql -X -w -A -t -c 'SHOW server_version') at $target"

dead_rows() {
    psql -X -w -A -t -F ' ' -c "
        SELECT n_dead_tup, schemaname || '.' || relname
        FROM pg_stat_user_tables
        WHERE n_dead_tup > 0
        ORDER BY n_dead_tup DESC
        LIMIT $top" | awk '{ printf "  %12d dead rows  %s\n", $1, $2 } END { if (NR == 0) print "  none" }'
}

echo "tables with the most dead rows in ${PGDATABASE:-the default database}, before:"
dead_rows

set -- --analyze --jobs "$jobs"
# --skip-locked (server 12+): a table busy with a lock is left for tomorrow
# instead of making the job wait behind the application.
if [ "$version" -ge 120000 ]; then
    set -- "$@" --skip-locked
fi
if [ "$all" = yes ]; then
    set -- "$@" --all
fi

start=$(date +%s)
echo "running: vacuumdb $*"
warnings=$(mktemp)
trap 'rm -f "$warnings"' EXIT
vacuumdb "$@" 2>"$warnings" || failed=$?
# One warning per table the role may not vacuum: counted, not listed.
denied=$(grep -c 'only superuser\|only table or database owner' "$warnings" || true)
grep -v 'only superuser\|only table or database owner' "$warnings" >&2 || true
if [ "${failed:-0}" -ne 0 ]; then
    echo "$me: vacuumdb failed (exit $failed) after $(($(date +%s) - start))s" >&2
    exit 1
fi
echo "vacuum and analyze done in $(($(date +%s) - start))s"
echo "after:"
dead_rows
if [ "$denied" -gt 0 ]; then
    echo "$me: $denied table(s) skipped: role $(psql -X -w -A -t -c 'SELECT current_user')" \
        "may not vacuum them (connect as a superuser or the owner; PostgreSQL 17: grant pg_maintain)" >&2
    exit 1
fi
