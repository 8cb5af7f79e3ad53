// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe VRAM: emulated device memory. Its contents live in a RAM carve-out
 * (vmalloc) that only vxe's GPU and copy engine touch; the engine's pool
 * stands for it with MEMORY_DEVICE_PRIVATE pages, so migrating SVM ranges
 * into it is real migration by core mm.
 */

#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <drm/drm_managed.h>
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

/*
 * debugfs "copy_engine": the copy routines above timed alone, with no
 * migration around them; the reference the migration paths are measured
 * against (make bench), what is left being the software around the copy.
 *
 * Writing "SIZE COUNT ITERATIONS" runs a measurement: COUNT transfers of
 * SIZE bytes (a power of two, PAGE_SIZE or more), each between its own
 * system pages (one physically contiguous allocation where the page
 * allocator has one, as a THP is, else single pages), DMA-mapped for vxe
 * as migration maps them, and its own span of VRAM taken from the pool
 * with drm_gpusvm_pool_alloc_blocks(). A warm-up round, then ITERATIONS
 * rounds of every transfer RAM to VRAM (one vxe_copy_to_vram() call of
 * SIZE bytes each), then every transfer VRAM to RAM (one
 * vxe_copy_to_ram() call each), each call timed alone. Last, the system
 * pages are cleared and copied back once more, untimed, and every byte
 * is checked. The copies count in gt0/stats as any copy does.
 *
 * It refuses (-EBUSY) while SVM holds any VRAM, so that it does not
 * evict SVM data (SVM filling the pool between that check and the
 * allocation would see its coldest chunks evicted, as for a BO), and when
 * the free VRAM is too fragmented for SIZE-sized spans. The write returns
 * once the measurement is over; reading then gives "size", "count",
 * "iterations", and "to_vram_bytes", "to_vram_ns", "to_ram_bytes",
 * "to_ram_ns" over the timed rounds. Reading gives nothing before a
 * measurement succeeded or after one failed.
 */
#define VXE_COPY_MAX_ITERATIONS	1000

struct vxe_copy_engine {
	struct vxe_device *vxe;
	struct mutex lock;	/* one run at a time; protects the rest */
	bool valid;
	u64 size, count, iterations;
	u64 to_vram_ns, to_ram_ns;
};

/* One measurement: @count transfers of @npages pages each. */
struct vxe_copy_run {
	u64 size, count, iterations;
	unsigned long npages, total, mapped;
	struct page **pages;
	dma_addr_t *dma;
	u64 *vram;
	u64 to_vram_ns, to_ram_ns;
};

/* Page @i of a run holds its index, then a byte derived from it. */
static u8 vxe_copy_byte(unsigned long i)
{
	return 0xa5 ^ (u8)(i * 31 + 7);
}

static void vxe_copy_fill_page(struct page *page, unsigned long i)
{
	u64 *p = kmap_local_page(page);

	memset(p, vxe_copy_byte(i), PAGE_SIZE);
	p[0] = i;
	kunmap_local(p);
}

static bool vxe_copy_page_ok(struct page *page, unsigned long i)
{
	u64 *p = kmap_local_page(page);
	bool ok = p[0] == i &&
		  !memchr_inv(p + 1, vxe_copy_byte(i), PAGE_SIZE - sizeof(*p));

	kunmap_local(p);
	return ok;
}

/* Each transfer's VRAM span, carved from the blocks the pool gave. */
static int vxe_copy_spans(struct vxe_device *vxe, struct vxe_copy_run *r,
			  struct list_head *blocks)
{
	struct gpu_buddy_block *block;
	u64 n = 0;

	list_for_each_entry(block, blocks, link) {
		u64 off = gpu_buddy_block_offset(block);
		u64 end = off + gpu_buddy_block_size(vxe->pool.mm, block);

		for (; off + r->size <= end && n < r->count; off += r->size)
			r->vram[n++] = off;
	}
	return n == r->count ? 0 : -EBUSY;
}

static int vxe_copy_alloc_pages(struct vxe_copy_run *r)
{
	const gfp_t gfp = GFP_HIGHUSER | __GFP_NORETRY | __GFP_NOWARN;
	unsigned int order = ilog2(r->npages);
	unsigned long i, k;

	for (i = 0; i < r->count; i++) {
		struct page **p = r->pages + i * r->npages;
		struct page *page = NULL;

		if (order <= MAX_PAGE_ORDER)
			page = alloc_pages(gfp, order);
		if (page) {
			split_page(page, order);
			for (k = 0; k < r->npages; k++)
				p[k] = page + k;
			continue;
		}
		for (k = 0; k < r->npages; k++) {
			p[k] = alloc_page(gfp);
			if (!p[k])
				return -ENOMEM;
		}
	}
	return 0;
}

