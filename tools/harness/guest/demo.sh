#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 'make run' in the guest. Until the SVM demo lands this is core mm's own
# device-private migration benchmark (hmm-tests against lib/test_hmm.ko),
# the reference our migration paths will be measured against.
echo "@@@ DEMO"
echo "Linux $(uname -r): device-private THP migration, lib/test_hmm.ko"
modprobe test_hmm || { echo "@@@ ERROR modprobe test_hmm"; exit 1; }
hmm-tests -r hmm.hmm_device_private.benchmark_thp_migration 2>&1 |
	grep -vE '^(TAP version|1\.\.|# Starting|#  RUN|# Totals)'
modprobe -r test_hmm
echo "@@@ END DEMO"
