#!/bin/sh
# Cache cleanup: Redis keys matching a pattern, removed with SCAN + UNLINK in
# batches (never KEYS, never FLUSHALL/FLUSHDB: the server stays responsive and
# only what you named goes), and files older than N days in a cache directory.
#
#   REDIS_URL            redis://host:port/db (default redis://127.0.0.1:6379/0);
#                        "" skips Redis. The password goes in REDISCLI_AUTH,
#                        which redis-cli reads, not in the URL (ps shows argv).
#   CACHE_KEY_PATTERN    keys to remove, a Redis glob such as "cache:page:*";
#                        "" (default): only report memory and key counts.
#   CACHE_BATCH          keys per UNLINK (default 500)
#   CACHE_DIR            absolute directory of file caches; "" (default) skips
#   CACHE_MAX_AGE_DAYS   files not modified for longer are removed (default 7)
#
# Keys containing a newline are not supported (redis-cli --scan prints one key
# per line); such a key is left alone, never mistaken for another.
# Exit: 0 done, 1 a cleanup step failed, 2 cannot run (no redis-cli, Redis
# unreachable, cache dir missing, nothing configured).
set -eu

me=cache_cleanup
redis_url=${REDIS_URL-redis://127.0.0.1:6379/0}
pattern=${CACHE_KEY_PATTERN:-}
batch=${CACHE_BATCH:-500}
cache_dir=${CACHE_DIR:-}
max_age=${CACHE_MAX_AGE_DAYS:-7}
status=0

if [ -z "$redis_url" ] && [ -z "$cache_dir" ]; then
    echo "$me: nothing to do: REDIS_URL and CACHE_DIR are both empty" >&2
    exit 2
fi

redis() {
    redis-cli -u "$redis_url" --no-auth-warning "$@"
}

if [ -n "$redis_url" ]; then
    if ! command -v redis-cli >/dev/null 2>&1; then
        echo "$me: redis-cli not installed (Debian: apt install redis-tools); cannot run" >&2
        exit 2
    fi
    # The URL without a password, for messages.
    shown=$(printf '%s' "$redis_url" | sed 's#//[^@/]*@#//***@#')
    if ! pong=$(redis PING 2>&1) || [ "$pong" != PONG ]; then
        echo "$me: Redis at $shown not reachable: $pong" >&2
        exit 2
    fi
    info=$(redis INFO memory | tr -d '\r')
    field() { printf '%s\n' "$info" | sed -n "s/^$1://p"; }
    echo "Redis $shown: $(redis DBSIZE) keys, used memory $(field used_memory_human)" \
        "(peak $(field used_memory_peak_human), maxmemory $(field maxmemory_human)," \
        "fragmentation $(field mem_fragmentation_ratio))"
    if [ -z "$pattern" ]; then
        echo "no CACHE_KEY_PATTERN: no key removed"
    else
        # Without pipefail, each stage notes its failure in $failed.
        failed=$(mktemp)
        trap 'rm -f "$failed"' EXIT
        # The case filter drops any line that does not itself match (e.g. a
        # fragment of a key with a newline), so nothing else can be unlinked.
        removed=$(
            { redis --scan --pattern "$pattern" || echo scan >>"$failed"; } |
                while IFS= read -r key; do
                    # shellcheck disable=SC2254 # the pattern is a glob on purpose
                    case $key in
                        $pattern) printf '%s\0' "$key" ;;
                    esac
                done |
                { xargs -0 -r -n "$batch" redis-cli -u "$redis_url" --no-auth-warning UNLINK ||
                    echo unlink >>"$failed"; } |
                awk '/^[0-9]+$/ { n += $1; next } { print "UNLINK: " $0 > "/dev/stderr"; bad = 1 }
                     END { print n + 0; exit bad }'
        ) || echo reply >>"$failed"
        echo "removed $removed keys matching $pattern"
        if [ -s "$failed" ]; then
            echo "$me: removing keys matching $pattern failed ($(tr '\n' ' ' <"$failed"))" >&2
            status=1
        fi
        echo "Redis now: $(redis DBSIZE) keys, used memory $(redis INFO memory | tr -d '\r' | sed -n 's/^used_memory_human://p')"
    fi
fi

if [ -n "$cache_dir" ]; then
    case $cache_dir in
        /) echo "$me: CACHE_DIR=/ refused" >&2; exit 2 ;;
        /*) ;;
        *) echo "$me: CACHE_DIR must be absolute, not $cache_dir" >&2; exit 2 ;;
    esac
    if [ ! -d "$cache_dir" ]; then
        echo "$me: cache directory $cache_dir does not exist" >&2
        exit 2
    fi
    count=$(find "$cache_dir" -xdev -type f -mtime +"$max_age" | wc -l)
    size=$(find "$cache_dir" -xdev -type f -mtime +"$max_age" -exec du -k {} + | awk '{ s += $1 } END { print s + 0 }')
    if find "$cache_dir" -xdev -type f -mtime +"$max_age" -exec rm -f {} +; then
        echo "removed $count files ($size KiB) older than $max_age days from $cache_dir"
    else
        echo "$me: some files in $cache_dir could not be removed" >&2
        status=1
    fi
fi
exit $status