static int vxe_copy_map(struct vxe_device *vxe, struct vxe_copy_run *r)
{
	for (r->mapped = 0; r->mapped < r->total; r->mapped++) {
		dma_addr_t *dma = &r->dma[r->mapped];

		*dma = dma_map_page(vxe->pool.dev, r->pages[r->mapped], 0,
				    PAGE_SIZE, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(vxe->pool.dev, *dma))
			return -EFAULT;
	}
	return 0;
}

/* Every transfer one way, one copy call each; their time added to @ns. */
static int vxe_copy_round(struct vxe_device *vxe, struct vxe_copy_run *r,
			  bool to_vram, u64 *ns)
{
	unsigned long i;
	int err;

	for (i = 0; i < r->count; i++) {
		const dma_addr_t *dma = r->dma + i * r->npages;
		u64 t0 = ktime_get_ns();

		if (to_vram)
			err = vxe_copy_to_vram(&vxe->pool, r->vram[i], dma,
					       r->npages);
		else
			err = vxe_copy_to_ram(&vxe->pool, dma, r->vram[i],
					      r->npages);
		*ns += ktime_get_ns() - t0;
		if (err)
			return err;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* Clear the system pages, copy VRAM back into them, check every byte. */
static int vxe_copy_verify(struct vxe_device *vxe, struct vxe_copy_run *r)
{
	struct device *dev = vxe->pool.dev;
	unsigned long i;
	u64 ns = 0;
	int err;

	for (i = 0; i < r->total; i++) {
		clear_highpage(r->pages[i]);
		dma_sync_single_for_device(dev, r->dma[i], PAGE_SIZE,
					   DMA_BIDIRECTIONAL);
	}
	err = vxe_copy_round(vxe, r, false, &ns);
	if (err)
		return err;
	for (i = 0; i < r->total; i++) {
		dma_sync_single_for_cpu(dev, r->dma[i], PAGE_SIZE,
					DMA_BIDIRECTIONAL);
		if (!vxe_copy_page_ok(r->pages[i], i))
			return -EIO;
	}
	return 0;
}

static int vxe_copy_measure(struct vxe_device *vxe, struct vxe_copy_run *r)
{
	struct drm_gpusvm_pool *pool = &vxe->pool;
	LIST_HEAD(blocks);
	unsigned long i;
	u64 it, warm = 0;
	int err;

	/* SVM's VRAM is not ours to evict: refuse while it holds any. */
	drm_gpusvm_pool_flush(pool);
	if (atomic_read(&pool->chunks))
		return -EBUSY;

	r->pages = kvcalloc(r->total, sizeof(*r->pages), GFP_KERNEL);
	r->dma = kvcalloc(r->total, sizeof(*r->dma), GFP_KERNEL);
	r->vram = kvcalloc(r->count, sizeof(*r->vram), GFP_KERNEL);
	if (!r->pages || !r->dma || !r->vram) {
		err = -ENOMEM;
		goto out;
	}
	err = drm_gpusvm_pool_alloc_blocks(pool, r->size * r->count, &blocks) ?:
	      vxe_copy_spans(vxe, r, &blocks) ?:
	      vxe_copy_alloc_pages(r);
	if (err)
		goto out;
	for (i = 0; i < r->total; i++)
		vxe_copy_fill_page(r->pages[i], i);
	err = vxe_copy_map(vxe, r);
	if (err)
		goto out;

	/* The warm-up round, then the timed ones. */
	err = vxe_copy_round(vxe, r, true, &warm) ?:
	      vxe_copy_round(vxe, r, false, &warm);
	for (it = 0; !err && it < r->iterations; it++)
		err = vxe_copy_round(vxe, r, true, &r->to_vram_ns) ?:
		      vxe_copy_round(vxe, r, false, &r->to_ram_ns);
	if (!err)
		err = vxe_copy_verify(vxe, r);

out:
	for (i = 0; i < r->mapped; i++)
		dma_unmap_page(pool->dev, r->dma[i], PAGE_SIZE,
			       DMA_BIDIRECTIONAL);
	for (i = 0; r->pages && i < r->total; i++)
		if (r->pages[i])
			__free_page(r->pages[i]);
	drm_gpusvm_pool_free_blocks(pool, &blocks);
	kvfree(r->vram);
	kvfree(r->dma);
	kvfree(r->pages);
	return err;
}

static ssize_t vxe_copy_engine_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct vxe_copy_engine *ce =
		((struct seq_file *)file->private_data)->private;
	struct vxe_copy_run r = {};
	char buf[64];
	int err;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &r.size, &r.count,
		   &r.iterations) != 3)
		return -EINVAL;
	/* Spans of VRAM: together no more than the pool. */
	if (r.size < PAGE_SIZE || r.size > ce->vxe->pool.size ||
	    !is_power_of_2(r.size) || !r.count ||
	    r.count > div64_u64(ce->vxe->pool.size, r.size) ||
	    !r.iterations || r.iterations > VXE_COPY_MAX_ITERATIONS)
		return -EINVAL;
	r.npages = r.size >> PAGE_SHIFT;
	r.total = r.count * r.npages;

	err = mutex_lock_interruptible(&ce->lock);
	if (err)
		return err;
	ce->valid = false;
	err = vxe_copy_measure(ce->vxe, &r);
	if (!err) {
		ce->size = r.size;
		ce->count = r.count;
		ce->iterations = r.iterations;
		ce->to_vram_ns = r.to_vram_ns;
		ce->to_ram_ns = r.to_ram_ns;
		ce->valid = true;
	}
	mutex_unlock(&ce->lock);
	if (err)
		return err;
	return len;
}

