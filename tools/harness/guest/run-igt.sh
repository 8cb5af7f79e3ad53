#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run Debian's IGT binaries from the sid userland disk against vxe.
# Usage: run-igt.sh [PARAM=VALUE...] BINARY LIST
# Leading NAME=VALUE arguments are vxe module parameters.
# Each line of LIST is a subtest name (or a wildcard IGT accepts). Every
# subtest runs in its own process, as igt_runner does, and is reported as
# TAP: exit 0 with nothing on stderr is a pass, 77 a skip, anything else
# (including a pass with warnings on stderr, igt_runner's "warn") a failure.
params=
while [ $# -gt 0 ]; do
	case "$1" in
	*=*) params="$params $1"; shift ;;
	*) break ;;
	esac
done
bin=$1
list=$2
root=/igt
exe=/usr/libexec/igt-gpu-tools/$bin

if [ ! -x "$root$exe" ]; then
	echo "1..0 # SKIP no IGT userland disk"
	exit 0
fi

for d in dev proc sys tmp; do
	mount -o rbind "/$d" "$root/$d" || exit 1
done
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/var/tmp" 2>/dev/null

modprobe vxe $params || { echo "1..0 # SKIP modprobe vxe$params failed"; exit 1; }

# Per-subtest time limit: svm.igt_timeout= on the kernel command line.
limit=300
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	svm.igt_timeout=*) limit=${arg#svm.igt_timeout=} ;;
	esac
done

n=$(grep -cv '^[[:space:]]*\(#\|$\)' "$list")
echo "TAP version 13"
echo "1..$n"
i=0
grep -v '^[[:space:]]*\(#\|$\)' "$list" | while read -r t; do
	i=$((i + 1))
	run-limited.sh "$limit" chroot "$root" "$exe" \
		--run-subtest "$t" >/tmp/igt.out 2>/tmp/igt.err </dev/null
	rc=$?
	res=$(grep -E "^Subtest .*: (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)" /tmp/igt.out | tail -n 1)
	if [ $rc -eq 0 ] && [ ! -s /tmp/igt.err ]; then
		echo "ok $i $bin@$t # ${res#Subtest }"
	elif [ $rc -eq 77 ]; then
		why=$(grep -m1 -E "requirement|Requirement" /tmp/igt.out /tmp/igt.err | sed 's/^[^:]*://')
		echo "ok $i $bin@$t # SKIP ${why:-skipped by IGT}"
	else
		sed 's/^/# out: /' /tmp/igt.out | tail -n 20
		sed 's/^/# err: /' /tmp/igt.err | tail -n 20
		[ $rc -eq 0 ] && res="warn: output on stderr"
		[ $rc -eq 124 ] && res="timed out after ${limit}s"
		echo "not ok $i $bin@$t # rc=$rc ${res:-no result}"
	fi
done

# What VRAM went through (evictions show whether it was over-subscribed).
for f in /sys/kernel/debug/dri/*/vram; do
	[ -r "$f" ] && { echo "# vxe vram: $(tr '\n' ' ' < "$f")"; break; }
done
modprobe -r vxe || echo "# modprobe -r vxe failed"
for d in var/tmp run tmp sys proc dev; do
	umount -l "$root/$d" 2>/dev/null
done
exit 0
