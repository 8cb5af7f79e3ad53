// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_vram - SVM ranges migrating into device memory and back, on an
 * Xe-uAPI device with a VRAM region.
 *
 * The GPU stores one dword into every page of a buffer. Ranges of 64 KiB
 * and more must then be in VRAM (the device's debugfs "vram" counts the
 * bytes in use and gt0/stats the migrations; /proc/self/pagemap must map
 * every page of the range to one of the device's VRAM pages), a 4 KiB
 * range must not; a CPU read migrates the data back (pagemap: no page left
 * in VRAM) and every byte is checked; once the
 * buffers are gone, VRAM in use is back to zero. Fork after migration must
 * leave the child the pre-fork data while the parent's GPU writes anew,
 * also when the child exits while the 2 MiB device folio the two share
 * migrates; a GPU fault on pages fork left shared leaves them, and the
 * child's copy, in system memory.
 * CPU threads and the GPU incrementing one dword lose no update; a
 * VRAM-resident range survives mremap and munmap of half of it and stays
 * right for two VMs mirroring it; a 64 KiB chunk unmapped down to one page
 * is evicted rather than kept for that page; a process exiting with data
 * in VRAM gives every chunk back; vxe unloading while a process still maps
 * its VRAM pages evicts them to that process's system memory.
 *
 * Output is TAP 13 (kselftest style). Exit status: 0 all passed, 1 some
 * failed, 4 skipped (no xe device).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xe_svm_lib.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define SZ_4K			0x1000ul
#define SZ_64K			0x10000ul
#define SZ_2M			0x200000ul
#define FENCE_VALUE		0xfeed0000feed0000ull
#define STORE_OFF		0x3f0

enum result { PASS, FAIL, SKIP };

static struct xe_svm_dev dev;
static const int64_t timeout_ns = 20 * XE_SVM_NSEC_PER_SEC;

static long long vram_used(void)
{
	return xe_svm_debugfs_get(dev.fd, "vram", "used");
}

static long long stat_of(const char *name)
{
	return xe_svm_debugfs_get(dev.fd, "gt0/stats", name);
}

/* Exactly @want pages of [p, p + len) in VRAM, by the page table. */
static int vram_pages_are(const char *what, const void *p, size_t len,
			  long want)
{
	return xe_svm_expect_vram_pages(dev.fd, what, p, len, want);
}

static uint32_t value_of(uint32_t seed, unsigned long page)
{
	return seed * 0x27d4eb2fu ^ (uint32_t)(page + 1) * 0x165667b1u;
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed ^ (i * 13) ^ (i >> 12));
}

static void store(uint8_t *shadow, size_t len, uint32_t seed)
{
	unsigned long k;

	for (k = 0; k < len / SZ_4K; k++) {
		uint32_t v = value_of(seed, k);

		memcpy(shadow + k * SZ_4K + STORE_OFF, &v, sizeof(v));
	}
}

/* A fault-mode VM with the mirror, a queue, a fence page and a batch. */
static int ctx_init(struct xe_svm_ctx *c)
{
	return xe_svm_ctx_init(c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			       DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true);
}

/* Store value_of(@seed, k) into every page k of [buf, buf + len). */
static int gpu_store(struct xe_svm_ctx *c, uint8_t *buf, size_t len,
		     uint32_t seed)
{
	uint64_t want = FENCE_VALUE + ++c->seq;
	unsigned long k, n = 0;
	int err;

	for (k = 0; k < len / SZ_4K; k++)
		n += xe_svm_emit_sdi(c->batch + n,
				     to_u64(buf) + k * SZ_4K + STORE_OFF,
				     value_of(seed, k));
	xe_svm_emit_bbe(c->batch + n);
	c->fence[1] = 0;
	err = xe_svm_exec(dev.fd, c->queue, to_u64(c->batch),
			  to_u64(&c->fence[1]), want) ?:
	      xe_svm_wait_ufence(dev.fd, to_u64(&c->fence[1]), want, c->queue,
				 timeout_ns);
	if (err)
		tap_diag("GPU stores: %s", xe_svm_strerror(err));
	return err;
}

/* Wait (up to 2 s) for VRAM in use to come down to @want bytes. */
static int wait_vram_used(long long want, const char *when)
{
	return xe_svm_debugfs_settles(dev.fd, "vram", "used", want, when);
}

/*
 * Tear a case down: context, buffer, shadow; a passing case must also
 * leave no VRAM in use.
 */
static enum result finish(struct xe_svm_ctx *c, uint8_t *buf, size_t len,
			  void *want, enum result res)
{
	if (xe_svm_ctx_fini(c))
		res = FAIL;
	if (buf)
		munmap(buf, len);
	free(want);
	if (res == PASS && wait_vram_used(0, "after teardown"))
		res = FAIL;
	return res;
}

/* A case's forked child, if still there, killed; its pipe closed. */
static void reap_child(pid_t pid, const int pipefd[2])
{
	int status;

	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
}

/*
 * GPU writes into a @len range (its own VMA): it must land in VRAM (for
 * 64 KiB and more), then a CPU read brings every byte back.
 */
