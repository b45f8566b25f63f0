#!/bin/sh
# Security scan of this host, read-only: world-writable files and directories
# where they should not be, SUID/SGID programs compared with a baseline,
# failed SSH logins of the past day, and pending security updates (apt).
#
#   SCAN_DIRS             searched for world-writable entries
#                         (default "/etc /usr /opt /srv /var/www")
#   SUID_DIRS             searched for SUID/SGID files (default "/usr /bin /sbin /opt")
#   SUID_BASELINE         the known list; written on the first run and when
#                         SUID_BASELINE_UPDATE=yes (default
#                         $XDG_STATE_HOME/opsdeck/suid-baseline.txt)
#   SSH_FAILED_MAX        more failed SSH logins in 24 h is a problem (default 50)
#   SECURITY_UPDATES_FAIL "yes" (default): a pending security update is a problem
#
# Reading other users' logs needs group adm or systemd-journal; what cannot
# be read is reported as such, not as zero. (Paths with a newline are not
# supported.)
# Exit: 0 nothing found, 1 something found, 2 cannot run.
set -eu
# comm and sort must agree on the order.
LC_ALL=C
export LC_ALL

me=security_scan
scan_dirs=${SCAN_DIRS:-/etc /usr /opt /srv /var/www}
suid_dirs=${SUID_DIRS:-/usr /bin /sbin /opt}
state=${XDG_STATE_HOME:-${HOME:-/tmp}/.local/state}/opsdeck
baseline=${SUID_BASELINE:-$state/suid-baseline.txt}
ssh_max=${SSH_FAILED_MAX:-50}
updates_fail=${SECURITY_UPDATES_FAIL:-yes}
problems=0
problem() {
    echo "PROBLEM: $*"
    problems=$((problems + 1))
}

if ! command -v find >/dev/null 2>&1; then
    echo "$me: find not installed; cannot run" >&2
    exit 2
fi

# Only directories that exist; -xdev keeps each search on its filesystem.
existing() {
    for d in "$@"; do
        [ -d "$d" ] && printf '%s\n' "$d"
    done
    return 0
}

# 1. World-writable files, and world-writable directories without the
# sticky bit (anyone may delete or replace others' files in them).
# shellcheck disable=SC2046,SC2086 # the lists are space-separated on purpose
set -- $(existing $scan_dirs)
if [ $# -gt 0 ]; then
    ww=$(find "$@" -xdev \( -type f -perm -0002 \) -o \
        \( -type d -perm -0002 ! -perm -1000 \) 2>/dev/null || true)
    if [ -n "$ww" ]; then
        problem "$(printf '%s\n' "$ww" | wc -l) world-writable file(s)/dir(s) in $*:"
        printf '%s\n' "$ww" | head -n 50 | sed 's/^/  /'
    else
        echo "world-writable: none in $*"
    fi
fi

# 2. SUID/SGID programs against the baseline.
# shellcheck disable=SC2046,SC2086
set -- $(existing $suid_dirs)
current=$(find "$@" -xdev -type f \( -perm -4000 -o -perm -2000 \) 2>/dev/null | sort -u || true)
echo "SUID/SGID files: $(printf '%s' "$current" | grep -c . || true) in $*"
if [ ! -f "$baseline" ] || [ "${SUID_BASELINE_UPDATE:-no}" = yes ]; then
    mkdir -p "$(dirname "$baseline")"
    printf '%s\n' "$current" >"$baseline"
    echo "  baseline written to $baseline"
else
    new=$(printf '%s\n' "$current" | sort -u | comm -13 "$baseline" - | grep . || true)
    gone=$(printf '%s\n' "$current" | sort -u | comm -23 "$baseline" - | grep . || true)
    if [ -n "$new" ]; then
        problem "SUID/SGID files not in $baseline (check them; then SUID_BASELINE_UPDATE=yes):"
        printf '%s\n' "$new" | sed 's/^/  + /'
    fi
    if [ -n "$gone" ]; then
        echo "  no longer SUID/SGID (fine, e.g. after a package removal):"
        printf '%s\n' "$gone" | sed 's/^/  - /'
    fi
    [ -n "$new$gone" ] || echo "  same as the baseline"
fi

# 3. Failed SSH logins of the past 24 hours.
failed=
pattern='Failed password|Invalid user|authentication failure|Failed publickey'
if command -v journalctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    if journalctl -q -u ssh -u sshd --since -24h -n 1 >/dev/null 2>&1; then
        failed=$(journalctl -q -u ssh -u sshd --since -24h --no-pager 2>/dev/null |
            grep -Ec "$pattern" || true)
        source="the journal"
    fi
fi
if [ -z "$failed" ]; then
    for log in /var/log/auth.log /var/log/secure; do
        if [ -r "$log" ]; then
            # The current file covers about a day with daily rotation.
            failed=$(grep -Ec "sshd.*($pattern)" "$log" || true)
            source=$log
            break
        fi
    done
fi
if [ -z "$failed" ]; then
    echo "failed SSH logins: no readable journal, /var/log/auth.log or /var/log/secure (group adm?)"
else
    echo "failed SSH logins in the past 24 h ($source): $failed"
    if [ "$failed" -gt "$ssh_max" ]; then
        problem "more than $ssh_max failed SSH logins"
    fi
fi

# 4. Pending security updates, from the package lists as they are (updating
# them needs root; apt's own timer does it daily).
if command -v apt-get >/dev/null 2>&1; then
    if sim=$(apt-get -s -o Debug::NoLocking=1 upgrade 2>&1); then
        sec=$(printf '%s\n' "$sim" | grep -E '^Inst .*(-security|Security)' || true)
        if [ -n "$sec" ]; then
            n=$(printf '%s\n' "$sec" | wc -l)
            if [ "$updates_fail" = yes ]; then
                problem "$n pending security update(s):"
            else
                echo "$n pending security update(s):"
            fi
            printf '%s\n' "$sec" | awk '{ print "  " $2 }' | head -n 50
        else
            echo "pending security updates: none (package lists as of the last apt update)"
        fi
    else
        echo "apt-get -s upgrade failed: $(printf '%s' "$sim" | tail -n 1)"
    fi
else
    echo "pending security updates: apt not available; not checked"
fi

if [ "$problems" -gt 0 ]; then
    echo "$problems problem(s) found"
    exit 1
fi
echo "nothing found"
