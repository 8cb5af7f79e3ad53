// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe VMs: the GPU VA space (drm_gpuvm), the CPU-address mirror
 * (drm_gpusvm) and the GPU page-fault handler.
 *
 * Fault path (see Documentation/gpu/rfc/gpusvm-pagelock.rst): the
 * software GPU finds no translation and queues the fault; the fault worker
 * calls vxe_vm_handle_fault(), which under the VM lock collects garbage,
 * finds the mirror VMA and hands the rest to the engine's fault sequence,
 * drm_gpusvm_fault(): range, placement (vxe_svm_placement()), pages,
 * page-table directories (vxe_svm_prepare()) and the PTEs (vxe_svm_commit())
 * under rules R1 and R2; then the GPU replays the access.
 */

#include <linux/ktime.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_pagemap.h>
#include <drm/xe_drm.h>

#include "vxe_drv.h"

#define VXE_NOTIFIER_SIZE	SZ_512M
static const unsigned long vxe_chunk_sizes[] = { SZ_2M, SZ_64K, SZ_4K };

static struct vxe_vm *gpusvm_to_vm(struct drm_gpusvm *gpusvm)
{
	return container_of(gpusvm, struct vxe_vm, gpusvm);
}

static struct vxe_svm_range *to_vxe_range(struct drm_gpusvm_range *r)
{
	return container_of(r, struct vxe_svm_range, base);
}

static struct drm_gpusvm_range *vxe_svm_range_alloc(struct drm_gpusvm *gpusvm)
{
	struct vxe_svm_range *r = kzalloc_obj(*r);

	if (!r)
		return NULL;
	INIT_LIST_HEAD(&r->gc_link);
	return &r->base;
}

static void vxe_svm_range_free(struct drm_gpusvm_range *range)
{
	struct vxe_svm_range *r = to_vxe_range(range);
	struct vxe_vm *vm = gpusvm_to_vm(range->gpusvm);

	/* Removed by fini while queued for garbage collection: unqueue. */
	spin_lock(&vm->gc_lock);
	list_del(&r->gc_link);
	spin_unlock(&vm->gc_lock);
	kfree(r);
}

/*
 * The CPU mapping changed: zap the GPU PTEs of every affected range and
 * drop their DMA mappings. Runs with the notifier lock held for write: no
 * page lock, no allocation, no sleeping lock.
 */
static void vxe_svm_invalidate(struct drm_gpusvm *gpusvm,
			       struct drm_gpusvm_notifier *notifier,
			       const struct mmu_notifier_range *mmu_range)
{
	struct drm_gpusvm_ctx ctx = { .in_notifier = true };
	struct vxe_vm *vm = gpusvm_to_vm(gpusvm);
	struct drm_gpusvm_range *range = NULL;

	drm_gpusvm_for_each_range(range, notifier, mmu_range->start,
				  mmu_range->end) {
		struct vxe_svm_range *r = to_vxe_range(range);

		if (r->bound) {
			vxe_pt_zap(vm, drm_gpusvm_range_start(range),
				   drm_gpusvm_range_end(range));
			r->bound = false;
		}
		drm_gpusvm_range_unmap_pages(gpusvm, range, &ctx);

		if (mmu_range->event == MMU_NOTIFY_UNMAP) {
			drm_gpusvm_range_set_unmapped(range, mmu_range);
			spin_lock(&vm->gc_lock);
			if (list_empty(&r->gc_link))
				list_add_tail(&r->gc_link, &vm->gc_list);
			spin_unlock(&vm->gc_lock);
		}
	}
}

/**
 * vxe_vm_gc() - remove the SVM ranges whose CPU mapping went away
 * @vm: the VM (its lock held for write)
 */
void vxe_vm_gc(struct vxe_vm *vm)
{
	struct vxe_svm_range *r;

	lockdep_assert_held_write(&vm->lock);
	if (!(vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE))
		return;

	spin_lock(&vm->gc_lock);
	while ((r = list_first_entry_or_null(&vm->gc_list,
					     struct vxe_svm_range, gc_link))) {
		list_del_init(&r->gc_link);
		spin_unlock(&vm->gc_lock);
		/* Its PTEs went with the invalidation that queued it. */
		drm_gpusvm_range_remove(&vm->gpusvm, &r->base);
		spin_lock(&vm->gc_lock);
	}
	spin_unlock(&vm->gc_lock);
}

