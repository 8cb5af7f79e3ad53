// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * KUnit tests of the drm_gpusvm range core: what can be checked without a
 * device. Each test mirrors a real test address space (kunit_vm_mmap()),
 * shapes its VMAs with munmap/mprotect and checks range sizes, alignment,
 * trees and invalidation through real MMU interval notifiers. The
 * device-memory cases add a pool of MEMORY_DEVICE_PRIVATE pages backed by
 * vmalloc'ed "VRAM" and migrate ranges of that address space through it.
 */

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <kunit/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/vmalloc.h>

#include <drm/drm_device.h>
#include <drm/drm_gpusvm.h>
#include <drm/drm_gpusvm_devmem.h>
#include <drm/drm_pagemap.h>

static const unsigned long test_chunks[] = { SZ_2M, SZ_64K, SZ_4K };

struct gpusvm_test {
	struct drm_gpusvm gpusvm;
	struct mutex lock;		/* the "driver lock" */
	unsigned long base;		/* 2M-aligned, 4M of RW anon memory */
	unsigned int invalidations;
	unsigned int unmap_events;
	/* The fault sequence's callbacks (gpusvm_test_fault_sequence()). */
	struct drm_device drm;		/* .dev maps system pages */
	struct drm_gpusvm_pool *pool;
	int prepare_err;
	int commit_err;
	unsigned int prepares;
	unsigned int prepares_early;	/* ... before the pages were got */
	unsigned int finishes;
	int finish_err;			/* the last one's */
	unsigned int commits;
	unsigned int commits_devmem;	/* ... of device pages, all locked */
};

static void test_invalidate(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_notifier *notifier,
			    const struct mmu_notifier_range *mmu_range)
{
	struct gpusvm_test *t = container_of(gpusvm, struct gpusvm_test, gpusvm);
	struct drm_gpusvm_range *range = NULL;

	lockdep_assert_held_write(&gpusvm->notifier_lock);
	t->invalidations++;
	if (mmu_range->event != MMU_NOTIFY_UNMAP)
		return;
	t->unmap_events++;
	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end)
		drm_gpusvm_range_set_unmapped(range, mmu_range);
}

static const struct drm_gpusvm_ops test_ops = {
	.invalidate = test_invalidate,
};

static void test_fini(void *data)
{
	struct gpusvm_test *t = data;

	mutex_lock(&t->lock);
	drm_gpusvm_fini(&t->gpusvm);
	mutex_unlock(&t->lock);
}

/*
 * Map 8M, keep a 2M-aligned 4M window of it, mirror it with @notifier_size
 * and @ops.
 */
static struct gpusvm_test *test_setup_ops(struct kunit *test,
					  unsigned long notifier_size,
					  const struct drm_gpusvm_ops *ops)
{
	struct gpusvm_test *t;
	unsigned long addr;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	mutex_init(&t->lock);

	addr = kunit_vm_mmap(test, NULL, 0, 4 * SZ_2M, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_NE(test, addr, 0UL);
	t->base = ALIGN(addr, SZ_2M);

	KUNIT_ASSERT_EQ(test, drm_gpusvm_init(&t->gpusvm, "kunit", NULL,
					      current->mm, 0, TASK_SIZE,
					      notifier_size, ops,
					      test_chunks,
					      ARRAY_SIZE(test_chunks)), 0);
	drm_gpusvm_driver_set_lock(&t->gpusvm, &t->lock);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_fini, t), 0);

	return t;
}

static struct gpusvm_test *test_setup(struct kunit *test,
				      unsigned long notifier_size)
{
	return test_setup_ops(test, notifier_size, &test_ops);
}

static struct drm_gpusvm_range *fault(struct gpusvm_test *t,
				      unsigned long addr,
				      unsigned long gpuva_start,
				      unsigned long gpuva_end,
				      const struct drm_gpusvm_ctx *ctx)
{
	struct drm_gpusvm_range *range;

	mutex_lock(&t->lock);
	range = drm_gpusvm_range_find_or_insert(&t->gpusvm, addr, gpuva_start,
						gpuva_end, ctx);
	mutex_unlock(&t->lock);
	return range;
}

static void expect_range(struct kunit *test, struct drm_gpusvm_range *range,
			 unsigned long start, unsigned long size)
{
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(range), "err %pe", range);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_start(range), start);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_size(range), size);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(drm_gpusvm_range_start(range),
					   drm_gpusvm_range_size(range)));
}

