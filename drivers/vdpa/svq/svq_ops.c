// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the upper device's vdpa_config_ops.
 *
 * The ops that only forward are the lower device's file's (svq_lower.c,
 * svq_fwd_*()); a virtqueue's ops are its life cycle's (svq_vq.c); this
 * file has the device ops that do more than forward (status, reset, the
 * mappings, dirty logging), the ops tables and an upper device's setup.
 *
 * The tables are static and const, one per combination of the optional
 * ops whose mere presence an upper driver acts on (svq_lower_caps()):
 * vhost-vdpa maps through dma_map when it exists and through set_map
 * otherwise, offers VHOST_BACKEND_F_SUSPEND with suspend, keeps mappings
 * across a reset with reset_map, and offers VHOST_BACKEND_F_DESC_ASID with
 * get_vq_desc_group. The upper device has these exactly when the lower
 * device does. Every other op is always offered: it forwards, or answers
 * as the vdpa core or vhost-vdpa would for a parent that lacks it. No
 * table offers get_vq_notification or get_vq_irq (they would let the
 * guest bypass a shadow switch), kick_vq_with_data (it would bypass the
 * relay), or bind_mm/unbind_mm (use_va parents are refused).
 */

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vhost_vdpa.h>
#include <linux/virtio_config.h>

#include "svq_compat.h"
#include "svq_dirty.h"
#include "svq_iotlb.h"
#include "svq_lower.h"
#include "svq_ops.h"
#include "svq_relay.h"
#include "svq_vq.h"
#include "svq_window.h"

/*
 * Features the upper device never offers: the relay handles split rings
 * only, completes out of order, and has no use for notification data or
 * per-ring reset (see Documentation).
 */
#define SVQ_FEATURES_MASKED	(BIT_ULL(VIRTIO_F_RING_PACKED) | BIT_ULL(VIRTIO_F_IN_ORDER) | \
				 BIT_ULL(VIRTIO_F_NOTIFICATION_DATA) | \
				 BIT_ULL(VIRTIO_F_RING_RESET))

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
 * svq_set_config_cb() - vdpa_config_ops.set_config_cb, forwarded
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
	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		svq_lower_set_config_cb(lower, cb);
	svq_lower_unlock(srcu);
}

/**
 * svq_get_status() - vdpa_config_ops.get_status, forwarded
 * @vdev: the upper device
 *
 * Return: the lower device's status, with NEEDS_RESET added once a
 * virtqueue broke; NEEDS_RESET alone once the lower device is detached.
 */
static u8 svq_get_status(struct vdpa_device *vdev)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	u8 ret = VIRTIO_CONFIG_S_NEEDS_RESET;
	struct vdpa_device *lower;
	int srcu;

	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		ret = svq_lower_get_status(lower);
	svq_lower_unlock(srcu);
	if (READ_ONCE(svq->needs_reset))
		ret |= VIRTIO_CONFIG_S_NEEDS_RESET;
	return ret;
}

/**
 * svq_set_status() - vdpa_config_ops.set_status, forwarded
 * @vdev: the upper device
 * @status: device status
 *
 * When DRIVER_OK is set, the shadow rings are filled first (receive
 * buffers before any transmit kick, svq_vq_fill_all()), then every ready
 * virtqueue is kicked once: buffers the driver made available before (a
 * guest migrated with a frame in flight) are processed without waiting for
 * the driver's next notification.
 */
static void svq_set_status(struct vdpa_device *vdev, u8 status)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	bool started = false;
	int srcu;
	u16 i;

	lower = svq_lower_lock(svq, &srcu);
	if (lower) {
		started = !(svq_lower_get_status(lower) & VIRTIO_CONFIG_S_DRIVER_OK) &&
			  (status & VIRTIO_CONFIG_S_DRIVER_OK);
		if (started)
			svq_vq_fill_all(svq);
		svq_lower_set_status(lower, status);
		for (i = 0; started && i < svq->nvqs; i++)
			if (svq_lower_get_vq_ready(lower, i))
				svq_vq_kick(vdev, i);
	}
	svq_lower_unlock(srcu);
}

