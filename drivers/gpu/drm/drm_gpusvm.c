// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * GPU shared virtual memory: the range and notifier core.
 *
 * A &struct drm_gpusvm mirrors one process address space into one GPU VM.
 * The address space is cut into interval notifiers of a fixed, power-of-two
 * span, created on demand by GPU faults; each notifier holds the ranges
 * created inside it. A range is a naturally aligned power-of-two span (one
 * of the driver's chunk sizes, e.g. 2M, 64K, 4K) that fits the CPU VMA, the
 * notifier and the GPU VMA of the fault. Its pages are collected with
 * hmm_range_fault() and mapped for the device; the driver commits GPU PTEs
 * for them only under the notifier lock, after the interval notifier
 * sequence check says no invalidation ran in between.
 *
 * Locking:
 *
 * - The driver lock (named with drm_gpusvm_driver_set_lock()) serialises
 *   range and notifier insertion and removal.
 * - &drm_gpusvm.notifier_lock is the pagetable lock. Invalidation holds it
 *   for write while it calls &drm_gpusvm_ops.invalidate. Tree changes and
 *   DMA (un)mapping hold it for read, which excludes invalidation; the
 *   driver holds it for read while it commits GPU PTEs.
 * - Order: driver lock -> mmap_lock -> notifier_lock. Nothing allocates
 *   with GFP_KERNEL or waits for the mm under notifier_lock, and
 *   mmu_interval_notifier_remove() is never called with it held.
 *
 * See Documentation/gpu/rfc/gpusvm-pagelock.rst.
 */

#include <linux/hmm.h>
#include <linux/hugetlb.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_device.h>
#include <drm/drm_gpusvm.h>
#include <drm/drm_pagemap.h>

#include "drm_gpusvm_internal.h"

/**
 * drm_gpusvm_init() - initialise a GPU SVM
 * @gpusvm: the GPU SVM to initialise
 * @name: name for debugging
 * @drm: the DRM device
 * @mm: the address space to mirror, or NULL for a pages-only instance used
 *	just to map &struct drm_gpusvm_pages (then @ops, @chunk_sizes,
 *	@mm_range and @notifier_size must be zero)
 * @mm_start: lowest address that may fault
 * @mm_range: size of the span that may fault
 * @notifier_size: span of one interval notifier, a power of two
 * @ops: driver callbacks; &drm_gpusvm_ops.invalidate is required with @mm
 * @chunk_sizes: range sizes, powers of two, largest first, PAGE_SIZE last
 * @num_chunks: entries in @chunk_sizes
 *
 * A full instance grabs @mm until drm_gpusvm_fini().
 *
 * Return: 0, or -EINVAL for inconsistent arguments.
 */
int drm_gpusvm_init(struct drm_gpusvm *gpusvm,
		    const char *name, struct drm_device *drm,
		    struct mm_struct *mm,
		    unsigned long mm_start, unsigned long mm_range,
		    unsigned long notifier_size,
		    const struct drm_gpusvm_ops *ops,
		    const unsigned long *chunk_sizes, int num_chunks)
{
	int err;

	if (mm) {
		if (!ops || !ops->invalidate || !chunk_sizes || num_chunks <= 0 ||
		    !is_power_of_2(notifier_size) ||
		    chunk_sizes[num_chunks - 1] != PAGE_SIZE)
			return -EINVAL;
		err = drm_gpusvm_owner_create(gpusvm);
		if (err)
			return err;
		mmgrab(mm);
	} else if (ops || num_chunks || mm_range || notifier_size) {
		return -EINVAL;
	}
	if (!mm)
		gpusvm->owner = NULL;

	gpusvm->name = name;
	gpusvm->drm = drm;
	gpusvm->mm = mm;
	gpusvm->mm_start = mm_start;
	gpusvm->mm_range = mm_range;
	gpusvm->notifier_size = notifier_size;
	gpusvm->ops = ops;
	gpusvm->chunk_sizes = chunk_sizes;
	gpusvm->num_chunks = num_chunks;
	init_rwsem(&gpusvm->notifier_lock);
	gpusvm->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&gpusvm->notifier_list);
#ifdef CONFIG_LOCKDEP
	gpusvm->lock_dep_map = NULL;
#endif

	/*
	 * Invalidation runs in reclaim and takes the notifier lock: teach
	 * lockdep now that nothing may allocate memory while holding it.
	 */
	fs_reclaim_acquire(GFP_KERNEL);
	might_lock(&gpusvm->notifier_lock);
	fs_reclaim_release(GFP_KERNEL);

	return 0;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_init);

/**
 * drm_gpusvm_notifier_find() - the first notifier overlapping [start, end)
 * @gpusvm: the GPU SVM
 * @start: start of the span
 * @end: end of the span (exclusive)
 *
 * Caller holds the driver lock or the notifier lock.
 *
 * Return: the lowest notifier overlapping the span, or NULL.
 */
struct drm_gpusvm_notifier *
drm_gpusvm_notifier_find(struct drm_gpusvm *gpusvm, unsigned long start,
			 unsigned long end)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&gpusvm->root, start, end - 1);
	return node ? container_of(node, struct drm_gpusvm_notifier, itree) : NULL;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_notifier_find);

/**
 * drm_gpusvm_range_find() - the first range of a notifier overlapping
 *	[start, end)
 * @notifier: the notifier
 * @start: start of the span
 * @end: end of the span (exclusive)
 *
 * Caller holds the driver lock or the notifier lock.
 *
 * Return: the lowest range overlapping the span, or NULL.
 */
struct drm_gpusvm_range *
drm_gpusvm_range_find(struct drm_gpusvm_notifier *notifier, unsigned long start,
		      unsigned long end)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&notifier->root, start, end - 1);
	return node ? container_of(node, struct drm_gpusvm_range, itree) : NULL;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_find);

