// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Helper library for the xe-svm userspace tests; see xe_svm_lib.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "xe_svm_lib.h"

/* The encodings documented in xe_svm_lib.h. */
_Static_assert(XE_SVM_MI_SDI_DW == 0x10000002, "MI_STORE_DATA_IMM dword");
_Static_assert(XE_SVM_MI_SDI_QW == 0x10200003, "MI_STORE_DATA_IMM qword");
_Static_assert(XE_SVM_MI_ATOMIC_INC == 0x17800501, "MI_ATOMIC INC");
_Static_assert(XE_SVM_MI_BATCH_BUFFER_END == 0x05000000, "MI_BATCH_BUFFER_END");

/* Generous: the device is emulated under TCG with KASAN. */
#define BIND_FENCE_TIMEOUT_NS	(10 * XE_SVM_NSEC_PER_SEC)
#define BIND_FENCE_VALUE	0xb1dfe4ce0000b1dfull

int xe_svm_ioctl(int fd, unsigned long request, void *arg)
{
	unsigned int again = 0;
	int ret;

	/* EINTR: restart; EAGAIN (e.g. queue full): back off, bounded. */
	for (;;) {
		ret = ioctl(fd, request, arg);
		if (ret != -1)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && ++again < 1000) {
			usleep(1000);
			continue;
		}
		return -errno;
	}
}

/* True if @fd is a DRM node whose driver calls itself "xe". */
static bool is_xe(int fd)
{
	char name[16];
	struct drm_version v;

	memset(name, 0, sizeof(name));
	memset(&v, 0, sizeof(v));
	v.name = name;
	v.name_len = sizeof(name) - 1;
	if (xe_svm_ioctl(fd, DRM_IOCTL_VERSION, &v))
		return false;

	return v.name_len == 2 && !strcmp(name, "xe");
}

int xe_svm_open(void)
{
	char path[32];
	int i, fd;

	/* Numeric order, so card2 comes before card10. */
	for (i = 0; i < 256; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_xe(fd))
			return fd;
		close(fd);
	}

	return -1;
}

int xe_svm_query(int fd, uint32_t query, void **data, uint32_t *size)
{
	struct drm_xe_device_query q;
	void *buf;
	int err;

	*data = NULL;
	*size = 0;

	memset(&q, 0, sizeof(q));
	q.query = query;
	err = xe_svm_ioctl(fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);
	if (err)
		return err;
	if (!q.size)
		return -ENODATA;

	buf = calloc(1, q.size);
	if (!buf)
		return -ENOMEM;

	q.data = to_u64(buf);
	err = xe_svm_ioctl(fd, DRM_IOCTL_XE_DEVICE_QUERY, &q);
	if (err) {
		free(buf);
		return err;
	}

	*data = buf;
	*size = q.size;
	return 0;
}

static FILE *debugfs_fopen(int fd, const char *file, const char *mode)
{
	char path[128];
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		errno = ENODEV;
		return NULL;
	}
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%u/%s",
		 minor(st.st_rdev), file);
	return fopen(path, mode);
}

FILE *xe_svm_debugfs_open(int fd, const char *file)
{
	return debugfs_fopen(fd, file, "r");
}

