// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The page-lock device-memory backend of drm_gpusvm.
 *
 * Device memory comes straight from a buddy allocator as chunks, one
 * naturally aligned block per migrated range (64 KiB or 2 MiB). Every page
 * of a chunk is a MEMORY_DEVICE_PRIVATE page whose zone_device_data is the
 * chunk pointer, with bit 0 set once the page was migrated away (retired).
 * The chunk holds one record per page: which GPU SVM committed the page,
 * at which GPU address, at which bind generation. Records are written and
 * read only under the page lock; nothing else of the page's state is ours.
 *
 * A chunk lives as long as core mm holds any of its pages: folio_free()
 * subtracts the freed pages from the chunk's live count and the last one
 * hands the chunk to a worker that returns the block to the allocator.
 *
 * See Documentation/gpu/rfc/gpusvm-pagelock.rst for the rules (R1-R7).
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/fault-inject.h>
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_gpusvm_devmem.h>
#include <drm/drm_pagemap.h>

#include "drm_gpusvm_internal.h"

#define DRM_GPUSVM_RETIRED	1UL
#define DRM_GPUSVM_ORDER_2M	(21 - PAGE_SHIFT)

/*
 * What a pool's fault-injection attributes start as (off): a chunk
 * allocation that fails as if device memory were gone, and a copy engine
 * that fails. Both must end with the data in system memory or still in
 * device memory, never lost.
 */
static DECLARE_FAULT_ATTR(drm_gpusvm_fault_attr_off);

/* Bind generations, never 0: 0 means "zapped". */
static atomic64_t drm_gpusvm_bind_gen = ATOMIC64_INIT(0);

static struct drm_gpusvm_chunk *drm_gpusvm_folio_chunk(struct folio *folio,
						       bool *retired)
{
	unsigned long data = (unsigned long)folio_zone_device_data(folio);

	if (retired)
		*retired = data & DRM_GPUSVM_RETIRED;
	return (struct drm_gpusvm_chunk *)(data & ~DRM_GPUSVM_RETIRED);
}

/* ---- owners ---- */

static void drm_gpusvm_owner_release(struct kref *ref)
{
	kfree(container_of(ref, struct drm_gpusvm_owner, ref));
}

/**
 * drm_gpusvm_owner_create() - the handle records name a GPU SVM by
 * @gpusvm: the GPU SVM
 *
 * Return: 0 or -ENOMEM.
 */
int drm_gpusvm_owner_create(struct drm_gpusvm *gpusvm)
{
	struct drm_gpusvm_owner *owner = kzalloc_obj(*owner);

	if (!owner)
		return -ENOMEM;
	kref_init(&owner->ref);
	owner->gpusvm = gpusvm;
	gpusvm->owner = owner;
	return 0;
}

/**
 * drm_gpusvm_owner_destroy() - the GPU SVM goes; records keep the handle
 * @gpusvm: the GPU SVM
 */
void drm_gpusvm_owner_destroy(struct drm_gpusvm *gpusvm)
{
	if (!gpusvm->owner)
		return;
	WRITE_ONCE(gpusvm->owner->gpusvm, NULL);
	kref_put(&gpusvm->owner->ref, drm_gpusvm_owner_release);
	gpusvm->owner = NULL;
}

/* Set a record; the folio is locked. May run in atomic context. */
static void drm_gpusvm_record_set(struct drm_gpusvm_record *rec,
				  struct drm_gpusvm_owner *owner,
				  unsigned long va, u64 gen)
{
	if (owner)
		kref_get(&owner->ref);
	if (rec->owner)
		kref_put(&rec->owner->ref, drm_gpusvm_owner_release);
	rec->owner = owner;
	rec->va = va;
	rec->bind_gen = gen;
}

/* ---- chunks ---- */

static void drm_gpusvm_pool_free_work(struct work_struct *work)
{
	struct drm_gpusvm_pool *pool =
		container_of(work, struct drm_gpusvm_pool, free_work);
	struct llist_node *list = llist_del_all(&pool->free_chunks);
	struct drm_gpusvm_chunk *chunk, *next;

	llist_for_each_entry_safe(chunk, next, list, free) {
		u64 size = (u64)chunk->npages << PAGE_SHIFT;

		spin_lock(&pool->lru_lock);
		list_del(&chunk->lru);
		spin_unlock(&pool->lru_lock);

		mutex_lock(pool->mm_lock);
		gpu_buddy_free_block(pool->mm, chunk->block);
		mutex_unlock(pool->mm_lock);

		kvfree(chunk);
		atomic64_sub(size, &pool->used);
		atomic_dec(&pool->chunks);
	}
}

/* Drop @nr live pages; the last one hands the chunk to the free worker. */
static void drm_gpusvm_chunk_sub(struct drm_gpusvm_chunk *chunk,
				 unsigned int nr)
{
	struct drm_gpusvm_pool *pool = chunk->pool;

	if (atomic_sub_and_test(nr, &chunk->live)) {
		llist_add(&chunk->free, &pool->free_chunks);
		schedule_work(&pool->free_work);
	}
}

static struct drm_gpusvm_chunk *
drm_gpusvm_chunk_alloc(struct drm_gpusvm_pool *pool, unsigned long size)
{
	unsigned int npages = size >> PAGE_SHIFT;
	struct drm_gpusvm_chunk *chunk;
	struct gpu_buddy_block *block;
	LIST_HEAD(blocks);
	int err;

	if (should_fail(&pool->fail_alloc, size))
		return ERR_PTR(-ENOMEM);
	chunk = kvzalloc(struct_size(chunk, rec, npages), GFP_KERNEL);
	if (!chunk)
		return ERR_PTR(-ENOMEM);

	mutex_lock(pool->mm_lock);
	err = gpu_buddy_alloc_blocks(pool->mm, 0, pool->size, size, size,
				     &blocks, pool->mm_flags);
	mutex_unlock(pool->mm_lock);
	if (err) {
		kvfree(chunk);
		return ERR_PTR(err);
	}
	block = list_first_entry(&blocks, struct gpu_buddy_block, link);

	chunk->pool = pool;
	chunk->block = block;
	chunk->npages = npages;
	chunk->pfn = pool->pfn_first +
		(gpu_buddy_block_offset(block) >> PAGE_SHIFT);
	INIT_LIST_HEAD(&chunk->lru);
	/* The construction bias: no free can release the chunk mid-fill. */
	atomic_set(&chunk->live, 1);

	atomic_inc(&pool->chunks);
	atomic64_add(size, &pool->used);
	return chunk;
}

/* The fill is over: drop the bias, keep the chunk if any page lives. */
static void drm_gpusvm_chunk_done(struct drm_gpusvm_chunk *chunk)
{
	struct drm_gpusvm_pool *pool = chunk->pool;

	spin_lock(&pool->lru_lock);
	list_add_tail(&chunk->lru, &pool->lru);
	spin_unlock(&pool->lru_lock);
	set_bit(DRM_GPUSVM_CHUNK_FILLED, &chunk->flags);
	drm_gpusvm_chunk_sub(chunk, 1);
}

