// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The GPU page-fault sequence of drm_gpusvm, once for every driver.
 */

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/memremap.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_gpusvm_devmem.h>

#include "drm_gpusvm_internal.h"

/**
 * DOC: fault sequence
 *
 * drm_gpusvm_fault() serves a GPU page fault, or a prefetch, on one CPU
 * address of a GPU SVM. Its steps, in order, with the driver lock held
 * throughout and no page lock or notifier lock held from one step to the
 * next:
 *
 * 1. Find or insert the range around the address; a read of memory the
 *    CPU may only read gets a read-only range.
 * 2. Placement: with &drm_gpusvm_fault.to_sysmem, bring every device page
 *    of the range back to system memory; else, if the range is writable
 *    and &drm_gpusvm_ops.fault_placement names a pool, migrate it there
 *    unless all of it is there already. A migration that fails is no
 *    error: the range is then mapped where its pages are.
 * 3. Get the pages (hmm_range_fault() under a notifier sequence).
 * 4. &drm_gpusvm_ops.fault_prepare: whatever the commit needs that may
 *    allocate, sleep or wait (page-table directories, page-table entries
 *    staged from the pages just got, an idle bind queue, the locks the
 *    commit needs), with no lock of the engine held; -EAGAIN from it goes
 *    back to step 3.
 * 5. Take the notifier lock for read; R1: if the sequence moved or the
 *    pages are no longer valid, drop it and go back to step 3.
 * 6. R2: trylock every device folio of the range and record the owner in
 *    each; one locked elsewhere (a CPU fault migrating it back) means a
 *    back-off, doubling from &drm_gpusvm_fault.backoff_us, and step 3.
 * 7. &drm_gpusvm_ops.fault_commit writes the GPU PTEs and nothing else
 *    (R4: no mm call, no allocation under the page locks); the folios are
 *    unlocked, then the notifier lock dropped. A commit that returns
 *    -EAGAIN goes back to step 3.
 *
 * After a successful step 4, &drm_gpusvm_ops.fault_finish is called once
 * the attempt is over, committed or not, before any back-off and before
 * the pages are got again: what the prepare took is never held across an
 * mm walk or a sleep of the engine's.
 *
 * Steps 3-7 repeat until the commit happens, or until at least
 * &drm_gpusvm_fault.retries attempts spanning &drm_gpusvm_fault.patience
 * all failed (the driver's patience, not the engine's, decides when a
 * fault is given up). A range whose CPU mapping went away meanwhile is
 * removed and the sequence starts again once from step 1.
 */

/*
 * Steps 5-7: the commit section. Return: the driver's commit result, or
 * -EAGAIN when the pages went stale (R1) or a device folio was locked
 * elsewhere (R2; *@contended says so, for the back-off).
 */
static int drm_gpusvm_fault_commit(struct drm_gpusvm *gpusvm,
				   struct drm_gpusvm_range *range,
				   bool *contended)
{
	int err;

	drm_gpusvm_notifier_lock(gpusvm);
	/* Rule R1: the pages are current. */
	if (mmu_interval_read_retry(&range->notifier->notifier,
				    range->pages.notifier_seq) ||
	    !drm_gpusvm_range_pages_valid(gpusvm, range)) {
		drm_gpusvm_notifier_unlock(gpusvm);
		return -EAGAIN;
	}
	/* Rule R2: the device folios are locked and record us. */
	if (drm_gpusvm_range_devmem_lock(gpusvm, range)) {
		drm_gpusvm_notifier_unlock(gpusvm);
		*contended = true;
		return -EAGAIN;
	}
	/* Rule R4: the PTE writes only, under the page locks. */
	err = gpusvm->ops->fault_commit(gpusvm, range);
	drm_gpusvm_range_devmem_unlock(gpusvm, range);
	drm_gpusvm_notifier_unlock(gpusvm);
	return err;
}

/* Steps 4-7: prepare, commit, and let the driver release what it took. */
static int drm_gpusvm_fault_attempt(struct drm_gpusvm *gpusvm,
				    struct drm_gpusvm_range *range,
				    bool *contended)
{
	const struct drm_gpusvm_ops *ops = gpusvm->ops;
	int err;

	if (ops->fault_prepare) {
		err = ops->fault_prepare(gpusvm, range);
		if (err)
			return err;
	}
	err = drm_gpusvm_fault_commit(gpusvm, range, contended);
	if (ops->fault_finish)
		ops->fault_finish(gpusvm, range, err);
	return err;
}

