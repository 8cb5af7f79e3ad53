// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The vxe software GPU: exec queues, a batch interpreter, GPU page faults
 * and user fences.
 *
 * Each exec queue runs its jobs in order on an ordered workqueue. The
 * interpreter reaches memory only through the VM's GPU page tables: every
 * fetch, store and atomic translates its address with the notifier
 * (pagetable) lock held for read and then touches the page the DMA address
 * names, as a DMA master would. A missing or read-only translation is a GPU
 * page fault: it is queued to the device's fault worker, which runs the SVM
 * fault handler, and the access is replayed. A fault that cannot be served
 * bans the queue and wakes every user-fence waiter.
 */

#include <linux/dma-direct.h>
#include <linux/highmem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>
#include <drm/drm_print.h>
#include <drm/xe_drm.h>

#include "vxe_drv.h"

/* MI commands the interpreter knows (see xe_mi_commands.h). */
#define MI_OPCODE(hdr)			(((hdr) >> 23) & 0x3f)
#define MI_CLIENT(hdr)			((hdr) >> 29)
#define MI_LEN(hdr)			((hdr) & 0xff)
#define MI_GGTT				BIT(22)
#define MI_OP_NOOP			0x00
#define MI_OP_BATCH_BUFFER_END		0x0a
#define MI_OP_STORE_DATA_IMM		0x20
#define MI_OP_ATOMIC			0x2f
#define MI_ATOMIC_OP(hdr)		(((hdr) >> 8) & 0xff)
#define MI_ATOMIC_INC			0x05
#define MI_ATOMIC_DEC			0x06

/* A runaway batch is a hang: ban the queue after this many commands. */
#define VXE_MAX_COMMANDS		1048576

/**
 * struct vxe_job - one EXEC: a batch and its user fence
 * @work: runs on the queue's ordered workqueue
 * @q: the queue (referenced)
 * @batch: GPU address of the batch
 * @sync: user fence to write when the batch is done, if any
 */
struct vxe_job {
	struct work_struct work;
	struct vxe_queue *q;
	u64 batch;
	struct vxe_sync sync;
};

/**
 * struct vxe_fault - a GPU page fault handed to the fault worker
 * @work: runs on the device's fault workqueue
 * @vm: the faulting VM
 * @addr: faulting address
 * @write: write access
 * @atomic: an atomic access (MI_ATOMIC)
 * @done: completed by the worker
 * @err: the handler's verdict
 */
struct vxe_fault {
	struct work_struct work;
	struct vxe_vm *vm;
	u64 addr;
	bool write;
	bool atomic;
	struct completion done;
	int err;
};

static void vxe_fault_work(struct work_struct *work)
{
	struct vxe_fault *f = container_of(work, struct vxe_fault, work);

	f->err = vxe_vm_handle_fault(f->vm, f->addr, f->write, f->atomic);
	complete(&f->done);
}

/* Raise a GPU page fault and wait for the fault worker's verdict. */
static int vxe_gpu_fault(struct vxe_queue *q, u64 addr, bool write,
			 bool atomic)
{
	struct vxe_fault f = {
		.vm = q->vm,
		.addr = addr,
		.write = write,
		.atomic = atomic,
	};

	INIT_WORK_ONSTACK(&f.work, vxe_fault_work);
	init_completion(&f.done);
	queue_work(q->vxe->fault_wq, &f.work);
	wait_for_completion(&f.done);
	destroy_work_on_stack(&f.work);
	return f.err;
}

enum vxe_access { VXE_READ32, VXE_WRITE32, VXE_WRITE64, VXE_INC32, VXE_DEC32 };

/*
 * One memory access through the GPU page tables, replayed after faults.
 * @val is read into or written from. Accesses are naturally aligned, so
 * they never cross a page.
 */
