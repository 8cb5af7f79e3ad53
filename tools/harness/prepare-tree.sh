#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Lay our kernel files over a copy of the pristine source in $TREE_DIR,
# and apply our patches to upstream files (patches/).
#
# The copy shares unchanged files with $SRC_DIR through hard links. Our
# files are written only when their content differs, so that an edit to one
# of them recompiles only what depends on it. Files dropped from the
# repository since the last run get upstream's version back (or vanish).
# New driver directories are hooked into the parent Kconfig and Makefile
# by script.

. "$(dirname "$0")/common.sh"
take_cache_lock

OVERLAY_DIRS=(drivers include Documentation lib mm)

[ -f "$SRC_DIR/Makefile" ] || die "no kernel source in $SRC_DIR (run fetch-source.sh)"
src_ver=$(cat "$SRC_DIR/.debian-version")

if [ ! -f "$TREE_DIR/.debian-version" ] ||
   [ "$(cat "$TREE_DIR/.debian-version")" != "$src_ver" ]; then
	log "creating overlay tree for $src_ver"
	rm -rf "$TREE_DIR" "$SVM_CACHE/overlay.manifest" "$SVM_CACHE/hooks.manifest"
	cp -al "$SRC_DIR" "$TREE_DIR.tmp"
	mv "$TREE_DIR.tmp" "$TREE_DIR"
fi

# install_file SRC DST: replace DST by a fresh copy of SRC if they differ.
# A fresh file (never a write through a hard link) keeps $SRC_DIR pristine.
install_file() {
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2.overlay-tmp"
		mv -f "$2.overlay-tmp" "$2"
		log "overlay: ${2#$TREE_DIR/}"
	fi
}

manifest_new=$SVM_CACHE/overlay.manifest.new
: > "$manifest_new"
cd "$REPO_DIR"
for d in "${OVERLAY_DIRS[@]}"; do
	[ -d "$d" ] || continue
	find "$d" -type f ! -name '*.o' ! -name '*.ko' ! -name '.*'
done | LC_ALL=C sort > "$manifest_new"

while read -r f; do
	install_file "$REPO_DIR/$f" "$TREE_DIR/$f"
done < "$manifest_new"

# Restore what we no longer override.
if [ -f "$SVM_CACHE/overlay.manifest" ]; then
	LC_ALL=C comm -23 <(LC_ALL=C sort "$SVM_CACHE/overlay.manifest") "$manifest_new" |
	while read -r f; do
		rm -f "$TREE_DIR/$f"
		if [ -f "$SRC_DIR/$f" ]; then
			cp "$SRC_DIR/$f" "$TREE_DIR/$f"
		fi
		log "overlay removed: $f"
	done
fi

