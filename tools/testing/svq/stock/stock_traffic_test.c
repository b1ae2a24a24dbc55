// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_vdpa_traffic_test's sim_64 and sim_256 variants for Debian's stock
 * 6.1 kernel (vm-run.sh --stock 6.1), where vhost_vdpa_svq is not loaded
 * and vmm_missing() would skip everything: the same mini-VMM passes frames
 * through /dev/vhost-vdpa-N on vdpa_sim_net directly, rings of 64 and 256
 * entries, every frame checked byte for byte.
 */
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmm.h"

static const char *stock_missing(void)
{
	if (geteuid())
		return "needs root (vdpa dev add, vhost-vdpa)";
	if (access("/sys/bus/vdpa/drivers/vhost_vdpa", F_OK))
		return "vhost_vdpa is not loaded";
	if (system("vdpa mgmtdev show vdpasim_net >/dev/null 2>&1"))
		return "vdpa_sim_net is not loaded";
	return NULL;
}

FIXTURE(net) {
	struct vmm_dev dev;
	struct vmm_net net;
};

FIXTURE_VARIANT(net) {
	unsigned int ring_num;
};

FIXTURE_VARIANT_ADD(net, sim_64) { .ring_num = 64 };
FIXTURE_VARIANT_ADD(net, sim_256) { .ring_num = 256 };

FIXTURE_SETUP(net)
{
	const char *why = stock_missing();

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmm_dev_create(&self->dev, "tsim0", "mgmtdev vdpasim_net"));
	ASSERT_EQ(0, vmm_open(&self->dev));
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, variant->ring_num));
}

FIXTURE_TEARDOWN(net)
{
	vmm_net_stop(&self->net);
	vmm_dev_destroy(&self->dev);
}

TEST_F_TIMEOUT(net, loopback_frames_verified, 300)
{
	/* more frames than ring entries: indices wrap around the rings */
	EXPECT_EQ(0, vmm_net_loop(&self->net, 3 * variant->ring_num + 17, 0));
}

TEST_F_TIMEOUT(net, stop_and_restart_keeps_working, 300)
{
	ASSERT_EQ(0, vmm_net_loop(&self->net, 10, 0));
	vmm_net_stop(&self->net);
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, variant->ring_num));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 10, 10));
}

TEST_HARNESS_MAIN