/*
 * A reset of the lower device, then of the upper device's state: shadowed
 * virtqueues stop (what the lower device completed relayed and logged),
 * logging stops, and with VDPA_RESET_F_CLEAN_MAP the copies of the
 * driver's mappings go too, and so does a lower device's IOMMU domain.
 */
static int svq_do_reset(struct svq_dev *svq, u32 flags)
{
	struct vdpa_device *lower;
	int ret = 0, srcu;
	unsigned int i;

	mutex_lock(&svq->switch_lock);
	lower = svq_lower_lock(svq, &srcu);
	if (lower) {
		ret = svq_lower_reset(lower, flags);
		svq_vq_stop_all(svq, lower);
	}
	svq_lower_unlock(srcu);
	WRITE_ONCE(svq->logging, false);
	svq_log_drop(svq);
	mutex_unlock(&svq->switch_lock);
	if (flags & VDPA_RESET_F_CLEAN_MAP) {
		for (i = 0; i < svq->nas; i++)
			svq_iotlb_forget(svq, i);
		/* and from a lower device's IOMMU domain, as a parent's would */
		svq_lower_domain_release(svq);
	}
	WRITE_ONCE(svq->needs_reset, false);
	return ret;
}

/**
 * svq_reset() - vdpa_config_ops.reset
 * @vdev: the upper device
 *
 * Return: what the lower device returns, or 0 once it is detached.
 */
static int svq_reset(struct vdpa_device *vdev)
{
	return svq_do_reset(vdpa_to_svq(vdev), 0);
}

/**
 * svq_compat_reset() - vdpa_config_ops.compat_reset (since 6.7)
 * @vdev: the upper device
 * @flags: reset flags (VDPA_RESET_F_CLEAN_MAP)
 *
 * Return: what the lower device returns, or 0 once it is detached.
 */
static int __maybe_unused svq_compat_reset(struct vdpa_device *vdev, u32 flags)
{
	return svq_do_reset(vdpa_to_svq(vdev), flags);
}

/**
 * svq_set_group_asid() - vdpa_config_ops.set_group_asid, forwarded
 * @vdev: the upper device
 * @group: virtqueue group
 * @asid: address space
 *
 * The group's address space is kept: shadow rings are mapped there.
 *
 * Return: what the lower device returns, -EOPNOTSUPP without the op, or
 * -ENODEV once it is detached.
 */
static int svq_set_group_asid(struct vdpa_device *vdev, unsigned int group,
			      unsigned int asid)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(svq, &srcu);
	if (lower) {
		ret = svq_lower_set_group_asid(lower, group, asid);
		if (!ret && group < lower->ngroups && asid < svq->nas)
			svq->group_asid[group] = asid;
	}
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_set_map() - vdpa_config_ops.set_map: the driver's whole mappings
 * @vdev: the upper device
 * @asid: address space
 * @iotlb: the driver's mappings, copied and forwarded (plus shadow rings)
 *
 * Return: 0 or a negative errno, from the copy or the lower device.
 */
static int svq_set_map(struct vdpa_device *vdev, unsigned int asid, struct vhost_iotlb *iotlb)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		ret = svq_iotlb_set_map(svq, lower, asid, iotlb);
	svq_lower_unlock(srcu);
	if (!ret)
		svq_log_grow(svq);
	return ret;
}

/**
 * svq_dma_map() - vdpa_config_ops.dma_map: the driver adds a mapping
 * @vdev: the upper device
 * @asid: address space
 * @iova: first IOVA
 * @size: bytes
 * @pa: physical address (PA mode)
 * @perm: VHOST_MAP_RO, _WO or _RW
 * @opaque: passed to the lower device
 *
 * Return: 0 or a negative errno.
 */