static void vxe_vm_count_fault(struct vxe_vm *vm, unsigned long size, s64 us)
{
	struct vxe_device *vxe = vm->vxe;
	int sz = size == SZ_2M ? 2 : size == SZ_64K ? 1 : 0;

	atomic64_inc(&vxe->fault_hist[sz][vxe_fault_bucket(max_t(s64, us, 0))]);
	vxe_stat_add(vxe, VXE_STAT_SVM_PAGEFAULT_COUNT, 1);
	switch (size) {
	case SZ_2M:
		vxe_stat_add(vxe, VXE_STAT_SVM_2M_PAGEFAULT_COUNT, 1);
		vxe_stat_add(vxe, VXE_STAT_SVM_2M_PAGEFAULT_US, us);
		break;
	case SZ_64K:
		vxe_stat_add(vxe, VXE_STAT_SVM_64K_PAGEFAULT_COUNT, 1);
		vxe_stat_add(vxe, VXE_STAT_SVM_64K_PAGEFAULT_US, us);
		break;
	default:
		vxe_stat_add(vxe, VXE_STAT_SVM_4K_PAGEFAULT_COUNT, 1);
		vxe_stat_add(vxe, VXE_STAT_SVM_4K_PAGEFAULT_US, us);
		break;
	}
}

/* One vxe fault or prefetch: the engine's request and where it goes. */
struct vxe_svm_fault {
	struct drm_gpusvm_fault base;
	u32 region;
};

/*
 * drm_gpusvm_ops.fault_placement: VXE_VRAM_MASK moves ranges of 64 KiB
 * and more into VRAM (4 KiB ones stay in system memory, as on Xe without
 * 4 KiB VRAM pages); 0 leaves the pages where they are.
 */
static struct drm_gpusvm_pool *
vxe_svm_placement(struct drm_gpusvm *gpusvm, struct drm_gpusvm_range *range,
		  const struct drm_gpusvm_fault *fault)
{
	const struct vxe_svm_fault *f =
		container_of(fault, struct vxe_svm_fault, base);
	struct vxe_device *vxe = gpusvm_to_vm(gpusvm)->vxe;

	if (f->region != VXE_VRAM_MASK || drm_gpusvm_range_size(range) < SZ_64K)
		return NULL;
	return &vxe->pool;
}

/*
 * drm_gpusvm_ops.fault_prepare: the page-table directories (once there,
 * a later attempt finds them).
 */
static int vxe_svm_prepare(struct drm_gpusvm *gpusvm,
			   struct drm_gpusvm_range *range)
{
	return vxe_pt_prepare(gpusvm_to_vm(gpusvm),
			      drm_gpusvm_range_start(range),
			      drm_gpusvm_range_end(range));
}

/*
 * drm_gpusvm_ops.fault_commit: the PTEs, under the notifier lock, R1
 * checked and the device folios locked (R2) by the engine.
 */
static int vxe_svm_commit(struct drm_gpusvm *gpusvm,
			  struct drm_gpusvm_range *range)
{
	vxe_pt_bind(gpusvm_to_vm(gpusvm), drm_gpusvm_range_start(range),
		    drm_gpusvm_range_end(range), range->pages.dma_addr);
	to_vxe_range(range)->bound = true;
	return 0;
}

static const struct drm_gpusvm_ops vxe_gpusvm_ops = {
	.range_alloc = vxe_svm_range_alloc,
	.range_free = vxe_svm_range_free,
	.invalidate = vxe_svm_invalidate,
	.fault_placement = vxe_svm_placement,
	.fault_prepare = vxe_svm_prepare,
	.fault_commit = vxe_svm_commit,
};

/*
 * Bind the SVM range around @addr in the mirror VMA @va through the
 * engine's fault sequence. Stores the end of that range in @end; a GPU
 * fault (@count) updates the statistics, a prefetch does not. @region is
 * where the pages should be: VXE_VRAM_MASK into VRAM (see
 * vxe_svm_placement()), VXE_SYSMEM_MASK back to system memory, 0 where
 * they are. An @atomic access gets the timeslice. VM lock held for write.
 */
static int vxe_svm_fault(struct vxe_vm *vm, struct drm_gpuva *va, u64 addr,
			 bool write, bool atomic, bool count, u32 region,
			 u64 *end)
{
	struct vxe_device *vxe = vm->vxe;
	struct vxe_svm_fault f = {
		.base = {
			.addr = addr,
			.gpuva_start = va->va.addr,
			.gpuva_end = va->va.addr + va->va.range,
			/* Our VRAM pages map directly; others migrate back. */
			.device_private_page_owner =
				vxe_has_vram(vxe) ? vxe : NULL,
			/* Both sides of the timeslice, for atomics only (upstream's). */
			.timeslice_ms = atomic ? VXE_TIMESLICE_MS : 0,
			.patience = VXE_FAULT_PATIENCE,
			.retries = VXE_FAULT_RETRIES,
			.backoff_us = VXE_FAULT_BACKOFF_US,
			.write = write,
			/* New ranges over private anonymous memory may go to VRAM. */
			.devmem_possible = vxe_has_vram(vxe),
			.to_sysmem = region == VXE_SYSMEM_MASK,
		},
		.region = region,
	};
	unsigned long size;
	ktime_t t0 = ktime_get();
	int err;

	err = drm_gpusvm_fault(&vm->gpusvm, &f.base);
	if (err)
		return err;
	size = drm_gpusvm_range_size(f.base.range);
	*end = drm_gpusvm_range_end(f.base.range);
	if (f.base.migrate_us >= 0) {
		vxe_stat_add(vxe, size == SZ_2M ? VXE_STAT_SVM_2M_MIGRATE_COUNT :
						  VXE_STAT_SVM_64K_MIGRATE_COUNT, 1);
		vxe_stat_add(vxe, size == SZ_2M ? VXE_STAT_SVM_2M_MIGRATE_US :
						  VXE_STAT_SVM_64K_MIGRATE_US,
			     f.base.migrate_us);
	}
	if (count)
		vxe_vm_count_fault(vm, size, ktime_us_delta(ktime_get(), t0));
	return 0;
}

