// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_bench - what 'make bench' measures on our side: the references
 * (vxe's copy engine alone, through debugfs copy_engine: its copy
 * routines timed over 2 MiB and 64 KiB transfers each way with no
 * migration around them, over as many bytes as a migration pass moves;
 * and, for comparison, the in-guest userspace memcpy bandwidth),
 * GPU-fault migration into VRAM for 2 MiB and 64 KiB ranges, CPU-fault
 * migration back, and the driver's fault service time percentiles per
 * range size.
 *
 * Every figure comes from this run, every throughput in GB/s of 1e9
 * bytes a second: bytes over wall time around the operation (a GPU pass
 * is one exec that faults every range of the buffer, a CPU pass touches
 * one byte per range), or, for the copy engine, over the time of its copy
 * calls alone; percentiles come from vxe's gt0/svm_fault_histogram
 * (bucket bounds, within 25 %). Outside the timing, after every pass,
 * data and placement are checked and the driver's counters (debugfs
 * "vram", gt0/stats) must show that the pass did what it is timed as:
 * a GPU pass faulted every range and copied all its bytes into VRAM
 * (4 KiB: none), the timed CPU touch alone copied all of them back with
 * no eviction involved and left nothing in VRAM. A wrong byte or a
 * failed check fails the run with a "BENCH error" line.
 *
 * With --evict (vxe loaded with a small VRAM) it measures eviction
 * instead: a buffer of twice VRAM in 2 MiB ranges streamed by GPU faults
 * (each pass migrates it all in, evicting half of it: checked), the same
 * bytes moved by an explicit schedule (PREFETCH one half, run on it,
 * PREFETCH the other half, run on it: the runs must not fault, the
 * PREFETCHes must have migrated every range, VRAM must end full; the
 * untimed warm-up pass checks this after each step), the eviction
 * throughput over the timed streaming passes (bytes and time of
 * drm_gpusvm_pool_evict(), the only eviction path allowed to run in
 * them: a sparse eviction fails the run), and the service time of 4 KiB
 * faults (no copy involved) idle (no eviction may run during a pass) and
 * while another VM streams through VRAM (only passes during which
 * chunks were evicted count).
 *
 * Output: "BENCH key value" lines for tools/harness/bench.py.
 * Usage: xe_svm_bench [MiB per buffer, default 128] [iterations, default 5]
 *        xe_svm_bench --evict [iterations, default 5]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
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
#define STORE_OFF	0x80
#define FENCE_VALUE	0xbe4c0000be4c0000ull
#define NSIZES		3
#define NBUCKETS	128

