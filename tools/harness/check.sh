#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks on our kernel files: checkpatch --strict, a W=1 build
# with sparse (C=2) of every object built from one of our C files, and
# the kernel's coccicheck.
# Prints one line per finding and 'check: N files, N problems'.
# Usage: check.sh [FLAVOUR]  (default debug; that kernel must be configured)

. "$(dirname "$0")/common.sh"

flavour=${1:-debug}
out=$OUT_DIR/$flavour
[ -f "$out/.config" ] || die "no configured $flavour kernel (run build-kernel.sh $flavour)"

sparse=$("$HARNESS_DIR/build-sparse.sh")

cd "$REPO_DIR"
mapfile -t files < <(git ls-files -co --exclude-standard -- drivers include lib mm |
	grep -E '\.(c|h)$|/Kconfig[^/]*$|/Makefile$' || true)
problems=0

for f in "${files[@]}"; do
	# MACRO_ARG_REUSE: iterator macros (for_each_*) must reuse their
	# cursor argument, as list_for_each_entry() does.
	if ! res=$("$TREE_DIR/scripts/checkpatch.pl" --strict --no-tree --quiet \
			--show-types --ignore FILE_PATH_CHANGES,MACRO_ARG_REUSE \
			-f "$f" 2>&1); then
		echo "$res" | sed "s|^|checkpatch: |"
		problems=$((problems + 1))
	fi
	# SPDX on every file, checked here with the project's rule.
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier:' ||
		{ echo "spdx: $f has no SPDX-License-Identifier"; problems=$((problems + 1)); }
done

# Our patches to upstream files, as patches. MISSING_FIXES_TAG: a patch
# names the commit that introduced its bug where that is known, and says
# so in its message where it is not; UNKNOWN_COMMIT_ID: the commit is
# upstream's, and the Debian source we build has no git history to look it
# up in; BIT_MACRO: a patch follows the style of the lines around it
# (include/linux/migrate.h spells its flags 1UL << n). On stdin: given the
# name of a file git tracks, checkpatch checks it as a source file (-f),
# not as a patch.
patches=(patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
for p in "${patches[@]}"; do
	if ! res=$("$TREE_DIR/scripts/checkpatch.pl" --strict --no-tree --quiet \
			--show-types --ignore MISSING_FIXES_TAG,UNKNOWN_COMMIT_ID,BIT_MACRO - < "$p" 2>&1); then
		echo "checkpatch: $p:"
		echo "$res" | sed "s|^|checkpatch: |"
		problems=$((problems + 1))
	fi
done

# W=1 + sparse on the objects of our C files that this config builds,
# with the uninitialised-variable warnings the kernel's build leaves off
# (a loop cursor read before it was set has been one of ours).
objs=()
for f in "${files[@]}"; do
	case "$f" in *.c) ;; *) continue ;; esac
	o=${f%.c}.o
	# Only objects the configuration builds (present after build-kernel).
	[ -f "$out/$o" ] && objs+=("$o")
done
if [ ${#objs[@]} -gt 0 ]; then
	touch "${objs[@]/#/$TREE_DIR/}" 2>/dev/null || true
	log=$(make -s -C "$TREE_DIR" O="$out" -j"$JOBS" W=1 C=2 CHECK="$sparse" \
		KCFLAGS="-Wuninitialized -Wmaybe-uninitialized" "${objs[@]}" 2>&1) || true
	if [ -n "$log" ]; then
		echo "$log" | sed 's|^|build W=1/sparse: |'
		problems=$((problems + $(echo "$log" |
			grep -cE 'warning:|error:|not available or not up to date')))
	fi
fi

# The kernel's own semantic patches (scripts/coccicheck, Debian's
# coccinelle), report mode, over our C files. coccicheck walks a directory
# (M=) and ours share theirs with upstream files, so it walks a scratch
# copy of ours laid out as in the tree (reports name files relative to
# it, as ./PATH:LINE:COLUMNS: MESSAGE). Every report counts.
cocci=0
if command -v spatch >/dev/null; then
	scratch=$(mktemp -d)
	for f in "${files[@]}"; do
		case "$f" in *.c|*.h) ;; *) continue ;; esac
		mkdir -p "$scratch/$(dirname "$f")"
		cp "$f" "$scratch/$f"
	done
	crc=0
	make -s -C "$TREE_DIR" O="$out" coccicheck MODE=report M="$scratch" \
		J="$JOBS" > "$scratch.log" 2>&1 || crc=$?
	log=$(grep -E '^\./[^ ]+:[0-9]+:' "$scratch.log" | sed 's|^\./||') || true
	if [ $crc -ne 0 ]; then
		echo "coccicheck: failed (status $crc): $(tail -n 3 "$scratch.log" | tr '\n' ' ')"
		problems=$((problems + 1))
	fi
	rm -rf "$scratch" "$scratch.log"
	if [ -n "$log" ]; then
		echo "$log" | sed 's|^|coccicheck: |'
		cocci=$(echo "$log" | wc -l)
		problems=$((problems + cocci))
	fi
	cocci_ran="coccicheck ran, $cocci reports"
else
	echo "coccicheck: spatch missing (Debian package coccinelle)"
	problems=$((problems + 1))
	cocci_ran="coccicheck did not run"
fi

echo "check: ${#files[@]} files, ${#patches[@]} patches, ${#objs[@]} objects, $cocci_ran, $problems problems"
[ $problems -eq 0 ]
