#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run a command in a session of its own with a time limit, and leave
# nothing of it behind.
# Usage: run-limited.sh SECONDS CMD [ARGS...]
# At the limit the whole process group is killed (a test's forked
# children included, which timeout(1) would miss and leave writing into
# the next test's output); two seconds before, the state and kernel stack
# of every process in the group go to the kernel log. Whatever of the
# group outlives its leader is killed too. Exits with CMD's status, or 124
# after a timeout (as timeout(1) does).
limit=$1
shift

# Members of the group: field 5 of /proc/PID/stat (this busybox has no
# pgrep).
group_pids() {
	for d in /proc/[0-9]*; do
		{ read -r stat < "$d/stat"; } 2>/dev/null || continue
		# shellcheck disable=SC2086
		set -- ${stat##*) }
		[ "$3" = "$pid" ] && echo "${d#/proc/}"
	done
}

# From a background job of a non-interactive shell, setsid(1) does not
# fork, so the group id is the pid the shell reports.
setsid "$@" &
pid=$!
flag=/tmp/run-limited.$pid

(
	t=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		if [ $t -eq $((limit - 2)) ]; then
			for p in $(group_pids); do
				echo "svm-harness: $* still running: pid $p $(grep State /proc/$p/status)" >/dev/kmsg
				sed 's/^/svm-harness:   /' /proc/$p/stack >/dev/kmsg 2>/dev/null
			done
		fi
		if [ $t -ge "$limit" ]; then
			: > "$flag"
			kill -KILL -- -"$pid" 2>/dev/null
			break
		fi
	done
) &
watchdog=$!

wait $pid
rc=$?
kill -KILL -- -"$pid" 2>/dev/null
# Not waiting for the watchdog's next tick costs every command up to 1 s.
kill $watchdog 2>/dev/null
wait $watchdog 2>/dev/null
if [ -e "$flag" ]; then
	rm -f "$flag"
	rc=124
fi
exit $rc
