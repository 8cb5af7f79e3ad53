#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the host packages the harness needs, by Debian package name.
# Idempotent: does nothing when everything is already installed.

. "$(dirname "$0")/common.sh"

PKGS=(
	build-essential flex bison bc libelf-dev libssl-dev dwarves
	cpio xz-utils rsync kmod perl python3 patch
	qemu-system-x86 qemu-utils busybox-static
	debootstrap e2fsprogs
	coccinelle ocaml-nox
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	log "host packages: all present"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
log "installing host packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "host packages installed"
