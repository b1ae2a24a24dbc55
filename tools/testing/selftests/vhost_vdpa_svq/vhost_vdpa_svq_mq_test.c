// SPDX-License-Identifier: GPL-2.0
/*
 * An upper device on a lower device with two queue pairs and a control
 * queue (vdpa_sim_net with the test bench's kernel-patches/, created with
 * "max_vqp 2"), the layout of multiqueue hardware such as mlx5: five
 * virtqueues, the control queue last and alone in its group. The VMM
 * negotiates VIRTIO_NET_F_MQ, turns both pairs on through the control
 * queue, and checks traffic on each pair in passthrough and shadow mode;
 * logging switches all five virtqueues and logs what each pair's device
 * wrote; QEMU 7.2's GET_VRING_BASE on one running pair stops that pair
 * only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "vmm.h"

#define PAIRS		2
#define NVQS		(2 * PAIRS + 1)
#define CVQ		(2 * PAIRS)
#define RING		64
#define LOG_PAGES	((VMM_MEM_IOVA >> 12) + 1024 + 64)
#define LOG_WORDS	(LOG_PAGES / 64 + 1)
#define MAX_WRITTEN	1024

static const uint64_t LOG_ALL = 1ULL << VHOST_F_LOG_ALL;

FIXTURE(mq) {
	struct vmm_dev dev;
	struct vmm_net pair[PAIRS];	/* pair[0] owns the memory */
	struct vmm_vq cvq;
	uint64_t features;
	uint64_t *log;
	struct vmm_written written[MAX_WRITTEN];
};

static long attr_long(const char *attr)
{
	return vmm_attr_long("qsvq0", attr);
}

/*
 * One control queue command: header, @len bytes of @data, and the
 * device's ack, in a chain of three descriptors (buffers 0, 1 and 2).
 * Returns the ack, or a negative errno.
 */
static int cvq_command(struct vmm_mem *mem, struct vmm_vq *cvq, uint8_t class,
		       uint8_t cmd, const void *data, size_t len)
{
	struct virtio_net_ctrl_hdr hdr = { .class = class, .cmd = cmd };
	struct vring_desc *d = cvq->vring.desc;
	uint8_t *ack = vmm_vq_buf(mem, cvq, 2);
	uint32_t id, used_len;
	int r;

	memcpy(vmm_vq_buf(mem, cvq, 0), &hdr, sizeof(hdr));
	memcpy(vmm_vq_buf(mem, cvq, 1), data, len);
	*ack = 0xff;
	d[0] = (struct vring_desc) { cvq->buf_iova, sizeof(hdr), VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc) { cvq->buf_iova + cvq->buf_size, len, VRING_DESC_F_NEXT, 2 };
	d[2] = (struct vring_desc) { cvq->buf_iova + 2 * cvq->buf_size, 1, VRING_DESC_F_WRITE, 0 };
	cvq->vring.avail->ring[cvq->avail_idx % cvq->num] = 0;
	cvq->avail_idx++;
	__atomic_store_n(&cvq->vring.avail->idx, cvq->avail_idx, __ATOMIC_RELEASE);
	r = vmm_vq_kick(cvq);
	if (!r)
		r = vmm_vq_wait_used(cvq, &id, &used_len, 5000);
	if (r)
		return r;
	return id == 0 && used_len == 1 ? *ack : -EBADMSG;
}

/*
 * What a VMM does up to DRIVER_OK with both pairs and the control queue,
 * then VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 2 through the control queue.
 */