static int svq_dma_map(struct vdpa_device *vdev, unsigned int asid, u64 iova, u64 size,
		       u64 pa, u32 perm, void *opaque)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		ret = svq_iotlb_dma_map(svq, lower, asid, iova, size, pa, perm, opaque);
	svq_lower_unlock(srcu);
	if (!ret)
		svq_log_grow(svq);
	return ret;
}

/**
 * svq_dma_unmap() - vdpa_config_ops.dma_unmap: the driver removes mappings
 * @vdev: the upper device
 * @asid: address space
 * @iova: first IOVA
 * @size: bytes
 *
 * Return: what the lower device returns, -ENODEV without one.
 */
static int svq_dma_unmap(struct vdpa_device *vdev, unsigned int asid, u64 iova, u64 size)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		ret = svq_iotlb_dma_unmap(svq, lower, asid, iova, size);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_reset_map() - vdpa_config_ops.reset_map: back to the default mapping
 * (since 6.7)
 * @vdev: the upper device
 * @asid: address space
 *
 * Return: what the lower device returns, -ENODEV without one.
 */
static int __maybe_unused svq_reset_map(struct vdpa_device *vdev, unsigned int asid)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	svq_iotlb_forget(svq, asid);
	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		ret = svq_lower_reset_map(lower, asid);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_iova_range() - vdpa_config_ops.get_iova_range
 * @vdev: the upper device
 *
 * Return: the lower device's range minus the shadow ring window.
 */
static struct vdpa_iova_range svq_get_iova_range(struct vdpa_device *vdev)
{
	return vdpa_to_svq(vdev)->range;
}

/**
 * svq_set_log_base() - vhost_vdpa_log_ops.set_log_base
 * @vdev: the upper device
 * @uaddr: the VMM's bitmap, 8-byte aligned
 *
 * Context: the vhost owner's, process (pins its memory).
 * Return: see svq_log_set_base().
 */
static int svq_set_log_base(struct vdpa_device *vdev, u64 uaddr)
{
	return svq_log_set_base(vdpa_to_svq(vdev), uaddr);
}

/**
 * svq_set_log() - vhost_vdpa_log_ops.set_log: VHOST_F_LOG_ALL on or off
 * @vdev: the upper device
 * @enable: start or stop logging
 *
 * In auto mode a running device switches to shadow virtqueues (and back);
 * a device not yet running starts shadowed. Lower devices that cannot
 * suspend make auto mode shadow from device start instead, said once in
 * the kernel log. A switch to shadow that fails leaves the device in
 * passthrough and logging off.
 *
 * Context: process.
 * Return: 0, or the error of a failed switch.
 */
static int svq_set_log(struct vdpa_device *vdev, bool enable)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = 0, srcu;

	mutex_lock(&svq->switch_lock);
	if (enable == svq->logging)
		goto out;
	WRITE_ONCE(svq->logging, enable);
	lower = svq_lower_lock(svq, &srcu);
	if (lower && READ_ONCE(svq->mode) == SVQ_MODE_AUTO &&
	    (svq_lower_get_status(lower) & VIRTIO_CONFIG_S_DRIVER_OK)) {
		if (!svq_lower_can_suspend(lower)) {
			if (enable)
				dev_warn_once(&vdev->dev, "lower device cannot suspend: auto mode shadows from the next device start\n");
		} else {
			ret = svq_vq_switch_all(svq, lower, enable);
		}
	}
	svq_lower_unlock(srcu);
	if (ret && enable)
		WRITE_ONCE(svq->logging, false);
	if (!enable)
		svq_log_drop(svq);
out:
	mutex_unlock(&svq->switch_lock);
	return ret;
}

/* Registered with vhost-vdpa for every upper device (svq_dev_init()). */
static const struct vhost_vdpa_log_ops svq_log_ops = {
	.set_log_base	= svq_set_log_base,
	.set_log	= svq_set_log,
};

