// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe VM_BIND: the GPU VA space of a VM is a drm_gpuvm holding VMAs of
 * three kinds. The CPU-address mirror is served by GPU page faults through
 * drm_gpusvm (vxe_vm.c); buffer objects and userptrs are bound when they
 * are mapped, and a userptr whose CPU mapping changed is bound again by
 * the next GPU fault on it.
 *
 * A bind asks drm_gpuvm for the operations it takes (map, remap - a split
 * of an existing VMA -, unmap), prepares everything that can fail (new
 * VMAs, pinned BO pages, userptr notifiers and pages, page-table
 * directories), then commits with the notifier lock held for write: the
 * GPU sees the old mappings or the new ones, never a hole in a part that
 * stays mapped. The VMAs it replaced are torn down after the commit.
 */

#include <linux/nospec.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_pagemap.h>
#include <drm/xe_drm.h>

#include "vxe_drv.h"

/**
 * struct vxe_vma_op - a drm_gpuvm operation and the VMAs it creates
 * @base: the operation
 * @map: the new VMA of a MAP
 * @prev: the lower part kept by a REMAP
 * @next: the upper part kept by a REMAP
 */
struct vxe_vma_op {
	struct drm_gpuva_op base;
	struct vxe_vma *map;
	struct vxe_vma *prev;
	struct vxe_vma *next;
};

static struct vxe_vma_op *to_vxe_op(struct drm_gpuva_op *op)
{
	return container_of(op, struct vxe_vma_op, base);
}

/*
 * What a new VMA maps. For a REMAP the kept parts take the kind of the VMA
 * they come from; drm_gpuvm computes their BO offsets, userptr addresses
 * follow the GPU addresses.
 */
struct vxe_vma_desc {
	enum vxe_vma_kind kind;
	struct drm_gem_object *obj;
	struct mm_struct *mm;
	u64 cpu_addr;
	bool read_only;
};

static unsigned long vxe_vma_npages(const struct vxe_vma *vma)
{
	return vma->va.va.range >> PAGE_SHIFT;
}

/* ---- userptr ---- */

/*
 * The CPU mapping under a userptr changed: zap its PTEs and drop its DMA
 * mappings. The next GPU access faults and binds the new pages.
 */
static bool vxe_userptr_invalidate(struct mmu_interval_notifier *mni,
				   const struct mmu_notifier_range *range,
				   unsigned long cur_seq)
{
	struct vxe_vma *vma = container_of(mni, struct vxe_vma, notifier);
	struct drm_gpusvm_ctx ctx = { .in_notifier = true };
	struct vxe_vm *vm = vma->vm;

	if (!mmu_notifier_range_blockable(range))
		return false;

	down_write(&vm->gpusvm.notifier_lock);
	mmu_interval_set_seq(mni, cur_seq);
	if (vma->bound) {
		vxe_pt_zap(vm, vma->va.va.addr,
			   vma->va.va.addr + vma->va.va.range);
		vma->bound = false;
	}
	drm_gpusvm_unmap_pages(&vm->gpusvm, &vma->pages, vxe_vma_npages(vma),
			       &ctx);
	up_write(&vm->gpusvm.notifier_lock);
	return true;
}

static const struct mmu_interval_notifier_ops vxe_userptr_notifier_ops = {
	.invalidate = vxe_userptr_invalidate,
};

static int vxe_userptr_get_pages(struct vxe_vma *vma)
{
	struct drm_gpusvm_ctx ctx = { .read_only = vma->read_only };

	return drm_gpusvm_get_pages(&vma->vm->gpusvm, &vma->pages,
				    vma->notifier.mm, &vma->notifier,
				    vma->cpu_addr,
				    vma->cpu_addr + vma->va.va.range, &ctx);
}

/* Commit a userptr's PTEs if its pages are still current (rule R1). */
static bool vxe_userptr_commit(struct vxe_vm *vm, struct vxe_vma *vma)
{
	lockdep_assert_held(&vm->gpusvm.notifier_lock);

	if (mmu_interval_read_retry(&vma->notifier, vma->pages.notifier_seq) ||
	    !vma->pages.flags.has_dma_mapping)
		return false;
	vxe_pt_bind(vm, vma->va.va.addr, vma->va.va.addr + vma->va.va.range,
		    vma->pages.dma_addr);
	vma->bound = true;
	return true;
}

