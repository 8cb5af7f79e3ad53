/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * vxe: a virtual Xe device. It speaks the subset of the Xe uAPI that the
 * SVM tests use and runs batches on a software GPU that reaches memory only
 * through its own GPU page tables, which the SVM engine fills.
 */

#ifndef _VXE_DRV_H_
#define _VXE_DRV_H_

#include <linux/completion.h>
#include <linux/dma-direction.h>
#include <linux/mmu_notifier.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/xe_drm.h>
#include <drm/drm_gpusvm.h>
#include <drm/drm_gpusvm_devmem.h>
#include <drm/drm_gpuvm.h>

struct drm_pagemap_addr;
struct faux_device;
struct vxe_file;
struct vxe_vm;

/* The device looks like a Battlemage-class discrete part to userspace. */
#define VXE_DEVICE_ID		0xe20b
#define VXE_REVISION		0
#define VXE_VA_BITS		48
#define VXE_VM_SIZE		BIT_ULL(VXE_VA_BITS)
/* PAT table of an Xe2 part, and the indices of its cache levels. */
#define VXE_PAT_ENTRIES		32
#define VXE_PAT_WB		2
#define VXE_PAT_UC		3
#define VXE_PAT_UC_COMP		12
#define VXE_PAT_WT		15

/**
 * struct vxe_pat - one PAT entry
 * @no_promote: no-promote bit
 * @comp_en: compression enabled
 * @l3_clos: L3 class of service
 * @l3_policy: L3 caching policy
 * @l4_policy: L4 caching policy
 * @coh: coherency mode (0 none, 2 one-way, 3 two-way)
 * @valid: not a reserved entry
 */
struct vxe_pat {
	u8 no_promote;
	u8 comp_en;
	u8 l3_clos;
	u8 l3_policy;
	u8 l4_policy;
	u8 coh;
	bool valid;
};

extern const struct vxe_pat vxe_pat_table[VXE_PAT_ENTRIES];

/* Engines: one copy engine and one compute engine on GT 0. */
#define VXE_NUM_ENGINES		2
/* Placements an exec queue may name (upstream: XE_HW_ENGINE_MAX_INSTANCE). */
#define VXE_MAX_PLACEMENTS	9

/* Memory regions: bit 0 system memory, bit 1 VRAM (when vram_mb > 0). */
#define VXE_SYSMEM_MASK		BIT(0)
#define VXE_VRAM_MASK		BIT(1)
/*
 * The timeslice bounding CPU/GPU ping-pong on atomics, as upstream Xe
 * applies it (atomic faults only): data an atomic fault moved into VRAM
 * stays there this long before a CPU fault takes it back, and an atomic
 * fault does not move a range into VRAM again sooner than this after its
 * last migration there. Other faults have none: a GPU write followed by
 * a CPU read, the common case, must not wait for it.
 */
#define VXE_TIMESLICE_MS	5

#define VXE_VM_CREATE_FLAGS	(DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE | \
				 DRM_XE_VM_CREATE_FLAG_LR_MODE | \
				 DRM_XE_VM_CREATE_FLAG_FAULT_MODE | \
				 DRM_XE_VM_CREATE_FLAG_NO_VM_OVERCOMMIT)
#define VXE_VM_BIND_FLAGS	(DRM_XE_VM_BIND_FLAG_READONLY | \
				 DRM_XE_VM_BIND_FLAG_IMMEDIATE | \
				 DRM_XE_VM_BIND_FLAG_NULL | \
				 DRM_XE_VM_BIND_FLAG_DUMPABLE | \
				 DRM_XE_VM_BIND_FLAG_CHECK_PXP | \
				 DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR | \
				 DRM_XE_VM_BIND_FLAG_MADVISE_AUTORESET | \
				 DRM_XE_VM_BIND_FLAG_DECOMPRESS)

/* Counters of debugfs gt0/stats, named as upstream Xe's GT stats. */
enum vxe_stat {
	VXE_STAT_SVM_PAGEFAULT_COUNT,
	VXE_STAT_SVM_4K_PAGEFAULT_COUNT,
	VXE_STAT_SVM_64K_PAGEFAULT_COUNT,
	VXE_STAT_SVM_2M_PAGEFAULT_COUNT,
	VXE_STAT_SVM_4K_PAGEFAULT_US,
	VXE_STAT_SVM_64K_PAGEFAULT_US,
	VXE_STAT_SVM_2M_PAGEFAULT_US,
	VXE_STAT_SVM_64K_MIGRATE_COUNT,
	VXE_STAT_SVM_2M_MIGRATE_COUNT,
	VXE_STAT_SVM_64K_MIGRATE_US,
	VXE_STAT_SVM_2M_MIGRATE_US,
	VXE_STAT_SVM_DEVICE_COPY_KB,
	VXE_STAT_SVM_DEVICE_COPY_US,
	VXE_STAT_SVM_CPU_COPY_KB,
	VXE_STAT_SVM_CPU_COPY_US,
	VXE_STAT_COUNT
};