static int vxe_gpu_access(struct vxe_queue *q, u64 va, enum vxe_access kind,
			  u64 *val)
{
	struct vxe_vm *vm = q->vm;
	struct device *dev = q->vxe->drm.dev;
	bool write = kind != VXE_READ32;
	unsigned int size = kind == VXE_WRITE64 ? 8 : 4;
	int tries, err;

	if (!IS_ALIGNED(va, size))
		return -EFAULT;

	for (tries = 0; tries < 16 && va < VXE_VM_SIZE; tries++) {
		dma_addr_t addr;
		bool vram;

		down_read(&vm->gpusvm.notifier_lock);
		err = vxe_pt_walk(vm, va, write, &addr, &vram);
		if (!err) {
			phys_addr_t phys = dma_to_phys(dev, addr);
			void *p, *ptr;

			/* VRAM is the carve-out; system memory by DMA address. */
			if (vram)
				p = q->vxe->vram + (addr & PAGE_MASK);
			else
				p = kmap_local_page(pfn_to_page(PHYS_PFN(phys)));
			ptr = p + offset_in_page(addr);

			switch (kind) {
			case VXE_READ32:
				*val = READ_ONCE(*(u32 *)ptr);
				break;
			case VXE_WRITE32:
				WRITE_ONCE(*(u32 *)ptr, (u32)*val);
				break;
			case VXE_WRITE64:
				WRITE_ONCE(*(u64 *)ptr, *val);
				break;
			case VXE_INC32:
				atomic_inc((atomic_t *)ptr);
				break;
			case VXE_DEC32:
				atomic_dec((atomic_t *)ptr);
				break;
			}
			if (!vram)
				kunmap_local(p);
		}
		up_read(&vm->gpusvm.notifier_lock);
		if (!err)
			return 0;

		err = vxe_gpu_fault(q, va, write,
				    kind == VXE_INC32 || kind == VXE_DEC32);
		if (err)
			break;
	}
	/* The scratch page: reads see zero, writes vanish. */
	if (vm->flags & DRM_XE_VM_CREATE_FLAG_SCRATCH_PAGE) {
		*val = 0;
		return 0;
	}
	return err ?: -EFAULT;
}

static int vxe_gpu_fetch(struct vxe_queue *q, u64 *ip, u32 *dw)
{
	u64 v;
	int err = vxe_gpu_access(q, *ip, VXE_READ32, &v);

	*dw = v;
	*ip += 4;
	return err;
}

/* Run one batch. Return: 0 at MI_BATCH_BUFFER_END, else an error. */
static int vxe_gpu_run(struct vxe_queue *q, u64 ip)
{
	unsigned int n;

	for (n = 0; n < VXE_MAX_COMMANDS; n++) {
		u32 hdr, lo, hi, v0, v1;
		u64 addr, val;
		int err;

		err = vxe_gpu_fetch(q, &ip, &hdr);
		if (err)
			return err;
		/* MI commands only, PPGTT addressing only. */
		if (MI_CLIENT(hdr) != 0 || (hdr & MI_GGTT))
			return -EINVAL;

		switch (MI_OPCODE(hdr)) {
		case MI_OP_NOOP:
			break;
		case MI_OP_BATCH_BUFFER_END:
			return 0;
		case MI_OP_STORE_DATA_IMM:
			if (MI_LEN(hdr) != 2 && MI_LEN(hdr) != 3)
				return -EINVAL;
			err = vxe_gpu_fetch(q, &ip, &lo) ?:
			      vxe_gpu_fetch(q, &ip, &hi) ?:
			      vxe_gpu_fetch(q, &ip, &v0);
			if (err)
				return err;
			addr = ((u64)hi << 32 | lo);
			if (MI_LEN(hdr) == 2) {
				val = v0;
				err = vxe_gpu_access(q, addr, VXE_WRITE32, &val);
			} else {
				err = vxe_gpu_fetch(q, &ip, &v1);
				val = (u64)v1 << 32 | v0;
				if (!err)
					err = vxe_gpu_access(q, addr, VXE_WRITE64,
							     &val);
			}
			if (err)
				return err;
			break;
		case MI_OP_ATOMIC:
			if (MI_LEN(hdr) != 1)
				return -EINVAL;
			err = vxe_gpu_fetch(q, &ip, &lo) ?:
			      vxe_gpu_fetch(q, &ip, &hi);
			if (err)
				return err;
			addr = ((u64)hi << 32 | lo);
			if (MI_ATOMIC_OP(hdr) == MI_ATOMIC_INC)
				err = vxe_gpu_access(q, addr, VXE_INC32, &val);
			else if (MI_ATOMIC_OP(hdr) == MI_ATOMIC_DEC)
				err = vxe_gpu_access(q, addr, VXE_DEC32, &val);
			else
				err = -EINVAL;
			if (err)
				return err;
			break;
		default:
			return -EINVAL;
		}
	}
	return -ETIMEDOUT;
}

static void vxe_queue_ban(struct vxe_queue *q)
{
	WRITE_ONCE(q->banned, true);
	wake_up_all(&q->vxe->ufence_wq);
}