# Our patches to upstream files (patches/*.patch, applied in name order):
# each is applied to a scratch copy of the pristine files it touches, and
# the result installed like an overlay file, so that $SRC_DIR stays
# pristine. A patch that does not apply, or that touches a file the
# overlay replaces, stops the run. Files a dropped patch touched get
# upstream's version back.
rm -f "$SVM_CACHE/patches.manifest.new"
touch "$SVM_CACHE/patches.manifest.new"
mapfile -t series < <(LC_ALL=C ls "$REPO_DIR"/patches/*.patch 2>/dev/null || true)
if [ ${#series[@]} -gt 0 ]; then
	scratch=$(mktemp -d)
	for p in "${series[@]}"; do
		sed -n 's|^+++ b/||p' "$p"
	done | LC_ALL=C sort -u > "$scratch.files"
	while read -r f; do
		grep -qxF "$f" "$manifest_new" &&
			die "patch series touches $f, which the overlay replaces"
		mkdir -p "$scratch/$(dirname "$f")"
		if [ -f "$SRC_DIR/$f" ]; then cp "$SRC_DIR/$f" "$scratch/$f"; fi
	done < "$scratch.files"
	for p in "${series[@]}"; do
		patch -d "$scratch" -p1 -N -s --no-backup-if-mismatch < "$p" ||
			die "patch $(basename "$p") does not apply to $src_ver"
		log "patch applied: $(basename "$p")"
	done
	while read -r f; do
		install_file "$scratch/$f" "$TREE_DIR/$f"
		echo "$f" >> "$SVM_CACHE/patches.manifest.new"
	done < "$scratch.files"
	rm -rf "$scratch" "$scratch.files"
fi
if [ -f "$SVM_CACHE/patches.manifest" ]; then
	LC_ALL=C comm -23 <(LC_ALL=C sort "$SVM_CACHE/patches.manifest") \
		<(LC_ALL=C sort "$SVM_CACHE/patches.manifest.new") |
	while read -r f; do
		if [ -f "$SRC_DIR/$f" ]; then
			install_file "$SRC_DIR/$f" "$TREE_DIR/$f"
		else
			rm -f "$TREE_DIR/$f"
		fi
		log "patch dropped: $f is upstream's again"
	done
fi
mv "$SVM_CACHE/patches.manifest.new" "$SVM_CACHE/patches.manifest"

# Hook every directory we add under drivers/gpu/drm into its parent:
# 'source' its Kconfig and descend into it from the parent Makefile.
# Hooked files are rebuilt from upstream's version on every run and
# installed only when the result changed.
rm -f "$SVM_CACHE/hooks.manifest.new"
declare -A hooked=()
# work_copy REL: set WC to the scratch copy of upstream's REL (no
# subshell, so that the hooked[] bookkeeping survives).
work_copy() {
	local rel=$1
	if [ -z "${hooked[$rel]:-}" ]; then
		hooked[$rel]=$(mktemp)
		cp "$SRC_DIR/$rel" "${hooked[$rel]}"
	fi
	WC=${hooked[$rel]}
}

hook_dir() {
	local rel=$1 parent name sym
	parent=$(dirname "$rel")
	name=$(basename "$rel")
	sym=$(awk '/^(menu)?config /{ print $2; exit }' "$REPO_DIR/$rel/Kconfig")
	[ -n "$sym" ] || die "$rel/Kconfig defines no symbol"

	work_copy "$parent/Kconfig"
	if grep -q '^endif # DRM' "$WC"; then
		sed -i "0,/^endif # DRM/s||source \"$rel/Kconfig\"\n\n&|" "$WC"
	else
		echo "source \"$rel/Kconfig\"" >> "$WC"
	fi
	work_copy "$parent/Makefile"
	echo "obj-\$(CONFIG_$sym) += $name/" >> "$WC"
}

while read -r kc; do
	rel=$(dirname "$kc")
	[ -e "$SRC_DIR/$rel" ] && continue
	case "$rel" in drivers/gpu/drm/*) hook_dir "$rel" ;; esac
done < <(grep '/Kconfig$' "$manifest_new" || true)

# Explicit one-line hooks into upstream files.
while IFS='|' read -r rel line; do
	case "$rel" in ''|'#'*) continue ;; esac
	work_copy "$rel"
	grep -qxF "$line" "$WC" || printf '%s\n' "$line" >> "$WC"
done < "$HARNESS_DIR/hooks.list"

for rel in "${!hooked[@]}"; do
	install_file "${hooked[$rel]}" "$TREE_DIR/$rel"
	rm -f "${hooked[$rel]}"
	echo "$rel" >> "$SVM_CACHE/hooks.manifest.new"
done
touch "$SVM_CACHE/hooks.manifest.new"
if [ -f "$SVM_CACHE/hooks.manifest" ]; then
	LC_ALL=C comm -23 <(LC_ALL=C sort "$SVM_CACHE/hooks.manifest") \
		<(LC_ALL=C sort "$SVM_CACHE/hooks.manifest.new") |
	while read -r rel; do
		install_file "$SRC_DIR/$rel" "$TREE_DIR/$rel"
	done
fi
mv "$SVM_CACHE/hooks.manifest.new" "$SVM_CACHE/hooks.manifest"
mv "$manifest_new" "$SVM_CACHE/overlay.manifest"
