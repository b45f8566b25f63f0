#!/bin/sh
# Performance analysis of this host: load per CPU, memory and swap, pressure
# stall information, the processes using the most CPU and memory, and, when
# PostgreSQL with pg_stat_statements is reachable, its slowest statements.
#
#   LOAD_MAX_PER_CPU       1-minute load per CPU counted as a problem (default 2)
#   MEM_MIN_AVAILABLE_PCT  less available memory is a problem (default 10)
#   SLOW_QUERY_MS          mean statement time counted as slow (default 500,
#                          the handbook's p95 latency limit)
#   PERF_TOP               processes and statements listed (default 10)
#   PERF_POSTGRES          "auto" (default): the PostgreSQL part when psql can
#                          connect; "yes": it must; "no": never. Connection: PG*.
#
# Exit: 0 fine, 1 a limit exceeded, 2 cannot run (no /proc; PERF_POSTGRES=yes
# and PostgreSQL unreachable).
set -eu

me=perf_analysis
load_max=${LOAD_MAX_PER_CPU:-2}
mem_min=${MEM_MIN_AVAILABLE_PCT:-10}
slow_ms=${SLOW_QUERY_MS:-500}
top=${PERF_TOP:-10}
pg=${PERF_POSTGRES:-auto}
problems=0
problem() {
    echo "PROBLEM: $*"
    problems=$((problems + 1))
}

if [ ! -r /proc/loadavg ] || [ ! -r /proc/meminfo ]; then
    echo "$me: /proc is not readable (not Linux?); cannot run" >&2
    exit 2
fi

cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
read -r l1 l5 l15 _ </proc/loadavg
echo "load: $l1 $l5 $l15 on $cpus CPU(s)"
if awk -v l="$l1" -v c="$cpus" -v m="$load_max" 'BEGIN { exit !(l / c > m) }'; then
    problem "1-minute load per CPU is over $load_max"
fi

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
total=$(meminfo MemTotal)
avail=$(meminfo MemAvailable)
swap_total=$(meminfo SwapTotal)
swap_free=$(meminfo SwapFree)
avail_pct=$((avail * 100 / total))
echo "memory: $((avail / 1024)) MiB of $((total / 1024)) MiB available ($avail_pct%)"
if [ "$swap_total" -gt 0 ]; then
    echo "swap: $(((swap_total - swap_free) / 1024)) MiB of $((swap_total / 1024)) MiB used"
fi
if [ "$avail_pct" -lt "$mem_min" ]; then
    problem "available memory is under $mem_min%"
fi

# Pressure stall information (Linux 4.20+): the share of time tasks waited.
for res in cpu memory io; do
    if [ -r "/proc/pressure/$res" ]; then
        echo "pressure $res: $(sed -n 's/^some //p' "/proc/pressure/$res")"
    fi
done

if ps -eo pid= >/dev/null 2>&1; then
    echo "top $top processes by CPU:"
    ps -eo pid,user,pcpu,pmem,rss,etime,comm --sort=-pcpu | head -n "$((top + 1))"
    echo "top $top processes by memory:"
    ps -eo pid,user,pcpu,pmem,rss,etime,comm --sort=-rss | head -n "$((top + 1))"
else
    echo "ps from procps not available; no process list"
fi

postgres() {
    if ! command -v psql >/dev/null 2>&1; then
        echo "PostgreSQL: psql not installed"
        return 1
    fi
    if ! err=$(psql -X -w -A -t -c 'SELECT 1' 2>&1 >/dev/null); then
        echo "PostgreSQL at ${PGHOST:-local socket}:${PGPORT:-5432} not reachable: $err"
        return 1
    fi
    has=$(psql -X -w -A -t -c "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")
    if [ "$has" = 0 ]; then
        echo "PostgreSQL: pg_stat_statements not installed in ${PGDATABASE:-the default database}; no slow queries"
        return 0
    fi
    # PostgreSQL 13 renamed mean_time to mean_exec_time.
    col=$(psql -X -w -A -t -c "SELECT CASE WHEN current_setting('server_version_num')::int >= 130000
                                   THEN 'mean_exec_time' ELSE 'mean_time' END")
    echo "PostgreSQL statements with a mean time over $slow_ms ms:"
    slow=$(psql -X -w -A -t -F ' | ' -c "
        SELECT round($col::numeric, 1) || ' ms', calls, left(regexp_replace(query, '\s+', ' ', 'g'), 120)
        FROM pg_stat_statements
        WHERE $col > $slow_ms
        ORDER BY $col DESC
        LIMIT $top")
    if [ -n "$slow" ]; then
        printf '%s\n' "$slow" | sed 's/^/  /'
        problem "$(printf '%s\n' "$slow" | wc -l) slow statement(s)"
    else
        echo "  none"
    fi
}

case $pg in
    no) ;;
    yes)
        if ! postgres; then
            echo "$me: PERF_POSTGRES=yes but PostgreSQL cannot be queried" >&2
            exit 2
        fi
        ;;
    *) postgres || echo "(PostgreSQL part skipped)" ;;
esac

if [ "$problems" -gt 0 ]; then
    echo "$problems problem(s) found"
    exit 1
fi
echo "no limit exceeded"