static int mq_start(struct _test_data_mq *self, const char *mode)
{
	uint64_t want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM) |
			(1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_CTRL_VQ) |
			(1ULL << VIRTIO_NET_F_MQ);
	struct virtio_net_ctrl_mq mq = { .virtqueue_pairs = PAIRS };
	struct vmm_mem *mem = &self->pair[0].mem;
	int fd = self->dev.fd, r, ack;
	unsigned int p, i;

	r = vmm_attr_write("qsvq0", "mode", mode);
	if (!r)
		r = vmm_driver_init(&self->dev, mem, want, &self->features);
	if (!r && self->features != want)
		r = -EOPNOTSUPP;
	for (p = 0; !r && p < PAIRS; p++) {
		r = vmm_vq_setup(fd, mem, &self->pair[p].rx, 2 * p, RING, 2048);
		if (!r)
			r = vmm_vq_setup(fd, mem, &self->pair[p].tx, 2 * p + 1, RING, 2048);
	}
	if (!r)
		r = vmm_vq_setup(fd, mem, &self->cvq, CVQ, RING, 64);
	if (!r)
		r = vmm_add_status(fd, VIRTIO_CONFIG_S_DRIVER_OK);
	if (r)
		return r;
	for (p = 0; p < PAIRS; p++) {
		self->pair[p].dev = &self->dev;
		self->pair[p].features = self->features;
		if (p)
			self->pair[p].mem = *mem;	/* a view: pair 0 unmaps it */
		for (i = 0; i < RING; i++)
			vmm_vq_add(&self->pair[p].rx, i, self->pair[p].rx.buf_size, true);
		r = vmm_vq_kick(&self->pair[p].rx);
		if (r)
			return r;
	}
	ack = cvq_command(mem, &self->cvq, VIRTIO_NET_CTRL_MQ,
			  VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &mq, sizeof(mq));
	return ack == VIRTIO_NET_OK ? 0 : ack < 0 ? ack : -EPROTO;
}

static void mq_stop(struct _test_data_mq *self)
{
	uint8_t status = 0;
	unsigned int p;

	vmm_ioctl(self->dev.fd, VHOST_VDPA_SET_STATUS, &status);
	if (self->pair[0].mem.base)
		vmm_mem_unmap(self->dev.fd, &self->pair[0].mem);
	for (p = 0; p < PAIRS; p++) {
		vmm_vq_close(&self->pair[p].rx);
		vmm_vq_close(&self->pair[p].tx);
	}
	vmm_vq_close(&self->cvq);
	memset(self->pair, 0, sizeof(self->pair));
	memset(&self->cvq, 0, sizeof(self->cvq));
}

/* @frames frames on each pair in turn, 10 at a time; 0 or the failure. */
static int traffic(struct _test_data_mq *self, unsigned int frames, unsigned int first_seq)
{
	unsigned int n, p;
	int r;

	for (n = 0; n < frames; n += 10)
		for (p = 0; p < PAIRS; p++) {
			r = vmm_net_loop(&self->pair[p], 10, first_seq + n);
			if (r)
				return r;
		}
	return 0;
}

FIXTURE_SETUP(mq)
{
	const char *why = vmm_missing();

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmm_dev_create_stacked(&self->dev, "qlower0", "qsvq0", "max_vqp 2"));
	ASSERT_EQ(0, vmm_open(&self->dev));
	self->log = calloc(LOG_WORDS, sizeof(uint64_t));
	ASSERT_NE(NULL, self->log);
}

FIXTURE_TEARDOWN(mq)
{
	if (self->pair[0].mem.base)
		mq_stop(self);
	vmm_dev_destroy(&self->dev);
	if (system("vdpa dev del qlower0"))
		TH_LOG("could not delete qlower0");
	free(self->log);
}

/* The upper device shows the lower device's layout. */
TEST_F(mq, layout)
{
	uint64_t backend = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	struct vhost_vring_state group = { .index = CVQ };
	uint8_t raw[sizeof(struct vhost_vdpa_config) + 16];
	struct vhost_vdpa_config *config = (void *)raw;
	uint32_t nvqs = 0;
	uint16_t pairs;

	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_GET_VQS_COUNT, &nvqs));
	EXPECT_EQ(NVQS, nvqs);
	ASSERT_EQ(0, vmm_get_features(self->dev.fd, &self->features));
	EXPECT_TRUE(self->features & (1ULL << VIRTIO_NET_F_MQ));
	config->off = 0;
	config->len = 16;
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_GET_CONFIG, config));
	memcpy(&pairs, config->buf + offsetof(struct virtio_net_config, max_virtqueue_pairs),
	       sizeof(pairs));
	EXPECT_EQ(PAIRS, pairs);
	/* the vring ioctls need an owner */
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_SET_BACKEND_FEATURES, &backend));
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_SET_OWNER, NULL));
	self->dev.owned = true;
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_GET_VRING_GROUP, &group));
	EXPECT_EQ(1, group.num);
	group.index = 2;
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_GET_VRING_GROUP, &group));
	EXPECT_EQ(0, group.num);
}

/* Both pairs carry their own traffic, verified, in passthrough mode. */
TEST_F(mq, traffic_passthrough)
{
	ASSERT_EQ(0, mq_start(self, "passthrough"));
	ASSERT_EQ(0, traffic(self, 200, 0));
	EXPECT_EQ(0, attr_long("stats/relayed_descs"));
	EXPECT_EQ(0, attr_long("stats/errors"));
}

