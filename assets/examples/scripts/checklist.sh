#!/bin/sh
# The ops manual's morning checklist, one check per run so each is its own
# task (and its own line in the Tasks pane):
#
#   checklist.sh disk            filesystems over DISK_MAX_PCT used (default 85)
#   checklist.sh services        failed systemd units
#   checklist.sh errors          error lines in the logs since ERRORS_SINCE
#                                (default 24 h); more than ERRORS_MAX (default
#                                100) is a problem
#   checklist.sh certs FILE...   PEM certificates expiring within WARN_DAYS
#                                (default 21) days
# (The last backup's age is backup_verify.sh with CHECK_INTEGRITY=no.)
#
# Read-only, no root needed. A tool that is missing (systemctl, openssl) or a
# host without systemd is "skipped" with exit 0: nothing to check there.
# Exit: 0 fine, 1 a problem found, 2 cannot run.
set -eu

me="checklist ${1:-}"

disk() {
    max=${DISK_MAX_PCT:-85}
    # -P: one line per filesystem; pseudo filesystems left out.
    df -P -x tmpfs -x devtmpfs -x squashfs | awk -v max="$max" '
        NR == 1 { next }
        { use = $5; sub("%", "", use); printf "%4d%%  %s\n", use, $6 }
        use + 0 >= max { bad++ ; full = full " " $6 }
        END {
            if (bad) { print "PROBLEM: over " max "% used:" full; exit 1 }
            print "all filesystems under " max "% used"
        }'
}

services() {
    if ! command -v systemctl >/dev/null 2>&1; then
        echo "systemctl not installed; skipped"
        return 0
    fi
    # systemd is PID 1 exactly when this directory exists (sd_booted).
    if [ ! -d /run/systemd/system ]; then
        echo "systemd is not running here; skipped"
        return 0
    fi
    if ! failed=$(systemctl --failed --no-legend --plain --no-pager); then
        echo "$me: systemctl --failed did not work" >&2
        return 2
    fi
    if [ -z "$failed" ]; then
        echo "no failed units"
        return 0
    fi
    echo "PROBLEM: failed units:"
    printf '%s\n' "$failed"
    return 1
}

errors() {
    since=${ERRORS_SINCE:-24h}
    max=${ERRORS_MAX:-100}
    if command -v journalctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        if ! lines=$(journalctl -q --priority err --since "-$since" --no-pager --output short-iso); then
            echo "$me: journalctl failed" >&2
            return 2
        fi
        source="the journal (priority err and worse)"
    else
        log=
        for f in /var/log/syslog /var/log/messages; do
            if [ -r "$f" ]; then log=$f; break; fi
        done
        if [ -z "$log" ]; then
            echo "no journal and no readable /var/log/syslog or /var/log/messages; skipped"
            return 0
        fi
        # No timestamps to filter on portably: the last 50000 lines.
        lines=$(tail -n 50000 "$log" | grep -Ei 'error|crit|alert|emerg' || true)
        source="the last 50000 lines of $log"
    fi
    n=$(printf '%s' "$lines" | grep -c . || true)
    echo "$n error line(s) in $source, the last 20:"
    printf '%s\n' "$lines" | tail -n 20
    if [ "$n" -gt "$max" ]; then
        echo "PROBLEM: more than $max error lines"
        return 1
    fi
}

certs() {
    if ! command -v openssl >/dev/null 2>&1; then
        echo "openssl not installed; skipped"
        return 0
    fi
    if [ $# -eq 0 ]; then
        echo "$me: no certificate file given" >&2
        return 2
    fi
    days=${WARN_DAYS:-21}
    status=0
    for cert in "$@"; do
        if ! end=$(openssl x509 -noout -enddate -in "$cert" 2>/dev/null); then
            echo "PROBLEM: $cert: cannot read it as a PEM certificate"
            status=1
            continue
        fi
        end=${end#notAfter=}
        if openssl x509 -noout -checkend $((days * 86400)) -in "$cert" >/dev/null; then
            echo "$cert: ok, valid until $end"
        else
            echo "PROBLEM: $cert expires within $days days ($end)"
            status=1
        fi
    done
    return "$status"
}

check=${1:-}
[ $# -gt 0 ] && shift
# `|| status=$?`: set -e must not end the script before the exit code.
status=0
case $check in
    disk) disk || status=$? ;;
    services) services || status=$? ;;
    errors) errors || status=$? ;;
    certs) certs "$@" || status=$? ;;
    *)
        echo "usage: checklist.sh disk | services | errors | certs FILE..." >&2
        exit 2
        ;;
esac
exit $status