static unsigned long drm_gpusvm_chunk_evict(struct drm_gpusvm_chunk *chunk,
					    bool teardown);
static u64 __drm_gpusvm_pool_evict(struct drm_gpusvm_pool *pool, u64 bytes,
				   bool teardown);

/*
 * A chunk whose pages were freed down to an eighth (a 2 MiB range mostly
 * unmapped, say) would hold its whole block for the few pages left:
 * evict those, once, and let the block go.
 */
static void drm_gpusvm_pool_sparse_work(struct work_struct *work)
{
	struct drm_gpusvm_pool *pool =
		container_of(work, struct drm_gpusvm_pool, sparse_work);
	struct llist_node *list = llist_del_all(&pool->sparse_chunks);
	struct drm_gpusvm_chunk *chunk, *next;

	llist_for_each_entry_safe(chunk, next, list, sparse) {
		/*
		 * Only our bias left: the rest went meanwhile (a CPU fault
		 * migrating the chunk back frees it page by page, and crosses
		 * the eighth on the way). Nothing to evict.
		 */
		if (atomic_read(&chunk->live) > 1) {
			atomic64_add(drm_gpusvm_chunk_evict(chunk, false) <<
				     PAGE_SHIFT, &pool->evicted);
			atomic64_inc(&pool->sparse_evictions);
		}
		/* The bias drm_gpusvm_folio_free() kept for us. */
		drm_gpusvm_chunk_sub(chunk, 1);
	}
}

/* ---- dev_pagemap ops ---- */

/*
 * Core mm freed a folio of ours. Atomic context (rule R6): a chunk left
 * sparse by it goes to the sparse worker, an empty one to the free worker.
 */
static void drm_gpusvm_folio_free(struct folio *folio)
{
	struct drm_gpusvm_chunk *chunk = drm_gpusvm_folio_chunk(folio, NULL);
	unsigned long idx = folio_pfn(folio) - chunk->pfn;
	struct drm_gpusvm_pool *pool = chunk->pool;
	unsigned int left;

	drm_gpusvm_record_set(&chunk->rec[idx], NULL, 0, 0);
	folio_set_zone_device_data(folio, NULL);

	/* A bias while we look: the chunk cannot go meanwhile. */
	atomic_inc(&chunk->live);
	left = atomic_sub_return(folio_nr_pages(folio), &chunk->live) - 1;
	if (left && left <= chunk->npages / 8 &&
	    test_bit(DRM_GPUSVM_CHUNK_FILLED, &chunk->flags) &&
	    !test_and_set_bit(DRM_GPUSVM_CHUNK_SPARSE, &chunk->flags)) {
		/* The worker drops the bias. */
		llist_add(&chunk->sparse, &pool->sparse_chunks);
		schedule_work(&pool->sparse_work);
		return;
	}
	drm_gpusvm_chunk_sub(chunk, 1);
}

/*
 * A large folio of ours is split: each new folio takes the chunk pointer
 * and the retired bit, and its record is re-based from the head's. Called
 * with interrupts off: no allocation, no sleeping (rule R6).
 */
static void drm_gpusvm_folio_split(struct folio *head, struct folio *tail)
{
	struct drm_gpusvm_chunk *chunk;
	struct drm_gpusvm_record *hrec;
	unsigned long off;

	if (!tail)
		return;

	tail->pgmap = head->pgmap;
	tail->page.mapping = head->page.mapping;
	folio_set_zone_device_data(tail, folio_zone_device_data(head));

	chunk = drm_gpusvm_folio_chunk(head, NULL);
	off = folio_pfn(tail) - folio_pfn(head);
	hrec = &chunk->rec[folio_pfn(head) - chunk->pfn];
	drm_gpusvm_record_set(&chunk->rec[folio_pfn(tail) - chunk->pfn],
			      hrec->owner, hrec->va + (off << PAGE_SHIFT),
			      hrec->bind_gen);
}

/*
 * The driver's copy engine, with injected failures, failures counted:
 * drm_gpusvm_copy_inject() before a copy of @bytes, then its result
 * through drm_gpusvm_copy_done().
 */
static int drm_gpusvm_copy_inject(struct drm_gpusvm_pool *pool, u64 bytes)
{
	return should_fail(&pool->fail_copy, bytes) ? -EIO : 0;
}

static int drm_gpusvm_copy_done(struct drm_gpusvm_pool *pool, int err)
{
	if (err)
		atomic64_inc(&pool->copy_failures);
	return err;
}

static int drm_gpusvm_copy_to_ram(struct drm_gpusvm_pool *pool,
				  const dma_addr_t *dst, u64 src,
				  unsigned long npages)
{
	int err = drm_gpusvm_copy_inject(pool, PFN_PHYS(npages)) ?:
		  pool->ops->copy_to_ram(pool, dst, src, npages);

	return drm_gpusvm_copy_done(pool, err);
}

static int drm_gpusvm_copy_to_devmem(struct drm_gpusvm_pool *pool, u64 dst,
				     const dma_addr_t *src,
				     unsigned long npages)
{
	int err = drm_gpusvm_copy_inject(pool, PFN_PHYS(npages)) ?:
		  pool->ops->copy_to_devmem(pool, dst, src, npages);

	return drm_gpusvm_copy_done(pool, err);
}

static int drm_gpusvm_clear(struct drm_gpusvm_pool *pool, u64 dst, u64 size)
{
	int err = drm_gpusvm_copy_inject(pool, size) ?:
		  pool->ops->clear(pool, dst, size);

	return drm_gpusvm_copy_done(pool, err);
}

static int drm_gpusvm_map_for_copy(struct device *dev, struct page *page,
				   unsigned long nr, dma_addr_t *dma,
				   enum dma_data_direction dir)
{
	unsigned long k;

	for (k = 0; k < nr; k++) {
		dma[k] = dma_map_page(dev, page + k, 0, PAGE_SIZE, dir);
		if (dma_mapping_error(dev, dma[k])) {
			while (k--)
				dma_unmap_page(dev, dma[k], PAGE_SIZE, dir);
			return -EFAULT;
		}
	}
	return 0;
}

static void drm_gpusvm_unmap_for_copy(struct device *dev, unsigned long nr,
				      dma_addr_t *dma,
				      enum dma_data_direction dir)
{
	unsigned long k;

	for (k = 0; k < nr; k++)
		dma_unmap_page(dev, dma[k], PAGE_SIZE, dir);
}

