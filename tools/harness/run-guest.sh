#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot a guest kernel under QEMU and let it run its job.
# Usage: run-guest.sh FLAVOUR MODE [SUITE_LIST]
#   MODE test|run|bench: non-interactive, results in $RUN_DIR/results.log,
#                  kernel log in $RUN_DIR/console.log; powers off itself.
#   MODE shell:    interactive shell on this terminal.
# Environment: GUEST_MEM (default 4G), GUEST_CPUS (2), GUEST_TIMEOUT
# (seconds for the whole boot, default 4000), RUN_DIR.

. "$(dirname "$0")/common.sh"

flavour=$1 mode=$2 suite=${3:-/dev/null}
kout=$OUT_DIR/$flavour
kernel=$kout/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no $flavour kernel built ($kernel)"

RUN_DIR=${RUN_DIR:-$SVM_CACHE/runs/$flavour-$mode}
mkdir -p "$RUN_DIR"
rm -f "$RUN_DIR/console.log" "$RUN_DIR/results.log"

"$HARNESS_DIR/mkinitramfs.sh" "$flavour" "$suite" "$RUN_DIR/initramfs.cpio"

# KVM only where it really works: /dev/kvm usable and a CPU with
# hardware virtualisation; everything else runs under TCG.
accel=tcg
if [ -z "${FORCE_TCG:-}" ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	accel=kvm
fi
if [ $accel = kvm ]; then
	cpu=(-accel kvm -cpu host)
else
	cpu=(-accel tcg,thread=multi -cpu max)
fi
log "guest: $flavour kernel $(cat "$kout/kernelrelease"), accel $accel, ${GUEST_CPUS:-2} CPUs, ${GUEST_MEM:-4G}"
echo "$accel" > "$RUN_DIR/accel"

# An oops ends the guest at once (panic=-1 reboots, -no-reboot stops QEMU)
# instead of leaving the suite hanging until GUEST_TIMEOUT.
append="console=ttyS0,115200 loglevel=7 log_buf_len=8M oops=panic panic=-1 svm.mode=$mode"
append+=" svm.timeout=${STEP_TIMEOUT:-2400} ${GUEST_APPEND:-}"

qemu=(qemu-system-x86_64 -machine pc -bios /usr/share/qemu/qboot.rom
	"${cpu[@]}" -smp "${GUEST_CPUS:-2}" -m "${GUEST_MEM:-4G}"
	-kernel "$kernel" -initrd "$RUN_DIR/initramfs.cpio"
	-append "$append" -no-reboot -display none -vga none -nodefaults)
if [ -n "${IGT_IMAGE:-}" ]; then
	qemu+=(-drive "file=$IGT_IMAGE,if=virtio,format=raw,readonly=on")
fi

if [ "$mode" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio -serial "file:$RUN_DIR/results.log"
fi

rc=0
timeout --foreground -k 10 "${GUEST_TIMEOUT:-4000}" "${qemu[@]}" \
	-serial "file:$RUN_DIR/console.log" -serial "file:$RUN_DIR/results.log" \
	</dev/null || rc=$?
[ $rc -eq 124 ] && log "guest timed out after ${GUEST_TIMEOUT:-4000}s"
exit $rc