static void drm_gpusvm_range_link(struct drm_gpusvm_notifier *notifier,
				  struct drm_gpusvm_range *range)
{
	struct rb_node *prev;

	interval_tree_insert(&range->itree, &notifier->root);
	prev = rb_prev(&range->itree.rb);
	if (prev)
		list_add(&range->entry,
			 &container_of(prev, struct drm_gpusvm_range, itree.rb)->entry);
	else
		list_add(&range->entry, &notifier->range_list);
}

static void drm_gpusvm_notifier_link(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_notifier *notifier)
{
	struct rb_node *prev;

	interval_tree_insert(&notifier->itree, &gpusvm->root);
	prev = rb_prev(&notifier->itree.rb);
	if (prev)
		list_add(&notifier->entry,
			 &container_of(prev, struct drm_gpusvm_notifier, itree.rb)->entry);
	else
		list_add(&notifier->entry, &gpusvm->notifier_list);
}

static bool drm_gpusvm_notifier_invalidate(struct mmu_interval_notifier *mni,
					   const struct mmu_notifier_range *mmu_range,
					   unsigned long cur_seq)
{
	struct drm_gpusvm_notifier *notifier =
		container_of(mni, struct drm_gpusvm_notifier, notifier);
	struct drm_gpusvm *gpusvm = notifier->gpusvm;
	struct drm_gpusvm_range *range = NULL;

	if (!mmu_notifier_range_blockable(mmu_range))
		return false;

	/*
	 * Every event, our own migrations included, bumps the sequence and
	 * zaps: a page collected before this point may already be gone.
	 */
	down_write(&gpusvm->notifier_lock);
	mmu_interval_set_seq(mni, cur_seq);
	gpusvm->ops->invalidate(gpusvm, notifier, mmu_range);
	/* Zapped: the records of their device pages are stale now. */
	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end)
		range->bind_gen = 0;
	up_write(&gpusvm->notifier_lock);

	return true;
}

static const struct mmu_interval_notifier_ops drm_gpusvm_notifier_ops = {
	.invalidate = drm_gpusvm_notifier_invalidate,
};

static struct drm_gpusvm_notifier *
drm_gpusvm_notifier_alloc(struct drm_gpusvm *gpusvm, unsigned long addr)
{
	struct drm_gpusvm_notifier *notifier;

	if (gpusvm->ops->notifier_alloc)
		notifier = gpusvm->ops->notifier_alloc();
	else
		notifier = kzalloc_obj(*notifier);
	if (!notifier)
		return NULL;

	notifier->gpusvm = gpusvm;
	notifier->itree.start = ALIGN_DOWN(addr, gpusvm->notifier_size);
	notifier->itree.last = notifier->itree.start + gpusvm->notifier_size - 1;
	INIT_LIST_HEAD(&notifier->entry);
	notifier->root = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&notifier->range_list);

	return notifier;
}

static void drm_gpusvm_notifier_free(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_notifier *notifier)
{
	WARN_ON(!RB_EMPTY_ROOT(&notifier->root.rb_root));

	if (gpusvm->ops->notifier_free)
		gpusvm->ops->notifier_free(notifier);
	else
		kfree(notifier);
}

/*
 * Drop an empty notifier: unregister it (outside the notifier lock, since
 * unregistering waits for running invalidations), unlink and free it.
 */
static void drm_gpusvm_notifier_remove(struct drm_gpusvm *gpusvm,
				       struct drm_gpusvm_notifier *notifier)
{
	if (!notifier->flags.removed) {
		mmu_interval_notifier_remove(&notifier->notifier);
		notifier->flags.removed = true;
	}
	interval_tree_remove(&notifier->itree, &gpusvm->root);
	list_del(&notifier->entry);
	drm_gpusvm_notifier_free(gpusvm, notifier);
}

/**
 * drm_gpusvm_fini() - tear down a GPU SVM
 * @gpusvm: the GPU SVM
 *
 * Unregisters every notifier and removes every range, then drops the mm.
 * Caller holds the driver lock, if one was named.
 */
void drm_gpusvm_fini(struct drm_gpusvm *gpusvm)
{
	struct drm_gpusvm_notifier *notifier, *next;

	drm_gpusvm_for_each_notifier_safe(notifier, next, gpusvm, 0, LONG_MAX) {
		struct drm_gpusvm_range *range, *rnext;

		/* Stop invalidations first: the ranges go away below. */
		mmu_interval_notifier_remove(&notifier->notifier);
		notifier->flags.removed = true;

		drm_gpusvm_for_each_range_safe(range, rnext, notifier, 0, LONG_MAX)
			drm_gpusvm_range_remove(gpusvm, range);
	}

	if (gpusvm->mm)
		mmdrop(gpusvm->mm);
	drm_gpusvm_owner_destroy(gpusvm);
	WARN_ON(!RB_EMPTY_ROOT(&gpusvm->root.rb_root));
}
EXPORT_SYMBOL_GPL(drm_gpusvm_fini);

/**
 * drm_gpusvm_find_vma_start() - start of the first CPU VMA in [start, end)
 * @gpusvm: the GPU SVM
 * @start: start of the span
 * @end: end of the span (exclusive)
 *
 * Return: the start of the first VMA intersecting the span, or ULONG_MAX if
 * there is none or the address space is gone.
 */
unsigned long
drm_gpusvm_find_vma_start(struct drm_gpusvm *gpusvm,
			  unsigned long start,
			  unsigned long end)
{
	struct mm_struct *mm = gpusvm->mm;
	struct vm_area_struct *vma;
	unsigned long addr = ULONG_MAX;

	if (!mmget_not_zero(mm))
		return ULONG_MAX;

	mmap_read_lock(mm);
	vma = find_vma_intersection(mm, start, end);
	if (vma)
		addr = vma->vm_start;
	mmap_read_unlock(mm);
	mmput(mm);

	return addr;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_find_vma_start);

