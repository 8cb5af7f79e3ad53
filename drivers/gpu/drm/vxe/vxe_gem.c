// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe GEM objects that userspace can create, mmap, bind and close. A BO
 * placed in system memory is a shmem object. A BO placed in VRAM takes its
 * pages from the engine's pool, the same buddy allocator SVM chunks come
 * from: making room for it evicts SVM chunks, while SVM never evicts a BO
 * (it falls back to system memory instead). Its contents live in the VRAM
 * carve-out, which a CPU mmap maps page by page, like a BAR.
 */

#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_pagemap.h>
#include <drm/drm_vma_manager.h>
#include <drm/xe_drm.h>

#include "vxe_drv.h"

#define VXE_GEM_CREATE_FLAGS	(DRM_XE_GEM_CREATE_FLAG_DEFER_BACKING | \
				 DRM_XE_GEM_CREATE_FLAG_SCANOUT | \
				 DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM | \
				 DRM_XE_GEM_CREATE_FLAG_NO_COMPRESSION)

/**
 * vxe_user_extensions_check() - reject extension chains vxe does not take
 * @extensions: user pointer to the first &struct drm_xe_user_extension
 *
 * Upstream reads the chain before judging it, so an unreadable pointer is
 * -EFAULT and a readable one naming an extension vxe lacks is -EINVAL.
 *
 * Return: 0 if there is no extension, else -EFAULT or -EINVAL.
 */
int vxe_user_extensions_check(u64 extensions)
{
	struct drm_xe_user_extension ext;

	if (!extensions)
		return 0;
	if (copy_from_user(&ext, u64_to_user_ptr(extensions), sizeof(ext)))
		return -EFAULT;
	return -EINVAL;
}

/* ---- BOs in VRAM ---- */

/**
 * struct vxe_vram_bo - a buffer object placed in VRAM
 * @base: the GEM object (it has no shmem file)
 * @blocks: its buddy blocks from the engine's pool
 * @npages: pages in the object
 * @offset: VRAM byte offset of each page
 */
struct vxe_vram_bo {
	struct drm_gem_object base;
	struct list_head blocks;
	unsigned long npages;
	u64 offset[] __counted_by(npages);
};

static const struct drm_gem_object_funcs vxe_vram_bo_funcs;

static struct vxe_vram_bo *to_vxe_vram_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vxe_vram_bo, base);
}

/**
 * vxe_gem_is_vram() - whether a BO lives in VRAM
 * @obj: a vxe GEM object
 *
 * Return: true for a VRAM BO, false for a shmem one.
 */
bool vxe_gem_is_vram(const struct drm_gem_object *obj)
{
	return obj->funcs == &vxe_vram_bo_funcs;
}

/**
 * vxe_gem_vram_addrs() - device addresses of pages of a VRAM BO
 * @obj: the BO (vxe_gem_is_vram())
 * @first: its first page to map
 * @npages: pages to map, all inside @obj
 * @dir: DMA_TO_DEVICE for a read-only mapping, else DMA_BIDIRECTIONAL
 * @addr: one entry per page, filled as the engine fills device pages, so
 *	the page tables map them with the VRAM bit
 */
void vxe_gem_vram_addrs(struct drm_gem_object *obj, pgoff_t first,
			unsigned long npages, enum dma_data_direction dir,
			struct drm_pagemap_addr *addr)
{
	struct vxe_vram_bo *bo = to_vxe_vram_bo(obj);
	struct drm_gpusvm_pool *pool = &to_vxe(obj->dev)->pool;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		dma_addr_t a = drm_gpusvm_pool_addr(pool, bo->offset[first + i]);

		addr[i] = drm_pagemap_addr_encode(a, DRM_INTERCONNECT_DRIVER,
						  0, dir);
	}
}

static void vxe_vram_bo_free(struct drm_gem_object *obj)
{
	struct vxe_vram_bo *bo = to_vxe_vram_bo(obj);

	drm_gem_object_release(obj);
	drm_gpusvm_pool_free_blocks(&to_vxe(obj->dev)->pool, &bo->blocks);
	kvfree(bo);
}

/* The CPU maps the carve-out page behind the faulting BO page. */
static vm_fault_t vxe_vram_bo_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct vxe_vram_bo *bo = to_vxe_vram_bo(obj);
	pgoff_t i = vmf->pgoff - drm_vma_node_start(&obj->vma_node);
	void *page;

	if (i >= bo->npages)
		return VM_FAULT_SIGBUS;
	page = to_vxe(obj->dev)->vram + bo->offset[i];
	return vmf_insert_pfn(vma, vmf->address, vmalloc_to_pfn(page));
}

