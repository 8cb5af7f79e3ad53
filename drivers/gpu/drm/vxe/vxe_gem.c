// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe GEM objects: shmem-backed buffer objects that userspace can create,
 * mmap and close. (Binding them into a GPU VM comes with VRAM.)
 */

#include <linux/uaccess.h>

#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
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

int vxe_gem_create_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_gem_create *args = data;
	struct drm_gem_shmem_object *shmem;
	bool vram = args->placement & ~VXE_SYSMEM_MASK;
	int err;

	err = vxe_user_extensions_check(args->extensions);
	if (err)
		return err;
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

	shmem = drm_gem_shmem_create(dev, args->size);
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	err = drm_gem_handle_create(file, &shmem->base, &args->handle);
	/* The handle holds the object now (or creation failed). */
	drm_gem_object_put(&shmem->base);
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