/*
 * Are all pages of [start, end) present in the CPU page tables? A
 * non-faulting walk; device pages of @owner count as present.
 */
static bool drm_gpusvm_pages_present(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_notifier *notifier,
				     unsigned long start, unsigned long end,
				     void *owner)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	unsigned long timeout =
		jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct hmm_range hmm_range = {
		.notifier = &notifier->notifier,
		.start = start,
		.end = end,
		.dev_private_owner = owner,
	};
	unsigned long *pfns, i;
	bool present = false;
	int err;

	pfns = kvmalloc_array(npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return false;
	hmm_range.hmm_pfns = pfns;

	do {
		hmm_range.notifier_seq = mmu_interval_read_begin(&notifier->notifier);
		err = hmm_range_fault(&hmm_range);
	} while (err == -EBUSY && time_before(jiffies, timeout));
	if (err)
		goto out;

	for (i = 0; i < npages; i++)
		if (!(pfns[i] & HMM_PFN_VALID))
			goto out;
	present = true;
out:
	kvfree(pfns);
	return present;
}

/*
 * Size of the range to create for a fault at @addr: the largest chunk size
 * whose naturally aligned block around @addr lies inside the CPU VMA, the
 * notifier and [@gpuva_start, @gpuva_end), overlaps no existing range, and,
 * if it is no larger than the check threshold, has all its CPU pages
 * present. The smallest chunk (PAGE_SIZE) needs only to fit. Called with
 * mmap_lock held for read.
 *
 * Return: the size, or 0 if not even a page fits.
 */
static unsigned long
drm_gpusvm_range_chunk_size(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_notifier *notifier,
			    struct vm_area_struct *vma,
			    unsigned long addr,
			    unsigned long gpuva_start, unsigned long gpuva_end,
			    const struct drm_gpusvm_ctx *ctx)
{
	unsigned long lo = max3(vma->vm_start, gpuva_start,
				drm_gpusvm_notifier_start(notifier));
	unsigned long hi = min3(vma->vm_end, gpuva_end,
				drm_gpusvm_notifier_end(notifier));
	int i;

	for (i = 0; i < gpusvm->num_chunks; i++) {
		unsigned long size = gpusvm->chunk_sizes[i];
		unsigned long start = ALIGN_DOWN(addr, size);
		unsigned long end = start + size;

		if (start < lo || end > hi)
			continue;
		if (size == PAGE_SIZE)
			return size;
		if (drm_gpusvm_range_find(notifier, start, end))
			continue;
		if (size <= ctx->check_pages_threshold &&
		    !drm_gpusvm_pages_present(gpusvm, notifier, start, end,
					      ctx->device_private_page_owner))
			continue;
		return size;
	}

	return 0;
}

static struct drm_gpusvm_range *
drm_gpusvm_range_alloc(struct drm_gpusvm *gpusvm,
		       struct drm_gpusvm_notifier *notifier,
		       unsigned long start, unsigned long size,
		       bool migrate_devmem)
{
	struct drm_gpusvm_range *range;

	if (gpusvm->ops->range_alloc)
		range = gpusvm->ops->range_alloc(gpusvm);
	else
		range = kzalloc_obj(*range);
	if (!range)
		return NULL;

	kref_init(&range->refcount);
	range->gpusvm = gpusvm;
	range->notifier = notifier;
	range->itree.start = start;
	range->itree.last = start + size - 1;
	INIT_LIST_HEAD(&range->entry);
	range->pages.notifier_seq = LONG_MAX;
	range->pages.flags.migrate_devmem = migrate_devmem;

	return range;
}

/**
 * drm_gpusvm_range_find_or_insert() - the range serving a GPU fault
 * @gpusvm: the GPU SVM
 * @fault_addr: the faulting address
 * @gpuva_start: start of the GPU VMA that mirrors the fault
 * @gpuva_end: end of that GPU VMA (exclusive)
 * @ctx: operation arguments (@read_only, @devmem_possible,
 *	@check_pages_threshold, @device_private_page_owner)
 *
 * Finds the range containing @fault_addr or creates one, and the notifier
 * around it if needed. Caller holds the driver lock. The returned range is
 * owned by the GPU SVM; take a reference with drm_gpusvm_range_get() to
 * keep it beyond the driver lock.
 *
 * Return: the range, or ERR_PTR(): -EINVAL outside the mirrored span or if
 * no range fits, -EFAULT if the address space is gone, -ENOENT if no CPU
 * VMA covers @fault_addr, -EPERM for a write fault on a read-only VMA,
 * -EIO for an I/O or PFN mapping, -ENOMEM.
 */
