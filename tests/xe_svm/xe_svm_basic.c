// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_basic - basic SVM (CPU-address mirror) tests for an Xe-uAPI device.
 *
 * Every GPU case runs in its own fault-mode VM (LR_MODE | FAULT_MODE) with
 * the CPU-address mirror bound over [0, 1 << va_bits).  The "GPU" writes
 * into ordinary CPU memory from batches that themselves live inside the
 * buffer under test, so batch fetch, the stores and the user-fence write all
 * go through the mirror.  Each exec signals its own user fence in a separate
 * MAP_SHARED|MAP_ANONYMOUS page.  After the fences, every byte of the buffer
 * is compared with a shadow copy of what it must hold: bytes the GPU did not
 * write must still hold what the CPU put there (or zero if it never did).
 *
 * The bad-ioctl table checks that invalid arguments fail with the errno
 * upstream Xe returns; each entry names the upstream function it was derived
 * from (Linux 7.2 drivers/gpu/drm/xe).
 *
 * Output is TAP 13 (kselftest style).  Exit status: 0 all passed, 1 some
 * failed, 4 skipped (no xe device).
 *
 * Environment: XE_SVM_TIMEOUT_S (fence wait timeout, default 10 s),
 * XE_SVM_PAT_INDEX (PAT index for mirror binds, see xe_svm_lib.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xe_svm_lib.h"

#define __maybe_unused		__attribute__((unused))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))

#define SZ_4K			0x1000ul
#define SZ_16K			0x4000ul
#define SZ_64K			0x10000ul
#define SZ_256K			0x40000ul
#define SZ_1M			0x100000ul
#define SZ_2M			0x200000ul
#define SZ_4M			0x400000ul

#define VM_FLAGS_FAULT		(DRM_XE_VM_CREATE_FLAG_LR_MODE | \
				 DRM_XE_VM_CREATE_FLAG_FAULT_MODE)

/* One page of u64 fence slots; slot 0 is the bind fence. */
#define FENCE_SLOTS		(SZ_4K / sizeof(uint64_t))
#define FENCE_VALUE_BASE	0xc0ffee0000000000ull

/* Each batch gets a 4K slot; at most 128 stores (5 dwords each) + BBE. */
#define BATCH_STRIDE		SZ_4K
#define CMDS_PER_BATCH		128u
#define BATCH_ALIGN		64ul

/* An id no test ever allocates (xarray ids start at 1 and count up). */
#define BOGUS_ID		0x7ffffff0u

enum result { PASS, FAIL, SKIP };

static struct xe_svm_dev dev;
static int64_t timeout_ns = 10 * XE_SVM_NSEC_PER_SEC;
static char skip_reason[160];

static const char *err_str(int err)
{
	return err ? strerror(-err) : "success";
}

/* Cheap integer hash for patterns and store values. */
static uint32_t mix32(uint32_t a, uint32_t b)
{
	uint32_t x = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u) * 0x85ebca6bu;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	x *= 0x297a2d39u;
	x ^= x >> 15;

	return x;
}

static void *map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------------------------ */
/* GPU context: fault-mode VM + mirror + exec queue + fence page.     */
/* ------------------------------------------------------------------ */

struct gpu {
	uint32_t vm;
	uint32_t queue;
	bool have_vm, have_queue;
	uint64_t *fence;		/* FENCE_SLOTS u64 slots */
	uint64_t want[FENCE_SLOTS];	/* value each pending slot waits for */
	unsigned int next;		/* next free exec slot (>= 1) */
	uint64_t seq;
};

static uint64_t *map_fence_page(void)
{
	/* MAP_SHARED|MAP_ANONYMOUS, as IGT's exec_ufence page. */
	uint64_t *f = map_anon(SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED);

	if (f)
		memset(f, 0, SZ_4K);
	return f;
}

static int gpu_init(struct gpu *g)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->next = 1;

	g->fence = map_fence_page();
	if (!g->fence) {
		err = -errno;
		tap_diag("mmap fence page: %s", err_str(err));
		return err;
	}

	err = xe_svm_vm_create(dev.fd, VM_FLAGS_FAULT, &g->vm);
	if (err) {
		tap_diag("VM_CREATE(LR_MODE|FAULT_MODE): %s", err_str(err));
		return err;
	}
	g->have_vm = true;

	err = xe_svm_bind_mirror(dev.fd, g->vm, dev.va_bits, dev.pat_index,
				 &g->fence[0]);
	if (err) {
		tap_diag("VM_BIND MAP CPU_ADDR_MIRROR [0, 1<<%u) pat %u: %s",
			 dev.va_bits, dev.pat_index, err_str(err));
		return err;
	}

	err = xe_svm_exec_queue_create(dev.fd, g->vm, &dev.eci, &g->queue);
	if (err) {
		tap_diag("EXEC_QUEUE_CREATE class %u instance %u gt %u: %s",
			 dev.eci.engine_class, dev.eci.engine_instance,
			 dev.eci.gt_id, err_str(err));
		return err;
	}
	g->have_queue = true;

	return 0;
}

/* Tear down; the queue and VM must be destroyable in any state. */
static int gpu_fini(struct gpu *g)
{
	int err, ret = 0;

	if (g->have_queue) {
		err = xe_svm_exec_queue_destroy(dev.fd, g->queue);
		if (err) {
			tap_diag("EXEC_QUEUE_DESTROY: %s", err_str(err));
			ret = err;
		}
		g->have_queue = false;
	}
	if (g->have_vm) {
		err = xe_svm_vm_destroy(dev.fd, g->vm);
		if (err) {
			tap_diag("VM_DESTROY: %s", err_str(err));
			ret = ret ?: err;
		}
		g->have_vm = false;
	}
	if (g->fence) {
		munmap(g->fence, SZ_4K);
		g->fence = NULL;
	}

	return ret;
}

/* Submit the batch at @batch with its own fence slot; returns the slot. */
static int gpu_submit(struct gpu *g, const void *batch)
{
	unsigned int slot;
	int err;

	if (g->next >= FENCE_SLOTS) {
		tap_diag("internal: out of fence slots");
		return -ENOSPC;
	}

	slot = g->next;
	g->fence[slot] = 0;
	g->want[slot] = FENCE_VALUE_BASE | ++g->seq;
	err = xe_svm_exec(dev.fd, g->queue, to_u64(batch),
			  to_u64(&g->fence[slot]), g->want[slot]);
	if (err) {
		tap_diag("EXEC batch %p: %s", batch, err_str(err));
		return err;
	}
	g->next++;

	return slot;
}

static int gpu_wait_slot(struct gpu *g, unsigned int slot)
{
	return xe_svm_wait_ufence(dev.fd, to_u64(&g->fence[slot]),
				  g->want[slot], g->queue, timeout_ns);
}

/* Wait for every submitted exec, then recycle the slots. */
static int gpu_wait_all(struct gpu *g)
{
	unsigned int slot;
	int err = 0;

	for (slot = 1; slot < g->next; slot++) {
		err = gpu_wait_slot(g, slot);
		if (err) {
			tap_diag("WAIT_USER_FENCE slot %u (exec %u of %u): %s, fence 0x%llx want 0x%llx",
				 slot, slot, g->next - 1, err_str(err),
				 (unsigned long long)g->fence[slot],
				 (unsigned long long)g->want[slot]);
			break;
		}
	}
	g->next = 1;

	return err;
}

/* ------------------------------------------------------------------ */
/* Buffers under test and their shadow copies.                        */
/* ------------------------------------------------------------------ */

/*
 * [0, data) holds the store targets, [batch_off, total) the batches; the
 * batches sit inside the same allocation, right after the data.  Every byte
 * of [0, total) is compared against @shadow.
 */
struct buf {
	uint8_t *base;		/* CPU address, also the GPU VA */
	size_t data;
	size_t batch_off;
	unsigned int nbatch;
	size_t total;
	uint8_t *shadow;
};

static unsigned int batches_for(size_t data)
{
	return DIV_ROUND_UP(DIV_ROUND_UP(data, SZ_4K), CMDS_PER_BATCH);
}

/* Bytes to allocate; @aligned: base is known to be 64-byte aligned. */
static size_t span_for(size_t data, unsigned int nbatch, bool aligned)
{
	return ALIGN_UP(data, BATCH_ALIGN) + (aligned ? 0 : BATCH_ALIGN) +
	       nbatch * BATCH_STRIDE;
}

static int buf_init(struct buf *b, uint8_t *base, size_t data,
		    unsigned int nbatch)
{
	uintptr_t start = (uintptr_t)base;

	b->base = base;
	b->data = data;
	b->nbatch = nbatch;
	b->batch_off = ALIGN_UP(start + data, BATCH_ALIGN) - start;
	b->total = b->batch_off + nbatch * BATCH_STRIDE;
	b->shadow = calloc(1, b->total);
	if (!b->shadow) {
		tap_diag("out of memory for the shadow copy");
		return -ENOMEM;
	}

	return 0;
}

static void buf_fini(struct buf *b)
{
	free(b->shadow);
	b->shadow = NULL;
}

/* CPU fills the whole buffer (data and batch area) with a pattern. */
static void buf_fill(struct buf *b, uint32_t seed)
{
	size_t i;

	for (i = 0; i + 4 <= b->total; i += 4) {
		uint32_t w = mix32(seed, i);

		memcpy(b->shadow + i, &w, 4);
	}
	for (; i < b->total; i++)
		b->shadow[i] = (uint8_t)seed;
	memcpy(b->base, b->shadow, b->total);
}

/* CPU write of @len bytes at @off, mirrored into the shadow. */
static void buf_write(struct buf *b, size_t off, const void *src, size_t len)
{
	memcpy(b->base + off, src, len);
	memcpy(b->shadow + off, src, len);
}

static uint8_t *batch_ptr(struct buf *b, unsigned int idx)
{
	return b->base + b->batch_off + idx * BATCH_STRIDE;
}