int xe_svm_debugfs_write(int fd, const char *file, const char *val)
{
	FILE *f = debugfs_fopen(fd, file, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int xe_svm_debugfs_value(int fd, const char *file, const char *key,
			 long long *val)
{
	FILE *f = xe_svm_debugfs_open(fd, file);
	char line[160], fmt[80];
	int err = -ENOENT;

	if (!f)
		return -errno;
	snprintf(fmt, sizeof(fmt), "%s%%*[ :]%%lld", key);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, val) == 1) {
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

long long xe_svm_debugfs_get(int fd, const char *file, const char *key)
{
	long long v = -1;

	if (xe_svm_debugfs_value(fd, file, key, &v))
		tap_diag("debugfs %s: no \"%s\" line", file, key);
	return v;
}

int xe_svm_debugfs_settles(int fd, const char *file, const char *key,
			   long long want, const char *what)
{
	long long v = -1;
	int i;

	for (i = 0; i < 200; i++) {
		if (xe_svm_debugfs_value(fd, file, key, &v))
			v = -1;
		if (v == want)
			return 0;
		usleep(10000);
	}
	tap_diag("%s: debugfs %s %s is %lld, expected %lld", what, file, key,
		 v, want);
	return -1;
}

int xe_svm_vram_pfns_get(int fd, struct xe_svm_vram_pfns *pfns)
{
	long long first, count;
	int err;

	err = xe_svm_debugfs_value(fd, "vram", "pfn_first", &first) ?:
	      xe_svm_debugfs_value(fd, "vram", "pfn_count", &count);
	if (err)
		return err;
	if (first <= 0 || count <= 0)
		return -EPROTO;
	pfns->first = first;
	pfns->count = count;
	return 0;
}

/* /proc/PID/pagemap, as Linux 7.2 fs/proc/task_mmu.c encodes it. */
#define PM_FRAME_MASK		((1ull << 55) - 1)
#define PM_SWAP			(1ull << 62)
#define PM_SWAP_TYPE_BITS	5	/* MAX_SWAPFILES_SHIFT */
#define PM_BATCH		512	/* entries a read */

long xe_svm_vram_pages_in(const struct xe_svm_vram_pfns *pfns, const void *p,
			  size_t len)
{
	size_t first = (uintptr_t)p / XE_SVM_PAGE_SIZE, done = 0, n, i;
	size_t pages = len / XE_SVM_PAGE_SIZE;
	uint64_t ent[PM_BATCH];
	long count = 0;
	int fd, err = 0;
	ssize_t got;

	if ((uintptr_t)p % XE_SVM_PAGE_SIZE || len % XE_SVM_PAGE_SIZE)
		return -EINVAL;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < pages && !err) {
		n = pages - done < PM_BATCH ? pages - done : PM_BATCH;
		got = pread(fd, ent, n * sizeof(ent[0]),
			    (off_t)((first + done) * sizeof(ent[0])));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		n = got / sizeof(ent[0]);
		if (!n) {
			err = -EIO;
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t frame = ent[i] & PM_FRAME_MASK;
			uint64_t pfn = frame >> PM_SWAP_TYPE_BITS;

			if (!(ent[i] & PM_SWAP))
				continue;
			/* Offset 0 of swap type 0 is no page: pfns hidden. */
			if (!frame) {
				err = -EPERM;
				break;
			}
			if (pfn - pfns->first < pfns->count)
				count++;
		}
		done += n;
	}
	close(fd);
	return err ? err : count;
}

long xe_svm_vram_pages(int fd, const void *p, size_t len)
{
	struct xe_svm_vram_pfns pfns;
	int err = xe_svm_vram_pfns_get(fd, &pfns);

	return err ? err : xe_svm_vram_pages_in(&pfns, p, len);
}

int xe_svm_expect_vram_pages(int fd, const char *what, const void *p,
			     size_t len, long want)
{
	long n = xe_svm_vram_pages(fd, p, len);

	if (n == want)
		return 0;
	if (n < 0)
		tap_diag("%s: VRAM pages of %p: %s", what, p,
			 xe_svm_strerror(n));
	else
		tap_diag("%s: %ld of the %zu pages at %p in VRAM, expected %ld",
			 what, n, len / XE_SVM_PAGE_SIZE, p, want);
	return -1;
}

/* Parse "IDX[XE_CACHE_WB] = N" from debugfs, as the kernel prints it. */
static int debugfs_wb_pat_index(int fd)
{
	char path[96], line[128];
	struct stat st;
	int idx = -1;
	FILE *f;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return -1;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%u/gt0/pat_sw_config",
		 minor(st.st_rdev));
	f = fopen(path, "r");
	if (!f)
		return -1;

	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " IDX[XE_CACHE_WB] = %d", &idx) == 1)
			break;
	fclose(f);

	return idx;
}

static int query_config(struct xe_svm_dev *dev)
{
	struct drm_xe_query_config *config;
	uint32_t size;
	void *data;
	int err;

	err = xe_svm_query(dev->fd, DRM_XE_DEVICE_QUERY_CONFIG, &data, &size);
	if (err)
		return err;

	config = data;
	if (size < sizeof(*config) ||
	    config->num_params <= DRM_XE_QUERY_CONFIG_VA_BITS ||
	    size < sizeof(*config) + config->num_params * sizeof(uint64_t)) {
		free(data);
		return -EPROTO;
	}

	dev->devid = config->info[DRM_XE_QUERY_CONFIG_REV_AND_DEVICE_ID] & 0xffff;
	dev->config_flags = config->info[DRM_XE_QUERY_CONFIG_FLAGS];
	dev->va_bits = config->info[DRM_XE_QUERY_CONFIG_VA_BITS];
	free(data);

	/* The mirror covers [0, 1 << va_bits); it must fit in a u64. */
	if (dev->va_bits < 32 || dev->va_bits > 63)
		return -EPROTO;

	return 0;
}

