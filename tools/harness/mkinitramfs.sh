#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Pack the guest's initramfs: busybox, our init, the flavour's modules,
# the test programs and the suite list.
# Usage: mkinitramfs.sh FLAVOUR SUITE_LIST OUTPUT

. "$(dirname "$0")/common.sh"

flavour=$1 suite=$2 output=$3
kout=$OUT_DIR/$flavour
root=$OUT_DIR/initramfs-$flavour
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/modules,opt/tests,root}

cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
{ ldd /bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' ||
	die "/bin/busybox is not static (install busybox-static)"
install -m 0755 "$HARNESS_DIR/guest/init" "$root/init"
cp -a "$kout/modroot/lib/modules/." "$root/lib/modules/"
cp -a "$OUT_DIR/userspace/." "$root/opt/tests/"
cp "$HARNESS_DIR/guest/"*.sh "$root/opt/tests/" 2>/dev/null || true
cp "$suite" "$root/opt/tests/suite.list"
cp -r "$REPO_DIR/tests/igt" "$root/opt/tests/igt"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) > "$output.tmp"
mv "$output.tmp" "$output"
