#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the static userspace test programs that go into the guest.
# Usage: build-userspace.sh FLAVOUR   (uses that kernel's exported headers)

. "$(dirname "$0")/common.sh"
take_cache_lock

flavour=${1:?usage: build-userspace.sh debug|bench}
kout=$OUT_DIR/$flavour
bin=$OUT_DIR/userspace
mkdir -p "$bin"

make -s -C "$TREE_DIR" O="$kout" headers_install >/dev/null
hdr=$kout/usr/include

CFLAGS=(-O2 -g -static -Wall -isystem "$hdr")
sel=$TREE_DIR/tools/testing/selftests

# build OUT SRC... : relink only when a source or header is newer.
build() {
	local out=$1; shift
	if [ -f "$out" ] && [ -z "$(find "$@" "$hdr" -newer "$out" -print -quit)" ]; then
		return 0
	fi
	log "cc $(basename "$out")"
	local srcs=()
	for f in "$@"; do
		case "$f" in *.c) srcs+=("$f") ;; esac
	done
	gcc "${CFLAGS[@]}" "${EXTRA_CFLAGS[@]}" -o "$out.tmp" "${srcs[@]}" \
		-lpthread -lrt -lm
	mv "$out.tmp" "$out"
}

# Upstream HMM selftest against lib/test_hmm.ko.
EXTRA_CFLAGS=(-I "$sel" -I "$sel/mm" -I "$TREE_DIR" -I "$TREE_DIR/tools/include/uapi" -w)
build "$bin/hmm-tests" "$sel/mm/hmm-tests.c" "$sel/mm/vm_util.c" "$sel/mm/hugepage_settings.c"

# Our own tests on the xe uAPI: every tests/xe_svm/xe_svm_*.c but the
# library is a program linked with the library.
EXTRA_CFLAGS=(-Wextra -I "$REPO_DIR/tests/xe_svm")
for src in "$REPO_DIR"/tests/xe_svm/xe_svm_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	[ "$name" = xe_svm_lib ] && continue
	build "$bin/$name" "$src" "$REPO_DIR/tests/xe_svm/xe_svm_lib.c" \
		"$REPO_DIR/tests/xe_svm/xe_svm_lib.h"
done
