// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty logging ioctls of vhost-vdpa (patches/), seen from userspace.
 *
 * Against a parent without the log ops (vdpa_sim_net) the patched
 * vhost-vdpa must answer exactly as stock 6.12 does: no VHOST_F_LOG_ALL,
 * ENOTTY for the log ioctls, EBUSY for SET_FEATURES after FEATURES_OK,
 * EINVAL for SET_VRING_ADDR on a running ring.
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/virtio_config.h>
#include <linux/vhost.h>

#include "kselftest_harness.h"
#include "vmm.h"

#define RING_NUM	256

static const uint64_t LOG_ALL = 1ULL << VHOST_F_LOG_ALL;
/* Ring addresses are IOVAs the parent only stores until DRIVER_OK. */
#define RING_DESC	0x100000ULL
#define RING_AVAIL	0x101000ULL
#define RING_USED	0x102000ULL

FIXTURE(sim) {
	struct vmm_dev dev;
	uint64_t features;
};

FIXTURE_SETUP(sim)
{
	const char *why = vmm_missing();

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmm_dev_create(&self->dev, "svqlog0", "mgmtdev vdpasim_net"));
	ASSERT_EQ(0, vmm_open(&self->dev));
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_SET_OWNER, NULL));
	self->dev.owned = true;
	ASSERT_EQ(0, vmm_get_features(self->dev.fd, &self->features));
}

FIXTURE_TEARDOWN(sim)
{
	vmm_dev_destroy(&self->dev);
}

/* Negotiate the device's features and reach FEATURES_OK. */
static int reach_features_ok(int fd, uint64_t features)
{
	int r;

	r = vmm_add_status(fd, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	if (!r)
		r = vmm_set_features(fd, features);
	if (!r)
		r = vmm_add_status(fd, VIRTIO_CONFIG_S_FEATURES_OK);
	return r;
}

static int setup_ring(int fd, unsigned int idx)
{
	struct vhost_vring_state num = { .index = idx, .num = RING_NUM };
	int r;

	r = vmm_ioctl(fd, VHOST_SET_VRING_NUM, &num);
	if (!r)
		r = vmm_set_vring_addr(fd, idx, RING_DESC, RING_AVAIL, RING_USED, 0);
	return r;
}

TEST_F(sim, no_log_all_feature)
{
	EXPECT_FALSE(self->features & LOG_ALL);
	EXPECT_TRUE(self->features & (1ULL << VIRTIO_F_VERSION_1));
}

TEST_F(sim, set_log_base_enotty)
{
	EXPECT_EQ(-ENOTTY, vmm_set_log_base(self->dev.fd, 0x1000));
}

TEST_F(sim, set_log_fd_enotty)
{
	int fd = -1;

	EXPECT_EQ(-ENOTTY, vmm_ioctl(self->dev.fd, VHOST_SET_LOG_FD, &fd));
}

TEST_F(sim, set_features_after_features_ok_ebusy)
{
	ASSERT_EQ(0, reach_features_ok(self->dev.fd, self->features));
	/* the migration-start toggle, and a no-op, are both refused */
	EXPECT_EQ(-EBUSY, vmm_set_features(self->dev.fd, self->features | LOG_ALL));
	EXPECT_EQ(-EBUSY, vmm_set_features(self->dev.fd, self->features));
}

TEST_F(sim, set_vring_addr_running_einval)
{
	uint8_t status;

	if (!vmm_vhost_vdpa_has_resume(self->dev.fd))
		SKIP(return, "%s", "vhost-vdpa without resume moves running rings (6.1)");
	ASSERT_EQ(0, reach_features_ok(self->dev.fd, self->features));
	ASSERT_EQ(0, setup_ring(self->dev.fd, 0));
	ASSERT_EQ(0, vmm_add_status(self->dev.fd, VIRTIO_CONFIG_S_DRIVER_OK));
	ASSERT_EQ(0, vmm_get_status(self->dev.fd, &status));
	ASSERT_TRUE(status & VIRTIO_CONFIG_S_DRIVER_OK);

	/* same addresses, log flag set: what QEMU 7.2 sends at migration */
	EXPECT_EQ(-EINVAL, vmm_set_vring_addr(self->dev.fd, 0, RING_DESC, RING_AVAIL,
					      RING_USED, 1 << VHOST_VRING_F_LOG));
	/* same addresses, no flag */
	EXPECT_EQ(-EINVAL, vmm_set_vring_addr(self->dev.fd, 0, RING_DESC, RING_AVAIL,
					      RING_USED, 0));
}

TEST_F(sim, set_vring_addr_before_driver_ok)
{
	ASSERT_EQ(0, reach_features_ok(self->dev.fd, self->features));
	ASSERT_EQ(0, setup_ring(self->dev.fd, 0));
	EXPECT_EQ(0, vmm_set_vring_addr(self->dev.fd, 0, RING_DESC, RING_AVAIL,
					RING_USED, 1 << VHOST_VRING_F_LOG));
}

TEST_HARNESS_MAIN
