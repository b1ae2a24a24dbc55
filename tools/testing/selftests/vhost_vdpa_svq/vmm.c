// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal userspace VMM for /dev/vhost-vdpa-N: see vmm.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest.h"
#include "vmm.h"

static int run(const char *fmt, const char *a, const char *b)
{
	char cmd[512];
	int r;

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	r = system(cmd);
	return r == 0 ? 0 : -EIO;
}

/*
 * vmm_dev_create - "vdpa dev add name NAME ADD_ARGS" (e.g. ADD_ARGS =
 * "mgmtdev vdpasim_net"); any stale device of that name is removed first.
 */
/*
 * vmm_missing - what these tests need and this system lacks, or NULL: they
 * create vdpa_sim_net devices with the vdpa tool, as root, and stack
 * vhost_vdpa_svq's upper devices on them for vhost_vdpa.
 */
const char *vmm_missing(void)
{
	static const struct {
		const char *path;
		const char *why;
	} needs[] = {
		{ "/sys/bus/vdpa/drivers/vhost_vdpa_svq", "vhost_vdpa_svq is not loaded" },
		{ "/sys/bus/vdpa/drivers/vhost_vdpa", "vhost_vdpa is not loaded" },
		{ "/sys/bus/vdpa/drivers/vhost_vdpa_svq/module/parameters/claim",
		  "vhost_vdpa_svq has no claim parameter" },
	};
	unsigned int i;

	if (geteuid())
		return "needs root (vdpa dev add, vhost-vdpa)";
	if (system("command -v vdpa >/dev/null 2>&1"))
		return "needs the vdpa tool (iproute2)";
	for (i = 0; i < ARRAY_SIZE(needs); i++)
		if (access(needs[i].path, F_OK))
			return needs[i].why;
	if (system("vdpa mgmtdev show vdpasim_net >/dev/null 2>&1"))
		return "vdpa_sim_net is not loaded (modprobe vdpa_sim use_va=0, then vdpa_sim_net)";
	return NULL;
}

int vmm_dev_create(struct vmm_dev *dev, const char *name, const char *add_args)
{
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->fd = -1;
	dev->owned = false;
	run("vdpa dev del %s 2>/dev/null%s", name, "");
	return run("vdpa dev add name %s %s", name, add_args);
}

void vmm_dev_destroy(struct vmm_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
	run("vdpa dev del %s%s", dev->name, "");
}

/* vmm_open - open the vhost-vdpa character device bound to @dev. */
int vmm_open(struct vmm_dev *dev)
{
	char path[300];
	struct dirent *de;
	int tries;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", dev->name);
	dir = opendir(path);
	if (!dir)
		return -errno;
	path[0] = '\0';
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "vhost-vdpa-", 11))
			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
	closedir(dir);
	if (!path[0])
		return -ENODEV;
	/* devtmpfs creates the node asynchronously */
	for (tries = 0; tries < 50; tries++) {
		dev->fd = open(path, O_RDWR | O_CLOEXEC);
		if (dev->fd >= 0 || errno != ENOENT)
			break;
		usleep(100000);
	}
	return dev->fd >= 0 ? 0 : -errno;
}

int vmm_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME 0x5	/* as in linux/vhost_types.h; 6.1 lacks it */
#endif

/*
 * vmm_vhost_vdpa_has_resume - does this kernel's vhost-vdpa (@fd) offer
 * VHOST_BACKEND_F_RESUME? Linux 6.1's has no VHOST_VDPA_RESUME, and it
 * passes VHOST_SET_VRING_ADDR on a running device to the driver, which
 * 6.12's refuses unless the device is suspended.
 */
bool vmm_vhost_vdpa_has_resume(int fd)
{
	uint64_t backend;

	return !vmm_ioctl(fd, VHOST_GET_BACKEND_FEATURES, &backend) &&
	       (backend & (1ULL << VHOST_BACKEND_F_RESUME));
}

int vmm_get_features(int fd, uint64_t *features)
{
	return vmm_ioctl(fd, VHOST_GET_FEATURES, features);
}