/**
 * vxe_userptr_fault() - bind a userptr again after its CPU mapping changed
 * @vm: the VM (its lock held for write)
 * @vma: the userptr VMA
 *
 * Return: 0, or the error of getting the pages (-EFAULT when the CPU
 * mapping is gone, -EBUSY when invalidations kept racing the walk for
 * its whole timeout), or -EAGAIN if invalidations kept winning.
 */
int vxe_userptr_fault(struct vxe_vm *vm, struct vxe_vma *vma)
{
	int tries, err;

	lockdep_assert_held_write(&vm->lock);

	for (tries = 0; tries < VXE_FAULT_RETRIES; tries++) {
		bool done;

		err = vxe_userptr_get_pages(vma);
		if (err)
			return err;
		down_read(&vm->gpusvm.notifier_lock);
		done = vxe_userptr_commit(vm, vma);
		up_read(&vm->gpusvm.notifier_lock);
		if (done)
			return 0;
	}
	return -EAGAIN;
}

/* ---- buffer objects ---- */

/* Pin a shmem BO and record the DMA address of each page the VMA maps. */
static int vxe_vma_shmem_addrs(struct vxe_vma *vma, pgoff_t first,
			       unsigned long npages,
			       enum dma_data_direction dir)
{
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(vma->obj);
	struct sg_dma_page_iter iter;
	unsigned long i = 0, n = 0;
	struct sg_table *sgt;
	int err;

	err = drm_gem_shmem_pin(shmem);
	if (err)
		return err;
	vma->pinned = true;

	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);

	for_each_sgtable_dma_page(sgt, &iter, 0) {
		if (i++ < first)
			continue;
		vma->dma[n] = drm_pagemap_addr_encode(sg_page_iter_dma_address(&iter),
						      DRM_INTERCONNECT_SYSTEM,
						      0, dir);
		if (++n == npages)
			break;
	}
	if (WARN_ON(n != npages))
		return -EINVAL;
	return 0;
}

/*
 * Record the address of each BO page the VMA maps (a VRAM BO's stay put
 * for its life, a shmem BO's are pinned) and link the VM to the BO.
 */
static int vxe_vma_bo_init(struct vxe_vma *vma, u64 offset)
{
	unsigned long npages = vxe_vma_npages(vma);
	enum dma_data_direction dir = vma->read_only ? DMA_TO_DEVICE :
						       DMA_BIDIRECTIONAL;
	int err = 0;

	vma->dma = kvcalloc(npages, sizeof(*vma->dma), GFP_KERNEL);
	if (!vma->dma)
		return -ENOMEM;
	if (vxe_gem_is_vram(vma->obj))
		vxe_gem_vram_addrs(vma->obj, offset >> PAGE_SHIFT, npages, dir,
				   vma->dma);
	else
		err = vxe_vma_shmem_addrs(vma, offset >> PAGE_SHIFT, npages,
					  dir);
	if (err)
		return err;

	dma_resv_lock(vma->obj->resv, NULL);
	vma->vm_bo = drm_gpuvm_bo_obtain_locked(&vma->vm->gpuvm, vma->obj);
	dma_resv_unlock(vma->obj->resv);
	if (IS_ERR(vma->vm_bo)) {
		err = PTR_ERR(vma->vm_bo);
		vma->vm_bo = NULL;
		return err;
	}
	return 0;
}

/* ---- VMAs ---- */

/**
 * vxe_vma_destroy() - tear down a VMA that left the VA space
 * @vma: the VMA; its PTEs are gone and it is not in the tree
 *
 * Takes the BO reservation and waits for running userptr invalidations:
 * the VM lock may be held, the notifier lock must not.
 */
void vxe_vma_destroy(struct vxe_vma *vma)
{
	struct drm_gem_object *obj = vma->obj;

	if (obj && (vma->va.vm_bo || vma->vm_bo)) {
		dma_resv_lock(obj->resv, NULL);
		if (vma->va.vm_bo)
			drm_gpuva_unlink(&vma->va);
		if (vma->vm_bo)
			drm_gpuvm_bo_put(vma->vm_bo);
		dma_resv_unlock(obj->resv);
	}
	if (vma->kind == VXE_VMA_USERPTR) {
		if (vma->notifier.mm)
			mmu_interval_notifier_remove(&vma->notifier);
		drm_gpusvm_free_pages(&vma->vm->gpusvm, &vma->pages,
				      vxe_vma_npages(vma));
	}
	if (obj) {
		if (vma->pinned)
			drm_gem_shmem_unpin(to_drm_gem_shmem_obj(obj));
		kvfree(vma->dma);
		drm_gem_object_put(obj);
	}
	kfree(vma);
}

