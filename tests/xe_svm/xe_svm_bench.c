// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_bench - what 'make bench' measures on our side: the in-guest
 * memcpy bandwidth (the reference), GPU-fault migration into VRAM for
 * 2 MiB and 64 KiB ranges, CPU-fault migration back, and the driver's
 * fault service time percentiles per range size.
 *
 * Every figure comes from this run: throughputs are bytes over wall time
 * around the operation (a GPU pass is one exec that faults every range of
 * the buffer, a CPU pass touches one byte per range); percentiles come
 * from vxe's gt0/svm_fault_histogram (bucket bounds, within 25 %). Data
 * and placement are checked after every pass, outside the timing: a
 * wrong byte or a range not in VRAM fails the run.
 *
 * With --evict (vxe loaded with a small VRAM) it measures eviction
 * instead: a buffer of twice VRAM in 2 MiB ranges streamed by GPU faults
 * (each pass migrates it all in, evicting half of it), the same bytes
 * moved by an explicit schedule (PREFETCH one half, run on it, PREFETCH
 * the other half, run on it), the eviction throughput from the driver's
 * counters, and the service time of 4 KiB faults (no copy involved) idle
 * and while another VM streams through VRAM.
 *
 * Output: "BENCH key value" lines for tools/harness/bench.py.
 * Usage: xe_svm_bench [MiB per buffer, default 128] [iterations, default 5]
 *        xe_svm_bench --evict [iterations, default 5]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
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

static long long vram_value(const char *key)
{
	long long v = -1;

	xe_svm_debugfs_value(dev.fd, "vram", key, &v);
	return v;
}

static long long vram_used(void)
{
	return vram_value("used");
}

/* The histogram: per size, bucket limits (us) and counts. */
struct hist {
	int n[NSIZES];
	long long limit[NSIZES][NBUCKETS], count[NSIZES][NBUCKETS];
};