int vmm_set_features(int fd, uint64_t features)
{
	return vmm_ioctl(fd, VHOST_SET_FEATURES, &features);
}

int vmm_get_status(int fd, uint8_t *status)
{
	return vmm_ioctl(fd, VHOST_VDPA_GET_STATUS, status);
}

/* vmm_add_status - OR @bits into the device status, as QEMU does. */
int vmm_add_status(int fd, uint8_t bits)
{
	uint8_t status;
	int r;

	r = vmm_get_status(fd, &status);
	if (r)
		return r;
	status |= bits;
	return vmm_ioctl(fd, VHOST_VDPA_SET_STATUS, &status);
}

int vmm_set_vring_addr(int fd, unsigned int idx, uint64_t desc, uint64_t avail,
		       uint64_t used, unsigned int flags)
{
	struct vhost_vring_addr addr = {
		.index = idx,
		.flags = flags,
		.desc_user_addr = desc,
		.avail_user_addr = avail,
		.used_user_addr = used,
	};

	return vmm_ioctl(fd, VHOST_SET_VRING_ADDR, &addr);
}

int vmm_set_log_base(int fd, uint64_t base)
{
	return vmm_ioctl(fd, VHOST_SET_LOG_BASE, &base);
}

int vmm_get_vring_base(int fd, unsigned int idx, unsigned int *num)
{
	struct vhost_vring_state state = { .index = idx };
	int r = vmm_ioctl(fd, VHOST_GET_VRING_BASE, &state);

	*num = state.num;
	return r;
}

/*
 * vmm_dev_create_stacked - create vdpa_sim_net device @lower, claim it for
 * vhost_vdpa_svq and create the upper device @upper on it, with the test
 * bench's shell helper (svq_stack in tools/testing/svq/lib.sh, found
 * through $SVQ_REPO); @dev is the upper device.
 */
int vmm_dev_create_stacked(struct vmm_dev *dev, const char *lower,
			   const char *upper, const char *lower_args)
{
	const char *repo = getenv("SVQ_REPO");
	char cmd[512];

	snprintf(dev->name, sizeof(dev->name), "%s", upper);
	dev->fd = -1;
	dev->owned = false;
	if (!repo) {
		fprintf(stderr, "SVQ_REPO is not set: run from tools/testing/svq/run-tests.sh\n");
		return -EINVAL;
	}
	snprintf(cmd, sizeof(cmd),
		 ". %s/tools/testing/svq/lib.sh && vdpa dev del %s 2>/dev/null; svq_stack %s %s '%s'",
		 repo, lower, lower, upper, lower_args);
	return system(cmd) == 0 ? 0 : -EIO;
}

/* vmm_attr_read - read an attribute, without its newline, into @buf. */
int vmm_attr_read(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* vmm_attr_long - an attribute as a number, -1 if unreadable. */
long vmm_attr_long(const char *dev, const char *attr)
{
	char buf[64];

	return vmm_attr_read(dev, attr, buf, sizeof(buf)) ? -1 : atol(buf);
}

/* vmm_file_write - write @val to the sysfs or debugfs file @path */
int vmm_file_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f)
		return -errno;
	r = fputs(val, f) < 0 ? -EIO : 0;
	return fclose(f) ? -errno : r;
}

int vmm_attr_write(const char *dev, const char *attr, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s/%s", dev, attr);
	return vmm_file_write(path, val);
}

int vmm_mem_map(int fd, struct vmm_mem *mem, uint64_t iova, size_t size)
{
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = iova,
			.size = size,
			.perm = VHOST_ACCESS_RW,
			.type = VHOST_IOTLB_UPDATE,
		},
	};

	mem->base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem->base == MAP_FAILED)
		return -errno;
	memset(mem->base, 0, size);
	mem->iova = iova;
	mem->size = size;
	mem->used = 0;
	msg.iotlb.uaddr = (uint64_t)(uintptr_t)mem->base;
	if (write(fd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	return 0;
}

int vmm_mem_unmap(int fd, struct vmm_mem *mem)
{
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = mem->iova,
			.size = mem->size,
			.type = VHOST_IOTLB_INVALIDATE,
		},
	};
	int r = 0;

	if (write(fd, &msg, sizeof(msg)) != sizeof(msg))
		r = -errno;
	munmap(mem->base, mem->size);
	return r;
}

