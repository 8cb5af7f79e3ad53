/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * GPU shared virtual memory: mirror a process address space into a GPU VM.
 *
 * This is the xe-svm project's implementation of the drm_gpusvm interface.
 * It keeps the interface of Linux 7.2 that the Xe driver calls; see
 * Documentation/gpu/rfc/gpusvm-pagelock.rst for the design.
 */

#ifndef __DRM_GPUSVM_H__
#define __DRM_GPUSVM_H__

#include <linux/dma-mapping.h>
#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/lockdep.h>
#include <linux/mmu_notifier.h>
#include <linux/rwsem.h>

struct dev_pagemap;
struct dev_pagemap_ops;
struct drm_device;
struct drm_gpusvm;
struct drm_gpusvm_fault;
struct drm_gpusvm_notifier;
struct drm_gpusvm_ops;
struct drm_gpusvm_owner;
struct drm_gpusvm_pool;
struct drm_gpusvm_range;
struct drm_pagemap;
struct drm_pagemap_addr;

/**
 * struct drm_gpusvm_ops - driver callbacks of a GPU SVM
 * @notifier_alloc: allocate a zeroed notifier (optional; default kzalloc)
 * @notifier_free: free a notifier (optional; default kfree)
 * @range_alloc: allocate a zeroed range, usually embedded in a driver
 *	structure (optional; default kzalloc)
 * @range_free: free a range once its last reference is gone (optional;
 *	default kfree)
 * @invalidate: zap the GPU mappings of @mmu_range within @notifier. Called
 *	from the MMU interval notifier with &drm_gpusvm.notifier_lock held for
 *	write. It must not sleep on a page lock, allocate with GFP_KERNEL or
 *	take a lock that is held around memory allocation.
 * @fault_placement: the device memory @range should move into before it
 *	is mapped, or NULL to map its pages where they are (optional; NULL
 *	means never migrate). Called by drm_gpusvm_fault() for writable
 *	ranges, with the driver lock held.
 * @fault_prepare: allocate, stage or wait for what committing @range
 *	needs (page-table directories, entries staged from
 *	@range->pages.dma_addr, an idle bind queue), after every successful
 *	get of its pages and before the commit section (optional). Driver
 *	lock held, no lock of the engine: may sleep and allocate, and may
 *	take the notifier lock for read to read the pages. Return: 0;
 *	-EAGAIN to get the pages and try again (one more attempt against the
 *	driver's patience); another negative errno fails the fault. A
 *	prepare that fails holds nothing (@fault_finish is not called).
 * @fault_finish: release what @fault_prepare took (the locks the commit
 *	needed, a staged update the commit did not use), once after every
 *	successful @fault_prepare, when the attempt is over (optional). @err
 *	is 0 if the commit happened, else why not: -EAGAIN when the pages
 *	went stale or a device folio was busy, or @fault_commit's errno. No
 *	lock of the engine held.
 * @fault_commit: write the GPU PTEs of @range for @range->pages.dma_addr.
 *	Called by drm_gpusvm_fault() with the notifier lock held for read,
 *	after the sequence check (R1) and with the device folios of newly got
 *	pages locked and recording this GPU SVM (R2; pages committed before
 *	and not invalidated since keep their records): must not sleep on
 *	memory or allocate (R4). Return: 0; -EAGAIN to get the pages and try
 *	again (one more attempt against the driver's patience); another
 *	negative errno fails the fault. Needed to call drm_gpusvm_fault().
 */
struct drm_gpusvm_ops {
	struct drm_gpusvm_notifier *(*notifier_alloc)(void);
	void (*notifier_free)(struct drm_gpusvm_notifier *notifier);
	struct drm_gpusvm_range *(*range_alloc)(struct drm_gpusvm *gpusvm);
	void (*range_free)(struct drm_gpusvm_range *range);
	void (*invalidate)(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_notifier *notifier,
			   const struct mmu_notifier_range *mmu_range);
	struct drm_gpusvm_pool *(*fault_placement)(struct drm_gpusvm *gpusvm,
						   struct drm_gpusvm_range *range,
						   const struct drm_gpusvm_fault *fault);
	int (*fault_prepare)(struct drm_gpusvm *gpusvm,
			     struct drm_gpusvm_range *range);
	void (*fault_finish)(struct drm_gpusvm *gpusvm,
			     struct drm_gpusvm_range *range, int err);
	int (*fault_commit)(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_range *range);
};