static int query_engines(struct xe_svm_dev *dev)
{
	const struct drm_xe_engine_class_instance *pick = NULL;
	struct drm_xe_query_engines *engines;
	uint32_t size, i;
	void *data;
	int err;

	err = xe_svm_query(dev->fd, DRM_XE_DEVICE_QUERY_ENGINES, &data, &size);
	if (err)
		return err;

	engines = data;
	if (size < sizeof(*engines) ||
	    size < sizeof(*engines) +
		   (uint64_t)engines->num_engines * sizeof(engines->engines[0])) {
		free(data);
		return -EPROTO;
	}

	for (i = 0; i < engines->num_engines; i++) {
		const struct drm_xe_engine_class_instance *eci =
			&engines->engines[i].instance;

		if (eci->engine_class == DRM_XE_ENGINE_CLASS_COPY) {
			pick = eci;
			break;
		}
		if (!pick && eci->engine_class != DRM_XE_ENGINE_CLASS_VM_BIND)
			pick = eci;
	}

	if (pick)
		dev->eci = *pick;
	free(data);

	return pick ? 0 : -ENODEV;
}

static int query_mem_regions(struct xe_svm_dev *dev)
{
	struct drm_xe_query_mem_regions *regions;
	uint32_t size, i;
	void *data;
	int err;

	err = xe_svm_query(dev->fd, DRM_XE_DEVICE_QUERY_MEM_REGIONS, &data,
			   &size);
	if (err)
		return err;

	regions = data;
	if (size < sizeof(*regions) ||
	    size < sizeof(*regions) + (uint64_t)regions->num_mem_regions *
				      sizeof(regions->mem_regions[0])) {
		free(data);
		return -EPROTO;
	}

	for (i = 0; i < regions->num_mem_regions; i++) {
		const struct drm_xe_mem_region *r = &regions->mem_regions[i];

		if (r->instance >= 32)
			continue;
		if (r->mem_class == DRM_XE_MEM_REGION_CLASS_SYSMEM)
			dev->sysmem_placement |= 1u << r->instance;
		else if (r->mem_class == DRM_XE_MEM_REGION_CLASS_VRAM)
			dev->vram_placement |= 1u << r->instance;
	}
	free(data);

	return dev->sysmem_placement ? 0 : -EPROTO;
}

int xe_svm_dev_init(struct xe_svm_dev *dev, int fd)
{
	const char *env;
	int err, idx;

	memset(dev, 0, sizeof(*dev));
	dev->fd = fd;

	err = query_config(dev);
	if (!err)
		err = query_engines(dev);
	if (!err)
		err = query_mem_regions(dev);
	if (err)
		return err;

	/* Default 0; the device's WB index if debugfs says; env wins. */
	idx = debugfs_wb_pat_index(fd);
	if (idx >= 0 && idx <= 0xffff)
		dev->pat_index = idx;
	env = getenv("XE_SVM_PAT_INDEX");
	if (env && *env)
		dev->pat_index = strtoul(env, NULL, 0);

	return 0;
}

int xe_svm_vm_create(int fd, uint32_t flags, uint32_t *vm)
{
	struct drm_xe_vm_create args;
	int err;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	err = xe_svm_ioctl(fd, DRM_IOCTL_XE_VM_CREATE, &args);
	if (!err)
		*vm = args.vm_id;

	return err;
}

int xe_svm_vm_destroy(int fd, uint32_t vm)
{
	struct drm_xe_vm_destroy args;

	memset(&args, 0, sizeof(args));
	args.vm_id = vm;

	return xe_svm_ioctl(fd, DRM_IOCTL_XE_VM_DESTROY, &args);
}

