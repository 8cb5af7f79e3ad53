/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Shared between the drm_gpusvm core and its device-memory backend; not
 * an interface for drivers.
 */

#ifndef __DRM_GPUSVM_INTERNAL_H__
#define __DRM_GPUSVM_INTERNAL_H__

#include <linux/hmm.h>
#include <linux/lockdep.h>
#include <linux/memremap.h>

#include <drm/drm_gpusvm.h>
#include <drm/drm_gpusvm_devmem.h>

static inline void drm_gpusvm_assert_driver_lock(struct drm_gpusvm *gpusvm)
{
#ifdef CONFIG_LOCKDEP
	if (gpusvm->lock_dep_map)
		lockdep_assert(lock_is_held_type(gpusvm->lock_dep_map, 0));
#endif
}

/* Is this hmm_range_fault() result a device page of @owner's? */
static inline bool drm_gpusvm_pfn_is_ours(unsigned long pfn_flags,
					  void *owner)
{
	struct page *page;

	if (!owner || !(pfn_flags & HMM_PFN_VALID))
		return false;
	page = hmm_pfn_to_page(pfn_flags);
	return is_device_private_page(page) && page_pgmap(page)->owner == owner;
}

/* The pool a device page of ours (drm_gpusvm_pfn_is_ours()) belongs to. */
static inline struct drm_gpusvm_pool *drm_gpusvm_page_pool(struct page *page)
{
	return container_of(page_pgmap(page), struct drm_gpusvm_pool, pagemap);
}

void drm_gpusvm_pages_reset(struct drm_gpusvm *gpusvm,
			    struct drm_gpusvm_pages *svm_pages,
			    unsigned long npages);

#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)
int drm_gpusvm_owner_create(struct drm_gpusvm *gpusvm);
void drm_gpusvm_owner_destroy(struct drm_gpusvm *gpusvm);
void drm_gpusvm_devmem_put_refs(struct drm_gpusvm_pages *svm_pages,
				unsigned long npages);
#else
static inline int drm_gpusvm_owner_create(struct drm_gpusvm *gpusvm)
{
	return 0;
}

static inline void drm_gpusvm_owner_destroy(struct drm_gpusvm *gpusvm)
{
}

static inline void drm_gpusvm_devmem_put_refs(struct drm_gpusvm_pages *svm_pages,
					      unsigned long npages)
{
}
#endif

#endif /* __DRM_GPUSVM_INTERNAL_H__ */