static struct xe_svm_dev dev;
static const char *const size_key[NSIZES] = { "4K", "64K", "2M" };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A failed measurement or check: bench.py prints it and fails. */
static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	printf("BENCH error ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- the driver's counters: debugfs "vram" and gt0/stats ---- */

enum counter {
	C_USED, C_EVICTIONS, C_EVICTED, C_EVICT_US, C_SPARSE,
	C_FAULTS, C_FAULTS_4K, C_FAULTS_64K, C_FAULTS_2M,
	C_MIGRATE_64K, C_MIGRATE_2M, C_TO_VRAM_KB, C_TO_RAM_KB,
	NCOUNTERS
};

static const char *const counter_file[] = { "vram", "gt0/stats" };

static const struct {
	int file;
	const char *key;
} counter_src[NCOUNTERS] = {
	[C_USED] = { 0, "used" },
	[C_EVICTIONS] = { 0, "evictions" },
	[C_EVICTED] = { 0, "evicted" },
	[C_EVICT_US] = { 0, "evict_us" },
	[C_SPARSE] = { 0, "sparse_evictions" },
	[C_FAULTS] = { 1, "svm_pagefault_count" },
	[C_FAULTS_4K] = { 1, "svm_4K_pagefault_count" },
	[C_FAULTS_64K] = { 1, "svm_64K_pagefault_count" },
	[C_FAULTS_2M] = { 1, "svm_2M_pagefault_count" },
	[C_MIGRATE_64K] = { 1, "svm_64K_migrate_count" },
	[C_MIGRATE_2M] = { 1, "svm_2M_migrate_count" },
	[C_TO_VRAM_KB] = { 1, "svm_device_copy_kb" },
	[C_TO_RAM_KB] = { 1, "svm_cpu_copy_kb" },
};

static const enum counter faults_of[NSIZES] = {
	C_FAULTS_4K, C_FAULTS_64K, C_FAULTS_2M
};

struct counters {
	long long v[NCOUNTERS];
};

/*
 * All counters, "vram" first: reading it waits for the pool's workers, so
 * that frees and sparse evictions queued so far are counted.
 */
static int counters_read(struct counters *c)
{
	char line[160], key[64];
	long long val;
	unsigned int f, i;
	FILE *fp;

	for (i = 0; i < NCOUNTERS; i++)
		c->v[i] = -1;
	for (f = 0; f < 2; f++) {
		fp = xe_svm_debugfs_open(dev.fd, counter_file[f]);
		if (!fp) {
			fail("debugfs %s: %s", counter_file[f],
			     strerror(errno));
			return -1;
		}
		while (fgets(line, sizeof(line), fp)) {
			if (sscanf(line, "%63[^: ]%*[ :]%lld", key, &val) != 2)
				continue;
			for (i = 0; i < NCOUNTERS; i++)
				if (counter_src[i].file == (int)f &&
				    !strcmp(counter_src[i].key, key))
					c->v[i] = val;
		}
		fclose(fp);
	}
	for (i = 0; i < NCOUNTERS; i++)
		if (c->v[i] < 0) {
			fail("debugfs %s: no \"%s\"",
			     counter_file[counter_src[i].file],
			     counter_src[i].key);
			return -1;
		}
	return 0;
}

static long long delta(const struct counters *a, const struct counters *b,
		       enum counter i)
{
	return b->v[i] - a->v[i];
}

static long long vram_value(const char *key)
{
	long long v = -1;

	xe_svm_debugfs_value(dev.fd, "vram", key, &v);
	return v;
}

/* ---- the fault histogram ---- */

/* Per size, bucket limits (us, ascending) and counts. */
struct hist {
	int n[NSIZES];
	long long limit[NSIZES][NBUCKETS], count[NSIZES][NBUCKETS];
};

static const struct hist no_faults;

static int hist_read(struct hist *h)
{
	FILE *f = xe_svm_debugfs_open(dev.fd, "gt0/svm_fault_histogram");
	long long limit, count;
	char line[96], key[8];
	int s;

	memset(h, 0, sizeof(*h));
	if (!f) {
		fail("debugfs gt0/svm_fault_histogram: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%7s %lld %lld", key, &limit, &count) != 3)
			continue;
		for (s = 0; s < NSIZES; s++)
			if (!strcmp(key, size_key[s]) && h->n[s] < NBUCKETS) {
				h->limit[s][h->n[s]] = limit;
				h->count[s][h->n[s]++] = count;
			}
	}
	fclose(f);
	return 0;
}

static long long hist_count(const struct hist *h, int s, long long limit)
{
	int i;

	for (i = 0; i < h->n[s]; i++)
		if (h->limit[s][i] == limit)
			return h->count[s][i];
	return 0;
}

/* Percentile @pct of the faults counted between @a and @b; -1 if none. */
static long long hist_pct(const struct hist *a, const struct hist *b, int s,
			  int pct, long long *total)
{
	long long seen = 0;
	int i;

	*total = 0;
	for (i = 0; i < b->n[s]; i++)
		*total += b->count[s][i] - hist_count(a, s, b->limit[s][i]);
	for (i = 0; i < b->n[s]; i++) {
		seen += b->count[s][i] - hist_count(a, s, b->limit[s][i]);
		if (*total && seen * 100 >= *total * pct)
			return b->limit[s][i];
	}
	return -1;
}

/* Add the faults counted between @a and @b to @acc, limits kept ascending. */
static void hist_add(struct hist *acc, const struct hist *a,
		     const struct hist *b)
{
	int s, i, j, k;

	for (s = 0; s < NSIZES; s++)
		for (i = 0; i < b->n[s]; i++) {
			long long lim = b->limit[s][i];
			long long d = b->count[s][i] - hist_count(a, s, lim);

			if (d <= 0)
				continue;
			for (j = 0; j < acc->n[s] && acc->limit[s][j] < lim; j++)
				;
			if (j < acc->n[s] && acc->limit[s][j] == lim) {
				acc->count[s][j] += d;
				continue;
			}
			if (acc->n[s] == NBUCKETS)
				continue;
			for (k = acc->n[s]; k > j; k--) {
				acc->limit[s][k] = acc->limit[s][k - 1];
				acc->count[s][k] = acc->count[s][k - 1];
			}
			acc->limit[s][j] = lim;
			acc->count[s][j] = d;
			acc->n[s]++;
		}
}

/* ---- buffers and the GPU ---- */

/*
 * A buffer of @nr ranges of @size each, @stride apart. buf_init() makes
 * every range its own VMA aligned to @size with an inaccessible gap of
 * @size after it (so the engine sizes each range to exactly @size);
 * stream_init() lays 2 MiB ranges back to back in one VMA.
 */
