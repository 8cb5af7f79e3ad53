/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Small helper library for the xe-svm userspace tests: device discovery,
 * the Xe uAPI calls the SVM tests need (DEVICE_QUERY, VM_CREATE/DESTROY,
 * VM_BIND of the CPU-address mirror, EXEC_QUEUE_CREATE/DESTROY, EXEC,
 * WAIT_USER_FENCE), debugfs reads, page placement (which pages of a
 * buffer are in the device's VRAM, by /proc/self/pagemap), a few MI batch
 * builders and minimal TAP output.
 *
 * All uAPI wrappers return 0 on success or a negative errno, never -1.
 */
#ifndef XE_SVM_LIB_H
#define XE_SVM_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <drm/drm.h>
#include <drm/xe_drm.h>

/*
 * MI commands the tests emit (batch buffers are arrays of dwords).
 * Encodings follow drivers/gpu/drm/xe/instructions/xe_mi_commands.h:
 * an MI header is opcode << 23 with the dword length minus 2 in the low bits.
 */
#define XE_SVM_MI_OPCODE(op)		((uint32_t)(op) << 23)
/* MI_STORE_DATA_IMM | MI_SDI_NUM_DW(1): hdr, addr_lo, addr_hi, value */
#define XE_SVM_MI_SDI_DW		(XE_SVM_MI_OPCODE(0x20) | 0x2)
/* MI_STORE_DATA_IMM | MI_SDI_NUM_QW(1): bit 21 = store qword, length 3 */
#define XE_SVM_MI_SDI_QW		(XE_SVM_MI_OPCODE(0x20) | (1u << 21) | 0x3)
/* MI_ATOMIC (length 1) with ATOMIC_OPCODE 0x05 (32-bit increment) */
#define XE_SVM_MI_ATOMIC_INC		(XE_SVM_MI_OPCODE(0x2f) | (0x5u << 8) | 0x1)
#define XE_SVM_MI_BATCH_BUFFER_END	XE_SVM_MI_OPCODE(0x0a)

#define XE_SVM_PAGE_SIZE		4096ul
#define XE_SVM_NSEC_PER_SEC		1000000000ll

/* What the tests learnt about the device from DEVICE_QUERY. */
struct xe_svm_dev {
	int fd;
	uint32_t devid;			/* CONFIG REV_AND_DEVICE_ID & 0xffff */
	uint64_t config_flags;		/* CONFIG FLAGS */
	unsigned int va_bits;		/* CONFIG VA_BITS */
	struct drm_xe_engine_class_instance eci;	/* engine for exec queues */
	uint32_t sysmem_placement;	/* GEM placement bits of SYSMEM regions */
	uint32_t vram_placement;	/* GEM placement bits of VRAM regions */
	uint16_t pat_index;		/* PAT index for mirror binds (default 0) */
};

/* A CPU pointer as the u64 the uAPI and the GPU take. */
static inline uint64_t to_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* strerror() of an errno of either sign, as the wrappers return them. */
static inline const char *xe_svm_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

/* Open the first /dev/dri/card* whose DRM driver name is "xe"; -1 if none. */
int xe_svm_open(void);

/* ioctl() restarted on EINTR/EAGAIN; returns 0 or -errno. */
int xe_svm_ioctl(int fd, unsigned long request, void *arg);

/*
 * Two-call DEVICE_QUERY: probe the size with size == 0, then fetch into a
 * malloc()ed buffer returned in *data (caller frees) with its size.
 */
int xe_svm_query(int fd, uint32_t query, void **data, uint32_t *size);

/*
 * Fill @dev from the CONFIG, ENGINES and MEM_REGIONS queries.  The exec
 * engine is the first COPY engine, else the first non-VM_BIND engine.
 * pat_index starts at 0; XE_SVM_PAT_INDEX in the environment or the
 * "IDX[XE_CACHE_WB]" line of debugfs gt0/pat_sw_config override it.
 */
int xe_svm_dev_init(struct xe_svm_dev *dev, int fd);

int xe_svm_vm_create(int fd, uint32_t flags, uint32_t *vm);
int xe_svm_vm_destroy(int fd, uint32_t vm);

/*
 * MAP [0, 1 << va_bits) with DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR, obj 0.
 * With @ufence non-NULL, attach a user-fence sync at that (8-byte aligned)
 * CPU address and wait for the kernel to signal it.
 */
int xe_svm_bind_mirror(int fd, uint32_t vm, unsigned int va_bits,
		       uint16_t pat_index, uint64_t *ufence);
/* UNMAP [0, 1 << va_bits) (flags 0); same fence handling as above. */
int xe_svm_unbind_mirror(int fd, uint32_t vm, unsigned int va_bits,
			 uint16_t pat_index, uint64_t *ufence);

/* One VM_BIND operation; fields as in struct drm_xe_vm_bind_op. */
struct xe_svm_bind_args {
	uint32_t vm;
	uint32_t queue;
	uint32_t op;
	uint32_t flags;
	uint32_t obj;
	uint64_t obj_offset;	/* BO offset, or the CPU address of a userptr */
	uint64_t addr;
	uint64_t range;
	uint16_t pat_index;
	uint32_t prefetch_region;	/* PREFETCH: memory region instance */
};

/* Submit @b; with @ufence non-NULL, fence it there and wait, as above. */
int xe_svm_bind(int fd, const struct xe_svm_bind_args *b, uint64_t *ufence);

/*
 * GEM_CREATE of @size at @placement, no VM; CPU caching WB, or WC if
 * @placement includes VRAM (as Xe requires).
 */
int xe_svm_gem_create(int fd, uint64_t size, uint32_t placement,
		      uint32_t *handle);
/* GEM_MMAP_OFFSET + a MAP_SHARED mapping; NULL with errno set on failure. */
void *xe_svm_gem_mmap(int fd, uint32_t handle, size_t size);
int xe_svm_gem_close(int fd, uint32_t handle);

/* fopen() debugfs dri/<minor>/@file of the device @fd is open on. */
FILE *xe_svm_debugfs_open(int fd, const char *file);

/*
 * Write @val to debugfs dri/<minor>/@file of the device @fd is open on.
 * Return: 0 or a negative errno.
 */
int xe_svm_debugfs_write(int fd, const char *file, const char *val);

/*
 * Read "KEY VALUE" or "KEY: VALUE" from debugfs dri/<minor>/@file of the
 * device @fd is open on.
 */
int xe_svm_debugfs_value(int fd, const char *file, const char *key,
			 long long *val);
/* The same for a value a test needs: -1 and a TAP diagnostic if absent. */
long long xe_svm_debugfs_get(int fd, const char *file, const char *key);

/*
 * Wait (up to 2 s) for debugfs @file @key of @fd's device to read @want,
 * as counters the last reference of an object updates do. Return: 0, or
 * -1 after a TAP diagnostic naming @what and the last value read (-1 if
 * the line is missing).
 */
int xe_svm_debugfs_settles(int fd, const char *file, const char *key,
			   long long want, const char *what);

/*
 * The engine's fault injection (debugfs fail_vram_alloc, fail_vram_copy
 * of @fd's device): fail @percent of VRAM allocations and of copies, every
 * time it comes up, without stack dumps in the kernel log; 0 turns it off.
 * Return: 0 or a negative errno.
 */
int xe_svm_fault_inject(int fd, int percent);

/*
 * An anonymous private mapping of @len at an @align-aligned address, its
 * own VMA; NULL if mmap fails.
 */
void *xe_svm_map_aligned(size_t len, size_t align);

/*
 * The pfns of a device's VRAM pages (the MEMORY_DEVICE_PRIVATE pages its
 * pool stands for VRAM with): [first, first + count).
 */
struct xe_svm_vram_pfns {
	uint64_t first;
	uint64_t count;
};

/*
 * Read them from debugfs "vram" (pfn_first, pfn_count) of the device @fd
 * is open on. Return: 0, -ENOENT without those lines (no VRAM), or another
 * negative errno.
 */
int xe_svm_vram_pfns_get(int fd, struct xe_svm_vram_pfns *pfns);

/*
 * How many pages of [p, p + len) (both page aligned) are mapped to VRAM
 * pages of the device @pfns describes, as /proc/self/pagemap shows the
 * calling process's page table: a page-table entry for a device-private
 * page is a swap entry (PM_SWAP, bit 62) whose frame field (bits 0..54)
 * holds the swap type in its low 5 bits (MAX_SWAPFILES_SHIFT) and the
 * device pfn above them; a PMD-mapped device folio reads the same, page by
 * page (Linux 7.2 fs/proc/task_mmu.c: pte_to_pagemap_entry(),
 * pagemap_pmd_range_thp()). Pages unmapped, not faulted in, in system
 * memory or on another device do not count. Nothing is touched, so
 * nothing migrates. Needs CAP_SYS_ADMIN (else pagemap hides every pfn).
 *
 * Return: the number of VRAM pages, or a negative errno: -EINVAL for an
 * unaligned range, -EPERM if pagemap hides the pfns (seen as a swap
 * entry with a zero frame).
 */
long xe_svm_vram_pages_in(const struct xe_svm_vram_pfns *pfns, const void *p,
			  size_t len);

/* The same for the device @fd is open on (its pfns read from debugfs). */
long xe_svm_vram_pages(int fd, const void *p, size_t len);

/*
 * Check that exactly @want pages of [p, p + len) are in the VRAM of @fd's
 * device (xe_svm_vram_pages()). Return: 0, or -1 after a TAP diagnostic
 * naming @what.
 */
int xe_svm_expect_vram_pages(int fd, const char *what, const void *p,
			     size_t len, long want);

/* width 1, one placement: @eci. */
int xe_svm_exec_queue_create(int fd, uint32_t vm,
			     const struct drm_xe_engine_class_instance *eci,
			     uint32_t *queue);
int xe_svm_exec_queue_destroy(int fd, uint32_t queue);

/*
 * Submit one batch at GPU VA @batch_addr with a single USER_FENCE sync
 * (flags SIGNAL) that the GPU signals by writing @value to @ufence_addr.
 */
int xe_svm_exec(int fd, uint32_t queue, uint64_t batch_addr,
		uint64_t ufence_addr, uint64_t value);

/*
 * Wait until the u64 at @addr equals @value (op EQ, full mask, relative
 * timeout).  @queue may be 0.  Returns 0, -ETIME, -EIO (queue reset), ...
 */
int xe_svm_wait_ufence(int fd, uint64_t addr, uint64_t value, uint32_t queue,
		       int64_t timeout_ns);

/* Batch builders: write at @cs, return the number of dwords written. */
unsigned int xe_svm_emit_sdi(uint32_t *cs, uint64_t addr, uint32_t value);
unsigned int xe_svm_emit_sdi_qword(uint32_t *cs, uint64_t addr,
				   uint64_t value);
unsigned int xe_svm_emit_atomic_inc(uint32_t *cs, uint64_t addr);
unsigned int xe_svm_emit_bbe(uint32_t *cs);

/*
 * A test's GPU context: a VM (@vm_flags; with @mirror the CPU-address
 * mirror over the whole VA space), an exec queue on the device's engine,
 * a page for user fences and a 64 KiB batch buffer. Both are shared
 * anonymous (shmem) memory, which stays in system memory. fini tears down
 * what init set up (also after a failed init) and zeroes @c.
 */
#define XE_SVM_CTX_BATCH_SIZE		0x10000ul

struct xe_svm_ctx {
	int fd;
	uint32_t vm, queue;
	uint64_t *fence;
	uint32_t *batch;
	unsigned int seq;
};

int xe_svm_ctx_init(struct xe_svm_ctx *c, const struct xe_svm_dev *dev,
		    uint32_t vm_flags, bool mirror);
int xe_svm_ctx_fini(struct xe_svm_ctx *c);

/* memcmp that says where: a TAP diagnostic for the first differing byte. */
int xe_svm_compare(const char *what, const void *got, const void *want,
		   size_t len);

/* Minimal TAP 13 output (kselftest style), test numbers are automatic. */
void tap_plan(unsigned int count);
void tap_ok(bool ok, const char *name);
void tap_skip(const char *name, const char *reason);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print totals; returns the exit status (0 pass, 1 fail, 4 all skipped). */
int tap_finish(void);

#endif /* XE_SVM_LIB_H */
