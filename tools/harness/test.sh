#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole pipeline behind 'make test', 'make run', 'make bench',
# 'make soak' and 'make shell': host packages, kernel source, overlay,
# config, build, guest, verdict.
# Usage: test.sh test|run|bench|soak|shell
# soak: SOAK_MINUTES (default 20) of xe_svm_soak on the debug kernel,
# SOAK_SEED to replay a run; judged like make test.

. "$(dirname "$0")/common.sh"
take_cache_lock

mode=${1:-test}
case "$mode" in
test|shell|soak) flavour=debug ;;
run) flavour=${RUN_FLAVOUR:-bench} ;;
bench) flavour=bench ;;
*) die "usage: test.sh test|run|bench|soak|shell" ;;
esac
: > "$SVM_CACHE/timings.log"
t_start=$(date +%s)

stage_begin deps;    "$HARNESS_DIR/deps.sh";    stage_end
"$HARNESS_DIR/fetch-source.sh" >/dev/null
stage_begin overlay; "$HARNESS_DIR/prepare-tree.sh"; stage_end
"$HARNESS_DIR/build-kernel.sh" "$flavour"
stage_begin userspace; "$HARNESS_DIR/build-userspace.sh" "$flavour"; stage_end
if [ "$mode" = test ] || [ "$mode" = shell ]; then
	stage_begin igt-userland
	IGT_IMAGE=$("$HARNESS_DIR/igt-rootfs.sh")
	export IGT_IMAGE
	stage_end
fi

export RUN_DIR=$SVM_CACHE/runs/$flavour-$mode
rc=0
case "$mode" in
shell)
	exec "$HARNESS_DIR/run-guest.sh" "$flavour" shell "$REPO_DIR/tests/suite.list"
	;;
soak)
	minutes=${SOAK_MINUTES:-20}
	case "$minutes" in ''|*[!0-9]*) die "SOAK_MINUTES must be a number of minutes" ;; esac
	mkdir -p "$RUN_DIR"
	suite=$RUN_DIR/soak.list
	{
		echo "# make soak: $minutes minutes, 16 MiB of VRAM (4x over-subscribed)"
		echo "kselftest xe_svm_soak run-vxe.sh vram_mb=16 xe_svm_soak --minutes $minutes${SOAK_SEED:+ --seed $SOAK_SEED}"
	} > "$suite"
	stage_begin guest
	STEP_TIMEOUT=$((minutes * 60 + 900)) GUEST_TIMEOUT=$((minutes * 60 + 1500)) \
		"$HARNESS_DIR/run-guest.sh" "$flavour" test "$suite" || true
	stage_end
	stage_begin verdict
	set +e
	"$HARNESS_DIR/results.py" --kmsg-allow "$REPO_DIR/tests/kernel-log-allow" \
		--suite "$suite" ${VERBOSE:+--verbose} "$RUN_DIR/results.log" \
		"$RUN_DIR/console.log" | tee "$RUN_DIR/verdict.txt"
	rc=${PIPESTATUS[0]}
	set -e
	stage_end
	;;
test)
	stage_begin check
	checks=()
	"$HARNESS_DIR/check.sh" "$flavour" > "$SVM_CACHE/check.log" 2>&1 ||
		checks=(--fail "static checks: $(tail -n 1 "$SVM_CACHE/check.log")")
	cat "$SVM_CACHE/check.log"
	stage_end
	stage_begin guest
	"$HARNESS_DIR/run-guest.sh" "$flavour" test "$REPO_DIR/tests/suite.list" || true
	stage_end
	stage_begin verdict
	set +e
	"$HARNESS_DIR/results.py" --known "$REPO_DIR/tests/known-failures" \
		--skips "$REPO_DIR/tests/expected-skips" \
		--kmsg-allow "$REPO_DIR/tests/kernel-log-allow" \
		--suite "$REPO_DIR/tests/suite.list" \
		${VERBOSE:+--verbose} "${checks[@]}" "$RUN_DIR/results.log" \
		"$RUN_DIR/console.log" | tee "$RUN_DIR/verdict.txt"
	rc=${PIPESTATUS[0]}
	set -e
	stage_end
	;;
run)
	stage_begin guest
	"$HARNESS_DIR/run-guest.sh" "$flavour" run || true
	stage_end
	sed -n '/^@@@ DEMO/,/^@@@ END DEMO/p' "$RUN_DIR/results.log" | grep -v '^@@@' || true
	grep -q '^@@@ DONE' "$RUN_DIR/results.log" || { log "demo did not finish"; rc=1; }
	;;
bench)
	stage_begin guest
	"$HARNESS_DIR/run-guest.sh" "$flavour" bench || true
	stage_end
	log "guest accel: $(cat "$RUN_DIR/accel")"
	"$HARNESS_DIR/bench.py" "$RUN_DIR/results.log" | tee "$RUN_DIR/bench.txt" || rc=1
	grep -q '^@@@ DONE' "$RUN_DIR/results.log" || { log "bench did not finish"; rc=1; }
	;;
esac

log "stage timings (s): $(tr '\n' ' ' < "$SVM_CACHE/timings.log")total $(( $(date +%s) - t_start ))"
log "logs: $RUN_DIR"
# The verdict is the last line, for whoever reads only that.
case "$mode" in test|soak) tail -n 1 "$RUN_DIR/verdict.txt" ;; esac
exit $rc
