// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_evict - working sets larger than VRAM: GPU faults on 2 MiB ranges
 * keep migrating into a full VRAM, which evicts the coldest chunks back to
 * system memory; CPU reads in between pull ranges back as well. The
 * device must report evictions (else VRAM was never under pressure and
 * the case fails), VRAM in use never exceeds its size, and it returns to
 * zero at the end.
 *
 * Run with a small VRAM (run-vxe.sh vram_mb=16 xe_svm_evict): the working
 * sets are 2x and 4x its size, from one VM, four threads with a VM each,
 * and four processes; after every GPU pass over a working set the CPU
 * checks every byte of it. Then 2 MiB ranges are unmapped, mremap()ed and
 * read by the CPU right after the GPU wrote them, and 64 KiB and 2 MiB
 * ranges are forked over (the child reading and exiting while the parent's
 * GPU writes), while another VM keeps evicting. A further case runs a 4x
 * working set while the engine's fault injection (debugfs
 * fail_vram_alloc, fail_vram_copy) makes one VRAM allocation and one copy
 * in ten fail: the data must come through intact from system memory or
 * VRAM, and both kinds of failure must have happened. Buffer objects placed in VRAM share it with SVM: a
 * BO created in a VRAM full of SVM ranges evicts them, one that does not
 * fit beside other BOs is refused (or goes to system memory if allowed),
 * and SVM faults on a VRAM full of BOs are served from system memory.
 * Finally 1000 short-lived processes each put 2 MiB
 * in VRAM, every page of it by their page table (/proc/self/pagemap), and
 * exit (every other one after checking its data, which must bring every
 * page back to system memory, the rest with the data still in VRAM): VRAM
 * in use must come back to zero and
 * the kernel's page accounting must not grow by more than 16 KiB a process.
 *
 * Output is TAP 13. Exit status: 0 all passed, 1 some failed, 4 skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xe_svm_lib.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define SZ_4K			0x1000ul
#define SZ_64K			0x10000ul
#define SZ_2M			0x200000ul
#define FENCE_VALUE		0xe51c0000e51c0000ull
#define STORE_OFF		0x5c0
#define WORKERS			4
#define PASSES			3
#define RACE_ROUNDS		40
#define FORK_SPAN		(4 * SZ_64K)
#define CYCLES			1000
#define CYCLES_PARALLEL		2
/*
 * Noise in the count (KASAN's vmalloc shadow, freed lazily, mostly) was
 * 2-4 MiB over 1000 processes: a leak of 16 KiB a process or more fails.
 */
#define LEAK_SLACK_KB		(16 * 1024)

enum result { PASS, FAIL, SKIP };

static struct xe_svm_dev dev;
static long long vram_size;
static struct xe_svm_vram_pfns vram_pfns;
static const int64_t timeout_ns = 120 * XE_SVM_NSEC_PER_SEC;

static long long vram_value(int fd, const char *key)
{
	return xe_svm_debugfs_get(fd, "vram", key);
}

static long long vram_stat(const char *key)
{
	return xe_svm_debugfs_get(dev.fd, "gt0/stats", key);
}

static uint32_t value_of(const uint8_t *page, unsigned int pass)
{
	return (uint32_t)(uintptr_t)page * 0x9e3779b1u ^ pass;
}

/* The pattern every buffer starts with: each byte from its address. */
static void fill(uint8_t *a, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		a[i] = (uint8_t)((uintptr_t)(a + i) * 7 >> 3);
}

/* A 2 MiB-aligned anonymous buffer of @len, filled with its pattern. */
static uint8_t *buf_alloc(size_t len)
{
	uint8_t *p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	fill(a, len);
	return a;
}

/*
 * The GPU stores value_of(page, @pass) at STORE_OFF of every page of
 * [buf, buf + len), in as many batches as the context's buffer needs.
 */