/* Steps 3-7: get the pages of @range and commit them. */
static int drm_gpusvm_fault_bind(struct drm_gpusvm *gpusvm,
				 struct drm_gpusvm_range *range,
				 const struct drm_gpusvm_fault *fault,
				 const struct drm_gpusvm_ctx *ctx)
{
	unsigned long deadline = jiffies + fault->patience;
	unsigned int tries;
	bool contended;
	int err;

	for (tries = 0; ; tries++) {
		contended = false;
		err = drm_gpusvm_range_get_pages(gpusvm, range, ctx);
		if (!err)
			err = drm_gpusvm_fault_attempt(gpusvm, range,
						       &contended);
		/*
		 * -EBUSY: invalidations kept racing the walk for a while (a
		 * forked child pulling shared pages back, say); it is one
		 * more failed attempt, as -EAGAIN is.
		 */
		if (err != -EAGAIN && err != -EBUSY)
			return err;
		if (tries >= fault->retries && time_after(jiffies, deadline))
			return err;
		/* Give whoever holds a folio (R2) time to finish. */
		if (contended && fault->backoff_us)
			usleep_range(fault->backoff_us << min(tries, 6u),
				     2 * fault->backoff_us << min(tries, 6u));
	}
}

/* Step 2 when the driver asks for device memory. */
static void drm_gpusvm_fault_migrate(struct drm_gpusvm *gpusvm,
				     struct drm_gpusvm_range *range,
				     struct drm_gpusvm_fault *fault,
				     const struct drm_gpusvm_ctx *ctx)
{
	struct drm_gpusvm_pool *pool;
	ktime_t t0 = ktime_get();

	if (!gpusvm->ops->fault_placement)
		return;
	pool = gpusvm->ops->fault_placement(gpusvm, range, fault);
	if (!pool)
		return;
	if (drm_gpusvm_scan_mm(range, pool->owner, &pool->pagemap) ==
	    DRM_GPUSVM_SCAN_EQUAL)
		return;
	if (drm_gpusvm_range_migrate_to_devmem(gpusvm, range, pool, ctx))
		return;
	fault->migrate_us = ktime_us_delta(ktime_get(), t0);
}

/**
 * drm_gpusvm_fault() - serve a GPU fault or a prefetch on one address
 * @gpusvm: the GPU SVM; its ops include &drm_gpusvm_ops.fault_commit
 * @fault: what to serve (see &struct drm_gpusvm_fault); its result fields
 *	are filled in
 *
 * Runs the fault sequence (see "DOC: fault sequence"): finds or inserts
 * the range around @fault->addr, places it, gets its pages and commits
 * them through the driver's callbacks under rules R1 and R2. Caller holds
 * the driver lock (drm_gpusvm_driver_set_lock()) for the whole call; the
 * range in @fault->range stays valid while it is held.
 *
 * Return: 0 once the range is committed; -ENOENT if no CPU VMA is at
 * @fault->addr; -EFAULT if the address space is gone or the range was
 * unmapped twice under us; -EPERM for a write to memory the CPU may only
 * read; the driver's errno from &drm_gpusvm_ops.fault_prepare or
 * &drm_gpusvm_ops.fault_commit; -EAGAIN or -EBUSY when the driver's
 * patience ran out; -ENOMEM.
 */
int drm_gpusvm_fault(struct drm_gpusvm *gpusvm, struct drm_gpusvm_fault *fault)
{
	struct drm_gpusvm_range *range;
	struct drm_gpusvm_ctx ctx;
	unsigned int attempt;
	int err = -EFAULT;

	drm_gpusvm_assert_driver_lock(gpusvm);
	fault->range = NULL;
	fault->migrate_us = -1;

	for (attempt = 0; attempt < 2; attempt++) {
		ctx = (struct drm_gpusvm_ctx) {
			.timeslice_ms = fault->timeslice_ms,
			.devmem_possible = fault->devmem_possible,
		};
		range = drm_gpusvm_range_find_or_insert(gpusvm, fault->addr,
							fault->gpuva_start,
							fault->gpuva_end, &ctx);
		/* A read of what the CPU may only read: map it read-only. */
		if (PTR_ERR_OR_ZERO(range) == -EPERM && !fault->write) {
			ctx.read_only = true;
			range = drm_gpusvm_range_find_or_insert(gpusvm,
								fault->addr,
								fault->gpuva_start,
								fault->gpuva_end,
								&ctx);
		}
		if (IS_ERR(range))
			return PTR_ERR(range);

		if (fault->to_sysmem) {
			/* The invalidation this causes unbinds the range. */
			err = drm_gpusvm_range_evict(gpusvm, range);
			if (err)
				return err;
		} else if (!ctx.read_only) {
			drm_gpusvm_fault_migrate(gpusvm, range, fault, &ctx);
		}
		/* Our device pages map directly; anyone else's migrate back. */
		ctx.device_private_page_owner = fault->device_private_page_owner;
		err = drm_gpusvm_fault_bind(gpusvm, range, fault, &ctx);
		/*
		 * Unmapped while we worked: its PTEs went with the
		 * invalidation that said so. Remove it and look again.
		 */
		if (err == -EFAULT && range->pages.flags.unmapped) {
			drm_gpusvm_range_remove(gpusvm, range);
			continue;
		}
		break;
	}
	if (!err)
		fault->range = range;
	return err;
}
EXPORT_SYMBOL_GPL(drm_gpusvm_fault);