static void vxe_job_work(struct work_struct *work)
{
	struct vxe_job *job = container_of(work, struct vxe_job, work);
	struct vxe_queue *q = job->q;
	int err;

	if (READ_ONCE(q->banned))
		goto out;

	err = vxe_gpu_run(q, job->batch);
	/* The exec fence is written by the GPU, through the GPU VM. */
	if (!err && job->sync.ufence) {
		u64 val = job->sync.value;

		err = vxe_gpu_access(q, job->sync.addr, VXE_WRITE64, &val);
	}
	if (err)
		vxe_queue_ban(q);
	else
		wake_up_all(&q->vxe->ufence_wq);
out:
	vxe_queue_put(q);
	kfree(job);
}

/* ---- syncs ---- */

/**
 * vxe_sync_parse() - read and check the syncs of an ioctl
 * @usyncs: user array of &struct drm_xe_sync
 * @num: entries
 * @flags: %VXE_SYNC_BIND for a VM_BIND, with %VXE_SYNC_NO_UFENCE when it
 *	has no bind op (nothing would signal a user fence)
 * @sync: the one user fence to signal, if any
 *
 * Each entry is read and judged in turn, as upstream's sync parsing does;
 * more than one user fence is only refused once all were read. Like
 * upstream, the entry's extensions field is not looked at.
 *
 * Return: 0, -EFAULT for an unreadable entry or (binds) fence, -EINVAL for
 * a malformed entry or more than one user fence, -EOPNOTSUPP for a user
 * fence that is not signalled or not allowed, and for syncobjs (not
 * provided by this device).
 */
int vxe_sync_parse(struct drm_xe_sync __user *usyncs, u32 num,
		   unsigned int flags, struct vxe_sync *sync)
{
	u32 i, ufences = 0;
	u64 probe;

	for (i = 0; i < num; i++) {
		struct drm_xe_sync s;

		if (copy_from_user(&s, &usyncs[i], sizeof(s)))
			return -EFAULT;
		if (s.flags & ~DRM_XE_SYNC_FLAG_SIGNAL ||
		    s.reserved[0] || s.reserved[1])
			return -EINVAL;
		switch (s.type) {
		case DRM_XE_SYNC_TYPE_USER_FENCE:
			if (flags & VXE_SYNC_NO_UFENCE ||
			    !(s.flags & DRM_XE_SYNC_FLAG_SIGNAL))
				return -EOPNOTSUPP;
			if (s.addr & 0x7)
				return -EINVAL;
			/* A bind's fence is CPU memory: it must read now. */
			if (flags & VXE_SYNC_BIND &&
			    copy_from_user(&probe, u64_to_user_ptr(s.addr),
					   sizeof(probe)))
				return -EFAULT;
			ufences++;
			sync->ufence = true;
			sync->addr = s.addr;
			sync->value = s.timeline_value;
			break;
		case DRM_XE_SYNC_TYPE_SYNCOBJ:
		case DRM_XE_SYNC_TYPE_TIMELINE_SYNCOBJ:
			return -EOPNOTSUPP;
		default:
			return -EINVAL;
		}
	}
	return ufences > 1 ? -EINVAL : 0;
}

/**
 * vxe_sync_signal_cpu() - signal a user fence from the CPU (binds)
 * @vxe: device
 * @sync: the parsed syncs
 *
 * Called in the context of the ioctl that owns the fence memory.
 *
 * Return: 0 or -EFAULT.
 */
int vxe_sync_signal_cpu(struct vxe_device *vxe, const struct vxe_sync *sync)
{
	if (!sync->ufence)
		return 0;
	if (put_user(sync->value, (u64 __user *)u64_to_user_ptr(sync->addr)))
		return -EFAULT;
	wake_up_all(&vxe->ufence_wq);
	return 0;
}

/* ---- exec queues ---- */

/*
 * The last reference may be dropped by a job running on the queue's own
 * workqueue, which cannot destroy itself: free on the device's reaper.
 */
static void vxe_queue_free_work(struct work_struct *work)
{
	struct vxe_queue *q = container_of(work, struct vxe_queue, free_work);
	struct vxe_device *vxe = q->vxe;

	if (q->wq)
		destroy_workqueue(q->wq);
	vxe_vm_put(q->vm);
	kfree(q);
	if (atomic_dec_and_test(&vxe->live_queues))
		wake_up_var(&vxe->live_queues);
}

static void vxe_queue_release(struct kref *ref)
{
	struct vxe_queue *q = container_of(ref, struct vxe_queue, refcount);

	queue_work(q->vxe->free_wq, &q->free_work);
}

/**
 * vxe_queue_put() - drop a reference on an exec queue
 * @q: the queue
 */
void vxe_queue_put(struct vxe_queue *q)
{
	kref_put(&q->refcount, vxe_queue_release);
}

static struct vxe_queue *vxe_queue_lookup(struct vxe_file *vf, u32 id)
{
	struct vxe_queue *q;

