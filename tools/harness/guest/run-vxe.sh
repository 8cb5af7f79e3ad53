#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run one of our xe uAPI tests against vxe: load the module, run, unload
# (the unload is part of the test: it must be clean).
# Usage: run-vxe.sh [PARAM=VALUE...] PROGRAM [ARGS...]
# Leading NAME=VALUE arguments are vxe module parameters. A failed load or
# unload ends the output with "Bail out!" and a non-zero status, which the
# verdict counts as a failure naming it.
params=
while [ $# -gt 0 ]; do
	case "$1" in
	*=*) params="$params $1"; shift ;;
	*) break ;;
	esac
done
modprobe vxe $params || { echo "Bail out! modprobe vxe$params failed"; exit 1; }
"$@"
rc=$?
modprobe -r vxe || { echo "Bail out! modprobe -r vxe failed"; rc=1; }
exit $rc