/* The last reference to the upper device is gone. */
static void svq_free(struct vdpa_device *vdev)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);

	vhost_vdpa_unregister_log_ops(vdev);
	/* reset stopped every shadow ring; the lower device is gone */
	if (svq->vqs)
		svq_vq_stop_all(svq, NULL);
	cancel_work_sync(&svq->config_work);
	svq_log_destroy(svq);
	/* released when the lower device went; a reference holds its device */
	svq_lower_domain_release(svq);
	svq_window_destroy(svq);
	svq_iotlb_destroy(svq);
	kfree(svq->vqs);
	free_percpu(svq->stats.pcpu);
	mutex_destroy(&svq->map_lock);
	mutex_destroy(&svq->switch_lock);
	/* taken in svq_dev_add(): rmmod waits for every upper device */
	module_put(THIS_MODULE);
}

/* Ops every table has that vdpa_config_ops has since 6.3, 6.7, 6.10 */
#define SVQ_OPS_6_3							\
	.set_vq_affinity	= svq_fwd_set_vq_affinity,		\
	.get_vq_affinity	= svq_fwd_get_vq_affinity,		\
	.get_vq_dma_dev		= svq_fwd_get_vq_dma_dev
#define SVQ_OPS_6_7							\
	.get_backend_features	= svq_fwd_get_backend_features,		\
	.compat_reset		= svq_compat_reset
#define SVQ_OPS_6_10							\
	.get_vq_size		= svq_fwd_get_vq_size

/*
 * The ops every table has; those newer than 6.1 only on the kernels that
 * have them (svq_compat.h).
 */
#define SVQ_OPS_COMMON							\
	.set_vq_address		= svq_vq_set_address,			\
	.set_vq_num		= svq_vq_set_num,			\
	.kick_vq		= svq_vq_kick,				\
	.set_vq_cb		= svq_vq_set_cb,			\
	.set_vq_ready		= svq_vq_set_ready,			\
	.get_vq_ready		= svq_fwd_get_vq_ready,			\
	.set_vq_state		= svq_vq_set_state,			\
	.get_vq_state		= svq_vq_get_state,			\
	.get_vendor_vq_stats	= svq_fwd_get_vendor_vq_stats,		\
	.get_vq_align		= svq_fwd_get_vq_align,			\
	.get_vq_group		= svq_fwd_get_vq_group,			\
	.get_device_features	= svq_get_device_features,		\
	.set_driver_features	= svq_fwd_set_driver_features,		\
	.get_driver_features	= svq_fwd_get_driver_features,		\
	.set_config_cb		= svq_set_config_cb,			\
	.get_vq_num_max		= svq_fwd_get_vq_num_max,		\
	.get_vq_num_min		= svq_fwd_get_vq_num_min,		\
	.get_device_id		= svq_fwd_get_device_id,		\
	.get_vendor_id		= svq_fwd_get_vendor_id,		\
	.get_status		= svq_get_status,			\
	.set_status		= svq_set_status,			\
	.reset			= svq_reset,				\
	.get_config_size	= svq_fwd_get_config_size,		\
	.get_config		= svq_fwd_get_config,			\
	.set_config		= svq_fwd_set_config,			\
	.get_generation		= svq_fwd_get_generation,		\
	.get_iova_range		= svq_get_iova_range,			\
	.set_group_asid		= svq_set_group_asid,			\
	.free			= svq_free				\
	SVQ_VDPA_6_3_OPS(, SVQ_OPS_6_3)					\
	SVQ_VDPA_6_7_OPS(, SVQ_OPS_6_7)					\
	SVQ_VDPA_6_10_OPS(, SVQ_OPS_6_10)

/* The optional ops, each group offered when the lower device has it. */
#define SVQ_OPS_SET_MAP		.set_map = svq_set_map
#define SVQ_OPS_DMA_MAP		.dma_map = svq_dma_map, .dma_unmap = svq_dma_unmap
#define SVQ_OPS_SUSPEND		.suspend = svq_fwd_suspend			\
				SVQ_VDPA_6_3_OPS(, .resume = svq_fwd_resume)
#define SVQ_OPS_RESET_MAP	.reset_map = svq_reset_map
#define SVQ_OPS_DESC_GROUP	.get_vq_desc_group = svq_fwd_get_vq_desc_group