static void gpusvm_test_init_args(struct kunit *test)
{
	static const struct drm_gpusvm_ops no_invalidate = { };
	struct drm_gpusvm gpusvm;
	struct mm_struct *mm;

	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);
	mm = current->mm;

	KUNIT_EXPECT_EQ(test, drm_gpusvm_init(&gpusvm, "t", NULL, mm,
					      0, SZ_1G, SZ_512M, &no_invalidate,
					      test_chunks, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init(&gpusvm, "t", NULL, mm,
					      0, SZ_1G, SZ_512M + SZ_4K, &test_ops,
					      test_chunks, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init(&gpusvm, "t", NULL, mm,
					      0, SZ_1G, SZ_512M, &test_ops,
					      test_chunks, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init(&gpusvm, "t", NULL, NULL,
					      0, 0, 0, &test_ops, NULL, 0),
			-EINVAL);
	/* A pages-only instance needs nothing but a name and a device. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_init(&gpusvm, "t", NULL, NULL,
					      0, 0, 0, NULL, NULL, 0), 0);
	drm_gpusvm_fini(&gpusvm);
}

/* The largest chunk whose aligned block fits the VMA is chosen. */
static void gpusvm_test_chunk_fits_vma(struct kunit *test)
{
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct drm_gpusvm_ctx ctx = {};
	unsigned long b = t->base;

	/* Whole 2M block mapped: a 2M range, wherever in it the fault is. */
	expect_range(test, fault(t, b + SZ_1M + 123, 0, TASK_SIZE, &ctx),
		     b, SZ_2M);
	/* Same range again, also for another address inside it. */
	KUNIT_EXPECT_PTR_EQ(test, fault(t, b + SZ_4K, 0, TASK_SIZE, &ctx),
			    fault(t, b + SZ_2M - 1, 0, TASK_SIZE, &ctx));

	/* Shrink the next block's VMA to [b+2M+64K, b+4M-4K): 64K inside. */
	KUNIT_ASSERT_EQ(test, vm_munmap(b + SZ_2M, SZ_64K), 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(b + 2 * SZ_2M - SZ_4K, SZ_4K), 0);
	expect_range(test, fault(t, b + SZ_2M + SZ_64K + 5, 0, TASK_SIZE, &ctx),
		     b + SZ_2M + SZ_64K, SZ_64K);
	/* The last 64K block is cut by the VMA end: 4K ranges there. */
	expect_range(test, fault(t, b + 2 * SZ_2M - SZ_8K, 0, TASK_SIZE, &ctx),
		     b + 2 * SZ_2M - SZ_8K, SZ_4K);
	/* A hole has no VMA. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(fault(t, b + SZ_2M + SZ_4K, 0, TASK_SIZE,
					    &ctx)), -ENOENT);
}

/* The GPU VMA and the notifier window clamp the range too. */
static void gpusvm_test_chunk_fits_gpuva_and_notifier(struct kunit *test)
{
	struct gpusvm_test *t = test_setup(test, SZ_1M);
	struct drm_gpusvm_ctx ctx = {};
	struct drm_gpusvm_notifier *notifier;
	unsigned long b = t->base;

	/* 1M notifiers: 2M blocks never fit, 64K ones do. */
	expect_range(test, fault(t, b + SZ_1M + SZ_64K, 0, TASK_SIZE, &ctx),
		     b + SZ_1M + SZ_64K, SZ_64K);
	notifier = drm_gpusvm_notifier_find(&t->gpusvm, b + SZ_1M,
					    b + SZ_1M + 1);
	KUNIT_ASSERT_NOT_NULL(test, notifier);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_notifier_start(notifier), b + SZ_1M);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_notifier_size(notifier),
			(unsigned long)SZ_1M);

	/* A GPU VMA of [b+32K, b+160K): one aligned 64K block fits. */
	expect_range(test, fault(t, b + SZ_64K + 7, b + SZ_32K,
				 b + SZ_128K + SZ_32K, &ctx),
		     b + SZ_64K, SZ_64K);
	expect_range(test, fault(t, b + SZ_32K, b + SZ_32K,
				 b + SZ_128K + SZ_32K, &ctx),
		     b + SZ_32K, SZ_4K);
}

/* A new range never overlaps an existing one. */
static void gpusvm_test_chunk_avoids_ranges(struct kunit *test)
{
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct drm_gpusvm_ctx ctx = {};
	struct drm_gpusvm_range *r;
	unsigned long b = t->base, n = 0;

	/* A 64K range made under a narrow GPU VMA, then a wide fault. */
	expect_range(test, fault(t, b + SZ_1M, b + SZ_1M, b + SZ_1M + SZ_64K,
				 &ctx), b + SZ_1M, SZ_64K);
	expect_range(test, fault(t, b, 0, TASK_SIZE, &ctx), b, SZ_64K);

	mutex_lock(&t->lock);
	KUNIT_EXPECT_TRUE(test, drm_gpusvm_has_mapping(&t->gpusvm, b, b + 1));
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(&t->gpusvm, b + SZ_64K,
							b + SZ_1M));
	/* Address order, no overlap. */
	r = NULL;
	drm_gpusvm_for_each_range(r, drm_gpusvm_notifier_find(&t->gpusvm, b, b + 1),
				  b, b + SZ_2M) {
		KUNIT_EXPECT_EQ(test, drm_gpusvm_range_start(r), n ? b + SZ_1M : b);
		n++;
	}
	mutex_unlock(&t->lock);
	KUNIT_EXPECT_EQ(test, n, 2UL);
}

/* Small ranges are created only over present CPU pages when asked. */
static void gpusvm_test_check_pages_threshold(struct kunit *test)
{
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct drm_gpusvm_ctx ctx = { .check_pages_threshold = SZ_64K };
	unsigned long b = t->base;
	static const u8 zero[SZ_4K];
	unsigned long off;

	/* 2M is above the threshold: no presence check. */
	expect_range(test, fault(t, b, 0, TASK_SIZE, &ctx), b, SZ_2M);

	/* Under a 64K GPU VMA nothing is present yet: 4K. */
	expect_range(test, fault(t, b + SZ_2M, b + SZ_2M, b + SZ_2M + SZ_64K,
				 &ctx), b + SZ_2M, SZ_4K);

	/* Populate the next 64K block: now a 64K range is allowed. */
	for (off = 0; off < SZ_64K; off += SZ_4K)
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(b + SZ_2M + SZ_64K + off),
						   zero, sizeof(zero)), 0UL);
	expect_range(test, fault(t, b + SZ_2M + SZ_64K, b + SZ_2M + SZ_64K,
				 b + SZ_2M + SZ_128K, &ctx),
		     b + SZ_2M + SZ_64K, SZ_64K);
}

static void gpusvm_test_bad_faults(struct kunit *test)
{
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct drm_gpusvm_ctx ctx = {}, ro = { .read_only = 1 };
	unsigned long b = t->base;
	unsigned long rov;

	/* Outside the mirrored span. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(fault(t, TASK_SIZE, 0, TASK_SIZE, &ctx)),
			-EINVAL);

	/* A write fault on a read-only VMA; a read fault is fine. */
	rov = kunit_vm_mmap(test, NULL, 0, SZ_64K, PROT_READ,
			    MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(rov));
	KUNIT_EXPECT_EQ(test, PTR_ERR(fault(t, rov, 0, TASK_SIZE, &ctx)), -EPERM);
	KUNIT_EXPECT_FALSE(test, IS_ERR(fault(t, rov, 0, TASK_SIZE, &ro)));

	/* A failed first fault in a new window leaves no notifier behind. */
	b = ALIGN_DOWN(b, SZ_512M) - SZ_512M;
	KUNIT_EXPECT_EQ(test, PTR_ERR(fault(t, b, 0, TASK_SIZE, &ctx)), -ENOENT);
	mutex_lock(&t->lock);
	KUNIT_EXPECT_NULL(test, drm_gpusvm_notifier_find(&t->gpusvm, b, b + 1));
	mutex_unlock(&t->lock);
}