static int hist_read(struct hist *h)
{
	FILE *f = xe_svm_debugfs_open(dev.fd, "gt0/svm_fault_histogram");
	long long limit, count;
	char line[96], key[8];
	int s;

	memset(h, 0, sizeof(*h));
	if (!f)
		return -1;
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
				printf("# pass %u: range %zu byte 0x%zx is 0x%02x, expected 0x%02x\n",
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

/*
 * A warm-up and @iters timed GPU passes (into VRAM for 64 KiB and up) and
 * CPU passes (back), data and placement checked after each; the fault
 * histogram is sampled into @before after the warm-up.
 */
static int migrate_bench(struct gpu *g, struct buf *b, int s, int iters,
			 struct hist *before)
{
	double gpu_t = 0, cpu_t = 0, t;
	long long base = vram_used(), in;
	size_t bytes = b->size * b->nr;
	int i, vram = s > 0;

	for (i = 0; i <= iters; i++) {
		if (i == 1)
			hist_read(before);
		gpu_batch(g, b, i + 1);
		t = now_s();
		if (gpu_exec(g, i + 1)) {
			printf("# %s: GPU pass %d failed\n", size_key[s], i);
			return -1;
		}
		t = now_s() - t;
		if (i)
			gpu_t += t;
		in = vram_used() - base;
		if (vram && in < (long long)bytes) {
			printf("# %s: only %lld of %zu bytes in VRAM after the GPU pass\n",
			       size_key[s], in, bytes);
			return -1;
		}
		if (!vram && in) {
			printf("# %s: %lld bytes went to VRAM\n", size_key[s],
			       in);
			return -1;
		}
		t = now_s();
		cpu_pass(b);
		t = now_s() - t;
		if (i)
			cpu_t += t;
		if (buf_check(b, i + 1))
			return -1;
		if (vram && vram_used() != base) {
			usleep(100000);
			if (vram_used() != base) {
				printf("# %s: %lld bytes still in VRAM after the CPU read everything\n",
				       size_key[s], vram_used() - base);
				return -1;
			}
		}
		if (!vram && invalidate(b)) {
			printf("# %s: mprotect: %s\n", size_key[s],
			       strerror(errno));
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

/* @iters passes of 4 KiB faults; p99 of their service time in @p99. */
static int small_faults(struct gpu *g, struct buf *b, int iters,
			unsigned int *pass, long long *p99, long long *n)
{
	struct hist h0, h1;
	int i;

	hist_read(&h0);
	for (i = 0; i < iters; i++) {
		gpu_batch(g, b, ++*pass);
		if (gpu_exec(g, *pass) || buf_check(b, *pass) || invalidate(b))
			return -1;
	}
	hist_read(&h1);
	*p99 = hist_pct(&h0, &h1, 0, 99, n);
	return 0;
}

static int evict_bench(int iters)
{
	long long vram = vram_value("size"), ev0, us0, ev, us, p99, n;
	double t_fault = 0, t_explicit = 0, t;
	struct streamer st = { 0 };
	struct gpu gs = { 0 }, g4 = { 0 };
	unsigned int pass = 0, pass4 = 0;
	struct buf s, b4;
	pthread_t tid;
	size_t half;
	int i, err;

	if (vram <= 0 || vram % (2 * SZ_2M)) {
		printf("# VRAM %lld bytes: not a device for --evict\n", vram);
		return -1;
	}
	half = vram / SZ_2M;
	err = stream_init(&s, 2 * half) ?:
	      buf_init(&b4, SZ_4K, 1024) ?:
	      gpu_setup(&gs, 2 * half) ?:
	      gpu_setup(&g4, b4.nr);
	if (err) {
		printf("# setup: %s\n", strerror(-err));
		return -1;
	}
	printf("BENCH evict_vram_bytes %lld\n", vram);

	/* Fault-driven streaming; the warm-up pass is not timed. */
	ev0 = vram_value("evicted");
	us0 = vram_value("evict_us");
	for (i = 0; i <= iters; i++) {
		t = now_s();
		if (stream_exec(&gs, &s, 0, s.nr, ++pass))
			return -1;
		if (i)
			t_fault += now_s() - t;
		if (buf_check(&s, pass))
			return -1;
	}
	ev = vram_value("evicted") - ev0;
	us = vram_value("evict_us") - us0;
	if (ev <= 0 || us <= 0) {
		printf("# streaming twice VRAM evicted nothing\n");
		return -1;
	}
	printf("BENCH evict_bytes %lld\n", ev);
	printf("BENCH evict_gbs %.4f\n", ev / (us * 1e-6) / 1e9);
	printf("BENCH stream_fault_s %.4f\n", t_fault);

	/* The same bytes on an explicit schedule: PREFETCH, then run. */
	for (i = 0; i <= iters; i++) {
		t = now_s();
		pass++;
		if (stream_prefetch(&gs, &s, 0, half) ||
		    stream_exec(&gs, &s, 0, half, pass) ||
		    stream_prefetch(&gs, &s, half, half) ||
		    stream_exec(&gs, &s, half, half, pass))
			return -1;
		if (i)
			t_explicit += now_s() - t;
		if (buf_check(&s, pass))
			return -1;
	}
	printf("BENCH stream_prefetch_s %.4f\n", t_explicit);

	/* 4 KiB faults (no copy), idle and while another VM streams. */
	if (small_faults(&g4, &b4, iters, &pass4, &p99, &n))
		return -1;
	printf("BENCH 4K_idle_faults %lld\n", n);
	printf("BENCH 4K_idle_p99_us %lld\n", p99);
	st.g = &gs;
	st.b = &s;
	st.pass = pass;
	ev0 = vram_value("evictions");
	if (pthread_create(&tid, NULL, streamer_thread, &st))
		return -1;
	err = small_faults(&g4, &b4, iters, &pass4, &p99, &n);
	st.stop = 1;
	pthread_join(tid, NULL);
	if (err || st.err)
		return -1;
	if (vram_value("evictions") == ev0) {
		printf("# nothing was evicted while the 4 KiB faults ran\n");
		return -1;
	}
	printf("BENCH 4K_evicting_faults %lld\n", n);
	printf("BENCH 4K_evicting_p99_us %lld\n", p99);
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

int main(int argc, char **argv)
{
	size_t mib;
	int iters = argc > 2 ? atoi(argv[2]) : 5, s, err, rc = 0;
	long long vram = 0, total, p50, p99;
	struct hist before, after;
	struct buf b[NSIZES];
	struct gpu g = { 0 };
	size_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--evict")) {
		iters = argc > 2 ? atoi(argv[2]) : 5;
		dev.fd = xe_svm_open();
		if (iters < 1 || dev.fd < 0 || xe_svm_dev_init(&dev, dev.fd)) {
			printf("# no xe device\n");
			return 1;
		}
		return evict_bench(iters) ? 1 : 0;
	}
	mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 128;
	len = mib * SZ_1M;
	if (iters < 1 || !mib) {
		fprintf(stderr, "usage: %s [MiB] [iterations]\n", argv[0]);
		return 2;
	}
	dev.fd = xe_svm_open();
	if (dev.fd < 0 || xe_svm_dev_init(&dev, dev.fd)) {
		printf("# no xe device\n");
		return 1;
	}
	if (xe_svm_debugfs_value(dev.fd, "vram", "size", &vram) ||
	    vram < (long long)len) {
		printf("# VRAM %lld bytes: less than the %zu MiB buffer\n",
		       vram, mib);
		return 1;
	}

	printf("BENCH memcpy_gbs %.4f\n", memcpy_gbs(len, iters));

	/* 4 KiB ranges: 1/16 of the size is plenty for percentiles. */
	err = buf_init(&b[0], SZ_4K, len / 16 / SZ_4K) ?:
	      buf_init(&b[1], SZ_64K, len / SZ_64K) ?:
	      buf_init(&b[2], SZ_2M, len / SZ_2M);
	if (err) {
		printf("# buffers: %s\n", strerror(-err));
		return 1;
	}
	err = gpu_setup(&g, b[0].nr + b[1].nr + b[2].nr);
	if (err) {
		printf("# VM setup: %s\n", strerror(-err));
		return 1;
	}

	for (s = NSIZES - 1; s >= 0 && !rc; s--) {
		rc = migrate_bench(&g, &b[s], s, iters, &before);
		hist_read(&after);
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
