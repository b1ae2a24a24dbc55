// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile guest in shadow mode: each malformed ring puts the upper
 * device in NEEDS_RESET and counts an error; nothing reaches the lower
 * device, the host stays fine, and a reset brings the device back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <linux/virtio_config.h>

#include "kselftest_harness.h"
#include "vmm.h"

FIXTURE(hostile) {
	struct vmm_dev dev;
	struct vmm_net net;
	int config_call;	/* eventfd: config change notifications */
};

/* Was a config change notified within a second? */
static bool config_notified(int efd)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };

	return poll(&pfd, 1, 1000) == 1;
}

static long upper_errors(void)
{
	return vmm_attr_long("hsvq0", "stats/errors");
}

FIXTURE_SETUP(hostile)
{
	const char *why = vmm_missing();

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmm_dev_create_stacked(&self->dev, "hlower0", "hsvq0", ""));
	ASSERT_EQ(0, vmm_attr_write("hsvq0", "mode", "shadow"));
	ASSERT_EQ(0, vmm_open(&self->dev));
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, 64));
	self->config_call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->config_call);
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_SET_CONFIG_CALL, &self->config_call));
	ASSERT_EQ(0, vmm_net_loop(&self->net, 3, 0));
}

FIXTURE_TEARDOWN(hostile)
{
	vmm_net_stop(&self->net);
	vmm_dev_destroy(&self->dev);
	close(self->config_call);
	if (system("vdpa dev del hlower0"))
		TH_LOG("could not delete hlower0");
}

/* Kick tx after @corrupt damaged the ring; expect NEEDS_RESET, then recover. */
static void expect_needs_reset(struct __test_metadata *_metadata,
			       struct _test_data_hostile *self)
{
	long errors = upper_errors();
	uint8_t status = 0;
	int i;

	ASSERT_EQ(0, vmm_vq_kick(&self->net.tx));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, vmm_get_status(self->dev.fd, &status));
		if (status & VIRTIO_CONFIG_S_NEEDS_RESET)
			break;
		usleep(10000);
	}
	EXPECT_TRUE(status & VIRTIO_CONFIG_S_NEEDS_RESET);
	EXPECT_LT(errors, upper_errors());
	/* the driver was told: a config change notification */
	EXPECT_TRUE(config_notified(self->config_call));

	/* a reset clears it and the device works again */
	vmm_net_stop(&self->net);
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, 64));
	ASSERT_EQ(0, vmm_get_status(self->dev.fd, &status));
	EXPECT_FALSE(status & VIRTIO_CONFIG_S_NEEDS_RESET);
	EXPECT_EQ(0, vmm_net_loop(&self->net, 3, 100));
}

TEST_F(hostile, avail_index_jumps)
{
	struct vmm_vq *tx = &self->net.tx;

	__atomic_store_n(&tx->vring.avail->idx, (uint16_t)(tx->avail_idx + 100),
			 __ATOMIC_RELEASE);
	expect_needs_reset(_metadata, self);
}

TEST_F(hostile, head_out_of_range)
{
	struct vmm_vq *tx = &self->net.tx;

	tx->vring.avail->ring[tx->avail_idx % tx->num] = tx->num + 5;
	tx->avail_idx++;
	__atomic_store_n(&tx->vring.avail->idx, tx->avail_idx, __ATOMIC_RELEASE);
	expect_needs_reset(_metadata, self);
}

TEST_F(hostile, buffer_outside_the_iotlb)
{
	struct vmm_vq *tx = &self->net.tx;

	vmm_vq_add(tx, 0, 64, false);
	tx->vring.desc[0].addr = 0x1000;	/* nothing is mapped there */
	expect_needs_reset(_metadata, self);
}

TEST_F(hostile, descriptor_loop)
{
	struct vmm_vq *tx = &self->net.tx;

	vmm_vq_add(tx, 0, 64, false);
	tx->vring.desc[0].flags = VRING_DESC_F_NEXT;
	tx->vring.desc[0].next = 1;
	tx->vring.desc[1] = tx->vring.desc[0];
	tx->vring.desc[1].next = 0;
	expect_needs_reset(_metadata, self);
}

TEST_F(hostile, indirect_not_negotiated)
{
	struct vmm_vq *tx = &self->net.tx;

	vmm_vq_add(tx, 0, 64, false);
	tx->vring.desc[0].flags = VRING_DESC_F_INDIRECT;
	expect_needs_reset(_metadata, self);
}