/* munmap reaches the ranges through the interval notifier. */
static void gpusvm_test_unmap_invalidates(struct kunit *test)
{
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct drm_gpusvm_ctx ctx = {};
	struct drm_gpusvm_range *big, *small;
	unsigned long b = t->base;

	big = fault(t, b, 0, TASK_SIZE, &ctx);
	expect_range(test, big, b, SZ_2M);
	small = fault(t, b + SZ_2M, b + SZ_2M, b + SZ_2M + SZ_64K, &ctx);
	expect_range(test, small, b + SZ_2M, SZ_64K);

	/* Unmap the middle of the 2M range and all of the 64K one. */
	KUNIT_ASSERT_EQ(test, vm_munmap(b + SZ_1M, SZ_1M + SZ_64K), 0);
	KUNIT_EXPECT_GE(test, t->unmap_events, 1U);
	KUNIT_EXPECT_TRUE(test, big->pages.flags.unmapped);
	KUNIT_EXPECT_TRUE(test, big->pages.flags.partial_unmap);
	KUNIT_EXPECT_TRUE(test, small->pages.flags.unmapped);
	KUNIT_EXPECT_FALSE(test, small->pages.flags.partial_unmap);

	/* The driver's garbage collector removes them; notifiers go too. */
	mutex_lock(&t->lock);
	drm_gpusvm_range_get(small);
	drm_gpusvm_range_remove(&t->gpusvm, big);
	drm_gpusvm_range_remove(&t->gpusvm, small);
	KUNIT_EXPECT_FALSE(test, drm_gpusvm_has_mapping(&t->gpusvm, b, b + SZ_4M));
	KUNIT_EXPECT_NULL(test, drm_gpusvm_notifier_find(&t->gpusvm, b, b + SZ_4M));
	mutex_unlock(&t->lock);
	/* A held reference keeps the range memory valid after removal. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_range_end(small), b + SZ_2M + SZ_64K);
	drm_gpusvm_range_put(small);

	/* The unmapped part now faults as a hole; the rest still works. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(fault(t, b + SZ_1M, 0, TASK_SIZE, &ctx)),
			-ENOENT);
	expect_range(test, fault(t, b + SZ_64K, 0, TASK_SIZE, &ctx),
		     b + SZ_64K, SZ_64K);
}

/* ---- the device-memory backend ---- */

#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)

struct devmem_test {
	struct drm_gpusvm_pool pool;
	struct device *dev;
	void *vram;
	/* A driver's own allocator, lent to the pool (dt_setup_lent()). */
	struct gpu_buddy buddy;
	struct mutex buddy_lock;	/* protects buddy */
};

static struct devmem_test *pool_to_dt(struct drm_gpusvm_pool *pool)
{
	return container_of(pool, struct devmem_test, pool);
}

static void *dt_kmap(struct devmem_test *dt, dma_addr_t addr)
{
	return kmap_local_page(pfn_to_page(PHYS_PFN(dma_to_phys(dt->dev, addr))));
}

static int dt_copy_to_devmem(struct drm_gpusvm_pool *pool, u64 dst,
			     const dma_addr_t *src, unsigned long npages)
{
	struct devmem_test *dt = pool_to_dt(pool);
	unsigned long i;

	for (i = 0; i < npages; i++) {
		void *p = dt_kmap(dt, src[i]);

		memcpy(dt->vram + dst + i * PAGE_SIZE, p, PAGE_SIZE);
		kunmap_local(p);
	}
	return 0;
}

static int dt_copy_to_ram(struct drm_gpusvm_pool *pool, const dma_addr_t *dst,
			  u64 src, unsigned long npages)
{
	struct devmem_test *dt = pool_to_dt(pool);
	unsigned long i;

	for (i = 0; i < npages; i++) {
		void *p = dt_kmap(dt, dst[i]);

		memcpy(p, dt->vram + src + i * PAGE_SIZE, PAGE_SIZE);
		kunmap_local(p);
	}
	return 0;
}

static int dt_clear(struct drm_gpusvm_pool *pool, u64 dst, u64 size)
{
	memset(pool_to_dt(pool)->vram + dst, 0, size);
	return 0;
}

static const struct drm_gpusvm_pool_ops dt_ops = {
	.copy_to_devmem = dt_copy_to_devmem,
	.copy_to_ram = dt_copy_to_ram,
	.clear = dt_clear,
};

#define DT_VRAM		(8 * SZ_1M)

static void dt_fini(void *data)
{
	struct devmem_test *dt = data;

	drm_gpusvm_pool_fini(&dt->pool);
	/* A lent allocator outlives the pool, every chunk back in it. */
	if (dt->pool.mm == &dt->buddy) {
		WARN_ON(dt->buddy.avail != DT_VRAM);
		gpu_buddy_fini(&dt->buddy);
	}
	vfree(dt->vram);
}

/*
 * A test device with DT_VRAM of device memory. With @lent, the pool
 * allocates from the device's own buddy allocator (dt->buddy, under
 * dt->buddy_lock) and names its memory from @device_base, as a driver
 * sharing its VRAM manager with the pool does; else the pool has its own.
 */
static struct devmem_test *dt_setup_desc(struct kunit *test, bool lent,
					 u64 device_base)
{
	struct devmem_test *dt = kunit_kzalloc(test, sizeof(*dt), GFP_KERNEL);
	struct drm_gpusvm_pool_desc desc = {
		.ops = &dt_ops,
		.owner = dt,
		.size = DT_VRAM,
		.device_base = device_base,
	};

	KUNIT_ASSERT_NOT_NULL(test, dt);
	dt->dev = kunit_device_register(test, "gpusvm-devmem");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dt->dev));
	dt->dev->dma_mask = &dt->dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dt->dev,
							   DMA_BIT_MASK(64)), 0);
	dt->vram = vzalloc(DT_VRAM);
	KUNIT_ASSERT_NOT_NULL(test, dt->vram);
	desc.dev = dt->dev;
	if (lent) {
		KUNIT_ASSERT_EQ(test, gpu_buddy_init(&dt->buddy, DT_VRAM,
						     PAGE_SIZE), 0);
		mutex_init(&dt->buddy_lock);
		desc.buddy = &dt->buddy;
		desc.buddy_lock = &dt->buddy_lock;
	}
	KUNIT_ASSERT_EQ(test, drm_gpusvm_pool_create(&dt->pool, &desc), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, dt_fini, dt), 0);
	return dt;
}