int xe_svm_bind(int fd, const struct xe_svm_bind_args *b, uint64_t *ufence)
{
	struct drm_xe_vm_bind args;
	struct drm_xe_sync sync;
	int err;

	memset(&args, 0, sizeof(args));
	memset(&sync, 0, sizeof(sync));
	args.vm_id = b->vm;
	args.exec_queue_id = b->queue;
	args.num_binds = 1;
	args.bind.obj = b->obj;
	args.bind.obj_offset = b->obj_offset;
	args.bind.addr = b->addr;
	args.bind.range = b->range;
	args.bind.op = b->op;
	args.bind.flags = b->flags;
	args.bind.pat_index = b->pat_index;
	args.bind.prefetch_mem_region_instance = b->prefetch_region;

	if (ufence) {
		/* Written by the kernel (CPU side) once the bind is done. */
		*ufence = 0;
		sync.type = DRM_XE_SYNC_TYPE_USER_FENCE;
		sync.flags = DRM_XE_SYNC_FLAG_SIGNAL;
		sync.addr = to_u64(ufence);
		sync.timeline_value = BIND_FENCE_VALUE;
		args.num_syncs = 1;
		args.syncs = to_u64(&sync);
	}

	err = xe_svm_ioctl(fd, DRM_IOCTL_XE_VM_BIND, &args);
	if (err || !ufence)
		return err;

	/* Bind fences are not tied to an exec queue: exec_queue_id 0. */
	return xe_svm_wait_ufence(fd, to_u64(ufence), BIND_FENCE_VALUE, 0,
				  BIND_FENCE_TIMEOUT_NS);
}

/* One bind op over the whole mirror range, optionally fenced. */
static int bind_whole(int fd, uint32_t vm, unsigned int va_bits, uint32_t op,
		      uint32_t flags, uint16_t pat_index, uint64_t *ufence)
{
	struct xe_svm_bind_args b = {
		.vm = vm,
		.op = op,
		.flags = flags,
		.range = 1ull << (va_bits & 63),
		.pat_index = pat_index,
	};

	if (va_bits > 63)
		return -EINVAL;
	return xe_svm_bind(fd, &b, ufence);
}

int xe_svm_bind_mirror(int fd, uint32_t vm, unsigned int va_bits,
		       uint16_t pat_index, uint64_t *ufence)
{
	return bind_whole(fd, vm, va_bits, DRM_XE_VM_BIND_OP_MAP,
			  DRM_XE_VM_BIND_FLAG_CPU_ADDR_MIRROR, pat_index, ufence);
}

int xe_svm_unbind_mirror(int fd, uint32_t vm, unsigned int va_bits,
			 uint16_t pat_index, uint64_t *ufence)
{
	/*
	 * UNMAP must not carry CPU_ADDR_MIRROR, but its pat_index is still
	 * validated (vm_bind_ioctl_check_args).
	 */
	return bind_whole(fd, vm, va_bits, DRM_XE_VM_BIND_OP_UNMAP, 0,
			  pat_index, ufence);
}

int xe_svm_gem_create(int fd, uint64_t size, uint32_t placement,
		      uint32_t *handle)
{
	struct drm_xe_gem_create args;
	int err;

	memset(&args, 0, sizeof(args));
	args.size = size;
	args.placement = placement;
	/* Instance 0 is system memory; Xe takes VRAM BOs only as WC. */
	args.cpu_caching = placement & ~1u ? DRM_XE_GEM_CPU_CACHING_WC :
					     DRM_XE_GEM_CPU_CACHING_WB;
	err = xe_svm_ioctl(fd, DRM_IOCTL_XE_GEM_CREATE, &args);
	if (!err)
		*handle = args.handle;

	return err;
}

void *xe_svm_gem_mmap(int fd, uint32_t handle, size_t size)
{
	struct drm_xe_gem_mmap_offset args;
	void *p;
	int err;

	memset(&args, 0, sizeof(args));
	args.handle = handle;
	err = xe_svm_ioctl(fd, DRM_IOCTL_XE_GEM_MMAP_OFFSET, &args);
	if (err) {
		errno = -err;
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 args.offset);

	return p == MAP_FAILED ? NULL : p;
}

int xe_svm_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	return xe_svm_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &args);
}

