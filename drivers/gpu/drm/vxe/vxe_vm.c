// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe VMs: the GPU VA space (drm_gpuvm), the CPU-address mirror
 * (drm_gpusvm) and the GPU page-fault handler.
 *
 * Fault path, in order (see Documentation/gpu/rfc/gpusvm-pagelock.rst):
 * the software GPU finds no translation and queues the fault; the fault
 * worker calls vxe_vm_handle_fault(), which under the VM lock collects
 * garbage, finds the mirror VMA, finds or inserts the SVM range, gets its
 * pages (hmm_range_fault() + the notifier sequence), allocates page-table
 * directories, and under the notifier lock commits PTEs only if the
 * sequence is unchanged (rule R1); then the GPU replays the access.
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

/* A drm_gpuva of the CPU-address mirror. */
#define VXE_VA_MIRROR		DRM_GPUVA_USERBITS

#define VXE_NOTIFIER_SIZE	SZ_512M
/* Get-pages/commit attempts before a fault is declared unserviceable. */
#define VXE_FAULT_RETRIES	64

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

static const struct drm_gpusvm_ops vxe_gpusvm_ops = {
	.range_alloc = vxe_svm_range_alloc,
	.range_free = vxe_svm_range_free,
	.invalidate = vxe_svm_invalidate,
};

/* Remove the ranges whose CPU mapping went away. VM lock held for write. */
static void vxe_vm_gc(struct vxe_vm *vm)
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

/*
 * Get the pages of @range and commit its PTEs if no invalidation ran in
 * between. VM lock held for write.
 */
static int vxe_svm_bind_range(struct vxe_vm *vm, struct drm_gpusvm_range *range,
			      const struct drm_gpusvm_ctx *ctx)
{
	unsigned long start = drm_gpusvm_range_start(range);
	unsigned long end = drm_gpusvm_range_end(range);
	int tries, err;

	err = vxe_pt_prepare(vm, start, end);
	if (err)
		return err;

	for (tries = 0; tries < VXE_FAULT_RETRIES; tries++) {
		err = drm_gpusvm_range_get_pages(&vm->gpusvm, range, ctx);
		if (err)
			return err;

		drm_gpusvm_notifier_lock(&vm->gpusvm);
		if (!mmu_interval_read_retry(&range->notifier->notifier,
					     range->pages.notifier_seq) &&
		    drm_gpusvm_range_pages_valid(&vm->gpusvm, range)) {
			vxe_pt_bind(vm, start, end, range->pages.dma_addr);
			to_vxe_range(range)->bound = true;
			drm_gpusvm_notifier_unlock(&vm->gpusvm);
			return 0;
		}
		drm_gpusvm_notifier_unlock(&vm->gpusvm);
	}
	return -EAGAIN;
}

/*
 * Make @addr accessible to the GPU: bind the SVM range around it. Stores the
 * end of that range in @end; a GPU fault (@count) updates the statistics,
 * a prefetch does not.
 */
static int __vxe_vm_fault(struct vxe_vm *vm, u64 addr, bool write,
			  bool count, u64 *end)
{
	struct drm_gpusvm_ctx ctx = {};
	struct drm_gpusvm_range *range;
	struct drm_gpuva *va;
	ktime_t t0 = ktime_get();
	int attempt, err;

	down_write(&vm->lock);
	if (vm->closed || !(vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE)) {
		err = -ENOENT;
		goto out;
	}

	for (attempt = 0; attempt < 2; attempt++) {
		vxe_vm_gc(vm);

		va = drm_gpuva_find_first(&vm->gpuvm, addr, 1);
		if (!va || !(va->flags & VXE_VA_MIRROR)) {
			err = -EFAULT;
			goto out;
		}

		/* Map writable where the CPU may write, else read-only. */
		ctx.read_only = false;
		range = drm_gpusvm_range_find_or_insert(&vm->gpusvm, addr,
							va->va.addr,
							va->va.addr + va->va.range,
							&ctx);
		if (PTR_ERR_OR_ZERO(range) == -EPERM && !write) {
			ctx.read_only = true;
			range = drm_gpusvm_range_find_or_insert(&vm->gpusvm, addr,
								va->va.addr,
								va->va.addr + va->va.range,
								&ctx);
		}
		if (IS_ERR(range)) {
			err = PTR_ERR(range);
			goto out;
		}

		err = vxe_svm_bind_range(vm, range, &ctx);
		/* Unmapped while we worked: collect it and look again. */
		if (err == -EFAULT && range->pages.flags.unmapped)
			continue;
		break;
	}
	if (!err) {
		*end = drm_gpusvm_range_end(range);
		if (count)
			vxe_vm_count_fault(vm, drm_gpusvm_range_size(range),
					   ktime_us_delta(ktime_get(), t0));
	}
out:
	up_write(&vm->lock);
	return err;
}

