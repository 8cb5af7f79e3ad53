// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_soak - a randomised mix of everything SVM does, for a given
 * time, with every byte checked: make soak (not part of make test).
 *
 * Worker processes, two threads each, every thread with a VM and buffers
 * of its own (2 MiB ones, one 2 MiB range each, and 256 KiB ones, 64 KiB
 * ranges), together four times the size of VRAM. Each thread draws
 * operations from its own seed: GPU writes (one dword at a random offset
 * of every page, into VRAM where the range faults), PREFETCH of a buffer
 * to VRAM (a bound range migrates too, as a runtime's prefetch asks), CPU
 * reads of a whole buffer, CPU writes of a span, fork (the child checks
 * every byte of every buffer, on some rounds writes a span of its own copy
 * first, on others exits at once, while the parent's GPU writes a buffer),
 * mremap to a new address, munmap of a span mapped again at once, and
 * MADV_DONTNEED of a span. A shadow copy of each buffer says what every
 * byte must be; a CPU read compares all of it. Meanwhile a killer process
 * starts victims that move data into VRAM and loop, and SIGKILLs each one
 * after a random delay, in the middle of its migrations; a BO process
 * creates VRAM BOs that compete with SVM for VRAM (each filled and checked
 * through its mmap); a pressure process, which never forks, prefetches
 * and GPU-writes its 2 MiB buffers worth twice VRAM in turn, so that VRAM
 * keeps evicting (the workers' forks leave much of their memory
 * copy-on-write, which stays in system memory); and fault injection fails
 * 2% of VRAM allocations and copies.
 *
 * At the end, VRAM in use must be zero, evictions and injected failures
 * must have happened, and every worker must have passed. The kernel log
 * is the harness's to judge (any report fails the run). Output is TAP 13,
 * with what happened (operations by kind, evictions, injected failures,
 * kills) as diagnostics and the seed to replay a run:
 *   xe_svm_soak [--minutes M] [--seed S] [--inject PERCENT]
 * (--inject 0, for diagnosis only, turns fault injection off; the
 * injected-failures test then fails, so such a run never passes.)
 * Exit status: 0 all passed, 1 some failed, 4 skipped (no VRAM).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xe_svm_lib.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define SZ_4K			0x1000ul
#define SZ_64K			0x10000ul
#define SZ_256K			0x40000ul
#define SZ_2M			0x200000ul
#define FENCE_VALUE		0x50a50000ull
#define WORKERS			3
#define THREADS			2
#define OVERSUB			4
#define INJECT_PERCENT		2	/* the default */
#define MAX_BUFS		32
#define VICTIM_LEN		(2 * SZ_2M)
#define PRESSURE		2	/* the pressure process's share of VRAM */
/* The processes main() starts: the workers, then these. */
#define KILLER			WORKERS
#define BO_PROCESS		(WORKERS + 1)
#define PROCESSES		(WORKERS + 3)	/* the last: pressure */
/* Processes not done this long after the deadline are reported hung. */
#define GRACE_S			180

enum op {
	OP_GPU_WRITE, OP_PREFETCH, OP_CPU_CHECK, OP_CPU_WRITE, OP_FORK,
	OP_FORK_WRITE, OP_FORK_EXIT, OP_MREMAP, OP_MUNMAP, OP_DONTNEED, OP_NR,
};

static const char *const op_name[OP_NR] = {
	"GPU write", "PREFETCH to VRAM", "CPU check", "CPU write",
	"fork, child checks", "fork, child writes and checks",
	"fork, child exits", "mremap", "munmap and remap", "MADV_DONTNEED",
};

/* How often each operation is drawn, out of the sum. */
static const unsigned int op_weight[OP_NR] = {
	26, 10, 16, 10, 3, 3, 3, 5, 5, 5,
};

/* Counters all processes add to (a shared mapping). */
struct tally {
	unsigned long long ops[OP_NR];
	unsigned long long kills, victims_failed;
	unsigned long long bos, bos_refused, bo_failures;
	unsigned long long pressure_rounds;
	unsigned long long worker_failures;
	unsigned int cur_op[WORKERS * THREADS];	/* for a hang's report */
};

static struct xe_svm_dev dev;
static struct tally *tally;
static long long vram_size;
static time_t deadline;
static const int64_t timeout_ns = 120 * XE_SVM_NSEC_PER_SEC;

/* xorshift64*: small, good enough, replayable from the seed. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static bool time_left(void)
{
	return time(NULL) < deadline;
}

/* One buffer: its own VMA, and what each of its bytes must be. */
struct sbuf {
	uint8_t *p;
	uint8_t *shadow;
	size_t len;
};

/*
 * What a forked child found wrong, for its parent to print: the child of a
 * multithreaded process must not touch stdio (another thread may have held
 * its lock at the fork).
 */
struct child_report {
	size_t off;
	uint8_t got, want;
	unsigned int buf;
};

struct worker {
	pthread_t tid;
	unsigned int id;
	struct child_report *report;	/* a shared page */
	uint64_t seed, rng;
	struct xe_svm_ctx c;
	struct sbuf b[MAX_BUFS];
	unsigned int nbufs;
	unsigned long long ops[OP_NR];
	int err;
};

static void fill_random(uint8_t *p, uint8_t *shadow, size_t len, uint64_t *s)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = rnd(s);

		memcpy(p + i, &v, 8);
		memcpy(shadow + i, &v, 8);
	}
}