	xa_lock(&vf->queues);
	q = xa_load(&vf->queues, id);
	if (q)
		kref_get(&q->refcount);
	xa_unlock(&vf->queues);
	return q;
}

/**
 * vxe_queue_check_bind() - may this queue carry binds of @vm?
 * @vf: the file
 * @id: exec queue id
 * @vm: the VM bound
 *
 * Return: 0, -ENOENT for an unknown queue, -EINVAL for a queue that is not
 * a VM_BIND queue of @vm.
 */
int vxe_queue_check_bind(struct vxe_file *vf, u32 id, struct vxe_vm *vm)
{
	struct vxe_queue *q = vxe_queue_lookup(vf, id);
	int err = 0;

	if (!q)
		return -ENOENT;
	if (q->class != DRM_XE_ENGINE_CLASS_VM_BIND || q->vm != vm)
		err = -EINVAL;
	vxe_queue_put(q);
	return err;
}

/* Upstream's xe_hw_engine_lookup() on vxe's engines (vxe_engines[]). */
static bool vxe_engine_exists(const struct drm_xe_engine_class_instance *eci)
{
	return !eci->gt_id && !eci->engine_instance &&
	       (eci->engine_class == DRM_XE_ENGINE_CLASS_COPY ||
		eci->engine_class == DRM_XE_ENGINE_CLASS_COMPUTE);
}

int vxe_exec_queue_create_ioctl(struct drm_device *dev, void *data,
				struct drm_file *file)
{
	struct vxe_device *vxe = to_vxe(dev);
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_exec_queue_create *args = data;
	struct drm_xe_engine_class_instance eci[VXE_MAX_PLACEMENTS];
	struct vxe_queue *q;
	struct vxe_vm *vm;
	u32 id, len, n;
	int err;

	/* In upstream's order; like upstream, eci.pad is not checked. */
	if (args->flags & ~DRM_XE_EXEC_QUEUE_LOW_LATENCY_HINT ||
	    args->reserved[0] || args->reserved[1])
		return -EINVAL;
	len = (u32)args->width * args->num_placements;
	if (!len || len > VXE_MAX_PLACEMENTS)
		return -EINVAL;
	if (copy_from_user(eci, u64_to_user_ptr(args->instances),
			   len * sizeof(eci[0])))
		return -EFAULT;
	if (eci[0].gt_id != 0)
		return -EINVAL;
	if (eci[0].engine_class == DRM_XE_ENGINE_CLASS_VM_BIND) {
		if (args->width != 1 || args->num_placements != 1 ||
		    eci[0].engine_instance != 0)
			return -EINVAL;
	} else {
		/* Every placement an engine of the first one's class. */
		for (n = 0; n < len; n++)
			if (!vxe_engine_exists(&eci[n]) ||
			    eci[n].engine_class != eci[0].engine_class)
				return -EINVAL;
		/*
		 * One engine per class: the placements of a parallel queue
		 * cannot be logically contiguous.
		 */
		if (args->width > 1)
			return -EINVAL;
	}

	vm = vxe_vm_lookup(vf, args->vm_id);
	if (!vm)
		return -ENOENT;
	/* Upstream reads the extensions when it creates the queue. */
	err = vxe_user_extensions_check(args->extensions);
	if (err) {
		vxe_vm_put(vm);
		return err;
	}

	q = kzalloc_obj(*q);
	if (!q) {
		vxe_vm_put(vm);
		return -ENOMEM;
	}
	kref_init(&q->refcount);
	INIT_WORK(&q->free_work, vxe_queue_free_work);
	atomic_inc(&vxe->live_queues);
	q->vxe = vxe;
	q->vm = vm;
	q->class = eci[0].engine_class;
	if (q->class != DRM_XE_ENGINE_CLASS_VM_BIND) {
		q->wq = alloc_ordered_workqueue("vxe-queue", 0);
		if (!q->wq) {
			err = -ENOMEM;
			goto err_put;
		}
	}

	err = xa_alloc(&vf->queues, &id, q, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto err_put;
	args->exec_queue_id = id;
	return 0;

err_put:
	vxe_queue_put(q);
	return err;
}

int vxe_exec_queue_destroy_ioctl(struct drm_device *dev, void *data,
				 struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_exec_queue_destroy *args = data;
	struct vxe_queue *q;

	if (args->pad || args->reserved[0] || args->reserved[1])
		return -EINVAL;
	q = xa_erase(&vf->queues, args->exec_queue_id);
	if (!q)
		return -ENOENT;
	/* Jobs still queued keep it alive; stop them from running. */
	vxe_queue_ban(q);
	vxe_queue_put(q);
	return 0;
}

int vxe_exec_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_exec *args = data;
	struct vxe_queue *q;
	struct vxe_job *job;
	int err;