static int compare(const char *what, const uint8_t *got, const uint8_t *want,
		   size_t len)
{
	size_t i, bad = 0;

	if (!memcmp(got, want, len))
		return 0;

	for (i = 0; i < len; i++) {
		if (got[i] == want[i])
			continue;
		if (bad < 8)
			tap_diag("%s: byte +0x%zx (%p) is 0x%02x, expected 0x%02x",
				 what, i, (const void *)(got + i), got[i],
				 want[i]);
		bad++;
	}
	tap_diag("%s: %zu of %zu bytes differ", what, bad, len);

	return -1;
}

static int buf_check(struct buf *b, const char *what)
{
	return compare(what, b->base, b->shadow, b->total);
}

/* Submit batches 0..nb-1 of @b, then wait for all of them. */
static int gpu_run_batches(struct gpu *g, struct buf *b, unsigned int nb)
{
	unsigned int i;
	int err = 0, werr;

	for (i = 0; i < nb; i++) {
		int slot = gpu_submit(g, batch_ptr(b, i));

		if (slot < 0) {
			err = slot;
			break;
		}
	}
	werr = gpu_wait_all(g);

	return err ?: werr;
}

/*
 * One store per 4K chunk of the data area, at an offset that varies with
 * the chunk and @seed, through as many batches as needed.  The batches are
 * all written by the CPU before the first exec.
 */
static int gpu_write_pages(struct gpu *g, struct buf *b, uint32_t seed,
			   bool qword)
{
	size_t npages = DIV_ROUND_UP(b->data, SZ_4K), p;
	uint32_t cs[CMDS_PER_BATCH * 5 + 1];
	unsigned int n = 0, ncmd = 0, nb = 0;

	for (p = 0; p < npages; p++) {
		size_t chunk = b->data - p * SZ_4K;
		size_t off;
		uint64_t addr;

		if (chunk > SZ_4K)
			chunk = SZ_4K;
		if (chunk < 8) {
			tap_diag("internal: data size not a multiple of 8");
			return -EINVAL;
		}
		off = p * SZ_4K +
		      (((p * 0x2a8 + seed * 0x58 + 0x10) % (chunk - 7)) & ~7ul);
		addr = to_u64(b->base + off);

		if (qword) {
			uint64_t v = (uint64_t)mix32(seed, p) << 32 |
				     mix32(seed ^ 0x5a5a5a5au, p);

			if (!memcmp(&v, b->shadow + off, 8))
				v = ~v;
			n += xe_svm_emit_sdi_qword(cs + n, addr, v);
			memcpy(b->shadow + off, &v, 8);
		} else {
			uint32_t v = mix32(seed ^ 0xa5a5a5a5u, p);

			if (!memcmp(&v, b->shadow + off, 4))
				v = ~v;
			n += xe_svm_emit_sdi(cs + n, addr, v);
			memcpy(b->shadow + off, &v, 4);
		}

		if (++ncmd == CMDS_PER_BATCH || p + 1 == npages) {
			n += xe_svm_emit_bbe(cs + n);
			if (nb == b->nbatch) {
				tap_diag("internal: batch area too small");
				return -ENOSPC;
			}
			buf_write(b, batch_ptr(b, nb) - b->base, cs, n * 4);
			nb++;
			n = 0;
			ncmd = 0;
		}
	}

	return gpu_run_batches(g, b, nb);
}

/* ------------------------------------------------------------------ */
/* Memory kinds.                                                       */
/* ------------------------------------------------------------------ */

enum mem_kind {
	MEM_MALLOC,
	MEM_MALLOC_UNALIGNED,	/* malloc, base forced off a page boundary */
	MEM_MALLOC_MLOCK,
	MEM_MMAP_PRIVATE,
	MEM_MMAP_SHARED,
	MEM_MMAP_FILE,		/* MAP_SHARED of a file in /tmp */
};

struct mem {
	enum mem_kind kind;
	void *raw;		/* what to free() / munmap() */
	size_t len;
	int fd;
	bool locked;
};

static bool kind_is_mmap(enum mem_kind kind)
{
	return kind == MEM_MMAP_PRIVATE || kind == MEM_MMAP_SHARED ||
	       kind == MEM_MMAP_FILE;
}

/* Returns the base, or NULL with FAIL/SKIP in *res (and a diagnostic). */
static uint8_t *mem_alloc(struct mem *m, enum mem_kind kind, size_t len,
			  enum result *res)
{
	char path[] = "/tmp/xe_svm_basic.XXXXXX";
	uint8_t *base = NULL;
	int err;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->fd = -1;
	*res = FAIL;

	switch (kind) {
	case MEM_MALLOC:
	case MEM_MALLOC_MLOCK:
		m->len = len;
		m->raw = malloc(len);
		base = m->raw;
		break;
	case MEM_MALLOC_UNALIGNED:
		m->len = len + BATCH_ALIGN;
		m->raw = malloc(m->len);
		base = m->raw;
		if (base && !((uintptr_t)base & (SZ_4K - 1)))
			base += BATCH_ALIGN;
		break;
	case MEM_MMAP_PRIVATE:
		m->len = ALIGN_UP(len, SZ_4K);
		m->raw = map_anon(m->len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		base = m->raw;
		break;
	case MEM_MMAP_SHARED:
		m->len = ALIGN_UP(len, SZ_4K);
		m->raw = map_anon(m->len, PROT_READ | PROT_WRITE, MAP_SHARED);
		base = m->raw;
		break;
	case MEM_MMAP_FILE:
		m->len = ALIGN_UP(len, SZ_4K);
		m->fd = mkstemp(path);
		if (m->fd < 0) {
			snprintf(skip_reason, sizeof(skip_reason),
				 "cannot create a file in /tmp: %s",
				 strerror(errno));
			*res = SKIP;
			return NULL;
		}
		unlink(path);
		if (ftruncate(m->fd, m->len)) {
			tap_diag("ftruncate: %s", strerror(errno));
			close(m->fd);
			m->fd = -1;
			return NULL;
		}
		m->raw = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			      m->fd, 0);
		if (m->raw == MAP_FAILED)
			m->raw = NULL;
		base = m->raw;
		break;
	}

	if (!base) {
		tap_diag("allocating %zu bytes: %s", len, strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		return NULL;
	}

	if (kind == MEM_MALLOC_MLOCK) {
		/* mlock() populates the pages anyway; the test fills them. */
		memset(base, 0, len);
		if (mlock(base, len)) {
			err = errno;
			free(m->raw);
			m->raw = NULL;
			snprintf(skip_reason, sizeof(skip_reason),
				 "mlock(%zu bytes): %s", len, strerror(err));
			*res = SKIP;
			return NULL;
		}
		m->locked = true;
	}

	*res = PASS;
	return base;
}

static void mem_free(struct mem *m)
{
	if (!m->raw)
		return;

	if (m->locked)
		munlock(m->raw, m->len);
	if (kind_is_mmap(m->kind))
		munmap(m->raw, m->len);
	else
		free(m->raw);
	if (m->fd >= 0)
		close(m->fd);
	m->raw = NULL;
	m->fd = -1;
}

/* Read the whole file behind @m back and compare it with @want. */
static int check_file(struct mem *m, const uint8_t *want, size_t len,
		      const char *what)
{
	uint8_t *tmp = malloc(len);
	ssize_t got;
	int ret;

	if (!tmp) {
		tap_diag("out of memory");
		return -1;
	}
	got = pread(m->fd, tmp, len, 0);
	if (got != (ssize_t)len) {
		tap_diag("pread: %zd of %zu bytes (%s)", got, len,
			 got < 0 ? strerror(errno) : "short read");
		free(tmp);
		return -1;
	}
	ret = compare(what, tmp, want, len);
	free(tmp);

	return ret;
}

/* ------------------------------------------------------------------ */
/* Cases.                                                             */
/* ------------------------------------------------------------------ */

static enum result case_device_queries(const void *arg __maybe_unused)
{
	tap_diag("devid 0x%04x va_bits %u config flags 0x%llx", dev.devid,
		 dev.va_bits, (unsigned long long)dev.config_flags);
	tap_diag("exec engine class %u instance %u gt %u; mirror pat_index %u",
		 dev.eci.engine_class, dev.eci.engine_instance, dev.eci.gt_id,
		 dev.pat_index);
	tap_diag("GEM placements: sysmem 0x%x vram 0x%x", dev.sysmem_placement,
		 dev.vram_placement);

	/* query_config: set iff has_usm && CONFIG_DRM_XE_GPUSVM. */
	if (!(dev.config_flags & DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR)) {
		tap_diag("CONFIG flags lack DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR");
		return FAIL;
	}

	return PASS;
}

struct mem_case {
	enum mem_kind kind;
	size_t size;
	bool nomemset;		/* CPU never touches the data pages */
	bool qword;		/* qword stores instead of dword stores */
	unsigned int rounds;
};

/*
 * Allocate, (optionally) fill with a CPU pattern, let the GPU store one
 * value per 4K chunk @rounds times, check every byte after each round; for
 * file-backed memory also check the file through pread().
 */
static enum result case_mem(const void *arg)
{
	const struct mem_case *mc = arg;
	unsigned int nbatch = batches_for(mc->size), r;
	enum result res;
	struct gpu g;
	struct mem m;
	struct buf b = { 0 };
	uint8_t *base;

	base = mem_alloc(&m, mc->kind, span_for(mc->size, nbatch,
						 kind_is_mmap(mc->kind)), &res);
	if (!base)
		return res;

	res = FAIL;
	if (buf_init(&b, base, mc->size, nbatch))
		goto out_mem;
	if (!mc->nomemset)
		buf_fill(&b, 0x1000 + mc->kind);

	if (gpu_init(&g))
		goto out;

	for (r = 1; r <= mc->rounds; r++) {
		char what[32];

		snprintf(what, sizeof(what), "round %u", r);
		if (gpu_write_pages(&g, &b, r, mc->qword) ||
		    buf_check(&b, what))
			goto out;
	}

	if (mc->kind == MEM_MMAP_FILE &&
	    check_file(&m, b.shadow, b.total, "file via pread"))
		goto out;