#define DMA	SVQ_CAP_DMA_MAP
#define SUSP	SVQ_CAP_SUSPEND
#define RMAP	SVQ_CAP_RESET_MAP
#define DGRP	SVQ_CAP_DESC_GROUP

/* The tables with reset_map or get_vq_desc_group: since 6.7 (svq_lower_caps()) */
#define SVQ_OPS_TABLES_6_7	\
	[RMAP] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP, SVQ_OPS_RESET_MAP }, \
	[DMA | RMAP] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP, SVQ_OPS_RESET_MAP }, \
	[SUSP | RMAP] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP, SVQ_OPS_SUSPEND, SVQ_OPS_RESET_MAP }, \
	[DMA | SUSP | RMAP] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP, SVQ_OPS_SUSPEND, \
				SVQ_OPS_RESET_MAP }, \
	[DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP, SVQ_OPS_DESC_GROUP }, \
	[DMA | DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP, SVQ_OPS_DESC_GROUP }, \
	[SUSP | DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP, SVQ_OPS_SUSPEND, SVQ_OPS_DESC_GROUP }, \
	[DMA | SUSP | DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP, SVQ_OPS_SUSPEND, \
				SVQ_OPS_DESC_GROUP }, \
	[RMAP | DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP, SVQ_OPS_RESET_MAP, \
			  SVQ_OPS_DESC_GROUP }, \
	[DMA | RMAP | DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP, SVQ_OPS_RESET_MAP, \
				SVQ_OPS_DESC_GROUP }, \
	[SUSP | RMAP | DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP, SVQ_OPS_SUSPEND, \
				 SVQ_OPS_RESET_MAP, SVQ_OPS_DESC_GROUP }, \
	[DMA | SUSP | RMAP | DGRP] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP, SVQ_OPS_SUSPEND, \
				       SVQ_OPS_RESET_MAP, SVQ_OPS_DESC_GROUP },

static const struct vdpa_config_ops svq_ops[SVQ_CAP_COMBINATIONS] = {
	[0] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP },
	[DMA] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP },
	[SUSP] = { SVQ_OPS_COMMON, SVQ_OPS_SET_MAP, SVQ_OPS_SUSPEND },
	[DMA | SUSP] = { SVQ_OPS_COMMON, SVQ_OPS_DMA_MAP, SVQ_OPS_SUSPEND },
	SVQ_VDPA_6_7_OPS(SVQ_OPS_TABLES_6_7)
};

#undef DMA
#undef SUSP
#undef RMAP
#undef DGRP

/**
 * svq_ops_for() - the ops table of an upper device on @lower
 * @lower: the lower device
 *
 * Return: the table whose optional ops are those of @lower.
 */
const struct vdpa_config_ops *svq_ops_for(struct vdpa_device *lower)
{
	return &svq_ops[svq_lower_caps(lower)];
}

/**
 * svq_dev_init() - set up an allocated upper device over @lower
 * @svq: the upper device, allocated with svq_ops_for(@lower)
 * @lower: the lower device
 *
 * Sets up its per-vq state and address spaces, offers dirty page logging
 * to vhost-vdpa (vhost_vdpa_register_log_ops(), before the device is
 * registered on the vdpa bus) and attaches @lower.
 *
 * Return: 0 or -ENOMEM.
 */
int svq_dev_init(struct svq_dev *svq, struct vdpa_device *lower)
{
	unsigned int i;
	int ret;

	mutex_init(&svq->map_lock);
	mutex_init(&svq->switch_lock);
	svq_relay_dev_init(svq);
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
	svq_window_init(svq, lower);
	svq->device_features &= svq_features_offered(lower);
	/* undone by svq_free(), also when registering the device fails */
	ret = vhost_vdpa_register_log_ops(&svq->vdpa, &svq_log_ops);
	if (ret)
		return ret;
	svq_lower_attach(svq, lower);
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
	return svq_lower_device_features(lower) & ~SVQ_FEATURES_MASKED;
}
