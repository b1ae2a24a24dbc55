// SPDX-License-Identifier: GPL-2.0
/*
 * A userspace VMM passes traffic through vhost-vdpa: IOTLB-mapped memory,
 * split rings, kick and call eventfds, frames looped back by vdpa_sim_net
 * and checked byte for byte. The same test runs on vdpa_sim_net directly
 * and on an upper device stacked on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	const char *mode;	/* of the upper device */
	unsigned int ring_num;
};

FIXTURE_VARIANT_ADD(net, sim_64) { .ring_num = 64 };
FIXTURE_VARIANT_ADD(net, sim_256) { .ring_num = 256 };
FIXTURE_VARIANT_ADD(net, passthrough_64) { true, "passthrough", 64 };
FIXTURE_VARIANT_ADD(net, passthrough_256) { true, "passthrough", 256 };
FIXTURE_VARIANT_ADD(net, shadow_64) { true, "shadow", 64 };
FIXTURE_VARIANT_ADD(net, shadow_256) { true, "shadow", 256 };

/* The upper device relayed (shadow) or did not (passthrough) the traffic. */
static void check_mode_used(struct __test_metadata *_metadata, const char *mode)
{
	char state[32], relayed[32];

	ASSERT_EQ(0, vmm_attr_read("tsvq0", "state", state, sizeof(state)));
	ASSERT_EQ(0, vmm_attr_read("tsvq0", "stats/relayed_descs", relayed, sizeof(relayed)));
	EXPECT_STREQ(mode, state);
	/* descriptors go through the shadow rings in shadow mode only */
	EXPECT_EQ(!strcmp(mode, "shadow"), atol(relayed) > 0);
}

FIXTURE_SETUP(net)
{
	const char *why = vmm_missing();
	int r;

	if (why)
		SKIP(return, "%s", why);
	if (variant->stacked)
		r = vmm_dev_create_stacked(&self->dev, "tlower0", "tsvq0", "");
	else
		r = vmm_dev_create(&self->dev, "tsim0", "mgmtdev vdpasim_net");
	ASSERT_EQ(0, r);
	if (variant->stacked)
		ASSERT_EQ(0, vmm_attr_write("tsvq0", "mode", variant->mode));
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

TEST_F_TIMEOUT(net, loopback_frames_verified, 300)
{
	/* more frames than ring entries: indices wrap around the rings */
	EXPECT_EQ(0, vmm_net_loop(&self->net, 3 * variant->ring_num + 17, 0));
	if (variant->stacked)
		check_mode_used(_metadata, variant->mode);
}

TEST_F_TIMEOUT(net, stop_and_restart_keeps_working, 300)
{
	ASSERT_EQ(0, vmm_net_loop(&self->net, 10, 0));
	vmm_net_stop(&self->net);
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, variant->ring_num));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 10, 10));
	if (variant->stacked)
		check_mode_used(_metadata, variant->mode);
}

/*
 * A driver that polls a ring sets no call eventfd (Linux's virtio_net polls
 * its control queue), so the lower device gets no callback from it. A
 * shadow ring's completions reach the driver's ring only through the
 * relay, which the lower device must then still call: vp_vdpa gives an
 * interrupt vector only to a ring with a callback at DRIVER_OK.
 */
TEST_F_TIMEOUT(net, polled_rings_frames_verified, 300)
{
	vmm_net_stop(&self->net);
	self->net.polled = true;
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, variant->ring_num));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 3 * variant->ring_num + 17, 0));
	if (variant->stacked)
		check_mode_used(_metadata, variant->mode);
}

/* Shadow mode soak: a million frames, every one checked (SVQ_SOAK_FRAMES). */
TEST_F_TIMEOUT(net, shadow_million_frames, 1800)
{
	const char *env = getenv("SVQ_SOAK_FRAMES");
	unsigned int frames = env ? atoi(env) : 1000000;

	if (!variant->stacked || strcmp(variant->mode, "shadow"))
		SKIP(return, "soak runs in shadow mode only");
	EXPECT_EQ(0, vmm_net_loop(&self->net, frames, 0));
	check_mode_used(_metadata, variant->mode);
	TH_LOG("%u frames verified through a %u-entry shadow ring", frames,
	       variant->ring_num);
}

TEST_HARNESS_MAIN
