#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run Debian's IGT binaries from the sid userland disk against vxe.
# Usage: run-igt.sh [PARAM=VALUE...] BINARY LIST
# Leading NAME=VALUE arguments are vxe module parameters.
# Each line of LIST is a subtest name (or a wildcard IGT accepts),
# optionally followed by what the subtest must have made vxe do, checked
# from vxe's debugfs counters around it:
#   +vram    data moved into VRAM (gt0/stats svm_device_copy_kb grew)
#   +evict   VRAM was over-subscribed (vram evictions grew)
# Every subtest runs in its own process, as igt_runner does, and is
# reported as TAP: a pass needs exit 0, IGT's "Subtest ...: SUCCESS" line,
# nothing on stderr (igt_runner's "warn") and its expectations met; exit 77
# is a skip (judged by tests/expected-skips); anything else a failure.
# Kernel messages of level err and worse during a subtest (igt_runner's
# dmesg-warn) fail the run through the verdict's /dev/kmsg scan.
# A missing userland, a failed load or unload of vxe ends the group with
# "Bail out!" and a non-zero status, which the verdict counts as failures.
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
	echo "Bail out! no IGT userland: $root$exe missing (IGT disk absent or not mounted)"
	exit 1
fi

for d in dev proc sys tmp; do
	mount -o rbind "/$d" "$root/$d" ||
		{ echo "Bail out! bind-mounting /$d into $root failed"; exit 1; }
done
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/var/tmp" 2>/dev/null

modprobe vxe $params || { echo "Bail out! modprobe vxe$params failed"; exit 1; }

# Per-subtest time limit: svm.igt_timeout= on the kernel command line.
limit=300
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	svm.igt_timeout=*) limit=${arg#svm.igt_timeout=} ;;
	esac
done

# counter FILE KEY: a vxe debugfs counter ("KEY VALUE" or "KEY: VALUE"),
# empty if it cannot be read.
counter() {
	for d in /sys/kernel/debug/dri/*; do
		[ -r "$d/$1" ] || continue
		awk -v k="$2" '$1 == k || $1 == k ":" { print $2; exit }' "$d/$1"
		return
	done
}

# grew WHAT BEFORE AFTER MESSAGE: "; MESSAGE" unless the counter grew.
grew() {
	if [ -z "$2" ] || [ -z "$3" ]; then
		echo "; cannot read $1"
	elif [ "$3" -le "$2" ]; then
		echo "; $4"
	fi
}

n=$(grep -cv '^[[:space:]]*\(#\|$\)' "$list")
echo "TAP version 13"
echo "1..$n"
i=0
grep -v '^[[:space:]]*\(#\|$\)' "$list" | while read -r t expect; do
	i=$((i + 1))
	moved=
	if [ -n "$expect" ]; then
		kb0=$(counter gt0/stats svm_device_copy_kb)
		ev0=$(counter vram evictions)
	fi
	run-limited.sh "$limit" chroot "$root" "$exe" \
		--run-subtest "$t" >/tmp/igt.out 2>/tmp/igt.err </dev/null
	rc=$?
	res=$(grep -E "^Subtest .*: (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)" /tmp/igt.out | tail -n 1)
	res=${res#Subtest }
	if [ -n "$expect" ]; then
		kb1=$(counter gt0/stats svm_device_copy_kb)
		ev1=$(counter vram evictions)
		moved=" [to VRAM $((${kb1:-0} - ${kb0:-0})) KiB, evictions $((${ev1:-0} - ${ev0:-0}))]"
	fi
	unmet=
	for e in $expect; do
		case "$e" in
		+vram) unmet="$unmet$(grew "gt0/stats svm_device_copy_kb" \
			"$kb0" "$kb1" "expected data moved into VRAM, none was")" ;;
		+evict) unmet="$unmet$(grew "vram evictions" "$ev0" "$ev1" \
			"expected VRAM eviction, there was none")" ;;
		*) unmet="$unmet; unknown expectation '$e' in $list" ;;
		esac
	done
	success=
	case "$res" in *": SUCCESS"*) success=1 ;; esac
	if [ $rc -eq 0 ] && [ -n "$success" ] && [ ! -s /tmp/igt.err ] &&
	   [ -z "$unmet" ]; then
		echo "ok $i $bin@$t # $res$moved"
	elif [ $rc -eq 77 ]; then
		why=$(grep -m1 -E "requirement|Requirement" /tmp/igt.out /tmp/igt.err | sed 's/^[^:]*://')
		echo "ok $i $bin@$t # SKIP ${why:-skipped by IGT}"
	else
		sed 's/^/# out: /' /tmp/igt.out | tail -n 20
		sed 's/^/# err: /' /tmp/igt.err | tail -n 20
		if [ $rc -eq 124 ]; then
			res="timed out after ${limit}s"
		elif [ $rc -eq 0 ] && [ -s /tmp/igt.err ]; then
			res="warn: output on stderr"
		elif [ $rc -eq 0 ] && [ -z "$success" ]; then
			res="exit 0 without IGT's SUCCESS line"
		elif [ $rc -eq 0 ]; then
			res="${unmet#; }$moved"
		fi
		echo "not ok $i $bin@$t # rc=$rc ${res:-no result}"
	fi
done

# What VRAM went through over the whole group.
for f in /sys/kernel/debug/dri/*/vram; do
	[ -r "$f" ] && { echo "# vxe vram: $(tr '\n' ' ' < "$f")"; break; }
done
rc=0
modprobe -r vxe || { echo "Bail out! modprobe -r vxe failed"; rc=1; }
for d in var/tmp run tmp sys proc dev; do
	umount -l "$root/$d" 2>/dev/null
done
exit $rc