static int vxe_copy_engine_show(struct seq_file *m, void *data)
{
	struct vxe_copy_engine *ce = m->private;
	u64 bytes;
	int err;

	err = mutex_lock_interruptible(&ce->lock);
	if (err)
		return err;
	bytes = ce->size * ce->count * ce->iterations;
	if (ce->valid)
		seq_printf(m, "size %llu\ncount %llu\niterations %llu\n"
			   "to_vram_bytes %llu\nto_vram_ns %llu\n"
			   "to_ram_bytes %llu\nto_ram_ns %llu\n",
			   ce->size, ce->count, ce->iterations,
			   bytes, ce->to_vram_ns, bytes, ce->to_ram_ns);
	mutex_unlock(&ce->lock);
	return 0;
}
DEFINE_SHOW_STORE_ATTRIBUTE(vxe_copy_engine);

static void vxe_copy_engine_debugfs_init(struct vxe_device *vxe,
					 struct dentry *root)
{
	struct vxe_copy_engine *ce;

	ce = drmm_kzalloc(&vxe->drm, sizeof(*ce), GFP_KERNEL);
	if (!ce || drmm_mutex_init(&vxe->drm, &ce->lock))
		return;
	ce->vxe = vxe;
	debugfs_create_file("copy_engine", 0644, root, ce,
			    &vxe_copy_engine_fops);
}

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
	/* Why ranges stayed in system memory, besides alloc_failures. */
	seq_printf(m, "unmovable %lld\ntimeslice_refusals %lld\ncow_pages %lld\n",
		   (long long)atomic64_read(&vxe->pool.unmovable),
		   (long long)atomic64_read(&vxe->pool.timeslice_refusals),
		   (long long)atomic64_read(&vxe->pool.cow_pages));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxe_vram);

/**
 * vxe_vram_debugfs_init() - debugfs "vram": size, bytes and chunks SVM
 *	uses, bytes BOs use, the pfn range of its device-private pages
 *	(pfn_first, pfn_count), chunks evicted, bytes moved and time spent by
 *	eviction, migrations that found no VRAM and failed copies, and the
 *	other reasons ranges stayed in system memory (unmovable,
 *	timeslice_refusals, cow_pages); and the
 *	engine's fail_vram_alloc and fail_vram_copy fault-injection
 *	attributes; and "copy_engine", vxe's copy routines timed alone (the
 *	reference of make bench)
 * @vxe: the device
 * @root: the DRM minor's debugfs directory
 */
void vxe_vram_debugfs_init(struct vxe_device *vxe, struct dentry *root)
{
	debugfs_create_file("vram", 0444, root, vxe, &vxe_vram_fops);
	if (vxe_has_vram(vxe)) {
		drm_gpusvm_pool_debugfs_init(&vxe->pool, root);
		vxe_copy_engine_debugfs_init(vxe, root);
	}
}