/**
 * vxe_vm_handle_fault() - serve a GPU page fault on a VM
 * @vm: the VM
 * @addr: the faulting GPU virtual address
 * @write: the access was a write
 * @atomic: the access was an atomic (VXE_TIMESLICE_MS applies)
 *
 * A fault in the mirror binds the SVM range around @addr; a fault in a
 * userptr binds its current pages. BO VMAs are bound when mapped, so a
 * fault there, or where nothing is mapped, cannot be served.
 *
 * Return: 0 when the access can be replayed, or a negative errno when the
 * fault cannot be served (nothing mapped at @addr, no CPU mapping, a write
 * to a read-only mapping, the VM is closed).
 */
int vxe_vm_handle_fault(struct vxe_vm *vm, u64 addr, bool write, bool atomic)
{
	struct drm_gpuva *va;
	u64 end;
	int err;

	down_write(&vm->lock);
	if (vm->closed) {
		err = -ENOENT;
		goto out;
	}
	vxe_vm_gc(vm);

	va = drm_gpuva_find_first(&vm->gpuvm, addr, 1);
	if (!va)
		err = -EFAULT;
	else if (to_vxe_vma(va)->kind == VXE_VMA_MIRROR)
		err = vxe_svm_fault(vm, va, addr, write, atomic, true,
				    vxe_has_vram(vm->vxe) ? VXE_VRAM_MASK : 0,
				    &end);
	else if (to_vxe_vma(va)->kind == VXE_VMA_USERPTR)
		err = vxe_userptr_fault(vm, to_vxe_vma(va));
	else
		err = -EFAULT;
out:
	up_write(&vm->lock);
	return err;
}

/* Prefetch the CPU-mapped parts of [addr, end) of the mirror VMA @va. */
static int vxe_svm_prefetch(struct vxe_vm *vm, struct drm_gpuva *va,
			    u64 addr, u64 end, u32 region)
{
	u64 next;
	int err;

	addr = max(addr, va->va.addr);
	end = min(end, va->va.addr + va->va.range);
	while (addr < end) {
		next = drm_gpusvm_find_vma_start(&vm->gpusvm, addr, end);
		if (next == ULONG_MAX)
			break;
		addr = max(addr, next);
		err = vxe_svm_fault(vm, va, addr, false, false, false, region,
				    &next);
		/* Holes are skipped, as upstream. */
		if (err == -EFAULT)
			next = addr + PAGE_SIZE;
		else if (err)
			return err;
		addr = next;
	}
	return 0;
}

/**
 * vxe_vm_prefetch() - bind [addr, addr + range) ahead of GPU access
 * @vm: the VM
 * @addr: start of the span
 * @range: its size
 * @instance: memory region: 0 system memory, 1 VRAM, or
 *	DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC (VRAM when there is VRAM)
 *
 * Binds every SVM range of the span that has a CPU mapping, in the region
 * asked for, and rebinds invalidated userptrs, without counting GPU
 * faults.
 *
 * Return: 0 or a negative errno.
 */
int vxe_vm_prefetch(struct vxe_vm *vm, u64 addr, u64 range, u32 instance)
{
	u32 region = instance ? VXE_VRAM_MASK : VXE_SYSMEM_MASK;
	struct drm_gpuva *va;
	int err = 0;

	down_write(&vm->lock);
	if (vm->closed) {
		err = -ENOENT;
		goto out;
	}
	vxe_vm_gc(vm);
	drm_gpuvm_for_each_va_range(va, &vm->gpuvm, addr, addr + range) {
		struct vxe_vma *vma = to_vxe_vma(va);

		if (vma->kind == VXE_VMA_MIRROR)
			err = vxe_svm_prefetch(vm, va, addr, addr + range,
					       vxe_has_vram(vm->vxe) ? region : 0);
		else if (vma->kind == VXE_VMA_USERPTR)
			err = vxe_userptr_fault(vm, vma);
		if (err)
			break;
	}
out:
	up_write(&vm->lock);
	return err;
}

