// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe VRAM: emulated device memory. Its contents live in a RAM carve-out
 * (vmalloc) that only vxe's GPU and copy engine touch; the engine's pool
 * stands for it with MEMORY_DEVICE_PRIVATE pages, so migrating SVM ranges
 * into it is real migration by core mm.
 */

#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

#include <drm/drm_print.h>

#include "vxe_drv.h"

static unsigned int vram_mb = 512;
module_param(vram_mb, uint, 0444);
MODULE_PARM_DESC(vram_mb,
		 "Emulated VRAM in MiB, a multiple of 2 (default 512); 0 for an integrated-like device without VRAM");

static struct vxe_device *pool_to_vxe(struct drm_gpusvm_pool *pool)
{
	return container_of(pool, struct vxe_device, pool);
}

/* The CPU side of a DMA address of vxe's direct-mapped DMA master. */
static void *vxe_dma_kmap(struct vxe_device *vxe, dma_addr_t addr)
{
	phys_addr_t phys = dma_to_phys(vxe->drm.dev, addr);

	return kmap_local_page(pfn_to_page(PHYS_PFN(phys)));
}

static int vxe_copy_to_vram(struct drm_gpusvm_pool *pool, u64 dst,
			    const dma_addr_t *src, unsigned long npages)
{
	struct vxe_device *vxe = pool_to_vxe(pool);
	ktime_t t0 = ktime_get();
	unsigned long i;

	for (i = 0; i < npages; i++) {
		void *p = vxe_dma_kmap(vxe, src[i]);

		memcpy(vxe->vram + dst + (i << PAGE_SHIFT), p, PAGE_SIZE);
		kunmap_local(p);
	}
	vxe_stat_add(vxe, VXE_STAT_SVM_DEVICE_COPY_KB, npages * PAGE_SIZE / SZ_1K);
	vxe_stat_add(vxe, VXE_STAT_SVM_DEVICE_COPY_US,
		     ktime_us_delta(ktime_get(), t0));
	return 0;
}

static int vxe_copy_to_ram(struct drm_gpusvm_pool *pool, const dma_addr_t *dst,
			   u64 src, unsigned long npages)
{
	struct vxe_device *vxe = pool_to_vxe(pool);
	ktime_t t0 = ktime_get();
	unsigned long i;

	for (i = 0; i < npages; i++) {
		void *p = vxe_dma_kmap(vxe, dst[i]);

		memcpy(p, vxe->vram + src + (i << PAGE_SHIFT), PAGE_SIZE);
		kunmap_local(p);
	}
	vxe_stat_add(vxe, VXE_STAT_SVM_CPU_COPY_KB, npages * PAGE_SIZE / SZ_1K);
	vxe_stat_add(vxe, VXE_STAT_SVM_CPU_COPY_US,
		     ktime_us_delta(ktime_get(), t0));
	return 0;
}

static int vxe_clear_vram(struct drm_gpusvm_pool *pool, u64 dst, u64 size)
{
	memset(pool_to_vxe(pool)->vram + dst, 0, size);
	return 0;
}

static const struct drm_gpusvm_pool_ops vxe_pool_ops = {
	.copy_to_devmem = vxe_copy_to_vram,
	.copy_to_ram = vxe_copy_to_ram,
	.clear = vxe_clear_vram,
};

/**
 * vxe_vram_init() - create the VRAM region the vram_mb parameter asks for
 * @vxe: the device
 *
 * Return: 0 (also without VRAM) or a negative errno.
 */
int vxe_vram_init(struct vxe_device *vxe)
{
	u64 size = (u64)vram_mb * SZ_1M;
	int err;

	if (!size)
		return 0;
	if (!IS_ALIGNED(size, SZ_2M)) {
		drm_err(&vxe->drm, "vram_mb=%u is not a multiple of 2\n",
			vram_mb);
		return -EINVAL;
	}

	vxe->vram = vmalloc(size);
	if (!vxe->vram)
		return -ENOMEM;
	/* The pool's owner cookie is the device: its pages are ours. */
	err = drm_gpusvm_pool_init(&vxe->pool, vxe->drm.dev, size,
				   &vxe_pool_ops, vxe);
	if (err) {
		vfree(vxe->vram);
		vxe->vram = NULL;
		return err;
	}
	vxe->vram_size = size;
	return 0;
}

/**
 * vxe_vram_fini() - remove the VRAM region
 * @vxe: the device, every file closed; VRAM-resident data of processes
 *	still running is evicted to their system memory first
 */
void vxe_vram_fini(struct vxe_device *vxe)
{
	if (!vxe->vram)
		return;
	drm_gpusvm_pool_fini(&vxe->pool);
	vfree(vxe->vram);
	vxe->vram = NULL;
	vxe->vram_size = 0;
}

static int vxe_vram_show(struct seq_file *m, void *data)
{
	struct vxe_device *vxe = m->private;

	if (!vxe_has_vram(vxe)) {
		seq_puts(m, "size 0\n");
		return 0;
	}
	/* Count only chunks that still hold pages. */
	drm_gpusvm_pool_flush(&vxe->pool);
	seq_printf(m, "size %llu\nused %lld\nchunks %d\nbo_used %lld\n",
		   vxe->vram_size, (long long)atomic64_read(&vxe->pool.used),
		   atomic_read(&vxe->pool.chunks),
		   (long long)atomic64_read(&vxe->pool.blocks_used));
	/* Where its device-private pages are, to match against pagemap. */
	seq_printf(m, "pfn_first %lu\npfn_count %llu\n", vxe->pool.pfn_first,
		   vxe->pool.size >> PAGE_SHIFT);
	seq_printf(m, "evictions %lld\nevicted %lld\nevict_us %lld\n",
		   (long long)atomic64_read(&vxe->pool.evictions),
		   (long long)atomic64_read(&vxe->pool.evicted),
		   (long long)atomic64_read(&vxe->pool.evict_us));
	seq_printf(m, "sparse_evictions %lld\n",
		   (long long)atomic64_read(&vxe->pool.sparse_evictions));
	seq_printf(m, "alloc_failures %lld\ncopy_failures %lld\n",
		   (long long)atomic64_read(&vxe->pool.alloc_failures),
		   (long long)atomic64_read(&vxe->pool.copy_failures));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxe_vram);

/**
 * vxe_vram_debugfs_init() - debugfs "vram": size, bytes and chunks SVM
 *	uses, bytes BOs use, chunks evicted, bytes moved and time spent by
 *	eviction, migrations that found no VRAM and failed copies; and the
 *	engine's fail_vram_alloc and fail_vram_copy fault-injection
 *	attributes
 * @vxe: the device
 * @root: the DRM minor's debugfs directory
 */
void vxe_vram_debugfs_init(struct vxe_device *vxe, struct dentry *root)
{
	debugfs_create_file("vram", 0444, root, vxe, &vxe_vram_fops);
	if (vxe_has_vram(vxe))
		drm_gpusvm_pool_debugfs_init(&vxe->pool, root);
}
