# SPDX-License-Identifier: GPL-2.0
# Shared settings for the build and guest-test harness. Sourced, not run.

set -euo pipefail

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HARNESS_DIR/../.." && pwd)

# Everything downloaded or built lives outside the clone.
SVM_CACHE=${SVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xe-svm}
mkdir -p "$SVM_CACHE"
SVM_CACHE=$(cd "$SVM_CACHE" && pwd)

# The kernel series we build against; the exact Debian version is
# whatever the pinned suite carries and is printed by fetch-source.sh.
KERNEL_SERIES=7.2
KERNEL_PKG=linux-source-$KERNEL_SERIES
KERNEL_SUITES=${KERNEL_SUITES:-"sid trixie-backports"}

SRC_DIR=$SVM_CACHE/src          # pristine upstream tree (read-only use)
TREE_DIR=$SVM_CACHE/tree        # upstream + our overlay
OUT_DIR=$SVM_CACHE/out          # O= build directories, one per flavour
STAMP_DIR=$SVM_CACHE/stamps
mkdir -p "$STAMP_DIR"

JOBS=${JOBS:-$(nproc)}

log() { printf '[harness] %s\n' "$*" >&2; }
die() { printf '[harness] error: %s\n' "$*" >&2; exit 1; }

# Stage timing: stage_begin NAME ... stage_end
stage_begin() { _stage_name=$1; _stage_t0=$(date +%s); log "stage $1: start"; }
stage_end() {
	local t=$(( $(date +%s) - _stage_t0 ))
	log "stage $_stage_name: done in ${t}s"
	echo "$_stage_name $t" >> "$SVM_CACHE/timings.log"
}