	res = PASS;
out:
	if (gpu_fini(&g))
		res = FAIL;
	buf_fini(&b);
out_mem:
	mem_free(&m);
	return res;
}

#define ATOMIC_BATCHES		4u
#define ATOMIC_PER_BATCH	16u

/*
 * MI_ATOMIC INC, 64 times on each of two dwords, from four batches that may
 * run in any order.  The second counter wraps at 2^32: a 64-bit increment
 * would carry into the next dword, which the byte check would see.
 */
static enum result case_atomic_inc(const void *arg __maybe_unused)
{
	const unsigned int nbatch = ATOMIC_BATCHES, per_batch = ATOMIC_PER_BATCH;
	const size_t off[2] = { 0x1004, 0x2ffc };
	const uint32_t start[2] = { 0x00ffffe0, 0xffffffe0 };
	uint32_t cs[2 * ATOMIC_PER_BATCH * 3 + 1], v;
	enum result res;
	struct gpu g;
	struct mem m;
	struct buf b = { 0 };
	unsigned int i, j, k, n;
	uint8_t *base;

	base = mem_alloc(&m, MEM_MALLOC, span_for(SZ_16K, nbatch, false),
			 &res);
	if (!base)
		return res;

	res = FAIL;
	if (buf_init(&b, base, SZ_16K, nbatch))
		goto out_mem;
	buf_fill(&b, 0x2000);
	for (k = 0; k < 2; k++)
		buf_write(&b, off[k], &start[k], 4);

	for (i = 0; i < nbatch; i++) {
		n = 0;
		for (j = 0; j < per_batch; j++)
			for (k = 0; k < 2; k++)
				n += xe_svm_emit_atomic_inc(cs + n,
							    to_u64(base + off[k]));
		n += xe_svm_emit_bbe(cs + n);
		buf_write(&b, batch_ptr(&b, i) - base, cs, n * 4);
	}

	/* What the shadow must hold afterwards: start + N, mod 2^32. */
	for (k = 0; k < 2; k++) {
		v = start[k] + nbatch * per_batch;
		memcpy(b.shadow + off[k], &v, 4);
	}

	if (gpu_init(&g))
		goto out;
	if (gpu_run_batches(&g, &b, nbatch))
		goto out;
	for (k = 0; k < 2; k++) {
		memcpy(&v, base + off[k], 4);
		tap_diag("counter %u: 0x%08x + %u -> 0x%08x", k, start[k],
			 nbatch * per_batch, v);
	}
	if (buf_check(&b, "after MI_ATOMIC INC"))
		goto out;

	res = PASS;
out:
	if (gpu_fini(&g))
		res = FAIL;
	buf_fini(&b);
out_mem:
	mem_free(&m);
	return res;
}

/*
 * GPU writes A (MAP_SHARED of a memfd), munmap A, map anonymous B at the
 * same address with MAP_FIXED, GPU writes B from a new batch at the same
 * address.  B must hold exactly the new image, and the memfd (A's old
 * pages, still alive in the file) must hold exactly the first image: any
 * stale GPU translation would have written into it.
 */
static enum result case_munmap_remap(const void *arg __maybe_unused)
{
	const size_t data = SZ_1M;
	unsigned int nbatch = batches_for(data);
	size_t len = span_for(data, nbatch, true);
	uint8_t *a, *bptr, *image = NULL;
	enum result res = FAIL;
	struct buf b = { 0 };
	struct gpu g;
	int fd;

	fd = memfd_create("xe_svm_basic_a", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(skip_reason, sizeof(skip_reason), "memfd_create: %s",
			 strerror(errno));
		return SKIP;
	}
	if (ftruncate(fd, len)) {
		tap_diag("ftruncate: %s", strerror(errno));
		close(fd);
		return FAIL;
	}
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED) {
		tap_diag("mmap memfd: %s", strerror(errno));
		close(fd);
		return FAIL;
	}

	if (gpu_init(&g))
		goto out_a;
	if (buf_init(&b, a, data, nbatch))
		goto out_a;
	buf_fill(&b, 0x3000);
	if (gpu_write_pages(&g, &b, 31, false) || buf_check(&b, "A"))
		goto out_a;

	/* Keep A's final image to check the old pages later. */
	image = malloc(b.total);
	if (!image) {
		tap_diag("out of memory");
		goto out_a;
	}
	memcpy(image, b.shadow, b.total);

	if (munmap(a, len)) {
		tap_diag("munmap A: %s", strerror(errno));
		goto out_a;
	}
	bptr = mmap(a, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (bptr != a) {
		tap_diag("mmap B at %p: %s", (void *)a,
			 bptr == MAP_FAILED ? strerror(errno) : "moved");
		if (bptr != MAP_FAILED)
			munmap(bptr, len);
		a = NULL;
		goto out;
	}

	/* Same address, new pages, new pattern, new batches and values. */
	buf_fill(&b, 0x3001);
	if (gpu_write_pages(&g, &b, 32, false) || buf_check(&b, "B"))
		goto out_a;

	{
		struct mem fm = { .fd = fd };

		if (check_file(&fm, image, b.total, "old pages of A (memfd)"))
			goto out_a;
	}

	res = PASS;
out_a:
	if (a)
		munmap(a, len);
out:
	if (gpu_fini(&g))
		res = FAIL;
	buf_fini(&b);
	free(image);
	close(fd);
	return res;
}

/*
 * GPU writes A, mremap(MREMAP_MAYMOVE|MREMAP_FIXED) to B, CPU checks the
 * data at B, GPU writes B from new batches at B, check B.
 */
static enum result case_mremap(const void *arg __maybe_unused)
{
	const size_t data = SZ_1M;
	unsigned int nbatch = batches_for(data);
	size_t len = span_for(data, nbatch, true);
	uint8_t *a, *dst, *moved;
	enum result res = FAIL;
	struct buf b = { 0 };
	struct gpu g;

	a = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	dst = map_anon(len, PROT_NONE, MAP_PRIVATE);	/* reserve the target */
	if (!a || !dst) {
		tap_diag("mmap: %s", strerror(errno));
		if (a)
			munmap(a, len);
		if (dst)
			munmap(dst, len);
		return FAIL;
	}

	if (gpu_init(&g) || buf_init(&b, a, data, nbatch))
		goto out;
	buf_fill(&b, 0x4000);
	if (gpu_write_pages(&g, &b, 41, false) || buf_check(&b, "before mremap"))
		goto out;

	moved = mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (moved != dst) {
		tap_diag("mremap to %p: %s", (void *)dst,
			 moved == MAP_FAILED ? strerror(errno) : "wrong address");
		goto out;
	}
	tap_diag("moved %p -> %p", (void *)a, (void *)dst);
	a = NULL;			/* the old range is gone */
	b.base = dst;			/* both page aligned: same layout */

	if (buf_check(&b, "CPU at the new address"))
		goto out;
	if (gpu_write_pages(&g, &b, 42, false) ||
	    buf_check(&b, "GPU at the new address"))
		goto out;

	res = PASS;
out:
	if (gpu_fini(&g))
		res = FAIL;
	buf_fini(&b);
	if (a)
		munmap(a, len);
	munmap(dst, len);
	return res;
}

/*
 * GPU writes private memory, fork; the child checks every byte (COW copy)
 * and exits with the result; the parent checks the status, re-checks, and
 * lets the GPU write again (its pages were write-protected by the fork).
 */
static enum result case_fork_read(const void *arg __maybe_unused)
{
	const size_t data = SZ_1M;
	unsigned int nbatch = batches_for(data);
	enum result res;
	struct buf b = { 0 };
	struct gpu g;
	struct mem m;
	uint8_t *base;
	int status;
	pid_t pid;

	base = mem_alloc(&m, MEM_MALLOC, span_for(data, nbatch, false), &res);
	if (!base)
		return res;

	res = FAIL;
	if (buf_init(&b, base, data, nbatch))
		goto out_mem;
	buf_fill(&b, 0x5000);
	if (gpu_init(&g))
		goto out;
	if (gpu_write_pages(&g, &b, 51, false) || buf_check(&b, "before fork"))
		goto out;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		tap_diag("fork: %s", strerror(errno));
		goto out;
	}
	if (!pid) {
		/* Child: CPU reads only, no ioctls. */
		int bad = buf_check(&b, "child");

		fflush(stdout);
		_exit(bad ? 1 : 0);
	}

	if (waitpid(pid, &status, 0) != pid) {
		tap_diag("waitpid: %s", strerror(errno));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		tap_diag("child failed: status 0x%x", status);
		goto out;
	}

	if (buf_check(&b, "parent after fork"))
		goto out;
	if (gpu_write_pages(&g, &b, 52, false) ||
	    buf_check(&b, "GPU after fork"))
		goto out;

	res = PASS;
out:
	if (gpu_fini(&g))
		res = FAIL;
	buf_fini(&b);
out_mem:
	mem_free(&m);
	return res;
}

/*
 * While the GPU has SVM ranges in the mirror, UNMAP of the mirror fails
 * with -EBUSY (vm_bind_ioctl_ops_parse: xe_svm_has_mapping).  Once all
 * memory the GPU touched is munmap()ed it succeeds; the mirror can then be
 * bound again and used.
 */
static enum result case_mirror_unbind_busy(const void *arg __maybe_unused)
{
	const size_t data = SZ_64K;
	unsigned int nbatch = batches_for(data), i;
	size_t len = span_for(data, nbatch, true);
	enum result res = FAIL, mres;
	struct mem m = { .raw = NULL, .fd = -1 };
	struct buf b = { 0 };
	struct gpu g;
	uint8_t *base;
	int err;

	if (gpu_init(&g))
		goto out;

	base = mem_alloc(&m, MEM_MMAP_PRIVATE, len, &mres);
	if (!base || buf_init(&b, base, data, nbatch))
		goto out;
	buf_fill(&b, 0x6000);
	if (gpu_write_pages(&g, &b, 61, false) || buf_check(&b, "first buffer"))
		goto out;

	err = xe_svm_unbind_mirror(dev.fd, g.vm, dev.va_bits,
				   dev.pat_index, NULL);
	if (err != -EBUSY) {
		tap_diag("UNMAP mirror with live SVM ranges: %s, expected %s",
			 err_str(err), err_str(-EBUSY));
		goto out;
	}