/*
 * Fault service times per range size (4K, 64K, 2M) in microsecond buckets,
 * log-linear so percentiles come out within 25 %: one bucket per value
 * below 8 us, then four per power of two.
 */
#define VXE_FAULT_SIZES		3
#define VXE_FAULT_BUCKETS	104

static inline unsigned int vxe_fault_bucket(u64 us)
{
	unsigned int e;

	if (us < 8)
		return us;
	e = fls64(us) - 1;
	return min(8 + (e - 3) * 4 + ((us >> (e - 2)) & 3),
		   VXE_FAULT_BUCKETS - 1);
}

/* The bound below which every time counted in bucket @b lies. */
static inline u64 vxe_fault_bucket_limit(unsigned int b)
{
	if (b < 8)
		return b + 1;
	return (u64)(5 + (b - 8) % 4) << ((b - 8) / 4 + 1);
}

/**
 * struct vxe_device - the virtual device
 * @drm: DRM device
 * @faux: the bus-less parent device
 * @ufence_wq: woken whenever a user fence may have been written or a
 *	queue was banned
 * @fault_wq: the GPU page-fault workers
 * @free_wq: frees exec queues (their own workqueue cannot)
 * @live_queues: exec queues not yet freed; unload waits for zero
 * @stats: statistics, &enum vxe_stat
 * @fault_hist: GPU fault service time histogram, per range size
 * @pool: the engine's device memory standing for @vram
 * @vram: the contents of VRAM (a RAM carve-out only the GPU touches)
 * @vram_size: bytes of VRAM, 0 without
 */
struct vxe_device {
	struct drm_device drm;
	struct faux_device *faux;
	wait_queue_head_t ufence_wq;
	struct workqueue_struct *fault_wq;
	struct workqueue_struct *free_wq;
	atomic_t live_queues;
	atomic64_t stats[VXE_STAT_COUNT];
	atomic64_t fault_hist[VXE_FAULT_SIZES][VXE_FAULT_BUCKETS];
	struct drm_gpusvm_pool pool;
	void *vram;
	u64 vram_size;
};

static inline bool vxe_has_vram(const struct vxe_device *vxe)
{
	return vxe->vram_size;
}

static inline u32 vxe_mem_region_mask(const struct vxe_device *vxe)
{
	return VXE_SYSMEM_MASK | (vxe_has_vram(vxe) ? VXE_VRAM_MASK : 0);
}

static inline struct vxe_device *to_vxe(struct drm_device *drm)
{
	return container_of(drm, struct vxe_device, drm);
}

static inline void vxe_stat_add(struct vxe_device *vxe, enum vxe_stat id,
				s64 v)
{
	atomic64_add(v, &vxe->stats[id]);
}

/**
 * struct vxe_file - per open file state
 * @vms: VMs by id
 * @queues: exec queues by id
 *
 * Lookups take a reference under the xarray lock.
 */
struct vxe_file {
	struct xarray vms;
	struct xarray queues;
};

/* ---- buffer objects (vxe_gem.c) ---- */

int vxe_user_extensions_check(u64 extensions);
bool vxe_gem_is_vram(const struct drm_gem_object *obj);
void vxe_gem_vram_addrs(struct drm_gem_object *obj, pgoff_t first,
			unsigned long npages, enum dma_data_direction dir,
			struct drm_pagemap_addr *addr);
int vxe_gem_create_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file);
int vxe_gem_mmap_offset_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file);

/* ---- GPU page tables (vxe_pt.c) ---- */

/*
 * Four levels of 512 entries, as on Xe with 48-bit VAs. A leaf is a
 * level-0 entry (4K; 16 consecutive ones with VXE_PTE_PS64 for a 64K
 * page) or a level-1 entry with VXE_PTE_HUGE (2M).
 */
