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
# Consecutive subtests without expectations share an IGT process (up to
# batch_max; see batch_run), two such processes run at once (flush), one
# that has expectations runs alone, and any a batch cannot judge one by
# one runs again alone, as igt_runner runs every subtest. Each is
# reported as TAP: a pass needs IGT's "Subtest ...: SUCCESS" line, nothing
# on stderr (igt_runner's "warn"), a passing exit status and its
# expectations met; a skip (exit 77, or IGT's SKIP line in a batch) is
# judged by tests/expected-skips; anything else fails.
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

# Per-subtest time limit and how many batches run at once (see flush):
# svm.igt_timeout= and svm.igt_jobs= on the kernel command line.
limit=300
jobs=2
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	svm.igt_timeout=*) limit=${arg#svm.igt_timeout=} ;;
	svm.igt_jobs=*) jobs=${arg#svm.igt_jobs=} ;;
	esac
done
tmp=$(mktemp -d /tmp/igt.XXXXXX)

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

# IGT's "Test requirement: ..." line of a skip, from stdin.
skip_reason() {
	sed -n 's/^Test requirement: //p' | head -n 1
}

# run_one NUM SUBTEST EXPECT: one subtest in a process of its own, as
# igt_runner runs it, and its TAP line.
run_one() {
	local num=$1 t=$2 expect=$3 moved= kb0 ev0 kb1 ev1 rc res unmet e success why
	if [ -n "$expect" ]; then
		kb0=$(counter gt0/stats svm_device_copy_kb)
		ev0=$(counter vram evictions)
	fi
	run-limited.sh "$limit" chroot "$root" "$exe" \
		--run-subtest "$t" >"$tmp/one.out" 2>"$tmp/one.err" </dev/null
	rc=$?
	res=$(grep -E "^Subtest .*: (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)" "$tmp/one.out" | tail -n 1)
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
	if [ $rc -eq 0 ] && [ -n "$success" ] && [ ! -s "$tmp/one.err" ] &&
	   [ -z "$unmet" ]; then
		echo "ok $num $bin@$t # $res$moved"
	elif [ $rc -eq 77 ]; then
		why=$(cat "$tmp/one.out" "$tmp/one.err" | skip_reason)
		echo "ok $num $bin@$t # SKIP ${why:-skipped by IGT}"
	else
		sed 's/^/# out: /' "$tmp/one.out" | tail -n 20
		sed 's/^/# err: /' "$tmp/one.err" | tail -n 20
		if [ $rc -eq 124 ]; then
			res="timed out after ${limit}s"
		elif [ $rc -eq 0 ] && [ -s "$tmp/one.err" ]; then
			res="warn: output on stderr"
		elif [ $rc -eq 0 ] && [ -z "$success" ]; then
			res="exit 0 without IGT's SUCCESS line"
		elif [ $rc -eq 0 ]; then
			res="${unmet#; }$moved"
		fi
		echo "not ok $num $bin@$t # rc=$rc ${res:-no result}"
	fi
}

# batch_run FILE: the subtests FILE lists ("NUM SUBTEST" lines; none with
# expectations) in one IGT process, which runs a comma-separated
# --run-subtest list in order. This saves the start of an IGT process per
# subtest, which under TCG with KASAN takes seconds, longer than most
# subtests. Its output goes to FILE.out and FILE.err, its status to
# FILE.rc.
batch_run() {
	local count names
	count=$(wc -l < "$1")
	names=$(awk '{ printf "%s%s", (NR > 1 ? "," : ""), $2 }' "$1")
	run-limited.sh $((limit * count)) chroot "$root" "$exe" \
		--run-subtest "$names" >"$1.out" 2>"$1.err" </dev/null
	echo $? > "$1.rc"
}

# worker: run the batches no other worker has claimed (mkdir is atomic),
# in order, until none is left.
worker() {
	local j
	for j in "$tmp"/batch.???; do
		mkdir "$j.claim" 2>/dev/null || continue
		batch_run "$j"
	done
}

# batch_judge FILE: the TAP lines of a finished batch, from IGT's own
# "Starting subtest:" ... "Subtest NAME: RESULT" output. Where the batch
# cannot be judged subtest by subtest, its subtests run again one by one
# (run_one): output on stderr (a warning, which belongs to one of them),
# an exit status other than pass (0), skip (77), fail (98) or a timeout;
# and the subtests a crash or the timeout left without a result.
batch_judge() {
	local count brc status num t res why
	count=$(wc -l < "$1")
	brc=$(cat "$1.rc")
	status=$brc
	case "$brc" in 0|77|98|124) ;; *) brc=alone ;; esac
	[ -s "$1.err" ] && brc=alone
	if [ "$brc" = alone ]; then
		echo "# a batch of $count subtests cannot be judged one by one (status $status, stderr $(wc -c < "$1.err") bytes): running each alone"
		while read -r num t; do
			run_one "$num" "$t" ""
		done < "$1"
		return
	fi
	while read -r num t; do
		awk -v t="$t" '$0 == "Starting subtest: " t { on = 1 }
			on { print }
			on && index($0, "Subtest " t ": ") == 1 { exit }' \
			"$1.out" > "$tmp/seg"
		res=$(grep -E "^Subtest $t: (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)" "$tmp/seg" | tail -n 1)
		res=${res#Subtest }
		case "$res" in
		*": SUCCESS"*)
			echo "ok $num $bin@$t # $res" ;;
		*": SKIP"*)
			why=$(skip_reason < "$tmp/seg")
			echo "ok $num $bin@$t # SKIP ${why:-skipped by IGT}" ;;
		"")
			echo "# $bin@$t: no result in its batch (status $brc): running it alone"
			run_one "$num" "$t" "" ;;
		*)
			sed 's/^/# out: /' "$tmp/seg" | tail -n 20
			echo "not ok $num $bin@$t # $res (in a batch of $count)" ;;
		esac
	done < "$1"
}