static enum result roundtrip(size_t len, bool expect_vram, size_t first)
{
	const char *stat = len == SZ_2M ? "svm_2M_migrate_count" :
					  "svm_64K_migrate_count";
	uint8_t *buf = xe_svm_map_aligned(len, len), *want = malloc(len);
	long long base, migrations;
	enum result res = FAIL;
	struct xe_svm_ctx c;

	if (ctx_init(&c) || !buf || !want)
		goto out;
	fill(buf, len, 0x5a);
	memcpy(want, buf, len);
	base = vram_used();
	migrations = stat_of(stat);

	if (gpu_store(&c, buf, len, 1))
		goto out;
	store(want, len, 1);
	if (expect_vram) {
		if (vram_used() < base + (long long)len ||
		    stat_of(stat) <= migrations) {
			tap_diag("after the GPU wrote %zu KiB: VRAM in use %lld (was %lld), %s %lld (was %lld)",
				 len / 1024, vram_used(), base, stat,
				 stat_of(stat), migrations);
			goto out;
		}
	} else if (vram_used() != base) {
		tap_diag("a %zu KiB range went to VRAM: in use %lld, was %lld",
			 len / 1024, vram_used(), base);
		goto out;
	}
	if (vram_pages_are("after the GPU wrote", buf, len,
			   expect_vram ? (long)(len / SZ_4K) : 0))
		goto out;
	/* The CPU reads, @first byte first: migration back, every byte. */
	if (buf[first] != want[first]) {
		tap_diag("first CPU read at 0x%zx: 0x%02x, expected 0x%02x",
			 first, buf[first], want[first]);
		goto out;
	}
	if (xe_svm_compare("data read back by the CPU", buf, want, len))
		goto out;
	if (vram_pages_are("after the CPU read everything back", buf, len, 0) ||
	    wait_vram_used(base, "after the CPU read everything back"))
		goto out;

	/* Again: VRAM is reused, nothing stale shows through. */
	if (gpu_store(&c, buf, len, 2))
		goto out;
	store(want, len, 2);
	if (xe_svm_compare("data after a second round", buf, want, len))
		goto out;
	res = PASS;
out:
	return finish(&c, buf, len, want, res);
}

static enum result case_2m(void)
{
	return roundtrip(SZ_2M, true, 0);
}

/* The CPU's first touch is in the middle of a 2 MiB device folio. */
static enum result case_2m_mid(void)
{
	return roundtrip(SZ_2M, true, SZ_2M / 2 + STORE_OFF + 1);
}

static enum result case_64k(void)
{
	return roundtrip(SZ_64K, true, SZ_64K - 1);
}

static enum result case_4k(void)
{
	return roundtrip(SZ_4K, false, 0);
}

/*
 * VRAM-resident data, then teardown without the CPU ever touching it:
 * munmap and VM destroy must return every chunk to the allocator.
 */
static enum result case_teardown(void)
{
	uint8_t *buf = xe_svm_map_aligned(4 * SZ_2M, SZ_2M);
	enum result res = FAIL;
	struct xe_svm_ctx c;

	if (ctx_init(&c) || !buf)
		goto out;
	memset(buf, 7, 4 * SZ_2M);
	if (gpu_store(&c, buf, 4 * SZ_2M, 3))
		goto out;
	if (vram_used() < (long long)(4 * SZ_2M)) {
		tap_diag("8 MiB written by the GPU, VRAM in use %lld",
			 vram_used());
		goto out;
	}
	if (vram_pages_are("8 MiB written by the GPU", buf, 4 * SZ_2M,
			   4 * SZ_2M / SZ_4K))
		goto out;
	munmap(buf, 4 * SZ_2M);
	buf = NULL;
	res = PASS;
out:
	if (xe_svm_ctx_fini(&c))
		res = FAIL;
	if (buf)
		munmap(buf, 4 * SZ_2M);
	if (wait_vram_used(0, "after munmap and VM destroy"))
		res = FAIL;
	return res;
}

/*
 * Fork with the buffer in VRAM (every page of it, by the parent's page
 * table, checked before the fork): the parent's GPU then writes new
 * values; the child must still read what was there at fork, the parent
 * the new values.
 */
static enum result case_fork(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	enum result res = FAIL;
	int pipefd[2] = { -1, -1 }, status;
	struct xe_svm_ctx c;
	pid_t pid;
	char go;

	if (ctx_init(&c) || !buf || !want || pipe(pipefd))
		goto out;
	fill(buf, SZ_2M, 0x33);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&c, buf, SZ_2M, 4))
		goto out;
	store(want, SZ_2M, 4);
	if (vram_pages_are("before the fork", buf, SZ_2M, SZ_2M / SZ_4K))
		goto out;

	pid = fork();
	if (pid < 0)
		goto out;
	if (!pid) {
		/* Child: wait until the parent's GPU wrote, then read. */
		if (read(pipefd[0], &go, 1) != 1)
			_exit(2);
		_exit(xe_svm_compare("child's view after the parent's GPU wrote",
				     buf, want, SZ_2M) ? 1 : 0);
	}
	if (gpu_store(&c, buf, SZ_2M, 5)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		goto out;
	}
	go = 1;
	if (write(pipefd[1], &go, 1) != 1 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		tap_diag("the child saw other data than at fork (status 0x%x)",
			 status);
		goto out;
	}
	store(want, SZ_2M, 5);
	if (xe_svm_compare("parent's data after its GPU wrote", buf, want,
			   SZ_2M))
		goto out;
	res = PASS;