int xe_svm_exec_queue_create(int fd, uint32_t vm,
			     const struct drm_xe_engine_class_instance *eci,
			     uint32_t *queue)
{
	struct drm_xe_engine_class_instance inst = *eci;
	struct drm_xe_exec_queue_create args;
	int err;

	inst.pad = 0;
	memset(&args, 0, sizeof(args));
	args.width = 1;
	args.num_placements = 1;
	args.vm_id = vm;
	args.instances = to_u64(&inst);
	err = xe_svm_ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_CREATE, &args);
	if (!err)
		*queue = args.exec_queue_id;

	return err;
}

int xe_svm_exec_queue_destroy(int fd, uint32_t queue)
{
	struct drm_xe_exec_queue_destroy args;

	memset(&args, 0, sizeof(args));
	args.exec_queue_id = queue;

	return xe_svm_ioctl(fd, DRM_IOCTL_XE_EXEC_QUEUE_DESTROY, &args);
}

int xe_svm_exec(int fd, uint32_t queue, uint64_t batch_addr,
		uint64_t ufence_addr, uint64_t value)
{
	struct drm_xe_sync sync;
	struct drm_xe_exec args;

	memset(&sync, 0, sizeof(sync));
	sync.type = DRM_XE_SYNC_TYPE_USER_FENCE;
	sync.flags = DRM_XE_SYNC_FLAG_SIGNAL;
	sync.addr = ufence_addr;
	sync.timeline_value = value;

	memset(&args, 0, sizeof(args));
	args.exec_queue_id = queue;
	args.num_syncs = 1;
	args.syncs = to_u64(&sync);
	args.address = batch_addr;
	args.num_batch_buffer = 1;

	return xe_svm_ioctl(fd, DRM_IOCTL_XE_EXEC, &args);
}

int xe_svm_wait_ufence(int fd, uint64_t addr, uint64_t value, uint32_t queue,
		       int64_t timeout_ns)
{
	struct drm_xe_wait_user_fence args;

	memset(&args, 0, sizeof(args));
	args.addr = addr;
	args.op = DRM_XE_UFENCE_WAIT_OP_EQ;
	args.flags = 0;			/* relative timeout */
	args.value = value;
	args.mask = ~0ull;
	args.timeout = timeout_ns;	/* updated by the kernel on restart */
	args.exec_queue_id = queue;

	return xe_svm_ioctl(fd, DRM_IOCTL_XE_WAIT_USER_FENCE, &args);
}

unsigned int xe_svm_emit_sdi(uint32_t *cs, uint64_t addr, uint32_t value)
{
	cs[0] = XE_SVM_MI_SDI_DW;
	cs[1] = (uint32_t)addr;
	cs[2] = (uint32_t)(addr >> 32);
	cs[3] = value;

	return 4;
}

unsigned int xe_svm_emit_sdi_qword(uint32_t *cs, uint64_t addr, uint64_t value)
{
	cs[0] = XE_SVM_MI_SDI_QW;
	cs[1] = (uint32_t)addr;
	cs[2] = (uint32_t)(addr >> 32);
	cs[3] = (uint32_t)value;
	cs[4] = (uint32_t)(value >> 32);

	return 5;
}

unsigned int xe_svm_emit_atomic_inc(uint32_t *cs, uint64_t addr)
{
	cs[0] = XE_SVM_MI_ATOMIC_INC;
	cs[1] = (uint32_t)addr;
	cs[2] = (uint32_t)(addr >> 32);

	return 3;
}

unsigned int xe_svm_emit_bbe(uint32_t *cs)
{
	cs[0] = XE_SVM_MI_BATCH_BUFFER_END;

	return 1;
}

/* TAP state: next test number and per-result counters. */
static unsigned int tap_num, tap_planned, tap_pass, tap_fail, tap_skipped;

void tap_plan(unsigned int count)
{
	tap_planned = count;
	printf("TAP version 13\n1..%u\n", count);
	fflush(stdout);
}

void tap_ok(bool ok, const char *name)
{
	printf("%sok %u %s\n", ok ? "" : "not ", ++tap_num, name);
	fflush(stdout);
	if (ok)
		tap_pass++;
	else
		tap_fail++;
}

