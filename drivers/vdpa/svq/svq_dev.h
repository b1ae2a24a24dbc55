/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: device plumbing shared by the driver, management and
 * ops files.
 */
#ifndef _SVQ_DEV_H
#define _SVQ_DEV_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/vdpa.h>
#include <linux/workqueue.h>

#define SVQ_DRV_NAME	"vhost_vdpa_svq"

/**
 * enum svq_mode - how an upper device relays its virtqueues
 * @SVQ_MODE_AUTO: passthrough, shadow while dirty logging is on
 * @SVQ_MODE_SHADOW: shadow virtqueues from device start
 * @SVQ_MODE_PASSTHROUGH: never shadow (migration impossible)
 */
enum svq_mode {
	SVQ_MODE_AUTO,
	SVQ_MODE_SHADOW,
	SVQ_MODE_PASSTHROUGH,
};

extern const char * const svq_mode_names[];
int svq_mode_parse(const char *buf, enum svq_mode *mode);

/**
 * struct svq_stats - per upper device counters, shown in sysfs
 * @kicks: guest kicks forwarded or relayed
 * @interrupts: device interrupts forwarded or relayed to the driver
 * @relayed_descs: descriptors moved through the shadow rings
 * @pages_logged: bits set in the dirty log
 * @errors: guest ring violations and failed lower-device calls
 */
struct svq_stats {
	atomic64_t kicks;
	atomic64_t interrupts;
	atomic64_t relayed_descs;
	atomic64_t pages_logged;
	atomic64_t errors;
};

struct svq_dev;

/**
 * struct svq_vq - per virtqueue state of an upper device
 * @svq: the upper device
 * @idx: virtqueue index
 * @cb_lock: protects @cb against set_vq_cb() racing with the callback
 * @cb: the upper driver's callback (vhost-vdpa or virtio_vdpa)
 */
struct svq_vq {
	struct svq_dev *svq;
	u16 idx;
	spinlock_t cb_lock;	/* protects cb */
	struct vdpa_callback cb;
};

/**
 * struct svq_lower - a claimed lower vDPA device and its management device
 * @vdev: the lower device, NULL once removed
 * @name: the lower device's name
 * @mgmt_dev: stands for the lower device in the vdpa core's management
 *	      device list ("vdpa/<name>"): never registered, it only carries
 *	      the bus and device names, so that it outlives @vdev safely
 * @id_table: the device class of the lower device
 * @mgmt: the "vdpa/<lower>" management device
 * @mgmt_registered: @mgmt is on the vdpa core's list
 * @register_work: registers @mgmt outside the probe path
 * @unregister_work: unregisters @mgmt (and so the upper) after removal
 * @lock: protects @upper and @removed
 * @upper: the upper device stacked on this one, if any
 * @removed: the lower device has been unbound; nothing may use it
 * @node: entry in the module's list of claimed devices
 */
struct svq_lower {
	struct vdpa_device *vdev;
	char name[32];
	struct device mgmt_dev;
	struct virtio_device_id id_table[2];
	struct vdpa_mgmt_dev mgmt;
	bool mgmt_registered;
	struct work_struct register_work;
	struct work_struct unregister_work;
	struct mutex lock;	/* protects upper and removed */
	struct svq_dev *upper;
	bool removed;
	struct list_head node;
};

/**
 * struct svq_dev - an upper vDPA device
 * @vdpa: the vDPA device registered on the bus (must be first)
 * @ops: this device's ops table: the template minus the optional ops the
 *	 lower device lacks, so that vhost-vdpa offers the same features
 * @lower: the lower device, NULL once it is gone; read under svq_srcu
 * @lower_name: the lower device's name, kept for sysfs after removal
 * @owner: the claim record of the lower device
 * @mode: configured relay mode
 * @shadow: true while the virtqueues are relayed through shadow rings
 * @device_features: features offered to the driver
 * @nvqs: number of virtqueues
 * @vqs: per virtqueue state
 * @stats: counters
 */
struct svq_dev {
	struct vdpa_device vdpa;
	struct vdpa_config_ops ops;
	struct vdpa_device __rcu *lower;
	char lower_name[32];
	struct svq_lower *owner;
	enum svq_mode mode;
	bool shadow;
	u64 device_features;
	u16 nvqs;
	struct svq_vq *vqs;
	struct svq_stats stats;
};

extern struct srcu_struct svq_srcu;
extern enum svq_mode svq_default_mode;

static inline struct svq_dev *vdpa_to_svq(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct svq_dev, vdpa);
}

const struct vdpa_config_ops *svq_ops_template_get(void);
int svq_ops_init(struct svq_dev *svq, struct vdpa_device *lower);
u64 svq_features_offered(struct vdpa_device *lower);
void svq_detach_lower(struct svq_dev *svq);

void svq_mgmt_init(struct svq_lower *sl);
void svq_upper_remove(struct svq_lower *sl);
extern struct device *svq_root_dev;

extern const struct attribute_group *svq_dev_groups[];

#endif /* _SVQ_DEV_H */