/**
 * struct drm_gpusvm_notifier - one MMU interval notifier of a GPU SVM
 * @gpusvm: owner
 * @notifier: the core-mm interval notifier covering [start, end)
 * @itree: node in &drm_gpusvm.root; start and last (inclusive) of the span
 * @entry: link in &drm_gpusvm.notifier_list, in address order
 * @root: interval tree of the ranges inside this notifier
 * @range_list: the same ranges in address order
 * @flags: state
 * @flags.removed: the interval notifier is no longer registered
 */
struct drm_gpusvm_notifier {
	struct drm_gpusvm *gpusvm;
	struct mmu_interval_notifier notifier;
	struct interval_tree_node itree;
	struct list_head entry;
	struct rb_root_cached root;
	struct list_head range_list;
	struct {
		u32 removed : 1;
	} flags;
};

/**
 * struct drm_gpusvm_pages_flags - state of a set of mirrored pages
 * @migrate_devmem: may be migrated to device memory (set at creation)
 * @unmapped: the CPU mapping is gone (MMU_NOTIFY_UNMAP seen)
 * @partial_unmap: only part of the CPU mapping is gone
 * @has_devmem_pages: the mapping holds device memory pages
 * @has_dma_mapping: @dma_addr of the pages holds live mappings
 * @has_devmem_refs: the device folios in @dma_addr are referenced, from
 *	drm_gpusvm_get_pages() until they are committed (rule R2)
 * @__flags: all of the above as one word, for READ_ONCE()/WRITE_ONCE()
 *
 * All but @migrate_devmem change only under &drm_gpusvm.notifier_lock.
 */
struct drm_gpusvm_pages_flags {
	union {
		struct {
			u16 migrate_devmem : 1;
			u16 unmapped : 1;
			u16 partial_unmap : 1;
			u16 has_devmem_pages : 1;
			u16 has_dma_mapping : 1;
			u16 has_devmem_refs : 1;
		};
		u16 __flags;
	};
};

/**
 * struct drm_gpusvm_pages - device mapping of a span of CPU pages
 * @dma_addr: one entry per CPU mapping chunk (PAGE_SIZE << order bytes),
 *	packed from the start of the span; NULL until the first get_pages
 * @dpagemap: the device memory owner of mapped device pages, referenced,
 *	or NULL (this engine's device pages leave it NULL: see @pool)
 * @pool: the pool of the mapped device pages (they all come from one), or
 *	NULL; their entries hold the pool's device addresses
 * @state: reserved for IOVA-based mappings; this implementation maps each
 *	chunk with dma_map_page() and leaves it unused
 * @state_offset: bytes of @state in use
 * @notifier_seq: interval notifier sequence the pages were collected at;
 *	LONG_MAX when never collected
 * @flags: state flags
 */
struct drm_gpusvm_pages {
	struct drm_pagemap_addr *dma_addr;
	struct drm_pagemap *dpagemap;
	struct drm_gpusvm_pool *pool;
	struct dma_iova_state state;
	unsigned long state_offset;
	unsigned long notifier_seq;
	struct drm_gpusvm_pages_flags flags;
};

/**
 * struct drm_gpusvm_range - a naturally aligned span of a GPU SVM
 * @gpusvm: owner
 * @notifier: the notifier the range lies in
 * @refcount: the notifier's range tree holds one reference until removal
 * @itree: node in &drm_gpusvm_notifier.root; start and last (inclusive)
 * @entry: link in &drm_gpusvm_notifier.range_list, in address order
 * @pages: the device mapping of the range
 * @bind_gen: generation of the last commit of device pages, 0 once zapped;
 *	a page record carrying another generation is stale (notifier lock)
 * @migrated: jiffies of the last migration to device memory
 */