/* The same through the shadow rings of all five virtqueues. */
TEST_F(mq, traffic_shadow)
{
	long descs;

	ASSERT_EQ(0, mq_start(self, "shadow"));
	descs = attr_long("stats/relayed_descs");
	/* the control command: three descriptors */
	EXPECT_LE(3, descs);
	ASSERT_EQ(0, traffic(self, 200, 0));
	/* each frame: a tx and an rx descriptor, on both pairs */
	EXPECT_LE(descs + 2 * 2 * 200, attr_long("stats/relayed_descs"));
	EXPECT_EQ(0, attr_long("stats/errors"));
}

/*
 * Logging on: every virtqueue switches to shadow; the pages each pair's
 * device wrote are in the log; logging off: back to passthrough, and
 * both pairs and the control queue still work.
 */
TEST_F(mq, auto_switch_logs_both_pairs)
{
	struct virtio_net_ctrl_mq mq = { .virtqueue_pairs = 1 };
	uint64_t p, missing = 0;
	char state[32];
	size_t i;

	ASSERT_EQ(0, mq_start(self, "auto"));
	ASSERT_EQ(0, traffic(self, 20, 0));
	ASSERT_EQ(0, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log));
	ASSERT_EQ(0, vmm_set_features(self->dev.fd, self->features | LOG_ALL));
	ASSERT_EQ(0, vmm_attr_read("qsvq0", "state", state, sizeof(state)));
	EXPECT_STREQ("shadow", state);
	for (p = 0; p < PAIRS; p++) {
		self->pair[p].written = self->written + p * (MAX_WRITTEN / PAIRS);
		self->pair[p].max_written = MAX_WRITTEN / PAIRS;
		self->pair[p].nwritten = 0;
	}
	ASSERT_EQ(0, traffic(self, 100, 20));
	for (p = 0; p < PAIRS; p++) {
		ASSERT_EQ(100, self->pair[p].nwritten);
		for (i = 0; i < self->pair[p].nwritten; i++) {
			uint64_t iova = self->pair[p].written[i].iova;
			uint64_t last = iova + self->pair[p].written[i].len - 1, pg;

			for (pg = iova >> 12; pg <= last >> 12; pg++)
				if (!(self->log[pg / 64] & (1ULL << (pg % 64))) && missing++ < 5)
					TH_LOG("pair %llu: page 0x%llx written, not logged",
					       (unsigned long long)p, (unsigned long long)pg);
		}
		self->pair[p].written = NULL;
	}
	EXPECT_EQ(0, missing);
	ASSERT_EQ(0, vmm_set_features(self->dev.fd, self->features));
	ASSERT_EQ(0, vmm_attr_read("qsvq0", "state", state, sizeof(state)));
	EXPECT_STREQ("passthrough", state);
	EXPECT_EQ(2, attr_long("stats/switches"));
	ASSERT_EQ(0, traffic(self, 20, 120));
	EXPECT_EQ(VIRTIO_NET_OK, cvq_command(&self->pair[0].mem, &self->cvq, VIRTIO_NET_CTRL_MQ,
					     VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &mq, sizeof(mq)));
	EXPECT_EQ(0, attr_long("stats/errors"));
}

/*
 * QEMU 7.2 with a control queue reads each data queue's base while the
 * device runs: reading pair 1's stops pair 1 at the guest's used index,
 * and pair 0 keeps running.
 */
TEST_F(mq, live_get_vring_base_stops_one_pair)
{
	unsigned int rx_base, tx_base;

	ASSERT_EQ(0, mq_start(self, "auto"));
	ASSERT_EQ(0, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log));
	ASSERT_EQ(0, vmm_set_features(self->dev.fd, self->features | LOG_ALL));
	ASSERT_EQ(0, traffic(self, 30, 0));
	ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, 2, &rx_base));
	ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, 3, &tx_base));
	EXPECT_EQ(30, rx_base);
	EXPECT_EQ(30, tx_base);
	/* pair 0 runs on */
	EXPECT_EQ(0, vmm_net_loop(&self->pair[0], 20, 30));
	/* pair 1 stopped: a frame sent on it comes back nowhere */
	EXPECT_NE(0, vmm_net_loop(&self->pair[1], 1, 30));
	EXPECT_EQ(0, attr_long("stats/errors"));
}

TEST_HARNESS_MAIN