static int gpu_pass(struct xe_svm_ctx *c, uint8_t *buf, size_t len,
		    unsigned int pass)
{
	const size_t per_batch = XE_SVM_CTX_BATCH_SIZE / 16 - 1;
	size_t pages = len / SZ_4K, k = 0, n;
	uint64_t want;
	int err = 0;

	while (k < pages && !err) {
		unsigned int dw = 0;

		for (n = 0; n < per_batch && k < pages; n++, k++)
			dw += xe_svm_emit_sdi(c->batch + dw,
					      to_u64(buf + k * SZ_4K +
						     STORE_OFF),
					      value_of(buf + k * SZ_4K, pass));
		xe_svm_emit_bbe(c->batch + dw);
		want = FENCE_VALUE + ++c->seq;
		c->fence[1] = 0;
		err = xe_svm_exec(c->fd, c->queue, to_u64(c->batch),
				  to_u64(&c->fence[1]), want) ?:
		      xe_svm_wait_ufence(c->fd, to_u64(&c->fence[1]), want,
					 c->queue, timeout_ns);
	}
	if (err)
		tap_diag("GPU pass %u: %s", pass, strerror(-err));
	return err;
}

/*
 * Every byte of [buf, buf + len) after GPU pass @pass, for data written
 * (by buf_alloc() and the GPU) at @orig: mremap() moves it.
 */
static int check_moved(const uint8_t *buf, const uint8_t *orig, size_t len,
		       unsigned int pass)
{
	size_t i;

	for (i = 0; i < len; i++) {
		size_t in = i & (SZ_4K - 1);
		uint8_t want = (uint8_t)((uintptr_t)(orig + i) * 7 >> 3);

		if (in >= STORE_OFF && in < STORE_OFF + 4) {
			uint32_t v = value_of(orig + i - in, pass);

			want = ((uint8_t *)&v)[in - STORE_OFF];
		}
		if (buf[i] != want) {
			tap_diag("pass %u: byte 0x%zx is 0x%02x, expected 0x%02x",
				 pass, i, buf[i], want);
			return -1;
		}
	}
	return 0;
}

/* Every byte of [buf, buf + len) after GPU pass @pass. */
static int cpu_check(const uint8_t *buf, size_t len, unsigned int pass)
{
	return check_moved(buf, buf, len, pass);
}

/*
 * PASSES rounds over a buffer of @len on its own VM: the GPU writes all of
 * it, then the CPU checks every byte (pulling back what is still in VRAM,
 * while the rest was evicted), and again. @fd is the device file to use.
 */
static int workload(int fd, size_t len)
{
	struct xe_svm_dev d = dev;
	struct xe_svm_ctx c;
	unsigned int pass;
	uint8_t *buf;
	int err;

	d.fd = fd;
	buf = buf_alloc(len);
	if (!buf) {
		tap_diag("mmap of %zu MiB: %s", len >> 20, strerror(errno));
		return -1;
	}
	err = xe_svm_ctx_init(&c, &d, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			      DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true);
	for (pass = 1; pass <= PASSES && !err; pass++) {
		err = gpu_pass(&c, buf, len, pass);
		if (!err && vram_value(fd, "used") > vram_size) {
			tap_diag("VRAM in use %lld beyond its size %lld",
				 vram_value(fd, "used"), vram_size);
			err = -1;
		}
		if (!err)
			err = cpu_check(buf, len, pass);
	}
	if (xe_svm_ctx_fini(&c))
		err = -1;
	munmap(buf, len);
	return err;
}

/* VRAM in use back to zero after a case. */
static int vram_drained(void)
{
	return xe_svm_debugfs_settles(dev.fd, "vram", "used", 0,
				      "after the case");
}

/* The case's verdict: its own, plus evictions seen and VRAM drained. */
static enum result verdict(int err, long long evictions_before)
{
	long long evictions = vram_value(dev.fd, "evictions");

	tap_diag("%lld chunk evictions, %lld MiB evicted in all so far",
		 evictions - evictions_before,
		 vram_value(dev.fd, "evicted") >> 20);
	if (!err && evictions <= evictions_before) {
		tap_diag("no eviction: VRAM was never under pressure");
		err = -1;
	}
	if (vram_drained())
		err = -1;
	return err ? FAIL : PASS;
}

static enum result case_2x(void)
{
	long long before = vram_value(dev.fd, "evictions");

	return verdict(workload(dev.fd, 2 * vram_size), before);
}

static void *worker_thread(void *arg __attribute__((unused)))
{
	return (void *)(uintptr_t)(workload(dev.fd, vram_size) ? 1 : 0);
}