/* Allocate locked system pages for a device folio of @order at @addr. */
static int drm_gpusvm_alloc_ram(struct vm_area_struct *vma, unsigned long addr,
				unsigned int order, unsigned long *dst)
{
	unsigned long k, nr = 1UL << order;
	struct folio *folio;
	struct page *page;

	if (order) {
		folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE, order, vma, addr);
		if (folio) {
			folio_lock(folio);
			dst[0] = migrate_pfn(folio_pfn(folio)) |
				MIGRATE_PFN_COMPOUND;
			return 0;
		}
		/* Core mm splits the device folio for order-0 targets. */
	}
	for (k = 0; k < nr; k++) {
		page = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma,
				      addr + (k << PAGE_SHIFT));
		if (!page)
			goto err;
		lock_page(page);
		dst[k] = migrate_pfn(page_to_pfn(page));
	}
	return 0;

err:
	while (k--) {
		page = migrate_pfn_to_page(dst[k]);
		unlock_page(page);
		put_page(page);
		dst[k] = 0;
	}
	return -ENOMEM;
}

static void drm_gpusvm_release_dst(unsigned long *dst, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *page = migrate_pfn_to_page(dst[i]);

		if (!page)
			continue;
		unlock_page(page);
		put_page(page);
		dst[i] = 0;
	}
}

/*
 * Did migration collect source entry @i, and as a folio of which order?
 * Entries it did not collect are skipped one page at a time.
 */
static bool drm_gpusvm_src_collected(const unsigned long *src,
				     unsigned long i, unsigned int *order)
{
	struct page *spage = migrate_pfn_to_page(src[i]);

	if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
		return false;
	*order = src[i] & MIGRATE_PFN_COMPOUND ?
		 folio_order(page_folio(spage)) : 0;
	return true;
}

/*
 * After migrate_device_pages(), with the sources still locked: mark the
 * device folios that moved retired, so that nothing maps them again.
 * Returns the number of pages that moved.
 */
static unsigned long drm_gpusvm_retire_moved(const unsigned long *src,
					     unsigned long npages)
{
	unsigned long i, moved = 0;

	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct folio *sfolio;
		unsigned long data;

		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		sfolio = page_folio(spage);
		data = (unsigned long)folio_zone_device_data(sfolio);
		folio_set_zone_device_data(sfolio,
					   (void *)(data | DRM_GPUSVM_RETIRED));
		moved += folio_nr_pages(sfolio);
	}
	return moved;
}

/*
 * A CPU access to a device page: migrate it back to system memory, with
 * the rest of its chunk in this VMA. Entered with vmf->page locked and
 * referenced by core mm; takes nothing of ours but what our notifiers
 * take (rule R4).
 */
static vm_fault_t drm_gpusvm_migrate_to_ram(struct vm_fault *vmf)
{
	struct folio *folio = page_folio(vmf->page);
	struct vm_area_struct *vma = vmf->vma;
	struct migrate_vma mig = {
		.vma = vma,
		.fault_page = vmf->page,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	struct drm_gpusvm_chunk *chunk;
	struct drm_gpusvm_pool *pool;
	unsigned long pidx, start, end, npages, i;
	unsigned long *src = NULL, *dst;
	dma_addr_t *dma = NULL;
	vm_fault_t ret = 0;
	int copy_err = 0;
	bool retired;

	chunk = drm_gpusvm_folio_chunk(folio, &retired);
	/* Already migrated away: the access retries and finds the new page. */
	if (retired)
		return 0;
	pool = chunk->pool;
	/*
	 * The CPU side of the timeslice: data a migration with a timeslice
	 * moved in a moment ago stays for the GPU to use; the access retries
	 * (core mm unlocks the page) until the slice is over. Bounds CPU/GPU
	 * ping-pong.
	 */
	if (time_before(jiffies, chunk->hold_until))
		return 0;
	mig.pgmap_owner = pool->owner;

	/*
	 * The chunk's window in this VMA, found from the faulting page's
	 * place in it. A PMD fault hands us the head page: the page is the
	 * one under the address.
	 */
	pidx = page_to_pfn(vmf->page) - chunk->pfn;
	if (!vmf->pte)
		pidx += (vmf->address & (folio_size(folio) - 1)) >> PAGE_SHIFT;
	start = (vmf->address & PAGE_MASK) - (pidx << PAGE_SHIFT);
	end = start + ((unsigned long)chunk->npages << PAGE_SHIFT);
	start = max(start, vma->vm_start);
	end = min(end, vma->vm_end);
	/*
	 * A large folio mapped by PTEs (after mremap, mprotect or a partial
	 * munmap split its PMD) is split by migrate_vma_setup() and migrates
	 * with the rest of the window (patches/0005 keeps core mm's idea of
	 * the locked fault folio right across that split).
	 */
	if (!vmf->pte && folio_order(folio) &&
	    IS_ALIGNED(start, SZ_2M) && end - start == SZ_2M)
		mig.flags |= MIGRATE_VMA_SELECT_COMPOUND;
	mig.start = start;
	mig.end = end;
	npages = (end - start) >> PAGE_SHIFT;

	src = kvcalloc(2 * npages, sizeof(*src), GFP_KERNEL);
	dma = kvmalloc_array(npages, sizeof(*dma), GFP_KERNEL);
	if (!src || !dma) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	dst = src + npages;
	mig.src = src;
	mig.dst = dst;

	if (migrate_vma_setup(&mig)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}

	for (i = 0; i < npages; ) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		unsigned long nr, k;
		struct page *dpage;
		unsigned int order;
		u64 off;

		if (!drm_gpusvm_src_collected(src, i, &order)) {
			i++;
			continue;
		}
		nr = 1UL << order;

		if (drm_gpusvm_alloc_ram(vma, start + (i << PAGE_SHIFT), order,
					 &dst[i])) {
			ret = VM_FAULT_OOM;
			break;
		}
		/* One order-9 target, or nr order-0 ones. */
		for (k = 0; k < nr; k++) {
			dpage = migrate_pfn_to_page(dst[i]) + k;
			if (!(dst[i] & MIGRATE_PFN_COMPOUND))
				dpage = migrate_pfn_to_page(dst[i + k]);
			dma[k] = dma_map_page(pool->dev, dpage, 0, PAGE_SIZE,
					      DMA_FROM_DEVICE);
			if (dma_mapping_error(pool->dev, dma[k])) {
				drm_gpusvm_unmap_for_copy(pool->dev, k, dma,
							  DMA_FROM_DEVICE);
				ret = VM_FAULT_SIGBUS;
				break;
			}
		}
		if (ret)
			break;
		off = PFN_PHYS(page_to_pfn(spage) - pool->pfn_first);
		copy_err = drm_gpusvm_copy_to_ram(pool, dma, off, nr);
		drm_gpusvm_unmap_for_copy(pool->dev, nr, dma, DMA_FROM_DEVICE);
		/*
		 * A failed copy leaves this folio in device memory, where its
		 * data still is, and the rest of the window moves; if it held
		 * the faulting page, the access faults again. A copy engine
		 * that fails for a moment (a reset, say) costs a retry, not
		 * the process; and a window of 512 folios does not need 512
		 * copies in a row to succeed before anything moves.
		 */
		if (copy_err)
			drm_gpusvm_release_dst(&dst[i], nr);
		i += nr;
	}
	/* Out of memory or unmappable: nothing moves, the fault says why. */
	if (ret)
		drm_gpusvm_release_dst(dst, npages);

	migrate_vma_pages(&mig);
	/* The window may hold pages of other chunks: each keeps its own. */
	drm_gpusvm_retire_moved(src, npages);
	migrate_vma_finalize(&mig);
out:
	kvfree(dma);
	kvfree(src);
	return ret;
}