out:
	if (xe_svm_ctx_fini(&c))
		res = FAIL;
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (buf)
		munmap(buf, SZ_2M);
	free(want);
	return res;
}

#define FORK_EXIT_ROUNDS	64
#define THP_TRIES		3

/* AnonHugePages of the VMA holding @p, in KiB (/proc/self/smaps); -1 if none. */
static long anon_huge_kb(const void *p)
{
	unsigned long lo, hi, a = (unsigned long)p;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = lo <= a && a < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/*
 * A fresh 2 MiB buffer backed by one THP (by smaps), filled from @seed, so
 * that the GPU's migration makes it one 2 MiB device folio, PMD-mapped.
 * THP allocation may fail for a moment (fragmentation): THP_TRIES tries.
 */
static uint8_t *map_thp(uint8_t seed)
{
	unsigned int i;
	uint8_t *p;
	long kb;

	for (i = 0; i < THP_TRIES; i++) {
		p = xe_svm_map_aligned(SZ_2M, SZ_2M);
		if (!p)
			return NULL;
		madvise(p, SZ_2M, MADV_HUGEPAGE);
		fill(p, SZ_2M, seed);
		kb = anon_huge_kb(p);
		if (kb == (long)(SZ_2M / 1024))
			return p;
		munmap(p, SZ_2M);
	}
	tap_diag("no THP for a 2 MiB buffer in %u tries (AnonHugePages %ld kB)",
		 THP_TRIES, kb);
	return NULL;
}

/*
 * Fork while the GPU's 2 MiB is one device folio in VRAM (from a THP;
 * every page in VRAM by the page table), FORK_EXIT_ROUNDS times, each on a
 * fresh buffer. The child exits while the parent's GPU writes the range
 * again, which migrates the folio the two share back to system memory (the
 * device PMD is read-only after fork): on even rounds without touching it,
 * after a delay that varies with the round, on odd rounds after reading
 * every byte, which must be the data of before the fork. The parent checks
 * every byte after each of its writes. Without patches/0003 the child's
 * exit takes the PMD migration entry for a device-private mapping (kernel
 * BUG in folio_put(), first round).
 */
static enum result case_fork_2m_exit(void)
{
	uint8_t *buf = NULL, *want = malloc(SZ_2M);
	enum result res = FAIL;
	unsigned int round;
	struct xe_svm_ctx c;
	int status;
	pid_t pid;

	if (ctx_init(&c) || !want)
		goto out;
	for (round = 0; round < FORK_EXIT_ROUNDS; round++) {
		buf = map_thp(round);
		if (!buf)
			goto out;
		memcpy(want, buf, SZ_2M);
		if (gpu_store(&c, buf, SZ_2M, 200 + round))
			goto out;
		store(want, SZ_2M, 200 + round);
		if (vram_pages_are("before the fork", buf, SZ_2M,
				   SZ_2M / SZ_4K))
			goto out;
		pid = fork();
		if (pid < 0)
			goto out;
		if (!pid) {
			if (round & 1)
				_exit(xe_svm_compare("the child's view", buf,
						     want, SZ_2M) ? 1 : 0);
			usleep(round / 2 % 4 * 500);
			_exit(0);
		}
		if (gpu_store(&c, buf, SZ_2M, 300 + round)) {
			waitpid(pid, &status, 0);
			goto out;
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			tap_diag("round %u: child status 0x%x", round, status);
			goto out;
		}
		store(want, SZ_2M, 300 + round);
		if (xe_svm_compare("the parent's data after its GPU wrote", buf,
				   want, SZ_2M)) {
			tap_diag("round %u", round);
			goto out;
		}
		munmap(buf, SZ_2M);
		buf = NULL;
	}
	res = PASS;
out:
	return finish(&c, buf, SZ_2M, want, res);
}

/* PREFETCH [buf, buf + len) of @c's VM into VRAM (region instance 1). */
static int prefetch_vram(struct xe_svm_ctx *c, uint8_t *buf, size_t len)
{
	struct xe_svm_bind_args a = {
		.vm = c->vm,
		.op = DRM_XE_VM_BIND_OP_PREFETCH,
		.addr = to_u64(buf),
		.range = len,
		.pat_index = dev.pat_index,
		.prefetch_region = 1,
	};
	int err = xe_svm_bind(dev.fd, &a, &c->fence[0]);

	if (err)
		tap_diag("PREFETCH to VRAM: %s", xe_svm_strerror(err));
	return err;
}

/*
 * A GPU fault on pages that fork left shared with a child: the parent's
 * GPU writes a 2 MiB THP-backed buffer that it and its child still share
 * copy-on-write, never in VRAM before. The shared pages must stay in
 * system memory (debugfs vram cow_pages grows by all 512 of them, none of
 * the parent's pages is in VRAM), the child's copy must be untouched
 * (every byte as at fork, none of its pages in VRAM) and the parent must
 * read its GPU's data. Once the child is gone, a PREFETCH to VRAM moves
 * the parent's pages, its own now, into VRAM, every one of them.
 */
static enum result case_fork_shared_gpu_fault(void)
{
	uint8_t *buf = map_thp(0x4c), *want = malloc(SZ_2M);
	int pipefd[2] = { -1, -1 }, status = 0;
	enum result res = FAIL;
	struct xe_svm_ctx c;
	long long cow;
	pid_t pid = -1;
	char go = 1;

	if (ctx_init(&c) || !buf || !want || pipe(pipefd))
		goto out;
	memcpy(want, buf, SZ_2M);
	cow = xe_svm_debugfs_get(dev.fd, "vram", "cow_pages");
	pid = fork();
	if (pid < 0)
		goto out;
	if (!pid) {
		if (read(pipefd[0], &go, 1) != 1)
			_exit(2);
		if (vram_pages_are("the child's copy after the parent's GPU wrote",
				   buf, SZ_2M, 0))
			_exit(1);
		_exit(xe_svm_compare("the child's copy after the parent's GPU wrote",
				     buf, want, SZ_2M) ? 1 : 0);
	}
	if (gpu_store(&c, buf, SZ_2M, 40))
		goto out;
	if (xe_svm_debugfs_get(dev.fd, "vram", "cow_pages") <
	    cow + (long long)(SZ_2M / SZ_4K)) {
		tap_diag("debugfs vram cow_pages %lld, was %lld: the shared pages were not left out",
			 xe_svm_debugfs_get(dev.fd, "vram", "cow_pages"), cow);
		goto out;
	}
	if (vram_pages_are("the parent's shared pages after its GPU wrote", buf,
			   SZ_2M, 0))
		goto out;
	status = 0;
	if (write(pipefd[1], &go, 1) != 1 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		tap_diag("the child's copy: status 0x%x", status);
		pid = -1;
		goto out;
	}
	pid = -1;
	store(want, SZ_2M, 40);
	if (xe_svm_compare("the parent's data after its GPU wrote", buf, want,
			   SZ_2M))
		goto out;
	if (prefetch_vram(&c, buf, SZ_2M) ||
	    vram_pages_are("after the child exited and a PREFETCH to VRAM", buf,
			   SZ_2M, SZ_2M / SZ_4K) ||
	    xe_svm_compare("the parent's data after the PREFETCH", buf, want,
			   SZ_2M))
		goto out;
	res = PASS;
out:
	reap_child(pid, pipefd);
	return finish(&c, buf, SZ_2M, want, res);
}

#define HAMMER_THREADS		2
#define HAMMER_MIN_BATCHES	16u
#define HAMMER_MAX_BATCHES	400u
#define HAMMER_GPU_INCS		256u
#define HAMMER_OFF		(SZ_2M / 2 + 0x40)

struct hammer {
	uint32_t *counter;
	volatile int *stop;
	unsigned long incs;
};

/* Increment until told to stop; count what we added. */
static void *hammer_cpu(void *arg)
{
	struct hammer *h = arg;

	while (!*h->stop) {
		__atomic_fetch_add(h->counter, 1, __ATOMIC_SEQ_CST);
		h->incs++;
	}
	return NULL;
}

/*
 * CPU threads and the GPU increment the same dword of a 2 MiB range at
 * once: CPU increments pull the range out of VRAM, GPU batches push it
 * back in. The GPU runs batches until both happened while the CPU threads
 * were running (else the race was not exercised and the case fails). No
 * increment may be lost, nothing else in the range may change, and it
 * must finish (no livelock).
 */
static enum result case_hammer(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	struct hammer h[HAMMER_THREADS];
	pthread_t tid[HAMMER_THREADS];
	unsigned int i, j, n = 0, started = 0, batches = 0;
	long long mig = 0, back = 0, dmig = 0, dback = 0;
	enum result res = FAIL;
	volatile int stop = 0;
	unsigned long cpu = 0;
	uint64_t fence;
	uint32_t total;
	struct xe_svm_ctx c;
	int err = 0;

	if (ctx_init(&c) || !buf || !want)
		goto out;
	fill(buf, SZ_2M, 0x77);
	memset(buf + HAMMER_OFF, 0, 4);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&c, buf, SZ_2M, 8))
		goto out;
	store(want, SZ_2M, 8);
	memcpy(&total, buf + HAMMER_OFF, 4);

	for (j = 0; j < HAMMER_GPU_INCS; j++)
		n += xe_svm_emit_atomic_inc(c.batch + n,
					    to_u64(buf + HAMMER_OFF));
	xe_svm_emit_bbe(c.batch + n);

	mig = stat_of("svm_2M_migrate_count");
	back = stat_of("svm_cpu_copy_kb");
	for (i = 0; i < HAMMER_THREADS; i++) {
		h[i].counter = (uint32_t *)(buf + HAMMER_OFF);
		h[i].stop = &stop;
		h[i].incs = 0;
		if (pthread_create(&tid[i], NULL, hammer_cpu, &h[i]))
			break;
		started++;
	}
	while (!err && started == HAMMER_THREADS &&
	       batches < HAMMER_MAX_BATCHES &&
	       (batches < HAMMER_MIN_BATCHES || !dmig || !dback)) {
		fence = FENCE_VALUE + ++c.seq;
		c.fence[1] = 0;
		err = xe_svm_exec(dev.fd, c.queue, to_u64(c.batch),
				  to_u64(&c.fence[1]), fence) ?:
		      xe_svm_wait_ufence(dev.fd, to_u64(&c.fence[1]), fence,
					 c.queue, timeout_ns);
		batches++;
		dmig = stat_of("svm_2M_migrate_count") - mig;
		dback = stat_of("svm_cpu_copy_kb") - back;
	}
	stop = 1;
	for (i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		cpu += h[i].incs;
	}
	if (err || started < HAMMER_THREADS) {
		tap_diag("GPU batches: %s, CPU threads started: %u",
			 xe_svm_strerror(err), started);
		goto out;
	}
	tap_diag("%u GPU batches, %lu CPU increments; meanwhile %lld migrations to VRAM, %lld KiB back to RAM",
		 batches, cpu, dmig, dback);
	if (!dmig || !dback) {
		tap_diag("the range never moved both ways: the race was not exercised");
		goto out;
	}
	total += cpu + batches * HAMMER_GPU_INCS;
	memcpy(want + HAMMER_OFF, &total, 4);
	if (xe_svm_compare("after CPU and GPU increments", buf, want, SZ_2M))
		goto out;
	res = PASS;