struct drm_gpusvm_range {
	struct drm_gpusvm *gpusvm;
	struct drm_gpusvm_notifier *notifier;
	struct kref refcount;
	struct interval_tree_node itree;
	struct list_head entry;
	struct drm_gpusvm_pages pages;
	u64 bind_gen;
	unsigned long migrated;
};

/**
 * struct drm_gpusvm - GPU shared virtual memory of one GPU VM
 * @name: name for debugging
 * @drm: the DRM device; its parent device does the DMA mapping
 * @mm: the mirrored address space (grabbed), or NULL for a pages-only
 *	instance that just maps &drm_gpusvm_pages
 * @mm_start: lowest address that may fault
 * @mm_range: size of the span that may fault
 * @notifier_size: span of one interval notifier, a power of two
 * @ops: driver callbacks
 * @chunk_sizes: candidate range sizes, powers of two, largest first,
 *	the last being PAGE_SIZE
 * @num_chunks: entries in @chunk_sizes
 * @notifier_lock: the pagetable lock. Held for write by invalidation, for
 *	read while a driver commits GPU page-table entries for pages it got
 *	from drm_gpusvm_range_get_pages()
 * @root: interval tree of notifiers
 * @notifier_list: notifiers in address order
 * @lock_dep_map: the driver lock that serialises range insertion and
 *	removal, for lockdep assertions (see drm_gpusvm_driver_set_lock())
 * @owner: the handle device-page records name this GPU SVM by
 */
struct drm_gpusvm {
	const char *name;
	struct drm_device *drm;
	struct mm_struct *mm;
	unsigned long mm_start;
	unsigned long mm_range;
	unsigned long notifier_size;
	const struct drm_gpusvm_ops *ops;
	const unsigned long *chunk_sizes;
	int num_chunks;
	struct rw_semaphore notifier_lock;
	struct rb_root_cached root;
	struct list_head notifier_list;
#ifdef CONFIG_LOCKDEP
	struct lockdep_map *lock_dep_map;
#endif
	struct drm_gpusvm_owner *owner;
};

/**
 * struct drm_gpusvm_ctx - arguments of one GPU SVM operation
 * @device_private_page_owner: owner cookie of the device-private pages the
 *	caller can map directly (hmm_range_fault()'s dev_private_owner)
 * @check_pages_threshold: ranges of this size or smaller are created only
 *	over CPU pages that are all present
 * @timeslice_ms: minimum residency after a migration, against ping-pong
 * @in_notifier: called from &drm_gpusvm_ops.invalidate, notifier lock held
 *	for write
 * @read_only: the GPU needs read access only
 * @devmem_possible: new ranges may migrate to device memory
 * @devmem_only: fail unless every page is device memory
 * @allow_mixed: system and device pages may be mixed in one mapping
 */
struct drm_gpusvm_ctx {
	void *device_private_page_owner;
	unsigned long check_pages_threshold;
	unsigned long timeslice_ms;
	unsigned int in_notifier :1;
	unsigned int read_only :1;
	unsigned int devmem_possible :1;
	unsigned int devmem_only :1;
	unsigned int allow_mixed :1;
};

/**
 * struct drm_gpusvm_fault - one GPU fault or prefetch for drm_gpusvm_fault()
 * @addr: the faulting address (CPU and GPU address alike)
 * @gpuva_start: start of the GPU VMA mirroring the CPU around @addr
 * @gpuva_end: its end (exclusive); ranges never cross either bound
 * @device_private_page_owner: owner cookie of the device-private pages
 *	the GPU can map directly; others migrate back to system memory
 * @timeslice_ms: minimum residency after a migration, against ping-pong,
 *	on both sides (0: none)
 * @patience: jiffies; the fault is given up only once its get-pages and
 *	commit attempts have failed for this long and @retries times
 * @retries: see @patience
 * @backoff_us: after a device folio was found locked elsewhere, wait
 *	this long, doubling with each attempt up to 64 times (0: no wait)
 * @write: the GPU writes
 * @devmem_possible: new ranges may migrate to device memory
 * @to_sysmem: bring the range's device pages back to system memory first
 *	(a prefetch to system memory); no &drm_gpusvm_ops.fault_placement
 * @range: result: the committed range, valid while the driver lock is held
 * @migrate_us: result: microseconds the migration into device memory
 *	took, or -1 if there was none
 */