static int buf_init(struct worker *w, struct sbuf *b, size_t len)
{
	b->len = len;
	b->p = xe_svm_map_aligned(len, len == SZ_2M ? SZ_2M : SZ_64K);
	b->shadow = malloc(len);
	if (!b->p || !b->shadow) {
		tap_diag("worker %u: buffer of %zu KiB: %s", w->id, len >> 10,
			 strerror(errno));
		return -1;
	}
	fill_random(b->p, b->shadow, len, &w->rng);
	return 0;
}

static int check(struct worker *w, const struct sbuf *b, const char *when)
{
	char what[96];

	if (!memcmp(b->p, b->shadow, b->len))
		return 0;
	snprintf(what, sizeof(what), "worker %u (seed %llu), %s, buffer %p",
		 w->id, (unsigned long long)w->seed, when, (void *)b->p);
	return xe_svm_compare(what, b->p, b->shadow, b->len) ? -1 : 0;
}

/*
 * The GPU stores a random dword at one random offset of every page of @b;
 * @b's shadow learns them once the GPU is done (not before: a fork's child
 * must see the values of before).
 */
static int gpu_write(struct worker *w, struct sbuf *b)
{
	unsigned long k, pages = b->len / SZ_4K, n = 0;
	uint32_t off = (uint32_t)rnd_below(&w->rng, SZ_4K / 4) * 4;
	uint32_t *vals = malloc(pages * sizeof(*vals));
	uint64_t want = FENCE_VALUE + ++w->c.seq;
	int err;

	if (!vals)
		return -1;
	for (k = 0; k < pages; k++) {
		vals[k] = (uint32_t)rnd(&w->rng);
		n += xe_svm_emit_sdi(w->c.batch + n,
				     to_u64(b->p + k * SZ_4K + off), vals[k]);
	}
	xe_svm_emit_bbe(w->c.batch + n);
	w->c.fence[1] = 0;
	err = xe_svm_exec(dev.fd, w->c.queue, to_u64(w->c.batch),
			  to_u64(&w->c.fence[1]), want) ?:
	      xe_svm_wait_ufence(dev.fd, to_u64(&w->c.fence[1]), want,
				 w->c.queue, timeout_ns);
	if (err) {
		tap_diag("worker %u: GPU write: %s", w->id, xe_svm_strerror(err));
	} else {
		for (k = 0; k < pages; k++)
			memcpy(b->shadow + k * SZ_4K + off, &vals[k], 4);
	}
	free(vals);
	return err;
}

/* A random page-aligned span [*off, *off + *len) of @b, up to 64 KiB. */
static void span(struct worker *w, const struct sbuf *b, size_t *off,
		 size_t *len)
{
	size_t pages = b->len / SZ_4K;

	*off = rnd_below(&w->rng, pages) * SZ_4K;
	*len = (1 + rnd_below(&w->rng, 16)) * SZ_4K;
	if (*off + *len > b->len)
		*len = b->len - *off;
}

