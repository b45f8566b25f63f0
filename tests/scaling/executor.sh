#!/usr/bin/env bash
# Scales a test pool of worker processes: `executor.sh DIR N`.
#
# DIR/ports lists the pool's slots, one port per line, in order. Afterwards
# exactly the first N slots run a worker (`python3 worker.py PORT DIR`, next
# to this script) and the others run none:
# - a slot below N without a live worker gets one, started with `setsid` in a
#   session of its own, stdin from /dev/null and output to
#   DIR/worker-PORT.log, so it outlives this script and its process group and
#   holds none of its pipes; its pid goes to DIR/worker-PORT.pid;
# - a slot at N or above with a live worker has it stopped (SIGTERM, SIGKILL
#   after 2 s) and its pid file removed.
# Then N goes to DIR/replicas (written to a temporary file and renamed), and
# once each started worker's port accepts connections (up to 3 s) it prints
# `scaled to N (started S, stopped T)`. The same N twice starts nothing.
#
# Exit status: 0 done; 2 bad arguments (N not a non-negative integer, above
# the number of slots, or DIR without a `ports` file); 1 a worker exited
# before it listened. `$PYTHON` overrides `python3`.
set -euo pipefail

die() {
	local status=$1
	shift
	echo "executor.sh: $*" >&2
	exit "$status"
}

[[ $# -eq 2 ]] || die 2 "usage: executor.sh DIR N (got $# arguments)"
dir=$1
n=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
worker="$here/worker.py"
python=${PYTHON:-python3}

[[ -d $dir ]] || die 2 "no such folder: $dir"
[[ -r $dir/ports ]] || die 2 "$dir has no ports file"
dir=$(cd "$dir" && pwd)

ports=()
while IFS= read -r line || [[ -n $line ]]; do
	line=${line//[[:space:]]/}
	[[ -z $line ]] && continue
	[[ $line =~ ^[0-9]{1,5}$ ]] || die 2 "$dir/ports: not a port: '$line'"
	ports+=("$line")
done <"$dir/ports"
slots=${#ports[@]}

[[ $n =~ ^[0-9]+$ ]] || die 2 "the replica count must be a non-negative integer, got '$n'"
if ((${#n} > 9)); then
	die 2 "$n replicas asked, but the pool has only $slots slots"
fi
n=$((10#$n))
((n <= slots)) || die 2 "$n replicas asked, but the pool has only $slots slots"

# One executor at a time per pool; the workers must not inherit the lock.
exec 9>"$dir/executor.lock"
flock -w 30 9 || die 1 "another executor.sh holds $dir/executor.lock"

# Whether PID exists and has not exited (a zombie has).
running() {
	local stat
	if [[ -r /proc/$1/stat ]]; then
		stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
		stat=${stat##*) }
		[[ ${stat:0:1} != [ZX] ]]
	else
		kill -0 "$1" 2>/dev/null
	fi
}

# Whether PID is still this pool's worker for PORT (not a reused pid).
is_worker() {
	local cmdline
	running "$1" || return 1
	[[ -r /proc/$1/cmdline ]] || return 0
	cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *"worker.py $2 $dir"* ]]
}

# The pid in PORT's pid file, or nothing.
pid_of() {
	local pid=""
	[[ -r $dir/worker-$1.pid ]] && pid=$(<"$dir/worker-$1.pid")
	[[ $pid =~ ^[0-9]+$ ]] && echo "$pid"
	return 0
}

# Stop the workers at slot N and above.
stopped=0
stopping=()
for ((i = n; i < slots; i++)); do
	port=${ports[i]}
	pid=$(pid_of "$port")
	if [[ -n $pid ]] && is_worker "$pid" "$port"; then
		kill -TERM "$pid" 2>/dev/null || true
		stopping+=("$pid:$port")
		stopped=$((stopped + 1))
	else
		rm -f "$dir/worker-$port.pid"
	fi
done
for ((round = 0; round < 40 && ${#stopping[@]} > 0; round++)); do
	still=()
	for entry in "${stopping[@]}"; do
		if running "${entry%%:*}"; then
			still+=("$entry")
		else
			rm -f "$dir/worker-${entry#*:}.pid"
		fi
	done
	stopping=("${still[@]}")
	((${#stopping[@]} == 0)) || sleep 0.05
done
for entry in "${stopping[@]}"; do
	kill -KILL "${entry%%:*}" 2>/dev/null || true
	rm -f "$dir/worker-${entry#*:}.pid"
done

# Start a worker in each of the first N slots that lacks one.
started=0
starting=()
for ((i = 0; i < n; i++)); do
	port=${ports[i]}
	pid=$(pid_of "$port")
	if [[ -n $pid ]] && is_worker "$pid" "$port"; then
		continue
	fi
	# Not a process group leader (no job control here), so setsid execs the
	# worker in place and $! is its pid.
	setsid "$python" "$worker" "$port" "$dir" </dev/null >>"$dir/worker-$port.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$dir/worker-$port.pid.tmp"
	mv -f "$dir/worker-$port.pid.tmp" "$dir/worker-$port.pid"
	starting+=("$pid:$port")
	started=$((started + 1))
done

printf '%s\n' "$n" >"$dir/replicas.tmp.$$"
mv -f "$dir/replicas.tmp.$$" "$dir/replicas"

# Wait (3 s) until each started worker's port accepts connections.
failed=0
for ((round = 0; round < 60 && ${#starting[@]} > 0; round++)); do
	still=()
	for entry in "${starting[@]}"; do
		pid=${entry%%:*}
		port=${entry#*:}
		if ! running "$pid"; then
			echo "executor.sh: the worker for port $port (pid $pid) exited before it listened;" \
				"the end of $dir/worker-$port.log:" >&2
			tail -n 5 "$dir/worker-$port.log" >&2 || true
			rm -f "$dir/worker-$port.pid"
			failed=1
		elif ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			still+=("$entry")
		fi
	done
	starting=("${still[@]}")
	((${#starting[@]} == 0)) || sleep 0.05
done
for entry in "${starting[@]}"; do
	echo "executor.sh: warning: the worker for port ${entry#*:} (pid ${entry%%:*})" \
		"does not accept connections yet" >&2
done
((failed == 0)) || exit 1

echo "scaled to $n (started $started, stopped $stopped)"