struct drm_gpusvm_fault {
	unsigned long addr;
	unsigned long gpuva_start;
	unsigned long gpuva_end;
	void *device_private_page_owner;
	unsigned long timeslice_ms;
	unsigned long patience;
	unsigned int retries;
	unsigned int backoff_us;
	unsigned int write :1;
	unsigned int devmem_possible :1;
	unsigned int to_sysmem :1;
	struct drm_gpusvm_range *range;
	s64 migrate_us;
};

int drm_gpusvm_init(struct drm_gpusvm *gpusvm,
		    const char *name, struct drm_device *drm,
		    struct mm_struct *mm,
		    unsigned long mm_start, unsigned long mm_range,
		    unsigned long notifier_size,
		    const struct drm_gpusvm_ops *ops,
		    const unsigned long *chunk_sizes, int num_chunks);

void drm_gpusvm_fini(struct drm_gpusvm *gpusvm);

unsigned long
drm_gpusvm_find_vma_start(struct drm_gpusvm *gpusvm,
			  unsigned long start,
			  unsigned long end);

struct drm_gpusvm_range *
drm_gpusvm_range_find_or_insert(struct drm_gpusvm *gpusvm,
				unsigned long fault_addr,
				unsigned long gpuva_start,
				unsigned long gpuva_end,
				const struct drm_gpusvm_ctx *ctx);

void drm_gpusvm_range_remove(struct drm_gpusvm *gpusvm,
			     struct drm_gpusvm_range *range);

int drm_gpusvm_range_evict(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_range *range);

struct drm_gpusvm_range *
drm_gpusvm_range_get(struct drm_gpusvm_range *range);

void drm_gpusvm_range_put(struct drm_gpusvm_range *range);

bool drm_gpusvm_range_pages_valid(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range);

int drm_gpusvm_range_get_pages(struct drm_gpusvm *gpusvm,
			       struct drm_gpusvm_range *range,
			       const struct drm_gpusvm_ctx *ctx);

void drm_gpusvm_range_unmap_pages(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range,
				  const struct drm_gpusvm_ctx *ctx);

bool drm_gpusvm_has_mapping(struct drm_gpusvm *gpusvm, unsigned long start,
			    unsigned long end);

struct drm_gpusvm_notifier *
drm_gpusvm_notifier_find(struct drm_gpusvm *gpusvm, unsigned long start,
			 unsigned long end);

struct drm_gpusvm_range *
drm_gpusvm_range_find(struct drm_gpusvm_notifier *notifier, unsigned long start,
		      unsigned long end);

void drm_gpusvm_range_set_unmapped(struct drm_gpusvm_range *range,
				   const struct mmu_notifier_range *mmu_range);

int drm_gpusvm_get_pages(struct drm_gpusvm *gpusvm,
			 struct drm_gpusvm_pages *svm_pages,
			 struct mm_struct *mm,
			 struct mmu_interval_notifier *notifier,
			 unsigned long pages_start, unsigned long pages_end,
			 const struct drm_gpusvm_ctx *ctx);

void drm_gpusvm_unmap_pages(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages,
			    unsigned long npages,
			    const struct drm_gpusvm_ctx *ctx);

void drm_gpusvm_free_pages(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_pages *svm_pages,
			   unsigned long npages);

/**
 * enum drm_gpusvm_scan_result - where the pages of a range live
 * @DRM_GPUSVM_SCAN_UNPOPULATED: at least one page is not present
 * @DRM_GPUSVM_SCAN_EQUAL: all pages are device pages of the given pagemap
 * @DRM_GPUSVM_SCAN_OTHER: all pages are device pages of one other pagemap
 * @DRM_GPUSVM_SCAN_SYSTEM: all pages are system pages
 * @DRM_GPUSVM_SCAN_MIXED_DEVICE: device pages of more than one pagemap
 * @DRM_GPUSVM_SCAN_MIXED: system and device pages
 */
