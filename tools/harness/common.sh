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

# Private apt state under the cache: Debian's packages by name, with the
# machine's own mirror and the suites we ask for; the system's apt
# configuration is never touched.
APT_DIR=$SVM_CACHE/apt
mkdir -p "$APT_DIR"/{etc,lists/partial,cache/archives/partial,debs}
touch "$APT_DIR/status"
APT_OPTS=(
	-o "Dir::Etc::SourceList=$APT_DIR/etc/sources.list"
	-o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$APT_DIR/lists"
	-o "Dir::State::status=$APT_DIR/status"
	-o "Dir::Cache=$APT_DIR/cache"
	-o "Debug::NoLocking=1"
	-o "APT::Get::List-Cleanup=0"
	-o "APT::Sandbox::User=root"
)

# The main Debian archive as the machine's apt knows it (deb822 or
# one-line format alike), excluding the security archive.
mirror_uri() {
	apt-get indextargets --format '$(REPO_URI)|$(LABEL)' 2>/dev/null |
		awk -F'|' '$2 == "Debian" { print $1; exit }'
}

# apt_private_update: write the private sources list (binary and source
# packages of $KERNEL_SUITES from the machine's mirror) and refresh its
# index at most once a day.
apt_private_update() {
	local uri list=$APT_DIR/etc/sources.list.new s
	uri=$(mirror_uri)
	[ -n "$uri" ] || die "no Debian archive found in this machine's apt configuration"
	: > "$list"
	for s in $KERNEL_SUITES; do
		echo "deb $uri $s main" >> "$list"
		echo "deb-src $uri $s main" >> "$list"
	done
	if ! cmp -s "$list" "$APT_DIR/etc/sources.list"; then
		mv "$list" "$APT_DIR/etc/sources.list"
		rm -f "$APT_DIR/updated"
	else
		rm -f "$list"
	fi
	if [ -z "$(find "$APT_DIR/updated" -mmin -1440 2>/dev/null)" ]; then
		log "updating private apt index (suites: $KERNEL_SUITES)"
		apt-get "${APT_OPTS[@]}" -qq update >&2 ||
			die "apt-get update of the private index failed"
		touch "$APT_DIR/updated"
	fi
}

log() { printf '[harness] %s\n' "$*" >&2; }
die() { printf '[harness] error: %s\n' "$*" >&2; exit 1; }

# Stage timing: stage_begin NAME ... stage_end
stage_begin() { _stage_name=$1; _stage_t0=$(date +%s); log "stage $1: start"; }
stage_end() {
	local t=$(( $(date +%s) - _stage_t0 ))
	log "stage $_stage_name: done in ${t}s"
	echo "$_stage_name $t" >> "$SVM_CACHE/timings.log"
}

# One pipeline at a time per cache: the kernel tree, the O= directories and
# the run directories are shared, and two runs interleaving in them (a CI
# run next to a developer's, say) corrupt each other. Scripts that write to
# the cache call this; the lock is taken once and inherited (fd 9) by the
# scripts they call.
take_cache_lock() {
	[ -n "${SVM_LOCKED:-}" ] && return 0
	exec 9>>"$SVM_CACHE/lock"
	if ! flock -n 9; then
		log "another run holds $SVM_CACHE/lock; waiting for it"
		flock 9
	fi
	export SVM_LOCKED=1
}