/*
 * A new VMA for [addr, addr + range), not yet in the tree. Its PTEs are
 * written at commit.
 */
static struct vxe_vma *vxe_vma_create(struct vxe_vm *vm,
				      const struct vxe_vma_desc *desc,
				      u64 addr, u64 range, u64 offset)
{
	struct vxe_vma *vma = kzalloc_obj(*vma);
	int err;

	if (!vma)
		return ERR_PTR(-ENOMEM);
	vma->vm = vm;
	vma->kind = desc->kind;
	vma->read_only = desc->read_only;
	/* Sized for the helpers; the tree fills the rest at commit. */
	vma->va.va.addr = addr;
	vma->va.va.range = range;

	/* The mirror's tables come with its ranges, on faults. */
	if (desc->kind != VXE_VMA_MIRROR) {
		err = vxe_pt_prepare(vm, addr, addr + range);
		if (err)
			goto err;
	}

	switch (desc->kind) {
	case VXE_VMA_BO:
		drm_gem_object_get(desc->obj);
		vma->obj = desc->obj;
		err = vxe_vma_bo_init(vma, offset);
		break;
	case VXE_VMA_USERPTR:
		vma->cpu_addr = desc->cpu_addr;
		err = mmu_interval_notifier_insert(&vma->notifier, desc->mm,
						   vma->cpu_addr, range,
						   &vxe_userptr_notifier_ops);
		if (err) {
			vma->notifier.mm = NULL;
			break;
		}
		err = vxe_userptr_get_pages(vma);
		/* -EBUSY means a busy user fence to userspace, as upstream. */
		if (err == -EBUSY)
			err = -ENOMEM;
		break;
	case VXE_VMA_MIRROR:
		break;
	}
	if (err)
		goto err;
	return vma;

err:
	vxe_vma_destroy(vma);
	return ERR_PTR(err);
}

/* Write the PTEs of a VMA just put in the tree. Notifier lock held. */
static void vxe_vma_commit(struct vxe_vm *vm, struct vxe_vma *vma)
{
	switch (vma->kind) {
	case VXE_VMA_BO:
		vxe_pt_bind(vm, vma->va.va.addr,
			    vma->va.va.addr + vma->va.va.range, vma->dma);
		break;
	case VXE_VMA_USERPTR:
		/* Invalidated since the pages were taken: the fault binds. */
		vxe_userptr_commit(vm, vma);
		break;
	case VXE_VMA_MIRROR:
		/* Bound range by range on GPU faults. */
		break;
	}
}

/* Link a committed BO VMA to its object (for eviction walks). */
static void vxe_vma_link(struct vxe_vma *vma)
{
	if (!vma->vm_bo)
		return;
	dma_resv_lock(vma->obj->resv, NULL);
	drm_gpuva_link(&vma->va, vma->vm_bo);
	drm_gpuvm_bo_put(vma->vm_bo);
	vma->vm_bo = NULL;
	dma_resv_unlock(vma->obj->resv);
}

static void vxe_vma_zap(struct vxe_vm *vm, struct vxe_vma *vma, u64 start,
			u64 end)
{
	vxe_pt_zap(vm, start, end);
	vma->bound = false;
}

/* ---- operations ---- */

static struct drm_gpuva_op *vxe_op_alloc(void)
{
	struct vxe_vma_op *op = kzalloc_obj(*op);

	return op ? &op->base : NULL;
}

static void vxe_op_free(struct drm_gpuva_op *op)
{
	kfree(to_vxe_op(op));
}

static void vxe_gpuvm_free(struct drm_gpuvm *gpuvm)
{
	vxe_vm_free(container_of(gpuvm, struct vxe_vm, gpuvm));
}

const struct drm_gpuvm_ops vxe_gpuvm_ops = {
	.vm_free = vxe_gpuvm_free,
	.op_alloc = vxe_op_alloc,
	.op_free = vxe_op_free,
};

