// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * vxe: a virtual Xe device on the faux bus, DRM driver name "xe".
 *
 * It answers the device queries the IGT SVM tests make, manages VMs, exec
 * queues and user fences, and runs batches on a software GPU (vxe_gpu.c)
 * whose page tables (vxe_pt.c) only the SVM engine fills (vxe_vm.c).
 */

#include <linux/debugfs.h>
#include <linux/device/faux.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string_choices.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/xe_drm.h>

#include "vxe_drv.h"

static struct vxe_device *vxe_device;

static const char *const vxe_stat_names[VXE_STAT_COUNT] = {
	[VXE_STAT_SVM_PAGEFAULT_COUNT] = "svm_pagefault_count",
	[VXE_STAT_SVM_4K_PAGEFAULT_COUNT] = "svm_4K_pagefault_count",
	[VXE_STAT_SVM_64K_PAGEFAULT_COUNT] = "svm_64K_pagefault_count",
	[VXE_STAT_SVM_2M_PAGEFAULT_COUNT] = "svm_2M_pagefault_count",
	[VXE_STAT_SVM_4K_PAGEFAULT_US] = "svm_4K_pagefault_us",
	[VXE_STAT_SVM_64K_PAGEFAULT_US] = "svm_64K_pagefault_us",
	[VXE_STAT_SVM_2M_PAGEFAULT_US] = "svm_2M_pagefault_us",
	[VXE_STAT_SVM_64K_MIGRATE_COUNT] = "svm_64K_migrate_count",
	[VXE_STAT_SVM_2M_MIGRATE_COUNT] = "svm_2M_migrate_count",
	[VXE_STAT_SVM_64K_MIGRATE_US] = "svm_64K_migrate_us",
	[VXE_STAT_SVM_2M_MIGRATE_US] = "svm_2M_migrate_us",
	[VXE_STAT_SVM_DEVICE_COPY_KB] = "svm_device_copy_kb",
	[VXE_STAT_SVM_DEVICE_COPY_US] = "svm_device_copy_us",
	[VXE_STAT_SVM_CPU_COPY_KB] = "svm_cpu_copy_kb",
	[VXE_STAT_SVM_CPU_COPY_US] = "svm_cpu_copy_us",
};

/*
 * The PAT table of an Xe2 part (the layout software sees; vxe's GPU is
 * coherent whatever the index). Entries 16-19 are reserved.
 */
#define XE2_PAT(np, ce, clos, l3, l4, c) \
	{ .no_promote = np, .comp_en = ce, .l3_clos = clos, .l3_policy = l3, \
	  .l4_policy = l4, .coh = c, .valid = true }

const struct vxe_pat vxe_pat_table[VXE_PAT_ENTRIES] = {
	[0] = XE2_PAT(0, 0, 0, 0, 3, 0),
	[1] = XE2_PAT(0, 0, 0, 0, 3, 2),
	[2] = XE2_PAT(0, 0, 0, 0, 3, 3),
	[3] = XE2_PAT(0, 0, 0, 3, 3, 0),
	[4] = XE2_PAT(0, 0, 0, 3, 0, 2),
	[5] = XE2_PAT(0, 0, 0, 3, 3, 2),
	[6] = XE2_PAT(1, 0, 0, 1, 3, 0),
	[7] = XE2_PAT(0, 0, 0, 3, 0, 3),
	[8] = XE2_PAT(0, 0, 0, 3, 0, 0),
	[9] = XE2_PAT(0, 1, 0, 0, 3, 0),
	[10] = XE2_PAT(0, 1, 0, 3, 0, 0),
	[11] = XE2_PAT(1, 1, 0, 1, 3, 0),
	[12] = XE2_PAT(0, 1, 0, 3, 3, 0),
	[13] = XE2_PAT(0, 0, 0, 0, 0, 0),
	[14] = XE2_PAT(0, 1, 0, 0, 0, 0),
	[15] = XE2_PAT(1, 1, 0, 1, 1, 0),
	[20] = XE2_PAT(0, 0, 1, 0, 3, 0),
	[21] = XE2_PAT(0, 1, 1, 0, 3, 0),
	[22] = XE2_PAT(0, 0, 1, 0, 3, 2),
	[23] = XE2_PAT(0, 0, 1, 0, 3, 3),
	[24] = XE2_PAT(0, 0, 2, 0, 3, 0),
	[25] = XE2_PAT(0, 1, 2, 0, 3, 0),
	[26] = XE2_PAT(0, 0, 2, 0, 3, 2),
	[27] = XE2_PAT(0, 0, 2, 0, 3, 3),
	[28] = XE2_PAT(0, 0, 3, 0, 3, 0),
	[29] = XE2_PAT(0, 1, 3, 0, 3, 0),
	[30] = XE2_PAT(0, 0, 3, 0, 3, 2),
	[31] = XE2_PAT(0, 0, 3, 0, 3, 3),
};