static struct devmem_test *dt_setup(struct kunit *test)
{
	return dt_setup_desc(test, false, 0);
}

/* A byte per address that differs between pages, ranges and chunks. */
static u8 pattern(unsigned long addr)
{
	return (u8)(((addr >> 2) * 0x9e3779b97f4a7c15ULL) >> 56) ^ (u8)addr;
}

/*
 * Fill [addr, addr + len) of the test mm with the pattern of its addresses,
 * from the CPU.
 */
static void fill_user(struct kunit *test, unsigned long addr, size_t len)
{
	u8 buf[256];
	size_t off, i;

	for (off = 0; off < len; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(addr + off + i);
		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(addr + off),
						   buf, sizeof(buf)), 0);
	}
}

/* Read it back from the CPU (migrating device pages back): every byte. */
static void check_user(struct kunit *test, unsigned long addr, size_t len)
{
	u8 buf[256];
	size_t off, i;

	for (off = 0; off < len; off += sizeof(buf)) {
		KUNIT_ASSERT_EQ(test, copy_from_user(buf,
						     (void __user *)(addr + off),
						     sizeof(buf)), 0);
		for (i = 0; i < sizeof(buf); i++)
			KUNIT_ASSERT_EQ_MSG(test, buf[i],
					    pattern(addr + off + i),
					    "byte 0x%zx", off + i);
	}
}

/*
 * Ask for THP behind the VMA at @addr, as MADV_HUGEPAGE would (which has
 * no export): with VM_HUGEPAGE its faults get a PMD-sized folio with
 * THP "always" or "madvise", and may compact memory for it (defrag).
 */
static void want_thp(struct kunit *test, unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma)
		vm_flags_set(vma, VM_HUGEPAGE);
	mmap_write_unlock(mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);
}

/* Is @page part of a PMD-sized folio that a PMD maps? */
static bool pmd_mapped_thp(struct page *page)
{
	struct folio *folio = page_folio(page);

	return folio_test_large(folio) && folio_order(folio) == PMD_ORDER &&
	       folio_entire_mapcount(folio) > 0;
}

/*
 * Migrate a range of @size into the pool and check the chunk: block size
 * and alignment, live count, copied data, and, through the commit section,
 * the record of its first folio. Then a CPU read brings it all back, the
 * sources are retired and freed, and the chunk returns to the allocator.
 * The 2 MiB range must be a PMD-mapped THP on the CPU side, so that it
 * takes the order-9 path (one order-9 device folio); the 64 KiB range
 * takes the order-0 one.
 */
static void devmem_roundtrip(struct kunit *test, unsigned long size)
{
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct devmem_test *dt = dt_setup(test);
	struct drm_gpusvm_ctx ctx = {
		.device_private_page_owner = dt,
		.devmem_possible = 1,
	};
	unsigned long addr = t->base, npages = size >> PAGE_SHIFT, i;
	struct drm_gpusvm_chunk *chunk;
	struct drm_gpusvm_record *rec;
	struct drm_gpusvm_range *range;
	unsigned int cpu_order;
	struct folio *folio;
	struct page *page;
	bool cpu_thp;
	u64 offset;
	int err;

	/* Make the range exactly @size: cut the VMA right after it. */
	if (size < SZ_2M)
		KUNIT_ASSERT_EQ(test, vm_munmap(addr + size, SZ_2M - size), 0);
	else
		want_thp(test, addr);
	fill_user(test, addr, size);
	range = fault(t, addr, 0, TASK_SIZE, &ctx);
	expect_range(test, range, addr, size);

	/* What backs the range on the CPU side: a PMD-mapped THP for 2M. */
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, 0, &page), 1);
	cpu_order = folio_order(page_folio(page));
	cpu_thp = pmd_mapped_thp(page);
	unpin_user_page(page);
	if (size == SZ_2M)
		KUNIT_ASSERT_TRUE_MSG(test, cpu_thp,
				      "no PMD-mapped THP behind the 2 MiB range (CPU folio order %u), so the order-9 path cannot run: THP must be enabled (always or madvise) and a 2 MiB page available",
				      cpu_order);

	mutex_lock(&t->lock);
	err = drm_gpusvm_range_migrate_to_devmem(&t->gpusvm, range, &dt->pool,
						 &ctx);
	mutex_unlock(&t->lock);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.used), (s64)size);

	mutex_lock(&t->lock);
	err = drm_gpusvm_range_get_pages(&t->gpusvm, range, &ctx);
	mutex_unlock(&t->lock);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_TRUE(test, range->pages.flags.has_devmem_pages);
	KUNIT_ASSERT_EQ(test, (int)range->pages.dma_addr[0].proto,
			(int)DRM_INTERCONNECT_DRIVER);

	/* One naturally aligned block of the range's size, data copied. */
	offset = drm_gpusvm_pool_offset(&dt->pool, range->pages.dma_addr[0].addr);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(offset, size));
	for (i = 0; i < size; i++)
		KUNIT_ASSERT_EQ_MSG(test, ((u8 *)dt->vram)[offset + i],
				    pattern(addr + i), "device byte 0x%lx", i);

	folio = page_folio(drm_gpusvm_pool_page(&dt->pool,
						range->pages.dma_addr[0].addr));
	/* The PMD-mapped THP becomes one order-9 device folio, else order 0. */
	KUNIT_EXPECT_EQ(test, folio_order(folio),
			size == SZ_2M ? PMD_ORDER : 0);
	chunk = folio_zone_device_data(folio);
	KUNIT_ASSERT_NOT_NULL(test, chunk);
	KUNIT_EXPECT_EQ(test, chunk->npages, (unsigned int)npages);
	KUNIT_EXPECT_EQ(test, chunk->pfn, folio_pfn(folio));
	/* Every page lives; the construction bias is gone. */
	KUNIT_EXPECT_EQ(test, atomic_read(&chunk->live), (int)npages);

	down_read(&t->gpusvm.notifier_lock);
	KUNIT_ASSERT_EQ(test, drm_gpusvm_range_devmem_lock(&t->gpusvm, range), 0);
	KUNIT_EXPECT_TRUE(test, folio_test_locked(folio));
	rec = &chunk->rec[0];
	KUNIT_EXPECT_PTR_EQ(test, rec->owner, t->gpusvm.owner);
	KUNIT_EXPECT_EQ(test, rec->va, addr);
	KUNIT_EXPECT_NE(test, rec->bind_gen, 0ULL);
	KUNIT_EXPECT_EQ(test, rec->bind_gen, range->bind_gen);
	drm_gpusvm_range_devmem_unlock(&t->gpusvm, range);
	KUNIT_EXPECT_FALSE(test, folio_test_locked(folio));
	KUNIT_EXPECT_FALSE(test, range->pages.flags.has_devmem_refs);
	up_read(&t->gpusvm.notifier_lock);

	/* The CPU reads: migration back; the record goes stale (gen 0). */
	check_user(test, addr, size);
	KUNIT_EXPECT_EQ(test, range->bind_gen, 0ULL);
	drm_gpusvm_pool_flush(&dt->pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.used), 0LL);
}