struct drm_gpusvm_range *
drm_gpusvm_range_find_or_insert(struct drm_gpusvm *gpusvm,
				unsigned long fault_addr,
				unsigned long gpuva_start,
				unsigned long gpuva_end,
				const struct drm_gpusvm_ctx *ctx)
{
	struct mm_struct *mm = gpusvm->mm;
	struct drm_gpusvm_notifier *notifier, *fresh = NULL;
	struct drm_gpusvm_range *range;
	struct vm_area_struct *vma;
	unsigned long size;
	int err;

	drm_gpusvm_assert_driver_lock(gpusvm);

	if (fault_addr < gpusvm->mm_start ||
	    fault_addr - gpusvm->mm_start >= gpusvm->mm_range)
		return ERR_PTR(-EINVAL);

	if (!mmget_not_zero(mm))
		return ERR_PTR(-EFAULT);

	notifier = drm_gpusvm_notifier_find(gpusvm, fault_addr, fault_addr + 1);
	if (!notifier) {
		fresh = drm_gpusvm_notifier_alloc(gpusvm, fault_addr);
		if (!fresh) {
			err = -ENOMEM;
			goto err_mmput;
		}
		/* Registering takes mmap_lock itself: do it before we do. */
		err = mmu_interval_notifier_insert(&fresh->notifier, mm,
						   drm_gpusvm_notifier_start(fresh),
						   gpusvm->notifier_size,
						   &drm_gpusvm_notifier_ops);
		if (err) {
			drm_gpusvm_notifier_free(gpusvm, fresh);
			goto err_mmput;
		}
		notifier = fresh;
	}

	mmap_read_lock(mm);

	vma = vma_lookup(mm, fault_addr);
	if (!vma) {
		err = -ENOENT;
		goto err_unlock;
	}
	if (!ctx->read_only && !(vma->vm_flags & VM_WRITE)) {
		err = -EPERM;
		goto err_unlock;
	}
	if (vma->vm_flags & (VM_IO | VM_PFNMAP)) {
		err = -EIO;
		goto err_unlock;
	}

	range = drm_gpusvm_range_find(notifier, fault_addr, fault_addr + 1);
	if (range)
		goto out_unlock;

	size = drm_gpusvm_range_chunk_size(gpusvm, notifier, vma, fault_addr,
					   gpuva_start, gpuva_end, ctx);
	if (!size) {
		err = -EINVAL;
		goto err_unlock;
	}

	range = drm_gpusvm_range_alloc(gpusvm, notifier,
				       ALIGN_DOWN(fault_addr, size), size,
				       ctx->devmem_possible &&
				       vma_is_anonymous(vma) &&
				       !is_vm_hugetlb_page(vma));
	if (!range) {
		err = -ENOMEM;
		goto err_unlock;
	}

	/* Invalidation walks the trees: change them with it excluded. */
	down_read(&gpusvm->notifier_lock);
	drm_gpusvm_range_link(notifier, range);
	if (fresh)
		drm_gpusvm_notifier_link(gpusvm, fresh);
	up_read(&gpusvm->notifier_lock);

out_unlock:
	mmap_read_unlock(mm);
	mmput(mm);
	return range;

err_unlock:
	mmap_read_unlock(mm);
	if (fresh) {
		mmu_interval_notifier_remove(&fresh->notifier);
		drm_gpusvm_notifier_free(gpusvm, fresh);
	}
err_mmput:
	mmput(mm);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_find_or_insert);

/* Page order of dma_addr entry covering page @i of a span at @start. */
static unsigned int drm_gpusvm_chunk_order(unsigned long pfn_flags,
					   unsigned long start,
					   unsigned long i,
					   unsigned long npages)
{
	unsigned int order = hmm_pfn_to_map_order(pfn_flags);
	unsigned long addr = start + (i << PAGE_SHIFT);

	/* Clip a huge CPU mapping to what is aligned and inside the span. */
	while (order && (!IS_ALIGNED(addr, PAGE_SIZE << order) ||
			 i + (1UL << order) > npages))
		order--;
	return order;
}

/*
 * Undo the DMA mappings of @svm_pages: the first @nr entries, or every
 * entry of the span when @nr is ULONG_MAX. Notifier lock held.
 */
static void __drm_gpusvm_unmap_pages(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_pages *svm_pages,
				     unsigned long npages, unsigned long nr)
{
	unsigned long i, j;

	lockdep_assert_held(&gpusvm->notifier_lock);

	for (i = 0, j = 0; i < npages && j < nr; j++) {
		struct drm_pagemap_addr *a = &svm_pages->dma_addr[j];

		if (a->proto == DRM_INTERCONNECT_SYSTEM)
			dma_unmap_page(gpusvm->drm->dev, a->addr,
				       PAGE_SIZE << a->order, a->dir);
		else if (svm_pages->dpagemap &&
			 svm_pages->dpagemap->ops->device_unmap)
			svm_pages->dpagemap->ops->device_unmap(svm_pages->dpagemap,
							       gpusvm->drm->dev, a);
		i += 1UL << a->order;
	}
}

/*
 * Forget the pages: drop device folio references, unmap DMA, mark them
 * invalid so the next drm_gpusvm_get_pages() walks again. Notifier lock
 * held.
 */
void drm_gpusvm_pages_reset(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages,
			    unsigned long npages)
{
	struct drm_gpusvm_pages_flags flags = {
		.__flags = svm_pages->flags.__flags,
	};

	lockdep_assert_held(&gpusvm->notifier_lock);

	if (flags.has_devmem_refs)
		drm_gpusvm_devmem_put_refs(svm_pages, npages);
	if (flags.has_dma_mapping)
		__drm_gpusvm_unmap_pages(gpusvm, svm_pages, npages, ULONG_MAX);
	flags.has_dma_mapping = false;
	flags.has_devmem_pages = false;
	flags.has_devmem_refs = false;
	WRITE_ONCE(svm_pages->flags.__flags, flags.__flags);
	svm_pages->pool = NULL;
	if (svm_pages->dpagemap) {
		drm_pagemap_put(svm_pages->dpagemap);
		svm_pages->dpagemap = NULL;
	}
}

/**
 * drm_gpusvm_range_remove() - remove a range from its GPU SVM
 * @gpusvm: the GPU SVM
 * @range: the range
 *
 * Unmaps the range's pages, unlinks it and drops the tree's reference; an
 * emptied notifier is unregistered and freed. The driver must have zapped
 * the range's GPU PTEs. Caller holds the driver lock.
 */
void drm_gpusvm_range_remove(struct drm_gpusvm *gpusvm,
			     struct drm_gpusvm_range *range)
{
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	struct drm_gpusvm_notifier *notifier = range->notifier;

	drm_gpusvm_assert_driver_lock(gpusvm);

	down_read(&gpusvm->notifier_lock);
	drm_gpusvm_pages_reset(gpusvm, &range->pages, npages);
	interval_tree_remove(&range->itree, &notifier->root);
	list_del_init(&range->entry);
	up_read(&gpusvm->notifier_lock);