out:
	return finish(&c, buf, SZ_2M, want, res);
}

/*
 * A VRAM-resident 2 MiB range moves with mremap: the GPU then writes half
 * of it at the new address; the CPU must see the new values there and the
 * pre-mremap data everywhere else.
 */
static enum result case_mremap(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	uint8_t *dst = xe_svm_map_aligned(SZ_2M, SZ_2M), *moved = MAP_FAILED;
	enum result res = FAIL;
	long long before;
	struct xe_svm_ctx c;

	if (ctx_init(&c) || !buf || !want || !dst)
		goto out;
	fill(buf, SZ_2M, 0x4d);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&c, buf, SZ_2M, 6))
		goto out;
	store(want, SZ_2M, 6);
	before = vram_used();
	if (before < (long long)SZ_2M) {
		tap_diag("2 MiB written by the GPU, VRAM in use %lld", before);
		goto out;
	}
	moved = mremap(buf, SZ_2M, SZ_2M, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (moved != dst) {
		tap_diag("mremap: %s", strerror(errno));
		moved = MAP_FAILED;
		goto out;
	}
	buf = NULL;
	if (vram_used() != before) {
		tap_diag("mremap changed VRAM in use: %lld, was %lld",
			 vram_used(), before);
		goto out;
	}
	if (vram_pages_are("at the new address after mremap", dst, SZ_2M,
			   SZ_2M / SZ_4K))
		goto out;
	/* New values in the first half, at the new address. */
	if (gpu_store(&c, dst, SZ_2M / 2, 7))
		goto out;
	store(want, SZ_2M / 2, 7);
	if (xe_svm_compare("moved range after GPU writes at the new address",
			   dst, want, SZ_2M))
		goto out;
	res = PASS;
out:
	if (xe_svm_ctx_fini(&c))
		res = FAIL;
	if (buf)
		munmap(buf, SZ_2M);
	if (dst)
		munmap(dst, SZ_2M);
	free(want);
	if (res == PASS && wait_vram_used(0, "after teardown"))
		res = FAIL;
	return res;
}