void tap_skip(const char *name, const char *reason)
{
	printf("ok %u %s # SKIP %s\n", ++tap_num, name, reason);
	fflush(stdout);
	tap_skipped++;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int tap_finish(void)
{
	if (tap_num != tap_planned)
		tap_diag("planned %u tests but ran %u", tap_planned, tap_num);
	tap_diag("Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0",
		 tap_pass, tap_fail, tap_skipped);

	if (tap_fail || tap_num != tap_planned)
		return 1;
	if (!tap_pass && tap_skipped)
		return 4;
	return 0;
}

int xe_svm_ctx_init(struct xe_svm_ctx *c, const struct xe_svm_dev *dev,
		    uint32_t vm_flags, bool mirror)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = dev->fd;
	c->fence = mmap(NULL, XE_SVM_PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	c->batch = mmap(NULL, XE_SVM_CTX_BATCH_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->fence == MAP_FAILED || c->batch == MAP_FAILED) {
		tap_diag("mmap: %s", strerror(errno));
		if (c->fence != MAP_FAILED)
			munmap(c->fence, XE_SVM_PAGE_SIZE);
		if (c->batch != MAP_FAILED)
			munmap(c->batch, XE_SVM_CTX_BATCH_SIZE);
		c->fence = NULL;
		c->batch = NULL;
		return -ENOMEM;
	}
	err = xe_svm_vm_create(c->fd, vm_flags, &c->vm);
	if (err) {
		tap_diag("VM_CREATE 0x%x: %s", vm_flags, xe_svm_strerror(err));
		return err;
	}
	if (mirror) {
		err = xe_svm_bind_mirror(c->fd, c->vm, dev->va_bits,
					 dev->pat_index, &c->fence[0]);
		if (err) {
			tap_diag("mirror bind: %s", xe_svm_strerror(err));
			return err;
		}
	}
	err = xe_svm_exec_queue_create(c->fd, c->vm, &dev->eci, &c->queue);
	if (err)
		tap_diag("EXEC_QUEUE_CREATE: %s", xe_svm_strerror(err));
	return err;
}

int xe_svm_ctx_fini(struct xe_svm_ctx *c)
{
	int err = 0;

	if (c->queue)
		err = xe_svm_exec_queue_destroy(c->fd, c->queue);
	if (c->vm)
		err = xe_svm_vm_destroy(c->fd, c->vm) ?: err;
	if (err)
		tap_diag("teardown: %s", xe_svm_strerror(err));
	if (c->fence)
		munmap(c->fence, XE_SVM_PAGE_SIZE);
	if (c->batch)
		munmap(c->batch, XE_SVM_CTX_BATCH_SIZE);
	memset(c, 0, sizeof(*c));
	return err;
}

int xe_svm_compare(const char *what, const void *got, const void *want,
		   size_t len)
{
	const uint8_t *g = got, *w = want;
	size_t i;

	for (i = 0; i < len; i++) {
		if (g[i] != w[i]) {
			tap_diag("%s: byte 0x%zx is 0x%02x, expected 0x%02x",
				 what, i, g[i], w[i]);
			return -1;
		}
	}
	return 0;
}

int xe_svm_fault_inject(int fd, int percent)
{
	static const char *const attr[] = { "fail_vram_alloc", "fail_vram_copy" };
	static const char *const knob[][2] = {
		{ "interval", "1" }, { "times", "-1" }, { "space", "0" },
		{ "verbose", "0" },	/* no stack dumps in the kernel log */
	};
	char path[64], val[16];
	unsigned int a, k;
	int err;

	for (a = 0; a < sizeof(attr) / sizeof(attr[0]); a++) {
		for (k = 0; percent && k < sizeof(knob) / sizeof(knob[0]); k++) {
			snprintf(path, sizeof(path), "%s/%s", attr[a],
				 knob[k][0]);
			err = xe_svm_debugfs_write(fd, path, knob[k][1]);
			if (err)
				return err;
		}
		snprintf(path, sizeof(path), "%s/probability", attr[a]);
		snprintf(val, sizeof(val), "%d", percent);
		err = xe_svm_debugfs_write(fd, path, val);
		if (err)
			return err;
	}
	return 0;
}

void *xe_svm_map_aligned(size_t len, size_t align)
{
	uint8_t *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + align - 1) & ~(align - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	if (a + len < (uintptr_t)p + len + align)
		munmap((void *)(a + len), (uintptr_t)p + len + align - a - len);
	return (void *)a;
}