static int cpu_write(struct worker *w, struct sbuf *b)
{
	size_t off, len;

	span(w, b, &off, &len);
	fill_random(b->p + off, b->shadow + off, len, &w->rng);
	return 0;
}

/* Zeros where the span was: unmapped and mapped afresh, or discarded. */
static int zap_span(struct worker *w, struct sbuf *b, bool dontneed)
{
	size_t off, len;

	span(w, b, &off, &len);
	if (dontneed) {
		if (madvise(b->p + off, len, MADV_DONTNEED)) {
			tap_diag("worker %u: MADV_DONTNEED: %s", w->id,
				 strerror(errno));
			return -1;
		}
	} else if (munmap(b->p + off, len) ||
		   mmap(b->p + off, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		   MAP_FAILED) {
		tap_diag("worker %u: munmap and remap: %s", w->id,
			 strerror(errno));
		return -1;
	}
	memset(b->shadow + off, 0, len);
	return 0;
}

/* PREFETCH @b into VRAM (region instance 1); the data must not change. */
static int prefetch(struct worker *w, struct sbuf *b)
{
	struct xe_svm_bind_args a = {
		.vm = w->c.vm,
		.op = DRM_XE_VM_BIND_OP_PREFETCH,
		.addr = to_u64(b->p),
		.range = b->len,
		.pat_index = dev.pat_index,
		.prefetch_region = 1,
	};
	int err = xe_svm_bind(dev.fd, &a, &w->c.fence[0]);

	if (err)
		tap_diag("worker %u: PREFETCH: %s", w->id, xe_svm_strerror(err));
	return err;
}

static int move(struct worker *w, struct sbuf *b)
{
	uint8_t *to = xe_svm_map_aligned(b->len, b->len == SZ_2M ? SZ_2M : SZ_64K);

	if (!to || mremap(b->p, b->len, b->len, MREMAP_MAYMOVE | MREMAP_FIXED,
			  to) == MAP_FAILED) {
		tap_diag("worker %u: mremap: %s", w->id, strerror(errno));
		return -1;
	}
	b->p = to;
	return 0;
}

/*
 * fork while the parent's GPU writes @b: the child checks every byte of
 * every buffer (after writing a span of one, with @write; at once and
 * without touching anything, with @quick, while the folios it shares
 * migrate), then exits; the parent checks @b.
 */
static int fork_op(struct worker *w, struct sbuf *b, bool write, bool quick)
{
	unsigned int i, mine = (unsigned int)rnd_below(&w->rng, w->nbufs);
	int status, err = 0;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		tap_diag("worker %u: fork: %s", w->id, strerror(errno));
		return -1;
	}
	if (!pid) {
		size_t k;

		if (quick) {
			usleep(rnd_below(&w->rng, 2000));
			_exit(0);
		}
		if (write)
			cpu_write(w, &w->b[mine]);
		for (i = 0; i < w->nbufs; i++) {
			for (k = 0; k < w->b[i].len; k++) {
				if (w->b[i].p[k] == w->b[i].shadow[k])
					continue;
				w->report->buf = i;
				w->report->off = k;
				w->report->got = w->b[i].p[k];
				w->report->want = w->b[i].shadow[k];
				_exit(1);
			}
		}
		_exit(0);
	}
	err = gpu_write(w, b);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		tap_diag("worker %u (seed %llu): forked child: status 0x%x",
			 w->id, (unsigned long long)w->seed, status);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
			tap_diag("the child's view of buffer %u: byte 0x%zx is 0x%02x, expected 0x%02x",
				 w->report->buf, w->report->off,
				 w->report->got, w->report->want);
		err = -1;
	}
	return err ?: check(w, b, "after the fork");
}

static enum op draw(struct worker *w)
{
	unsigned int sum = 0, i, r;

