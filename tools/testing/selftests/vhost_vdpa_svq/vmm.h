/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal userspace VMM for /dev/vhost-vdpa-N, shared by the selftests:
 * creates vdpa devices with the iproute2 vdpa tool, opens their vhost
 * character device and wraps the ioctls the tests issue.
 */
#ifndef SVQ_SELFTEST_VMM_H
#define SVQ_SELFTEST_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>

/* A vdpa device created for one test and its vhost-vdpa file. */
struct vmm_dev {
	char name[32];
	int fd;
	bool owned;	/* VHOST_SET_OWNER done */
};

const char *vmm_missing(void);
int vmm_dev_create(struct vmm_dev *dev, const char *name, const char *add_args);
int vmm_dev_create_stacked(struct vmm_dev *dev, const char *lower,
			   const char *upper, const char *lower_args);
void vmm_dev_destroy(struct vmm_dev *dev);
int vmm_open(struct vmm_dev *dev);

/* Each returns 0 or -errno. */
int vmm_ioctl(int fd, unsigned long req, void *arg);
bool vmm_vhost_vdpa_has_resume(int fd);
int vmm_get_features(int fd, uint64_t *features);
int vmm_set_features(int fd, uint64_t features);
int vmm_get_status(int fd, uint8_t *status);
int vmm_add_status(int fd, uint8_t bits);
int vmm_set_vring_addr(int fd, unsigned int idx, uint64_t desc, uint64_t avail,
		       uint64_t used, unsigned int flags);
int vmm_set_log_base(int fd, uint64_t base);
int vmm_get_vring_base(int fd, unsigned int idx, unsigned int *num);

/* sysfs attributes of vdpa device @dev (/sys/bus/vdpa/devices/@dev/@attr) */
int vmm_attr_read(const char *dev, const char *attr, char *buf, size_t len);
long vmm_attr_long(const char *dev, const char *attr);
int vmm_attr_write(const char *dev, const char *attr, const char *val);
int vmm_file_write(const char *path, const char *val);

/* Guest memory: anonymous memory mapped at an IOVA through the IOTLB. */
struct vmm_mem {
	uint8_t *base;
	uint64_t iova;
	size_t size;
	size_t used;	/* bump allocator */
};

int vmm_mem_map(int fd, struct vmm_mem *mem, uint64_t iova, size_t size);
int vmm_mem_unmap(int fd, struct vmm_mem *mem);
uint64_t vmm_mem_alloc(struct vmm_mem *mem, size_t size, size_t align);
void *vmm_mem_ptr(struct vmm_mem *mem, uint64_t iova);

/* A split virtqueue whose descriptor slot N always holds buffer N. */
struct vmm_vq {
	unsigned int idx;
	unsigned int num;
	struct vring vring;
	uint64_t ring_iova;
	uint64_t buf_iova;
	size_t buf_size;
	int kick_fd;
	int call_fd;		/* -1: the driver polls (vmm_vq_set_polled()) */
	uint16_t avail_idx;
	uint16_t last_used;
};

int vmm_vq_setup(int fd, struct vmm_mem *mem, struct vmm_vq *vq,
		 unsigned int idx, unsigned int num, size_t buf_size);
void *vmm_vq_buf(struct vmm_mem *mem, struct vmm_vq *vq, unsigned int slot);
void vmm_vq_add(struct vmm_vq *vq, unsigned int slot, uint32_t len, bool writable);
int vmm_vq_set_polled(int fd, struct vmm_vq *vq);
int vmm_vq_kick(struct vmm_vq *vq);
bool vmm_vq_used(struct vmm_vq *vq, uint32_t *id, uint32_t *len);
int vmm_vq_wait_used(struct vmm_vq *vq, uint32_t *id, uint32_t *len, int timeout_ms);
void vmm_vq_close(struct vmm_vq *vq);

/* A buffer the device wrote: IOVA and used length. */
struct vmm_written {
	uint64_t iova;
	uint32_t len;
};

/* A virtio-net device driven through vhost-vdpa: rx is vq 0, tx vq 1. */
struct vmm_net {
	struct vmm_dev *dev;
	struct vmm_mem mem;
	struct vmm_vq rx;
	struct vmm_vq tx;
	uint64_t features;
	uint8_t mac[6];
	/* if set before vmm_net_start(), both rings are polled: no call eventfd */
	bool polled;
	/* if set, vmm_net_loop() and _stream() record every rx buffer filled */
	struct vmm_written *written;
	size_t nwritten;
	size_t max_written;
};

#define VMM_NET_HDR_LEN	12	/* struct virtio_net_hdr_v1 */
#define VMM_MEM_IOVA	0x40000000ULL

int vmm_driver_init(struct vmm_dev *dev, struct vmm_mem *mem, uint64_t want,
		    uint64_t *features);
int vmm_net_start(struct vmm_net *net, struct vmm_dev *dev, unsigned int num);
void vmm_net_stop(struct vmm_net *net);
int vmm_net_loop(struct vmm_net *net, unsigned int count, unsigned int first_seq);
int vmm_net_stream(struct vmm_net *net, unsigned int count, unsigned int first_seq,
		   unsigned int window);
int vmm_net_move_mem(struct vmm_net *net);
int vmm_net_grow_mem(struct vmm_net *net, size_t extra);

/*
 * A migration's dirty log harvest, as QEMU 7.2 does it (hw/virtio/vhost.c,
 * vhost_dev_sync_region()): words read as zero are skipped, set ones are
 * taken with an atomic exchange with 0. The harvester thread does that
 * every period while the device runs, like QEMU's migration thread.
 */
struct vmm_log_harvester {
	uint64_t *log;
	uint64_t *into;		/* ORed with what was taken; may be NULL */
	size_t words;
	unsigned int period_us;
	unsigned long harvests;
	bool stop;
	pthread_t thread;
};

void vmm_log_harvest(uint64_t *log, uint64_t *into, size_t words);
int vmm_log_harvester_start(struct vmm_log_harvester *h, uint64_t *log, uint64_t *into,
			    size_t words, unsigned int period_us);
void vmm_log_harvester_stop(struct vmm_log_harvester *h);

/* One IOTLB message (VHOST_IOTLB_UPDATE, _INVALIDATE, _BATCH_BEGIN, ...). */
int vmm_iotlb_msg(int fd, uint8_t type, uint64_t iova, uint64_t size, void *uaddr,
		  uint8_t perm);

/*
 * The kernel log from a point on (/dev/kmsg, root): what a test made the
 * kernel print. vmm_kmsg_collect() reads the records logged since
 * vmm_kmsg_start() or the last collect and counts them; it keeps the first
 * record, the first warning ("WARNING:", "Call Trace", "BUG:") and the
 * first record with bytes /dev/kmsg had to escape ("\xNN": non-printable
 * input echoed), for the test's log.
 */
struct vmm_kmsg {
	int fd;
	unsigned int lines;
	unsigned int warnings;
	unsigned int escaped;
	char first[200];
	char warning[200];
	char escaped_line[200];
};

int vmm_kmsg_start(struct vmm_kmsg *k);
int vmm_kmsg_collect(struct vmm_kmsg *k);
void vmm_kmsg_stop(struct vmm_kmsg *k);
/* Re-arm WARN_ONCE()s that fired earlier (debugfs), so that a test sees its own. */
void vmm_clear_warn_once(void);

#endif