static enum result case_threads(void)
{
	long long before = vram_value(dev.fd, "evictions");
	pthread_t tid[WORKERS];
	int started = 0, err = 0, i;
	void *ret;

	for (i = 0; i < WORKERS; i++) {
		if (pthread_create(&tid[i], NULL, worker_thread, NULL))
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(tid[i], &ret);
		err |= ret != NULL;
	}
	if (started < WORKERS)
		err = 1;
	return verdict(err, before);
}

static enum result case_processes(void)
{
	long long before = vram_value(dev.fd, "evictions");
	int i, status, err = 0, started = 0;
	pid_t pid[WORKERS];

	for (i = 0; i < WORKERS; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			break;
		if (!pid[i]) {
			int fd = xe_svm_open();

			_exit(fd < 0 || workload(fd, vram_size) ? 1 : 0);
		}
		started++;
	}
	for (i = 0; i < started; i++)
		if (waitpid(pid[i], &status, 0) != pid[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			err = 1;
	if (started < WORKERS)
		err = 1;
	return verdict(err, before);
}

static enum result case_fault_injection(void)
{
	long long before = vram_value(dev.fd, "evictions");
	long long allocs = vram_value(dev.fd, "alloc_failures");
	long long copies = vram_value(dev.fd, "copy_failures");
	long long migrations = vram_stat("svm_2M_migrate_count");
	int err;

	err = xe_svm_fault_inject(dev.fd, 10);
	if (err) {
		tap_diag("fault injection: %s", strerror(-err));
		xe_svm_fault_inject(dev.fd, 0);
		return FAIL;
	}
	err = workload(dev.fd, 4 * vram_size);
	if (xe_svm_fault_inject(dev.fd, 0))
		err = -1;
	allocs = vram_value(dev.fd, "alloc_failures") - allocs;
	copies = vram_value(dev.fd, "copy_failures") - copies;
	tap_diag("%lld VRAM allocations and %lld copies failed, %lld 2 MiB migrations",
		 allocs, copies, vram_stat("svm_2M_migrate_count") - migrations);
	if (!err && (allocs <= 0 || copies <= 0)) {
		tap_diag("injected failures did not happen");
		err = -1;
	}
	return verdict(err, before);
}

/*
 * Kernel memory not accounted elsewhere, in KiB: what leaked pages would
 * grow. Slab is left out (KASAN's quarantine holds freed objects), and so
 * are caches, after they are dropped.
 */
static long long meminfo_unaccounted_kb(void)
{
	static const char *const minus[] = {
		"MemFree", "Buffers", "Cached", "Slab", "PageTables",
		"KernelStack", "VmallocUsed", "Percpu", "AnonPages",
	};
	long long total = -1, v, sum = 0;
	char key[64], line[160];
	unsigned int i;
	FILE *f;

	sync();
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (f) {
		fputs("3", f);
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemTotal"))
			total = v;
		for (i = 0; i < ARRAY_SIZE(minus); i++)
			if (!strcmp(key, minus[i]))
				sum += v;
	}
	fclose(f);
	return total < 0 ? -1 : total - sum;
}

/* Exactly @want pages of [p, p + len) in VRAM, by our page table. */
static int vram_pages_are(const char *what, const void *p, size_t len,
			  long want)
{
	long n = xe_svm_vram_pages_in(&vram_pfns, p, len);

	if (n == want)
		return 0;
	if (n < 0)
		tap_diag("%s: pagemap: %s", what, strerror(-n));
	else
		tap_diag("%s: %ld of %zu pages in VRAM, expected %ld", what, n,
			 len / SZ_4K, want);
	return -1;
}

/*
 * One short-lived process: 2 MiB written by the GPU (into VRAM: every
 * page, by its own page table), then either checked by the CPU (back to
 * system memory, every page) or left in VRAM for the exit to free.
 * Nothing is torn down by hand.
 */
static int cycle_child(bool check)
{
	struct xe_svm_dev d = dev;
	struct xe_svm_ctx c;
	uint8_t *buf;

	d.fd = xe_svm_open();
	if (d.fd < 0)
		return 1;
	buf = buf_alloc(SZ_2M);
	if (!buf || xe_svm_ctx_init(&c, &d, DRM_XE_VM_CREATE_FLAG_LR_MODE |
				    DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true))
		return 1;
	if (gpu_pass(&c, buf, SZ_2M, 1) ||
	    vram_pages_are("child's 2 MiB after the GPU wrote", buf, SZ_2M,
			   SZ_2M / SZ_4K))
		return 1;
	if (!check)
		return 0;
	return cpu_check(buf, SZ_2M, 1) ||
	       vram_pages_are("child's 2 MiB after the CPU read", buf, SZ_2M,
			      0) ? 1 : 0;
}

static enum result case_process_cycles(void)
{
	long long before_kb = meminfo_unaccounted_kb(), after_kb;
	long long evicted = vram_value(dev.fd, "evicted");
	int n, started = 0, running = 0, failed = 0, status;
	pid_t pid;

	for (n = 0; n < CYCLES || running; ) {
		if (n < CYCLES && running < CYCLES_PARALLEL) {
			pid = fork();
			if (pid < 0) {
				tap_diag("fork: %s", strerror(errno));
				failed++;
				n = CYCLES;
				continue;
			}
			if (!pid)
				_exit(cycle_child(n & 1));
			n++;
			started++;
			running++;
			continue;
		}
		pid = wait(&status);
		if (pid < 0)
			break;
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	tap_diag("%d processes, %d failed; %lld MiB evicted meanwhile", started,
		 failed, (vram_value(dev.fd, "evicted") - evicted) >> 20);
	if (vram_drained())
		failed++;
	after_kb = meminfo_unaccounted_kb();
	tap_diag("unaccounted kernel memory %lld KiB before, %lld after",
		 before_kb, after_kb);
	if (before_kb < 0 || after_kb < 0 ||
	    after_kb - before_kb > LEAK_SLACK_KB) {
		tap_diag("more than %d KiB gone after %d processes",
			 LEAK_SLACK_KB, CYCLES);
		failed++;
	}
	return failed || started < CYCLES ? FAIL : PASS;
}

/* Eviction pressure from a VM of its own until told to stop. */
struct pressure {
	pthread_t tid;
	volatile int stop;
	volatile int ready;	/* its buffer is out of fork's reach */
	int err;
};

static void *pressure_thread(void *arg)
{
	struct pressure *pr = arg;
	size_t len = 2 * vram_size;
	unsigned int pass = 0;
	struct xe_svm_ctx c;
	uint8_t *buf;

	buf = buf_alloc(len);
	if (!buf) {
		pr->err = -1;
		return NULL;
	}
	/*
	 * Not shared with fork_round()'s children: a GPU fault leaves pages
	 * shared copy-on-write in system memory, where they stay bound, and
	 * the pressure would stop. The forks wait for this (ready), or one
	 * could come between buf_alloc() and the madvise().
	 */
	if (madvise(buf, len, MADV_DONTFORK)) {
		tap_diag("MADV_DONTFORK: %s", strerror(errno));
		pr->err = -1;
		munmap(buf, len);
		return NULL;
	}
	pr->ready = 1;
	pr->err = xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
				  DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true);
	while (!pr->err && (!pass || !pr->stop))
		pr->err = gpu_pass(&c, buf, len, ++pass);
	if (!pr->err)
		pr->err = cpu_check(buf, len, pass);
	if (xe_svm_ctx_fini(&c))
		pr->err = -1;
	munmap(buf, len);
	return NULL;
}

/*
 * Fork racing eviction. With @huge, on one 2 MiB range (a 2 MiB device
 * folio, PMD-mapped in both processes after the fork); else on 64 KiB
 * ranges: a VMA of FORK_SPAN between PROT_NONE guards, so no 2 MiB range
 * fits. The GPU writes it into VRAM (pass @pass), the process forks, the
 * child reads it all (its CPU faults migrate the pages the two share) and
 * exits while the parent's GPU writes pass @pass + 1 (breaking
 * copy-on-write from the GPU side): the child must see pass @pass, the
 * parent pass @pass + 1. A child exiting while the folio migrates is what
 * patches/0003 (zap_huge_pmd()) fixes.
 */
static int fork_round(struct xe_svm_ctx *c, unsigned int pass, bool huge)
{
	size_t span = huge ? SZ_2M : FORK_SPAN;
	size_t len = huge ? SZ_2M : FORK_SPAN + 3 * SZ_64K;
	uint8_t *g, *buf;
	int err, status;
	pid_t pid;

	if (huge) {
		g = buf_alloc(SZ_2M);
		if (!g)
			return -1;
		buf = g;
	} else {
		g = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (g == MAP_FAILED)
			return -1;
		buf = (uint8_t *)(((uintptr_t)g + 2 * SZ_64K - 1) &
				  ~(SZ_64K - 1));
		err = mprotect(buf, span, PROT_READ | PROT_WRITE);
		if (err) {
			tap_diag("mprotect: %s", strerror(errno));
			goto out;
		}
	}
	fill(buf, span);
	err = gpu_pass(c, buf, span, pass);
	if (err)
		goto out;
	pid = fork();
	if (pid < 0) {
		err = -1;
		goto out;
	}
	if (!pid)
		_exit(cpu_check(buf, span, pass) ? 1 : 0);
	err = gpu_pass(c, buf, span, pass + 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		tap_diag("the child did not see the data of before the fork");
		err = -1;
	}
	if (!err)
		err = cpu_check(buf, span, pass + 1);
out:
	munmap(g, len);
	return err;
}

/*
 * One round on a range the GPU just wrote into VRAM, while the pressure
 * thread evicts: @op 0 unmaps a 2 MiB one, 1 moves it with mremap() and
 * reads it at the new place, 2 reads it right away, 3 forks over 64 KiB
 * ones, 4 over a 2 MiB one (fork_round()).
 */
static int race_round(struct xe_svm_ctx *c, unsigned int op)
{
	uint8_t *buf, *to;
	int err;

	if (op >= 3)
		return fork_round(c, op + 1, op == 4);
	buf = buf_alloc(SZ_2M);
	if (!buf)
		return -1;
	err = gpu_pass(c, buf, SZ_2M, op + 1);
	if (err)
		goto out;
	switch (op) {
	case 0:
		break;
	case 1:
		to = buf_alloc(SZ_2M);
		if (!to) {
			err = -1;
			break;
		}
		if (mremap(buf, SZ_2M, SZ_2M, MREMAP_MAYMOVE | MREMAP_FIXED,
			   to) == MAP_FAILED) {
			tap_diag("mremap: %s", strerror(errno));
			err = -1;
			munmap(to, SZ_2M);
			break;
		}
		err = check_moved(to, buf, SZ_2M, op + 1);
		munmap(to, SZ_2M);
		return err;
	default:
		err = cpu_check(buf, SZ_2M, op + 1);
		break;
	}
out:
	munmap(buf, SZ_2M);
	return err;
}

static const char *const race_op[] = {
	"munmap", "mremap", "CPU read", "fork over 64 KiB",
	"fork over 2 MiB",
};

static enum result case_races(void)
{
	long long before = vram_value(dev.fd, "evictions");
	struct pressure pr = { .err = 0 };
	struct xe_svm_ctx c;
	unsigned int round;
	int err;

	if (pthread_create(&pr.tid, NULL, pressure_thread, &pr))
		return FAIL;
	while (!pr.ready && !pr.err)
		usleep(1000);
	err = xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			      DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true);
	for (round = 0; round < RACE_ROUNDS && !err; round++)
		err = race_round(&c, round % ARRAY_SIZE(race_op));
	if (err)
		tap_diag("round %u (%s) failed", round - 1,
			 race_op[(round - 1) % ARRAY_SIZE(race_op)]);
	if (xe_svm_ctx_fini(&c))
		err = -1;
	pr.stop = 1;
	pthread_join(pr.tid, NULL);
	if (pr.err) {
		tap_diag("pressure thread failed");
		err = -1;
	}
	return verdict(err, before);
}

/* BOs' VRAM (freed when the last reference goes) at @want bytes. */
static int bo_used_is(long long want)
{
	return xe_svm_debugfs_settles(dev.fd, "vram", "bo_used", want,
				      "VRAM BOs");
}

/* A BO of @len in @placement, mapped; its pages must read as zeros. */
static uint8_t *bo_create(uint32_t placement, size_t len, uint32_t *bo)
{
	uint8_t *map;
	size_t i;
	int err;

	err = xe_svm_gem_create(dev.fd, len, placement, bo);
	if (err) {
		tap_diag("BO of %zu MiB: %s", len >> 20, strerror(-err));
		return NULL;
	}
	map = xe_svm_gem_mmap(dev.fd, *bo, len);
	if (!map) {
		tap_diag("BO mmap: %s", strerror(errno));
		xe_svm_gem_close(dev.fd, *bo);
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (map[i]) {
			tap_diag("new BO: byte 0x%zx is 0x%02x, not 0", i,
				 map[i]);
			munmap(map, len);
			xe_svm_gem_close(dev.fd, *bo);
			return NULL;
		}
	}
	return map;
}

/* Bind a BO mapped at @map over the mirror at the same address. */
static int bo_bind(struct xe_svm_ctx *c, uint32_t bo, uint8_t *map,
		   size_t len)
{
	struct xe_svm_bind_args b = {
		.vm = c->vm,
		.op = DRM_XE_VM_BIND_OP_MAP,
		.obj = bo,
		.addr = to_u64(map),
		.range = len,
		.pat_index = dev.pat_index,
	};
	int err = xe_svm_bind(dev.fd, &b, &c->fence[0]);

	if (err)
		tap_diag("BO bind: %s", strerror(-err));
	return err;
}

/*
 * BOs and SVM share VRAM. The GPU fills VRAM with SVM ranges; then a BO of
 * half of VRAM placed in VRAM only must be created by evicting SVM chunks,
 * read as zeros through its CPU mapping, take the GPU's stores through a
 * binding and show them to the CPU. A VRAM-only BO of the whole VRAM must
 * be refused with ENOMEM (SVM is evicted for BOs, BOs are not), while one
 * that may also live in system memory is created there. SVM working on in
 * the half left keeps evicting its own chunks; the BO keeps its data.
 */
static enum result case_bo_evicts_svm(void)
{
	long long before = vram_value(dev.fd, "evictions"), n;
	uint32_t vram_only = dev.vram_placement & -dev.vram_placement;
	size_t bo_len = vram_size / 2;
	uint8_t *buf, *map = NULL, *map2;
	uint32_t bo = 0, bo2;
	struct xe_svm_ctx c;
	int err;