static void gpusvm_test_devmem_2m(struct kunit *test)
{
	devmem_roundtrip(test, SZ_2M);
}

static void gpusvm_test_devmem_64k(struct kunit *test)
{
	devmem_roundtrip(test, SZ_64K);
}

/* Anonymous memory for @nr 2 MiB ranges; returns the first's address. */
static unsigned long map_2m_aligned(struct kunit *test, unsigned int nr)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, (nr + 1) * SZ_2M,
					   PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return ALIGN(addr, SZ_2M);
}

/*
 * Fill the range of @size at @addr with its pattern, fault it in (it must
 * come out that size) and migrate it into @dt.
 */
static int migrate_range(struct kunit *test, struct gpusvm_test *t,
			 struct devmem_test *dt, unsigned long addr,
			 unsigned long size)
{
	struct drm_gpusvm_ctx ctx = {
		.device_private_page_owner = dt,
		.devmem_possible = 1,
	};
	struct drm_gpusvm_range *range;
	int err;

	fill_user(test, addr, size);
	range = fault(t, addr, 0, TASK_SIZE, &ctx);
	expect_range(test, range, addr, size);
	mutex_lock(&t->lock);
	err = drm_gpusvm_range_migrate_to_devmem(&t->gpusvm, range, &dt->pool,
						 &ctx);
	mutex_unlock(&t->lock);
	return err;
}

/*
 * More 2 MiB ranges than the pool holds: each migration beyond the pool's
 * size evicts the coldest chunk by pfn (no mm, no VMA), and every byte of
 * every range reads back from the CPU, evicted or not. An explicit
 * eviction then empties the pool.
 */
static void gpusvm_test_devmem_evict(struct kunit *test)
{
	const unsigned int nr = DT_VRAM / SZ_2M + 2;
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct devmem_test *dt = dt_setup(test);
	unsigned long base = map_2m_aligned(test, nr);
	unsigned int i;

	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_EQ_MSG(test, migrate_range(test, t, dt,
							base + i * SZ_2M,
							SZ_2M),
				    0, "range %u", i);
		KUNIT_EXPECT_LE(test, atomic64_read(&dt->pool.used),
				(s64)DT_VRAM);
	}
	/* Two ranges more than fit: at least two chunks were evicted. */
	KUNIT_EXPECT_GE(test, atomic64_read(&dt->pool.evictions), 2LL);
	KUNIT_EXPECT_GE(test, atomic64_read(&dt->pool.evicted), 2LL * SZ_2M);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.used), (s64)DT_VRAM);

	/* Nothing busy: an explicit eviction empties the pool. */
	KUNIT_EXPECT_EQ(test, drm_gpusvm_pool_evict(&dt->pool, DT_VRAM),
			(u64)DT_VRAM);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.used), 0LL);

	for (i = 0; i < nr; i++)
		check_user(test, base + i * SZ_2M, SZ_2M);
}

/*
 * A driver's blocks (a BO's) share the pool with SVM: taking half of a
 * pool full of chunks evicts chunks; more than the chunks could give back
 * is refused at once; SVM never takes the blocks back (a migration into a
 * pool full of blocks fails and is counted), and freeing them makes room.
 * Every byte of every range reads back afterwards.
 */
