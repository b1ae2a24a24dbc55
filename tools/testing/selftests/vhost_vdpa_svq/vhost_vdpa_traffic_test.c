// SPDX-License-Identifier: GPL-2.0
/*
 * A userspace VMM passes traffic through vhost-vdpa: IOTLB-mapped memory,
 * split rings, kick and call eventfds, frames looped back by vdpa_sim_net
 * and checked byte for byte. The same test runs on vdpa_sim_net directly
 * and on an upper device stacked on it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmm.h"

FIXTURE(net) {
	struct vmm_dev dev;
	struct vmm_net net;
};

FIXTURE_VARIANT(net) {
	bool stacked;
	unsigned int ring_num;
};

FIXTURE_VARIANT_ADD(net, sim_64) { .stacked = false, .ring_num = 64 };
FIXTURE_VARIANT_ADD(net, sim_256) { .stacked = false, .ring_num = 256 };
FIXTURE_VARIANT_ADD(net, svq_64) { .stacked = true, .ring_num = 64 };
FIXTURE_VARIANT_ADD(net, svq_256) { .stacked = true, .ring_num = 256 };

FIXTURE_SETUP(net)
{
	int r;

	if (variant->stacked)
		r = vmm_dev_create_stacked(&self->dev, "tlower0", "tsvq0", "");
	else
		r = vmm_dev_create(&self->dev, "tsim0", "mgmtdev vdpasim_net");
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, vmm_open(&self->dev));
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, variant->ring_num));
}

FIXTURE_TEARDOWN(net)
{
	vmm_net_stop(&self->net);
	vmm_dev_destroy(&self->dev);
	if (variant->stacked && system("vdpa dev del tlower0"))
		TH_LOG("could not delete tlower0");
}

TEST_F(net, loopback_frames_verified)
{
	/* more frames than ring entries: indices wrap around the rings */
	EXPECT_EQ(0, vmm_net_loop(&self->net, 3 * variant->ring_num + 17, 0));
}

TEST_F(net, stop_and_restart_keeps_working)
{
	ASSERT_EQ(0, vmm_net_loop(&self->net, 10, 0));
	vmm_net_stop(&self->net);
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, variant->ring_num));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 10, 10));
}

TEST_HARNESS_MAIN
