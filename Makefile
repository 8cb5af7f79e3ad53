# SPDX-License-Identifier: GPL-2.0
#
# Entry points. The kernel tree, build outputs and downloads live in
# $(SVM_CACHE) (default ~/.cache/xe-svm), outside this clone.

H := tools/harness

.PHONY: all test run bench soak shell kernel check help

all: help

help:
	@echo "make run    boot the guest and run the SVM demo"
	@echo "make test   build the debug guest kernel and run the whole suite"
	@echo "make bench  migration benchmarks on the non-debug guest kernel"
	@echo "make soak   SOAK_MINUTES (20) of a randomised SVM mix, debug kernel"
	@echo "make shell  boot the debug guest to an interactive shell"
	@echo "make kernel build the debug guest kernel and test programs only"
	@echo "make check  checkpatch --strict, W=1 and sparse on our kernel files"

test:
	$(H)/test.sh test

run:
	$(H)/test.sh run

bench:
	$(H)/test.sh bench

soak:
	$(H)/test.sh soak

shell:
	$(H)/test.sh shell

kernel:
	$(H)/deps.sh
	$(H)/fetch-source.sh
	$(H)/prepare-tree.sh
	$(H)/build-kernel.sh debug
	$(H)/build-userspace.sh debug

check: kernel
	$(H)/check.sh debug
