#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Upstream hmm-tests against lib/test_hmm.ko (DEVICE_PRIVATE devices;
# the DEVICE_COHERENT variants skip themselves without SPM memory, as
# tests/expected-skips says). Exclusions must be listed in
# tests/known-failures with their reason.
modprobe test_hmm || { echo "Bail out! modprobe test_hmm failed"; exit 1; }
hmm-tests "$@"
rc=$?
modprobe -r test_hmm || { echo "Bail out! modprobe -r test_hmm failed"; rc=1; }
exit $rc