/**
 * vxe_vm_handle_fault() - serve a GPU page fault on a VM
 * @vm: the VM
 * @addr: the faulting GPU virtual address
 * @write: the access was a write
 *
 * Return: 0 when the access can be replayed, or a negative errno when the
 * fault cannot be served (no mirror at @addr, no CPU mapping, a write to a
 * read-only mapping, the VM is closed).
 */
int vxe_vm_handle_fault(struct vxe_vm *vm, u64 addr, bool write)
{
	u64 end;

	return __vxe_vm_fault(vm, addr, write, true, &end);
}

/* ---- drm_gpuvm: the VA space ---- */

static void vxe_vm_free(struct drm_gpuvm *gpuvm)
{
	struct vxe_vm *vm = container_of(gpuvm, struct vxe_vm, gpuvm);

	vxe_pt_fini(vm);
	kfree(vm);
}

/*
 * Removing or cutting a mirror VMA must not leave GPU mappings behind;
 * vxe_vm_bind_op() refused the operation while SVM ranges live there.
 */
static int vxe_sm_step_map(struct drm_gpuva_op *op, void *priv)
{
	struct vxe_vm *vm = priv;
	struct drm_gpuva *va = kzalloc_obj(*va);

	if (!va)
		return -ENOMEM;
	drm_gpuva_map(&vm->gpuvm, va, &op->map);
	va->flags |= VXE_VA_MIRROR;
	return 0;
}

static int vxe_sm_step_remap(struct drm_gpuva_op *op, void *priv)
{
	struct drm_gpuva *old = op->remap.unmap->va;
	struct drm_gpuva *prev = NULL, *next = NULL;

	if (op->remap.prev) {
		prev = kzalloc_obj(*prev);
		if (!prev)
			return -ENOMEM;
	}
	if (op->remap.next) {
		next = kzalloc_obj(*next);
		if (!next) {
			kfree(prev);
			return -ENOMEM;
		}
	}
	drm_gpuva_remap(prev, next, &op->remap);
	if (prev)
		prev->flags = old->flags;
	if (next)
		next->flags = old->flags;
	kfree(old);
	return 0;
}

static int vxe_sm_step_unmap(struct drm_gpuva_op *op, void *priv)
{
	struct drm_gpuva *va = op->unmap.va;

	drm_gpuva_unmap(&op->unmap);
	kfree(va);
	return 0;
}

static const struct drm_gpuvm_ops vxe_gpuvm_ops = {
	.vm_free = vxe_vm_free,
	.sm_step_map = vxe_sm_step_map,
	.sm_step_remap = vxe_sm_step_remap,
	.sm_step_unmap = vxe_sm_step_unmap,
};

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
 * Close a VM: no fault is served any more, the mirror and every GPU
 * mapping go. Jobs still holding the VM fault and ban their queue.
 */