enum drm_gpusvm_scan_result {
	DRM_GPUSVM_SCAN_UNPOPULATED,
	DRM_GPUSVM_SCAN_EQUAL,
	DRM_GPUSVM_SCAN_OTHER,
	DRM_GPUSVM_SCAN_SYSTEM,
	DRM_GPUSVM_SCAN_MIXED_DEVICE,
	DRM_GPUSVM_SCAN_MIXED,
};

/* With CONFIG_DEVICE_PRIVATE (drm_gpusvm_fault.c). */
int drm_gpusvm_fault(struct drm_gpusvm *gpusvm, struct drm_gpusvm_fault *fault);

enum drm_gpusvm_scan_result drm_gpusvm_scan_mm(struct drm_gpusvm_range *range,
					       void *dev_private_owner,
					       const struct dev_pagemap *pagemap);

#ifdef CONFIG_LOCKDEP
/**
 * drm_gpusvm_driver_set_lock() - name the driver lock that serialises range
 *	insertion and removal, so that lockdep can check it is held
 * @gpusvm: the GPU SVM
 * @lock: the lock (any lock type with a dep_map); set at most once
 */
#define drm_gpusvm_driver_set_lock(gpusvm, lock) \
	do { \
		if (!WARN((gpusvm)->lock_dep_map, \
			  "GPUSVM driver lock already set")) \
			(gpusvm)->lock_dep_map = &(lock)->dep_map; \
	} while (0)
#else
#define drm_gpusvm_driver_set_lock(gpusvm, lock) \
	do { (void)(gpusvm); (void)(lock); } while (0)
#endif

/**
 * drm_gpusvm_notifier_lock() - take the pagetable lock for reading
 * @gpusvm__: the GPU SVM
 */
#define drm_gpusvm_notifier_lock(gpusvm__) \
	down_read(&(gpusvm__)->notifier_lock)

/**
 * drm_gpusvm_notifier_unlock() - release the pagetable lock taken for reading
 * @gpusvm__: the GPU SVM
 */
#define drm_gpusvm_notifier_unlock(gpusvm__) \
	up_read(&(gpusvm__)->notifier_lock)

/**
 * drm_gpusvm_range_start() - first address of a range
 * @range: the range
 *
 * Return: the start address.
 */
static inline unsigned long
drm_gpusvm_range_start(struct drm_gpusvm_range *range)
{
	return range->itree.start;
}

/**
 * drm_gpusvm_range_end() - address just past a range
 * @range: the range
 *
 * Return: the end address (exclusive).
 */
static inline unsigned long
drm_gpusvm_range_end(struct drm_gpusvm_range *range)
{
	return range->itree.last + 1;
}

/**
 * drm_gpusvm_range_size() - size of a range
 * @range: the range
 *
 * Return: the size in bytes.
 */
static inline unsigned long
drm_gpusvm_range_size(struct drm_gpusvm_range *range)
{
	return drm_gpusvm_range_end(range) - drm_gpusvm_range_start(range);
}

/**
 * drm_gpusvm_notifier_start() - first address of a notifier
 * @notifier: the notifier
 *
 * Return: the start address.
 */
static inline unsigned long
drm_gpusvm_notifier_start(struct drm_gpusvm_notifier *notifier)
{
	return notifier->itree.start;
}

/**
 * drm_gpusvm_notifier_end() - address just past a notifier
 * @notifier: the notifier
 *
 * Return: the end address (exclusive).
 */
static inline unsigned long
drm_gpusvm_notifier_end(struct drm_gpusvm_notifier *notifier)
{
	return notifier->itree.last + 1;
}

/**
 * drm_gpusvm_notifier_size() - span of a notifier
 * @notifier: the notifier
 *
 * Return: the size in bytes.
 */