	/* Drop everything the GPU touched: the buffer and the fence page. */
	buf_fini(&b);
	mem_free(&m);
	munmap(g.fence, SZ_4K);
	g.fence = NULL;

	/* Range teardown may be deferred: retry -EBUSY for up to 3 s. */
	for (i = 0; i < 300; i++) {
		err = xe_svm_unbind_mirror(dev.fd, g.vm, dev.va_bits,
					   dev.pat_index, NULL);
		if (err != -EBUSY)
			break;
		usleep(10000);
	}
	if (err) {
		tap_diag("UNMAP mirror after munmap: %s", err_str(err));
		goto out;
	}

	g.fence = map_fence_page();
	if (!g.fence) {
		tap_diag("mmap fence page: %s", strerror(errno));
		goto out;
	}
	err = xe_svm_bind_mirror(dev.fd, g.vm, dev.va_bits, dev.pat_index,
				 &g.fence[0]);
	if (err) {
		tap_diag("re-binding the mirror: %s", err_str(err));
		goto out;
	}

	base = mem_alloc(&m, MEM_MMAP_PRIVATE, len, &mres);
	if (!base || buf_init(&b, base, data, nbatch))
		goto out;
	buf_fill(&b, 0x6001);
	if (gpu_write_pages(&g, &b, 62, false) ||
	    buf_check(&b, "after re-binding"))
		goto out;

	res = PASS;
out:
	if (gpu_fini(&g))
		res = FAIL;
	buf_fini(&b);
	mem_free(&m);
	return res;
}

/*
 * An unserviceable GPU fault must end in a ban, and the wait on the queue
 * in -EIO; a hung fault handler instead runs into this (-ETIME). Generous
 * for TCG (XE_SVM_TIMEOUT_S raises it); a working ban returns at once.
 */
#define BAN_TIMEOUT_NS		(30 * XE_SVM_NSEC_PER_SEC)

/*
 * A store to an address inside the mirror with no CPU mapping behind it:
 * the fault cannot be resolved, so the fence never signals, the queue is
 * banned and the wait returns -EIO (-ETIME, a fault handler that never
 * gave its verdict, fails).  Nothing else may change, the banned queue
 * rejects further execs with -ECANCELED (xe_exec_ioctl), and the queue
 * and VM can still be destroyed.
 */
static enum result case_invalid_va(const void *arg __maybe_unused)
{
	uint8_t *base, *guard = NULL, *hole;
	struct buf b = { 0 };
	enum result res;
	struct gpu g;
	struct mem m;
	uint32_t cs[8];
	unsigned int n = 0;
	int slot, err;

	base = mem_alloc(&m, MEM_MALLOC, span_for(SZ_4K, 1, false), &res);
	if (!base)
		return res;

	res = FAIL;
	if (buf_init(&b, base, SZ_4K, 1))
		goto out_mem;
	buf_fill(&b, 0x7000);
	if (gpu_init(&g))
		goto out;

	/*
	 * A one-page hole between two PROT_NONE guard pages, made after every
	 * other mapping of this case so that nothing gets placed in it.
	 */
	guard = map_anon(3 * SZ_4K, PROT_NONE, MAP_PRIVATE);
	if (!guard) {
		tap_diag("mmap guard: %s", strerror(errno));
		goto out;
	}
	hole = guard + SZ_4K;
	if (munmap(hole, SZ_4K)) {
		tap_diag("munmap hole: %s", strerror(errno));
		goto out;
	}

	n += xe_svm_emit_sdi(cs + n, to_u64(hole + 0x40), 0xbadbad);
	n += xe_svm_emit_bbe(cs + n);
	buf_write(&b, b.batch_off, cs, n * 4);

	slot = gpu_submit(&g, batch_ptr(&b, 0));
	if (slot < 0)
		goto out;
	err = xe_svm_wait_ufence(dev.fd, to_u64(&g.fence[slot]), g.want[slot],
				 g.queue, timeout_ns > BAN_TIMEOUT_NS ?
				 timeout_ns : BAN_TIMEOUT_NS);
	g.next = 1;
	tap_diag("wait on the exec storing to %p: %s", (void *)(hole + 0x40),
		 err_str(err));
	if (err != -EIO) {
		tap_diag("expected %s (queue banned)", err_str(-EIO));
		goto out;
	}
	if (g.fence[slot] == g.want[slot]) {
		tap_diag("fence signalled although the exec faulted");
		goto out;
	}
	if (buf_check(&b, "buffer after the faulting exec"))
		goto out;

	/* Banned: xe_exec_ioctl returns -ECANCELED on reset_status. */
	err = xe_svm_exec(dev.fd, g.queue, to_u64(batch_ptr(&b, 0)),
			  to_u64(&g.fence[1]), 1);
	if (err != -ECANCELED) {
		tap_diag("EXEC on the banned queue: %s, expected %s",
			 err_str(err), err_str(-ECANCELED));
		goto out;
	}

	res = PASS;
out:
	/* gpu_fini() reports a failing EXEC_QUEUE_DESTROY or VM_DESTROY. */
	if (gpu_fini(&g))
		res = FAIL;
	buf_fini(&b);
	if (guard)
		munmap(guard, 3 * SZ_4K);	/* the hole is already unmapped */
out_mem:
	mem_free(&m);
	return res;
}

/* ------------------------------------------------------------------ */
/* Bad ioctl arguments.                                                */
/* ------------------------------------------------------------------ */

struct bad_ctx {
	struct gpu g;		/* fault-mode VM + mirror + exec queue */
	bool have_gpu;
	uint32_t nvm;		/* VM created with flags 0 (no FAULT_MODE) */
	bool have_nvm;
	uint32_t *bbe;		/* page with just MI_BATCH_BUFFER_END */
	void *badptr;		/* PROT_NONE page: any access faults */
	int expect;		/* expected result; a case may adjust it */
};

/* Unexpected successes must not leak objects into later cases. */
static void drop_vm(int err, uint32_t vm)
{
	if (!err)
		xe_svm_vm_destroy(dev.fd, vm);
}

static void drop_queue(int err, uint32_t q)
{
	if (!err)
		xe_svm_exec_queue_destroy(dev.fd, q);
}

static void drop_bo(int err, uint32_t handle)
{
	struct drm_gem_close close_args = { .handle = handle };

	if (!err && handle)
		xe_svm_ioctl(dev.fd, DRM_IOCTL_GEM_CLOSE, &close_args);
}

/* DEVICE_QUERY ------------------------------------------------------- */

static int bad_query(uint32_t query, uint64_t ext, uint64_t res0)
{
	struct drm_xe_device_query q = {
		.extensions = ext, .query = query, .reserved = { res0 },
	};

	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);
}

/* Correct type, size off by @delta bytes (0: exact), data at @data. */
static int bad_query_sized(uint32_t query, int32_t delta, void *data)
{
	struct drm_xe_device_query q = { .query = query };
	void *buf = NULL;
	int err;

	err = xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);
	if (err)
		return err;
	if (delta < 0 && q.size <= (uint32_t)-delta)
		return -ERANGE;	/* cannot build the case: report a mismatch */
	q.size += delta;
	if (!data) {
		buf = calloc(1, q.size);
		if (!buf)
			return -ENOMEM;
		data = buf;
	}
	q.data = to_u64(data);
	err = xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);
	free(buf);

	return err;
}

static int bad_query_unknown(struct bad_ctx *b __maybe_unused)
{
	return bad_query(0x7fff, 0, 0);
}

static int bad_query_ext(struct bad_ctx *b)
{
	return bad_query(DRM_XE_DEVICE_QUERY_CONFIG, to_u64(b->badptr), 0);
}

static int bad_query_reserved(struct bad_ctx *b __maybe_unused)
{
	return bad_query(DRM_XE_DEVICE_QUERY_CONFIG, 0, 1);
}

static int bad_query_config_small(struct bad_ctx *b __maybe_unused)
{
	return bad_query_sized(DRM_XE_DEVICE_QUERY_CONFIG,
			       -(int32_t)sizeof(uint64_t), NULL);
}

static int bad_query_config_big(struct bad_ctx *b __maybe_unused)
{
	return bad_query_sized(DRM_XE_DEVICE_QUERY_CONFIG, sizeof(uint64_t),
			       NULL);
}

static int bad_query_engines_small(struct bad_ctx *b __maybe_unused)
{
	return bad_query_sized(DRM_XE_DEVICE_QUERY_ENGINES,
			       -(int32_t)sizeof(struct drm_xe_engine), NULL);
}

static int bad_query_config_efault(struct bad_ctx *b)
{
	return bad_query_sized(DRM_XE_DEVICE_QUERY_CONFIG, 0, b->badptr);
}

/* VM_CREATE / VM_DESTROY --------------------------------------------- */

static int bad_vm_create(uint32_t flags, uint64_t ext, uint64_t res0)
{
	struct drm_xe_vm_create a = {
		.extensions = ext, .flags = flags, .reserved = { res0 },
	};
	int err = xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_VM_CREATE, &a);

	drop_vm(err, a.vm_id);
	return err;
}

static int bad_vm_fault_no_lr(struct bad_ctx *b __maybe_unused)
{
	return bad_vm_create(DRM_XE_VM_CREATE_FLAG_FAULT_MODE, 0, 0);
}

static int bad_vm_unknown_flags(struct bad_ctx *b __maybe_unused)
{
	return bad_vm_create(DRM_XE_VM_CREATE_FLAG_LR_MODE | (1u << 31), 0, 0);
}

/*
 * Device ids whose xe_device_desc sets needs_scratch (lnl_desc, bmg_desc,
 * ptl_desc, the latter also for WCL), from include/drm/intel/pciids.h.
 */
