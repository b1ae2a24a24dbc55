/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LINUX_VHOST_VDPA_H
#define _LINUX_VHOST_VDPA_H

#include <linux/types.h>

struct vdpa_device;

/**
 * struct vhost_vdpa_log_ops - dirty page logging of a vDPA device
 * @set_log_base: set the userspace address of the vhost dirty page log
 *		  (VHOST_SET_LOG_BASE). Called in the context of the vhost
 *		  owner (current->mm is the owner's mm), so the driver may
 *		  pin the log here. Layout, as for vhost-net: bit N stands
 *		  for the VHOST_PAGE_SIZE (4 KiB) page N of the address
 *		  space the device is mapped with (IOVA; the guest physical
 *		  address without a vIOMMU), in native unsigned longs, set
 *		  with atomic operations since the VMM clears whole words
 *		  with atomic exchanges while logging runs. The bitmap's
 *		  size is not passed: the driver bounds it by the IOVA
 *		  ranges it has mapped. A new base takes effect before the
 *		  call returns: the previous log is never written again.
 *		  Returns 0 or a negative errno.
 * @set_log: start (@enable true) or stop logging device writes
 *	     (VHOST_F_LOG_ALL set or cleared by VHOST_SET_FEATURES, also
 *	     while the device runs). Logging may be enabled before the log
 *	     base is set. Every page the device writes while logging is on
 *	     is marked, used rings included. Once the call returns with
 *	     @enable false, and once a device reset returns, logging is
 *	     stopped, everything written before is marked, and the log is
 *	     no longer used. Returns 0 or a negative errno.
 *
 * Both are called with the vdpa device's cf_lock held for writing
 * (set_log) or not at all (set_log_base), never in atomic context.
 */
struct vhost_vdpa_log_ops {
	int (*set_log_base)(struct vdpa_device *vdev, u64 uaddr);
	int (*set_log)(struct vdpa_device *vdev, bool enable);
};

int vhost_vdpa_register_log_ops(struct vdpa_device *vdev,
				const struct vhost_vdpa_log_ops *ops);
void vhost_vdpa_unregister_log_ops(struct vdpa_device *vdev);

#endif /* _LINUX_VHOST_VDPA_H */