/*
 * munmap of the upper half of a VRAM-resident 2 MiB range (one device
 * folio): the lower half must read back intact and take new GPU writes.
 */
static enum result case_munmap_half(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	enum result res = FAIL;
	size_t half = SZ_2M / 2;
	struct xe_svm_ctx c;

	if (ctx_init(&c) || !buf || !want)
		goto out;
	fill(buf, SZ_2M, 0x19);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&c, buf, SZ_2M, 10))
		goto out;
	store(want, SZ_2M, 10);
	if (vram_used() < (long long)SZ_2M) {
		tap_diag("2 MiB written by the GPU, VRAM in use %lld",
			 vram_used());
		goto out;
	}
	if (vram_pages_are("2 MiB written by the GPU", buf, SZ_2M,
			   SZ_2M / SZ_4K))
		goto out;
	if (munmap(buf + half, half)) {
		tap_diag("munmap of the upper half: %s", strerror(errno));
		goto out;
	}
	if (gpu_store(&c, buf, half, 11))
		goto out;
	store(want, half, 11);
	if (xe_svm_compare("lower half after munmap of the upper", buf, want,
			   half))
		goto out;
	res = PASS;
out:
	return finish(&c, buf, SZ_2M, want, res);
}

/*
 * A chunk freed down to an eighth of its pages must not keep its block:
 * the GPU writes a 64 KiB range (a 64 KiB chunk), all of it but the last
 * page is unmapped, and the engine evicts that page, so VRAM in use goes
 * back to where it was and the page, in system memory now, still holds
 * its data.
 */
