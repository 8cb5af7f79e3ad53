#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 'make bench' in the guest (non-debug kernel): our migration benchmark
# against vxe, with its references (vxe's copy engine alone, through
# debugfs copy_engine, and userspace memcpy), then the kernel's reference
# device-private migration path (hmm-tests benchmark_thp_migration on
# lib/test_hmm), as "BENCH key value" lines for tools/harness/bench.py.
echo "@@@ BENCH"
modprobe vxe vram_mb=512 || echo "BENCH error modprobe vxe"
xe_svm_bench 128 5 || echo "BENCH error xe_svm_bench rc $?"
modprobe -r vxe || echo "BENCH error modprobe -r vxe"

# Eviction: a stream of twice a 64 MiB VRAM.
modprobe vxe vram_mb=64 || echo "BENCH error modprobe vxe vram_mb=64"
xe_svm_bench --evict 5 || echo "BENCH error xe_svm_bench --evict rc $?"
modprobe -r vxe || echo "BENCH error modprobe -r vxe"

# The reference: its "One twenty eight THP Size" table, the largest it
# prints ("=== One twenty eight THP Size (256.0 MB) ===", MB being MiB),
# rows "Sys->Dev Migration | THP ms | 4K ms | ..." (average time of one
# migration of the buffer, %.3f) and "S->D Throughput | THP GB/s | 4K
# GB/s | ..." (%.2f, its GB being 2^30 bytes). bench.py computes our GB/s
# (1e9 bytes/s) from the size and times and checks them against the
# rounded GiB/s hmm-tests printed.
modprobe test_hmm || echo "BENCH error modprobe test_hmm"
hmm-tests -t benchmark_thp_migration > /tmp/hmm.out 2>&1 ||
	echo "BENCH error hmm-tests rc $?"
modprobe -r test_hmm
awk '/^=== / { big = /^=== One twenty eight THP Size/ }
     big && match($0, /\([0-9.]+ MB\)/) {
	print "BENCH hmm_bytes " substr($0, RSTART + 1, RLENGTH - 5) * 1048576 }
     big && /^Sys->Dev Migration/ { print "BENCH hmm_thp_s2d_ms " $4; print "BENCH hmm_4k_s2d_ms " $7 }
     big && /^Dev->Sys Migration/ { print "BENCH hmm_thp_d2s_ms " $4; print "BENCH hmm_4k_d2s_ms " $7 }
     big && /^S->D Throughput/ { print "BENCH hmm_thp_s2d_gibs " $4; print "BENCH hmm_4k_s2d_gibs " $7 }
     big && /^D->S Throughput/ { print "BENCH hmm_thp_d2s_gibs " $4; print "BENCH hmm_4k_d2s_gibs " $7 }' /tmp/hmm.out
grep -q '^=== One twenty eight THP Size' /tmp/hmm.out ||
	{ echo "BENCH error no hmm-tests table"; sed 's/^/# /' /tmp/hmm.out | tail -20; }
echo "@@@ END BENCH"
