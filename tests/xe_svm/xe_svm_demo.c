// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_demo - what 'make run' shows: the GPU writes every page of plain
 * malloc'd memory (GPU page faults, migration into VRAM), then the CPU
 * reads it all back (CPU faults, migration back), and the driver's own
 * statistics tell what happened.
 *
 * Usage: xe_svm_demo [MiB in 2 MiB ranges, default 32]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "xe_svm_lib.h"

#define SZ_4K		0x1000ul
#define SZ_64K		0x10000ul
#define SZ_1M		0x100000ul
#define SZ_2M		0x200000ul
#define NSMALL		32
#define STORE_OFF	0x100
#define FENCE_VALUE	0xd3e0d3e0d3e0d3e0ull

static struct xe_svm_dev dev;

static long long stat_of(const char *name)
{
	long long v = 0;

	xe_svm_debugfs_value(dev.fd, "gt0/stats", name, &v);
	return v;
}

static long long vram_used(void)
{
	long long v = 0;

	xe_svm_debugfs_value(dev.fd, "vram", "used", &v);
	return v;
}

/* A region of @len, aligned to @align, as its own VMA (guard after it). */
static uint8_t *region(size_t len, size_t align)
{
	size_t span = len + align + SZ_4K;
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + align - 1) & ~(align - 1));
	mprotect(a + len, SZ_4K, PROT_NONE);
	return a;
}

static uint32_t value_at(const uint8_t *page)
{
	return (uint32_t)(uintptr_t)page ^ 0x5ca1ab1e;
}

struct span {
	uint8_t *base;
	size_t len;
};

/* One batch storing into every page of every span; returns its fence. */
static int gpu_write(uint32_t queue, uint32_t *batch, uint64_t *fence,
		     const struct span *s, int n)
{
	unsigned int k = 0;
	size_t off;
	int i;

	for (i = 0; i < n; i++)
		for (off = 0; off < s[i].len; off += SZ_4K)
			k += xe_svm_emit_sdi(batch + k,
					     to_u64(s[i].base + off + STORE_OFF),
					     value_at(s[i].base + off));
	xe_svm_emit_bbe(batch + k);
	*fence = 0;
	return xe_svm_exec(dev.fd, queue, to_u64(batch), to_u64(fence),
			   FENCE_VALUE) ?:
	       xe_svm_wait_ufence(dev.fd, to_u64(fence), FENCE_VALUE, queue,
				  60 * XE_SVM_NSEC_PER_SEC);
}