static const struct dev_pagemap_ops drm_gpusvm_pagemap_ops = {
	.folio_free = drm_gpusvm_folio_free,
	.folio_split = drm_gpusvm_folio_split,
	.migrate_to_ram = drm_gpusvm_migrate_to_ram,
};

/* ---- the pool ---- */

/**
 * drm_gpusvm_pool_create() - create device memory for SVM
 * @pool: the pool to initialise
 * @desc: what it is made of (see &struct drm_gpusvm_pool_desc)
 *
 * Takes a free physical region for the MEMORY_DEVICE_PRIVATE pages that
 * stand for the device memory, one page per device page, and allocates
 * chunks from the driver's buddy allocator, or from one of the pool's own
 * over @desc->size bytes. With the driver's, device offsets are that
 * allocator's block offsets, other users of it (the driver's buffer
 * objects) compete with SVM for the same memory, and the driver calls
 * drm_gpusvm_pool_evict() when it finds the allocator full.
 *
 * Return: 0 or a negative errno (-EINVAL for an incomplete @desc or a size
 * that is not a multiple of 2 MiB).
 */
int drm_gpusvm_pool_create(struct drm_gpusvm_pool *pool,
			   const struct drm_gpusvm_pool_desc *desc)
{
	const struct drm_gpusvm_pool_ops *ops = desc->ops;
	u64 size = desc->buddy ? desc->buddy->size : desc->size;
	void *addr;
	int err;

	if (!size || !IS_ALIGNED(size, SZ_2M) || !desc->owner || !ops ||
	    !ops->copy_to_ram || !ops->copy_to_devmem || !ops->clear ||
	    !desc->buddy != !desc->buddy_lock)
		return -EINVAL;

	memset(pool, 0, sizeof(*pool));
	pool->dev = desc->dev;
	pool->ops = ops;
	pool->owner = desc->owner;
	pool->size = size;
	pool->device_base = desc->device_base;
	pool->fail_alloc = drm_gpusvm_fault_attr_off;
	pool->fail_copy = drm_gpusvm_fault_attr_off;
	mutex_init(&pool->lock);
	spin_lock_init(&pool->lru_lock);
	INIT_LIST_HEAD(&pool->lru);
	init_llist_head(&pool->free_chunks);
	INIT_WORK(&pool->free_work, drm_gpusvm_pool_free_work);
	init_llist_head(&pool->sparse_chunks);
	INIT_WORK(&pool->sparse_work, drm_gpusvm_pool_sparse_work);

	if (desc->buddy) {
		pool->mm = desc->buddy;
		pool->mm_lock = desc->buddy_lock;
		pool->mm_flags = desc->buddy_flags;
	} else {
		err = gpu_buddy_init(&pool->buddy, size, PAGE_SIZE);
		if (err)
			return err;
		pool->mm = &pool->buddy;
		pool->mm_lock = &pool->lock;
	}

	pool->res = request_free_mem_region(&iomem_resource, size,
					    "drm_gpusvm");
	if (IS_ERR(pool->res)) {
		err = PTR_ERR(pool->res);
		goto err_buddy;
	}
	pool->pagemap.type = MEMORY_DEVICE_PRIVATE;
	pool->pagemap.range.start = pool->res->start;
	pool->pagemap.range.end = pool->res->end;
	pool->pagemap.nr_range = 1;
	pool->pagemap.ops = &drm_gpusvm_pagemap_ops;
	pool->pagemap.owner = desc->owner;
	addr = memremap_pages(&pool->pagemap, dev_to_node(desc->dev) < 0 ?
			      numa_node_id() : dev_to_node(desc->dev));
	if (IS_ERR(addr)) {
		err = PTR_ERR(addr);
		goto err_region;
	}
	pool->pfn_first = PHYS_PFN(pool->res->start);
	return 0;

err_region:
	release_mem_region(pool->res->start, resource_size(pool->res));
err_buddy:
	if (pool->mm == &pool->buddy)
		gpu_buddy_fini(&pool->buddy);
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_create);

/**
 * drm_gpusvm_pool_init() - create device memory for SVM, allocator included
 * @pool: the pool to initialise
 * @dev: the device that copies (and whose DMA mappings the copies use)
 * @size: bytes of device memory, a multiple of 2 MiB
 * @ops: the copy engine
 * @owner: the device-private page owner the driver passes in
 *	&drm_gpusvm_ctx.device_private_page_owner
 *
 * drm_gpusvm_pool_create() with an allocator of the pool's own, whose
 * device addresses are its offsets (&struct drm_gpusvm_pool_desc.device_base
 * 0).
 *
 * Return: 0 or a negative errno.
 */
int drm_gpusvm_pool_init(struct drm_gpusvm_pool *pool, struct device *dev,
			 u64 size, const struct drm_gpusvm_pool_ops *ops,
			 void *owner)
{
	const struct drm_gpusvm_pool_desc desc = {
		.dev = dev,
		.ops = ops,
		.owner = owner,
		.size = size,
	};

	return drm_gpusvm_pool_create(pool, &desc);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_init);

/**
 * drm_gpusvm_pool_flush() - return the chunks core mm has freed
 * @pool: the pool
 *
 * Waits for the sparse-chunk and free workers, so that
 * &drm_gpusvm_pool.used counts only chunks that still hold pages.
 */
void drm_gpusvm_pool_flush(struct drm_gpusvm_pool *pool)
{
	flush_work(&pool->sparse_work);
	flush_work(&pool->free_work);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_flush);

/**
 * drm_gpusvm_pool_debugfs_init() - fault injection for a pool
 * @pool: the pool
 * @root: the driver's debugfs directory (a DRM minor's, say)
 *
 * Creates @pool's fault-injection attributes fail_vram_alloc (a chunk
 * allocation fails as if device memory were exhausted, without eviction)
 * and fail_vram_copy (the copy engine fails a copy or clear), as
 * Documentation/fault-injection/fault-injection.rst describes. Nothing is
 * created without CONFIG_FAULT_INJECTION_DEBUG_FS; the attributes stay off
 * until written.
 */
