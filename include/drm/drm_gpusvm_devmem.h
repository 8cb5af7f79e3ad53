/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The page-lock device-memory backend of drm_gpusvm: VRAM straight from
 * the buddy allocator, one chunk per migrated range, a record per device
 * page written under the page lock. See
 * Documentation/gpu/rfc/gpusvm-pagelock.rst.
 */

#ifndef __DRM_GPUSVM_DEVMEM_H__
#define __DRM_GPUSVM_DEVMEM_H__

#include <linux/atomic.h>
#include <linux/fault-inject.h>
#include <linux/gpu_buddy.h>
#include <linux/kref.h>
#include <linux/llist.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct dentry;
struct drm_gpusvm;
struct drm_gpusvm_ctx;
struct drm_gpusvm_pool;
struct drm_gpusvm_range;
struct module;

/**
 * struct drm_gpusvm_owner - the weak handle a page record names its GPU
 *	SVM by
 * @ref: held by the GPU SVM and by every record naming it
 * @gpusvm: the GPU SVM, NULL once it is torn down
 *
 * Records never dereference @gpusvm to find a CPU mapping: a record is a
 * device-side reverse map, valid only while its bind generation equals the
 * generation of the range that committed it.
 */
struct drm_gpusvm_owner {
	struct kref ref;
	struct drm_gpusvm *gpusvm;
};

/**
 * struct drm_gpusvm_record - what the GPU did with one device page
 * @owner: the GPU SVM that committed it (referenced), or NULL
 * @va: the GPU virtual address it was committed at
 * @bind_gen: &drm_gpusvm_range.bind_gen at that commit
 *
 * Written and read only under the page (folio) lock. For a large folio the
 * head's record is authoritative.
 */
struct drm_gpusvm_record {
	struct drm_gpusvm_owner *owner;
	unsigned long va;
	u64 bind_gen;
};

/**
 * struct drm_gpusvm_chunk - one buddy block of device memory given to SVM
 * @pool: the pool it came from
 * @block: the buddy block
 * @pfn: device pfn of its first page
 * @npages: pages in the block
 * @live: pages initialised and not yet freed by core mm, plus a
 *	construction bias while a migration fills the chunk
 * @flags: DRM_GPUSVM_CHUNK_FILLED once its first fill is over,
 *	DRM_GPUSVM_CHUNK_SPARSE once it was queued for sparse eviction
 * @hold_until: jiffies until which CPU faults leave its pages in device
 *	memory: the migration that filled it plus its context's
 *	&drm_gpusvm_ctx.timeslice_ms (the CPU side of the timeslice)
 * @lru: link in &drm_gpusvm_pool.lru
 * @free: link in &drm_gpusvm_pool.free_chunks
 * @sparse: link in &drm_gpusvm_pool.sparse_chunks
 * @rec: one record per page, preallocated so that the free and split
 *	paths never allocate
 */
struct drm_gpusvm_chunk {
	struct drm_gpusvm_pool *pool;
	struct gpu_buddy_block *block;
	unsigned long pfn;
	unsigned int npages;
	atomic_t live;
	unsigned long flags;
#define DRM_GPUSVM_CHUNK_FILLED	0
#define DRM_GPUSVM_CHUNK_SPARSE	1
	unsigned long hold_until;
	struct list_head lru;
	struct llist_node free;
	struct llist_node sparse;
	struct drm_gpusvm_record rec[] __counted_by(npages);
};

/**
 * struct drm_gpusvm_pool_ops - the driver's copy engine
 * @copy_to_devmem: copy @npages system pages, mapped for the device at
 *	@src, to device memory at byte offset @dst
 * @copy_to_ram: copy @npages pages of device memory at byte offset @src to
 *	the system pages mapped for the device at @dst
 * @clear: zero @size bytes of device memory at byte offset @dst
 *
 * Called without the notifier lock and without the pool lock; the pages
 * involved are locked by migration. Return 0 or a negative errno.
 */
struct drm_gpusvm_pool_ops {
	int (*copy_to_devmem)(struct drm_gpusvm_pool *pool, u64 dst,
			      const dma_addr_t *src, unsigned long npages);
	int (*copy_to_ram)(struct drm_gpusvm_pool *pool, const dma_addr_t *dst,
			   u64 src, unsigned long npages);
	int (*clear)(struct drm_gpusvm_pool *pool, u64 dst, u64 size);
};