	buf = buf_alloc(vram_size);
	if (!buf)
		return FAIL;
	err = xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			      DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true) ?:
	      gpu_pass(&c, buf, vram_size, 1);
	if (err)
		goto out;
	n = vram_value(dev.fd, "used");
	tap_diag("SVM holds %lld MiB of VRAM", n >> 20);
	if (n < (long long)bo_len) {
		tap_diag("SVM did not fill VRAM: no pressure to test");
		err = -1;
		goto out;
	}

	map = bo_create(vram_only, bo_len, &bo);
	if (!map) {
		err = -1;
		goto out;
	}
	n = vram_value(dev.fd, "evictions") - before;
	tap_diag("a %zu MiB VRAM BO evicted %lld SVM chunks", bo_len >> 20, n);
	if (n <= 0 || bo_used_is(bo_len) ||
	    vram_value(dev.fd, "used") > vram_size - (long long)bo_len) {
		err = -1;
		goto out;
	}
	fill(map, bo_len);
	err = bo_bind(&c, bo, map, bo_len) ?:
	      gpu_pass(&c, map, bo_len, 2) ?:
	      cpu_check(map, bo_len, 2);
	if (err)
		goto out;

	err = xe_svm_gem_create(dev.fd, vram_size, vram_only, &bo2);
	if (err != -ENOMEM) {
		tap_diag("VRAM-only BO beyond the free VRAM: %s, expected ENOMEM",
			 err ? strerror(-err) : "created");
		if (!err)
			xe_svm_gem_close(dev.fd, bo2);
		err = -1;
		goto out;
	}
	map2 = bo_create(vram_only | dev.sysmem_placement, vram_size, &bo2);
	if (!map2) {
		err = -1;
		goto out;
	}
	munmap(map2, vram_size);
	err = xe_svm_gem_close(dev.fd, bo2) ?: bo_used_is(bo_len);
	if (err)
		goto out;

