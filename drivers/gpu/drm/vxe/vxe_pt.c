// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe GPU page tables.
 *
 * The software GPU translates every access through these tables, holding
 * the VM's notifier (pagetable) lock for read. Leaf entries are written by
 * the fault handler under that lock for read (one binder at a time, the VM
 * lock serialises them) and cleared by invalidation under it for write, so
 * no GPU access can use an entry after the invalidation that removed it
 * returned. Directories are allocated under the VM lock before the commit
 * (no allocation under the notifier lock) and live as long as the VM.
 */

#include <linux/slab.h>

#include <drm/drm_pagemap.h>

#include "vxe_drv.h"

static unsigned int pt_index(u64 va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (VXE_PT_ENTRIES - 1);
}

int vxe_pt_init(struct vxe_vm *vm)
{
	vm->pt_root = kzalloc_obj(*vm->pt_root);
	return vm->pt_root ? 0 : -ENOMEM;
}

static void vxe_pt_free(struct vxe_pt *pt, int level)
{
	int i;

	if (!pt)
		return;
	if (level > 0)
		for (i = 0; i < VXE_PT_ENTRIES; i++)
			vxe_pt_free(pt->children[i], level - 1);
	kfree(pt);
}

void vxe_pt_fini(struct vxe_vm *vm)
{
	vxe_pt_free(vm->pt_root, VXE_PT_LEVELS - 1);
	vm->pt_root = NULL;
}

/* The level-0 table under @va, allocating directories if @alloc. */
static struct vxe_pt *vxe_pt_leaf_table(struct vxe_vm *vm, u64 va, bool alloc)
{
	struct vxe_pt *pt = vm->pt_root;
	int level;

	for (level = VXE_PT_LEVELS - 1; level > 0; level--) {
		unsigned int i = pt_index(va, level);
		/* Pairs with the release below: see a zeroed table. */
		struct vxe_pt *child = smp_load_acquire(&pt->children[i]);

		if (!child) {
			if (!alloc)
				return NULL;
			child = kzalloc_obj(*child);
			if (!child)
				return NULL;
			/* Publish a zeroed table to concurrent walkers. */
			smp_store_release(&pt->children[i], child);
		}
		pt = child;
	}
	return pt;
}

/* The level-1 table holding the 2M entry of @va, or NULL. */
static struct vxe_pt *vxe_pt_dir_table(struct vxe_vm *vm, u64 va)
{
	struct vxe_pt *pt = vm->pt_root;
	int level;

	for (level = VXE_PT_LEVELS - 1; level > 1 && pt; level--) {
		/* Pairs with the release publishing the table. */
		pt = smp_load_acquire(&pt->children[pt_index(va, level)]);
	}
	return pt;
}

/**
 * vxe_pt_prepare() - allocate the directories that [start, end) needs
 * @vm: the VM (its lock held for write)
 * @start: start of the span
 * @end: end of the span (exclusive)
 *
 * Return: 0 or -ENOMEM.
 */
int vxe_pt_prepare(struct vxe_vm *vm, u64 start, u64 end)
{
	u64 va;

	lockdep_assert_held_write(&vm->lock);

	for (va = ALIGN_DOWN(start, SZ_2M); va < end; va += SZ_2M)
		if (!vxe_pt_leaf_table(vm, va, true))
			return -ENOMEM;
	return 0;
}

/**
 * vxe_pt_bind() - write the entries mapping [start, end) to @dma_addr
 * @vm: the VM (its lock held for write, the notifier lock for read)
 * @start: start of the span
 * @end: end of the span (exclusive)
 * @dma_addr: the engine's mapping, one entry per 2^order pages
 *
 * vxe_pt_prepare() must have succeeded for the span.
 */