static const struct vm_operations_struct vxe_vram_bo_vm_ops = {
	.fault = vxe_vram_bo_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static int vxe_vram_bo_mmap(struct drm_gem_object *obj,
			    struct vm_area_struct *vma)
{
	/* Pages without struct page semantics cannot be copied on write. */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	/* The carve-out is cacheable RAM: no write-combining to ask for. */
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	return 0;
}

static const struct drm_gem_object_funcs vxe_vram_bo_funcs = {
	.free = vxe_vram_bo_free,
	.mmap = vxe_vram_bo_mmap,
	.vm_ops = &vxe_vram_bo_vm_ops,
};

/*
 * A zeroed BO of @size in VRAM, evicting SVM chunks to make room.
 * Return: the object, ERR_PTR(-ENOSPC) if VRAM is held by other BOs (or
 * by device pages too busy to evict), another ERR_PTR on failure.
 */
static struct drm_gem_object *vxe_vram_bo_create(struct vxe_device *vxe,
						 size_t size)
{
	unsigned long npages = size >> PAGE_SHIFT, i = 0;
	struct gpu_buddy_block *block;
	struct vxe_vram_bo *bo;
	int err;

	if (size > vxe->vram_size)
		return ERR_PTR(-ENOSPC);
	bo = kvzalloc(struct_size(bo, offset, npages), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->npages = npages;
	INIT_LIST_HEAD(&bo->blocks);
	err = drm_gpusvm_pool_alloc_blocks(&vxe->pool, size, &bo->blocks);
	if (err) {
		kvfree(bo);
		return ERR_PTR(err);
	}

	/* What SVM or another BO left there is not the new owner's. */
	list_for_each_entry(block, &bo->blocks, link) {
		u64 off = gpu_buddy_block_offset(block);
		u64 end = off + gpu_buddy_block_size(vxe->pool.mm, block);

		memset(vxe->vram + off, 0, end - off);
		for (; off < end; off += PAGE_SIZE)
			bo->offset[i++] = off;
	}

	bo->base.funcs = &vxe_vram_bo_funcs;
	drm_gem_private_object_init(&vxe->drm, &bo->base, size);
	return &bo->base;
}

int vxe_gem_create_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_gem_create *args = data;
	struct drm_gem_object *obj;
	bool vram = args->placement & ~VXE_SYSMEM_MASK;
	int err;

	if (args->pad[0] || args->pad[1] || args->pad[2] ||
	    args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (args->placement & ~vxe_mem_region_mask(to_vxe(dev)) ||
	    !args->placement)
		return -EINVAL;
	if (args->flags & ~VXE_GEM_CREATE_FLAGS || args->handle || !args->size ||
	    args->size > SIZE_MAX || args->size & ~PAGE_MASK)
		return -EINVAL;
	if ((args->flags & DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM) && !vram)
		return -EINVAL;
	if (!args->cpu_caching || args->cpu_caching > DRM_XE_GEM_CPU_CACHING_WC)
		return -EINVAL;
	if (vram && args->cpu_caching != DRM_XE_GEM_CPU_CACHING_WC)
		return -EINVAL;
	if ((args->flags & DRM_XE_GEM_CREATE_FLAG_SCANOUT) &&
	    args->cpu_caching == DRM_XE_GEM_CPU_CACHING_WB)
		return -EINVAL;
	if (args->vm_id) {
		struct vxe_vm *vm = vxe_vm_lookup(vf, args->vm_id);

		if (!vm)
			return -ENOENT;
		vxe_vm_put(vm);
	}
	/*
	 * Upstream reads the extensions last, on the object it created: an
	 * unreadable chain is -EFAULT after every check above.
	 */
	err = vxe_user_extensions_check(args->extensions);
	if (err)
		return err;

	obj = vram ? vxe_vram_bo_create(to_vxe(dev), args->size) :
		     ERR_PTR(-ENOSPC);
	/* VRAM full of BOs (SVM was evicted first): system memory if allowed. */
	if (PTR_ERR_OR_ZERO(obj) == -ENOSPC &&
	    args->placement & VXE_SYSMEM_MASK) {
		struct drm_gem_shmem_object *shmem;

		shmem = drm_gem_shmem_create(dev, args->size);
		obj = IS_ERR(shmem) ? ERR_CAST(shmem) : &shmem->base;
	}
	/* As upstream, where TTM reports a placement without room so. */
	if (PTR_ERR_OR_ZERO(obj) == -ENOSPC)
		return -ENOMEM;
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	err = drm_gem_handle_create(file, obj, &args->handle);
	/* The handle holds the object now (or creation failed). */
	drm_gem_object_put(obj);
	return err;
}

int vxe_gem_mmap_offset_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct drm_xe_gem_mmap_offset *args = data;
	struct drm_gem_object *obj;
	int err;

	if (args->extensions || args->reserved[0] || args->reserved[1])
		return -EINVAL;
	/* No PCI BAR to expose: the barrier page is for discrete parts. */
	if (args->flags)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	err = drm_gem_create_mmap_offset(obj);
	if (!err)
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return err;
}