	kvfree(range->pages.dma_addr);
	range->pages.dma_addr = NULL;
	drm_gpusvm_range_put(range);

	if (RB_EMPTY_ROOT(&notifier->root.rb_root))
		drm_gpusvm_notifier_remove(gpusvm, notifier);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_remove);

/**
 * drm_gpusvm_range_get() - take a reference on a range
 * @range: the range
 *
 * Return: @range.
 */
struct drm_gpusvm_range *
drm_gpusvm_range_get(struct drm_gpusvm_range *range)
{
	kref_get(&range->refcount);
	return range;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_get);

static void drm_gpusvm_range_release(struct kref *ref)
{
	struct drm_gpusvm_range *range =
		container_of(ref, struct drm_gpusvm_range, refcount);
	struct drm_gpusvm *gpusvm = range->gpusvm;

	if (gpusvm->ops->range_free)
		gpusvm->ops->range_free(range);
	else
		kfree(range);
}

/**
 * drm_gpusvm_range_put() - drop a reference on a range
 * @range: the range
 *
 * The last reference frees the range through &drm_gpusvm_ops.range_free.
 */
void drm_gpusvm_range_put(struct drm_gpusvm_range *range)
{
	kref_put(&range->refcount, drm_gpusvm_range_release);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_put);

/**
 * drm_gpusvm_range_pages_valid() - may GPU PTEs for the range be committed?
 * @gpusvm: the GPU SVM
 * @range: the range
 *
 * Caller holds the notifier lock and has checked the notifier sequence of
 * its drm_gpusvm_range_get_pages() call.
 *
 * Return: true if the range's pages are mapped for the device.
 */
bool drm_gpusvm_range_pages_valid(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range)
{
	lockdep_assert_held(&gpusvm->notifier_lock);

	return range->pages.flags.has_devmem_pages ||
		range->pages.flags.has_dma_mapping;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_pages_valid);

/* Still mapped, with the access the caller needs? Notifier lock held. */
static bool drm_gpusvm_pages_usable(struct drm_gpusvm *gpusvm,
				    struct drm_gpusvm_pages *svm_pages,
				    const struct drm_gpusvm_ctx *ctx)
{
	lockdep_assert_held(&gpusvm->notifier_lock);

	if (!svm_pages->flags.has_dma_mapping || !svm_pages->dma_addr)
		return false;
	return ctx->read_only ||
		svm_pages->dma_addr[0].dir == DMA_BIDIRECTIONAL;
}

/*
 * Walk @hmm_range with hmm_range_fault() under mmap_lock, retrying while
 * the range is busy. Reads the notifier sequence before each walk, so
 * hmm_range->notifier_seq is the one to check before using the result.
 */
static int drm_gpusvm_hmm_walk(struct mm_struct *mm,
			       struct hmm_range *hmm_range)
{
	unsigned long timeout =
		jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	int err;

	if (!mmget_not_zero(mm))
		return -EFAULT;

	do {
		hmm_range->notifier_seq =
			mmu_interval_read_begin(hmm_range->notifier);
		mmap_read_lock(mm);
		err = hmm_range_fault(hmm_range);
		mmap_read_unlock(mm);
	} while (err == -EBUSY && time_before(jiffies, timeout));

	mmput(mm);
	return err;
}

/* Order of the entry starting at page @i, as drm_gpusvm_map_pfns() uses. */
static unsigned int drm_gpusvm_entry_order(const unsigned long *pfns,
					   unsigned long start, unsigned long i,
					   unsigned long npages)
{
	if (!(pfns[i] & HMM_PFN_VALID))
		return 0;
	return drm_gpusvm_chunk_order(pfns[i], start, i, npages);
}

/*
 * Reference (@get) or release the device folios of @owner's that a walk
 * returned, one reference per mapping entry (rule R2: a page of ours may
 * be freed and reused between hmm_range_fault() and our commit).
 */
static bool drm_gpusvm_devmem_refs(const unsigned long *pfns,
				   unsigned long start, unsigned long npages,
				   void *owner, bool get)
{
	unsigned long i, k;

	for (i = 0; i < npages;
	     i += 1UL << drm_gpusvm_entry_order(pfns, start, i, npages)) {
		struct folio *folio;

		if (!drm_gpusvm_pfn_is_ours(pfns[i], owner))
			continue;
		folio = page_folio(hmm_pfn_to_page(pfns[i]));
		if (!get) {
			folio_put(folio);
		} else if (!folio_try_get(folio)) {
			/* Being freed: undo and let the caller walk again. */
			for (k = 0; k < i;
			     k += 1UL << drm_gpusvm_entry_order(pfns, start, k,
								 npages))
				if (drm_gpusvm_pfn_is_ours(pfns[k], owner))
					folio_put(page_folio(hmm_pfn_to_page(pfns[k])));
			return false;
		}
	}
	return true;
}

/* A device page of ours mapped read-only (copy-on-write after fork)? */
static bool drm_gpusvm_pfn_ours_read_only(unsigned long pfn, void *owner)
{
	return drm_gpusvm_pfn_is_ours(pfn, owner) && !(pfn & HMM_PFN_WRITE);
}

/*
 * A write needs the device pages of ours that @pfns (a walk of the span
 * from @start) found read-only: fault each run of them again, writable, as
 * a stranger to them, so that core mm migrates them back to system memory
 * (migrate_to_ram()) and breaks COW. Only those runs: a walk of the whole
 * span without the owner would pull the span's writable device pages out
 * of device memory too, the ones a migration just put there included.
 * @pfns is scratch afterwards.
 *
 * Return: 0 if there was nothing to break, 1 if it was broken (the caller
 * walks again), else the error of a walk.
 */