void vxe_pt_bind(struct vxe_vm *vm, u64 start, u64 end,
		 const struct drm_pagemap_addr *dma_addr)
{
	u64 va = start;

	lockdep_assert_held(&vm->gpusvm.notifier_lock);

	for (; va < end; dma_addr++) {
		u64 flags = VXE_PTE_VALID;
		dma_addr_t addr;
		unsigned int k, n;
		struct vxe_pt *pt;

		if (dma_addr->dir == DMA_BIDIRECTIONAL)
			flags |= VXE_PTE_WRITE;
		/* A device page of the engine's pool: a VRAM offset. */
		addr = dma_addr->addr;
		if (dma_addr->proto == DRM_INTERCONNECT_DRIVER) {
			addr = drm_gpusvm_pool_offset(&vm->vxe->pool, addr);
			flags |= VXE_PTE_VRAM;
		}

		n = 1U << dma_addr->order;
		/*
		 * A chunk aligned in the CPU address space may not be in the
		 * GPU one (a userptr): then it takes 4K entries.
		 */
		if (dma_addr->order >= 9 && IS_ALIGNED(va, SZ_2M)) {
			pt = vxe_pt_dir_table(vm, va);
			WRITE_ONCE(pt->entries[pt_index(va, 1)],
				   (addr & VXE_PTE_ADDR_MASK) |
				   flags | VXE_PTE_HUGE);
			va += SZ_2M;
			continue;
		}

		if (dma_addr->order >= 4 && IS_ALIGNED(va, SZ_64K))
			flags |= VXE_PTE_PS64;
		for (k = 0; k < n; k++, va += PAGE_SIZE) {
			pt = vxe_pt_leaf_table(vm, va, false);
			WRITE_ONCE(pt->entries[pt_index(va, 0)],
				   ((addr + k * PAGE_SIZE) &
				    VXE_PTE_ADDR_MASK) | flags);
		}
	}
}

/**
 * vxe_pt_zap() - clear every entry in [start, end)
 * @vm: the VM (notifier lock held for write, or the VM unreachable)
 * @start: start of the span
 * @end: end of the span (exclusive)
 *
 * With the notifier lock held for write no GPU access is in flight, and
 * every later one walks the cleared tables: this is the TLB flush.
 */
void vxe_pt_zap(struct vxe_vm *vm, u64 start, u64 end)
{
	u64 va = start;

	while (va < end) {
		u64 next = min(ALIGN_DOWN(va, SZ_2M) + SZ_2M, end);
		struct vxe_pt *dir = vxe_pt_dir_table(vm, va);
		struct vxe_pt *pt;

		if (dir) {
			/* A 2M entry cannot be cut: any overlap clears it. */
			if (READ_ONCE(dir->entries[pt_index(va, 1)]) & VXE_PTE_HUGE)
				WRITE_ONCE(dir->entries[pt_index(va, 1)], 0);
			/* Pairs with the release publishing the table. */
			pt = smp_load_acquire(&dir->children[pt_index(va, 1)]);
			for (; pt && va < next; va += PAGE_SIZE)
				WRITE_ONCE(pt->entries[pt_index(va, 0)], 0);
		}
		va = next;
	}
}

/**
 * vxe_pt_walk() - translate a GPU virtual address
 * @vm: the VM (notifier lock held)
 * @va: the address
 * @write: a write access
 * @addr: the DMA address of @va (its VRAM offset if @vram), on success
 * @vram: the translation is to VRAM
 *
 * Return: 0, -EFAULT if there is no translation, -EACCES for a write
 * through a read-only one. Both are GPU page faults.
 */
int vxe_pt_walk(struct vxe_vm *vm, u64 va, bool write, dma_addr_t *addr,
		bool *vram)
{
	struct vxe_pt *pt = vm->pt_root;
	int level;
	u64 e = 0;

	lockdep_assert_held(&vm->gpusvm.notifier_lock);

	for (level = VXE_PT_LEVELS - 1; level >= 0; level--) {
		unsigned int i = pt_index(va, level);

		if (level <= 1) {
			e = READ_ONCE(pt->entries[i]);
			if (level == 0 || (e & VXE_PTE_HUGE))
				break;
		}
		/* Pairs with the release publishing the table. */
		pt = smp_load_acquire(&pt->children[i]);
		if (!pt)
			return -EFAULT;
	}

	if (!(e & VXE_PTE_VALID))
		return -EFAULT;
	if (write && !(e & VXE_PTE_WRITE))
		return -EACCES;
	*vram = e & VXE_PTE_VRAM;

	if (e & VXE_PTE_HUGE)
		*addr = (e & VXE_PTE_ADDR_MASK) + (va & (SZ_2M - 1));
	else
		*addr = (e & VXE_PTE_ADDR_MASK) + (va & ~PAGE_MASK);
	return 0;
}

static void vxe_pt_clear(struct vxe_pt *pt, int level)
{
	int i;

	for (i = 0; i < VXE_PT_ENTRIES; i++) {
		WRITE_ONCE(pt->entries[i], 0);
		if (level > 0 && pt->children[i])
			vxe_pt_clear(pt->children[i], level - 1);
	}
}

/**
 * vxe_pt_zap_all() - clear every entry of a VM
 * @vm: the VM (notifier lock held for write)
 */
void vxe_pt_zap_all(struct vxe_vm *vm)
{
	lockdep_assert_held_write(&vm->gpusvm.notifier_lock);
	vxe_pt_clear(vm->pt_root, VXE_PT_LEVELS - 1);
}