void drm_gpusvm_pool_debugfs_init(struct drm_gpusvm_pool *pool,
				  struct dentry *root)
{
	fault_create_debugfs_attr("fail_vram_alloc", root, &pool->fail_alloc);
	fault_create_debugfs_attr("fail_vram_copy", root, &pool->fail_copy);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_debugfs_init);

/* Teardown waits this long for a page that will not move before it says so. */
#define DRM_GPUSVM_FINI_PATIENCE	(30 * HZ)

/**
 * drm_gpusvm_pool_fini() - tear down a pool
 * @pool: the pool; nothing may migrate into it any more (no GPU SVM
 *	of the device is left)
 *
 * Whatever processes still have in device memory is evicted to system
 * memory first, so they keep their data, with the allocator's full effort
 * for 2 MiB targets; pages busy for a moment (locked by a CPU fault, being
 * freed) are retried until none is left. Then the device pages go. Every
 * page can move (folios mapped in several mms after fork included), so
 * this ends; a page still there after DRM_GPUSVM_FINI_PATIENCE without
 * progress is reported once (the device memory cannot be released under
 * it, nor the data dropped) and waited for.
 */
void drm_gpusvm_pool_fini(struct drm_gpusvm_pool *pool)
{
	s64 used = atomic64_read(&pool->used);
	unsigned long since = jiffies;

	while (atomic_read(&pool->chunks)) {
		__drm_gpusvm_pool_evict(pool, U64_MAX, true);
		if (!atomic_read(&pool->chunks))
			break;
		if (atomic64_read(&pool->used) < used) {
			used = atomic64_read(&pool->used);
			since = jiffies;
		}
		WARN_ONCE(time_after(jiffies, since + DRM_GPUSVM_FINI_PATIENCE),
			  "drm_gpusvm: %lld bytes of device memory will not move\n",
			  (long long)used);
		msleep(20);
	}
	WARN_ON(!list_empty(&pool->lru));
	/* The driver's blocks must be back before its memory goes. */
	WARN_ON(atomic64_read(&pool->blocks_used));
	memunmap_pages(&pool->pagemap);
	release_mem_region(pool->res->start, resource_size(pool->res));
	/* A lent allocator stays the driver's. */
	if (pool->mm == &pool->buddy)
		gpu_buddy_fini(&pool->buddy);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_fini);

/* ---- migration to device memory ---- */

/*
 * Fill the chunk's pages for every entry migration collected. With
 * @writable (the caller maps the range writable), pages the CPU maps
 * read-only stay: in a writable anonymous VMA those are copy-on-write,
 * shared with another process since fork (or not yet reused after it),
 * and the caller's write walk would pull them straight back to break
 * COW. Left here, the walk breaks it in system memory with one copy, the
 * other process's copy never moves, and the next migration of the range
 * takes the page, exclusive by then.
 */
static int drm_gpusvm_fill_chunk(struct drm_gpusvm_pool *pool,
				 struct drm_gpusvm_chunk *chunk,
				 struct migrate_vma *mig, dma_addr_t *dma,
				 bool writable)
{
	unsigned long npages = (mig->end - mig->start) >> PAGE_SHIFT;
	unsigned long i, copied = 0;

	for (i = 0; i < npages; ) {
		unsigned long s = mig->src[i], nr;
		struct page *spage = migrate_pfn_to_page(s);
		unsigned int order = 0;
		struct folio *dfolio;
		u64 off;
		int err;

		if (!(s & MIGRATE_PFN_MIGRATE)) {
			i++;
			continue;
		}
		if (s & MIGRATE_PFN_COMPOUND)
			order = DRM_GPUSVM_ORDER_2M;
		nr = 1UL << order;
		if (writable && spage && !(s & MIGRATE_PFN_WRITE)) {
			atomic64_add(nr, &pool->cow_pages);
			i += nr;
			continue;
		}

		/* Initialise through the page: its old folio may be gone. */
		zone_device_page_init(pfn_to_page(chunk->pfn + i),
				      &pool->pagemap, order);
		dfolio = pfn_folio(chunk->pfn + i);
		if (order)
			folio_set_large_rmappable(dfolio);
		folio_set_zone_device_data(dfolio, chunk);
		atomic_add(nr, &chunk->live);
		mig->dst[i] = migrate_pfn(chunk->pfn + i) |
			(order ? MIGRATE_PFN_COMPOUND : 0);

		off = PFN_PHYS(i);
		off += PFN_PHYS(chunk->pfn - pool->pfn_first);
		if (spage) {
			err = drm_gpusvm_map_for_copy(pool->dev, spage, nr, dma,
						      DMA_TO_DEVICE);
			if (!err) {
				err = drm_gpusvm_copy_to_devmem(pool, off, dma,
								nr);
				drm_gpusvm_unmap_for_copy(pool->dev, nr, dma,
							  DMA_TO_DEVICE);
			}
		} else {
			/* A hole: no stale device data may show through. */
			err = drm_gpusvm_clear(pool, off, PFN_PHYS(nr));
		}
		if (err) {
			/* Not migrated; finalize leaves the source in place. */
			mig->dst[i] = 0;
			folio_unlock(dfolio);
			folio_put(dfolio);
		} else {
			copied += nr;
		}
		i += nr;
	}
	return copied ? 0 : -EBUSY;
}

/**
 * drm_gpusvm_range_migrate_to_devmem() - move a range into device memory
 * @gpusvm: the GPU SVM
 * @range: the range, 64 KiB or larger
 * @pool: the device memory
 * @ctx: @timeslice_ms: refuse while the range's last migration is younger,
 *	and keep the pages in device memory for that long against CPU faults
 *
 * Refuses, before allocating anything, a range whose memory cannot
 * migrate (&drm_gpusvm_pages_flags.migrate_devmem: created for a GPU SVM
 * context without @devmem_possible, or over memory other than private
 * anonymous memory, which migrate_vma_setup() would not take). Else
 * allocates one chunk of the range's size, migrates the range's system
 * pages into it (a 2 MiB range mapped by a PMD, or an empty one, as one
 * order-9 folio) and clears the holes. Pages that cannot move now stay
 * where they are: the range may end up partly in device memory. Unless
 * @ctx asks for a read-only mapping, that includes pages the CPU maps
 * read-only, copy-on-write since fork (see drm_gpusvm_fill_chunk()). The
 * range's own notifier zaps its GPU mappings as part of the migration;
 * the caller gets and commits the new pages as after any invalidation.
 * Each refusal is counted in @pool by its reason. Caller holds the
 * driver lock, not mmap_lock.
 *
 * Return: 0 if at least one page moved; -EOPNOTSUPP if the range cannot
 * migrate; -ENOSPC when the pool is full; -EBUSY if nothing could move or
 * the timeslice has not expired; -EFAULT if the CPU mapping is gone;
 * -ENOMEM.
 */