static bool devid_needs_scratch(uint32_t id)
{
	static const uint16_t ids[] = {
		0x6420, 0x64a0, 0x64b0,				/* LNL */
		0xe202, 0xe209, 0xe20b, 0xe20c, 0xe20d, 0xe210,	/* BMG */
		0xe211, 0xe212, 0xe216, 0xe220, 0xe221, 0xe222, 0xe223,
		0xb080, 0xb081, 0xb082, 0xb083, 0xb084, 0xb085,	/* PTL */
		0xb086, 0xb087, 0xb08f, 0xb090, 0xb0a0, 0xb0b0,
		0xfd80, 0xfd81,					/* WCL */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		if (ids[i] == id)
			return true;
	return false;
}

static int bad_vm_scratch_fault(struct bad_ctx *b)
{
	/* Allowed where needs_scratch is set (Xe2/Xe3 parts, vxe's BMG id). */
	if (!devid_needs_scratch(dev.devid)) {
		tap_diag("devid 0x%04x lacks needs_scratch: expecting %s",
			 dev.devid, err_str(-EINVAL));
		b->expect = -EINVAL;
	}
	return bad_vm_create(DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE |
			     VM_FLAGS_FAULT, 0, 0);
}

static int bad_vm_overcommit_no_fault(struct bad_ctx *b __maybe_unused)
{
	return bad_vm_create(DRM_XE_VM_CREATE_FLAG_LR_MODE |
			     DRM_XE_VM_CREATE_FLAG_NO_VM_OVERCOMMIT, 0, 0);
}

static int bad_vm_ext(struct bad_ctx *b)
{
	return bad_vm_create(VM_FLAGS_FAULT, to_u64(b->badptr), 0);
}

static int bad_vm_reserved(struct bad_ctx *b __maybe_unused)
{
	return bad_vm_create(VM_FLAGS_FAULT, 0, 1);
}

static int bad_vm_destroy_unknown(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_vm_destroy a = { .vm_id = BOGUS_ID };

	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_VM_DESTROY, &a);
}

static int bad_vm_destroy_pad(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_vm_destroy a = { .vm_id = BOGUS_ID, .pad = 1 };

	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_VM_DESTROY, &a);
}

/* VM_BIND ------------------------------------------------------------ */

/* A valid op: re-mirror [1M, 1M + 64K) of the fault-mode VM. */
static void bind_args(struct bad_ctx *b, struct drm_xe_vm_bind *a)
{
	memset(a, 0, sizeof(*a));
	a->vm_id = b->g.vm;
	a->num_binds = 1;
	a->bind.op = DRM_XE_VM_BIND_OP_MAP;
	a->bind.flags = DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR;
	a->bind.addr = SZ_1M;
	a->bind.range = SZ_64K;
	a->bind.pat_index = dev.pat_index;
}

static int do_bind(struct drm_xe_vm_bind *a)
{
	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_VM_BIND, a);
}

static int bad_bind_unknown_vm(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.vm_id = BOGUS_ID;
	return do_bind(&a);
}

static int bad_bind_unaligned_addr(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.addr += 0x800;
	return do_bind(&a);
}

static int bad_bind_unaligned_range(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.range += 0x800;
	return do_bind(&a);
}

static int bad_bind_zero_range(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.range = 0;
	return do_bind(&a);
}

static int bad_bind_mirror_obj(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.obj = 1;
	return do_bind(&a);
}

static int bad_bind_mirror_offset(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.obj_offset = SZ_4K;
	return do_bind(&a);
}

static int bad_bind_mirror_non_fault(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	if (!b->have_nvm)
		return -ENOTRECOVERABLE;
	bind_args(b, &a);
	a.vm_id = b->nvm;
	return do_bind(&a);
}

static int bad_bind_mirror_unmap(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.op = DRM_XE_VM_BIND_OP_UNMAP;
	return do_bind(&a);
}

static int bad_bind_op(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.op = 0x1f;
	a.bind.flags = 0;
	return do_bind(&a);
}

static int bad_bind_flags(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	/* Not bit 31: FORCE_OP_ERROR, accepted with CONFIG_DRM_XE_DEBUG. */
	a.bind.flags |= 1u << 30;
	return do_bind(&a);
}

static int bad_bind_pat(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.pat_index = 0xffff;
	return do_bind(&a);
}

static int bad_bind_map_no_obj(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.flags = 0;
	return do_bind(&a);
}

static int bad_bind_beyond_va(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.bind.addr = 0;
	a.bind.range = (1ull << dev.va_bits) + SZ_4K;
	return do_bind(&a);
}

static int bad_bind_ext(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.extensions = to_u64(b->badptr);
	return do_bind(&a);
}

static int bad_bind_pad(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.pad = 1;
	return do_bind(&a);
}

static int bad_bind_unknown_queue(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.exec_queue_id = BOGUS_ID;
	return do_bind(&a);
}

static int bad_bind_exec_queue(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.exec_queue_id = b->g.queue;	/* a COPY/... queue, not VM_BIND */
	return do_bind(&a);
}

/* The valid op (or none) with one user fence at @addr. */
static int bad_bind_sync(struct bad_ctx *b, uint32_t flags, uint64_t addr,
			 uint32_t num_binds)
{
	struct drm_xe_sync s = {
		.type = DRM_XE_SYNC_TYPE_USER_FENCE, .flags = flags,
		.addr = addr, .timeline_value = 1,
	};
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.num_binds = num_binds;
	a.num_syncs = 1;
	a.syncs = to_u64(&s);
	return do_bind(&a);
}

static int bad_bind_ufence_no_signal(struct bad_ctx *b)
{
	return bad_bind_sync(b, 0, to_u64(&b->g.fence[2]), 1);
}

static int bad_bind_ufence_unaligned(struct bad_ctx *b)
{
	return bad_bind_sync(b, DRM_XE_SYNC_FLAG_SIGNAL,
			     to_u64(&b->g.fence[2]) + 4, 1);
}

static int bad_bind_ufence_unmapped(struct bad_ctx *b)
{
	return bad_bind_sync(b, DRM_XE_SYNC_FLAG_SIGNAL, to_u64(b->badptr), 1);
}

static int bad_bind_zero_binds(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.num_binds = 0;
	return do_bind(&a);
}

static int bad_bind_zero_binds_ufence(struct bad_ctx *b)
{
	return bad_bind_sync(b, DRM_XE_SYNC_FLAG_SIGNAL,
			     to_u64(&b->g.fence[2]), 0);
}

/*
 * UNMAP of a range where the VM (flags 0, nothing bound) has nothing: 0,
 * and the user fence is signalled all the same (xe_svm_bind() waits).
 */
static int bad_bind_unmap_nothing(struct bad_ctx *b)
{
	struct xe_svm_bind_args a = {
		.vm = b->nvm, .op = DRM_XE_VM_BIND_OP_UNMAP,
		.addr = SZ_1M, .range = SZ_64K, .pat_index = dev.pat_index,
	};

	if (!b->have_nvm)
		return -ENOTRECOVERABLE;
	return xe_svm_bind(dev.fd, &a, &b->g.fence[6]);
}

static int bad_bind_vector_ptr(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.num_binds = 2;
	a.vector_of_binds = to_u64(b->badptr);	/* overlays a.bind */
	return do_bind(&a);
}

static int bad_bind_huge_num_binds(struct bad_ctx *b)
{
	struct drm_xe_vm_bind a;

	bind_args(b, &a);
	a.num_binds = UINT32_MAX;	/* > INT_MAX bytes of ops: no alloc */
	a.vector_of_binds = to_u64(b->badptr);
	return do_bind(&a);
}

/* EXEC_QUEUE_CREATE / DESTROY ---------------------------------------- */

static int bad_eq_create(struct drm_xe_exec_queue_create *a,
			 struct drm_xe_engine_class_instance *inst)
{
	int err;

	if (inst)
		a->instances = to_u64(inst);
	err = xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, a);
	drop_queue(err, a->exec_queue_id);
	return err;
}

#define EQ_ARGS(b) { .width = 1, .num_placements = 1, .vm_id = (b)->g.vm }

static int bad_eq_class(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);
	struct drm_xe_engine_class_instance inst = dev.eci;

	inst.engine_class = 0x7f;
	return bad_eq_create(&a, &inst);
}

static int bad_eq_instance(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);
	struct drm_xe_engine_class_instance inst = dev.eci;

	inst.engine_instance = 0x7ff;
	return bad_eq_create(&a, &inst);
}

static int bad_eq_gt(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);
	struct drm_xe_engine_class_instance inst = dev.eci;

	inst.gt_id = 0x7f;
	return bad_eq_create(&a, &inst);
}

static int bad_eq_width(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);
	struct drm_xe_engine_class_instance inst = dev.eci;

	a.width = 0;
	return bad_eq_create(&a, &inst);
}

static int bad_eq_flags(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);
	struct drm_xe_engine_class_instance inst = dev.eci;

	a.flags = 1u << 31;
	return bad_eq_create(&a, &inst);
}

static int bad_eq_vm(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);
	struct drm_xe_engine_class_instance inst = dev.eci;

	a.vm_id = BOGUS_ID;
	return bad_eq_create(&a, &inst);
}

static int bad_eq_instances_ptr(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);

	a.instances = to_u64(b->badptr);
	return bad_eq_create(&a, NULL);
}

static int bad_eq_ext_ptr(struct bad_ctx *b)
{
	struct drm_xe_exec_queue_create a = EQ_ARGS(b);
	struct drm_xe_engine_class_instance inst = dev.eci;

	a.extensions = to_u64(b->badptr);
	return bad_eq_create(&a, &inst);
}

static int bad_eq_destroy_unknown(struct bad_ctx *b __maybe_unused)
{
	return xe_svm_exec_queue_destroy(dev.fd, BOGUS_ID);
}

static int bad_eq_destroy_pad(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_exec_queue_destroy a = {
		.exec_queue_id = BOGUS_ID, .pad = 1,
	};

	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_EXEC_QUEUE_DESTROY, &a);
}

/* EXEC --------------------------------------------------------------- */

/*
 * A valid exec of a BBE-only batch with one user fence, so that a device
 * that wrongly accepts a case runs nothing harmful.
 */