/*
 * The VMM moves the guest's memory while the rings run: the relay must
 * follow the new mapping (it caches where the rings are), never read or
 * write the old pages, which are freed.
 */
TEST_F(hostile, memory_moved_while_running)
{
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, vmm_net_move_mem(&self->net));
		ASSERT_EQ(0, vmm_net_loop(&self->net, 5, 10 * i));
	}
	EXPECT_EQ(0, upper_errors());
}

/*
 * The VMM makes buffers read-only that the relay has already validated
 * (it caches translations): a writable descriptor there must still break
 * the ring.
 */
TEST_F(hostile, buffers_made_read_only_while_running)
{
	struct vmm_mem *mem = &self->net.mem;
	struct vmm_vq *tx = &self->net.tx;
	uint64_t split = tx->buf_iova - mem->iova;

	ASSERT_EQ(0, vmm_iotlb_msg(self->dev.fd, VHOST_IOTLB_INVALIDATE, mem->iova,
				   mem->size, NULL, 0));
	ASSERT_EQ(0, vmm_iotlb_msg(self->dev.fd, VHOST_IOTLB_UPDATE, mem->iova, split,
				   mem->base, VHOST_ACCESS_RW));
	ASSERT_EQ(0, vmm_iotlb_msg(self->dev.fd, VHOST_IOTLB_UPDATE, tx->buf_iova,
				   mem->size - split, mem->base + split, VHOST_ACCESS_RO));
	vmm_vq_add(tx, 0, 64, true);
	expect_needs_reset(_metadata, self);
}

/*
 * A VMM that maps nothing and points the rings at physical memory: the
 * relay must fault, never take an unmapped IOVA as a physical address.
 */
TEST(unmapped_rings_are_not_physical_addresses)
{
	uint64_t backend = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2, features;
	struct vhost_vring_state num = { .index = 1, .num = 64 };
	struct vhost_vring_file kick = { .index = 1 };
	uint8_t status;
	const char *why = vmm_missing();
	struct vmm_dev dev;
	int i;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmm_dev_create_stacked(&dev, "ulower0", "usvq0", ""));
	ASSERT_EQ(0, vmm_attr_write("usvq0", "mode", "shadow"));
	ASSERT_EQ(0, vmm_open(&dev));
	ASSERT_EQ(0, vmm_ioctl(dev.fd, VHOST_SET_BACKEND_FEATURES, &backend));
	ASSERT_EQ(0, vmm_ioctl(dev.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, vmm_get_features(dev.fd, &features));
	features &= (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	ASSERT_EQ(0, vmm_add_status(dev.fd, VIRTIO_CONFIG_S_ACKNOWLEDGE |
					   VIRTIO_CONFIG_S_DRIVER));
	ASSERT_EQ(0, vmm_set_features(dev.fd, features));
	ASSERT_EQ(0, vmm_add_status(dev.fd, VIRTIO_CONFIG_S_FEATURES_OK));
	ASSERT_EQ(0, vmm_ioctl(dev.fd, VHOST_SET_VRING_NUM, &num));
	/* 16 MiB and up: kernel memory, if it were taken as physical */
	ASSERT_EQ(0, vmm_set_vring_addr(dev.fd, 1, 0x1000000, 0x1001000, 0x1002000, 0));
	kick.fd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, kick.fd);
	ASSERT_EQ(0, vmm_ioctl(dev.fd, VHOST_SET_VRING_KICK, &kick));
	num.num = 1;
	ASSERT_EQ(0, vmm_ioctl(dev.fd, VHOST_VDPA_SET_VRING_ENABLE, &num));
	ASSERT_EQ(0, vmm_add_status(dev.fd, VIRTIO_CONFIG_S_DRIVER_OK));
	ASSERT_EQ(8, write(kick.fd, &(uint64_t){1}, 8));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, vmm_get_status(dev.fd, &status));
		if (status & VIRTIO_CONFIG_S_NEEDS_RESET)
			break;
		usleep(10000);
	}
	EXPECT_TRUE(status & VIRTIO_CONFIG_S_NEEDS_RESET);
	close(kick.fd);
	vmm_dev_destroy(&dev);
	EXPECT_EQ(0, system("vdpa dev del ulower0"));
}

TEST_HARNESS_MAIN
