// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * xe_svm_bind - buffer objects and userptrs bound next to the CPU-address
 * mirror, on an Xe-uAPI device.
 *
 * The GPU stores one dword into every page of a target span. What a GPU
 * address reaches depends on what is bound there: a BO bound over the
 * mirror must take the stores (and the CPU memory at the same address must
 * not), re-mirroring part of it must send that part back to CPU memory
 * while the rest keeps reaching the BO at the right offset, and a userptr
 * must reach the CPU pages of its address - the new ones after the CPU
 * mapping was replaced. After every step every byte of every buffer
 * involved is compared with what it must hold. The BO cases run twice:
 * with the BO in system memory and (*-vram, skipped on a device without
 * VRAM) in VRAM, where the GPU reaches it through VRAM page-table entries
 * and the CPU through its mmap of the VRAM pages. On a device with VRAM,
 * debugfs "vram" bo_used must count a VRAM BO's bytes from its creation
 * until its last reference (handle, mmap, binding) is gone, and then
 * none; a system-memory BO none at any time.
 *
 * Output is TAP 13 (kselftest style). Exit status: 0 all passed, 1 some
 * failed, 4 skipped (no xe device).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xe_svm_lib.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define SZ_4K			0x1000ul
#define SZ_64K			0x10000ul
#define SZ_256K			0x40000ul

#define SPAN			SZ_256K
#define SPAN_PAGES		(SPAN / SZ_4K)
#define FENCE_VALUE		0xc0ffee00c0ffee00ull
/* A dword store lands at this offset of each page. */
#define STORE_OFF		0x7c4

enum result { PASS, FAIL, SKIP };

static struct xe_svm_dev dev;
/* Where the cases put their BOs: system memory, or VRAM for *-vram. */
static uint32_t bo_placement;
static const int64_t timeout_ns = 10 * XE_SVM_NSEC_PER_SEC;
/*
 * An unserviceable GPU fault must ban the queue, and the wait on it end
 * in -EIO; a hung fault handler instead runs into this (-ETIME). Generous
 * for TCG; a working ban returns at once.
 */
static const int64_t ban_timeout_ns = 30 * XE_SVM_NSEC_PER_SEC;

static void *map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static uint32_t value_of(uint32_t seed, unsigned int page)
{
	return seed * 0x9e3779b1u ^ (page + 1) * 0x85ebca6bu;
}

/* Byte pattern of a buffer the CPU filled with @seed. */
static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 12));
}

/* The span's shadow copy after the GPU stored @seed to pages [lo, hi). */
static void store(uint8_t *shadow, uint32_t seed, unsigned int lo,
		  unsigned int hi)
{
	unsigned int k;

	for (k = lo; k < hi; k++) {
		uint32_t v = value_of(seed, k);

		memcpy(shadow + k * SZ_4K + STORE_OFF, &v, sizeof(v));
	}
}

/*
 * Store value_of(@seed, k) at GPU address @gpu + k * 4K + STORE_OFF for
 * the pages k in [lo, hi), from the batch page. Returns the fence wait's
 * result.
 */
static int gpu_store_pages(struct xe_svm_ctx *c, uint64_t gpu, uint32_t seed,
			   unsigned int lo, unsigned int hi)
{
	uint32_t *batch = c->batch;
	uint64_t batch_gpu = to_u64(c->batch);
	uint64_t *fence = &c->fence[1];
	uint64_t want = FENCE_VALUE + ++c->seq;
	unsigned int k, n = 0;
	int err;

	for (k = lo; k < hi; k++)
		n += xe_svm_emit_sdi(batch + n, gpu + k * SZ_4K + STORE_OFF,
				     value_of(seed, k));
	n += xe_svm_emit_bbe(batch + n);

	*fence = 0;
	err = xe_svm_exec(dev.fd, c->queue, batch_gpu, to_u64(fence), want);
	if (err) {
		tap_diag("EXEC: %s", xe_svm_strerror(err));
		return err;
	}
	err = xe_svm_wait_ufence(dev.fd, to_u64(fence), want, c->queue,
				 timeout_ns);
	if (err)
		tap_diag("WAIT_USER_FENCE: %s", xe_svm_strerror(err));
	return err;
}