/* The register encoding of an entry, as printed by upstream. */
static u32 vxe_pat_value(const struct vxe_pat *e)
{
	return e->no_promote << 10 | e->comp_en << 9 | e->l3_clos << 6 |
		e->l3_policy << 4 | e->l4_policy << 2 | e->coh;
}

/* ---- device queries ---- */

static const struct drm_xe_engine_class_instance vxe_engines[VXE_NUM_ENGINES] = {
	{ .engine_class = DRM_XE_ENGINE_CLASS_COPY },
	{ .engine_class = DRM_XE_ENGINE_CLASS_COMPUTE },
};

/*
 * Copy a query answer out with the two-call protocol: a zero size asks for
 * the size, any size but that one is an error (upstream wants it exact).
 */
static int vxe_query_reply(struct drm_xe_device_query *q, const void *data,
			   size_t size)
{
	if (!q->size) {
		q->size = size;
		return 0;
	}
	if (q->size != size)
		return -EINVAL;
	if (size && copy_to_user(u64_to_user_ptr(q->data), data, size))
		return -EFAULT;
	return 0;
}

static int vxe_query_config(struct drm_xe_device_query *q)
{
	struct {
		struct drm_xe_query_config c;
		u64 info[5];
	} r = {};

	r.c.num_params = ARRAY_SIZE(r.info);
	r.info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] =
		VXE_DEVICE_ID | (u64)VXE_REVISION << 16;
	r.info[DRM_XE_QUERY_CONFIG_FLAGS] =
		DRM_XE_QUERY_CONFIG_FLAG_HAS_CPU_ADDR_MIRROR;
	r.info[DRM_XE_QUERY_CONFIG_MIN_ALIGNMENT] = SZ_4K;
	r.info[DRM_XE_QUERY_CONFIG_VA_BITS] = VXE_VA_BITS;
	r.info[DRM_XE_QUERY_CONFIG_MAX_EXEC_QUEUE_PRIORITY] = 2;
	return vxe_query_reply(q, &r, sizeof(r));
}

static int vxe_query_engines(struct drm_xe_device_query *q)
{
	struct {
		struct drm_xe_query_engines e;
		struct drm_xe_engine engines[VXE_NUM_ENGINES];
	} r = {};
	int i;

	r.e.num_engines = VXE_NUM_ENGINES;
	for (i = 0; i < VXE_NUM_ENGINES; i++)
		r.engines[i].instance = vxe_engines[i];
	return vxe_query_reply(q, &r, sizeof(r));
}

static int vxe_query_mem_regions(struct vxe_device *vxe,
				 struct drm_xe_device_query *q)
{
	struct {
		struct drm_xe_query_mem_regions m;
		struct drm_xe_mem_region regions[2];
	} r = {};
	size_t size = sizeof(r.m) + sizeof(r.regions[0]);