/*
 * vmm_net_move_mem - move the guest's memory to new pages at the same IOVA
 * while the device runs: copy it, replace the mapping (invalidate, then
 * update with the new address), free the old pages; the rings follow.
 */
int vmm_net_move_mem(struct vmm_net *net)
{
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = net->mem.iova,
			.size = net->mem.size,
			.type = VHOST_IOTLB_INVALIDATE,
		},
	};
	uint8_t *base;

	base = mmap(NULL, net->mem.size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	memcpy(base, net->mem.base, net->mem.size);
	if (write(net->dev->fd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	msg.iotlb.uaddr = (uint64_t)(uintptr_t)base;
	msg.iotlb.perm = VHOST_ACCESS_RW;
	msg.iotlb.type = VHOST_IOTLB_UPDATE;
	if (write(net->dev->fd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	munmap(net->mem.base, net->mem.size);
	net->mem.base = base;
	vring_init(&net->rx.vring, net->rx.num, vmm_mem_ptr(&net->mem, net->rx.ring_iova), 4096);
	vring_init(&net->tx.vring, net->tx.num, vmm_mem_ptr(&net->mem, net->tx.ring_iova), 4096);
	return 0;
}

/*
 * vmm_net_grow_mem - while the device runs, give the guest @extra more
 * bytes of memory above what it has (one mapping, as QEMU maps a region
 * that grew), and make the rx buffers added from now on live there.
 */
int vmm_net_grow_mem(struct vmm_net *net, size_t extra)
{
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = net->mem.iova,
			.size = net->mem.size,
			.type = VHOST_IOTLB_INVALIDATE,
		},
	};
	size_t size = net->mem.size + extra;
	uint8_t *base;

	if (extra < (size_t)net->rx.num * net->rx.buf_size)
		return -EINVAL;
	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	memcpy(base, net->mem.base, net->mem.size);
	if (write(net->dev->fd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	msg.iotlb.uaddr = (uint64_t)(uintptr_t)base;
	msg.iotlb.size = size;
	msg.iotlb.perm = VHOST_ACCESS_RW;
	msg.iotlb.type = VHOST_IOTLB_UPDATE;
	if (write(net->dev->fd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	munmap(net->mem.base, net->mem.size);
	net->mem.base = base;
	net->rx.buf_iova = net->mem.iova + net->mem.size;
	net->mem.size = size;
	vring_init(&net->rx.vring, net->rx.num, vmm_mem_ptr(&net->mem, net->rx.ring_iova), 4096);
	vring_init(&net->tx.vring, net->tx.num, vmm_mem_ptr(&net->mem, net->tx.ring_iova), 4096);
	return 0;
}

uint64_t vmm_mem_alloc(struct vmm_mem *mem, size_t size, size_t align)
{
	size_t off = (mem->used + align - 1) & ~(align - 1);

	if (off + size > mem->size)
		return 0;
	mem->used = off + size;
	return mem->iova + off;
}

void *vmm_mem_ptr(struct vmm_mem *mem, uint64_t iova)
{
	return mem->base + (iova - mem->iova);
}

/* vmm_vq_setup - rings and one buffer per slot in @mem, then the vhost ioctls. */
int vmm_vq_setup(int fd, struct vmm_mem *mem, struct vmm_vq *vq,
		 unsigned int idx, unsigned int num, size_t buf_size)
{
	struct vhost_vring_state state = { .index = idx, .num = num };
	struct vhost_vring_file file = { .index = idx };
	uint64_t desc, avail, used;
	int r;

	memset(vq, 0, sizeof(*vq));
	vq->idx = idx;
	vq->num = num;
	vq->buf_size = buf_size;
	vq->ring_iova = vmm_mem_alloc(mem, vring_size(num, 4096), 4096);
	vq->buf_iova = vmm_mem_alloc(mem, (size_t)num * buf_size, 4096);
	if (!vq->ring_iova || !vq->buf_iova)
		return -ENOMEM;
	vring_init(&vq->vring, num, vmm_mem_ptr(mem, vq->ring_iova), 4096);
	desc = vq->ring_iova;
	avail = desc + ((uint8_t *)vq->vring.avail - (uint8_t *)vq->vring.desc);
	used = desc + ((uint8_t *)vq->vring.used - (uint8_t *)vq->vring.desc);

	r = vmm_ioctl(fd, VHOST_SET_VRING_NUM, &state);
	if (r)
		return r;
	state.num = 0;
	r = vmm_ioctl(fd, VHOST_SET_VRING_BASE, &state);
	if (r)
		return r;
	r = vmm_set_vring_addr(fd, idx, desc, avail, used, 0);
	if (r)
		return r;
	vq->kick_fd = eventfd(0, EFD_CLOEXEC);
	vq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vq->kick_fd < 0 || vq->call_fd < 0)
		return -errno;
	file.fd = vq->kick_fd;
	r = vmm_ioctl(fd, VHOST_SET_VRING_KICK, &file);
	if (r)
		return r;
	file.fd = vq->call_fd;
	r = vmm_ioctl(fd, VHOST_SET_VRING_CALL, &file);
	if (r)
		return r;
	state.num = 1;
	return vmm_ioctl(fd, VHOST_VDPA_SET_VRING_ENABLE, &state);
}

void *vmm_vq_buf(struct vmm_mem *mem, struct vmm_vq *vq, unsigned int slot)
{
	return vmm_mem_ptr(mem, vq->buf_iova + (uint64_t)slot * vq->buf_size);
}

/* vmm_vq_add - make buffer @slot (@len bytes) available as a one-descriptor chain. */
void vmm_vq_add(struct vmm_vq *vq, unsigned int slot, uint32_t len, bool writable)
{
	struct vring_desc *d = &vq->vring.desc[slot];

	d->addr = vq->buf_iova + (uint64_t)slot * vq->buf_size;
	d->len = len;
	d->flags = writable ? VRING_DESC_F_WRITE : 0;
	d->next = 0;
	vq->vring.avail->ring[vq->avail_idx % vq->num] = slot;
	vq->avail_idx++;
	/* the entry before the index, as a driver must */
	__atomic_store_n(&vq->vring.avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
}

/*
 * vmm_vq_set_polled - the driver polls @vq and wants no call eventfd
 * (VHOST_SET_VRING_CALL with -1, so vhost-vdpa sets no callback), as Linux's
 * virtio_net polls its control queue; waits then poll the used index.
 */
int vmm_vq_set_polled(int fd, struct vmm_vq *vq)
{
	struct vhost_vring_file file = { .index = vq->idx, .fd = -1 };

	if (vq->call_fd >= 0)
		close(vq->call_fd);
	vq->call_fd = -1;
	return vmm_ioctl(fd, VHOST_SET_VRING_CALL, &file);
}

int vmm_vq_kick(struct vmm_vq *vq)
{
	uint64_t one = 1;

	return write(vq->kick_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

bool vmm_vq_used(struct vmm_vq *vq, uint32_t *id, uint32_t *len)
{
	uint16_t used_idx = __atomic_load_n(&vq->vring.used->idx, __ATOMIC_ACQUIRE);
	struct vring_used_elem *e;

	if (used_idx == vq->last_used)
		return false;
	e = &vq->vring.used->ring[vq->last_used % vq->num];
	*id = e->id;
	*len = e->len;
	vq->last_used++;
	return true;
}

/*
 * Wait up to @timeout_ms for the device to signal @vq's call eventfd; on a
 * polled @vq, for a used entry not taken yet (checked every 100 us).
 */
static int vmm_vq_wait_call(struct vmm_vq *vq, int timeout_ms)
{
	struct pollfd pfd = { .fd = vq->call_fd, .events = POLLIN };
	uint64_t count;
	int r, polls;

	if (vq->call_fd < 0) {
		for (polls = 0; polls <= timeout_ms * 10; polls++) {
			if (__atomic_load_n(&vq->vring.used->idx, __ATOMIC_ACQUIRE) !=
			    vq->last_used)
				return 0;
			usleep(100);
		}
		return -ETIMEDOUT;
	}
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (!r)
		return -ETIMEDOUT;
	if (read(vq->call_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* vmm_vq_wait_used - the next used element, waiting on the call eventfd. */
int vmm_vq_wait_used(struct vmm_vq *vq, uint32_t *id, uint32_t *len, int timeout_ms)
{
	int r;

	while (!vmm_vq_used(vq, id, len)) {
		r = vmm_vq_wait_call(vq, timeout_ms);
		if (r)
			return r;
	}
	return 0;
}

/* vmm_vq_close - close @vq's kick and call eventfds. */
void vmm_vq_close(struct vmm_vq *vq)
{
	close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
}

/*
 * vmm_driver_init - a driver's start up to FEATURES_OK: own the device
 * (IOTLB v2 messages) unless done, offer the features of @want the device
 * has (in *@features), map 4 MiB of memory at VMM_MEM_IOVA into @mem,
 * ACKNOWLEDGE | DRIVER, the features, FEATURES_OK.
 */
int vmm_driver_init(struct vmm_dev *dev, struct vmm_mem *mem, uint64_t want,
		    uint64_t *features)
{
	uint64_t backend = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	int fd = dev->fd, r;

	if (!dev->owned) {
		r = vmm_ioctl(fd, VHOST_SET_BACKEND_FEATURES, &backend);
		if (!r)
			r = vmm_ioctl(fd, VHOST_SET_OWNER, NULL);
		if (r)
			return r;
		dev->owned = true;
	}
	r = vmm_get_features(fd, features);
	if (r)
		return r;
	*features &= want;
	r = vmm_mem_map(fd, mem, VMM_MEM_IOVA, 4 << 20);
	if (!r)
		r = vmm_add_status(fd, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	if (!r)
		r = vmm_set_features(fd, *features);
	if (!r)
		r = vmm_add_status(fd, VIRTIO_CONFIG_S_FEATURES_OK);
	return r;
}

/*
 * vmm_net_start - what a VMM does up to DRIVER_OK: owner, IOTLB v2, memory,
 * features (VERSION_1, ACCESS_PLATFORM, MAC), rx and tx queues of @num
 * entries, all rx buffers posted.
 */
int vmm_net_start(struct vmm_net *net, struct vmm_dev *dev, unsigned int num)
{
	uint64_t want = (1ULL << VIRTIO_F_VERSION_1) |
			(1ULL << VIRTIO_F_ACCESS_PLATFORM) | (1ULL << VIRTIO_NET_F_MAC);
	struct vmm_written *written = net->written;
	size_t max_written = net->max_written;
	bool polled = net->polled;
	unsigned int i;
	int fd, r;

	/* everything but the caller's record of written buffers and choice */
	memset(net, 0, sizeof(*net));
	net->written = written;
	net->max_written = max_written;
	net->polled = polled;
	net->dev = dev;
	fd = dev->fd;
	r = vmm_driver_init(dev, &net->mem, want, &net->features);
	if (!r)
		r = vmm_vq_setup(fd, &net->mem, &net->rx, 0, num, 2048);
	if (!r)
		r = vmm_vq_setup(fd, &net->mem, &net->tx, 1, num, 2048);
	if (!r && polled)
		r = vmm_vq_set_polled(fd, &net->rx);
	if (!r && polled)
		r = vmm_vq_set_polled(fd, &net->tx);
	/* a parent may give interrupt vectors only to rings with a callback now */
	if (!r)
		r = vmm_add_status(fd, VIRTIO_CONFIG_S_DRIVER_OK);
	if (r)
		return r;
	for (i = 0; i < num; i++)
		vmm_vq_add(&net->rx, i, net->rx.buf_size, true);
	return vmm_vq_kick(&net->rx);
}

void vmm_net_stop(struct vmm_net *net)
{
	uint8_t status = 0;

	vmm_ioctl(net->dev->fd, VHOST_VDPA_SET_STATUS, &status);
	if (net->mem.base)
		vmm_mem_unmap(net->dev->fd, &net->mem);
	vmm_vq_close(&net->rx);
	vmm_vq_close(&net->tx);
}

/* A frame that checks itself: broadcast, ethertype 0x88b5, seq, pattern. */
static size_t vmm_frame(uint8_t *buf, unsigned int seq)
{
	size_t len = 60 + (seq * 7919) % 1441, i;

	memset(buf, 0, VMM_NET_HDR_LEN);
	buf += VMM_NET_HDR_LEN;
	memset(buf, 0xff, 6);
	memcpy(buf + 6, "\x52\x54\x00\x00\x00\x01", 6);
	buf[12] = 0x88;
	buf[13] = 0xb5;
	memcpy(buf + 14, &seq, sizeof(seq));
	for (i = 18; i < len; i++)
		buf[i] = (uint8_t)(seq * 31 + i);
	return VMM_NET_HDR_LEN + len;
}

/* Is rx buffer @id, @used_len bytes, frame @seq intact? 0 or -EBADMSG. */
/* Where rx buffer @id was when it was made available (its memory may have grown since). */
static void *vmm_net_rx_buf(struct vmm_net *net, uint32_t id)
{
	return vmm_mem_ptr(&net->mem, net->rx.vring.desc[id].addr);
}

static int vmm_net_check(struct vmm_net *net, uint32_t id, uint32_t used_len, unsigned int seq)
{
	uint8_t expect[2048];
	size_t len = vmm_frame(expect, seq);

	if (id >= net->rx.num || used_len != len ||
	    memcmp(vmm_net_rx_buf(net, id) + VMM_NET_HDR_LEN,
		   expect + VMM_NET_HDR_LEN, len - VMM_NET_HDR_LEN))
		return -EBADMSG;
	return 0;
}

/* Record rx buffer @id, @used_len bytes, as written, if the caller asked. */
static void vmm_net_record(struct vmm_net *net, uint32_t id, uint32_t used_len)
{
	if (net->written && net->nwritten < net->max_written) {
		net->written[net->nwritten].iova = net->rx.vring.desc[id].addr;
		net->written[net->nwritten++].len = used_len;
	}
}

/*
 * vmm_net_loop - send @count frames one at a time and check each comes
 * back through vdpa_sim_net's loopback into the next rx buffer, intact.
 * Returns 0, or a negative errno / -EBADMSG on the first failure.
 */
int vmm_net_loop(struct vmm_net *net, unsigned int count, unsigned int first_seq)
{
	unsigned int n;

	for (n = 0; n < count; n++) {
		unsigned int seq = first_seq + n, slot = n % net->tx.num;
		size_t len = vmm_frame(vmm_vq_buf(&net->mem, &net->tx, slot), seq);
		uint32_t id, rx_id, used_len;
		int r;

		vmm_vq_add(&net->tx, slot, len, false);
		r = vmm_vq_kick(&net->tx);
		if (!r)
			r = vmm_vq_wait_used(&net->rx, &id, &used_len, 5000);
		if (r)
			return r;
		r = vmm_net_check(net, id, used_len, seq);
		if (r)
			return r;
		vmm_net_record(net, id, used_len);
		/* tx completes too: reap it, then recycle the rx buffer */
		rx_id = id;
		r = vmm_vq_wait_used(&net->tx, &id, &used_len, 5000);
		if (r)
			return r;
		memset(vmm_net_rx_buf(net, rx_id), 0, len);
		vmm_vq_add(&net->rx, rx_id, net->rx.buf_size, true);
		r = vmm_vq_kick(&net->rx);
		if (r)
			return r;
	}
	return 0;
}

/*
 * vmm_net_rx_seq - the sequence number rx buffer @id carries, if it is one
 * of the @sent frames from @first_seq not received yet (marked in @seen);
 * else -EBADMSG.
 */
static int vmm_net_rx_seq(struct vmm_net *net, uint32_t id, unsigned int first_seq,
			  unsigned int sent, uint8_t *seen, unsigned int *seq)
{
	uint32_t carried;

	if (id >= net->rx.num)
		return -EBADMSG;
	memcpy(&carried, (uint8_t *)vmm_net_rx_buf(net, id) + VMM_NET_HDR_LEN + 14,
	       sizeof(carried));
	if (carried - first_seq >= sent || seen[carried - first_seq])
		return -EBADMSG;
	seen[carried - first_seq] = 1;
	*seq = carried;
	return 0;
}

/*
 * vmm_net_stream - send @count frames keeping up to @window in flight, the
 * way a busy guest does: transmit what the window allows, one kick per
 * batch; take every frame that came back and post its buffer again, one
 * kick per batch; reap transmit completions, and all of them before
 * returning. A device may complete out of order, as the bench's
 * vdpa_sim_net does with complete_batch: transmit buffers are reused only
 * once their own completion came, and each frame received is checked
 * against the sequence number it carries, which must be one sent and not
 * received before (and all must come). Returns 0, or a negative errno /
 * -EBADMSG on the first failure.
 */
int vmm_net_stream(struct vmm_net *net, unsigned int count, unsigned int first_seq,
		   unsigned int window)
{
	unsigned int sent = 0, received = 0, nfree = 0, seq, i;
	uint16_t *free_ids = NULL;
	uint8_t *seen = NULL;
	uint32_t id, used_len;
	int r = -ENOMEM;

	if (!window || window > net->rx.num || window > net->tx.num)
		return -EINVAL;
	/* nothing in flight on entry: vmm_net_stream reaps all before returning */
	if (net->tx.avail_idx != net->tx.last_used)
		return -EBUSY;
	free_ids = calloc(net->tx.num, sizeof(*free_ids));
	seen = calloc(count ? count : 1, 1);
	if (!free_ids || !seen)
		goto out;
	for (i = net->tx.num; i-- > 0;)
		free_ids[nfree++] = i;
	while (received < count) {
		unsigned int batch = 0, got = 0, freed = 0;

		while (sent < count && sent - received < window && nfree) {
			unsigned int slot = free_ids[--nfree];
			size_t len = vmm_frame(vmm_vq_buf(&net->mem, &net->tx, slot),
					       first_seq + sent);

			vmm_vq_add(&net->tx, slot, len, false);
			sent++;
			batch++;
		}
		if (batch) {
			r = vmm_vq_kick(&net->tx);
			if (r)
				goto out;
		}
		while (vmm_vq_used(&net->rx, &id, &used_len)) {
			r = vmm_net_rx_seq(net, id, first_seq, sent, seen, &seq);
			if (!r)
				r = vmm_net_check(net, id, used_len, seq);
			if (r)
				goto out;
			vmm_net_record(net, id, used_len);
			memset(vmm_net_rx_buf(net, id), 0, used_len);
			vmm_vq_add(&net->rx, id, net->rx.buf_size, true);
			received++;
			got++;
		}
		while (vmm_vq_used(&net->tx, &id, &used_len)) {
			r = -EBADMSG;
			if (id >= net->tx.num || nfree == net->tx.num)
				goto out;
			free_ids[nfree++] = id;
			freed++;
		}
		if (got) {
			r = vmm_vq_kick(&net->rx);
			if (r)
				goto out;
		}
		if (got || freed)
			continue;
		/*
		 * Nothing came back yet: wait for the device. With every frame
		 * sent received already, what is missing is a transmit buffer
		 * (a device may complete a transmit after its frame came back:
		 * vp_vdpa's NIC does), so wait for a transmit completion.
		 */
		r = vmm_vq_wait_call(sent == received ? &net->tx : &net->rx, 5000);
		if (r)
			goto out;
	}
	r = 0;
	while (net->tx.last_used != net->tx.avail_idx) {
		r = vmm_vq_wait_used(&net->tx, &id, &used_len, 5000);
		if (r)
			break;
	}
out:
	if (r) {
		/* where each ring stood: a lost frame and a lost signal differ */
		fprintf(stderr, "# %s: %d, %u of %u frames sent, %u received\n",
			__func__, r, sent, count, received);
		fprintf(stderr, "# rx avail %u used %u taken %u, tx avail %u used %u taken %u\n",
			net->rx.avail_idx,
			__atomic_load_n(&net->rx.vring.used->idx, __ATOMIC_ACQUIRE),
			net->rx.last_used, net->tx.avail_idx,
			__atomic_load_n(&net->tx.vring.used->idx, __ATOMIC_ACQUIRE),
			net->tx.last_used);
	}
	free(seen);
	free(free_ids);
	return r;
}

/* vmm_log_harvest - take the set bits of @log into @into (if not NULL) */
void vmm_log_harvest(uint64_t *log, uint64_t *into, size_t words)
{
	uint64_t taken;
	size_t i;

	for (i = 0; i < words; i++) {
		if (!__atomic_load_n(&log[i], __ATOMIC_RELAXED))
			continue;
		taken = __atomic_exchange_n(&log[i], 0, __ATOMIC_SEQ_CST);
		if (into)
			into[i] |= taken;
	}
}

static void *harvester(void *arg)
{
	struct vmm_log_harvester *h = arg;
	struct timespec period = {
		.tv_sec = h->period_us / 1000000,
		.tv_nsec = h->period_us % 1000000 * 1000L,
	};

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		nanosleep(&period, NULL);
		vmm_log_harvest(h->log, h->into, h->words);
		h->harvests++;
	}
	return NULL;
}

/*
 * vmm_log_harvester_start - harvest @log into @into (may be NULL) every
 * @period_us microseconds from a thread of its own
 */
int vmm_log_harvester_start(struct vmm_log_harvester *h, uint64_t *log, uint64_t *into,
			    size_t words, unsigned int period_us)
{
	*h = (struct vmm_log_harvester) {
		.log = log, .into = into, .words = words, .period_us = period_us,
	};
	return -pthread_create(&h->thread, NULL, harvester, h);
}

/* vmm_log_harvester_stop - stop the thread; the caller harvests the rest */
void vmm_log_harvester_stop(struct vmm_log_harvester *h)
{
	__atomic_store_n(&h->stop, true, __ATOMIC_RELEASE);
	pthread_join(h->thread, NULL);
}

int vmm_iotlb_msg(int fd, uint8_t type, uint64_t iova, uint64_t size, void *uaddr,
		  uint8_t perm)
{
	struct vhost_msg_v2 msg = {
		.type = VHOST_IOTLB_MSG_V2,
		.iotlb = {
			.iova = iova,
			.size = size,
			.uaddr = (uint64_t)(uintptr_t)uaddr,
			.perm = perm,
			.type = type,
		},
	};

	return write(fd, &msg, sizeof(msg)) == sizeof(msg) ? 0 : -errno;
}

/* vmm_kmsg_start - count kernel log records from now on (see vmm.h) */
int vmm_kmsg_start(struct vmm_kmsg *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		close(k->fd);
		k->fd = -1;
		return -errno;
	}
	return 0;
}

/* Keep the text of record @text in @to (one line, up to its size). */
static void vmm_kmsg_keep(char *to, size_t size, const char *text)
{
	if (!to[0])
		snprintf(to, size, "%.*s", (int)strcspn(text, "\n"), text);
}

/* vmm_kmsg_collect - count the records logged since the last call */
int vmm_kmsg_collect(struct vmm_kmsg *k)
{
	char rec[8192];
	const char *text;
	ssize_t n;

	for (;;) {
		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE) {
			/* records overwritten before they were read: count one */
			k->lines++;
			continue;
		}
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" then " KEY=value" lines */
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		rec[strcspn(rec, "\n")] = '\0';
		k->lines++;
		vmm_kmsg_keep(k->first, sizeof(k->first), text);
		if (strstr(text, "WARNING:") || strstr(text, "Call Trace") ||
		    strstr(text, "BUG:")) {
			k->warnings++;
			vmm_kmsg_keep(k->warning, sizeof(k->warning), text);
		}
		if (strstr(text, "\\x")) {
			k->escaped++;
			vmm_kmsg_keep(k->escaped_line, sizeof(k->escaped_line), text);
		}
	}
}

void vmm_kmsg_stop(struct vmm_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

void vmm_clear_warn_once(void)
{
	int fd = open("/sys/kernel/debug/clear_warn_once", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1", 1) < 0)
		perror("clear_warn_once");
	close(fd);
}