static void exec_args(struct bad_ctx *b, struct drm_xe_exec *a,
		      struct drm_xe_sync *s)
{
	memset(s, 0, 2 * sizeof(*s));
	s[0].type = DRM_XE_SYNC_TYPE_USER_FENCE;
	s[0].flags = DRM_XE_SYNC_FLAG_SIGNAL;
	s[0].addr = to_u64(&b->g.fence[3]);
	s[0].timeline_value = 1;
	s[1] = s[0];
	s[1].addr = to_u64(&b->g.fence[4]);

	memset(a, 0, sizeof(*a));
	a->exec_queue_id = b->g.queue;
	a->num_syncs = 1;
	a->syncs = to_u64(s);
	a->address = to_u64(b->bbe);
	a->num_batch_buffer = 1;
}

static int do_exec(struct drm_xe_exec *a)
{
	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_EXEC, a);
}

static int bad_exec_queue(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	a.exec_queue_id = BOGUS_ID;
	return do_exec(&a);
}

static int bad_exec_ext(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	a.extensions = to_u64(b->badptr);
	return do_exec(&a);
}

static int bad_exec_pad(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	a.pad[0] = 1;
	return do_exec(&a);
}

static int bad_exec_num_bb(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	a.num_batch_buffer = 2;
	return do_exec(&a);
}

static int bad_exec_ufence_no_signal(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	s[0].flags = 0;
	return do_exec(&a);
}

static int bad_exec_ufence_unaligned(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	s[0].addr += 4;
	return do_exec(&a);
}

static int bad_exec_sync_type(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	s[0].type = 0x7;
	return do_exec(&a);
}

static int bad_exec_sync_flags(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	s[0].flags |= 1u << 7;
	return do_exec(&a);
}

static int bad_exec_two_ufences(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	a.num_syncs = 2;
	return do_exec(&a);
}

static int bad_exec_syncobj_signal_lr(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	s[0].type = DRM_XE_SYNC_TYPE_SYNCOBJ;
	s[0].addr = 0;
	s[0].handle = 0;	/* the LR check comes before the lookup */
	s[0].timeline_value = 0;
	return do_exec(&a);
}

static int bad_exec_syncs_ptr(struct bad_ctx *b)
{
	struct drm_xe_sync s[2];
	struct drm_xe_exec a;

	exec_args(b, &a, s);
	a.syncs = to_u64(b->badptr);
	return do_exec(&a);
}

/* WAIT_USER_FENCE ---------------------------------------------------- */

/* Valid except that the fence never matches; timeout 0, so no waiting. */
static void wait_args(struct bad_ctx *b, struct drm_xe_wait_user_fence *a)
{
	b->g.fence[5] = 0;
	memset(a, 0, sizeof(*a));
	a->addr = to_u64(&b->g.fence[5]);
	a->op = DRM_XE_UFENCE_WAIT_OP_EQ;
	a->value = 1;
	a->mask = ~0ull;
	a->timeout = 0;
}

static int do_wait(struct drm_xe_wait_user_fence *a)
{
	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_WAIT_USER_FENCE, a);
}

static int bad_wait_unaligned(struct bad_ctx *b)
{
	struct drm_xe_wait_user_fence a;

	wait_args(b, &a);
	a.addr += 4;
	return do_wait(&a);
}

static int bad_wait_op(struct bad_ctx *b)
{
	struct drm_xe_wait_user_fence a;

	wait_args(b, &a);
	a.op = DRM_XE_UFENCE_WAIT_OP_LTE + 1;
	return do_wait(&a);
}

static int bad_wait_flags(struct bad_ctx *b)
{
	struct drm_xe_wait_user_fence a;

	wait_args(b, &a);
	a.flags = 1u << 1;
	return do_wait(&a);
}

static int bad_wait_queue(struct bad_ctx *b)
{
	struct drm_xe_wait_user_fence a;

	wait_args(b, &a);
	a.exec_queue_id = BOGUS_ID;
	return do_wait(&a);
}

static int bad_wait_ext(struct bad_ctx *b)
{
	struct drm_xe_wait_user_fence a;

	wait_args(b, &a);
	a.extensions = to_u64(b->badptr);
	return do_wait(&a);
}

static int bad_wait_expired(struct bad_ctx *b)
{
	struct drm_xe_wait_user_fence a;

	wait_args(b, &a);
	return do_wait(&a);
}

static int bad_wait_unmapped(struct bad_ctx *b)
{
	struct drm_xe_wait_user_fence a;

	wait_args(b, &a);
	a.addr = to_u64(b->badptr);
	return do_wait(&a);
}

/* GEM_CREATE / GEM_MMAP_OFFSET --------------------------------------- */

/* Valid: 4K in the first system-memory region, WB, no VM. */
static void gem_args(struct drm_xe_gem_create *a)
{
	memset(a, 0, sizeof(*a));
	a->size = SZ_4K;
	a->placement = dev.sysmem_placement & -dev.sysmem_placement;
	a->cpu_caching = DRM_XE_GEM_CPU_CACHING_WB;
}

static int do_gem_create(struct drm_xe_gem_create *a)
{
	uint32_t preset = a->handle;
	int err = xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_GEM_CREATE, a);

	if (!preset)
		drop_bo(err, a->handle);
	return err;
}

static int bad_gem_size_zero(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.size = 0;
	return do_gem_create(&a);
}

static int bad_gem_size_unaligned(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.size = SZ_4K + 512;
	return do_gem_create(&a);
}

static int bad_gem_no_placement(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.placement = 0;
	return do_gem_create(&a);
}

static int bad_gem_placement(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.placement = 1u << 31;
	return do_gem_create(&a);
}

static int bad_gem_flags(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.flags = 1u << 31;
	return do_gem_create(&a);
}

static int bad_gem_caching_zero(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.cpu_caching = 0;
	return do_gem_create(&a);
}

static int bad_gem_caching_unknown(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.cpu_caching = DRM_XE_GEM_CPU_CACHING_WC + 1;
	return do_gem_create(&a);
}

static int bad_gem_handle(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.handle = 1;
	return do_gem_create(&a);
}

static int bad_gem_visible_vram_sysmem(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.flags = DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM;
	return do_gem_create(&a);
}

static int bad_gem_vram_wb(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	if (!dev.vram_placement)
		return 1;	/* skip: no VRAM region */
	gem_args(&a);
	a.placement = dev.vram_placement & -dev.vram_placement;
	return do_gem_create(&a);
}

static int bad_gem_vm(struct bad_ctx *b __maybe_unused)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.vm_id = BOGUS_ID;
	return do_gem_create(&a);
}

static int bad_gem_ext(struct bad_ctx *b)
{
	struct drm_xe_gem_create a;

	gem_args(&a);
	a.extensions = to_u64(b->badptr);
	return do_gem_create(&a);
}

static int bad_mmo(uint32_t handle, uint32_t flags, uint64_t ext)
{
	struct drm_xe_gem_mmap_offset a = {
		.extensions = ext, .handle = handle, .flags = flags,
	};

	return xe_svm_ioctl(dev.fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &a);
}

static int bad_mmo_handle(struct bad_ctx *b __maybe_unused)
{
	return bad_mmo(BOGUS_ID, 0, 0);
}

static int bad_mmo_flags(struct bad_ctx *b __maybe_unused)
{
	return bad_mmo(BOGUS_ID, 1u << 31, 0);
}

static int bad_mmo_ext(struct bad_ctx *b)
{
	return bad_mmo(BOGUS_ID, 0, to_u64(b->badptr));
}

/*
 * The table.  "gpu" marks cases that need the fault-mode VM / queue /
 * fence page of the shared context.  Each expected value is what upstream
 * Linux 7.2 (drivers/gpu/drm/xe, on a discrete Xe2 part such as BMG, the
 * device vxe claims to be) returns for exactly the arguments the case
 * function passes; the comment names the file:function and the check that
 * decides.  Where several checks could fire, the first one in upstream
 * order is the one that decides, and the case only breaks that one rule.
 */
struct bad_case {
	const char *name;
	int (*fn)(struct bad_ctx *b);
	int expected_errno;		/* 0 or negative errno */
	bool gpu;
};