struct buf {
	uint8_t *base;
	size_t size, nr, span, stride;
};

static uint8_t *range_at(const struct buf *b, size_t i)
{
	return b->base + i * b->stride;
}

static int buf_init(struct buf *b, size_t size, size_t nr)
{
	size_t i;
	uint8_t *p;

	b->size = size;
	b->nr = nr;
	b->stride = 2 * size;
	b->span = 2 * size * nr + size;
	p = mmap(NULL, b->span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->base = (uint8_t *)(((uintptr_t)p + size - 1) & ~(size - 1));
	for (i = 0; i < nr; i++) {
		if (mprotect(range_at(b, i) + size, size, PROT_NONE))
			return -errno;
		if (size == SZ_2M)
			madvise(range_at(b, i), size, MADV_HUGEPAGE);
		memset(range_at(b, i), 0x3c, size);
	}
	return 0;
}

static uint32_t value_of(const uint8_t *range, unsigned int pass)
{
	return (uint32_t)(uintptr_t)range ^ (pass * 0x9e3779b9u);
}

/* Every byte: 0x3c but the dword the GPU stored at STORE_OFF of a range. */
static int buf_check(const struct buf *b, unsigned int pass)
{
	size_t i, off;

	for (i = 0; i < b->nr; i++) {
		const uint8_t *r = range_at(b, i);
		uint32_t v = value_of(r, pass);

		for (off = 0; off < b->size; off++) {
			uint8_t want = 0x3c;

			if (off >= STORE_OFF && off < STORE_OFF + 4)
				want = ((uint8_t *)&v)[off - STORE_OFF];
			if (r[off] != want) {
				fail("pass %u: range %zu byte 0x%zx is 0x%02x, expected 0x%02x",
				     pass, i, off, r[off], want);
				return -1;
			}
		}
	}
	return 0;
}

struct gpu {
	uint32_t vm, queue, *batch;
	uint64_t *fence;
	size_t batch_len;
};

/* Write the batch storing one dword into every range of @b. */
static void gpu_batch(struct gpu *g, const struct buf *b, unsigned int pass)
{
	unsigned int k = 0;
	size_t i;

	for (i = 0; i < b->nr; i++)
		k += xe_svm_emit_sdi(g->batch + k,
				     to_u64(range_at(b, i) + STORE_OFF),
				     value_of(range_at(b, i), pass));
	xe_svm_emit_bbe(g->batch + k);
	*g->fence = 0;
}

static int gpu_exec(struct gpu *g, unsigned int pass)
{
	return xe_svm_exec(dev.fd, g->queue, to_u64(g->batch),
			   to_u64(g->fence), FENCE_VALUE + pass) ?:
	       xe_svm_wait_ufence(dev.fd, to_u64(g->fence), FENCE_VALUE + pass,
				  g->queue, 600 * XE_SVM_NSEC_PER_SEC);
}

/* A fault-mode VM with the mirror, a queue, a fence page and a batch. */
static int gpu_setup(struct gpu *g, size_t ranges)
{
	g->batch_len = ranges * 16 + SZ_4K;
	g->batch = mmap(NULL, g->batch_len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	g->fence = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g->batch == MAP_FAILED || g->fence == MAP_FAILED)
		return -errno;
	return xe_svm_vm_create(dev.fd, DRM_XE_VM_CREATE_FLAG_LR_MODE |
				DRM_XE_VM_CREATE_FLAG_FAULT_MODE, &g->vm) ?:
	       xe_svm_bind_mirror(dev.fd, g->vm, dev.va_bits, dev.pat_index,
				  g->fence) ?:
	       xe_svm_exec_queue_create(dev.fd, g->vm, &dev.eci, &g->queue);
}

/* The CPU reads one byte per range: one CPU fault per range. */
static unsigned int cpu_pass(const struct buf *b)
{
	unsigned int sum = 0;
	size_t i;

	for (i = 0; i < b->nr; i++)
		sum += *(volatile uint8_t *)(range_at(b, i) + b->size / 2);
	return sum;
}

/*
 * Ranges that stay in system memory: write-protect and unprotect each so
 * the engine's notifier drops the GPU mappings and the next pass faults.
 */
static int invalidate(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->nr; i++)
		if (mprotect(range_at(b, i), b->size, PROT_READ) ||
		    mprotect(range_at(b, i), b->size, PROT_READ | PROT_WRITE))
			return -errno;
	return 0;
}

/* ---- the references ---- */