static struct vxe_vma *vxe_remap_part(struct vxe_vm *vm, struct vxe_vma *old,
				      const struct drm_gpuva_op_map *part)
{
	struct vxe_vma_desc desc = {
		.kind = old->kind,
		.obj = old->obj,
		.mm = old->notifier.mm,
		.cpu_addr = old->cpu_addr + (part->va.addr - old->va.va.addr),
		.read_only = old->read_only,
	};

	return vxe_vma_create(vm, &desc, part->va.addr, part->va.range,
			      part->gem.offset);
}

/* Create every VMA the operations need. Nothing is visible yet. */
static int vxe_bind_prepare(struct vxe_vm *vm, struct drm_gpuva_ops *ops,
			    const struct vxe_vma_desc *desc)
{
	struct drm_gpuva_op *op;

	drm_gpuva_for_each_op(op, ops) {
		struct vxe_vma_op *vop = to_vxe_op(op);
		struct vxe_vma *old;

		switch (op->op) {
		case DRM_GPUVA_OP_MAP:
			vop->map = vxe_vma_create(vm, desc, op->map.va.addr,
						  op->map.va.range,
						  op->map.gem.offset);
			if (IS_ERR(vop->map))
				return PTR_ERR(vop->map);
			break;
		case DRM_GPUVA_OP_REMAP:
			old = to_vxe_vma(op->remap.unmap->va);
			if (op->remap.prev) {
				vop->prev = vxe_remap_part(vm, old,
							   op->remap.prev);
				if (IS_ERR(vop->prev))
					return PTR_ERR(vop->prev);
			}
			if (op->remap.next) {
				vop->next = vxe_remap_part(vm, old,
							   op->remap.next);
				if (IS_ERR(vop->next))
					return PTR_ERR(vop->next);
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Apply the operations to the tree and the page tables. Cannot fail. */
static void vxe_bind_commit(struct vxe_vm *vm, struct drm_gpuva_ops *ops)
{
	struct drm_gpuva_op *op;

	down_write(&vm->gpusvm.notifier_lock);
	drm_gpuva_for_each_op(op, ops) {
		struct vxe_vma_op *vop = to_vxe_op(op);
		struct vxe_vma *old;
		u64 start, end;

		switch (op->op) {
		case DRM_GPUVA_OP_MAP:
			drm_gpuva_map(&vm->gpuvm, &vop->map->va, &op->map);
			vxe_vma_commit(vm, vop->map);
			break;
		case DRM_GPUVA_OP_REMAP:
			old = to_vxe_vma(op->remap.unmap->va);
			start = old->va.va.addr;
			end = start + old->va.va.range;
			/*
			 * A BO or mirror part keeps its PTEs; a userptr part
			 * has pages of its own and is bound again below.
			 */
			if (old->kind != VXE_VMA_USERPTR) {
				if (vop->prev)
					start = vop->prev->va.va.addr +
						vop->prev->va.va.range;
				if (vop->next)
					end = vop->next->va.va.addr;
			}
			vxe_vma_zap(vm, old, start, end);
			drm_gpuva_remap(vop->prev ? &vop->prev->va : NULL,
					vop->next ? &vop->next->va : NULL,
					&op->remap);
			if (vop->prev)
				vxe_vma_commit(vm, vop->prev);
			if (vop->next)
				vxe_vma_commit(vm, vop->next);
			break;
		case DRM_GPUVA_OP_UNMAP:
			old = to_vxe_vma(op->unmap.va);
			vxe_vma_zap(vm, old, old->va.va.addr,
				    old->va.va.addr + old->va.va.range);
			drm_gpuva_unmap(&op->unmap);
			break;
		default:
			break;
		}
	}
	up_write(&vm->gpusvm.notifier_lock);
}

/*
 * After a commit, link the new BO VMAs and destroy the replaced ones;
 * after a failed prepare, destroy what was prepared.
 */
static void vxe_bind_finish(struct drm_gpuva_ops *ops, bool committed)
{
	struct drm_gpuva_op *op;

	drm_gpuva_for_each_op(op, ops) {
		struct vxe_vma_op *vop = to_vxe_op(op);
		struct vxe_vma *new[] = { vop->map, vop->prev, vop->next };
		struct drm_gpuva *gone = NULL;
		int i;

		for (i = 0; i < ARRAY_SIZE(new); i++) {
			if (IS_ERR_OR_NULL(new[i]))
				continue;
			if (committed)
				vxe_vma_link(new[i]);
			else
				vxe_vma_destroy(new[i]);
		}
		if (!committed)
			continue;
		if (op->op == DRM_GPUVA_OP_REMAP)
			gone = op->remap.unmap->va;
		else if (op->op == DRM_GPUVA_OP_UNMAP)
			gone = op->unmap.va;
		if (gone)
			vxe_vma_destroy(to_vxe_vma(gone));
	}
}

/**
 * vxe_vm_unmap_all() - remove every VMA of a closing VM
 * @vm: the VM (its lock held for write)
 */
void vxe_vm_unmap_all(struct vxe_vm *vm)
{
	struct drm_gpuva *va, *next;
	LIST_HEAD(gone);

	lockdep_assert_held_write(&vm->lock);

	down_write(&vm->gpusvm.notifier_lock);
	vxe_pt_zap_all(vm);
	drm_gpuvm_for_each_va_safe(va, next, &vm->gpuvm) {
		to_vxe_vma(va)->bound = false;
		drm_gpuva_remove(va);
		list_add_tail(&to_vxe_vma(va)->link, &gone);
	}
	up_write(&vm->gpusvm.notifier_lock);

	while (!list_empty(&gone)) {
		struct vxe_vma *vma = list_first_entry(&gone, struct vxe_vma,
						       link);

		list_del(&vma->link);
		vxe_vma_destroy(vma);
	}
}

/*
 * Judge one bind operation as upstream Xe does, in its order: the mirror
 * needs a fault-mode VM, the PAT index must name a real entry, then the
 * op and flag combinations, then alignment. Like upstream, the op's own
 * extensions, pad and reserved fields are not looked at.
 */
static int vxe_vm_bind_check_op(struct vxe_vm *vm,
				const struct drm_xe_vm_bind_op *op)
{
	bool mirror = op->flags & DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR;
	bool decompress = op->flags & DRM_XE_VM_BIND_FLAG_DECOMPRESS;
	bool is_null = op->flags & DRM_XE_VM_BIND_FLAG_NULL;
	bool userptr = op->op == DRM_XE_VM_BIND_OP_MAP_USERPTR;
	u32 region = op->prefetch_mem_region_instance;
	const struct vxe_pat *pat;

	if (mirror && !(vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE))
		return -EINVAL;
	/* Out of the table, or a reserved (hardware) entry. */
	if (op->pat_index >= VXE_PAT_ENTRIES)
		return -EINVAL;
	pat = &vxe_pat_table[array_index_nospec(op->pat_index, VXE_PAT_ENTRIES)];
	if (!pat->valid)
		return -EINVAL;
	/*
	 * The combinations upstream refuses. Without VRAM vxe is an integrated
	 * part, whose mirror must be coherent.
	 */
	if (op->op > DRM_XE_VM_BIND_OP_PREFETCH ||
	    op->flags & ~VXE_VM_BIND_FLAGS ||
	    (op->obj && (is_null || mirror)) ||
	    (op->obj_offset && (is_null || mirror)) ||
	    (op->op != DRM_XE_VM_BIND_OP_MAP &&
	     (decompress || is_null || mirror)) ||
	    (decompress && pat->comp_en) ||
	    (!op->obj && op->op == DRM_XE_VM_BIND_OP_MAP && !is_null && !mirror) ||
	    (!op->obj && op->op == DRM_XE_VM_BIND_OP_UNMAP_ALL) ||
	    (op->addr && op->op == DRM_XE_VM_BIND_OP_UNMAP_ALL) ||
	    (op->range && op->op == DRM_XE_VM_BIND_OP_UNMAP_ALL) ||
	    (op->obj && userptr) ||
	    (!pat->coh && userptr) ||
	    (!pat->coh && mirror && !vxe_has_vram(vm->vxe)) ||
	    (pat->comp_en && userptr) ||
	    (op->obj && op->op == DRM_XE_VM_BIND_OP_PREFETCH) ||
	    (region && op->op != DRM_XE_VM_BIND_OP_PREFETCH) ||
	    (region != DRM_XE_CONSULT_MEM_ADVISE_PREF_LOC &&
	     (region >= 32 || !(BIT(region) & vxe_mem_region_mask(vm->vxe)))) ||
	    (op->obj && op->op == DRM_XE_VM_BIND_OP_UNMAP) ||
	    ((op->flags & DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET) &&
	     (!mirror || op->op != DRM_XE_VM_BIND_OP_MAP)))
		return -EINVAL;
	if ((op->obj_offset & ~PAGE_MASK) || (op->addr & ~PAGE_MASK) ||
	    (op->range & ~PAGE_MASK) ||
	    (!op->range && op->op != DRM_XE_VM_BIND_OP_UNMAP_ALL))
		return -EINVAL;
	/* Decompression is for discrete parts (vxe with VRAM). */
	if (decompress && !vxe_has_vram(vm->vxe))
		return -EOPNOTSUPP;
	return 0;
}

/*
 * The ioctl's own fields, then each op (upstream's
 * vm_bind_ioctl_check_args()). @ops is the op array on success, to be
 * freed by the caller when there is more than one op.
 */
static int vxe_vm_bind_check_args(struct vxe_vm *vm,
				  struct drm_xe_vm_bind *args,
				  struct drm_xe_vm_bind_op **ops)
{
	u32 i;
	int err;

	*ops = NULL;
	if (args->pad || args->pad2 || args->reserved[0] || args->reserved[1] ||
	    args->extensions || args->num_syncs > DRM_XE_MAX_SYNCS)
		return -EINVAL;

	if (args->num_binds > 1) {
		/* Any u32 count may come in: no warning when it is absurd. */
		*ops = kvmalloc_array(args->num_binds, sizeof(**ops),
				      GFP_KERNEL | __GFP_ACCOUNT |
				      __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
		if (!*ops)
			return -ENOBUFS;
		if (copy_from_user(*ops, u64_to_user_ptr(args->vector_of_binds),
				   sizeof(**ops) * args->num_binds)) {
			err = -EFAULT;
			goto err_free;
		}
	} else {
		*ops = &args->bind;
	}

	for (i = 0; i < args->num_binds; i++) {
		err = vxe_vm_bind_check_op(vm, &(*ops)[i]);
		if (err)
			goto err_free;
	}
	return 0;

err_free:
	if (args->num_binds > 1)
		kvfree(*ops);
	*ops = NULL;
	return err;
}

/*
 * Look up the object of every op that names one and check the range fits
 * in it, before any sync is read (as upstream). @objs holds the references.
 */
static int vxe_vm_bind_get_objs(struct drm_file *file,
				const struct drm_xe_vm_bind_op *ops, u32 num,
				struct drm_gem_object **objs)
{
	u32 i;

	for (i = 0; i < num; i++) {
		if (!ops[i].obj)
			continue;
		objs[i] = drm_gem_object_lookup(file, ops[i].obj);
		if (!objs[i])
			return -ENOENT;
		if (ops[i].range > objs[i]->size ||
		    ops[i].obj_offset > objs[i]->size - ops[i].range)
			return -EINVAL;
	}
	return 0;
}

/* Map, remap or unmap under the VM lock. */
static int vxe_vm_bind_locked(struct vxe_vm *vm,
			      const struct drm_xe_vm_bind_op *uop,
			      const struct vxe_vma_desc *desc)
{
	struct drm_gpuvm_map_req req = {
		.map.va.addr = uop->addr,
		.map.va.range = uop->range,
		.map.gem.obj = desc->obj,
		.map.gem.offset = desc->obj ? uop->obj_offset : 0,
	};
	struct drm_gpuva_ops *ops;
	int err;

	if (vm->closed)
		return -ENOENT;
	/*
	 * Changing the mirror under live SVM ranges would strand their GPU
	 * mappings: refuse, as upstream does. Ranges whose CPU mapping is
	 * gone are collected first, so this clears right after munmap.
	 */
	if (vm->flags & DRM_XE_VM_CREATE_FLAG_FAULT_MODE) {
		vxe_vm_gc(vm);
		if (drm_gpusvm_has_mapping(&vm->gpusvm, uop->addr,
					   uop->addr + uop->range))
			return -EBUSY;
	}

	if (uop->op == DRM_XE_VM_BIND_OP_UNMAP)
		ops = drm_gpuvm_sm_unmap_ops_create(&vm->gpuvm, uop->addr,
						    uop->range);
	else
		ops = drm_gpuvm_sm_map_ops_create(&vm->gpuvm, &req);
	if (IS_ERR(ops))
		return PTR_ERR(ops);
	/* Nothing to do, as upstream says. */
	if (list_empty(&ops->list)) {
		err = -ENODATA;
		goto out;
	}

	err = vxe_bind_prepare(vm, ops, desc);
	if (!err)
		vxe_bind_commit(vm, ops);
	vxe_bind_finish(ops, !err);
out:
	drm_gpuva_ops_free(&vm->gpuvm, ops);
	return err;
}

static int vxe_vm_bind_op(struct vxe_vm *vm,
			  const struct drm_xe_vm_bind_op *uop,
			  struct drm_gem_object *obj)
{
	struct vxe_vma_desc desc = {
		.kind = VXE_VMA_MIRROR,
		.mm = current->mm,
		.read_only = uop->flags & DRM_XE_VM_BIND_FLAG_READONLY,
	};
	int err;

	switch (uop->op) {
	case DRM_XE_VM_BIND_OP_PREFETCH:
		return vxe_vm_prefetch(vm, uop->addr, uop->range,
				       uop->prefetch_mem_region_instance);
	case DRM_XE_VM_BIND_OP_UNMAP:
		break;
	case DRM_XE_VM_BIND_OP_MAP_USERPTR:
		desc.kind = VXE_VMA_USERPTR;
		desc.cpu_addr = uop->obj_offset;
		break;
	case DRM_XE_VM_BIND_OP_MAP:
		if (uop->flags & DRM_XE_VM_BIND_FLAG_NULL)
			return -EOPNOTSUPP;
		if (uop->flags & DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR)
			break;
		desc.kind = VXE_VMA_BO;
		desc.obj = obj;
		break;
	default:
		return -EOPNOTSUPP;
	}

	down_write(&vm->lock);
	err = vxe_vm_bind_locked(vm, uop, &desc);
	up_write(&vm->lock);
	return err;
}

/*
 * In upstream's order: the VM, the arguments, the queue, the VA range, the
 * objects, the syncs; only then is anything bound.
 */
int vxe_vm_bind_ioctl(struct drm_device *dev, void *data,
		      struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_vm_bind *args = data;
	struct drm_gem_object **objs = NULL;
	struct drm_xe_vm_bind_op *ops;
	struct vxe_sync sync = {};
	struct vxe_vm *vm;
	u32 i;
	int err;

	vm = vxe_vm_lookup(vf, args->vm_id);
	if (!vm)
		return -EINVAL;
	err = vxe_vm_bind_check_args(vm, args, &ops);
	if (err)
		goto out_put;
	if (args->exec_queue_id) {
		err = vxe_queue_check_bind(vf, args->exec_queue_id, vm);
		if (err)
			goto out_free;
	}
	for (i = 0; i < args->num_binds; i++) {
		if (ops[i].range > VXE_VM_SIZE ||
		    ops[i].addr > VXE_VM_SIZE - ops[i].range) {
			err = -EINVAL;
			goto out_free;
		}
	}
	if (args->num_binds) {
		objs = kvcalloc(args->num_binds, sizeof(*objs),
				GFP_KERNEL | __GFP_ACCOUNT |
				__GFP_RETRY_MAYFAIL | __GFP_NOWARN);
		if (!objs) {
			err = -ENOMEM;
			goto out_free;
		}
		err = vxe_vm_bind_get_objs(file, ops, args->num_binds, objs);
		if (err)
			goto out_objs;
	}
	/* With no op there is nothing to signal a user fence. */
	err = vxe_sync_parse(u64_to_user_ptr(args->syncs), args->num_syncs,
			     VXE_SYNC_BIND |
			     (args->num_binds ? 0 : VXE_SYNC_NO_UFENCE), &sync);
	if (err)
		goto out_objs;

	/*
	 * An op with nothing to do (no op at all, an unmap of nothing) is
	 * not an error: upstream replaces its -ENODATA by the result of
	 * signalling the syncs.
	 */
	for (i = 0; i < args->num_binds && !err; i++) {
		err = vxe_vm_bind_op(vm, &ops[i], objs[i]);
		if (err == -ENODATA)
			err = 0;
	}

	/* Binds complete synchronously: the CPU signals the user fence. */
	if (!err)
		err = vxe_sync_signal_cpu(vm->vxe, &sync);
out_objs:
	for (i = 0; objs && i < args->num_binds; i++)
		if (objs[i])
			drm_gem_object_put(objs[i]);
	kvfree(objs);
out_free:
	if (args->num_binds > 1)
		kvfree(ops);
out_put:
	vxe_vm_put(vm);
	return err;
}