static void gpusvm_test_devmem_blocks(struct kunit *test)
{
	const unsigned int nr = DT_VRAM / SZ_2M;
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct devmem_test *dt = dt_setup(test);
	LIST_HEAD(half);
	LIST_HEAD(rest);
	unsigned long base = map_2m_aligned(test, nr + 1);
	s64 evictions;
	unsigned int i;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, migrate_range(test, t, dt,
						    base + i * SZ_2M, SZ_2M), 0);
	KUNIT_ASSERT_EQ(test, atomic64_read(&dt->pool.used), (s64)DT_VRAM);

	KUNIT_EXPECT_EQ(test, drm_gpusvm_pool_alloc_blocks(&dt->pool, 0,
							   &half), -EINVAL);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_pool_alloc_blocks(&dt->pool, SZ_1K,
							   &half), -EINVAL);
	KUNIT_ASSERT_EQ(test, drm_gpusvm_pool_alloc_blocks(&dt->pool,
							   DT_VRAM / 2, &half),
			0);
	KUNIT_EXPECT_GE(test, atomic64_read(&dt->pool.evictions), 2LL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.blocks_used),
			(s64)DT_VRAM / 2);
	KUNIT_EXPECT_LE(test, atomic64_read(&dt->pool.used), (s64)DT_VRAM / 2);

	/* Only SVM chunks give way: more than they hold is refused. */
	evictions = atomic64_read(&dt->pool.evictions);
	KUNIT_EXPECT_EQ(test, drm_gpusvm_pool_alloc_blocks(&dt->pool, DT_VRAM,
							   &rest), -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.evictions), evictions);

	/* The other half too (4K granular): the pool is all blocks. */
	KUNIT_ASSERT_EQ(test, drm_gpusvm_pool_alloc_blocks(&dt->pool,
							   DT_VRAM / 2, &rest),
			0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.used), 0LL);
	KUNIT_EXPECT_EQ(test, migrate_range(test, t, dt, base + nr * SZ_2M,
					    SZ_2M), -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.alloc_failures), 1LL);

	drm_gpusvm_pool_free_blocks(&dt->pool, &rest);
	KUNIT_EXPECT_TRUE(test, list_empty(&rest));
	KUNIT_EXPECT_EQ(test, migrate_range(test, t, dt, base + nr * SZ_2M,
					    SZ_2M), 0);
	drm_gpusvm_pool_free_blocks(&dt->pool, &half);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.blocks_used), 0LL);

	for (i = 0; i <= nr; i++)
		check_user(test, base + i * SZ_2M, SZ_2M);
}

/*
 * What cannot migrate is refused before any device memory is allocated,
 * and the data stays where it was: a 4K range (no candidate), shared
 * anonymous memory (shmem, whose pages migrate_vma_setup() would collect
 * and core mm then refuse to move), and a range the GPU SVM created
 * without @devmem_possible.
 */
static void gpusvm_test_devmem_refusals(struct kunit *test)
{
	struct drm_gpusvm_ctx sysmem_only = {};
	struct gpusvm_test *t = test_setup(test, SZ_512M);
	struct devmem_test *dt = dt_setup(test);
	struct drm_gpusvm_range *range;
	unsigned long b = t->base, shm, priv;
	int err;

	KUNIT_ASSERT_EQ(test, vm_munmap(b + SZ_4K, SZ_2M - SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, migrate_range(test, t, dt, b, SZ_4K), -EINVAL);

	shm = kunit_vm_mmap(test, NULL, 0, 2 * SZ_2M, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(shm));
	shm = ALIGN(shm, SZ_2M);
	KUNIT_EXPECT_EQ(test, migrate_range(test, t, dt, shm, SZ_2M),
			-EOPNOTSUPP);
	check_user(test, shm, SZ_2M);

	priv = map_2m_aligned(test, 1);
	fill_user(test, priv, SZ_2M);
	range = fault(t, priv, 0, TASK_SIZE, &sysmem_only);
	expect_range(test, range, priv, SZ_2M);
	mutex_lock(&t->lock);
	err = drm_gpusvm_range_migrate_to_devmem(&t->gpusvm, range, &dt->pool,
						 &sysmem_only);
	mutex_unlock(&t->lock);
	KUNIT_EXPECT_EQ(test, err, -EOPNOTSUPP);
	check_user(test, priv, SZ_2M);

	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.unmovable), 2LL);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dt->pool.alloc_failures), 0LL);
}

/* ---- the fault sequence ---- */

static struct gpusvm_test *to_test(struct drm_gpusvm *gpusvm)
{
	return container_of(gpusvm, struct gpusvm_test, gpusvm);
}

static struct drm_gpusvm_pool *
ft_placement(struct drm_gpusvm *gpusvm, struct drm_gpusvm_range *range,
	     const struct drm_gpusvm_fault *fault)
{
	return to_test(gpusvm)->pool;
}

/*
 * A prepare runs after the pages were got (it may stage entries from
 * them), outside the commit section.
 */
static int ft_prepare(struct drm_gpusvm *gpusvm,
		      struct drm_gpusvm_range *range)
{
	struct gpusvm_test *t = to_test(gpusvm);
	int err = t->prepare_err;

	lockdep_assert_held(&t->lock);
	lockdep_assert_not_held(&gpusvm->notifier_lock);
	t->prepares++;
	if (!range->pages.flags.has_dma_mapping)
		t->prepares_early++;
	/* Once: a prepare the driver could not make now. */
	t->prepare_err = 0;
	return err;
}

/* Once per successful prepare, outside the commit section. */
static void ft_finish(struct drm_gpusvm *gpusvm, struct drm_gpusvm_range *range,
		      int err)
{
	struct gpusvm_test *t = to_test(gpusvm);

	lockdep_assert_held(&t->lock);
	lockdep_assert_not_held(&gpusvm->notifier_lock);
	t->finishes++;
	t->finish_err = err;
}

/*
 * A commit happens under the notifier lock; one of freshly got device
 * pages (R2) finds every device folio locked, recording this GPU SVM at
 * the range's bind generation.
 */
