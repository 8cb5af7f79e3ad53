#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A Debian sid userland with igt-gpu-tools-tests for the guest: IGT 2.5
# needs glibc >= 2.38, newer than Debian 12's. debootstrap it once into
# the cache (from the machine's own mirror), then pack it into a
# read-only ext4 image the guest mounts. Prints the image path.

. "$(dirname "$0")/common.sh"
take_cache_lock

IGT_SUITE=${IGT_SUITE:-sid}
IGT_PKGS=igt-gpu-tools-tests,igt-gpu-tools
root=$SVM_CACHE/igt-root
img=$SVM_CACHE/igt-root.img

if [ ! -f "$root/.complete" ]; then
	uri=$(mirror_uri)
	[ -n "$uri" ] || die "no Debian archive found in this machine's apt configuration"
	log "debootstrap $IGT_SUITE with $IGT_PKGS (from the machine's mirror)"
	rm -rf "$root"
	debootstrap --variant=minbase --include="$IGT_PKGS" \
		"$IGT_SUITE" "$root" "$uri" > "$SVM_CACHE/igt-debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $SVM_CACHE/igt-debootstrap.log"
	rm -rf "$root/var/cache/apt/archives/"*.deb
	chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' \
		igt-gpu-tools-tests libc6 > "$root/.versions"
	touch "$root/.complete"
	rm -f "$img"
fi

if [ ! -f "$img" ]; then
	size=$(( $(du -sm "$root" | cut -f1) * 5 / 4 + 64 ))
	mke2fs -q -t ext4 -L igt -d "$root" "$img.tmp" "${size}M" >&2 ||
		die "could not pack $root into an ext4 image"
	mv "$img.tmp" "$img"
fi
log "IGT userland: $(tr '\n' ' ' < "$root/.versions")"
echo "$img"