	for (i = 0; i < OP_NR; i++)
		sum += op_weight[i];
	r = (unsigned int)rnd_below(&w->rng, sum);
	for (i = 0; i < OP_NR; i++) {
		if (r < op_weight[i])
			return i;
		r -= op_weight[i];
	}
	return OP_GPU_WRITE;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	unsigned int i;
	int err = 0;

	while (!err && time_left()) {
		struct sbuf *b = &w->b[rnd_below(&w->rng, w->nbufs)];
		enum op op = draw(w);

		if (w->id < WORKERS * THREADS)
			tally->cur_op[w->id] = op;
		switch (op) {
		case OP_GPU_WRITE:
			err = gpu_write(w, b);
			break;
		case OP_PREFETCH:
			err = prefetch(w, b);
			break;
		case OP_CPU_CHECK:
			err = check(w, b, "a CPU read");
			break;
		case OP_CPU_WRITE:
			err = cpu_write(w, b);
			break;
		case OP_FORK:
		case OP_FORK_WRITE:
		case OP_FORK_EXIT:
			err = fork_op(w, b, op == OP_FORK_WRITE,
				      op == OP_FORK_EXIT);
			break;
		case OP_MREMAP:
			err = move(w, b);
			break;
		case OP_MUNMAP:
		case OP_DONTNEED:
			err = zap_span(w, b, op == OP_DONTNEED);
			break;
		default:
			break;
		}
		w->ops[op]++;
		if (err)
			tap_diag("worker %u (seed %llu): operation %llu (%s) failed",
				 w->id, (unsigned long long)w->seed,
				 (unsigned long long)w->ops[op], op_name[op]);
	}
	for (i = 0; !err && i < w->nbufs; i++)
		err = check(w, &w->b[i], "the end");
	w->err = err;
	return NULL;
}

/* Set a thread up: a VM of its own, buffers worth @bytes. */
static int worker_init(struct worker *w, unsigned int id, uint64_t seed,
		       size_t bytes)
{
	size_t left = bytes;
	int err;

	memset(w, 0, sizeof(*w));
	w->report = mmap(NULL, sizeof(*w->report), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->report == MAP_FAILED)
		return -1;
	w->id = id;
	w->seed = seed;
	w->rng = seed * 0x9e3779b97f4a7c15ull | 1;
	err = xe_svm_ctx_init(&w->c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			      DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true);
	while (!err && left >= SZ_256K && w->nbufs < MAX_BUFS) {
		size_t len = left >= SZ_2M && (w->nbufs & 1) ? SZ_2M : SZ_256K;

		err = buf_init(w, &w->b[w->nbufs++], len);
		left -= len;
	}
	return err;
}

static void worker_fini(struct worker *w)
{
	unsigned int i;

	xe_svm_ctx_fini(&w->c);
	for (i = 0; i < w->nbufs; i++) {
		if (w->b[i].p)
			munmap(w->b[i].p, w->b[i].len);
		free(w->b[i].shadow);
	}
}

/* A worker process: THREADS threads, each on buffers worth @bytes. */
static int worker_process(unsigned int id, uint64_t seed, size_t bytes)
{
	static struct worker w[THREADS];
	unsigned int t, i, failed = 0;

	/* A device file of its own, as a client process has. */
	dev.fd = xe_svm_open();
	if (dev.fd < 0)
		return 1;
	for (t = 0; t < THREADS; t++) {
		unsigned int n = id * THREADS + t;

		if (worker_init(&w[t], n, seed + n, bytes) ||
		    pthread_create(&w[t].tid, NULL, worker_thread, &w[t])) {
			tap_diag("worker %u: setup failed", n);
			return 1;
		}
	}
	for (t = 0; t < THREADS; t++) {
		pthread_join(w[t].tid, NULL);
		if (w[t].err)
			failed++;
		for (i = 0; i < OP_NR; i++)
			__atomic_add_fetch(&tally->ops[i], w[t].ops[i],
					   __ATOMIC_RELAXED);
		worker_fini(&w[t]);
	}
	return failed ? 1 : 0;
}

/*
 * A victim: its own device file and VM, VICTIM_LEN moved into VRAM and
 * back in a loop, until the killer's SIGKILL, whenever it comes.
 */