/* debugfs "vram" bo_used: bytes VRAM BOs hold; -1 without VRAM. */
static long long bo_used(void)
{
	long long v;

	return xe_svm_debugfs_value(dev.fd, "vram", "bo_used", &v) ? -1 : v;
}

/* The bytes a BO of @len in bo_placement adds to bo_used. */
static long long bo_vram_bytes(size_t len)
{
	return bo_placement & dev.vram_placement ? (long long)len : 0;
}

/*
 * bo_used must be @want (it settles within 2 s: the last reference may
 * go after the ioctl that dropped it). @base is bo_used before the case:
 * -1 (no such line) passes for a system-memory BO, on a device without
 * VRAM, and fails for a VRAM BO.
 */
static int bo_used_is(long long base, long long want, const char *when)
{
	if (base < 0) {
		if (!bo_vram_bytes(1))
			return 0;
		tap_diag("%s: debugfs vram has no bo_used", when);
		return -1;
	}
	return xe_svm_debugfs_settles(dev.fd, "vram", "bo_used", want, when);
}

static int gpu_store_span(struct xe_svm_ctx *c, uint64_t gpu, uint32_t seed)
{
	return gpu_store_pages(c, gpu, seed, 0, SPAN_PAGES);
}

static int bind(struct xe_svm_ctx *c, uint32_t op, uint32_t flags, uint32_t obj,
		uint64_t obj_offset, uint64_t addr, uint64_t range)
{
	struct xe_svm_bind_args b = {
		.vm = c->vm,
		.op = op,
		.flags = flags,
		.obj = obj,
		.obj_offset = obj_offset,
		.addr = addr,
		.range = range,
		.pat_index = dev.pat_index,
	};

	return xe_svm_bind(dev.fd, &b, &c->fence[0]);
}

static int remirror(struct xe_svm_ctx *c, uint64_t addr, uint64_t range)
{
	return bind(c, DRM_XE_VM_BIND_OP_MAP,
		    DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR, 0, 0, addr, range);
}

/*
 * A BO bound at the address of CPU memory X takes the GPU's stores to X;
 * re-mirroring the lower half sends those back to X while the upper half
 * still reaches the BO at offset SPAN / 2; re-mirroring the rest sends
 * everything to X. The BO and X are checked in full after each step. The
 * BO's VRAM (if there) is accounted while it lives, through the close of
 * its handle (its mmap still holds it), and given back once unmapped.
 */
static enum result case_bo_over_mirror(void)
{
	uint8_t *x = NULL, *bo_map = NULL, *want_x = NULL, *want_bo = NULL;
	long long base = bo_used();
	enum result res = FAIL;
	uint32_t bo = 0;
	struct xe_svm_ctx c;
	int err;