/**
 * struct drm_gpusvm_pool - device memory for SVM
 * @dev: the device that copies (DMA mappings are made for it)
 * @ops: the copy engine
 * @owner: device-private page owner (&drm_gpusvm_ctx.device_private_page_owner)
 * @pagemap: the MEMORY_DEVICE_PRIVATE pages standing for device memory
 * @res: the free physical region they occupy
 * @pfn_first: pfn of device offset 0
 * @size: bytes of device memory
 * @device_base: the device address of offset 0: what the
 *	DRM_INTERCONNECT_DRIVER entries of drm_gpusvm_get_pages() hold
 *	(see drm_gpusvm_pool_addr())
 * @mm: the allocator chunks come from (blocks of 64 KiB and 2 MiB):
 *	@buddy, or the driver's
 * @mm_lock: protects @mm: @lock, or the driver's; a leaf (rule R7)
 * @mm_flags: GPU_BUDDY_* flags chunk allocations use
 * @buddy: the pool's own allocator, when the driver lends none
 * @lock: protects @buddy
 * @lru_lock: protects @lru; a leaf
 * @lru: chunks in use, oldest first
 * @free_chunks: chunks whose last page core mm freed, for @free_work
 * @free_work: returns @free_chunks to @buddy
 * @sparse_chunks: chunks down to an eighth of their pages, for @sparse_work
 * @sparse_work: evicts @sparse_chunks, so that a few pages do not hold a
 *	whole block
 * @chunks: chunks allocated and not yet returned
 * @used: bytes in those chunks
 * @blocks_used: bytes the driver holds through
 *	drm_gpusvm_pool_alloc_blocks() (its buffer objects, say)
 * @evictions: chunks drm_gpusvm_pool_evict() tried
 * @evicted: bytes it and @sparse_work moved to system memory
 * @evict_us: microseconds drm_gpusvm_pool_evict() spent (not @sparse_work:
 *	divide only bytes it alone moved by this)
 * @sparse_evictions: chunks @sparse_work evicted (those with pages left
 *	when it came to them)
 * @alloc_failures: migrations to device memory refused because no chunk
 *	could be had, even after eviction (the caller serves the range from
 *	system memory)
 * @copy_failures: copy or clear operations that failed (the pages
 *	involved stay where they were)
 * @unmovable: migrations refused because the range cannot migrate (its
 *	memory is shared, file-backed or hugetlb, or its GPU SVM context
 *	did not set &drm_gpusvm_ctx.devmem_possible)
 * @timeslice_refusals: migrations refused because the range last migrated
 *	within &drm_gpusvm_ctx.timeslice_ms
 * @cow_pages: pages a migration left in system memory because the CPU
 *	maps them read-only, copy-on-write (drm_gpusvm_fill_chunk())
 * @fail_alloc: fault injection: chunk allocations to fail
 * @fail_copy: fault injection: copies and clears to fail
 */
struct drm_gpusvm_pool {
	struct device *dev;
	const struct drm_gpusvm_pool_ops *ops;
	void *owner;
	struct dev_pagemap pagemap;
	struct resource *res;
	unsigned long pfn_first;
	u64 size;
	u64 device_base;
	struct gpu_buddy *mm;
	struct mutex *mm_lock;	/* protects mm */
	unsigned long mm_flags;
	struct gpu_buddy buddy;
	struct mutex lock;	/* protects buddy */
	spinlock_t lru_lock;	/* protects lru */
	struct list_head lru;
	struct llist_head free_chunks;
	struct work_struct free_work;
	struct llist_head sparse_chunks;
	struct work_struct sparse_work;
	atomic_t chunks;
	atomic64_t used;
	atomic64_t blocks_used;
	atomic64_t evictions;
	atomic64_t evicted;
	atomic64_t evict_us;
	atomic64_t sparse_evictions;
	atomic64_t alloc_failures;
	atomic64_t copy_failures;
	atomic64_t unmovable;
	atomic64_t timeslice_refusals;
	atomic64_t cow_pages;
	struct fault_attr fail_alloc;
	struct fault_attr fail_copy;
};