	r.m.num_mem_regions = 1;
	r.regions[0].mem_class = DRM_XE_MEM_REGION_CLASS_SYSMEM;
	r.regions[0].instance = 0;
	r.regions[0].min_page_size = PAGE_SIZE;
	r.regions[0].total_size = (u64)totalram_pages() << PAGE_SHIFT;
	if (vxe_has_vram(vxe)) {
		u64 used = atomic64_read(&vxe->pool.used) +
			   atomic64_read(&vxe->pool.blocks_used);

		r.m.num_mem_regions = 2;
		size += sizeof(r.regions[1]);
		r.regions[1].mem_class = DRM_XE_MEM_REGION_CLASS_VRAM;
		r.regions[1].instance = 1;
		r.regions[1].min_page_size = PAGE_SIZE;
		r.regions[1].total_size = vxe->vram_size;
		r.regions[1].used = used;
		r.regions[1].cpu_visible_size = vxe->vram_size;
		r.regions[1].cpu_visible_used = used;
	}
	return vxe_query_reply(q, &r, size);
}

static int vxe_query_gt_list(struct vxe_device *vxe,
			     struct drm_xe_device_query *q)
{
	struct {
		struct drm_xe_query_gt_list l;
		struct drm_xe_gt gts[1];
	} r = {};

	r.l.num_gt = 1;
	r.gts[0].type = DRM_XE_QUERY_GT_TYPE_MAIN;
	r.gts[0].reference_clock = 19200000;
	r.gts[0].near_mem_regions = vxe_has_vram(vxe) ? VXE_VRAM_MASK :
						     VXE_SYSMEM_MASK;
	r.gts[0].far_mem_regions = vxe_has_vram(vxe) ? VXE_SYSMEM_MASK : 0;
	r.gts[0].ip_ver_major = 20;
	r.gts[0].ip_ver_minor = 1;
	return vxe_query_reply(q, &r, sizeof(r));
}

static int vxe_device_query_ioctl(struct drm_device *dev, void *data,
				  struct drm_file *file)
{
	struct drm_xe_device_query *q = data;

	if (q->extensions || q->reserved[0] || q->reserved[1])
		return -EINVAL;

	switch (q->query) {
	case DRM_XE_DEVICE_QUERY_ENGINES:
		return vxe_query_engines(q);
	case DRM_XE_DEVICE_QUERY_MEM_REGIONS:
		return vxe_query_mem_regions(to_vxe(dev), q);
	case DRM_XE_DEVICE_QUERY_CONFIG:
		return vxe_query_config(q);
	case DRM_XE_DEVICE_QUERY_GT_LIST:
		return vxe_query_gt_list(to_vxe(dev), q);
	case DRM_XE_DEVICE_QUERY_HWCONFIG:
		/* No hardware config blob: size 0, as the tests accept. */
		return vxe_query_reply(q, NULL, 0);
	default:
		return -EINVAL;
	}
}

/* ---- files ---- */

static int vxe_open(struct drm_device *dev, struct drm_file *file)
{
	struct vxe_file *vf = kzalloc_obj(*vf);

	if (!vf)
		return -ENOMEM;
	xa_init_flags(&vf->vms, XA_FLAGS_ALLOC1);
	xa_init_flags(&vf->queues, XA_FLAGS_ALLOC1);
	file->driver_priv = vf;
	return 0;
}

static void vxe_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct vxe_queue *q;
	struct vxe_vm *vm;
	unsigned long id;

	/* Running jobs see their queue banned and their VM closed. */
	xa_for_each(&vf->queues, id, q) {
		WRITE_ONCE(q->banned, true);
		vxe_queue_put(q);
	}
	xa_destroy(&vf->queues);
	xa_for_each(&vf->vms, id, vm) {
		vxe_vm_close(vm);
		vxe_vm_put(vm);
	}
	xa_destroy(&vf->vms);
	kfree(vf);
}

/* ---- debugfs ---- */

