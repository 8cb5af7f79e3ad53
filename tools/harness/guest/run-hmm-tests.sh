#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Upstream hmm-tests against lib/test_hmm.ko (DEVICE_PRIVATE devices;
# the DEVICE_COHERENT variants skip themselves without SPM memory).
# Exclusions must be listed in tests/known-failures with their reason.
modprobe test_hmm || exit 1
hmm-tests "$@"
rc=$?
modprobe -r test_hmm
exit $rc