	if (xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			 DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true))
		goto out;

	x = map_anon(SPAN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	want_x = malloc(SPAN);
	want_bo = malloc(SPAN);
	err = xe_svm_gem_create(dev.fd, SPAN, bo_placement, &bo);
	if (err || !x || !want_x || !want_bo) {
		tap_diag("setup: %s",
			 err ? xe_svm_strerror(err) : strerror(errno));
		goto out;
	}
	if (bo_used_is(base, base + bo_vram_bytes(SPAN), "BO created"))
		goto out;
	bo_map = xe_svm_gem_mmap(dev.fd, bo, SPAN);
	if (!bo_map) {
		tap_diag("BO mmap: %s", strerror(errno));
		goto out;
	}
	fill(x, SPAN, 0x11);
	fill(bo_map, SPAN, 0x22);
	memcpy(want_x, x, SPAN);
	memcpy(want_bo, bo_map, SPAN);

	err = bind(&c, DRM_XE_VM_BIND_OP_MAP, 0, bo, 0, to_u64(x), SPAN);
	if (err) {
		tap_diag("BO bind over the mirror: %s", xe_svm_strerror(err));
		goto out;
	}
	if (gpu_store_span(&c, to_u64(x), 1))
		goto out;
	store(want_bo, 1, 0, SPAN_PAGES);
	if (xe_svm_compare("BO after stores through its binding", bo_map,
			   want_bo, SPAN) ||
	    xe_svm_compare("CPU memory under the BO binding", x, want_x, SPAN))
		goto out;

	err = remirror(&c, to_u64(x), SPAN / 2);
	if (err) {
		tap_diag("re-mirroring the lower half: %s",
			 xe_svm_strerror(err));
		goto out;
	}
	if (gpu_store_span(&c, to_u64(x), 2))
		goto out;
	store(want_x, 2, 0, SPAN_PAGES / 2);
	store(want_bo, 2, SPAN_PAGES / 2, SPAN_PAGES);
	if (xe_svm_compare("BO after a half re-mirror", bo_map, want_bo,
			   SPAN) ||
	    xe_svm_compare("CPU memory after a half re-mirror", x, want_x,
			   SPAN))
		goto out;

	err = remirror(&c, to_u64(x) + SPAN / 2, SPAN / 2);
	if (err) {
		tap_diag("re-mirroring the upper half: %s",
			 xe_svm_strerror(err));
		goto out;
	}
	/* The BO handle goes; the mirror must not care. */
	err = xe_svm_gem_close(dev.fd, bo);
	bo = 0;
	if (err) {
		tap_diag("GEM_CLOSE: %s", xe_svm_strerror(err));
		goto out;
	}
	if (bo_used_is(base, base + bo_vram_bytes(SPAN),
		       "handle closed, BO still mapped"))
		goto out;
	if (gpu_store_span(&c, to_u64(x), 3))
		goto out;
	store(want_x, 3, 0, SPAN_PAGES);
	if (xe_svm_compare("BO after the full re-mirror", bo_map, want_bo,
			   SPAN) ||
	    xe_svm_compare("CPU memory after the full re-mirror", x, want_x,
			   SPAN))
		goto out;
	res = PASS;
out:
	if (xe_svm_ctx_fini(&c))
		res = FAIL;
	if (bo_map)
		munmap(bo_map, SPAN);
	if (bo)
		xe_svm_gem_close(dev.fd, bo);
	if (res == PASS && bo_used_is(base, base, "BO closed and unmapped"))
		res = FAIL;
	if (x)
		munmap(x, SPAN);
	free(want_x);
	free(want_bo);
	return res;
}

/*
 * In a VM without page faults, a BO bound at an arbitrary GPU address
 * carries the batch and takes its stores; the exec fence goes through a
 * userptr of the fence page. Destroying the VM with both still bound
 * must be clean, and give the BO's VRAM (if there) back once its handle
 * and mmap are gone too.
 */
static enum result case_bo_no_fault_vm(void)
{
	const uint64_t gpu = 0x1a0000, fence_gpu = 0x101a0000;
	uint8_t *bo_map = NULL, *want = NULL;
	long long base = bo_used();
	enum result res = FAIL;
	uint32_t bo = 0, *batch;
	struct xe_svm_ctx c;
	uint64_t fv;
	unsigned int k, n = 0;
	int err;