/**
 * struct drm_gpusvm_pool_desc - what a pool is made of
 * @dev: the device that copies (DMA mappings are made for it)
 * @ops: the copy engine
 * @owner: the device-private page owner the driver passes in
 *	&drm_gpusvm_ctx.device_private_page_owner
 * @size: bytes of device memory, a multiple of 2 MiB; with @buddy, its
 *	size
 * @device_base: the device address of offset 0, for the GPU's page
 *	tables (&drm_gpusvm_pool.device_base)
 * @buddy: the driver's allocator over the device memory, shared with its
 *	other users (a TTM manager, say), or NULL for one of the pool's own
 * @buddy_lock: the driver's lock for @buddy, held only around allocator
 *	calls (a leaf, rule R7); with @buddy only
 * @buddy_flags: GPU_BUDDY_* flags for chunk allocations from @buddy
 *	(GPU_BUDDY_TOPDOWN_ALLOCATION keeps chunks away from the low end,
 *	say)
 */
struct drm_gpusvm_pool_desc {
	struct device *dev;
	const struct drm_gpusvm_pool_ops *ops;
	void *owner;
	u64 size;
	u64 device_base;
	struct gpu_buddy *buddy;
	struct mutex *buddy_lock;	/* protects buddy */
	unsigned long buddy_flags;
};

int drm_gpusvm_pool_create(struct drm_gpusvm_pool *pool,
			   const struct drm_gpusvm_pool_desc *desc);
int drm_gpusvm_pool_init(struct drm_gpusvm_pool *pool, struct device *dev,
			 u64 size, const struct drm_gpusvm_pool_ops *ops,
			 void *owner);
void drm_gpusvm_pool_fini(struct drm_gpusvm_pool *pool);
void drm_gpusvm_pool_flush(struct drm_gpusvm_pool *pool);
u64 drm_gpusvm_pool_evict(struct drm_gpusvm_pool *pool, u64 bytes);
int drm_gpusvm_pool_alloc_blocks(struct drm_gpusvm_pool *pool, u64 size,
				 struct list_head *blocks);
void drm_gpusvm_pool_free_blocks(struct drm_gpusvm_pool *pool,
				 struct list_head *blocks);
void drm_gpusvm_pool_debugfs_init(struct drm_gpusvm_pool *pool,
				  struct dentry *root);

/**
 * drm_gpusvm_pool_offset() - device offset of a device-page address
 * @pool: the pool
 * @addr: a &drm_pagemap_addr.addr of protocol DRM_INTERCONNECT_DRIVER, as
 *	drm_gpusvm_get_pages() fills them for @pool's pages
 *
 * Return: the byte offset into @pool's device memory.
 */
static inline u64 drm_gpusvm_pool_offset(const struct drm_gpusvm_pool *pool,
					 dma_addr_t addr)
{
	return addr - pool->device_base;
}

/**
 * drm_gpusvm_pool_addr() - device address of a device offset
 * @pool: the pool
 * @offset: a byte offset into @pool's device memory (of a block from
 *	drm_gpusvm_pool_alloc_blocks(), say)
 *
 * The device address is what the GPU's page tables name (&struct
 * drm_gpusvm_pool_desc.device_base plus @offset), so that a driver writes
 * the DRM_INTERCONNECT_DRIVER entries of drm_gpusvm_get_pages() into its
 * PTEs as they are, and maps its own blocks the same way. The inverse of
 * drm_gpusvm_pool_offset().
 *
 * Return: the &drm_pagemap_addr.addr, protocol DRM_INTERCONNECT_DRIVER, of
 * @offset.
 */
static inline dma_addr_t drm_gpusvm_pool_addr(const struct drm_gpusvm_pool *pool,
					      u64 offset)
{
	return pool->device_base + offset;
}

/**
 * drm_gpusvm_pool_page() - the device page at a device address
 * @pool: the pool
 * @addr: a device address of @pool's (drm_gpusvm_pool_addr())
 *
 * Return: the MEMORY_DEVICE_PRIVATE page standing for the device memory
 * at @addr.
 */
static inline struct page *drm_gpusvm_pool_page(const struct drm_gpusvm_pool *pool,
						dma_addr_t addr)
{
	return pfn_to_page(pool->pfn_first +
			   (drm_gpusvm_pool_offset(pool, addr) >> PAGE_SHIFT));
}

int drm_gpusvm_range_migrate_to_devmem(struct drm_gpusvm *gpusvm,
				       struct drm_gpusvm_range *range,
				       struct drm_gpusvm_pool *pool,
				       const struct drm_gpusvm_ctx *ctx);
int drm_gpusvm_range_devmem_lock(struct drm_gpusvm *gpusvm,
				 struct drm_gpusvm_range *range);
void drm_gpusvm_range_devmem_unlock(struct drm_gpusvm *gpusvm,
				    struct drm_gpusvm_range *range);

#endif /* __DRM_GPUSVM_DEVMEM_H__ */