static int ft_commit(struct drm_gpusvm *gpusvm, struct drm_gpusvm_range *range)
{
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	struct gpusvm_test *t = to_test(gpusvm);
	bool all = true;
	unsigned long i, j;

	lockdep_assert_held(&gpusvm->notifier_lock);
	t->commits++;
	if (t->commit_err) {
		/* Once: a commit the driver could not make now. */
		int err = t->commit_err;

		t->commit_err = 0;
		return err;
	}
	if (!range->pages.flags.has_devmem_refs)
		return 0;
	for (i = 0, j = 0; i < npages; j++) {
		struct drm_pagemap_addr *a = &range->pages.dma_addr[j];
		struct drm_gpusvm_chunk *chunk;
		struct folio *folio;

		i += 1UL << a->order;
		if (a->proto != DRM_INTERCONNECT_DRIVER)
			continue;
		folio = page_folio(drm_gpusvm_pool_page(range->pages.pool,
							a->addr));
		chunk = folio_zone_device_data(folio);
		if (!folio_test_locked(folio) ||
		    chunk->rec[folio_pfn(folio) - chunk->pfn].owner !=
		    gpusvm->owner ||
		    chunk->rec[folio_pfn(folio) - chunk->pfn].bind_gen !=
		    range->bind_gen)
			all = false;
	}
	t->commits_devmem += all;
	return 0;
}

/* As a driver must: the zapped ranges' pages are unmapped too. */
static void ft_invalidate(struct drm_gpusvm *gpusvm,
			  struct drm_gpusvm_notifier *notifier,
			  const struct mmu_notifier_range *mmu_range)
{
	struct drm_gpusvm_ctx ctx = { .in_notifier = true };
	struct drm_gpusvm_range *range = NULL;

	test_invalidate(gpusvm, notifier, mmu_range);
	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end)
		drm_gpusvm_range_unmap_pages(gpusvm, range, &ctx);
}

static const struct drm_gpusvm_ops fault_ops = {
	.invalidate = ft_invalidate,
	.fault_placement = ft_placement,
	.fault_prepare = ft_prepare,
	.fault_finish = ft_finish,
	.fault_commit = ft_commit,
};

static int do_fault(struct gpusvm_test *t, struct drm_gpusvm_fault *f)
{
	int err;

	mutex_lock(&t->lock);
	err = drm_gpusvm_fault(&t->gpusvm, f);
	mutex_unlock(&t->lock);
	return err;
}

/*
 * A GPU SVM with the fault callbacks, @dt's pool as their placement and
 * @dt's device mapping system pages, over 64 KiB of pattern at its base
 * (the rest of that 2 MiB unmapped, so the range there is 64 KiB); @f
 * becomes a GPU write at @offset into it.
 */
static struct gpusvm_test *ft_setup(struct kunit *test, struct devmem_test *dt,
				    unsigned long offset,
				    struct drm_gpusvm_fault *f)
{
	struct gpusvm_test *t = test_setup_ops(test, SZ_512M, &fault_ops);

	t->drm.dev = dt->dev;
	t->gpusvm.drm = &t->drm;
	t->pool = &dt->pool;
	KUNIT_ASSERT_EQ(test, vm_munmap(t->base + SZ_64K, SZ_2M - SZ_64K), 0);
	fill_user(test, t->base, SZ_64K);
	*f = (struct drm_gpusvm_fault) {
		.addr = t->base + offset,
		.gpuva_start = 0,
		.gpuva_end = TASK_SIZE,
		.device_private_page_owner = dt,
		.patience = HZ,
		.retries = 4,
		.write = 1,
		.devmem_possible = 1,
	};
	return t;
}

/*
 * drm_gpusvm_fault() runs the sequence every driver shares: a GPU write
 * migrates a 64 KiB range into the driver's pool (placement), gets its
 * pages, prepares, and commits once with the device folios locked and
 * recording the GPU SVM (R2); the same fault again finds the range there
 * and commits without a second migration; a prefetch to system memory
 * brings every byte back; a failed prepare fails the fault before any
 * commit; a prepare's or a commit's -EAGAIN is retried from the pages
 * and a commit's other errors fail the fault; nothing mapped is -ENOENT.
 * Every prepare comes after the pages, outside the commit section.
 */
static void gpusvm_test_fault_sequence(struct kunit *test)
{
	struct devmem_test *dt = dt_setup(test);
	struct drm_gpusvm_fault f;
	struct gpusvm_test *t = ft_setup(test, dt, SZ_4K, &f);
	unsigned long addr = t->base;
	unsigned int commits, prepares, finishes;

	KUNIT_ASSERT_EQ(test, do_fault(t, &f), 0);
	KUNIT_ASSERT_NOT_NULL(test, f.range);
	expect_range(test, f.range, addr, SZ_64K);
	KUNIT_EXPECT_GE(test, f.migrate_us, 0LL);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 1);
	KUNIT_EXPECT_TRUE(test, f.range->pages.flags.has_devmem_pages);
	KUNIT_EXPECT_EQ(test, t->prepares, 1U);
	KUNIT_EXPECT_EQ(test, t->commits, 1U);
	KUNIT_EXPECT_EQ(test, t->commits_devmem, 1U);
	/* Unlocked after the commit, references dropped. */
	KUNIT_EXPECT_FALSE(test, f.range->pages.flags.has_devmem_refs);

	KUNIT_ASSERT_EQ(test, do_fault(t, &f), 0);
	KUNIT_EXPECT_EQ(test, f.migrate_us, -1LL);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 1);
	KUNIT_EXPECT_EQ(test, t->commits, 2U);

	f.to_sysmem = 1;
	KUNIT_ASSERT_EQ(test, do_fault(t, &f), 0);
	KUNIT_EXPECT_EQ(test, f.migrate_us, -1LL);
	KUNIT_EXPECT_FALSE(test, f.range->pages.flags.has_devmem_pages);
	KUNIT_EXPECT_EQ(test, t->commits, 3U);
	drm_gpusvm_pool_flush(&dt->pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 0);
	check_user(test, addr, SZ_64K);

	f.to_sysmem = 0;
	t->prepare_err = -ENOMEM;
	commits = t->commits;
	KUNIT_EXPECT_EQ(test, do_fault(t, &f), -ENOMEM);
	KUNIT_EXPECT_EQ(test, t->commits, commits);
	KUNIT_EXPECT_NULL(test, f.range);

	/* A prepare that asks for another try gets the pages again. */
	t->prepare_err = -EAGAIN;
	prepares = t->prepares;
	KUNIT_EXPECT_EQ(test, do_fault(t, &f), 0);
	KUNIT_EXPECT_EQ(test, t->prepares, prepares + 2);
	KUNIT_EXPECT_EQ(test, t->commits, commits + 1);
	commits = t->commits;

	/*
	 * A commit that asks for another try gets it; another errno fails.
	 * Each attempt's prepare is finished with the attempt's result.
	 */
	t->commit_err = -EAGAIN;
	finishes = t->finishes;
	KUNIT_EXPECT_EQ(test, do_fault(t, &f), 0);
	KUNIT_EXPECT_EQ(test, t->commits, commits + 2);
	KUNIT_EXPECT_EQ(test, t->finishes, finishes + 2);
	KUNIT_EXPECT_EQ(test, t->finish_err, 0);
	KUNIT_EXPECT_NOT_NULL(test, f.range);
	t->commit_err = -EIO;
	KUNIT_EXPECT_EQ(test, do_fault(t, &f), -EIO);
	KUNIT_EXPECT_EQ(test, t->commits, commits + 3);
	KUNIT_EXPECT_EQ(test, t->finish_err, -EIO);
	commits = t->commits;

	f.addr = addr + SZ_64K;
	KUNIT_EXPECT_EQ(test, do_fault(t, &f), -ENOENT);
	KUNIT_EXPECT_EQ(test, t->commits, commits);
	check_user(test, addr, SZ_64K);
	/* Every prepare came after the pages; the two that failed hold nothing. */
	KUNIT_EXPECT_EQ(test, t->prepares_early, 0U);
	KUNIT_EXPECT_EQ(test, t->finishes, t->prepares - 2);
}

