// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the upper device's vdpa_config_ops.
 *
 * In passthrough every op is forwarded to the lower device. The lower
 * device is read under SRCU: once it is removed (svq_detach_lower()) the
 * ops fail or report a reset device, and nothing reaches the lower one.
 * Ops callable from atomic context (kick_vq, the vq callbacks) only take
 * the SRCU read lock and a spinlock.
 */

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "svq_dev.h"

/*
 * Features the upper device never offers: the relay handles split rings
 * only, completes out of order, and has no use for notification data or
 * per-ring reset (see Documentation).
 */
#define SVQ_FEATURES_MASKED	(BIT_ULL(VIRTIO_F_RING_PACKED) | BIT_ULL(VIRTIO_F_IN_ORDER) | \
				 BIT_ULL(VIRTIO_F_NOTIFICATION_DATA) | \
				 BIT_ULL(VIRTIO_F_RING_RESET))

/**
 * svq_lower_lock() - the lower device of an upper device, for one call
 * @vdev: the upper device
 * @srcu_idx: for svq_lower_unlock()
 *
 * Context: any; pair with svq_lower_unlock().
 * Return: the lower device, or NULL once it is removed.
 */
struct vdpa_device *svq_lower_lock(struct vdpa_device *vdev, int *srcu_idx)
	__acquires(&svq_srcu)
{
	*srcu_idx = srcu_read_lock(&svq_srcu);
	return srcu_dereference(vdpa_to_svq(vdev)->lower, &svq_srcu);
}

/**
 * svq_lower_unlock() - end of the call started by svq_lower_lock()
 * @srcu_idx: what svq_lower_lock() returned in it
 */
void svq_lower_unlock(int srcu_idx)
	__releases(&svq_srcu)
{
	srcu_read_unlock(&svq_srcu, srcu_idx);
}

/**
 * svq_get_vq_align() - vdpa_config_ops.get_vq_align, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or PAGE_SIZE once it is removed.
 */