	if (xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE, false))
		goto out;
	want = malloc(SPAN + SZ_64K);
	err = xe_svm_gem_create(dev.fd, SPAN + SZ_64K, bo_placement, &bo);
	if (err || !want) {
		tap_diag("setup: %s",
			 err ? xe_svm_strerror(err) : "out of memory");
		goto out;
	}
	if (bo_used_is(base, base + bo_vram_bytes(SPAN + SZ_64K),
		       "BO created"))
		goto out;
	bo_map = xe_svm_gem_mmap(dev.fd, bo, SPAN + SZ_64K);
	if (!bo_map) {
		tap_diag("BO mmap: %s", strerror(errno));
		goto out;
	}
	fill(bo_map, SPAN + SZ_64K, 0x33);

	err = bind(&c, DRM_XE_VM_BIND_OP_MAP, 0, bo, 0, gpu, SPAN + SZ_64K) ?:
	      bind(&c, DRM_XE_VM_BIND_OP_MAP_USERPTR, 0, 0, to_u64(c.fence),
		   fence_gpu, SZ_4K);
	if (err) {
		tap_diag("BO + userptr bind: %s", xe_svm_strerror(err));
		goto out;
	}

	/* The batch sits in the BO, after the span. */
	batch = (uint32_t *)(bo_map + SPAN);
	for (k = 0; k < SPAN_PAGES; k++)
		n += xe_svm_emit_sdi(batch + n, gpu + k * SZ_4K + STORE_OFF,
				     value_of(4, k));
	n += xe_svm_emit_bbe(batch + n);
	memcpy(want, bo_map, SPAN + SZ_64K);
	store(want, 4, 0, SPAN_PAGES);

	fv = FENCE_VALUE + 100;
	c.fence[1] = 0;
	err = xe_svm_exec(dev.fd, c.queue, gpu + SPAN, fence_gpu + 8, fv) ?:
	      xe_svm_wait_ufence(dev.fd, to_u64(&c.fence[1]), fv, c.queue,
				 timeout_ns);
	if (err) {
		tap_diag("exec from the BO: %s", xe_svm_strerror(err));
		goto out;
	}
	if (xe_svm_compare("BO after stores in a VM without faults",
			   bo_map, want, SPAN + SZ_64K))
		goto out;
	res = PASS;
out:
	if (xe_svm_ctx_fini(&c))
		res = FAIL;
	/* The handle and mmap still hold it after the VM went. */
	if (res == PASS && bo_used_is(base, base +
				      bo_vram_bytes(SPAN + SZ_64K),
				      "VM destroyed, BO still open"))
		res = FAIL;
	if (bo_map)
		munmap(bo_map, SPAN + SZ_64K);
	if (bo)
		xe_svm_gem_close(dev.fd, bo);
	if (res == PASS && bo_used_is(base, base, "BO closed and unmapped"))
		res = FAIL;
	free(want);
	return res;
}

/*
 * A userptr of CPU memory U bound at GPU address Y (where the CPU has only
 * PROT_NONE): stores to Y land in U. Replacing U's mapping with fresh
 * pages invalidates the binding: the next stores fault and land in the new
 * pages. Unbinding the middle quarter splits the userptr; both remaining
 * parts still reach the right offsets of U. A store into the unbound
 * quarter of Y cannot be served: vxe bans the queue, so the wait must
 * fail with -EIO (a hung fault handler would give -ETIME), and the queue
 * then refuses execs with -ECANCELED.
 */
static enum result case_userptr(void)
{
	uint8_t *u = NULL, *y = NULL, *want = NULL;
	enum result res = FAIL;
	struct xe_svm_ctx c;
	void *p;
	int err;