int drm_gpusvm_range_migrate_to_devmem(struct drm_gpusvm *gpusvm,
				       struct drm_gpusvm_range *range,
				       struct drm_gpusvm_pool *pool,
				       const struct drm_gpusvm_ctx *ctx)
{
	unsigned long start = drm_gpusvm_range_start(range);
	unsigned long end = drm_gpusvm_range_end(range);
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct migrate_vma mig = {
		.start = start,
		.end = end,
		.pgmap_owner = pool->owner,
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	struct mm_struct *mm = gpusvm->mm;
	struct drm_gpusvm_chunk *chunk;
	unsigned long *pfns = NULL;
	dma_addr_t *dma = NULL;
	int err;

	drm_gpusvm_assert_driver_lock(gpusvm);

	if (end - start < SZ_64K)
		return -EINVAL;
	if (!range->pages.flags.migrate_devmem) {
		atomic64_inc(&pool->unmovable);
		return -EOPNOTSUPP;
	}
	if (ctx->timeslice_ms && range->migrated &&
	    time_before(jiffies, range->migrated +
			msecs_to_jiffies(ctx->timeslice_ms))) {
		atomic64_inc(&pool->timeslice_refusals);
		return -EBUSY;
	}
	if (end - start == SZ_2M)
		mig.flags |= MIGRATE_VMA_SELECT_COMPOUND;

	chunk = drm_gpusvm_chunk_alloc(pool, end - start);
	/*
	 * Full: first the chunks whose pages core mm already freed (as
	 * drm_gpusvm_pool_alloc_blocks() does), then evict the coldest ones,
	 * about as much as we need.
	 */
	if (PTR_ERR_OR_ZERO(chunk) == -ENOSPC) {
		drm_gpusvm_pool_flush(pool);
		chunk = drm_gpusvm_chunk_alloc(pool, end - start);
	}
	if (PTR_ERR_OR_ZERO(chunk) == -ENOSPC &&
	    drm_gpusvm_pool_evict(pool, end - start))
		chunk = drm_gpusvm_chunk_alloc(pool, end - start);
	if (IS_ERR(chunk)) {
		atomic64_inc(&pool->alloc_failures);
		return PTR_ERR(chunk);
	}
	/* Set before any page of the chunk is mapped, so before any CPU fault. */
	chunk->hold_until = jiffies + msecs_to_jiffies(ctx->timeslice_ms);

	pfns = kvcalloc(2 * npages, sizeof(*pfns), GFP_KERNEL);
	dma = kvmalloc_array(npages, sizeof(*dma), GFP_KERNEL);
	if (!pfns || !dma) {
		err = -ENOMEM;
		goto out;
	}
	mig.src = pfns;
	mig.dst = pfns + npages;

	if (!mmget_not_zero(mm)) {
		err = -EFAULT;
		goto out;
	}
	mmap_read_lock(mm);
	mig.vma = vma_lookup(mm, start);
	if (!mig.vma || end > mig.vma->vm_end) {
		err = -EFAULT;
		goto out_unlock;
	}
	err = migrate_vma_setup(&mig);
	if (err)
		goto out_unlock;

	err = drm_gpusvm_fill_chunk(pool, chunk, &mig, dma, !ctx->read_only);
	migrate_vma_pages(&mig);
	migrate_vma_finalize(&mig);
	if (!err)
		range->migrated = jiffies ?: 1;

out_unlock:
	mmap_read_unlock(mm);
	mmput(mm);
out:
	kvfree(dma);
	kvfree(pfns);
	drm_gpusvm_chunk_done(chunk);
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_migrate_to_devmem);

/* ---- eviction ---- */

/*
 * A locked system folio of @order to evict into; no VMA to place it by.
 * Under pressure a 2 MiB one is tried cheaply (the folio stays in device
 * memory for now); at @teardown with the full effort of the allocator,
 * compaction and reclaim included, since the folio has nowhere else to go.
 */
static struct page *drm_gpusvm_evict_alloc(unsigned int order, bool teardown)
{
	gfp_t gfp = GFP_HIGHUSER_MOVABLE;
	struct folio *folio;

	if (order)
		gfp |= __GFP_NOWARN |
		       (teardown ? __GFP_RETRY_MAYFAIL : __GFP_NORETRY);
	folio = folio_alloc(gfp, order);
	if (!folio)
		return NULL;
	folio_lock(folio);
	return folio_page(folio, 0);
}

/*
 * Migrate what lives in @chunk to system memory, by pfn: no mm, no VMA,
 * no virtual address, no lock of any GPU SVM; core mm's rmap finds the
 * CPU mappings and the notifiers zap the GPU ones. Pages that cannot be
 * locked or unmapped now, or whose copy target cannot be had (a 2 MiB
 * folio needs a 2 MiB target: core mm splits device folios only when it
 * knows the VMA), stay. The caller holds a live-count bias on @chunk.
 * @teardown: the pool is going (see drm_gpusvm_evict_alloc()).
 *
 * Return: the number of pages moved.
 */
static unsigned long drm_gpusvm_chunk_evict(struct drm_gpusvm_chunk *chunk,
					    bool teardown)
{
	struct drm_gpusvm_pool *pool = chunk->pool;
	unsigned long npages = chunk->npages, i, moved = 0;
	unsigned long *src, *dst;
	dma_addr_t *dma;

	src = kvcalloc(2 * npages, sizeof(*src), GFP_KERNEL);
	dma = kvmalloc_array(npages, sizeof(*dma), GFP_KERNEL);
	if (!src || !dma)
		goto out;
	dst = src + npages;
	for (i = 0; i < npages; i++)
		src[i] = chunk->pfn + i;
	migrate_device_pfns(src, npages);

	for (i = 0; i < npages; ) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct page *dpage;
		unsigned int order;
		unsigned long nr;
		int err;

		if (!drm_gpusvm_src_collected(src, i, &order)) {
			i++;
			continue;
		}
		nr = 1UL << order;
		dpage = drm_gpusvm_evict_alloc(order, teardown);
		if (!dpage) {
			i += nr;
			continue;
		}
		dst[i] = migrate_pfn(page_to_pfn(dpage)) |
			 (order ? MIGRATE_PFN_COMPOUND : 0);
		err = drm_gpusvm_map_for_copy(pool->dev, dpage, nr, dma,
					      DMA_FROM_DEVICE);
		if (!err) {
			err = drm_gpusvm_copy_to_ram(pool, dma,
						     PFN_PHYS(page_to_pfn(spage) -
							      pool->pfn_first),
						     nr);
			drm_gpusvm_unmap_for_copy(pool->dev, nr, dma,
						  DMA_FROM_DEVICE);
		}
		if (err)
			drm_gpusvm_release_dst(&dst[i], 1);
		i += nr;
	}

	migrate_device_pages(src, dst, npages);
	moved = drm_gpusvm_retire_moved(src, npages);
	migrate_device_finalize(src, dst, npages);
out:
	kvfree(dma);
	kvfree(src);
	return moved;
}