#define VXE_PT_LEVELS		4
#define VXE_PT_ENTRIES		512
#define VXE_PTE_VALID		BIT_ULL(0)
#define VXE_PTE_WRITE		BIT_ULL(1)
#define VXE_PTE_PS64		BIT_ULL(2)
#define VXE_PTE_HUGE		BIT_ULL(3)
#define VXE_PTE_VRAM		BIT_ULL(4)
#define VXE_PTE_ADDR_MASK	GENMASK_ULL(51, 12)

struct vxe_pt {
	u64 entries[VXE_PT_ENTRIES];
	struct vxe_pt *children[VXE_PT_ENTRIES];
};

int vxe_pt_init(struct vxe_vm *vm);
void vxe_pt_fini(struct vxe_vm *vm);
int vxe_pt_prepare(struct vxe_vm *vm, u64 start, u64 end);
void vxe_pt_bind(struct vxe_vm *vm, u64 start, u64 end,
		 const struct drm_pagemap_addr *dma_addr);
void vxe_pt_zap(struct vxe_vm *vm, u64 start, u64 end);
void vxe_pt_zap_all(struct vxe_vm *vm);
int vxe_pt_walk(struct vxe_vm *vm, u64 va, bool write, dma_addr_t *addr,
		bool *vram);

/* ---- VRAM (vxe_vram.c) ---- */

int vxe_vram_init(struct vxe_device *vxe);
void vxe_vram_fini(struct vxe_device *vxe);
void vxe_vram_debugfs_init(struct vxe_device *vxe, struct dentry *root);

/* ---- VMs and SVM (vxe_vm.c) ---- */

/**
 * struct vxe_svm_range - a GPU SVM range of a vxe VM
 * @base: the engine's range
 * @gc_link: link in &vxe_vm.gc_list once its CPU mapping is gone
 * @bound: GPU PTEs are committed (notifier lock)
 */
struct vxe_svm_range {
	struct drm_gpusvm_range base;
	struct list_head gc_link;
	bool bound;
};

/*
 * A fault is declared unserviceable only after VXE_FAULT_RETRIES failed
 * get-pages/commit attempts spanning VXE_FAULT_PATIENCE; an attempt that
 * found a device folio locked elsewhere first sleeps, from
 * VXE_FAULT_BACKOFF_US doubling up to 64 times that. A get-pages that
 * gave up after HMM_RANGE_DEFAULT_TIMEOUT of invalidations racing its
 * walk (-EBUSY) is a failed attempt too, so a fault ends, served or not,
 * within about VXE_FAULT_RETRIES of those timeouts.
 */
#define VXE_FAULT_RETRIES	64
#define VXE_FAULT_PATIENCE	(2 * HZ)
#define VXE_FAULT_BACKOFF_US	20

/**
 * enum vxe_vma_kind - what a GPU VMA maps
 * @VXE_VMA_MIRROR: the CPU address space, bound by GPU faults (SVM)
 * @VXE_VMA_BO: a buffer object, bound when mapped
 * @VXE_VMA_USERPTR: CPU memory at another address, bound when mapped and
 *	again by a GPU fault after an invalidation
 */
enum vxe_vma_kind {
	VXE_VMA_MIRROR,
	VXE_VMA_BO,
	VXE_VMA_USERPTR,
};

/**
 * struct vxe_vma - a GPU VMA of a vxe VM
 * @va: the drm_gpuvm mapping
 * @vm: the VM
 * @kind: what it maps
 * @read_only: mapped without write permission
 * @obj: BO: the object (referenced, pages pinned while @pinned)
 * @pinned: BO: the pages are pinned
 * @dma: BO: the DMA address of each mapped page
 * @vm_bo: BO: the VM/BO link until @va is linked to it
 * @cpu_addr: userptr: the CPU address of the start of @va
 * @notifier: userptr: the interval notifier on the CPU range
 * @pages: userptr: the pages and their DMA mapping
 * @bound: userptr: PTEs are committed (notifier lock)
 * @link: on a teardown list
 */
struct vxe_vma {
	struct drm_gpuva va;
	struct vxe_vm *vm;
	enum vxe_vma_kind kind;
	bool read_only;
	struct drm_gem_object *obj;
	bool pinned;
	struct drm_pagemap_addr *dma;
	struct drm_gpuvm_bo *vm_bo;
	u64 cpu_addr;
	struct mmu_interval_notifier notifier;
	struct drm_gpusvm_pages pages;
	bool bound;
	struct list_head link;
};