	if (xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			 DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true))
		goto out;
	u = map_anon(SPAN, PROT_READ | PROT_WRITE, MAP_SHARED);
	y = map_anon(SPAN, PROT_NONE, MAP_PRIVATE);
	want = malloc(SPAN);
	if (!u || !y || !want) {
		tap_diag("setup: %s", strerror(errno));
		goto out;
	}
	fill(u, SPAN, 0x44);
	memcpy(want, u, SPAN);

	err = bind(&c, DRM_XE_VM_BIND_OP_MAP_USERPTR, 0, 0, to_u64(u),
		   to_u64(y), SPAN);
	if (err) {
		tap_diag("userptr bind: %s", xe_svm_strerror(err));
		goto out;
	}
	if (gpu_store_span(&c, to_u64(y), 5))
		goto out;
	store(want, 5, 0, SPAN_PAGES);
	if (xe_svm_compare("userptr memory", u, want, SPAN))
		goto out;

	/* New pages at the same address: an invalidation. */
	p = mmap(u, SPAN, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != u) {
		tap_diag("mmap MAP_FIXED over the userptr: %s", strerror(errno));
		goto out;
	}
	fill(u, SPAN, 0x55);
	memcpy(want, u, SPAN);
	if (gpu_store_span(&c, to_u64(y), 6))
		goto out;
	store(want, 6, 0, SPAN_PAGES);
	if (xe_svm_compare("userptr memory after the CPU mapping changed",
			   u, want, SPAN))
		goto out;

	err = bind(&c, DRM_XE_VM_BIND_OP_UNMAP, 0, 0, 0,
		   to_u64(y) + SPAN / 4, SPAN / 4);
	if (err) {
		tap_diag("unbinding the middle of the userptr: %s",
			 xe_svm_strerror(err));
		goto out;
	}
	if (gpu_store_pages(&c, to_u64(y), 7, 0, SPAN_PAGES / 4) ||
	    gpu_store_pages(&c, to_u64(y), 7, SPAN_PAGES / 2, SPAN_PAGES))
		goto out;
	store(want, 7, 0, SPAN_PAGES / 4);
	store(want, 7, SPAN_PAGES / 2, SPAN_PAGES);
	if (xe_svm_compare("userptr memory after a split", u, want, SPAN))
		goto out;

	/* The unbound quarter is a hole: the store there cannot be served. */
	c.fence[1] = 0;
	err = xe_svm_emit_sdi(c.batch, to_u64(y) + SPAN / 4 + STORE_OFF, 8);
	xe_svm_emit_bbe(c.batch + err);
	err = xe_svm_exec(dev.fd, c.queue, to_u64(c.batch), to_u64(&c.fence[1]),
			  FENCE_VALUE) ?:
	      xe_svm_wait_ufence(dev.fd, to_u64(&c.fence[1]), FENCE_VALUE,
				 c.queue, ban_timeout_ns);
	if (err != -EIO) {
		tap_diag("store into the unbound quarter: %s, expected %s (queue banned)",
			 err ? xe_svm_strerror(err) : "success",
			 xe_svm_strerror(-EIO));
		goto out;
	}
	if (c.fence[1] == FENCE_VALUE) {
		tap_diag("fence signalled although the store faulted");
		goto out;
	}
	err = xe_svm_exec(dev.fd, c.queue, to_u64(c.batch), to_u64(&c.fence[1]),
			  FENCE_VALUE);
	if (err != -ECANCELED) {
		tap_diag("EXEC on the banned queue: %s, expected %s",
			 err ? xe_svm_strerror(err) : "success",
			 xe_svm_strerror(-ECANCELED));
		goto out;
	}
	if (xe_svm_compare("userptr memory after the faulting store", u, want,
			   SPAN))
		goto out;
	res = PASS;
out:
	if (xe_svm_ctx_fini(&c))
		res = FAIL;
	if (u)
		munmap(u, SPAN);
	if (y)
		munmap(y, SPAN);
	free(want);
	return res;
}

/* Bad BO and userptr binds get upstream's errno. */
static enum result case_bad_binds(void)
{
	struct {
		const char *what;
		uint32_t op, obj;
		uint64_t obj_offset, addr, range;
		int expect;
	} t[5];
	enum result res = FAIL;
	uint8_t *hole = NULL;
	uint32_t bo = 0;
	struct xe_svm_ctx c;
	unsigned int i;
	int err;

	if (xe_svm_ctx_init(&c, &dev, DRM_XE_VM_CREATE_FLAG_LR_MODE |
			 DRM_XE_VM_CREATE_FLAG_FAULT_MODE, true))
		goto out;
	err = xe_svm_gem_create(dev.fd, SZ_64K, bo_placement, &bo);
	hole = map_anon(SZ_64K, PROT_READ, MAP_PRIVATE);
	if (err || !hole || munmap(hole, SZ_64K)) {
		tap_diag("setup: %s",
			 err ? xe_svm_strerror(err) : strerror(errno));
		goto out;
	}