static enum result case_sparse(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_64K, SZ_64K), *want = malloc(SZ_64K);
	size_t keep = SZ_64K - SZ_4K;
	long long base = vram_used(), sparse, now;
	enum result res = FAIL;
	struct xe_svm_ctx c;

	sparse = xe_svm_debugfs_get(dev.fd, "vram", "sparse_evictions");
	if (ctx_init(&c) || !buf || !want || sparse < 0)
		goto out;
	fill(buf, SZ_64K, 0x2b);
	memcpy(want, buf, SZ_64K);
	if (gpu_store(&c, buf, SZ_64K, 12))
		goto out;
	store(want, SZ_64K, 12);
	if (vram_used() < base + (long long)SZ_64K) {
		tap_diag("64 KiB written by the GPU, VRAM in use %lld",
			 vram_used());
		goto out;
	}
	if (vram_pages_are("64 KiB written by the GPU", buf, SZ_64K,
			   SZ_64K / SZ_4K))
		goto out;
	if (munmap(buf, keep)) {
		tap_diag("munmap of 60 KiB: %s", strerror(errno));
		goto out;
	}
	if (wait_vram_used(base, "after unmapping 15 of 16 pages"))
		goto out;
	now = xe_svm_debugfs_get(dev.fd, "vram", "sparse_evictions");
	if (now <= sparse) {
		tap_diag("sparse_evictions %lld, was %lld", now, sparse);
		goto out;
	}
	/* Evicted: in system memory before the CPU touches it. */
	if (vram_pages_are("the page left after the eviction", buf + keep,
			   SZ_4K, 0))
		goto out;
	if (xe_svm_compare("the page left", buf + keep, want + keep, SZ_4K))
		goto out;
	res = PASS;
out:
	if (buf)
		munmap(buf, keep);
	return finish(&c, buf ? buf + keep : NULL, SZ_4K, want, res);
}

/*
 * A VRAM-resident 2 MiB folio moved by mremap() to an address that is not
 * 2 MiB aligned: its PMD becomes PTEs while the device folio stays large,
 * and the CPU's first touch is a PTE fault away from the folio's head (the
 * case Linux 7.2's split-on-collect gets wrong).
 */
static enum result case_pte_mapped(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	uint8_t *area = xe_svm_map_aligned(2 * SZ_2M, SZ_2M), *dst = NULL;
	size_t probe = SZ_2M / 2 + 5 * SZ_4K + 7;
	enum result res = FAIL;
	struct xe_svm_ctx c;

	if (ctx_init(&c) || !buf || !want || !area)
		goto out;
	fill(buf, SZ_2M, 0x4b);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&c, buf, SZ_2M, 13))
		goto out;
	store(want, SZ_2M, 13);
	if (vram_used() < (long long)SZ_2M) {
		tap_diag("2 MiB written by the GPU, VRAM in use %lld",
			 vram_used());
		goto out;
	}
	dst = mremap(buf, SZ_2M, SZ_2M, MREMAP_MAYMOVE | MREMAP_FIXED,
		     area + SZ_64K);
	if (dst == MAP_FAILED) {
		tap_diag("mremap: %s", strerror(errno));
		dst = NULL;
		goto out;
	}
	buf = NULL;
	/* Still in VRAM, PTE-mapped now, before the CPU's first touch. */
	if (vram_pages_are("the folio moved by mremap", dst, SZ_2M,
			   SZ_2M / SZ_4K))
		goto out;
	if (dst[probe] != want[probe]) {
		tap_diag("first read, mid-folio at the new address, is wrong");
		goto out;
	}
	if (xe_svm_compare("data of the PTE-mapped folio", dst, want, SZ_2M))
		goto out;
	res = PASS;
out:
	if (area)
		munmap(area, 2 * SZ_2M);
	return finish(&c, buf, SZ_2M, want, res);
}

/*
 * A hole zapped in the middle of a VRAM-resident 2 MiB folio and filled
 * from another chunk by the next GPU fault: the range's pages are then
 * folio A, folio B, folio A again, and committing them must lock A once
 * (a second trylock of A fails against our own lock, every retry fails
 * the same way, and the queue is banned).
 */
static enum result case_hole_refault(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	size_t hole = SZ_2M / 2 + 3 * SZ_64K;
	enum result res = FAIL;
	struct xe_svm_ctx c;

	if (ctx_init(&c) || !buf || !want)
		goto out;
	fill(buf, SZ_2M, 0x5d);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&c, buf, SZ_2M, 23))
		goto out;
	store(want, SZ_2M, 23);
	if (vram_pages_are("2 MiB written by the GPU", buf, SZ_2M,
			   SZ_2M / SZ_4K))
		goto out;
	if (madvise(buf + hole, SZ_64K, MADV_DONTNEED)) {
		tap_diag("MADV_DONTNEED: %s", strerror(errno));
		goto out;
	}
	memset(want + hole, 0, SZ_64K);
	if (vram_pages_are("2 MiB with a 64 KiB hole", buf, SZ_2M,
			   (SZ_2M - SZ_64K) / SZ_4K))
		goto out;
	/* Past the migration timeslice, so that the hole moves in. */
	usleep(50 * 1000);
	if (gpu_store(&c, buf, SZ_2M, 24))
		goto out;
	store(want, SZ_2M, 24);
	if (vram_pages_are("2 MiB with the hole refilled by the GPU", buf,
			   SZ_2M, SZ_2M / SZ_4K))
		goto out;
	if (xe_svm_compare("2 MiB with the hole refilled", buf, want, SZ_2M))
		goto out;
	res = PASS;
