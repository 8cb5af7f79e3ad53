#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run one of our xe uAPI tests against vxe: load the module, run, unload
# (the unload is part of the test: it must be clean).
modprobe vxe || { echo "1..0 # SKIP modprobe vxe failed"; exit 1; }
"$@"
rc=$?
modprobe -r vxe || { echo "# modprobe -r vxe failed"; rc=1; }
exit $rc