static void victim(uint64_t seed)
{
	struct worker w;
	unsigned int i;

	dev.fd = xe_svm_open();
	if (dev.fd < 0 || worker_init(&w, 99, seed, VICTIM_LEN))
		_exit(1);
	for (;;) {
		for (i = 0; i < w.nbufs; i++)
			if (gpu_write(&w, &w.b[i]) ||
			    check(&w, &w.b[i], "the victim's read"))
				_exit(1);
	}
}

static int killer_process(uint64_t seed)
{
	uint64_t rng = seed | 1;
	int status;
	pid_t pid;

	while (time_left()) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			victim(rnd(&rng));
		usleep(1000 + rnd_below(&rng, 200000));
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			return 1;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			__atomic_add_fetch(&tally->kills, 1, __ATOMIC_RELAXED);
		else
			__atomic_add_fetch(&tally->victims_failed, 1,
					   __ATOMIC_RELAXED);
	}
	return 0;
}

/* VRAM BOs of 1-4 MiB, filled and checked through their mmap. */
static int bo_process(uint64_t seed)
{
	uint32_t vram = dev.vram_placement & -dev.vram_placement;
	uint64_t rng = seed | 1;
	uint32_t bo;
	size_t len, i;
	uint8_t *map;
	int err;

	while (time_left()) {
		len = (1 + rnd_below(&rng, 4)) << 20;
		err = xe_svm_gem_create(dev.fd, len, vram, &bo);
		if (err == -ENOMEM) {
			/* Other BOs fill VRAM: refused, as upstream. */
			__atomic_add_fetch(&tally->bos_refused, 1,
					   __ATOMIC_RELAXED);
			usleep(10000);
			continue;
		}
		if (err) {
			tap_diag("BO of %zu MiB: %s", len >> 20,
				 xe_svm_strerror(err));
			return 1;
		}
		map = xe_svm_gem_mmap(dev.fd, bo, len);
		if (!map) {
			tap_diag("BO mmap: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < len; i += 8)
			*(uint64_t *)(map + i) = i * 0x9e3779b97f4a7c15ull ^ seed;
		usleep(rnd_below(&rng, 50000));
		for (i = 0; i < len; i += 8) {
			if (*(uint64_t *)(map + i) !=
			    (i * 0x9e3779b97f4a7c15ull ^ seed)) {
				tap_diag("BO: offset 0x%zx changed", i);
				__atomic_add_fetch(&tally->bo_failures, 1,
						   __ATOMIC_RELAXED);
				break;
			}
		}
		munmap(map, len);
		xe_svm_gem_close(dev.fd, bo);
		__atomic_add_fetch(&tally->bos, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

/*
 * VRAM pressure: 2 MiB buffers worth PRESSURE times VRAM, of a process
 * that never forks (so its pages are never copy-on-write), each in turn
 * prefetched to VRAM, evicting others, and written by the GPU. (Prefetch,
 * not just the GPU fault: a range left bound in system memory, its VRAM
 * allocation failed by injection say, faults no more.) Every fourth round
 * reads every byte back.
 */
static int pressure_process(uint64_t seed)
{
	unsigned int i, round;
	struct worker w;
	int err = 0;

	dev.fd = xe_svm_open();
	if (dev.fd < 0)
		return 1;
	memset(&w, 0, sizeof(w));
	w.id = WORKERS * THREADS;
	w.seed = seed;
	w.rng = seed * 0x9e3779b97f4a7c15ull | 1;
	err = xe_svm_ctx_init(&w.c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			      DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true);
	while (!err && w.nbufs < MAX_BUFS &&
	       (long long)(w.nbufs * SZ_2M) < PRESSURE * vram_size)
		err = buf_init(&w, &w.b[w.nbufs++], SZ_2M);
	for (round = 0; !err && time_left(); round++) {
		for (i = 0; !err && i < w.nbufs; i++)
			err = prefetch(&w, &w.b[i]) ?: gpu_write(&w, &w.b[i]) ?:
			      (round % 4 == 3 ? check(&w, &w.b[i], "pressure") : 0);
		__atomic_add_fetch(&tally->pressure_rounds, 1, __ATOMIC_RELAXED);
	}
	for (i = 0; !err && i < w.nbufs; i++)
		err = check(&w, &w.b[i], "the end of the pressure");
	worker_fini(&w);
	return err ? 1 : 0;
}

/* Print @path's first @lines lines as diagnostics, after @prefix. */
static void diag_file(const char *prefix, const char *path, int lines)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (lines-- > 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		tap_diag("%s%s", prefix, line);
	}
	fclose(f);
}

/* Whether task @tid of @pid is running or in uninterruptible sleep. */
static bool task_busy(int pid, int tid)
{
	char path[64], line[256], *state;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	state = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return state && (state[2] == 'R' || state[2] == 'D');
}

/*
 * A hang: every task of every xe_svm_soak process but this one, and every
 * other task running or in uninterruptible sleep (the fault workers and
 * the rest of the kernel's threads), with its state and kernel stack
 * (/proc); then SIGKILL to the xe_svm_soak ones.
 */
static void report_hang(void)
{
	char path[96], comm[32], prefix[48];
	struct dirent *p, *t;
	DIR *proc, *task;
	unsigned int i;
	bool ours;
	FILE *f;

	for (i = 0; i < WORKERS * THREADS; i++)
		tap_diag("worker %u was in: %s", i, op_name[tally->cur_op[i]]);
	proc = opendir("/proc");
	while (proc && (p = readdir(proc))) {
		int pid = atoi(p->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		ours = !strncmp(comm, "xe_svm_soak", 11);
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		task = opendir(path);
		while (task && (t = readdir(task))) {
			int tid = atoi(t->d_name);

			if (tid <= 0 || (!ours && !task_busy(pid, tid)))
				continue;
			snprintf(prefix, sizeof(prefix), "pid %d task %d: ", pid,
				 tid);
			snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid,
				 tid);
			diag_file(prefix, path, 1);
			snprintf(path, sizeof(path), "/proc/%d/task/%d/stack",
				 pid, tid);
			diag_file(prefix, path, 16);
		}
		if (task)
			closedir(task);
		if (ours)
			kill(pid, SIGKILL);
	}
	if (proc)
		closedir(proc);
}

static long long vram(const char *key)
{
	return xe_svm_debugfs_get(dev.fd, "vram", key);
}

int main(int argc, char **argv)
{
	long long evictions, allocs, copies, evicted, mig2m, mig64k;
	unsigned int minutes = 20, inject = INJECT_PERCENT, i, left, failed = 0;
	bool hung = false;
	uint64_t seed = (uint64_t)time(NULL);
	pid_t pid[PROCESSES];
	int fd, status, err;
	size_t per_thread;

	for (i = 1; i + 1 < (unsigned int)argc; i += 2) {
		if (!strcmp(argv[i], "--minutes"))
			minutes = (unsigned int)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--inject"))
			inject = (unsigned int)strtoul(argv[i + 1], NULL, 0);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = xe_svm_open();
	if (fd < 0) {
		printf("TAP version 13\n1..0 # SKIP no xe device\n");
		return 4;
	}
	tap_plan(7);
	err = xe_svm_dev_init(&dev, fd);
	if (!err && xe_svm_debugfs_value(fd, "vram", "size", &vram_size))
		err = -ENOENT;
	if (err || vram_size <= 0) {
		tap_diag("device setup: %s, VRAM %lld bytes",
			 xe_svm_strerror(err), vram_size);
		for (i = 0; i < 7; i++)
			tap_ok(false, "setup");
		return tap_finish();
	}
	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED)
		return 1;
	memset(tally, 0, sizeof(*tally));
	tap_diag("seed %llu, %u minutes, VRAM %lld MiB, working set %lld MiB (workers) + %lld MiB (pressure), %u%% injected failures (replay: xe_svm_soak --seed %llu --minutes %u --inject %u)",
		 (unsigned long long)seed, minutes, vram_size >> 20,
		 (OVERSUB * vram_size) >> 20, (PRESSURE * vram_size) >> 20,
		 inject, (unsigned long long)seed, minutes, inject);
	per_thread = OVERSUB * vram_size / (WORKERS * THREADS);
	evictions = vram("evictions");
	evicted = vram("evicted");
	mig2m = xe_svm_debugfs_get(fd, "gt0/stats", "svm_2M_migrate_count");
	mig64k = xe_svm_debugfs_get(fd, "gt0/stats", "svm_64K_migrate_count");
	allocs = vram("alloc_failures");
	copies = vram("copy_failures");
	if (xe_svm_fault_inject(dev.fd, inject)) {
		tap_diag("fault injection could not be set up");
		failed++;
	}
	deadline = time(NULL) + 60 * (time_t)minutes;

	for (i = 0; i < PROCESSES; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			tap_diag("fork: %s", strerror(errno));
			failed++;
			continue;
		}
		if (pid[i])
			continue;
		if (i < WORKERS)
			_exit(worker_process(i, seed, per_thread));
		if (i == KILLER)
			_exit(killer_process(seed + 1000));
		if (i == BO_PROCESS)
			_exit(bo_process(seed + 2000));
		_exit(pressure_process(seed + 3000));
	}
	left = 0;
	for (i = 0; i < PROCESSES; i++)
		left += pid[i] > 0;
	while (left) {
		for (i = 0; i < PROCESSES; i++) {
			if (pid[i] <= 0 ||
			    waitpid(pid[i], &status, hung ? 0 : WNOHANG) != pid[i])
				continue;
			pid[i] = 0;
			left--;
			if (WIFEXITED(status) && !WEXITSTATUS(status))
				continue;
			if (i < WORKERS)
				tally->worker_failures++;
			else
				failed++;
			tap_diag("%s process: status 0x%x",
				 i < WORKERS ? "worker" : i == KILLER ?
				 "killer" : i == BO_PROCESS ? "BO" : "pressure",
				 status);
		}
		if (left && !hung && time(NULL) > deadline + GRACE_S) {
			tap_diag("%u processes not done %d s after the deadline: hung",
				 left, GRACE_S);
			report_hang();
			hung = true;
		}
		if (left && !hung)
			sleep(1);
	}
	if (xe_svm_fault_inject(dev.fd, 0))
		failed++;

	for (i = 0; i < OP_NR; i++)
		tap_diag("%-30s %llu", op_name[i], tally->ops[i]);
	evictions = vram("evictions") - evictions;
	evicted = vram("evicted") - evicted;
	allocs = vram("alloc_failures") - allocs;
	copies = vram("copy_failures") - copies;
	mig2m = xe_svm_debugfs_get(fd, "gt0/stats", "svm_2M_migrate_count") -
		mig2m;
	mig64k = xe_svm_debugfs_get(fd, "gt0/stats", "svm_64K_migrate_count") -
		 mig64k;
	tap_diag("%lld 2 MiB and %lld 64 KiB migrations into VRAM, %lld chunk evictions (%lld MiB), %lld allocations and %lld copies failed by injection",
		 mig2m, mig64k, evictions, evicted >> 20, allocs, copies);
	tap_diag("left in system memory: %lld unmovable ranges, %lld timeslice refusals, %lld copy-on-write pages",
		 vram("unmovable"), vram("timeslice_refusals"),
		 vram("cow_pages"));
	tap_diag("%llu victims killed (%llu failed before), %llu VRAM BOs checked (%llu refused), %llu pressure rounds",
		 tally->kills, tally->victims_failed, tally->bos,
		 tally->bos_refused, tally->pressure_rounds);

	tap_ok(!hung, "every process finished");
	tap_ok(!tally->worker_failures && !failed,
	       "workers: every byte as expected");
	tap_ok(tally->kills > 0 && !tally->victims_failed,
	       "victims killed in the middle of their migrations");
	tap_ok(tally->bos > 0 && !tally->bo_failures,
	       "VRAM BOs competing with SVM kept their data");
	tap_ok(evictions > 0, "VRAM was over-subscribed (evictions)");
	tap_ok(allocs > 0 && copies > 0, "injected failures happened");
	tap_ok(!xe_svm_debugfs_settles(fd, "vram", "used", 0, "at the end"),
	       "VRAM in use back to zero");
	return tap_finish();
}