static int drm_gpusvm_break_cow(struct mm_struct *mm,
				struct mmu_interval_notifier *notifier,
				unsigned long start, unsigned long *pfns,
				unsigned long npages, void *owner)
{
	unsigned long i = 0, j;
	int err, done = 0;

	while (i < npages) {
		struct hmm_range cow = {
			.notifier = notifier,
			.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
		};

		if (!drm_gpusvm_pfn_ours_read_only(pfns[i], owner)) {
			i++;
			continue;
		}
		for (j = i + 1; j < npages &&
		     drm_gpusvm_pfn_ours_read_only(pfns[j], owner); j++)
			;
		cow.start = start + (i << PAGE_SHIFT);
		cow.end = start + (j << PAGE_SHIFT);
		cow.hmm_pfns = pfns + i;
		err = drm_gpusvm_hmm_walk(mm, &cow);
		if (err)
			return err;
		done = 1;
		i = j;
	}
	return done;
}

/*
 * Map the collected pfns for the device into svm_pages->dma_addr. Notifier
 * lock held (no allocation here). System pages get DMA mappings; device
 * pages of @owner's (referenced by the caller) get entries naming their
 * pool's device address (drm_gpusvm_pool_addr(): what the GPU's page
 * tables name), protocol DRM_INTERCONNECT_DRIVER, and set
 * svm_pages->pool; device pages of a second pool, or of anyone else, are
 * refused. Sets *@devmem when a device page was mapped.
 */
static int drm_gpusvm_map_pfns(struct drm_gpusvm *gpusvm,
			       struct drm_gpusvm_pages *svm_pages,
			       const unsigned long *pfns, unsigned long start,
			       unsigned long npages, void *owner,
			       const struct drm_gpusvm_ctx *ctx, bool *devmem)
{
	enum dma_data_direction dir =
		ctx->read_only ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;
	unsigned long i, j;

	*devmem = false;
	for (i = 0, j = 0; i < npages; j++) {
		unsigned int order;
		struct page *page;
		dma_addr_t addr;

		if (!(pfns[i] & HMM_PFN_VALID) ||
		    (!ctx->read_only && !(pfns[i] & HMM_PFN_WRITE)))
			goto err_unmap;

		page = hmm_pfn_to_page(pfns[i]);
		order = drm_gpusvm_chunk_order(pfns[i], start, i, npages);
		if (drm_gpusvm_pfn_is_ours(pfns[i], owner)) {
			struct drm_gpusvm_pool *pool = drm_gpusvm_page_pool(page);

			/* One pool per span: its entries name its addresses. */
			if (svm_pages->pool && svm_pages->pool != pool)
				goto err_unmap;
			svm_pages->pool = pool;
			addr = drm_gpusvm_pool_addr(pool,
						    PFN_PHYS(page_to_pfn(page) -
							     pool->pfn_first));
			svm_pages->dma_addr[j] =
				drm_pagemap_addr_encode(addr,
							DRM_INTERCONNECT_DRIVER,
							order, dir);
			*devmem = true;
			i += 1UL << order;
			continue;
		}
		if (is_zone_device_page(page) || ctx->devmem_only)
			goto err_unmap;

		addr = dma_map_page(gpusvm->drm->dev, page, 0,
				    PAGE_SIZE << order, dir);
		if (dma_mapping_error(gpusvm->drm->dev, addr))
			goto err_unmap;

		svm_pages->dma_addr[j] =
			drm_pagemap_addr_encode(addr, DRM_INTERCONNECT_SYSTEM,
						order, dir);
		i += 1UL << order;
	}
	return 0;

err_unmap:
	__drm_gpusvm_unmap_pages(gpusvm, svm_pages, npages, j);
	svm_pages->pool = NULL;
	if (i < npages && (pfns[i] & HMM_PFN_VALID) &&
	    is_zone_device_page(hmm_pfn_to_page(pfns[i])))
		return -EOPNOTSUPP;
	return -EFAULT;
}

/**
 * drm_gpusvm_get_pages() - collect and map the pages of a span for the device
 * @gpusvm: the GPU SVM
 * @svm_pages: mapping state of the span (may be zero-initialised)
 * @mm: the address space
 * @notifier: the interval notifier covering the span
 * @pages_start: start of the span
 * @pages_end: end of the span (exclusive)
 * @ctx: operation arguments (@read_only, @device_private_page_owner,
 *	@devmem_only)
 *
 * Faults the span in with hmm_range_fault() (writable unless
 * @ctx->read_only), then maps it under the notifier lock if no
 * invalidation ran since the walk began, and records that notifier
 * sequence in @svm_pages->notifier_seq. The caller commits GPU PTEs only
 * under the notifier lock after mmu_interval_read_retry() on that sequence.
 * Invalidations racing the walk make it walk again, for at most
 * HMM_RANGE_DEFAULT_TIMEOUT; then it gives up with -EBUSY, and the caller's
 * patience decides whether to call again.
 *
 * Return: 0; -EFAULT if the span is unmapped, the mm is gone or a page
 * cannot be mapped; -EOPNOTSUPP for device pages this path cannot map;
 * -EBUSY if invalidations kept racing the walk; -EPERM/-EBUSY/-ENOMEM
 * from the walk.
 */