	/*
	 * Upstream Linux 7.2 (drivers/gpu/drm/xe), per case: the file:function
	 * and the check that decides. The BO checks come before the syncs.
	 */
	t[0] = (typeof(t[0])){ "BO map of an unknown handle "
		"(xe_vm.c:xe_vm_bind_ioctl: drm_gem_object_lookup() NULL)",
		DRM_XE_VM_BIND_OP_MAP, 0x7ffffff0u, 0, 0x1a0000, SZ_4K, -ENOENT };
	t[1] = (typeof(t[0])){ "BO map beyond the object "
		"(xe_vm.c:xe_vm_bind_ioctl_validate_bo: obj_offset > size - range)",
		DRM_XE_VM_BIND_OP_MAP, bo, SZ_4K, 0x1a0000, SZ_64K, -EINVAL };
	t[2] = (typeof(t[0])){ "BO map at an offset past its end "
		"(xe_vm.c:xe_vm_bind_ioctl_validate_bo: obj_offset > size - range)",
		DRM_XE_VM_BIND_OP_MAP, bo, 2 * SZ_64K, 0x1a0000, SZ_4K, -EINVAL };
	t[3] = (typeof(t[0])){ "userptr with an object "
		"(xe_vm.c:vm_bind_ioctl_check_args: obj && op == MAP_USERPTR)",
		DRM_XE_VM_BIND_OP_MAP_USERPTR, bo, 0, 0x1a0000, SZ_4K, -EINVAL };
	t[4] = (typeof(t[0])){ "userptr of unmapped CPU memory "
		"(xe_userptr.c:xe_vma_userptr_pin_pages from xe_vm.c:new_vma: "
		"hmm_range_fault() finds no VMA)",
		DRM_XE_VM_BIND_OP_MAP_USERPTR, 0, to_u64(hole), 0x1a0000,
		SZ_64K, -EFAULT };

	res = PASS;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		err = bind(&c, t[i].op, 0, t[i].obj, t[i].obj_offset,
			   t[i].addr, t[i].range);
		if (err != t[i].expect) {
			tap_diag("%s: %s, expected %s", t[i].what,
				 err ? xe_svm_strerror(err) : "success",
				 xe_svm_strerror(t[i].expect));
			res = FAIL;
		}
	}
out:
	if (xe_svm_ctx_fini(&c))
		res = FAIL;
	if (bo)
		xe_svm_gem_close(dev.fd, bo);
	return res;
}

/* Run @fn with its BOs in VRAM (the first VRAM region); skip without. */
static enum result in_vram(enum result (*fn)(void))
{
	uint32_t saved = bo_placement;
	enum result res;

	if (!dev.vram_placement)
		return SKIP;
	bo_placement = dev.vram_placement & -dev.vram_placement;
	res = fn();
	bo_placement = saved;
	return res;
}

static enum result case_bo_over_mirror_vram(void)
{
	return in_vram(case_bo_over_mirror);
}

static enum result case_bo_no_fault_vm_vram(void)
{
	return in_vram(case_bo_no_fault_vm);
}

static const struct {
	const char *name;
	enum result (*fn)(void);
} tests[] = {
	{ "bo-over-mirror", case_bo_over_mirror },
	{ "bo-no-fault-vm", case_bo_no_fault_vm },
	{ "bo-over-mirror-vram", case_bo_over_mirror_vram },
	{ "bo-no-fault-vm-vram", case_bo_no_fault_vm_vram },
	{ "userptr-invalidate-split", case_userptr },
	{ "bad-binds", case_bad_binds },
};

int main(void)
{
	enum result res;
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
	bo_placement = dev.sysmem_placement & -dev.sysmem_placement;
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (err) {
			tap_diag("device queries failed: %s",
				 xe_svm_strerror(err));
			tap_ok(false, tests[i].name);
			continue;
		}
		res = tests[i].fn();
		if (res == SKIP)
			tap_skip(tests[i].name, "no VRAM region");
		else
			tap_ok(res == PASS, tests[i].name);
	}
	return tap_finish();
}