/* Smallest histogram limit under which 99 % of @size's faults fall. */
static long long p99_us(const char *size)
{
	long long limit, n, total = 0, seen = 0, lim[32], cnt[32];
	FILE *f = xe_svm_debugfs_open(dev.fd, "gt0/svm_fault_histogram");
	char line[96], key[8];
	int i, m = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && m < 32)
		if (sscanf(line, "%7s %lld %lld", key, &limit, &n) == 3 &&
		    !strcmp(key, size)) {
			lim[m] = limit;
			cnt[m++] = n;
			total += n;
		}
	fclose(f);
	for (i = 0; i < m; i++) {
		seen += cnt[i];
		if (seen * 100 >= total * 99)
			return lim[i];
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "2 MiB", "64 KiB", "4 KiB" };
	static const char *const keys[] = { "2M", "64K", "4K" };
	size_t big = (argc > 1 ? strtoul(argv[1], NULL, 0) : 32) * SZ_1M;
	struct span spans[1 + 2 * NSMALL];
	long long faults[3], us[3], mig[3], dev_kb, cpu_kb, dev_us, cpu_us;
	long long used_gpu, used_cpu, total = 0, bad = 0, vram = 0;
	uint32_t vm, queue, *batch;
	uint64_t *fence;
	int fd, i, err;
	size_t off;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = xe_svm_open();
	if (fd < 0 || xe_svm_dev_init(&dev, fd)) {
		printf("no xe device\n");
		return 1;
	}
	xe_svm_debugfs_value(fd, "vram", "size", &vram);

	big = (big + SZ_2M - 1) & ~(SZ_2M - 1);
	spans[0].base = region(big, SZ_2M);
	spans[0].len = big;
	for (i = 0; i < NSMALL; i++) {
		spans[1 + i].base = region(SZ_64K, SZ_64K);
		spans[1 + i].len = SZ_64K;
		spans[1 + NSMALL + i].base = region(SZ_4K, SZ_4K);
		spans[1 + NSMALL + i].len = SZ_4K;
	}
	batch = mmap(NULL, big / SZ_4K * 16 + SZ_1M, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 1 + 2 * NSMALL; i++) {
		if (!spans[i].base) {
			printf("out of memory\n");
			return 1;
		}
		memset(spans[i].base, 0xa5, spans[i].len);
		total += spans[i].len;
	}

	err = xe_svm_vm_create(fd, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			       DRM_XE_VM_CREATE_FLAG_FAULT_MODE, &vm) ?:
	      xe_svm_bind_mirror(fd, vm, dev.va_bits, dev.pat_index, fence) ?:
	      xe_svm_exec_queue_create(fd, vm, &dev.eci, &queue);
	if (err) {
		printf("VM setup failed: %s\n", strerror(-err));
		return 1;
	}

	for (i = 0; i < 3; i++) {
		char k[48];

		snprintf(k, sizeof(k), "svm_%s_pagefault_count", keys[i]);
		faults[i] = -stat_of(k);
		snprintf(k, sizeof(k), "svm_%s_pagefault_us", keys[i]);
		us[i] = -stat_of(k);
		snprintf(k, sizeof(k), "svm_%s_migrate_count", keys[i]);
		mig[i] = -stat_of(k);
	}
	dev_kb = -stat_of("svm_device_copy_kb");
	dev_us = -stat_of("svm_device_copy_us");
	cpu_kb = -stat_of("svm_cpu_copy_kb");
	cpu_us = -stat_of("svm_cpu_copy_us");

	err = gpu_write(queue, batch, fence, spans, 1 + 2 * NSMALL);
	if (err) {
		printf("GPU pass failed: %s\n", strerror(-err));
		return 1;
	}
	used_gpu = vram_used();

	/* The CPU reads everything back: every byte is checked. */
	for (i = 0; i < 1 + 2 * NSMALL; i++)
		for (off = 0; off < spans[i].len; off++) {
			uint8_t *p = spans[i].base + off;
			uint8_t *page = spans[i].base + (off & ~(SZ_4K - 1));
			uint8_t want = 0xa5;
			uint32_t v = value_at(page);

			if ((off & (SZ_4K - 1)) >= STORE_OFF &&
			    (off & (SZ_4K - 1)) < STORE_OFF + 4)
				want = ((uint8_t *)&v)[(off & 3)];
			bad += *p != want;
		}
	usleep(100000);
	used_cpu = vram_used();

	for (i = 0; i < 3; i++) {
		char k[48];

		snprintf(k, sizeof(k), "svm_%s_pagefault_count", keys[i]);
		faults[i] += stat_of(k);
		snprintf(k, sizeof(k), "svm_%s_pagefault_us", keys[i]);
		us[i] += stat_of(k);
		snprintf(k, sizeof(k), "svm_%s_migrate_count", keys[i]);
		mig[i] += stat_of(k);
	}
	dev_kb += stat_of("svm_device_copy_kb");
	dev_us += stat_of("svm_device_copy_us");
	cpu_kb += stat_of("svm_cpu_copy_kb");
	cpu_us += stat_of("svm_cpu_copy_us");

	printf("xe-svm demo on vxe (%s): the GPU writes every page of malloc'd memory, the CPU reads it back\n",
	       vram ? "discrete, with VRAM" : "no VRAM");
	printf("  memory: %zu MiB in 2 MiB ranges, %d x 64 KiB, %d x 4 KiB; VRAM %lld MiB\n",
	       big / SZ_1M, NSMALL, NSMALL, vram / (long long)SZ_1M);
	printf("  (GPU faults include fetching the batch, itself in shared memory)\n\n");
	printf("  %-14s %10s %10s %10s %18s\n", "range size", "GPU faults",
	       "avg us", "p99 us <", "migrated to VRAM");
	for (i = 0; i < 3; i++)
		printf("  %-14s %10lld %10lld %10lld %18lld\n", names[i],
		       faults[i], faults[i] ? us[i] / faults[i] : 0,
		       p99_us(keys[i]), mig[i]);
	printf("\n  copied into VRAM (GPU faults):      %8.1f MiB in %lld us\n",
	       dev_kb / 1024.0, dev_us);
	printf("  copied back to RAM (CPU faults):    %8.1f MiB in %lld us\n",
	       cpu_kb / 1024.0, cpu_us);
	printf("  VRAM in use after the GPU pass:     %8.1f MiB\n",
	       used_gpu / 1048576.0);
	printf("  VRAM in use after the CPU read-back:%8.1f MiB\n",
	       used_cpu / 1048576.0);
	printf("  data: %lld bytes checked, %lld wrong\n", total, bad);

	xe_svm_exec_queue_destroy(fd, queue);
	xe_svm_vm_destroy(fd, vm);
	return bad ? 1 : 0;
}