/* drm_gpusvm_pool_evict(), or at @teardown every chunk with full effort. */
static u64 __drm_gpusvm_pool_evict(struct drm_gpusvm_pool *pool, u64 bytes,
				   bool teardown)
{
	unsigned int budget = atomic_read(&pool->chunks);
	struct drm_gpusvm_chunk *chunk;
	ktime_t t0 = ktime_get();
	u64 freed = 0;

	while (freed < bytes && budget--) {
		bool empty;

		spin_lock(&pool->lru_lock);
		chunk = list_first_entry_or_null(&pool->lru,
						 struct drm_gpusvm_chunk, lru);
		empty = !chunk;
		if (chunk) {
			/* Tried now: next time, the next coldest. */
			list_move_tail(&chunk->lru, &pool->lru);
			/* Zero live: already on its way to the free worker. */
			if (!atomic_inc_not_zero(&chunk->live))
				chunk = NULL;
		}
		spin_unlock(&pool->lru_lock);
		if (empty)
			break;
		if (!chunk)
			continue;

		/*
		 * Evicted whole: no sparse eviction later (the frees this one
		 * causes would take our bias for a page left).
		 */
		set_bit(DRM_GPUSVM_CHUNK_SPARSE, &chunk->flags);
		atomic64_add(drm_gpusvm_chunk_evict(chunk, teardown) <<
			     PAGE_SHIFT, &pool->evicted);
		atomic64_inc(&pool->evictions);
		if (atomic_read(&chunk->live) == 1)
			freed += (u64)chunk->npages << PAGE_SHIFT;
		drm_gpusvm_chunk_sub(chunk, 1);
	}
	drm_gpusvm_pool_flush(pool);
	atomic64_add(ktime_us_delta(ktime_get(), t0), &pool->evict_us);
	return freed;
}

/**
 * drm_gpusvm_pool_evict() - make room in device memory
 * @pool: the pool
 * @bytes: how much device memory the caller needs
 *
 * Evicts chunks coldest first until chunks worth @bytes have been emptied
 * or every chunk was tried once, then waits for core mm's frees to return
 * their blocks to the allocator. A chunk with busy pages stays allocated
 * until its last page goes. Needs no lock of a GPU SVM and must be called
 * without the notifier lock, the pool lock or any page lock held (it locks
 * pages and invalidates); the driver lock of a GPU SVM may be held.
 *
 * Return: bytes of chunks emptied.
 */
u64 drm_gpusvm_pool_evict(struct drm_gpusvm_pool *pool, u64 bytes)
{
	return __drm_gpusvm_pool_evict(pool, bytes, false);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_evict);

/* Rounds of eviction a driver allocation tries before it gives up. */
#define DRM_GPUSVM_BLOCKS_EVICT_ROUNDS	4

/**
 * drm_gpusvm_pool_alloc_blocks() - device memory for the driver's own use
 * @pool: the pool
 * @size: bytes, a multiple of PAGE_SIZE
 * @blocks: list the buddy blocks are added to, in no particular order
 *
 * Takes @size bytes of @pool's device memory for something SVM does not
 * manage (a buffer object, say), in buddy blocks of PAGE_SIZE or more. If
 * the pool is full, SVM chunks are evicted to system memory, coldest
 * first, until there is room: SVM can always be served from system
 * memory, the caller perhaps cannot. The pool never takes this memory
 * back; it is the driver's until drm_gpusvm_pool_free_blocks(). A block's
 * device offset is gpu_buddy_block_offset(). Must be called without the
 * notifier lock, the pool lock or any page lock held, as
 * drm_gpusvm_pool_evict().
 *
 * Return: 0; -EINVAL if @size is 0 or not page aligned; -ENOSPC if other
 * driver blocks, or device pages too busy to evict, leave no room.
 */
int drm_gpusvm_pool_alloc_blocks(struct drm_gpusvm_pool *pool, u64 size,
				 struct list_head *blocks)
{
	unsigned int round;
	u64 avail;
	int err;

	if (!size || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	/* Only SVM chunks can be evicted: do not evict them in vain. */
	if (size > pool->size - atomic64_read(&pool->blocks_used))
		return -ENOSPC;

	for (round = 0; ; round++) {
		mutex_lock(pool->mm_lock);
		err = gpu_buddy_alloc_blocks(pool->mm, 0, pool->size, size,
					     PAGE_SIZE, blocks, 0);
		avail = pool->mm->avail;
		mutex_unlock(pool->mm_lock);
		if (err != -ENOSPC || round > DRM_GPUSVM_BLOCKS_EVICT_ROUNDS)
			break;
		/*
		 * First the chunks whose pages core mm already freed (they
		 * may be enough), then the coldest ones, about what is still
		 * missing; eviction waits for the frees it causes.
		 */
		if (!round)
			drm_gpusvm_pool_flush(pool);
		else if (size > avail)
			drm_gpusvm_pool_evict(pool, size - avail);
	}
	if (err)
		return err;
	atomic64_add(size, &pool->blocks_used);
	return 0;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_alloc_blocks);

/**
 * drm_gpusvm_pool_free_blocks() - give device memory back
 * @pool: the pool
 * @blocks: blocks from drm_gpusvm_pool_alloc_blocks(); the list is
 *	emptied
 *
 * The device may no longer access the memory; SVM can take it at once.
 */
void drm_gpusvm_pool_free_blocks(struct drm_gpusvm_pool *pool,
				 struct list_head *blocks)
{
	struct gpu_buddy_block *block;
	u64 size = 0;