int drm_gpusvm_get_pages(struct drm_gpusvm *gpusvm,
			 struct drm_gpusvm_pages *svm_pages,
			 struct mm_struct *mm,
			 struct mmu_interval_notifier *notifier,
			 unsigned long pages_start, unsigned long pages_end,
			 const struct drm_gpusvm_ctx *ctx)
{
	unsigned long timeout =
		jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	unsigned long npages = (pages_end - pages_start) >> PAGE_SHIFT;
	struct hmm_range hmm_range = {
		.notifier = notifier,
		.start = pages_start,
		.end = pages_end,
		.default_flags = HMM_PFN_REQ_FAULT |
			(ctx->read_only ? 0 : HMM_PFN_REQ_WRITE),
		.dev_private_owner = ctx->device_private_page_owner,
	};
	struct drm_gpusvm_pages_flags flags;
	unsigned long *pfns;
	bool devmem;
	void *owner;
	int err;

retry:
	if (time_after(jiffies, timeout))
		return -EBUSY;
	hmm_range.notifier_seq = mmu_interval_read_begin(notifier);

	/* Fast path: nothing invalidated the mapping since it was made. */
	down_read(&gpusvm->notifier_lock);
	if (drm_gpusvm_pages_usable(gpusvm, svm_pages, ctx)) {
		svm_pages->notifier_seq = hmm_range.notifier_seq;
		up_read(&gpusvm->notifier_lock);
		return 0;
	}
	up_read(&gpusvm->notifier_lock);

	pfns = kvmalloc_array(npages, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	hmm_range.hmm_pfns = pfns;

	err = drm_gpusvm_hmm_walk(mm, &hmm_range);
	if (err)
		goto out_free;

	owner = hmm_range.dev_private_owner;
	/*
	 * hmm_range_fault() hands back our own device pages as they are, a
	 * read-only one (after fork) included. A write needs it writable:
	 * break COW on those pages, then walk again.
	 */
	if (!ctx->read_only && owner) {
		err = drm_gpusvm_break_cow(mm, notifier, pages_start, pfns,
					   npages, owner);
		if (err) {
			kvfree(pfns);
			if (err < 0)
				return err;
			goto retry;
		}
	}
	if (!drm_gpusvm_devmem_refs(pfns, pages_start, npages, owner, true)) {
		kvfree(pfns);
		goto retry;
	}

	/* Allocate outside the notifier lock: invalidation runs in reclaim. */
	if (!svm_pages->dma_addr) {
		svm_pages->dma_addr = kvcalloc(npages,
					       sizeof(*svm_pages->dma_addr),
					       GFP_KERNEL);
		if (!svm_pages->dma_addr) {
			err = -ENOMEM;
			goto out_put;
		}
	}

	down_read(&gpusvm->notifier_lock);
	if (svm_pages->flags.unmapped) {
		err = -EFAULT;
		goto out_unlock;
	}
	if (mmu_interval_read_retry(notifier, hmm_range.notifier_seq)) {
		up_read(&gpusvm->notifier_lock);
		drm_gpusvm_devmem_refs(pfns, pages_start, npages, owner, false);
		kvfree(pfns);
		goto retry;
	}

	/* Drop a stale mapping, then map what the walk found. */
	drm_gpusvm_pages_reset(gpusvm, svm_pages, npages);
	err = drm_gpusvm_map_pfns(gpusvm, svm_pages, pfns, pages_start,
				  npages, owner, ctx, &devmem);
	if (err)
		goto out_unlock;

	/* The references now belong to the mapping, until committed. */
	flags.__flags = svm_pages->flags.__flags;
	flags.has_dma_mapping = true;
	flags.has_devmem_pages = devmem;
	flags.has_devmem_refs = devmem;
	WRITE_ONCE(svm_pages->flags.__flags, flags.__flags);
	svm_pages->notifier_seq = hmm_range.notifier_seq;
	up_read(&gpusvm->notifier_lock);
	kvfree(pfns);
	return 0;

out_unlock:
	up_read(&gpusvm->notifier_lock);
out_put:
	drm_gpusvm_devmem_refs(pfns, pages_start, npages, owner, false);
out_free:
	kvfree(pfns);
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_get_pages);

/**
 * drm_gpusvm_range_get_pages() - collect and map the pages of a range
 * @gpusvm: the GPU SVM
 * @range: the range
 * @ctx: operation arguments, as for drm_gpusvm_get_pages()
 *
 * Return: as drm_gpusvm_get_pages().
 */
int drm_gpusvm_range_get_pages(struct drm_gpusvm *gpusvm,
			       struct drm_gpusvm_range *range,
			       const struct drm_gpusvm_ctx *ctx)
{
	return drm_gpusvm_get_pages(gpusvm, &range->pages, gpusvm->mm,
				    &range->notifier->notifier,
				    drm_gpusvm_range_start(range),
				    drm_gpusvm_range_end(range), ctx);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_get_pages);

/**
 * drm_gpusvm_unmap_pages() - undo the device mapping of a span
 * @gpusvm: the GPU SVM
 * @svm_pages: mapping state of the span
 * @npages: pages in the span
 * @ctx: @in_notifier set when called from &drm_gpusvm_ops.invalidate, with
 *	the notifier lock held for write
 *
 * Keeps the dma_addr array for the next drm_gpusvm_get_pages().
 */
void drm_gpusvm_unmap_pages(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages,
			    unsigned long npages,
			    const struct drm_gpusvm_ctx *ctx)
{
	if (ctx->in_notifier) {
		lockdep_assert_held_write(&gpusvm->notifier_lock);
		drm_gpusvm_pages_reset(gpusvm, svm_pages, npages);
		return;
	}

	down_read(&gpusvm->notifier_lock);
	drm_gpusvm_pages_reset(gpusvm, svm_pages, npages);
	up_read(&gpusvm->notifier_lock);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_unmap_pages);

/**
 * drm_gpusvm_range_unmap_pages() - undo the device mapping of a range
 * @gpusvm: the GPU SVM
 * @range: the range
 * @ctx: as for drm_gpusvm_unmap_pages()
 */
void drm_gpusvm_range_unmap_pages(struct drm_gpusvm *gpusvm,
				  struct drm_gpusvm_range *range,
				  const struct drm_gpusvm_ctx *ctx)
{
	drm_gpusvm_unmap_pages(gpusvm, &range->pages,
			       drm_gpusvm_range_size(range) >> PAGE_SHIFT, ctx);
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_unmap_pages);

/**
 * drm_gpusvm_free_pages() - unmap a span and free its mapping state
 * @gpusvm: the GPU SVM
 * @svm_pages: mapping state of the span
 * @npages: pages in the span
 */
void drm_gpusvm_free_pages(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_pages *svm_pages,
			   unsigned long npages)
{
	down_read(&gpusvm->notifier_lock);
	drm_gpusvm_pages_reset(gpusvm, svm_pages, npages);
	up_read(&gpusvm->notifier_lock);

	kvfree(svm_pages->dma_addr);
	svm_pages->dma_addr = NULL;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_free_pages);

/**
 * drm_gpusvm_range_set_unmapped() - mark a range whose CPU mapping is gone
 * @range: the range
 * @mmu_range: the MMU_NOTIFY_UNMAP event
 *
 * Called from &drm_gpusvm_ops.invalidate (notifier lock held for write).
 * A range only partly covered by the event is also marked partially
 * unmapped, so that the driver can recreate what is left of it.
 */
void drm_gpusvm_range_set_unmapped(struct drm_gpusvm_range *range,
				   const struct mmu_notifier_range *mmu_range)
{
	lockdep_assert_held_write(&range->gpusvm->notifier_lock);

	range->pages.flags.unmapped = true;
	if (drm_gpusvm_range_start(range) < mmu_range->start ||
	    drm_gpusvm_range_end(range) > mmu_range->end)
		range->pages.flags.partial_unmap = true;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_set_unmapped);

/**
 * drm_gpusvm_has_mapping() - does any range overlap [start, end)?
 * @gpusvm: the GPU SVM
 * @start: start of the span
 * @end: end of the span (exclusive)
 *
 * Caller holds the driver lock.
 *
 * Return: true if a range overlaps the span.
 */
bool drm_gpusvm_has_mapping(struct drm_gpusvm *gpusvm, unsigned long start,
			    unsigned long end)
{
	struct drm_gpusvm_notifier *notifier;

	drm_gpusvm_for_each_notifier(notifier, gpusvm, start, end)
		if (drm_gpusvm_range_find(notifier, start, end))
			return true;

	return false;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_has_mapping);

/**
 * drm_gpusvm_range_evict() - bring every page of a range back to system RAM
 * @gpusvm: the GPU SVM
 * @range: the range
 *
 * Faults the range in with no device owner, so that core mm migrates device
 * pages back through their pagemap's migrate_to_ram(). The range's own
 * mapping is left to the invalidation this causes.
 *
 * Return: 0, -EFAULT if the mm is gone, -ENOMEM, or the walk's error.
 */
int drm_gpusvm_range_evict(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_range *range)
{
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	struct hmm_range hmm_range = {
		.notifier = &range->notifier->notifier,
		.start = drm_gpusvm_range_start(range),
		.end = drm_gpusvm_range_end(range),
		.default_flags = HMM_PFN_REQ_FAULT,
	};
	int err;

	hmm_range.hmm_pfns = kvmalloc_array(npages, sizeof(unsigned long),
					    GFP_KERNEL);
	if (!hmm_range.hmm_pfns)
		return -ENOMEM;

	err = drm_gpusvm_hmm_walk(gpusvm->mm, &hmm_range);
	kvfree(hmm_range.hmm_pfns);
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_range_evict);

/**
 * drm_gpusvm_scan_mm() - where do the pages of a range live right now?
 * @range: the range
 * @dev_private_owner: owner cookie of the caller's device-private pages
 * @pagemap: the pagemap to compare device pages against
 *
 * An advisory, non-faulting snapshot.
 *
 * Return: the &enum drm_gpusvm_scan_result classifying the pages.
 */
enum drm_gpusvm_scan_result drm_gpusvm_scan_mm(struct drm_gpusvm_range *range,
					       void *dev_private_owner,
					       const struct dev_pagemap *pagemap)
{
	unsigned long npages = drm_gpusvm_range_size(range) >> PAGE_SHIFT;
	const struct dev_pagemap *other = NULL;
	struct hmm_range hmm_range = {
		.notifier = &range->notifier->notifier,
		.start = drm_gpusvm_range_start(range),
		.end = drm_gpusvm_range_end(range),
		.dev_private_owner = dev_private_owner,
	};
	bool system = false, equal = false, mixed_device = false;
	enum drm_gpusvm_scan_result res = DRM_GPUSVM_SCAN_UNPOPULATED;
	unsigned long i;
	int err;

	hmm_range.hmm_pfns = kvmalloc_array(npages, sizeof(unsigned long),
					    GFP_KERNEL);
	if (!hmm_range.hmm_pfns)
		return res;
	err = drm_gpusvm_hmm_walk(range->gpusvm->mm, &hmm_range);
	if (err)
		goto out;

	for (i = 0; i < npages; i++) {
		unsigned long pfn = hmm_range.hmm_pfns[i];
		struct page *page;

		if (!(pfn & HMM_PFN_VALID))
			goto out;
		page = hmm_pfn_to_page(pfn);
		if (!is_zone_device_page(page))
			system = true;
		else if (page_pgmap(page) == pagemap)
			equal = true;
		else if (!other || other == page_pgmap(page))
			other = page_pgmap(page);
		else
			mixed_device = true;
	}

	if (system)
		res = (equal || other) ? DRM_GPUSVM_SCAN_MIXED :
			DRM_GPUSVM_SCAN_SYSTEM;
	else if (mixed_device || (equal && other))
		res = DRM_GPUSVM_SCAN_MIXED_DEVICE;
	else
		res = equal ? DRM_GPUSVM_SCAN_EQUAL : DRM_GPUSVM_SCAN_OTHER;
out:
	kvfree(hmm_range.hmm_pfns);
	return res;
}
EXPORT_SYMBOL(drm_gpusvm_scan_mm);

MODULE_DESCRIPTION("DRM GPU shared virtual memory (page-lock engine)");
MODULE_LICENSE("Dual MIT/GPL");
