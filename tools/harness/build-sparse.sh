#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Linux 7.2 needs a sparse that knows __typeof_unqual__; Debian 12's
# 0.6.4 does not (the kernel then silently skips C=1/C=2). Build sparse
# from the source package of the suite we take the kernel from, into
# $SVM_CACHE/tools/bin/sparse. Prints the path.

. "$(dirname "$0")/common.sh"

bin=$SVM_CACHE/tools/bin/sparse
valid() { [ "$(sh "$SRC_DIR/scripts/checker-valid.sh" "$1" -m64 2>/dev/null)" = 1 ]; }

if [ -x "$bin" ] && valid "$bin"; then
	echo "$bin"
	exit 0
fi
if command -v sparse >/dev/null && valid "$(command -v sparse)"; then
	command -v sparse
	exit 0
fi

apt_private_update
work=$SVM_CACHE/tools/sparse-src
rm -rf "$work" && mkdir -p "$work"
(cd "$work" && apt-get "${APT_OPTS[@]}" -qq --download-only source sparse >&2) ||
	die "could not fetch Debian's sparse source package"
tar -xzf "$work"/sparse_*.orig.tar.* -C "$work" 2>/dev/null ||
	tar -xf "$work"/sparse_*.orig.tar.* -C "$work"
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
log "building sparse from $(basename "$work"/sparse_*.dsc .dsc)"
make -s -C "$dir" -j"$JOBS" sparse HAVE_LIBXML=no HAVE_LLVM=no \
	HAVE_SQLITE=no HAVE_GTK=no >/dev/null 2>&1 || die "sparse build failed"
mkdir -p "$(dirname "$bin")"
install -m 0755 "$dir/sparse" "$bin"
valid "$bin" || die "the sparse built from Debian's source cannot check Linux $KERNEL_SERIES"
echo "$bin"