	/* SVM again, beside the BO; then every byte of both. */
	n = vram_value(dev.fd, "evictions");
	err = gpu_pass(&c, buf, vram_size, 3) ?:
	      cpu_check(buf, vram_size, 3) ?:
	      cpu_check(map, bo_len, 2);
	if (!err && vram_value(dev.fd, "evictions") <= n) {
		tap_diag("SVM beside the BO did not evict");
		err = -1;
	}
out:
	if (xe_svm_ctx_fini(&c))
		err = -1;
	if (map) {
		munmap(map, bo_len);
		if (xe_svm_gem_close(dev.fd, bo) || bo_used_is(0))
			err = -1;
	}
	munmap(buf, vram_size);
	return verdict(err, before);
}

/*
 * BOs fill VRAM: SVM ranges the GPU faults on must be served from system
 * memory (allocation failures counted, no VRAM used by SVM, every byte
 * right), and migrate into VRAM again once the BO is gone.
 */
static enum result case_bos_fill_vram(void)
{
	long long failures = vram_value(dev.fd, "alloc_failures");
	uint32_t vram_only = dev.vram_placement & -dev.vram_placement;
	size_t len = 2 * SZ_2M;
	uint8_t *buf, *buf2, *map;
	struct xe_svm_ctx c;
	uint32_t bo;
	int err;

