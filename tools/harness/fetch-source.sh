#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-7.2 with a private apt state under the cache
# and extract it into $SRC_DIR. The mirror is the one the machine's own apt
# configuration uses for Debian's main archive; only the suite changes.
# Prints the exact package version used.

. "$(dirname "$0")/common.sh"
take_cache_lock

# Highest linux-source-7.2 version in the private lists.
pick_version() {
	apt-cache "${APT_OPTS[@]}" madison "$KERNEL_PKG" 2>/dev/null |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		grep "^$KERNEL_SERIES\." | sort -V | tail -n 1
}

version=""
if [ -f "$SRC_DIR/.debian-version" ] && [ -f "$SRC_DIR/Makefile" ]; then
	version=$(cat "$SRC_DIR/.debian-version")
	log "kernel source: $KERNEL_PKG $version (cached in $SRC_DIR)"
	echo "$version"
	exit 0
fi

stage_begin index
apt_private_update
stage_end
version=$(pick_version)
[ -n "$version" ] || die "no $KERNEL_PKG $KERNEL_SERIES.x package in suites '$KERNEL_SUITES' of the machine's Debian mirror"
log "kernel source: $KERNEL_PKG $version"

stage_begin download
deb=$(ls "$APT_DIR/debs/${KERNEL_PKG}_${version}_"*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	(cd "$APT_DIR/debs" && apt-get "${APT_OPTS[@]}" -qq download "$KERNEL_PKG=$version") ||
		die "download of $KERNEL_PKG=$version failed"
	deb=$(ls "$APT_DIR/debs/${KERNEL_PKG}_${version}_"*.deb | head -n 1)
fi

stage_end

# Unpack: the .deb carries /usr/src/linux-source-7.2.tar.xz.
stage_begin extract
tmp=$SVM_CACHE/src.tmp
rm -rf "$tmp" && mkdir -p "$tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*.tar.xz'
tarball=$(find "$tmp" -name "linux-source-$KERNEL_SERIES.tar.xz" | head -n 1)
[ -n "$tarball" ] || die "$deb holds no linux-source-$KERNEL_SERIES.tar.xz"
mkdir -p "$tmp/x"
tar -xJf "$tarball" -C "$tmp/x"
top=$(find "$tmp/x" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -f "$top/Makefile" ] || die "unexpected tarball layout in $deb"
echo "$version" > "$top/.debian-version"
rm -rf "$SRC_DIR"
mv "$top" "$SRC_DIR"
rm -rf "$tmp"
stage_end
echo "$version"