# flush: the pending subtests ($tmp/pending), in batches of batch_max,
# run by $jobs workers at once, then judged in order. Most subtests keep
# one guest CPU busy (the test waits while vxe's GPU and fault worker
# run), so two workers nearly halve a group's time under TCG; a worker
# takes the next batch when its own ends, so a batch of long subtests
# does not hold the other worker up. igt_runner runs one subtest at a
# time, but each has its own DRM file, VM and memory; those whose check
# reads device-wide counters run alone.
flush() {
	local j w
	[ -s "$tmp/pending" ] || return 0
	rm -rf "$tmp"/batch.*
	awk -v n="$batch_max" -v d="$tmp" \
		'{ print > sprintf("%s/batch.%03d", d, int((NR - 1) / n)) }' \
		"$tmp/pending"
	w=0
	while [ $w -lt "$jobs" ]; do
		worker &
		w=$((w + 1))
	done
	wait
	for j in "$tmp"/batch.???; do
		batch_judge "$j"
	done
	: > "$tmp/pending"
}

# At most this many subtests share a process.
batch_max=12

n=$(grep -cv '^[[:space:]]*\(#\|$\)' "$list")
echo "TAP version 13"
echo "1..$n"
: > "$tmp/pending"
i=0
grep -v '^[[:space:]]*\(#\|$\)' "$list" > "$tmp/lines"
while read -r t expect; do
	i=$((i + 1))
	if [ -z "$expect" ]; then
		echo "$i $t" >> "$tmp/pending"
		continue
	fi
	# Expectations are read around one subtest: it runs alone.
	flush
	run_one "$i" "$t" "$expect"
done < "$tmp/lines"
flush

# What VRAM went through over the whole group.
for f in /sys/kernel/debug/dri/*/vram; do
	[ -r "$f" ] && { echo "# vxe vram: $(tr '\n' ' ' < "$f")"; break; }
done
rc=0
modprobe -r vxe || { echo "Bail out! modprobe -r vxe failed"; rc=1; }
for d in var/tmp run tmp sys proc dev; do
	umount -l "$root/$d" 2>/dev/null
done
rm -rf "$tmp"
exit $rc