static inline struct vxe_vma *to_vxe_vma(struct drm_gpuva *va)
{
	return container_of(va, struct vxe_vma, va);
}

/**
 * struct vxe_vm - a GPU VM
 * @gpuvm: the GPU VA space, of &struct vxe_vma
 * @gpusvm: the SVM mirror of the creating process (fault mode), else a
 *	pages-only instance for userptrs; its notifier lock is the page-table
 *	lock
 * @vxe: device
 * @lock: the driver lock: serialises binds, faults and range changes
 * @flags: DRM_XE_VM_CREATE_FLAG_*
 * @pt_root: top-level GPU page table; entries change under the notifier
 *	lock, directories are added under @lock and freed with the VM
 * @gc_lock: protects @gc_list
 * @gc_list: ranges whose CPU mapping went away, to remove under @lock
 * @closed: destroyed by userspace; no new faults are served
 *
 * References (the file's, exec queues') are those of @gpuvm.
 */
struct vxe_vm {
	struct drm_gpuvm gpuvm;
	struct drm_gpusvm gpusvm;
	struct vxe_device *vxe;
	struct rw_semaphore lock;
	u32 flags;
	struct vxe_pt *pt_root;
	spinlock_t gc_lock;	/* protects gc_list; taken in the notifier */
	struct list_head gc_list;
	bool closed;
};

extern const struct drm_gpuvm_ops vxe_gpuvm_ops;

void vxe_vm_free(struct vxe_vm *vm);
void vxe_vm_gc(struct vxe_vm *vm);
int vxe_vm_prefetch(struct vxe_vm *vm, u64 addr, u64 range, u32 instance);
int vxe_userptr_fault(struct vxe_vm *vm, struct vxe_vma *vma);
void vxe_vma_destroy(struct vxe_vma *vma);
void vxe_vm_unmap_all(struct vxe_vm *vm);

struct vxe_vm *vxe_vm_get(struct vxe_vm *vm);
void vxe_vm_put(struct vxe_vm *vm);
struct vxe_vm *vxe_vm_lookup(struct vxe_file *vf, u32 id);
void vxe_vm_close(struct vxe_vm *vm);
int vxe_vm_handle_fault(struct vxe_vm *vm, u64 addr, bool write, bool atomic);

int vxe_vm_create_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file);
int vxe_vm_destroy_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file);
int vxe_vm_bind_ioctl(struct drm_device *dev, void *data,
		      struct drm_file *file);

/* ---- exec queues and the software GPU (vxe_gpu.c) ---- */

/**
 * struct vxe_sync - the user fence of an ioctl
 * @ufence: there is one
 * @addr: its address (CPU address for binds, GPU address for execs)
 * @value: the value to write
 */
struct vxe_sync {
	bool ufence;
	u64 addr;
	u64 value;
};

/* vxe_sync_parse() flags: the syncs of a bind; of a bind with no ops. */
#define VXE_SYNC_BIND		BIT(0)
#define VXE_SYNC_NO_UFENCE	BIT(1)

int vxe_sync_parse(struct drm_xe_sync __user *usyncs, u32 num,
		   unsigned int flags, struct vxe_sync *sync);
int vxe_sync_signal_cpu(struct vxe_device *vxe, const struct vxe_sync *sync);

/**
 * struct vxe_queue - an exec queue: jobs run in order on its own worker
 * @vxe: device
 * @vm: the VM the queue executes in (referenced)
 * @wq: ordered workqueue running the jobs (none for VM_BIND queues)
 * @banned: an unserviceable fault happened or the queue was destroyed;
 *	no further job runs
 * @class: engine class
 * @refcount: file and job references
 * @free_work: frees the queue on &vxe_device.free_wq
 */
struct vxe_queue {
	struct vxe_device *vxe;
	struct vxe_vm *vm;
	struct workqueue_struct *wq;
	bool banned;
	u16 class;
	struct kref refcount;
	struct work_struct free_work;
};

void vxe_queue_put(struct vxe_queue *q);
int vxe_queue_check_bind(struct vxe_file *vf, u32 id, struct vxe_vm *vm);

int vxe_exec_queue_create_ioctl(struct drm_device *dev, void *data,
				struct drm_file *file);
int vxe_exec_queue_destroy_ioctl(struct drm_device *dev, void *data,
				 struct drm_file *file);
int vxe_exec_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vxe_wait_user_fence_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file);

#endif /* _VXE_DRV_H_ */