/* ---- the VM ---- */

/**
 * vxe_vm_free() - free a VM once its last reference is gone
 * @vm: the VM, closed
 */
void vxe_vm_free(struct vxe_vm *vm)
{
	vxe_pt_fini(vm);
	kfree(vm);
}

/**
 * vxe_vm_get() - take a reference on a VM
 * @vm: the VM
 *
 * Return: @vm.
 */
struct vxe_vm *vxe_vm_get(struct vxe_vm *vm)
{
	drm_gpuvm_get(&vm->gpuvm);
	return vm;
}

/**
 * vxe_vm_put() - drop a reference on a VM
 * @vm: the VM
 */
void vxe_vm_put(struct vxe_vm *vm)
{
	drm_gpuvm_put(&vm->gpuvm);
}

/*
 * Close a VM: no fault is served any more, every GPU mapping and the
 * mirror go. Jobs still holding the VM fault and ban their queue.
 */
void vxe_vm_close(struct vxe_vm *vm)
{
	down_write(&vm->lock);
	vm->closed = true;
	vxe_vm_unmap_all(vm);
	vxe_vm_gc(vm);
	drm_gpusvm_fini(&vm->gpusvm);
	up_write(&vm->lock);
}

int vxe_vm_create_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct vxe_device *vxe = to_vxe(dev);
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_vm_create *args = data;
	struct drm_gem_object *r_obj;
	struct vxe_vm *vm;
	u32 id;
	int err;

	if (args->extensions || args->reserved[0] || args->reserved[1])
		return -EINVAL;
	if (args->flags & ~VXE_VM_CREATE_FLAGS)
		return -EINVAL;
	if ((args->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE) &&
	    !(args->flags & DRM_XE_VM_CREATE_FLAG_LR_MODE))
		return -EINVAL;
	if ((args->flags & DRM_XE_VM_CREATE_FLAG_NO_VM_OVERCOMMIT) &&
	    !(args->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE))
		return -EINVAL;

	vm = kzalloc_obj(*vm);
	if (!vm)
		return -ENOMEM;
	vm->vxe = vxe;
	vm->flags = args->flags;
	init_rwsem(&vm->lock);
	spin_lock_init(&vm->gc_lock);
	INIT_LIST_HEAD(&vm->gc_list);

	err = vxe_pt_init(vm);
	if (err)
		goto err_free;

	r_obj = drm_gpuvm_resv_object_alloc(dev);
	if (!r_obj) {
		err = -ENOMEM;
		goto err_pt;
	}
	drm_gpuvm_init(&vm->gpuvm, "vxe", 0, dev, r_obj, 0, VXE_VM_SIZE,
		       0, 0, &vxe_gpuvm_ops);
	drm_gem_object_put(r_obj);

	if (args->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE)
		err = drm_gpusvm_init(&vm->gpusvm, "vxe", dev, current->mm, 0,
				      min_t(u64, VXE_VM_SIZE, TASK_SIZE),
				      VXE_NOTIFIER_SIZE, &vxe_gpusvm_ops,
				      vxe_chunk_sizes,
				      ARRAY_SIZE(vxe_chunk_sizes));
	else
		err = drm_gpusvm_init(&vm->gpusvm, "vxe-userptr", dev, NULL, 0,
				      0, 0, NULL, NULL, 0);
	if (err)
		goto err_put;
	drm_gpusvm_driver_set_lock(&vm->gpusvm, &vm->lock);

	err = xa_alloc(&vf->vms, &id, vm, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto err_close;
	args->vm_id = id;
	return 0;

err_close:
	vxe_vm_close(vm);
err_put:
	vxe_vm_put(vm);
	return err;
err_pt:
	vxe_pt_fini(vm);
err_free:
	kfree(vm);
	return err;
}

int vxe_vm_destroy_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_vm_destroy *args = data;
	struct vxe_vm *vm;

	if (args->pad || args->reserved[0] || args->reserved[1])
		return -EINVAL;

	vm = xa_erase(&vf->vms, args->vm_id);
	if (!vm)
		return -ENOENT;

	vxe_vm_close(vm);
	vxe_vm_put(vm);
	return 0;
}

/**
 * vxe_vm_lookup() - find a VM of a file and reference it
 * @vf: the file
 * @id: the VM id
 *
 * Return: the VM, referenced, or NULL.
 */
struct vxe_vm *vxe_vm_lookup(struct vxe_file *vf, u32 id)
{
	struct vxe_vm *vm;

	xa_lock(&vf->vms);
	vm = xa_load(&vf->vms, id);
	if (vm)
		vxe_vm_get(vm);
	xa_unlock(&vf->vms);
	return vm;
}