	buf = buf_alloc(len);
	if (!buf)
		return FAIL;
	map = bo_create(vram_only, vram_size, &bo);
	if (!map) {
		munmap(buf, len);
		return FAIL;
	}
	err = xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			      DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true) ?:
	      gpu_pass(&c, buf, len, 1);
	if (!err) {
		failures = vram_value(dev.fd, "alloc_failures") - failures;
		tap_diag("%lld migrations found VRAM full of BOs", failures);
		if (failures <= 0 || vram_value(dev.fd, "used")) {
			tap_diag("SVM got VRAM that BOs hold");
			err = -1;
		}
	}
	err = err ?: cpu_check(buf, len, 1);
	munmap(map, vram_size);
	if (xe_svm_gem_close(dev.fd, bo) || bo_used_is(0))
		err = -1;
	/* Fresh memory (the first is bound in system memory): VRAM again. */
	buf2 = err ? NULL : buf_alloc(len);
	if (buf2) {
		err = gpu_pass(&c, buf2, len, 2);
		if (!err && vram_value(dev.fd, "used") <= 0) {
			tap_diag("SVM did not migrate once the BO was gone");
			err = -1;
		}
		err = err ?: cpu_check(buf2, len, 2);
		munmap(buf2, len);
	} else {
		err = -1;
	}
	if (xe_svm_ctx_fini(&c))
		err = -1;
	munmap(buf, len);
	return err || vram_drained() ? FAIL : PASS;
}