static const struct bad_case bad_cases[] = {
	/* xe_query.c:xe_query_ioctl: query >= ARRAY_SIZE(xe_query_funcs) */
	{ "query-unknown-type", bad_query_unknown, -EINVAL, false },
	/* xe_query.c:xe_query_ioctl: extensions != 0 (first check, not read) */
	{ "query-nonzero-extensions", bad_query_ext, -EINVAL, false },
	/* xe_query.c:xe_query_ioctl: reserved[0] || reserved[1] */
	{ "query-nonzero-reserved", bad_query_reserved, -EINVAL, false },
	/* xe_query.c:query_config: size != exact size (after the 0 probe) */
	{ "query-config-size-too-small", bad_query_config_small, -EINVAL, false },
	/* xe_query.c:query_config: size != exact size (larger is no better) */
	{ "query-config-size-too-big", bad_query_config_big, -EINVAL, false },
	/* xe_query.c:query_engines: size != calc_hw_engine_info_size() */
	{ "query-engines-size-too-small", bad_query_engines_small, -EINVAL, false },
	/* xe_query.c:query_config: copy_to_user(query_ptr) fails */
	{ "query-config-bad-data-ptr", bad_query_config_efault, -EFAULT, false },

	/* xe_vm.c:xe_vm_create_ioctl: !(flags & LR_MODE) && FAULT_MODE */
	{ "vm-create-fault-without-lr", bad_vm_fault_no_lr, -EINVAL, false },
	/* xe_vm.c:xe_vm_create_ioctl: flags & ~ALL_DRM_XE_VM_CREATE_FLAGS */
	{ "vm-create-unknown-flags", bad_vm_unknown_flags, -EINVAL, false },
	/*
	 * xe_vm.c:xe_vm_create_ioctl: SCRATCH_PAGE && FAULT_MODE &&
	 * !xe->info.needs_scratch refuses; bmg_desc sets needs_scratch, so 0
	 * (-EINVAL on a devid without it, see bad_vm_scratch_fault).
	 */
	{ "vm-create-scratch-fault-lr", bad_vm_scratch_fault, 0, false },
	/* xe_vm.c:xe_vm_create_ioctl: !(flags & FAULT_MODE) && NO_VM_OVERCOMMIT */
	{ "vm-create-no-overcommit-without-fault", bad_vm_overcommit_no_fault,
	  -EINVAL, false },
	/* xe_vm.c:xe_vm_create_ioctl: extensions != 0 (first check, not read) */
	{ "vm-create-bad-extensions-ptr", bad_vm_ext, -EINVAL, false },
	/* xe_vm.c:xe_vm_create_ioctl: reserved[0] || reserved[1] */
	{ "vm-create-nonzero-reserved", bad_vm_reserved, -EINVAL, false },
	/* xe_vm.c:xe_vm_destroy_ioctl: xa_load() finds no VM */
	{ "vm-destroy-unknown-id", bad_vm_destroy_unknown, -ENOENT, false },
	/* xe_vm.c:xe_vm_destroy_ioctl: pad != 0, checked before the lookup */
	{ "vm-destroy-nonzero-pad", bad_vm_destroy_pad, -EINVAL, false },

	/* xe_vm.c:xe_vm_bind_ioctl: xe_vm_lookup() NULL, first: -EINVAL */
	{ "vm-bind-unknown-vm", bad_bind_unknown_vm, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: addr & ~PAGE_MASK */
	{ "vm-bind-unaligned-addr", bad_bind_unaligned_addr, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: range & ~PAGE_MASK */
	{ "vm-bind-unaligned-range", bad_bind_unaligned_range, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: !range && op != UNMAP_ALL */
	{ "vm-bind-zero-range", bad_bind_zero_range, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: obj && is_cpu_addr_mirror */
	{ "vm-bind-mirror-with-obj", bad_bind_mirror_obj, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: obj_offset && is_cpu_addr_mirror */
	{ "vm-bind-mirror-with-obj-offset", bad_bind_mirror_offset, -EINVAL, true },
	/*
	 * xe_vm.c:vm_bind_ioctl_check_args: is_cpu_addr_mirror &&
	 * !xe_vm_in_fault_mode(vm), the first check of an op
	 */
	{ "vm-bind-mirror-on-non-fault-vm", bad_bind_mirror_non_fault, -EINVAL,
	  true },
	/* xe_vm.c:vm_bind_ioctl_check_args: op != MAP && is_cpu_addr_mirror */
	{ "vm-bind-mirror-with-unmap-op", bad_bind_mirror_unmap, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: op > DRM_XE_VM_BIND_OP_PREFETCH */
	{ "vm-bind-bad-op", bad_bind_op, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: flags & ~SUPPORTED_FLAGS (bit 30) */
	{ "vm-bind-unknown-flags", bad_bind_flags, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: pat_index >= xe->pat.n_entries */
	{ "vm-bind-bad-pat-index", bad_bind_pat, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: !obj && MAP && !is_null && !mirror */
	{ "vm-bind-map-without-obj", bad_bind_map_no_obj, -EINVAL, true },
	/* xe_vm.c:xe_vm_bind_ioctl: range > vm->size (1 << va_bits) */
	{ "vm-bind-range-beyond-va", bad_bind_beyond_va, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: extensions != 0 (not read) */
	{ "vm-bind-nonzero-extensions", bad_bind_ext, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: pad || pad2 (first check) */
	{ "vm-bind-nonzero-pad", bad_bind_pad, -EINVAL, true },
	/* xe_vm.c:vm_bind_ioctl_check_args: copy_from_user(vector_of_binds) */
	{ "vm-bind-bad-vector-ptr", bad_bind_vector_ptr, -EFAULT, true },
	/*
	 * xe_vm.c:vm_bind_ioctl_check_args: kvmalloc_objs() of num_binds ops
	 * fails (over INT_MAX bytes; __GFP_NOWARN, so no log): -ENOBUFS
	 */
	{ "vm-bind-huge-num-binds", bad_bind_huge_num_binds, -ENOBUFS, true },
	/* xe_vm.c:xe_vm_bind_ioctl: xe_exec_queue_lookup() NULL */
	{ "vm-bind-unknown-queue", bad_bind_unknown_queue, -ENOENT, true },
	/* xe_vm.c:xe_vm_bind_ioctl: !(q->flags & EXEC_QUEUE_FLAG_VM) */
	{ "vm-bind-non-bind-queue", bad_bind_exec_queue, -EINVAL, true },
	/* xe_sync.c:xe_sync_entry_parse: USER_FENCE && !signal: -EOPNOTSUPP */
	{ "vm-bind-ufence-without-signal", bad_bind_ufence_no_signal, -EOPNOTSUPP,
	  true },
	/* xe_sync.c:xe_sync_entry_parse: USER_FENCE addr & 0x7 */
	{ "vm-bind-ufence-unaligned", bad_bind_ufence_unaligned, -EINVAL, true },
	/* xe_sync.c:user_fence_create (binds only): get_user(addr) fails */
	{ "vm-bind-ufence-unmapped-addr", bad_bind_ufence_unmapped, -EFAULT,
	  true },
	/*
	 * xe_vm.c:xe_vm_bind_ioctl: !num_binds sets -ENODATA, which free_syncs
	 * replaces by vm_bind_ioctl_signal_fences() (no syncs): 0
	 */
	{ "vm-bind-zero-binds", bad_bind_zero_binds, 0, true },
	/*
	 * xe_sync.c:xe_sync_entry_parse: USER_FENCE with
	 * SYNC_PARSE_FLAG_DISALLOW_USER_FENCE (set for !num_binds)
	 */
	{ "vm-bind-zero-binds-with-ufence", bad_bind_zero_binds_ufence,
	  -EOPNOTSUPP, true },
	/*
	 * xe_vm.c:xe_vm_bind_ioctl: list_empty(&vops.list) sets -ENODATA,
	 * replaced by vm_bind_ioctl_signal_fences(): 0, user fence signalled
	 */
	{ "vm-bind-unmap-nothing", bad_bind_unmap_nothing, 0, true },

	/*
	 * xe_exec_queue.c:calc_validate_logical_mask: xe_hw_engine_lookup()
	 * NULL (class >= ARRAY_SIZE(user_to_xe_engine_class)), so
	 * xe_exec_queue_create_ioctl: !logical_mask
	 */
	{ "exec-queue-create-bad-engine-class", bad_eq_class, -EINVAL, true },
	/*
	 * xe_exec_queue.c:calc_validate_logical_mask: xe_hw_engine_lookup()
	 * NULL (xe_gt_hw_engine() has no such instance), so !logical_mask
	 */
	{ "exec-queue-create-bad-engine-instance", bad_eq_instance, -EINVAL, true },
	/* xe_exec_queue.c:xe_exec_queue_create_ioctl: !xe_device_get_gt(gt_id) */
	{ "exec-queue-create-bad-gt-id", bad_eq_gt, -EINVAL, true },
	/* xe_exec_queue.c:xe_exec_queue_create_ioctl: !len (width * placements) */
	{ "exec-queue-create-zero-width", bad_eq_width, -EINVAL, true },
	/* xe_exec_queue.c:xe_exec_queue_create_ioctl: flags & ~LOW_LATENCY_HINT */
	{ "exec-queue-create-unknown-flags", bad_eq_flags, -EINVAL, true },
	/* xe_exec_queue.c:xe_exec_queue_create_ioctl: xe_vm_lookup() NULL */
	{ "exec-queue-create-unknown-vm", bad_eq_vm, -ENOENT, true },
	/* xe_exec_queue.c:xe_exec_queue_create_ioctl: copy_from_user(eci) */
	{ "exec-queue-create-bad-instances-ptr", bad_eq_instances_ptr, -EFAULT,
	  true },
	/*
	 * xe_exec_queue.c:__exec_queue_user_extensions: copy_from_user(ext)
	 * fails, in __xe_exec_queue_alloc(), after the VM lookup
	 */
	{ "exec-queue-create-bad-extensions-ptr", bad_eq_ext_ptr, -EFAULT, true },
	/* xe_exec_queue.c:xe_exec_queue_destroy_ioctl: xa_erase() finds none */
	{ "exec-queue-destroy-unknown-id", bad_eq_destroy_unknown, -ENOENT, false },
	/* xe_exec_queue.c:xe_exec_queue_destroy_ioctl: pad != 0, before lookup */
	{ "exec-queue-destroy-nonzero-pad", bad_eq_destroy_pad, -EINVAL, false },

	/* xe_exec.c:xe_exec_ioctl: xe_exec_queue_lookup() NULL */
	{ "exec-unknown-queue", bad_exec_queue, -ENOENT, true },
	/* xe_exec.c:xe_exec_ioctl: extensions != 0 (first check, not read) */
	{ "exec-nonzero-extensions", bad_exec_ext, -EINVAL, true },
	/* xe_exec.c:xe_exec_ioctl: pad[0] || pad[1] || pad[2] */
	{ "exec-nonzero-pad", bad_exec_pad, -EINVAL, true },
	/* xe_exec.c:xe_exec_ioctl: num_batch_buffer && q->width != it (2 != 1) */
	{ "exec-bad-num-batch-buffer", bad_exec_num_bb, -EINVAL, true },
	/* xe_sync.c:xe_sync_entry_parse: USER_FENCE && !signal: -EOPNOTSUPP */
	{ "exec-ufence-without-signal", bad_exec_ufence_no_signal, -EOPNOTSUPP,
	  true },
	/* xe_sync.c:xe_sync_entry_parse: USER_FENCE addr & 0x7 */
	{ "exec-ufence-unaligned", bad_exec_ufence_unaligned, -EINVAL, true },
	/* xe_sync.c:xe_sync_entry_parse: unknown type (switch default) */
	{ "exec-sync-unknown-type", bad_exec_sync_type, -EINVAL, true },
	/* xe_sync.c:xe_sync_entry_parse: flags & ~SIGNAL, before the type */
	{ "exec-sync-unknown-flags", bad_exec_sync_flags, -EINVAL, true },
	/* xe_exec.c:xe_exec_ioctl: num_ufence > 1, after all syncs parsed */
	{ "exec-two-ufences", bad_exec_two_ufences, -EINVAL, true },
	/*
	 * xe_sync.c:xe_sync_entry_parse: SYNCOBJ && in_lr_mode && signal,
	 * before the handle lookup: -EOPNOTSUPP
	 */
	{ "exec-syncobj-signal-in-lr-vm", bad_exec_syncobj_signal_lr, -EOPNOTSUPP,
	  true },
	/* xe_sync.c:xe_sync_entry_parse: copy_from_user(sync_user) fails */
	{ "exec-bad-syncs-ptr", bad_exec_syncs_ptr, -EFAULT, true },

	/* xe_wait_user_fence.c:xe_wait_user_fence_ioctl: addr & 0x7 */
	{ "wait-ufence-unaligned-addr", bad_wait_unaligned, -EINVAL, true },
	/* xe_wait_user_fence.c:xe_wait_user_fence_ioctl: op > MAX_OP (LTE) */
	{ "wait-ufence-bad-op", bad_wait_op, -EINVAL, true },
	/* xe_wait_user_fence.c:xe_wait_user_fence_ioctl: flags & ~ABSTIME */
	{ "wait-ufence-unknown-flags", bad_wait_flags, -EINVAL, true },
	/* xe_wait_user_fence.c:xe_wait_user_fence_ioctl: queue lookup NULL */
	{ "wait-ufence-unknown-queue", bad_wait_queue, -ENOENT, true },
	/* xe_wait_user_fence.c:xe_wait_user_fence_ioctl: extensions != 0 */
	{ "wait-ufence-nonzero-extensions", bad_wait_ext, -EINVAL, true },
	/* xe_wait_user_fence.c:xe_wait_user_fence_ioctl: !timeout, no match */
	{ "wait-ufence-timeout-expired", bad_wait_expired, -ETIME, true },
	/* xe_wait_user_fence.c:do_compare: copy_from_user(addr) fails */
	{ "wait-ufence-unmapped-addr", bad_wait_unmapped, -EFAULT, true },

	/* xe_bo.c:xe_gem_create_ioctl: !size */
	{ "gem-create-zero-size", bad_gem_size_zero, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: size & ~PAGE_MASK */
	{ "gem-create-unaligned-size", bad_gem_size_unaligned, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: !placement */
	{ "gem-create-no-placement", bad_gem_no_placement, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: placement & ~xe->info.mem_region_mask */
	{ "gem-create-bad-placement", bad_gem_placement, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: flags outside the four known flags */
	{ "gem-create-unknown-flags", bad_gem_flags, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: !cpu_caching */
	{ "gem-create-zero-cpu-caching", bad_gem_caching_zero, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: cpu_caching > DRM_XE_GEM_CPU_CACHING_WC */
	{ "gem-create-unknown-cpu-caching", bad_gem_caching_unknown, -EINVAL,
	  false },
	/* xe_bo.c:xe_gem_create_ioctl: handle != 0 */
	{ "gem-create-nonzero-handle", bad_gem_handle, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: NEEDS_VISIBLE_VRAM && no VRAM placement */
	{ "gem-create-visible-vram-in-sysmem", bad_gem_visible_vram_sysmem,
	  -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: VRAM placement && cpu_caching != WC */
	{ "gem-create-vram-with-wb-caching", bad_gem_vram_wb, -EINVAL, false },
	/* xe_bo.c:xe_gem_create_ioctl: vm_id && xe_vm_lookup() NULL */
	{ "gem-create-unknown-vm", bad_gem_vm, -ENOENT, false },
	/*
	 * xe_bo.c:gem_create_user_extensions: copy_from_user(ext) fails,
	 * after every check and the BO's creation
	 */
	{ "gem-create-bad-extensions-ptr", bad_gem_ext, -EFAULT, false },
	/* xe_bo.c:xe_gem_mmap_offset_ioctl: drm_gem_object_lookup() NULL */
	{ "gem-mmap-offset-bad-handle", bad_mmo_handle, -ENOENT, false },
	/* xe_bo.c:xe_gem_mmap_offset_ioctl: flags & ~PCI_BARRIER, pre-lookup */
	{ "gem-mmap-offset-unknown-flags", bad_mmo_flags, -EINVAL, false },
	/* xe_bo.c:xe_gem_mmap_offset_ioctl: extensions != 0 */
	{ "gem-mmap-offset-nonzero-extensions", bad_mmo_ext, -EINVAL, false },
};

static int bad_ctx_init(struct bad_ctx *b)
{
	memset(b, 0, sizeof(*b));

	b->badptr = map_anon(SZ_4K, PROT_NONE, MAP_PRIVATE);
	b->bbe = map_anon(SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!b->badptr || !b->bbe) {
		tap_diag("bad-ioctl setup: mmap: %s", strerror(errno));
		return -ENOMEM;
	}
	xe_svm_emit_bbe(b->bbe);

	if (!xe_svm_vm_create(dev.fd, 0, &b->nvm))
		b->have_nvm = true;
	else
		tap_diag("bad-ioctl setup: VM_CREATE(0) failed");

	if (gpu_init(&b->g)) {
		tap_diag("bad-ioctl setup: no fault-mode VM/queue; those cases fail");
		return 0;
	}
	b->have_gpu = true;

	return 0;
}

static void bad_ctx_fini(struct bad_ctx *b)
{
	gpu_fini(&b->g);
	if (b->have_nvm)
		xe_svm_vm_destroy(dev.fd, b->nvm);
	if (b->bbe)
		munmap(b->bbe, SZ_4K);
	if (b->badptr)
		munmap(b->badptr, SZ_4K);
}

static void run_bad_case(struct bad_ctx *b, const struct bad_case *c,
			 bool dev_ok, bool setup_ok)
{
	char name[96];
	int ret;

	snprintf(name, sizeof(name), "bad-%s", c->name);
	if (!dev_ok) {
		tap_skip(name, "device queries failed");
		return;
	}
	if (!setup_ok || (c->gpu && !b->have_gpu)) {
		tap_diag("%s: no context to run in", name);
		tap_ok(false, name);
		return;
	}

	b->expect = c->expected_errno;
	ret = c->fn(b);
	if (ret > 0) {
		tap_skip(name, "needs a VRAM region");
		return;
	}
	if (ret != b->expect)
		tap_diag("%s: got %d (%s), expected %d (%s)", name, ret,
			 err_str(ret), b->expect, err_str(b->expect));
	tap_ok(ret == b->expect, name);
}

/* ------------------------------------------------------------------ */

struct test {
	const char *name;
	enum result (*fn)(const void *arg);
	const void *arg;
};

/* Memory-kind cases: { kind, data size, nomemset, qword, rounds }. */
#define MEM_CASE(...)	(&(const struct mem_case){ __VA_ARGS__ })

static const struct test tests[] = {
	{ "device-queries", case_device_queries, NULL },
	{ "malloc-4k", case_mem, MEM_CASE(MEM_MALLOC, SZ_4K, false, false, 2) },
	{ "malloc-68k-unaligned", case_mem,
	  MEM_CASE(MEM_MALLOC_UNALIGNED, SZ_64K + SZ_4K, false, false, 2) },
	{ "malloc-2m", case_mem, MEM_CASE(MEM_MALLOC, SZ_2M, false, false, 2) },
	{ "malloc-4m", case_mem, MEM_CASE(MEM_MALLOC, SZ_4M, false, false, 2) },
	{ "mmap-private-nomemset", case_mem,
	  MEM_CASE(MEM_MMAP_PRIVATE, SZ_2M, true, false, 1) },
	{ "mmap-shared", case_mem, MEM_CASE(MEM_MMAP_SHARED, SZ_1M, false, false, 2) },
	{ "mmap-file", case_mem, MEM_CASE(MEM_MMAP_FILE, SZ_1M, false, false, 2) },
	{ "malloc-mlock", case_mem, MEM_CASE(MEM_MALLOC_MLOCK, SZ_1M, false, false, 2) },
	{ "qword-store", case_mem, MEM_CASE(MEM_MALLOC, SZ_256K, false, true, 2) },
	{ "atomic-inc", case_atomic_inc, NULL },
	{ "munmap-remap-same-addr", case_munmap_remap, NULL },
	{ "mremap-fixed", case_mremap, NULL },
	{ "malloc-fork-read", case_fork_read, NULL },
	{ "mirror-unbind-busy", case_mirror_unbind_busy, NULL },
	{ "invalid-va", case_invalid_va, NULL },
};

int main(void)
{
	struct bad_ctx bctx;
	const char *env;
	bool dev_ok, bad_ok;
	size_t i;
	int fd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);

	env = getenv("XE_SVM_TIMEOUT_S");
	if (env && atoi(env) > 0)
		timeout_ns = atoi(env) * XE_SVM_NSEC_PER_SEC;

	fd = xe_svm_open();
	if (fd < 0) {
		printf("TAP version 13\n1..0 # SKIP no xe device\n");
		return 4;
	}

	tap_plan(ARRAY_SIZE(tests) + ARRAY_SIZE(bad_cases));

	err = xe_svm_dev_init(&dev, fd);
	dev_ok = !err;
	if (!dev_ok) {
		tap_diag("CONFIG/ENGINES/MEM_REGIONS queries failed: %s",
			 err_str(err));
		dev.fd = fd;
	}

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		const struct test *t = &tests[i];
		enum result res;

		if (!dev_ok) {
			if (i == 0)
				tap_ok(false, t->name);
			else
				tap_skip(t->name, "device queries failed");
			continue;
		}

		skip_reason[0] = '\0';
		res = t->fn(t->arg);
		if (res == SKIP)
			tap_skip(t->name, skip_reason[0] ? skip_reason : "skipped");
		else
			tap_ok(res == PASS, t->name);
	}

	bad_ok = dev_ok && !bad_ctx_init(&bctx);
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++)
		run_bad_case(&bctx, &bad_cases[i], dev_ok, bad_ok);
	if (dev_ok)
		bad_ctx_fini(&bctx);

	close(fd);
	return tap_finish();
}