/*
 * The copy engine alone (debugfs copy_engine): @count transfers of @size
 * bytes RAM to VRAM, then back, a warm-up and @iters timed rounds, in the
 * kernel. GB/s each way over the time of the copy calls.
 */
static int copy_engine(size_t size, size_t count, int iters,
		       double *to_vram, double *to_ram)
{
	static const char *const key[] = {
		"size", "count", "iterations", "to_vram_bytes", "to_vram_ns",
		"to_ram_bytes", "to_ram_ns",
	};
	long long v[7], bytes = (long long)(size * count) * iters;
	char req[64];
	int err;
	unsigned int i;

	snprintf(req, sizeof(req), "%zu %zu %d", size, count, iters);
	err = xe_svm_debugfs_write(dev.fd, "copy_engine", req);
	if (err) {
		fail("debugfs copy_engine \"%s\": %s", req, strerror(-err));
		return -1;
	}
	for (i = 0; i < 7; i++)
		if (xe_svm_debugfs_value(dev.fd, "copy_engine", key[i], &v[i])) {
			fail("debugfs copy_engine: no \"%s\"", key[i]);
			return -1;
		}
	if (v[0] != (long long)size || v[1] != (long long)count ||
	    v[2] != iters || v[3] != bytes || v[5] != bytes ||
	    v[4] <= 0 || v[6] <= 0) {
		fail("debugfs copy_engine \"%s\": size %lld count %lld iterations %lld, %lld bytes in %lld ns to VRAM, %lld in %lld ns back",
		     req, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
		return -1;
	}
	/* Bytes per ns: GB/s. */
	*to_vram = (double)v[3] / v[4];
	*to_ram = (double)v[5] / v[6];
	return 0;
}

static double memcpy_gbs(size_t len, int iters)
{
	uint8_t *src = malloc(len), *dst = malloc(len);
	double t, total = 0;
	int i;

	if (!src || !dst)
		return -1;
	memset(src, 0x11, len);
	memset(dst, 0x22, len);
	memcpy(dst, src, len);	/* warm-up */
	for (i = 0; i < iters; i++) {
		src[i] = (uint8_t)i;
		t = now_s();
		memcpy(dst, src, len);
		total += now_s() - t;
	}
	if (memcmp(src, dst, len))
		total = -1;
	free(src);
	free(dst);
	return total < 0 ? -1 : len * (double)iters / total / 1e9;
}

/* ---- migration ---- */

/* VRAM in use back to @base once the frees are in (usually at once). */
static int vram_back_to(const struct counters *c, long long base,
			const char *what)
{
	long long used = c->v[C_USED];

	if (used != base) {
		usleep(100000);
		used = vram_value("used");
	}
	if (used != base) {
		fail("%s: %lld bytes still in VRAM", what, used - base);
		return -1;
	}
	return 0;
}

/*
 * What a GPU pass over @b did between @a and @c: every range faulted and,
 * for 64 KiB and up, all its bytes copied into VRAM (4 KiB: none).
 */
static int gpu_pass_check(const struct buf *b, int s, int i,
			  const struct counters *a, const struct counters *c,
			  long long base)
{
	long long bytes = b->size * b->nr, kb = delta(a, c, C_TO_VRAM_KB);
	long long faults = delta(a, c, faults_of[s]);
	long long in = c->v[C_USED] - base;

	if (faults < (long long)b->nr) {
		fail("%s: GPU pass %d faulted %lld of %zu ranges", size_key[s],
		     i, faults, b->nr);
		return -1;
	}
	if (s && (kb * 1024 < bytes || in < bytes)) {
		fail("%s: GPU pass %d copied %lld of %lld bytes into VRAM, %lld in VRAM",
		     size_key[s], i, kb * 1024, bytes, in);
		return -1;
	}
	/* More is not wrong (a retried migration copies again), but is said. */
	if (s && kb * 1024 > bytes)
		printf("# %s: GPU pass %d copied %lld bytes more than the buffer into VRAM\n",
		       size_key[s], i, kb * 1024 - bytes);
	if (!s && (kb || in)) {
		fail("%s: GPU pass %d copied %lld bytes into VRAM, %lld in VRAM",
		     size_key[s], i, kb * 1024, in);
		return -1;
	}
	return 0;
}

/*
 * The timed CPU touch between @a and @c migrated everything back itself:
 * all the bytes copied to RAM, no eviction path involved.
 */
static int cpu_pass_check(const struct buf *b, int s, int i,
			  const struct counters *a, const struct counters *c,
			  long long base)
{
	long long bytes = b->size * b->nr, kb = delta(a, c, C_TO_RAM_KB);

	if (delta(a, c, C_EVICTIONS) || delta(a, c, C_EVICTED)) {
		fail("%s: CPU pass %d: %lld chunks evicted, %lld bytes moved by eviction",
		     size_key[s], i, delta(a, c, C_EVICTIONS),
		     delta(a, c, C_EVICTED));
		return -1;
	}
	if (kb * 1024 < bytes) {
		fail("%s: the timed CPU touch %d copied %lld of %lld bytes back",
		     size_key[s], i, kb * 1024, bytes);
		return -1;
	}
	if (kb * 1024 > bytes)
		printf("# %s: CPU pass %d copied %lld bytes more than the buffer back\n",
		       size_key[s], i, kb * 1024 - bytes);
	return vram_back_to(c, base, "after the timed CPU touch");
}

/*
 * A warm-up and @iters timed GPU passes (into VRAM for 64 KiB and up) and
 * CPU passes (back), data, placement and counters checked after each; the
 * fault histogram is sampled into @before after the warm-up.
 */
static int migrate_bench(struct gpu *g, struct buf *b, int s, int iters,
			 struct hist *before)
{
	double gpu_t = 0, cpu_t = 0, t;
	size_t bytes = b->size * b->nr;
	struct counters c0, c1, c2;
	int i, vram = s > 0;
	long long base;

	if (counters_read(&c0))
		return -1;
	base = c0.v[C_USED];
	for (i = 0; i <= iters; i++) {
		if (i == 1 && hist_read(before))
			return -1;
		gpu_batch(g, b, i + 1);
		if (counters_read(&c0))
			return -1;
		t = now_s();
		if (gpu_exec(g, i + 1)) {
			fail("%s: GPU pass %d failed", size_key[s], i);
			return -1;
		}
		t = now_s() - t;
		if (i)
			gpu_t += t;
		if (counters_read(&c1) ||
		    gpu_pass_check(b, s, i, &c0, &c1, base))
			return -1;
		t = now_s();
		cpu_pass(b);
		t = now_s() - t;
		if (i)
			cpu_t += t;
		if (vram && (counters_read(&c2) ||
			     cpu_pass_check(b, s, i, &c1, &c2, base)))
			return -1;
		if (buf_check(b, i + 1))
			return -1;
		if (!vram && invalidate(b)) {
			fail("%s: mprotect: %s", size_key[s], strerror(errno));
			return -1;
		}
	}
	printf("BENCH %s_bytes %zu\n", size_key[s], bytes);
	printf("BENCH %s_gpu_fault_gbs %.4f\n", size_key[s],
	       bytes * iters / gpu_t / 1e9);
	if (vram)
		printf("BENCH %s_cpu_fault_gbs %.4f\n", size_key[s],
		       bytes * iters / cpu_t / 1e9);
	return 0;
}

/* ---- eviction (--evict) ---- */

/* The stream: one 2 MiB-aligned VMA of @nr 2 MiB ranges, no gaps. */
static int stream_init(struct buf *b, size_t nr)
{
	uint8_t *p;

	b->size = SZ_2M;
	b->nr = nr;
	b->stride = SZ_2M;
	b->span = nr * SZ_2M + SZ_2M;
	p = mmap(NULL, b->span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->base = (uint8_t *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(b->base, nr * SZ_2M, MADV_HUGEPAGE);
	memset(b->base, 0x3c, nr * SZ_2M);
	return 0;
}

/* Store @pass into ranges [first, first + nr) of the stream: one exec. */
static int stream_exec(struct gpu *g, const struct buf *b, size_t first,
		       size_t nr, unsigned int pass)
{
	unsigned int k = 0;
	size_t i;

	for (i = first; i < first + nr; i++)
		k += xe_svm_emit_sdi(g->batch + k,
				     to_u64(range_at(b, i) + STORE_OFF),
				     value_of(range_at(b, i), pass));
	xe_svm_emit_bbe(g->batch + k);
	*g->fence = 0;
	return gpu_exec(g, pass);
}

static int stream_prefetch(struct gpu *g, const struct buf *b, size_t first,
			   size_t nr)
{
	struct xe_svm_bind_args a = {
		.vm = g->vm,
		.op = DRM_XE_VM_BIND_OP_PREFETCH,
		.addr = to_u64(range_at(b, first)),
		.range = nr * SZ_2M,
		.pat_index = dev.pat_index,
		.prefetch_region = 1,
	};
	uint64_t *fence = (uint64_t *)(g->fence + 1);

	return xe_svm_bind(dev.fd, &a, fence);
}

/*
 * Between @a and @c, @nr 2 MiB ranges migrated into VRAM (all their bytes
 * copied) and GPU faults numbered @faults (-1: at least @nr).
 */
static int stream_check(const char *what, int i, const struct counters *a,
			const struct counters *c, size_t nr, long long faults)
{
	long long mig = delta(a, c, C_MIGRATE_2M);
	long long kb = delta(a, c, C_TO_VRAM_KB);
	long long f = delta(a, c, C_FAULTS);

	if (mig != (long long)nr || kb * 1024 != (long long)(nr * SZ_2M)) {
		fail("%s, pass %d: %lld of %zu ranges migrated, %lld of %zu bytes copied into VRAM",
		     what, i, mig, nr, kb * 1024, nr * SZ_2M);
		return -1;
	}
	if (faults < 0 ? f < (long long)nr : f != faults) {
		fail("%s, pass %d: %lld GPU faults, expected %s%lld", what, i,
		     f, faults < 0 ? "at least " : "",
		     faults < 0 ? (long long)nr : faults);
		return -1;
	}
	return 0;
}

/*
 * The explicit schedule over @s: PREFETCH a half, run on it, PREFETCH the
 * other half, run on it. With @c non-NULL (the untimed warm-up), check
 * after each step that a PREFETCH migrated its half and filled VRAM and
 * that a run did not fault.
 */
static int explicit_pass(struct gpu *g, const struct buf *s, size_t half,
			 unsigned int pass, long long vram, int checked)
{
	struct counters c0, c1;
	size_t h;

	for (h = 0; h < 2; h++) {
		if (checked && counters_read(&c0))
			return -1;
		if (stream_prefetch(g, s, h * half, half)) {
			fail("PREFETCH of half %zu failed", h);
			return -1;
		}
		if (checked) {
			if (counters_read(&c1) ||
			    stream_check("PREFETCH (warm-up)", 0, &c0, &c1,
					 half, 0))
				return -1;
			if (c1.v[C_USED] != vram) {
				fail("PREFETCH of half %zu (warm-up): %lld of %lld bytes of VRAM in use",
				     h, c1.v[C_USED], vram);
				return -1;
			}
		}
		if (stream_exec(g, s, h * half, half, pass)) {
			fail("run on prefetched half %zu failed", h);
			return -1;
		}
		if (checked) {
			if (counters_read(&c0))
				return -1;
			if (delta(&c1, &c0, C_FAULTS) ||
			    delta(&c1, &c0, C_MIGRATE_2M)) {
				fail("run on prefetched half %zu (warm-up): %lld GPU faults, %lld migrations",
				     h, delta(&c1, &c0, C_FAULTS),
				     delta(&c1, &c0, C_MIGRATE_2M));
				return -1;
			}
		}
	}
	return 0;
}

struct streamer {
	struct gpu *g;
	struct buf *b;
	volatile int stop;
	unsigned int pass;
	int err;
};

/* Fault-driven passes over the whole stream until told to stop. */
static void *streamer_thread(void *arg)
{
	struct streamer *st = arg;

	while (!st->err && !st->stop)
		st->err = stream_exec(st->g, st->b, 0, st->b->nr, ++st->pass);
	if (!st->err && st->pass)
		st->err = buf_check(st->b, st->pass);
	return NULL;
}

/*
 * Passes of 4 KiB faults until @iters count, the p99 of their service
 * time in @p99 and their number in @n. Idle (!@evicting): no chunk may be
 * evicted during a pass. Evicting: only passes during whose exec chunks
 * were evicted count (@evictions of them in all), of at most
 * 4 * @iters + 4 tried (@tried).
 */
static int small_faults(struct gpu *g, struct buf *b, int iters,
			int evicting, unsigned int *pass, long long *p99,
			long long *n, long long *evictions, int *tried)
{
	struct hist acc = { 0 }, h0, h1;
	struct counters c0, c1;
	int done = 0;
	long long ev;

	*evictions = 0;
	for (*tried = 0; done < iters; ++*tried) {
		if (*tried >= 4 * iters + 4) {
			fail("4K faults: only %d of %d passes overlapped an eviction",
			     done, *tried);
			return -1;
		}
		gpu_batch(g, b, ++*pass);
		if (hist_read(&h0) || counters_read(&c0))
			return -1;
		if (gpu_exec(g, *pass)) {
			fail("4K faults: GPU pass failed");
			return -1;
		}
		if (counters_read(&c1) || hist_read(&h1))
			return -1;
		if (buf_check(b, *pass) || invalidate(b))
			return -1;
		ev = delta(&c0, &c1, C_EVICTIONS);
		if (!evicting && ev) {
			fail("4K faults idle: %lld chunks evicted during a pass",
			     ev);
			return -1;
		}
		if (evicting && !ev)
			continue;
		hist_add(&acc, &h0, &h1);
		*evictions += ev;
		done++;
	}
	*p99 = hist_pct(&no_faults, &acc, 0, 99, n);
	if (*n < (long long)(done * b->nr)) {
		fail("4K faults: %lld faults in %d passes of %zu ranges", *n,
		     done, b->nr);
		return -1;
	}
	return 0;
}

static int evict_bench(int iters)
{
	long long vram = vram_value("size"), ev = 0, us = 0, nev = 0, p99, n;
	long long moved_fault = 0, moved_explicit = 0;
	double t_fault = 0, t_explicit = 0, t;
	struct streamer st = { 0 };
	struct gpu gs = { 0 }, g4 = { 0 };
	unsigned int pass = 0, pass4 = 0;
	struct counters c0, c1;
	struct buf s, b4;
	pthread_t tid;
	size_t half;
	int i, err, tried;

	if (vram <= 0 || vram % (2 * SZ_2M)) {
		fail("VRAM %lld bytes: not a device for --evict", vram);
		return -1;
	}
	half = vram / SZ_2M;
	err = stream_init(&s, 2 * half) ?:
	      buf_init(&b4, SZ_4K, 1024) ?:
	      gpu_setup(&gs, 2 * half) ?:
	      gpu_setup(&g4, b4.nr);
	if (err) {
		fail("setup: %s", strerror(-err));
		return -1;
	}
	printf("BENCH evict_vram_bytes %lld\n", vram);

	/*
	 * Fault-driven streaming; the warm-up pass is not timed. Eviction is
	 * counted over the timed execs only, where drm_gpusvm_pool_evict()
	 * must be the only eviction path (it alone records its time).
	 */
	for (i = 0; i <= iters; i++) {
		if (counters_read(&c0))
			return -1;
		t = now_s();
		if (stream_exec(&gs, &s, 0, s.nr, ++pass)) {
			fail("streaming pass %d failed", i);
			return -1;
		}
		t = now_s() - t;
		if (counters_read(&c1) ||
		    stream_check("GPU-fault streaming", i, &c0, &c1, s.nr, -1))
			return -1;
		if (delta(&c0, &c1, C_SPARSE)) {
			fail("GPU-fault streaming, pass %d: %lld sparse evictions",
			     i, delta(&c0, &c1, C_SPARSE));
			return -1;
		}
		if (i) {
			t_fault += t;
			moved_fault += delta(&c0, &c1, C_TO_VRAM_KB) * 1024;
			ev += delta(&c0, &c1, C_EVICTED);
			us += delta(&c0, &c1, C_EVICT_US);
			nev += delta(&c0, &c1, C_EVICTIONS);
		}
		if (buf_check(&s, pass))
			return -1;
	}
	if (ev <= 0 || us <= 0 || nev <= 0) {
		fail("streaming twice VRAM evicted %lld bytes in %lld us", ev,
		     us);
		return -1;
	}
	printf("BENCH evict_bytes %lld\n", ev);
	printf("BENCH evict_chunks %lld\n", nev);
	printf("BENCH evict_gbs %.4f\n", ev / (us * 1e-6) / 1e9);
	printf("BENCH stream_fault_bytes %lld\n", moved_fault);
	printf("BENCH stream_fault_s %.4f\n", t_fault);

	/*
	 * The same bytes on an explicit schedule: PREFETCH, then run. Each
	 * pass: no GPU fault, every range migrated by the PREFETCHes, VRAM
	 * full (of the second half) at the end.
	 */
	for (i = 0; i <= iters; i++) {
		pass++;
		if (counters_read(&c0))
			return -1;
		t = now_s();
		if (explicit_pass(&gs, &s, half, pass, vram, !i))
			return -1;
		t = now_s() - t;
		if (counters_read(&c1) ||
		    stream_check("PREFETCH schedule", i, &c0, &c1, s.nr, 0))
			return -1;
		if (c1.v[C_USED] != vram) {
			fail("PREFETCH schedule, pass %d: %lld of %lld bytes of VRAM in use",
			     i, c1.v[C_USED], vram);
			return -1;
		}
		if (i) {
			t_explicit += t;
			moved_explicit += delta(&c0, &c1, C_TO_VRAM_KB) * 1024;
		}
		if (buf_check(&s, pass))
			return -1;
	}
	printf("BENCH stream_prefetch_bytes %lld\n", moved_explicit);
	printf("BENCH stream_prefetch_s %.4f\n", t_explicit);

	/* 4 KiB faults (no copy), idle and while another VM streams. */
	if (small_faults(&g4, &b4, iters, 0, &pass4, &p99, &n, &nev, &tried))
		return -1;
	printf("BENCH 4K_idle_faults %lld\n", n);
	printf("BENCH 4K_idle_p99_us %lld\n", p99);
	st.g = &gs;
	st.b = &s;
	st.pass = pass;
	if (pthread_create(&tid, NULL, streamer_thread, &st))
		return -1;
	err = small_faults(&g4, &b4, iters, 1, &pass4, &p99, &n, &nev, &tried);
	st.stop = 1;
	pthread_join(tid, NULL);
	if (st.err)
		fail("the evicting VM failed");
	if (err || st.err)
		return -1;
	printf("BENCH 4K_evicting_passes %d\n", iters);
	printf("BENCH 4K_evicting_passes_tried %d\n", tried);
	printf("BENCH 4K_evicting_chunks_evicted %lld\n", nev);
	printf("BENCH 4K_evicting_faults %lld\n", n);
	printf("BENCH 4K_evicting_p99_us %lld\n", p99);
	return 0;
}

int main(int argc, char **argv)
{
	size_t mib;
	int iters = argc > 2 ? atoi(argv[2]) : 5, s, err, rc = 0;
	long long vram = 0, total, p50, p99;
	double to_vram, to_ram;
	struct hist before, after;
	struct buf b[NSIZES];
	struct gpu g = { 0 };
	size_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--evict")) {
		iters = argc > 2 ? atoi(argv[2]) : 5;
		dev.fd = xe_svm_open();
		if (iters < 1 || dev.fd < 0 || xe_svm_dev_init(&dev, dev.fd)) {
			fail("no xe device");
			return 1;
		}
		return evict_bench(iters) ? 1 : 0;
	}
	mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 128;
	len = mib * SZ_1M;
	if (iters < 1 || !mib || len % SZ_2M) {
		fprintf(stderr, "usage: %s [MiB, a multiple of 2] [iterations]\n",
			argv[0]);
		return 2;
	}
	dev.fd = xe_svm_open();
	if (dev.fd < 0 || xe_svm_dev_init(&dev, dev.fd)) {
		fail("no xe device");
		return 1;
	}
	if (xe_svm_debugfs_value(dev.fd, "vram", "size", &vram) ||
	    vram < (long long)len) {
		fail("VRAM %lld bytes: less than the %zu MiB buffer", vram, mib);
		return 1;
	}

	/* The references, before anything is in VRAM: as many bytes a pass. */
	printf("BENCH memcpy_gbs %.4f\n", memcpy_gbs(len, iters));
	for (s = NSIZES - 1; s > 0; s--) {
		size_t size = s == 2 ? SZ_2M : SZ_64K;

		if (copy_engine(size, len / size, iters, &to_vram, &to_ram))
			return 1;
		printf("BENCH copy_%s_to_vram_gbs %.4f\n", size_key[s], to_vram);
		printf("BENCH copy_%s_to_ram_gbs %.4f\n", size_key[s], to_ram);
	}

	/* 4 KiB ranges: 1/16 of the size is plenty for percentiles. */
	err = buf_init(&b[0], SZ_4K, len / 16 / SZ_4K) ?:
	      buf_init(&b[1], SZ_64K, len / SZ_64K) ?:
	      buf_init(&b[2], SZ_2M, len / SZ_2M);
	if (err) {
		fail("buffers: %s", strerror(-err));
		return 1;
	}
	err = gpu_setup(&g, b[0].nr + b[1].nr + b[2].nr);
	if (err) {
		fail("VM setup: %s", strerror(-err));
		return 1;
	}

	for (s = NSIZES - 1; s >= 0 && !rc; s--) {
		rc = migrate_bench(&g, &b[s], s, iters, &before);
		if (rc || hist_read(&after)) {
			rc = 1;
			break;
		}
		p50 = hist_pct(&before, &after, s, 50, &total);
		p99 = hist_pct(&before, &after, s, 99, &total);
		printf("BENCH %s_faults %lld\n", size_key[s], total);
		printf("BENCH %s_fault_p50_us %lld\n", size_key[s], p50);
		printf("BENCH %s_fault_p99_us %lld\n", size_key[s], p99);
	}

	xe_svm_exec_queue_destroy(dev.fd, g.queue);
	xe_svm_vm_destroy(dev.fd, g.vm);
	return rc ? 1 : 0;
}
