#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build one guest kernel flavour (debug or bench) out of tree.
# Usage: build-kernel.sh debug|bench

. "$(dirname "$0")/common.sh"
take_cache_lock

flavour=${1:?usage: build-kernel.sh debug|bench}
frags=("$HARNESS_DIR/config/base.config" "$HARNESS_DIR/config/$flavour.config")
for f in "${frags[@]}"; do [ -f "$f" ] || die "no config fragment $f"; done

out=$OUT_DIR/$flavour
mkdir -p "$out"
kmake() { make -s -C "$TREE_DIR" O="$out" -j"$JOBS" "$@"; }

# Verify that every option of the fragments survived olddefconfig.
verify_config() {
	local bad=0 line sym want
	while read -r line; do
		case "$line" in
		CONFIG_*=*)
			if ! grep -qxF "$line" "$out/.config"; then
				log "config: wanted '$line', got '$(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo unset)'"
				bad=1
			fi ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			if grep -qE "^$sym=[ym]" "$out/.config"; then
				log "config: wanted $sym off, it is on"
				bad=1
			fi ;;
		esac
	done < <(cat "${frags[@]}")
	[ $bad -eq 0 ] || die "kernel config for '$flavour' lacks required options (see above)"
}

stage_begin config
stamp=$(cat "${frags[@]}" "$TREE_DIR/.debian-version" | sha256sum | cut -c1-16)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.config-stamp" 2>/dev/null)" != "$stamp" ]; then
	log "configuring $flavour kernel"
	kmake tinyconfig >/dev/null
	KCONFIG_CONFIG="$out/.config" "$TREE_DIR/scripts/kconfig/merge_config.sh" \
		-m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
	kmake olddefconfig >/dev/null
	verify_config
	echo "$stamp" > "$out/.config-stamp"
else
	# Our Kconfig files may have changed; olddefconfig is cheap.
	kmake olddefconfig >/dev/null
	verify_config
fi

stage_end

stage_begin "build-$flavour"
log "building $flavour kernel ($(cat "$TREE_DIR/.debian-version"), -j$JOBS)"
kmake bzImage modules
rm -rf "$out/modroot"
kmake INSTALL_MOD_PATH="$out/modroot" INSTALL_MOD_STRIP=1 modules_install >/dev/null
kmake kernelrelease > "$out/kernelrelease"
stage_end
log "$flavour kernel: $out/arch/x86/boot/bzImage ($(cat "$out/kernelrelease"))"