static int vxe_stats_show(struct seq_file *m, void *unused)
{
	struct vxe_device *vxe = m->private;
	int i;

	for (i = 0; i < VXE_STAT_COUNT; i++)
		seq_printf(m, "%s: %lld\n", vxe_stat_names[i],
			   atomic64_read(&vxe->stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxe_stats);

/*
 * gt0/svm_fault_histogram: per range size, "SIZE LIMIT_US COUNT" for each
 * non-empty bucket of faults served in less than LIMIT_US microseconds.
 */
static int vxe_fault_hist_show(struct seq_file *m, void *unused)
{
	static const char *const sizes[VXE_FAULT_SIZES] = { "4K", "64K", "2M" };
	struct vxe_device *vxe = m->private;
	int i, b;

	for (i = 0; i < VXE_FAULT_SIZES; i++)
		for (b = 0; b < VXE_FAULT_BUCKETS; b++) {
			s64 n = atomic64_read(&vxe->fault_hist[i][b]);

			if (n)
				seq_printf(m, "%s %llu %lld\n", sizes[i],
					   vxe_fault_bucket_limit(b), n);
		}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxe_fault_hist);

/*
 * gt0/pat_sw_config in upstream Xe's format for Xe2 parts, from which IGT
 * picks its PAT indices: one line per entry with the fields no-promote,
 * compression, L3 class, L3 policy, L4 policy, coherency, then the
 * register value; reserved entries are starred.
 */
static void vxe_pat_dump_entry(struct seq_file *m, const char *label,
			       const struct vxe_pat *e, bool reserved)
{
	seq_printf(m, "%s= [ %u, %u, %u, %u, %u, %u ]  (%#8x)%s\n", label,
		   e->no_promote, e->comp_en, e->l3_clos, e->l3_policy,
		   e->l4_policy, e->coh, vxe_pat_value(e), reserved ? " *" : "");
}

static int vxe_pat_sw_config_show(struct seq_file *m, void *unused)
{
	static const struct vxe_pat ats = { .l4_policy = 3, .coh = 3 };
	char label[16];
	int i;

	seq_puts(m, "PAT table: (* = reserved entry)\n");
	for (i = 0; i < VXE_PAT_ENTRIES; i++) {
		snprintf(label, sizeof(label), "PAT[%2d] ", i);
		vxe_pat_dump_entry(m, label, &vxe_pat_table[i],
				   !vxe_pat_table[i].valid);
	}
	seq_puts(m, "PCIe ATS/PASID:\n");
	vxe_pat_dump_entry(m, "PAT_ATS ", &ats, false);
	seq_puts(m, "Cache Level:\n");
	seq_printf(m, "IDX[XE_CACHE_NONE] = %d\n", VXE_PAT_UC);
	seq_printf(m, "IDX[XE_CACHE_WT] = %d\n", VXE_PAT_WT);
	seq_printf(m, "IDX[XE_CACHE_WB] = %d\n", VXE_PAT_WB);
	seq_printf(m, "IDX[XE_CACHE_NONE_COMPRESSION] = %d\n", VXE_PAT_UC_COMP);
	seq_printf(m, "IDX[XE_CACHE_WB_COMPRESSION] = %d\n", -1);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxe_pat_sw_config);

static int vxe_info_show(struct seq_file *m, void *unused)
{
	struct vxe_device *vxe = m->private;

	seq_printf(m, "devid 0x%x\nrevid %d\nis_dgfx %s\nva_bits %d\n",
		   VXE_DEVICE_ID, VXE_REVISION,
		   str_yes_no(vxe_has_vram(vxe)), VXE_VA_BITS);
	seq_puts(m, "multi_lrc_engine_classes\nmulti_queue_engine_classes\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vxe_info);

static void vxe_debugfs_init(struct drm_minor *minor)
{
	struct vxe_device *vxe = to_vxe(minor->dev);
	struct dentry *gt;

	debugfs_create_file("info", 0444, minor->debugfs_root, vxe,
			    &vxe_info_fops);
	gt = debugfs_create_dir("gt0", minor->debugfs_root);
	debugfs_create_file("stats", 0444, gt, vxe, &vxe_stats_fops);
	debugfs_create_file("svm_fault_histogram", 0444, gt, vxe,
			    &vxe_fault_hist_fops);
	debugfs_create_file("pat_sw_config", 0444, gt, vxe,
			    &vxe_pat_sw_config_fops);
	vxe_vram_debugfs_init(vxe, minor->debugfs_root);
}

/* ---- the driver ---- */

static const struct drm_ioctl_desc vxe_ioctls[] = {
	DRM_IOCTL_DEF_DRV(XE_DEVICE_QUERY, vxe_device_query_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_GEM_CREATE, vxe_gem_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_GEM_MMAP_OFFSET, vxe_gem_mmap_offset_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_VM_CREATE, vxe_vm_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_VM_DESTROY, vxe_vm_destroy_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_VM_BIND, vxe_vm_bind_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_EXEC_QUEUE_CREATE, vxe_exec_queue_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_EXEC_QUEUE_DESTROY, vxe_exec_queue_destroy_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_EXEC, vxe_exec_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(XE_WAIT_USER_FENCE, vxe_wait_user_fence_ioctl,
			  DRM_RENDER_ALLOW),
};

DEFINE_DRM_GEM_FOPS(vxe_fops);

static const struct drm_driver vxe_driver = {
	.driver_features = DRIVER_GEM | DRIVER_GEM_GPUVA | DRIVER_RENDER,
	.open = vxe_open,
	.postclose = vxe_postclose,
	.debugfs_init = vxe_debugfs_init,
	.ioctls = vxe_ioctls,
	.num_ioctls = ARRAY_SIZE(vxe_ioctls),
	.fops = &vxe_fops,
	.name = "xe",
	.desc = "Virtual Xe device for SVM testing",
	.major = 1,
	.minor = 0,
};

static int __init vxe_init(void)
{
	struct faux_device *fdev;
	struct vxe_device *vxe;
	int err;

	fdev = faux_device_create("vxe", NULL, NULL);
	if (!fdev)
		return -ENODEV;

	if (!devres_open_group(&fdev->dev, NULL, GFP_KERNEL)) {
		err = -ENOMEM;
		goto err_faux;
	}
	/* A DMA master with direct mapping: DMA address == physical. */
	err = dma_coerce_mask_and_coherent(&fdev->dev, DMA_BIT_MASK(64));
	if (err)
		goto err_devres;

	vxe = devm_drm_dev_alloc(&fdev->dev, &vxe_driver, struct vxe_device,
				 drm);
	if (IS_ERR(vxe)) {
		err = PTR_ERR(vxe);
		goto err_devres;
	}
	vxe->faux = fdev;
	init_waitqueue_head(&vxe->ufence_wq);
	atomic_set(&vxe->live_queues, 0);

	vxe->fault_wq = alloc_workqueue("vxe-fault", WQ_UNBOUND, 0);
	vxe->free_wq = alloc_workqueue("vxe-free", WQ_UNBOUND, 0);
	if (!vxe->fault_wq || !vxe->free_wq) {
		err = -ENOMEM;
		goto err_wq;
	}

	err = vxe_vram_init(vxe);
	if (err)
		goto err_wq;

	err = drm_dev_register(&vxe->drm, 0);
	if (err)
		goto err_vram;

	vxe_device = vxe;
	return 0;

err_vram:
	vxe_vram_fini(vxe);
err_wq:
	if (vxe->free_wq)
		destroy_workqueue(vxe->free_wq);
	if (vxe->fault_wq)
		destroy_workqueue(vxe->fault_wq);
err_devres:
	devres_release_group(&fdev->dev, NULL);
err_faux:
	faux_device_destroy(fdev);
	return err;
}

static void __exit vxe_exit(void)
{
	struct vxe_device *vxe = vxe_device;
	struct faux_device *fdev = vxe->faux;

	drm_dev_unregister(&vxe->drm);
	/* Every file is closed; let the last jobs finish and queues go. */
	wait_var_event(&vxe->live_queues, !atomic_read(&vxe->live_queues));
	destroy_workqueue(vxe->free_wq);
	destroy_workqueue(vxe->fault_wq);
	vxe_vram_fini(vxe);
	devres_release_group(&fdev->dev, NULL);
	faux_device_destroy(fdev);
}

module_init(vxe_init);
module_exit(vxe_exit);

MODULE_DESCRIPTION("Virtual Xe device for SVM testing");
MODULE_LICENSE("Dual MIT/GPL");