static u32 svq_get_vq_align(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = PAGE_SIZE;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_align(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_device_features() - vdpa_config_ops.get_device_features
 * @vdev: the upper device
 *
 * Return: the upper device's features, fixed when it was created: the
 * lower device's minus what the relay does not support
 * (svq_features_offered()), or those given to ``vdpa dev add``.
 */
static u64 svq_get_device_features(struct vdpa_device *vdev)
{
	return vdpa_to_svq(vdev)->device_features;
}

/**
 * svq_get_backend_features() - vdpa_config_ops.get_backend_features, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static u64 svq_get_backend_features(const struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u64 ret = 0;
	int srcu;

	/* the op takes a const device, which svq_lower_lock() only reads */
	lower = svq_lower_lock((struct vdpa_device *)vdev, &srcu);
	if (lower)
		ret = lower->config->get_backend_features(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_set_driver_features() - vdpa_config_ops.set_driver_features, forwarded to the lower device
 * @vdev: the upper device
 * @features: features the driver accepts
 *
 * Return: what the lower device returns, or -ENODEV once it is removed.
 */
static int svq_set_driver_features(struct vdpa_device *vdev, u64 features)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->set_driver_features(lower, features &
							 svq->device_features);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_driver_features() - vdpa_config_ops.get_driver_features, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static u64 svq_get_driver_features(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u64 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_driver_features(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_set_config_cb() - vdpa_config_ops.set_config_cb, forwarded to the lower device
 * @vdev: the upper device
 * @cb: callback
 *
 * Also kept: a broken virtqueue (NEEDS_RESET) notifies the driver with it.
 */
static void svq_set_config_cb(struct vdpa_device *vdev, struct vdpa_callback *cb)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	unsigned long flags;
	int srcu;

	spin_lock_irqsave(&svq->config_cb_lock, flags);
	svq->config_cb.callback = cb->callback;
	svq->config_cb.private = cb->private;
	spin_unlock_irqrestore(&svq->config_cb_lock, flags);
	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		lower->config->set_config_cb(lower, cb);
	svq_lower_unlock(srcu);
}

/**
 * svq_get_vq_num_max() - vdpa_config_ops.get_vq_num_max, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static u16 svq_get_vq_num_max(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u16 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_num_max(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vq_num_min() - vdpa_config_ops.get_vq_num_min, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns; without one (removed), 1: above
 * svq_get_vq_num_max()'s 0, so that vdpa_dev_probe() refuses the device.
 */
static u16 svq_get_vq_num_min(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u16 ret = 1;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_num_min(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_device_id() - vdpa_config_ops.get_device_id, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static u32 svq_get_device_id(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_device_id(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vendor_id() - vdpa_config_ops.get_vendor_id, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static u32 svq_get_vendor_id(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vendor_id(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_status() - vdpa_config_ops.get_status, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, with NEEDS_RESET added once a
 * virtqueue broke; NEEDS_RESET alone once the lower device is removed.
 */
static u8 svq_get_status(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u8 ret = VIRTIO_CONFIG_S_NEEDS_RESET;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_status(lower);
	svq_lower_unlock(srcu);
	if (READ_ONCE(vdpa_to_svq(vdev)->needs_reset))
		ret |= VIRTIO_CONFIG_S_NEEDS_RESET;
	return ret;
}

/**
 * svq_set_status() - vdpa_config_ops.set_status, forwarded to the lower device
 * @vdev: the upper device
 * @status: device status
 *
 * When DRIVER_OK is set, every ready virtqueue is kicked once: buffers the
 * driver made available before (a guest migrated with a frame in flight)
 * are processed without waiting for the driver's next notification.
 */
static void svq_set_status(struct vdpa_device *vdev, u8 status)
{
	struct vdpa_device *lower;
	bool started = false;
	int srcu;
	u16 i;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower) {
		started = !(lower->config->get_status(lower) & VIRTIO_CONFIG_S_DRIVER_OK) &&
			  (status & VIRTIO_CONFIG_S_DRIVER_OK);
		lower->config->set_status(lower, status);
		for (i = 0; started && i < vdpa_to_svq(vdev)->nvqs; i++)
			if (lower->config->get_vq_ready(lower, i))
				svq_vq_kick(vdev, i);
	}
	svq_lower_unlock(srcu);
}

/**
 * svq_reset() - vdpa_config_ops.reset, forwarded to the lower device
 * @vdev: the upper device
 *
 * Shadowed virtqueues stop after the lower device's reset, with what it
 * completed relayed and logged; then logging stops.
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static int svq_reset(struct vdpa_device *vdev)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = 0, srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower) {
		ret = lower->config->reset(lower);
		svq_vq_stop_all(svq, lower);
	}
	svq_lower_unlock(srcu);
	svq_log_stop(svq);
	WRITE_ONCE(svq->needs_reset, false);
	return ret;
}

/**
 * svq_compat_reset() - vdpa_config_ops.compat_reset, forwarded to the lower device
 * @vdev: the upper device
 * @flags: reset flags
 *
 * As svq_reset(); with VDPA_RESET_F_CLEAN_MAP the copies of the driver's
 * mappings are dropped too.
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static int svq_compat_reset(struct vdpa_device *vdev, u32 flags)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = 0, srcu;
	unsigned int i;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower) {
		ret = lower->config->compat_reset(lower, flags);
		svq_vq_stop_all(svq, lower);
	}
	svq_lower_unlock(srcu);
	svq_log_stop(svq);
	if (flags & VDPA_RESET_F_CLEAN_MAP)
		for (i = 0; i < svq->nas; i++)
			svq_iotlb_forget(svq, i);
	WRITE_ONCE(svq->needs_reset, false);
	return ret;
}

/**
 * svq_suspend() - vdpa_config_ops.suspend, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or -ENODEV once it is removed.
 */
static int svq_suspend(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->suspend(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_resume() - vdpa_config_ops.resume, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or -ENODEV once it is removed.
 */
static int svq_resume(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->resume(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_config_size() - vdpa_config_ops.get_config_size, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static size_t svq_get_config_size(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	size_t ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_config_size(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_config() - vdpa_config_ops.get_config, forwarded to the lower device
 * @vdev: the upper device
 * @offset: offset in the config space
 * @buf: buffer
 * @len: bytes
 */
static void svq_get_config(struct vdpa_device *vdev, unsigned int offset,
			   void *buf, unsigned int len)
{
	struct vdpa_device *lower;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		lower->config->get_config(lower, offset, buf, len);
	else
		memset(buf, 0, len);
	svq_lower_unlock(srcu);
}

/**
 * svq_set_config() - vdpa_config_ops.set_config, forwarded to the lower device
 * @vdev: the upper device
 * @offset: offset in the config space
 * @buf: buffer
 * @len: bytes
 */
static void svq_set_config(struct vdpa_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len)
{
	struct vdpa_device *lower;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		lower->config->set_config(lower, offset, buf, len);
	svq_lower_unlock(srcu);
}

/**
 * svq_get_generation() - vdpa_config_ops.get_generation, forwarded to the lower device
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
static u32 svq_get_generation(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_generation(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_set_group_asid() - vdpa_config_ops.set_group_asid, forwarded to the lower device
 * @vdev: the upper device
 * @group: virtqueue group
 * @asid: address space
 *
 * The group's address space is kept: shadow rings are mapped there.
 *
 * Return: what the lower device returns, or -ENODEV once it is removed.
 */
static int svq_set_group_asid(struct vdpa_device *vdev, unsigned int group,
			      unsigned int asid)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower) {
		ret = lower->config->set_group_asid(lower, group, asid);
		if (!ret && group < lower->ngroups && asid < svq->nas)
			svq->group_asid[group] = asid;
	}
	svq_lower_unlock(srcu);
	return ret;
}

/*
 * NEEDS_RESET: tell the driver with a config change notification, from
 * process context (a relay pass can run inside an eventfd wakeup, where
 * another eventfd may not be signalled).
 */
static void svq_config_notify_work(struct work_struct *work)
{
	struct svq_dev *svq = container_of(work, struct svq_dev, config_work);
	struct vdpa_callback cb;
	unsigned long flags;

	spin_lock_irqsave(&svq->config_cb_lock, flags);
	cb = svq->config_cb;
	spin_unlock_irqrestore(&svq->config_cb_lock, flags);
	if (cb.callback)
		cb.callback(cb.private);
}

/* The last reference to the upper device is gone. */
static void svq_free(struct vdpa_device *vdev)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);

	/* reset stopped every shadow ring; the lower device is gone */
	if (svq->vqs)
		svq_vq_stop_all(svq, NULL);
	cancel_work_sync(&svq->config_work);
	svq_log_destroy(svq);
	svq_iotlb_destroy(svq);
	kfree(svq->vqs);
	free_percpu(svq->stats.pcpu);
	mutex_destroy(&svq->map_lock);
	/* taken in svq_dev_add(): rmmod waits for every upper device */
	module_put(THIS_MODULE);
}

/*
 * The template: every op. svq_ops_init() copies it and clears the
 * optional ops the lower device lacks. get_vq_notification, get_vq_irq and
 * kick_vq_with_data are never offered (they would let the guest bypass a
 * shadow switch or the relay), nor
 * bind_mm/unbind_mm (use_va parents are refused).
 */
static const struct vdpa_config_ops svq_ops_template = {
	.set_vq_address		= svq_vq_set_address,
	.set_vq_num		= svq_vq_set_num,
	.kick_vq		= svq_vq_kick,
	.set_vq_cb		= svq_vq_set_cb,
	.set_vq_ready		= svq_vq_set_ready,
	.get_vq_ready		= svq_get_vq_ready,
	.set_vq_state		= svq_vq_set_state,
	.get_vq_state		= svq_vq_get_state,
	.get_vendor_vq_stats	= svq_get_vendor_vq_stats,
	.get_vq_size		= svq_get_vq_size,
	.get_vq_align		= svq_get_vq_align,
	.get_vq_group		= svq_get_vq_group,
	.get_vq_desc_group	= svq_get_vq_desc_group,
	.get_device_features	= svq_get_device_features,
	.get_backend_features	= svq_get_backend_features,
	.set_driver_features	= svq_set_driver_features,
	.get_driver_features	= svq_get_driver_features,
	.set_config_cb		= svq_set_config_cb,
	.get_vq_num_max		= svq_get_vq_num_max,
	.get_vq_num_min		= svq_get_vq_num_min,
	.get_device_id		= svq_get_device_id,
	.get_vendor_id		= svq_get_vendor_id,
	.get_status		= svq_get_status,
	.set_status		= svq_set_status,
	.reset			= svq_reset,
	.compat_reset		= svq_compat_reset,
	.suspend		= svq_suspend,
	.resume			= svq_resume,
	.get_config_size	= svq_get_config_size,
	.get_config		= svq_get_config,
	.set_config		= svq_set_config,
	.get_generation		= svq_get_generation,
	.get_iova_range		= svq_get_iova_range,
	.set_vq_affinity	= svq_set_vq_affinity,
	.get_vq_affinity	= svq_get_vq_affinity,
	.set_map		= svq_set_map,
	.dma_map		= svq_dma_map,
	.dma_unmap		= svq_dma_unmap,
	.reset_map		= svq_reset_map,
	.set_group_asid		= svq_set_group_asid,
	.get_vq_dma_dev		= svq_get_vq_dma_dev,
	.set_log_base		= svq_set_log_base,
	.set_log		= svq_set_log,
	.free			= svq_free,
};

/**
 * svq_ops_template_get() - the ops table to allocate an upper device with
 *
 * Return: the template; svq_ops_init() installs the device's own copy.
 */
const struct vdpa_config_ops *svq_ops_template_get(void)
{
	return &svq_ops_template;
}

/* Optional ops: offered only when the lower device implements them. */
static const size_t svq_optional_ops[] = {
	offsetof(struct vdpa_config_ops, get_vendor_vq_stats),
	offsetof(struct vdpa_config_ops, get_vq_size),
	offsetof(struct vdpa_config_ops, get_vq_group),
	offsetof(struct vdpa_config_ops, get_vq_desc_group),
	offsetof(struct vdpa_config_ops, get_backend_features),
	offsetof(struct vdpa_config_ops, get_vq_num_min),
	offsetof(struct vdpa_config_ops, compat_reset),
	offsetof(struct vdpa_config_ops, suspend),
	offsetof(struct vdpa_config_ops, resume),
	offsetof(struct vdpa_config_ops, get_generation),
	offsetof(struct vdpa_config_ops, set_vq_affinity),
	offsetof(struct vdpa_config_ops, get_vq_affinity),
	offsetof(struct vdpa_config_ops, set_map),
	offsetof(struct vdpa_config_ops, dma_map),
	offsetof(struct vdpa_config_ops, dma_unmap),
	offsetof(struct vdpa_config_ops, reset_map),
	offsetof(struct vdpa_config_ops, set_group_asid),
	offsetof(struct vdpa_config_ops, get_vq_dma_dev),
};

/**
 * svq_ops_init() - set up an allocated upper device over @lower
 * @svq: the upper device, allocated with svq_ops_template_get()
 * @lower: the lower device
 *
 * Installs the device's ops (the template minus the optional ops @lower
 * lacks) and its per-vq state, and attaches @lower.
 *
 * Return: 0 or -ENOMEM.
 */
int svq_ops_init(struct svq_dev *svq, struct vdpa_device *lower)
{
	const struct vdpa_config_ops *lops = lower->config;
	struct vdpa_config_ops *ops = &svq->ops;
	unsigned int i;
	int ret;

	*ops = svq_ops_template;
	for (i = 0; i < ARRAY_SIZE(svq_optional_ops); i++) {
		const void * const *theirs = (const void *)lops + svq_optional_ops[i];
		void **mine = (void *)ops + svq_optional_ops[i];

		if (!*theirs)
			*mine = NULL;
	}

	mutex_init(&svq->map_lock);
	spin_lock_init(&svq->config_cb_lock);
	INIT_WORK(&svq->config_work, svq_config_notify_work);
	svq_log_init(svq);
	svq->stats.pcpu = alloc_percpu(struct svq_pcpu_stats);
	svq->nvqs = lower->nvqs;
	svq->vqs = kcalloc(svq->nvqs, sizeof(*svq->vqs), GFP_KERNEL);
	if (!svq->stats.pcpu || !svq->vqs)
		return -ENOMEM;
	for (i = 0; i < svq->nvqs; i++)
		svq_vq_init(svq, &svq->vqs[i], i);
	ret = svq_iotlb_init(svq, lower);
	if (ret)
		return ret;
	svq->device_features &= lops->get_device_features(lower) &
				~SVQ_FEATURES_MASKED;
	svq->vdpa.config = ops;
	rcu_assign_pointer(svq->lower, lower);
	return 0;
}

/**
 * svq_features_offered() - what an upper device on @lower can offer
 * @lower: the lower device
 *
 * Return: the lower device's features minus those the module masks.
 */
u64 svq_features_offered(struct vdpa_device *lower)
{
	return lower->config->get_device_features(lower) & ~SVQ_FEATURES_MASKED;
}

/**
 * svq_detach_lower() - stop every use of the lower device
 * @svq: the upper device
 *
 * After return no op of @svq reaches the lower device any more: ops fail
 * with -ENODEV or report NEEDS_RESET. The lower device's callbacks may
 * still run until the caller resets it.
 *
 * Context: process context, may sleep.
 */
void svq_detach_lower(struct svq_dev *svq)
{
	rcu_assign_pointer(svq->lower, NULL);
	synchronize_srcu(&svq_srcu);
}