static const struct {
	const char *name;
	enum result (*fn)(void);
} tests[] = {
	{ "evict-2x-vram-one-vm", case_2x },
	{ "evict-4x-vram-four-threads", case_threads },
	{ "evict-4x-vram-four-processes", case_processes },
	{ "evict-race-munmap-mremap-cpu-fault-fork", case_races },
	{ "evict-4x-vram-fault-injection", case_fault_injection },
	{ "bo-alloc-evicts-svm", case_bo_evicts_svm },
	{ "svm-falls-back-when-bos-fill-vram", case_bos_fill_vram },
	{ "vram-1000-process-cycles", case_process_cycles },
};

int main(void)
{
	const char *only = getenv("XE_SVM_CASE");
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
	else if (xe_svm_debugfs_value(fd, "vram", "size", &vram_size) ||
		 vram_size <= 0)
		snprintf(why, sizeof(why),
			 "the device has VRAM but debugfs vram is unreadable or has no size");
	else if (xe_svm_vram_pfns_get(fd, &vram_pfns))
		snprintf(why, sizeof(why),
			 "debugfs vram has no pfn_first/pfn_count");
	tap_diag("VRAM %lld MiB", vram_size >> 20);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (why[0]) {
			tap_diag("%s", why);
			tap_ok(false, tests[i].name);
			continue;
		}
		if (only && strcmp(only, tests[i].name)) {
			tap_skip(tests[i].name, "not XE_SVM_CASE");
			continue;
		}
		tap_ok(tests[i].fn() == PASS, tests[i].name);
	}
	return tap_finish();
}