	list_for_each_entry(block, blocks, link)
		size += gpu_buddy_block_size(pool->mm, block);
	mutex_lock(pool->mm_lock);
	gpu_buddy_free_list(pool->mm, blocks, 0);
	mutex_unlock(pool->mm_lock);
	atomic64_sub(size, &pool->blocks_used);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_pool_free_blocks);

/* ---- references and the commit section (rule R2) ---- */

/* The device page of a DRM_INTERCONNECT_DRIVER entry of @svm_pages. */
static struct page *drm_gpusvm_entry_page(const struct drm_gpusvm_pages *svm_pages,
					  const struct drm_pagemap_addr *a)
{
	return drm_gpusvm_pool_page(svm_pages->pool, a->addr);
}

static struct folio *drm_gpusvm_entry_folio(const struct drm_gpusvm_pages *svm_pages,
					    const struct drm_pagemap_addr *a)
{
	return page_folio(drm_gpusvm_entry_page(svm_pages, a));
}

/**
 * drm_gpusvm_devmem_put_refs() - drop the references of mapped device pages
 * @svm_pages: pages whose device entries are referenced
 * @npages: pages in the span
 *
 * May run in the notifier (no sleeping: a last put frees in atomic context).
 */
void drm_gpusvm_devmem_put_refs(struct drm_gpusvm_pages *svm_pages,
				unsigned long npages)
{
	unsigned long i, j;

	for (i = 0, j = 0; i < npages; j++) {
		struct drm_pagemap_addr *a = &svm_pages->dma_addr[j];

		if (a->proto == DRM_INTERCONNECT_DRIVER)
			folio_put(drm_gpusvm_entry_folio(svm_pages, a));
		i += 1UL << a->order;
	}
}

/*
 * Whether @folio, the device folio of entry @j, is also that of an entry
 * before @j. A folio's pages are usually consecutive entries, but a large
 * folio that is PTE-mapped can be interleaved with others (A..B..A: a
 * piece in its middle zapped, then filled from another chunk), so the
 * previous entry alone does not tell. Only a large folio can repeat: in
 * one mm a page is mapped at one address.
 */
static bool drm_gpusvm_folio_seen(const struct drm_gpusvm_pages *svm_pages,
				  unsigned long j, struct folio *folio)
{
	if (!folio_test_large(folio))
		return false;
	while (j--) {
		const struct drm_pagemap_addr *a = &svm_pages->dma_addr[j];

		if (a->proto == DRM_INTERCONNECT_DRIVER &&
		    drm_gpusvm_entry_folio(svm_pages, a) == folio)
			return true;
	}
	return false;
}

/* Unlock the folios of entries [0, @nr_entries), each once. */
static void drm_gpusvm_devmem_unlock_n(struct drm_gpusvm_pages *svm_pages,
				       unsigned long npages,
				       unsigned long nr_entries)
{
	unsigned long i, j;

	for (i = 0, j = 0; i < npages && j < nr_entries; j++) {
		struct drm_pagemap_addr *a = &svm_pages->dma_addr[j];
		struct folio *folio;

		i += 1UL << a->order;
		if (a->proto != DRM_INTERCONNECT_DRIVER)
			continue;
		folio = drm_gpusvm_entry_folio(svm_pages, a);
		if (!drm_gpusvm_folio_seen(svm_pages, j, folio))
			folio_unlock(folio);
	}
}

/**
 * drm_gpusvm_range_devmem_lock() - lock a range's device pages to commit
 * @gpusvm: the GPU SVM
 * @range: the range, its pages got with drm_gpusvm_range_get_pages()
 *
 * Call under the notifier lock, after the notifier sequence check, right
 * before committing GPU PTEs (rule R2): trylocks every device folio the
 * range maps, checks none was migrated away, and records this GPU SVM, the
 * GPU address and a new bind generation in each. On success the driver
 * commits and then calls drm_gpusvm_range_devmem_unlock().
 *
 * Return: 0, or -EAGAIN if a folio is locked elsewhere or retired; then
 * nothing is held, not even the references (a CPU fault migrating the
 * folio back needs them gone), the pages are invalid and the fault must
 * get them again, preferably after backing off.
 */
int drm_gpusvm_range_devmem_lock(struct drm_gpusvm *gpusvm,
				 struct drm_gpusvm_range *range)
{
	struct drm_gpusvm_pages *svm_pages = &range->pages;
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	unsigned long start = drm_gpusvm_range_start(range);
	struct drm_gpusvm_chunk *hot = NULL;
	unsigned long i, j;
	u64 gen;

	lockdep_assert_held(&gpusvm->notifier_lock);

	if (!svm_pages->flags.has_devmem_pages)
		return 0;
	/* Committed before and not invalidated since: records are current. */
	if (!svm_pages->flags.has_devmem_refs)
		return 0;

	gen = atomic64_inc_return(&drm_gpusvm_bind_gen);
	for (i = 0, j = 0; i < npages; j++) {
		struct drm_pagemap_addr *a = &svm_pages->dma_addr[j];
		struct drm_gpusvm_chunk *chunk;
		struct page *page;
		struct folio *folio;
		unsigned long head;
		bool retired;

		i += 1UL << a->order;
		if (a->proto != DRM_INTERCONNECT_DRIVER)
			continue;
		page = drm_gpusvm_entry_page(svm_pages, a);
		folio = page_folio(page);
		/* Locked once, however many entries it has. */
		if (drm_gpusvm_folio_seen(svm_pages, j, folio))
			continue;
		if (!folio_trylock(folio))
			goto backoff;
		chunk = drm_gpusvm_folio_chunk(folio, &retired);
		if (retired) {
			/* Not among the entries the back-off unlocks. */
			folio_unlock(folio);
			goto backoff;
		}
		/* The head's record speaks for the folio. */
		head = start + ((i - (1UL << a->order)) << PAGE_SHIFT) -
			((page_to_pfn(page) - folio_pfn(folio)) << PAGE_SHIFT);
		drm_gpusvm_record_set(&chunk->rec[folio_pfn(folio) - chunk->pfn],
				      gpusvm->owner, head, gen);
		/* A GPU is about to use it: the chunk is the hottest now. */
		if (chunk != hot) {
			hot = chunk;
			spin_lock(&chunk->pool->lru_lock);
			if (!list_empty(&chunk->lru))
				list_move_tail(&chunk->lru, &chunk->pool->lru);
			spin_unlock(&chunk->pool->lru_lock);
		}
	}
	range->bind_gen = gen;
	return 0;

backoff:
	/*
	 * Whoever holds the lock may be migrating the folio, which our
	 * reference would make fail: let go of everything, pages included.
	 */
	drm_gpusvm_devmem_unlock_n(svm_pages, npages, j);
	drm_gpusvm_pages_reset(gpusvm, svm_pages, npages);
	return -EAGAIN;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_devmem_lock);

/**
 * drm_gpusvm_range_devmem_unlock() - end the commit section of a range
 * @gpusvm: the GPU SVM
 * @range: the range drm_gpusvm_range_devmem_lock() succeeded on
 *
 * Unlocks the device folios and drops the references taken when the pages
 * were got. Notifier lock held.
 */
void drm_gpusvm_range_devmem_unlock(struct drm_gpusvm *gpusvm,
				    struct drm_gpusvm_range *range)
{
	struct drm_gpusvm_pages *svm_pages = &range->pages;
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	struct drm_gpusvm_pages_flags flags;

	lockdep_assert_held(&gpusvm->notifier_lock);

	if (!svm_pages->flags.has_devmem_pages ||
	    !svm_pages->flags.has_devmem_refs)
		return;
	drm_gpusvm_devmem_unlock_n(svm_pages, npages, ULONG_MAX);
	drm_gpusvm_devmem_put_refs(svm_pages, npages);
	flags.__flags = svm_pages->flags.__flags;
	flags.has_devmem_refs = false;
	WRITE_ONCE(svm_pages->flags.__flags, flags.__flags);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_devmem_unlock);