/*
 * A pool that allocates from a driver's own buddy allocator (the one its
 * VRAM manager hands buffer objects out of, say) and names its memory by
 * the driver's device addresses: a GPU write takes its chunk out of that
 * allocator, the range's entries hold device_base plus the chunk's
 * offset (what the GPU's page tables name) with the pool recorded, the
 * commit still finds and locks every folio through them, and every chunk
 * goes back to the driver's allocator, which outlives the pool (dt_fini()
 * checks it is whole again).
 */
static void gpusvm_test_devmem_lent_buddy(struct kunit *test)
{
	const u64 base = 0x40000000000ULL;	/* not 0, not a host address */
	struct devmem_test *dt = dt_setup_desc(test, true, base);
	struct drm_gpusvm_fault f;
	struct gpusvm_test *t = ft_setup(test, dt, 0, &f);
	unsigned long addr = t->base;
	struct drm_pagemap_addr *a;
	unsigned long i;
	u64 offset;

	KUNIT_EXPECT_PTR_EQ(test, dt->pool.mm, &dt->buddy);

	KUNIT_ASSERT_EQ(test, do_fault(t, &f), 0);
	KUNIT_EXPECT_GE(test, f.migrate_us, 0LL);
	KUNIT_EXPECT_EQ(test, dt->buddy.avail, (u64)DT_VRAM - SZ_64K);
	KUNIT_EXPECT_PTR_EQ(test, f.range->pages.pool, &dt->pool);
	a = &f.range->pages.dma_addr[0];
	KUNIT_ASSERT_EQ(test, (int)a->proto, (int)DRM_INTERCONNECT_DRIVER);
	KUNIT_EXPECT_GE(test, a->addr, (dma_addr_t)base);
	offset = drm_gpusvm_pool_offset(&dt->pool, a->addr);
	KUNIT_EXPECT_LT(test, offset, (u64)DT_VRAM);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(offset, SZ_64K));
	/* The copy engine got the chunk's offset in the driver's memory. */
	for (i = 0; i < SZ_64K; i++)
		KUNIT_ASSERT_EQ_MSG(test, ((u8 *)dt->vram)[offset + i],
				    pattern(addr + i), "device byte 0x%lx", i);
	KUNIT_EXPECT_EQ(test, t->commits_devmem, 1U);

	/* Back to system memory: the chunk goes back to the driver. */
	check_user(test, addr, SZ_64K);
	drm_gpusvm_pool_flush(&dt->pool);
	KUNIT_EXPECT_EQ(test, atomic_read(&dt->pool.chunks), 0);
	KUNIT_EXPECT_EQ(test, dt->buddy.avail, (u64)DT_VRAM);
}

#endif

static struct kunit_case gpusvm_test_cases[] = {
	KUNIT_CASE(gpusvm_test_init_args),
	KUNIT_CASE(gpusvm_test_chunk_fits_vma),
	KUNIT_CASE(gpusvm_test_chunk_fits_gpuva_and_notifier),
	KUNIT_CASE(gpusvm_test_chunk_avoids_ranges),
	KUNIT_CASE(gpusvm_test_check_pages_threshold),
	KUNIT_CASE(gpusvm_test_bad_faults),
	KUNIT_CASE(gpusvm_test_unmap_invalidates),
#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)
	KUNIT_CASE(gpusvm_test_devmem_2m),
	KUNIT_CASE(gpusvm_test_devmem_64k),
	KUNIT_CASE(gpusvm_test_devmem_refusals),
	KUNIT_CASE(gpusvm_test_devmem_evict),
	KUNIT_CASE(gpusvm_test_devmem_blocks),
	KUNIT_CASE(gpusvm_test_fault_sequence),
	KUNIT_CASE(gpusvm_test_devmem_lent_buddy),
#endif
	{}
};

static struct kunit_suite gpusvm_test_suite = {
	.name = "drm_gpusvm",
	.test_cases = gpusvm_test_cases,
};

kunit_test_suite(gpusvm_test_suite);

MODULE_DESCRIPTION("KUnit tests for the drm_gpusvm range core");
MODULE_LICENSE("Dual MIT/GPL");