out:
	return finish(&c, buf, SZ_2M, want, res);
}

/*
 * Two VMs of one process mirror the same 2 MiB range: VM A's GPU moves it
 * into VRAM, VM B's GPU then writes half of it through the same device
 * pages, VM A a quarter again; each VM's mapping must stay right.
 */
static enum result case_two_vms(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	enum result res = FAIL;
	struct xe_svm_ctx a, b;

	memset(&b, 0, sizeof(b));
	if (ctx_init(&a) || ctx_init(&b) || !buf || !want)
		goto out;
	fill(buf, SZ_2M, 0x2e);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&a, buf, SZ_2M, 20))
		goto out;
	store(want, SZ_2M, 20);
	if (vram_used() < (long long)SZ_2M) {
		tap_diag("2 MiB written by VM A's GPU, VRAM in use %lld",
			 vram_used());
		goto out;
	}
	if (vram_pages_are("2 MiB written by VM A's GPU", buf, SZ_2M,
			   SZ_2M / SZ_4K))
		goto out;
	if (gpu_store(&b, buf, SZ_2M / 2, 21))
		goto out;
	store(want, SZ_2M / 2, 21);
	if (gpu_store(&a, buf, SZ_2M / 4, 22))
		goto out;
	store(want, SZ_2M / 4, 22);
	if (xe_svm_compare("range written by two VMs", buf, want, SZ_2M))
		goto out;
	res = PASS;
out:
	if (xe_svm_ctx_fini(&a) | xe_svm_ctx_fini(&b))
		res = FAIL;
	if (buf)
		munmap(buf, SZ_2M);
	free(want);
	if (res == PASS && wait_vram_used(0, "after teardown"))
		res = FAIL;
	return res;
}

/*
 * A child process opens the device, moves 4 MiB into VRAM and exits
 * without cleaning up: every chunk must return to the allocator.
 */
static enum result case_exit(void)
{
	int status = 0;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return FAIL;
	if (!pid) {
		uint8_t *buf = xe_svm_map_aligned(2 * SZ_2M, SZ_2M);
		struct xe_svm_ctx c;

		dev.fd = xe_svm_open();
		if (dev.fd < 0 || !buf || ctx_init(&c))
			_exit(2);
		memset(buf, 9, 2 * SZ_2M);
		if (gpu_store(&c, buf, 2 * SZ_2M, 23) ||
		    vram_used() < (long long)(2 * SZ_2M) ||
		    vram_pages_are("the child's 4 MiB written by the GPU", buf,
				   2 * SZ_2M, 2 * SZ_2M / SZ_4K))
			_exit(3);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		tap_diag("child: status 0x%x", status);
		return FAIL;
	}
	return wait_vram_used(0, "after the child exited") ? FAIL : PASS;
}

/*
 * The last case: with every device file closed but VRAM pages still in
 * our address space, and in a forked child's (the 2 MiB device folio is
 * mapped in both), vxe unloads: it evicts them to system memory first
 * (neither page table may then map any of its former VRAM pfns), so the
 * data reads back intact afterwards, from RAM, in both processes (a device
 * page left behind would be fatal to touch with the driver gone, so it is
 * not touched then). vxe is then loaded again for whoever comes next.
 */

/* The child of case_unload(): wait for the unload, then check its copy. */
static int unload_child(int go_fd, const struct xe_svm_vram_pfns *pfns,
			const uint8_t *buf, const uint8_t *want)
{
	long left;
	char go;

	if (read(go_fd, &go, 1) != 1 || go != 'u')
		return 2;
	left = xe_svm_vram_pages_in(pfns, buf, SZ_2M);
	if (left) {
		tap_diag("child, after vxe unloaded: %ld pages still mapped to its VRAM pfns",
			 left);
		return 1;
	}
	return xe_svm_compare("the child's data after vxe unloaded", buf, want,
			      SZ_2M) ? 1 : 0;
}

static enum result case_unload(void)
{
	uint8_t *buf = xe_svm_map_aligned(SZ_2M, SZ_2M), *want = malloc(SZ_2M);
	int pipefd[2] = { -1, -1 }, status;
	struct xe_svm_vram_pfns pfns;
	enum result res = FAIL;
	struct xe_svm_ctx c;
	pid_t pid = -1;
	long left;