static inline unsigned long
drm_gpusvm_notifier_size(struct drm_gpusvm_notifier *notifier)
{
	return drm_gpusvm_notifier_end(notifier) -
		drm_gpusvm_notifier_start(notifier);
}

/**
 * __drm_gpusvm_range_next() - the next range of the same notifier
 * @range: a range, or NULL
 *
 * Return: the next range in address order, or NULL.
 */
static inline struct drm_gpusvm_range *
__drm_gpusvm_range_next(struct drm_gpusvm_range *range)
{
	if (!range || list_is_last(&range->entry, &range->notifier->range_list))
		return NULL;
	return list_next_entry(range, entry);
}

/**
 * __drm_gpusvm_notifier_next() - the next notifier of the same GPU SVM
 * @notifier: a notifier, or NULL
 *
 * Return: the next notifier in address order, or NULL.
 */
static inline struct drm_gpusvm_notifier *
__drm_gpusvm_notifier_next(struct drm_gpusvm_notifier *notifier)
{
	if (!notifier ||
	    list_is_last(&notifier->entry, &notifier->gpusvm->notifier_list))
		return NULL;
	return list_next_entry(notifier, entry);
}

/**
 * drm_gpusvm_for_each_range() - walk the ranges of a notifier in [start, end)
 * @range__: cursor; if already non-NULL, the walk starts from it
 * @notifier__: the notifier
 * @start__: start of the span
 * @end__: end of the span (exclusive)
 *
 * The body must not remove the cursor; see drm_gpusvm_for_each_range_safe().
 */
#define drm_gpusvm_for_each_range(range__, notifier__, start__, end__) \
	for ((range__) = (range__) ?: \
		drm_gpusvm_range_find((notifier__), (start__), (end__)); \
	     (range__) && (drm_gpusvm_range_start(range__) < (end__)); \
	     (range__) = __drm_gpusvm_range_next(range__))

/**
 * drm_gpusvm_for_each_range_safe() - walk ranges; the body may remove them
 * @range__: cursor
 * @next__: lookahead cursor
 * @notifier__: the notifier
 * @start__: start of the span
 * @end__: end of the span (exclusive)
 */
#define drm_gpusvm_for_each_range_safe(range__, next__, notifier__, start__, end__) \
	for ((range__) = drm_gpusvm_range_find((notifier__), (start__), (end__)), \
	     (next__) = __drm_gpusvm_range_next(range__); \
	     (range__) && (drm_gpusvm_range_start(range__) < (end__)); \
	     (range__) = (next__), (next__) = __drm_gpusvm_range_next(range__))

/**
 * drm_gpusvm_for_each_notifier() - walk the notifiers overlapping [start, end)
 * @notifier__: cursor
 * @gpusvm__: the GPU SVM
 * @start__: start of the span
 * @end__: end of the span (exclusive)
 */
#define drm_gpusvm_for_each_notifier(notifier__, gpusvm__, start__, end__) \
	for ((notifier__) = drm_gpusvm_notifier_find((gpusvm__), (start__), (end__)); \
	     (notifier__) && (drm_gpusvm_notifier_start(notifier__) < (end__)); \
	     (notifier__) = __drm_gpusvm_notifier_next(notifier__))

/**
 * drm_gpusvm_for_each_notifier_safe() - walk notifiers; the body may remove
 *	them
 * @notifier__: cursor
 * @next__: lookahead cursor
 * @gpusvm__: the GPU SVM
 * @start__: start of the span
 * @end__: end of the span (exclusive)
 */
#define drm_gpusvm_for_each_notifier_safe(notifier__, next__, gpusvm__, start__, end__) \
	for ((notifier__) = drm_gpusvm_notifier_find((gpusvm__), (start__), (end__)), \
	     (next__) = __drm_gpusvm_notifier_next(notifier__); \
	     (notifier__) && (drm_gpusvm_notifier_start(notifier__) < (end__)); \
	     (notifier__) = (next__), (next__) = __drm_gpusvm_notifier_next(notifier__))

#endif /* __DRM_GPUSVM_H__ */
