#!/bin/sh
# Backup verification: the newest backup in BACKUP_DIR is recent, not empty,
# readable to its end by its own tool, and matches its checksum file when one
# exists. It reads the backup; it never changes or restores anything. (A
# restore test into a scratch database is the next step up, site-specific.)
#
#   BACKUP_DIR          where backups are written, searched recursively
#                       (default /srv/backups)
#   BACKUP_PATTERN      file name glob of a backup (default "*"; checksum
#                       files *.sha256, *.sha512, *.md5 are never backups)
#   MAX_AGE_HOURS       the newest backup must be younger (default 26: a daily
#                       backup plus slack)
#   MIN_SIZE_BYTES      and at least this big (default 1024)
#   CHECK_INTEGRITY     "yes" (default) tests the archive; "no" checks only age
#                       and size (the morning checklist's quick look)
#
# Integrity by name: .tar.gz/.tgz (tar -tzf), .tar (tar -tf), .gz (gzip -t),
# .bz2, .xz, .zst (their -t), .zip (unzip -tq), .dump/.backup (pg_restore
# --list, PostgreSQL custom format). Checksum: FILE.sha256, .sha512 or .md5,
# either "HASH" alone or "HASH  NAME" as sha256sum writes it.
# Exit: 0 fine, 1 a problem with the backup, 2 cannot run (no directory).
set -eu

me=backup_verify
dir=${BACKUP_DIR:-/srv/backups}
pattern=${BACKUP_PATTERN:-*}
max_age_h=${MAX_AGE_HOURS:-26}
min_size=${MIN_SIZE_BYTES:-1024}
integrity=${CHECK_INTEGRITY:-yes}

if [ ! -d "$dir" ]; then
    echo "$me: backup directory $dir does not exist (set BACKUP_DIR); cannot run" >&2
    exit 2
fi
if [ ! -r "$dir" ] || [ ! -x "$dir" ]; then
    echo "$me: backup directory $dir is not readable by $(id -un); cannot run" >&2
    exit 2
fi

# Newest by modification time. (One path per line: names with a newline are
# not supported.)
newest=
count=0
if ! list=$(find "$dir" -type f -name "$pattern" \
    ! -name '*.sha256' ! -name '*.sha512' ! -name '*.md5' ! -name '*.part' ! -name '*.tmp' 2>/dev/null); then
    echo "note: some directories under $dir could not be read"
fi
while IFS= read -r f; do
    [ -n "$f" ] || continue
    count=$((count + 1))
    # shellcheck disable=SC3013 # dash, bash and busybox sh all have -nt
    if [ -z "$newest" ] || [ "$f" -nt "$newest" ]; then
        newest=$f
    fi
done <<LIST
$list
LIST

if [ -z "$newest" ]; then
    echo "PROBLEM: no backup matching \"$pattern\" in $dir"
    exit 1
fi

problems=0
problem() {
    echo "PROBLEM: $*"
    problems=$((problems + 1))
}

now=$(date +%s)
mtime=$(stat -c %Y "$newest")
size=$(stat -c %s "$newest")
age_min=$(((now - mtime) / 60))
echo "$count backup(s) in $dir; newest: $newest"
echo "  written $(date -d "@$mtime" '+%Y-%m-%d %H:%M %Z' 2>/dev/null || echo "@$mtime")," \
    "$((age_min / 60))h$((age_min % 60))m ago, $size bytes"

if [ $((now - mtime)) -gt $((max_age_h * 3600)) ]; then
    problem "newest backup is older than $max_age_h hours"
fi
if [ "$size" -lt "$min_size" ]; then
    problem "newest backup is smaller than $min_size bytes"
fi

test_with() {
    tool=$1
    shift
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "  integrity: $tool not installed; not tested"
        return 0
    fi
    if out=$("$@" 2>&1 >/dev/null); then
        echo "  integrity: ok ($*)"
    else
        problem "integrity test failed ($*): $(printf '%s\n' "$out" | grep . | head -n 3 | tr '\n' ' ')"
    fi
}

if [ "$integrity" = yes ]; then
    case $newest in
        *.tar.gz | *.tgz) test_with tar tar -tzf "$newest" ;;
        *.tar) test_with tar tar -tf "$newest" ;;
        *.gz) test_with gzip gzip -t "$newest" ;;
        *.bz2) test_with bzip2 bzip2 -t "$newest" ;;
        *.xz) test_with xz xz -t "$newest" ;;
        *.zst) test_with zstd zstd -q -t "$newest" ;;
        *.zip) test_with unzip unzip -tq "$newest" ;;
        *.dump | *.backup) test_with pg_restore pg_restore --list "$newest" ;;
        *) echo "  integrity: no test for this file type" ;;
    esac

    checked=no
    for algo in sha256 sha512 md5; do
        sum=$newest.$algo
        [ -f "$sum" ] || continue
        checked=yes
        expected=$(awk 'NR == 1 { print $1 }' "$sum")
        actual=$("${algo}sum" <"$newest" | awk '{ print $1 }')
        if [ "$expected" = "$actual" ]; then
            echo "  checksum: ok ($algo)"
        else
            problem "$algo checksum does not match $sum"
        fi
    done
    [ "$checked" = yes ] || echo "  checksum: no .sha256/.sha512/.md5 file next to it"
fi

if [ "$problems" -gt 0 ]; then
    echo "$problems problem(s) found"
    exit 1
fi
echo "backup ok"