	if (ctx_init(&c) || !buf || !want)
		goto out;
	fill(buf, SZ_2M, 0x61);
	memcpy(want, buf, SZ_2M);
	if (gpu_store(&c, buf, SZ_2M, 12))
		goto out;
	store(want, SZ_2M, 12);
	if (vram_used() < (long long)SZ_2M) {
		tap_diag("2 MiB written by the GPU, VRAM in use %lld",
			 vram_used());
		goto out;
	}
	if (xe_svm_vram_pfns_get(dev.fd, &pfns)) {
		tap_diag("debugfs vram: no pfn_first/pfn_count");
		goto out;
	}
	if (vram_pages_are("2 MiB written by the GPU", buf, SZ_2M,
			   SZ_2M / SZ_4K))
		goto out;
	if (pipe(pipefd))
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (!pid) {
		close(dev.fd);
		_exit(unload_child(pipefd[0], &pfns, buf, want));
	}
	if (xe_svm_vram_pages_in(&pfns, buf, SZ_2M) != (long)(SZ_2M / SZ_4K)) {
		tap_diag("after fork: the parent's 2 MiB not all in VRAM");
		goto out;
	}
	if (xe_svm_ctx_fini(&c))
		goto out;
	close(dev.fd);
	dev.fd = -1;

	if (syscall(SYS_delete_module, "vxe", O_NONBLOCK)) {
		tap_diag("delete_module(vxe) with VRAM in use: %s",
			 strerror(errno));
		goto out_reopen;
	}
	left = xe_svm_vram_pages_in(&pfns, buf, SZ_2M);
	if (left) {
		tap_diag("after vxe unloaded: %ld pages still mapped to its VRAM pfns (%s)",
			 left, left < 0 ? xe_svm_strerror(left) : "not touched");
		/* A device page of a driver gone: not even munmap it. */
		buf = NULL;
		goto out_reload;
	}
	if (xe_svm_compare("data after vxe unloaded", buf, want, SZ_2M))
		goto out_reload;
	res = PASS;
out_reload:
	/* The child's turn: its copy must have left VRAM too. */
	if (write(pipefd[1], "u", 1) != 1 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		tap_diag("the forked child's copy after vxe unloaded: status 0x%x",
			 status);
		res = FAIL;
	}
	pid = -1;
	if (system("modprobe vxe")) {
		tap_diag("loading vxe again failed");
		res = FAIL;
	}
out_reopen:
	dev.fd = xe_svm_open();
	if (dev.fd < 0) {
		tap_diag("reopening the device: %s", xe_svm_strerror(dev.fd));
		res = FAIL;
	}
out:
	reap_child(pid, pipefd);
	return finish(&c, buf, SZ_2M, want, res);
}

static const struct {
	const char *name;
	enum result (*fn)(void);
} tests[] = {
	{ "vram-2m-roundtrip", case_2m },
	{ "vram-2m-cpu-fault-mid-folio", case_2m_mid },
	{ "vram-64k-roundtrip", case_64k },
	{ "sysmem-4k-stays", case_4k },
	{ "vram-teardown-returns-chunks", case_teardown },
	{ "vram-fork-child-keeps-data", case_fork },
	{ "vram-fork-2m-child-exits", case_fork_2m_exit },
	{ "vram-gpu-fault-skips-fork-shared", case_fork_shared_gpu_fault },
	{ "vram-cpu-gpu-atomic-hammer", case_hammer },
	{ "vram-mremap-then-gpu-at-new-address", case_mremap },
	{ "vram-munmap-half-of-2m", case_munmap_half },
	{ "vram-sparse-64k-chunk-evicted", case_sparse },
	{ "vram-2m-pte-mapped-cpu-fault", case_pte_mapped },
	{ "vram-two-vms-one-range", case_two_vms },
	{ "vram-hole-refilled-from-another-chunk", case_hole_refault },
	{ "vram-process-exit-returns-chunks", case_exit },
	/* Last: it unloads and reloads vxe. */
	{ "vram-module-unload-evicts-to-ram", case_unload },
};

int main(void)
{
	long long size = 0;
	char why[96] = "";
	unsigned int i;
	int fd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = xe_svm_open();
	if (fd < 0) {
		printf("TAP version 13\n1..0 # SKIP no xe device\n");
		return 4;
	}
	tap_plan(ARRAY_SIZE(tests));
	err = xe_svm_dev_init(&dev, fd);
	/*
	 * Whether there is VRAM is the device's word (MEM_REGIONS); debugfs
	 * must then describe it, or every case fails saying so.
	 */
	if (!err && !dev.vram_placement) {
		for (i = 0; i < ARRAY_SIZE(tests); i++)
			tap_skip(tests[i].name, "the device has no VRAM region");
		return tap_finish();
	}
	if (err)
		snprintf(why, sizeof(why), "device queries failed: %s",
			 xe_svm_strerror(err));
	else if (xe_svm_debugfs_value(fd, "vram", "size", &size) || size <= 0)
		snprintf(why, sizeof(why),
			 "the device has VRAM but debugfs vram is unreadable or has no size");
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (why[0]) {
			tap_diag("%s", why);
			tap_ok(false, tests[i].name);
			continue;
		}
		tap_ok(tests[i].fn() == PASS, tests[i].name);
	}
	return tap_finish();
}
