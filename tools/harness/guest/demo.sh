#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 'make run' in the guest: load vxe with emulated VRAM and let the SVM demo
# show GPU faults migrating malloc'd memory into VRAM and CPU faults
# bringing it back, from the driver's own statistics.
echo "@@@ DEMO"
modprobe vxe vram_mb=256 || { echo "@@@ ERROR modprobe vxe"; exit 1; }
xe_svm_demo 32 || echo "demo failed: rc $?"
modprobe -r vxe || echo "modprobe -r vxe failed"
echo "@@@ END DEMO"