	if (args->extensions || args->pad[0] || args->pad[1] || args->pad[2] ||
	    args->reserved[0] || args->reserved[1] ||
	    args->num_syncs > DRM_XE_MAX_SYNCS)
		return -EINVAL;

	q = vxe_queue_lookup(vf, args->exec_queue_id);
	if (!q)
		return -ENOENT;
	/* Every queue has width 1; no batch is allowed (see below). */
	if (q->class == DRM_XE_ENGINE_CLASS_VM_BIND ||
	    args->num_batch_buffer > 1) {
		err = -EINVAL;
		goto err_put;
	}
	if (READ_ONCE(q->banned)) {
		err = -ECANCELED;
		goto err_put;
	}

	job = kzalloc_obj(*job);
	if (!job) {
		err = -ENOMEM;
		goto err_put;
	}
	err = vxe_sync_parse(u64_to_user_ptr(args->syncs), args->num_syncs, 0,
			     &job->sync);
	/*
	 * Without a batch upstream only passes syncobj fences on, and an
	 * exec's user fence is written by its batch: there is nothing to do.
	 */
	if (err || !args->num_batch_buffer) {
		kfree(job);
		goto err_put;
	}
	job->q = q;
	job->batch = args->address;
	INIT_WORK(&job->work, vxe_job_work);
	queue_work(q->wq, &job->work);
	return 0;

err_put:
	vxe_queue_put(q);
	return err;
}

/* ---- user fence waits ---- */

static bool vxe_ufence_passed(u64 v, u64 value, u64 mask, u16 op)
{
	v &= mask;
	value &= mask;
	switch (op) {
	case DRM_XE_UFENCE_WAIT_OP_EQ:
		return v == value;
	case DRM_XE_UFENCE_WAIT_OP_NEQ:
		return v != value;
	case DRM_XE_UFENCE_WAIT_OP_GT:
		return v > value;
	case DRM_XE_UFENCE_WAIT_OP_GTE:
		return v >= value;
	case DRM_XE_UFENCE_WAIT_OP_LT:
		return v < value;
	default:
		return v <= value;
	}
}

int vxe_wait_user_fence_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct vxe_device *vxe = to_vxe(dev);
	struct vxe_file *vf = file->driver_priv;
	struct drm_xe_wait_user_fence *args = data;
	u64 __user *addr = u64_to_user_ptr(args->addr);
	DEFINE_WAIT_FUNC(entry, woken_wake_function);
	struct vxe_queue *q = NULL;
	long timeout;
	int err = 0;
	u64 v;

	if (args->extensions || args->op > DRM_XE_UFENCE_WAIT_OP_LTE ||
	    args->flags & ~DRM_XE_UFENCE_WAIT_FLAG_ABSTIME ||
	    args->pad || args->pad2 || args->reserved[0] || args->reserved[1] ||
	    args->addr & 0x7)
		return -EINVAL;

	if (args->exec_queue_id) {
		q = vxe_queue_lookup(vf, args->exec_queue_id);
		if (!q)
			return -ENOENT;
	}

	if (args->timeout < 0) {
		timeout = MAX_SCHEDULE_TIMEOUT;
	} else if (args->flags & DRM_XE_UFENCE_WAIT_FLAG_ABSTIME) {
		s64 ns = args->timeout - ktime_get_ns();

		timeout = ns > 0 ? nsecs_to_jiffies(ns) : 0;
	} else {
		timeout = nsecs_to_jiffies(args->timeout);
	}

	add_wait_queue(&vxe->ufence_wq, &entry);
	for (;;) {
		if (get_user(v, addr)) {
			err = -EFAULT;
			break;
		}
		if (vxe_ufence_passed(v, args->value, args->mask, args->op))
			break;
		if (q && READ_ONCE(q->banned)) {
			err = -EIO;
			break;
		}
		if (!timeout) {
			err = -ETIME;
			break;
		}
		if (signal_pending(current)) {
			err = -ERESTARTSYS;
			break;
		}
		timeout = wait_woken(&entry, TASK_INTERRUPTIBLE, timeout);
	}
	remove_wait_queue(&vxe->ufence_wq, &entry);

	/* A restarted relative wait only waits for what is left. */
	if (args->timeout > 0 && !(args->flags & DRM_XE_UFENCE_WAIT_FLAG_ABSTIME))
		args->timeout = jiffies_to_nsecs(timeout);
	if (q)
		vxe_queue_put(q);
	return err;
}