void vxe_vm_close(struct vxe_vm *vm)
{
	struct drm_gpuva *va, *next;

	down_write(&vm->lock);
	vm->closed = true;
	if (vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE) {
		vxe_vm_gc(vm);
		drm_gpusvm_fini(&vm->gpusvm);
	}
	down_write(&vm->gpusvm.notifier_lock);
	vxe_pt_zap_all(vm);
	up_write(&vm->gpusvm.notifier_lock);
	drm_gpuvm_for_each_va_safe(va, next, &vm->gpuvm) {
		drm_gpuva_remove(va);
		kfree(va);
	}
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
	init_rwsem(&vm->gpusvm.notifier_lock);

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

	if (args->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE) {
		err = drm_gpusvm_init(&vm->gpusvm, "vxe", dev, current->mm, 0,
				      min_t(u64, VXE_VM_SIZE, TASK_SIZE),
				      VXE_NOTIFIER_SIZE, &vxe_gpusvm_ops,
				      vxe_chunk_sizes,
				      ARRAY_SIZE(vxe_chunk_sizes));
		if (err)
			goto err_put;
		drm_gpusvm_driver_set_lock(&vm->gpusvm, &vm->lock);
	}

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

/* Validate one bind operation as upstream Xe does (vm_bind_ioctl_check_args). */
static int vxe_vm_bind_check_op(struct vxe_vm *vm,
				const struct drm_xe_vm_bind_op *op)
{
	bool mirror = op->flags & DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR;
	bool is_null = op->flags & DRM_XE_VM_BIND_FLAG_NULL;

	if (op->extensions || op->pad || op->pad2 ||
	    op->reserved[0] || op->reserved[1] || op->reserved[2])
		return -EINVAL;
	if (mirror && !(vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE))
		return -EINVAL;
	/* Out of the table, or a reserved (hardware) entry. */
	if (op->pat_index >= VXE_PAT_ENTRIES ||
	    !vxe_pat_table[array_index_nospec(op->pat_index, VXE_PAT_ENTRIES)].valid)
		return -EINVAL;
	/* Without VRAM the device is integrated: the mirror must be coherent. */
	if (mirror && !vxe_pat_table[array_index_nospec(op->pat_index,
							VXE_PAT_ENTRIES)].coh)
		return -EINVAL;
	if (op->op > DRM_XE_VM_BIND_OP_PREFETCH ||
	    op->flags & ~VXE_VM_BIND_FLAGS ||
	    (op->obj && (is_null || mirror)) ||
	    (op->obj_offset && (is_null || mirror)) ||
	    (op->op != DRM_XE_VM_BIND_OP_MAP && (is_null || mirror)) ||
	    (!op->obj && op->op == DRM_XE_VM_BIND_OP_MAP && !is_null && !mirror) ||
	    (!op->obj && op->op == DRM_XE_VM_BIND_OP_UNMAP_ALL) ||
	    (op->addr && op->op == DRM_XE_VM_BIND_OP_UNMAP_ALL) ||
	    (op->range && op->op == DRM_XE_VM_BIND_OP_UNMAP_ALL) ||
	    (op->obj && op->op == DRM_XE_VM_BIND_OP_MAP_USERPTR) ||
	    (op->obj && op->op == DRM_XE_VM_BIND_OP_PREFETCH) ||
	    (op->prefetch_mem_region_instance &&
	     op->op != DRM_XE_VM_BIND_OP_PREFETCH) ||
	    (op->prefetch_mem_region_instance != DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC &&
	     (op->prefetch_mem_region_instance >= 32 ||
	      !(BIT(op->prefetch_mem_region_instance) & VXE_MEM_REGION_MASK))) ||
	    (op->obj && op->op == DRM_XE_VM_BIND_OP_UNMAP) ||
	    ((op->flags & DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET) &&
	     (!mirror || op->op != DRM_XE_VM_BIND_OP_MAP)))
		return -EINVAL;
	if ((op->obj_offset & ~PAGE_MASK) || (op->addr & ~PAGE_MASK) ||
	    (op->range & ~PAGE_MASK) ||
	    (!op->range && op->op != DRM_XE_VM_BIND_OP_UNMAP_ALL))
		return -EINVAL;
	if (op->range > VXE_VM_SIZE || op->addr > VXE_VM_SIZE - op->range)
		return -EINVAL;
	return 0;
}

/*
 * Prefetch to system memory: bind every range of the span that has a CPU
 * mapping, without counting GPU faults. Holes are skipped, as upstream.
 */
static int vxe_vm_prefetch(struct vxe_vm *vm, u64 addr, u64 range)
{
	u64 end = addr + range, next;
	int err;

	while (addr < end) {
		next = drm_gpusvm_find_vma_start(&vm->gpusvm, addr, end);
		if (next == ULONG_MAX)
			break;
		addr = max(addr, next);
		err = __vxe_vm_fault(vm, addr, false, false, &next);
		if (err == -ENOENT || err == -EFAULT)
			next = addr + PAGE_SIZE;
		else if (err)
			return err;
		addr = next;
	}
	return 0;
}

static int vxe_vm_bind_op(struct vxe_vm *vm, const struct drm_xe_vm_bind_op *op)
{
	struct drm_gpuvm_map_req req = {
		.map.va.addr = op->addr,
		.map.va.range = op->range,
	};
	bool fault_mode = vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE;
	int err;

	if (op->op == DRM_XE_VM_BIND_OP_PREFETCH)
		return vxe_vm_prefetch(vm, op->addr, op->range);
	if (op->op != DRM_XE_VM_BIND_OP_MAP && op->op != DRM_XE_VM_BIND_OP_UNMAP)
		return -EOPNOTSUPP;
	if (op->op == DRM_XE_VM_BIND_OP_MAP &&
	    !(op->flags & DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR))
		return -EOPNOTSUPP;

	down_write(&vm->lock);
	if (vm->closed) {
		err = -ENOENT;
		goto out;
	}
	/*
	 * Changing the mirror under live SVM ranges would strand their GPU
	 * mappings: refuse, as upstream does. Ranges whose CPU mapping is
	 * gone are collected first, so this clears right after munmap.
	 */
	if (fault_mode) {
		vxe_vm_gc(vm);
		if (drm_gpusvm_has_mapping(&vm->gpusvm, op->addr,
					   op->addr + op->range)) {
			err = -EBUSY;
			goto out;
		}
	}
	if (op->op == DRM_XE_VM_BIND_OP_MAP)
		err = drm_gpuvm_sm_map(&vm->gpuvm, vm, &req);
	else if (!drm_gpuva_find_first(&vm->gpuvm, op->addr, op->range))
		err = -ENODATA;	/* nothing to do, as upstream says */
	else
		err = drm_gpuvm_sm_unmap(&vm->gpuvm, vm, op->addr, op->range);
out:
	up_write(&vm->lock);
	return err;
}

int vxe_vm_bind_ioctl(struct drm_device *dev, void *data,
		      struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_vm_bind *args = data;
	struct drm_xe_vm_bind_op *ops;
	struct vxe_sync sync = {};
	struct vxe_vm *vm;
	u32 i;
	int err;

	if (args->pad || args->pad2 || args->reserved[0] || args->reserved[1] ||
	    args->extensions || args->num_syncs > DRM_XE_MAX_SYNCS)
		return -EINVAL;

	if (args->num_binds > 1) {
		ops = kvmalloc_array(args->num_binds, sizeof(*ops), GFP_KERNEL);
		if (!ops)
			return -ENOBUFS;
		if (copy_from_user(ops, u64_to_user_ptr(args->vector_of_binds),
				   sizeof(*ops) * args->num_binds)) {
			err = -EFAULT;
			goto out_free;
		}
	} else {
		ops = &args->bind;
	}

	vm = vxe_vm_lookup(vf, args->vm_id);
	if (!vm) {
		err = -EINVAL;
		goto out_free;
	}
	if (args->exec_queue_id) {
		err = vxe_queue_check_bind(vf, args->exec_queue_id, vm);
		if (err)
			goto out_put;
	}
	for (i = 0; i < args->num_binds; i++) {
		err = vxe_vm_bind_check_op(vm, &ops[i]);
		if (err)
			goto out_put;
	}
	err = vxe_sync_parse(u64_to_user_ptr(args->syncs), args->num_syncs,
			     &sync);
	if (err)
		goto out_put;
	/* Nothing to bind: upstream refuses a fence to signal, then says so. */
	if (!args->num_binds) {
		err = sync.ufence ? -EOPNOTSUPP : -ENODATA;
		goto out_put;
	}

	for (i = 0; i < args->num_binds && !err; i++)
		err = vxe_vm_bind_op(vm, &ops[i]);

	/* Binds complete synchronously: the CPU signals the user fence. */
	if (!err)
		err = vxe_sync_signal_cpu(vm->vxe, &sync);
out_put:
	vxe_vm_put(vm);
out_free:
	if (args->num_binds > 1)
		kvfree(ops);
	return err;
}
