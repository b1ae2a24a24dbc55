// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: virtqueue ops of an upper device.
 *
 * In passthrough the ops are forwarded. A shadowed virtqueue's kick and
 * the lower device's callback run relay passes (svq_relay.c).
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "svq_dev.h"
#include "svq_trace.h"

/**
 * svq_vq_init() - initialize the state of one virtqueue
 * @svq: the upper device
 * @vq: the virtqueue
 * @idx: its index
 */
void svq_vq_init(struct svq_dev *svq, struct svq_vq *vq, u16 idx)
{
	vq->svq = svq;
	vq->idx = idx;
	spin_lock_init(&vq->cb_lock);
	svq_vq_relay_init(vq);
}

/**
 * svq_vq_set_address() - vdpa_config_ops.set_vq_address
 * @vdev: the upper device
 * @idx: virtqueue index
 * @desc_area: IOVA of the descriptor table
 * @driver_area: IOVA of the available ring
 * @device_area: IOVA of the used ring
 *
 * The addresses are kept for the shadow ring and forwarded unless the
 * virtqueue is shadowed.
 *
 * Return: 0, or what the lower device returns.
 */
int svq_vq_set_address(struct vdpa_device *vdev, u16 idx, u64 desc_area,
		       u64 driver_area, u64 device_area)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	unsigned long flags;
	struct svq_vq *vq;
	int ret = -ENODEV, srcu;

	if (idx >= svq->nvqs)
		return -EINVAL;
	vq = &svq->vqs[idx];
	spin_lock_irqsave(&vq->ring_lock, flags);
	vq->guest_desc = desc_area;
	vq->guest_driver = driver_area;
	vq->guest_device = device_area;
	if (vq->shadow) {
		/* a suspended device's driver moved its ring */
		svq_ring_set_guest_addr(&vq->ring, desc_area, driver_area, device_area);
		vq->ring_mapped = false;
	}
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = vq->shadow ? 0 : lower->config->set_vq_address(lower, idx, desc_area,
								      driver_area, device_area);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_vq_set_num() - vdpa_config_ops.set_vq_num
 * @vdev: the upper device
 * @idx: virtqueue index
 * @num: ring size, kept and forwarded (the shadow ring has the same size)
 *
 * Resizing a shadowed ring breaks it: the device reports NEEDS_RESET.
 */
void svq_vq_set_num(struct vdpa_device *vdev, u16 idx, u32 num)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	unsigned long flags;
	bool broke = false;
	struct svq_vq *vq;
	int srcu;

	if (idx >= svq->nvqs)
		return;
	vq = &svq->vqs[idx];
	spin_lock_irqsave(&vq->ring_lock, flags);
	if (vq->shadow && num != vq->num) {
		/* the shadow ring has the old size: the ring cannot go on */
		svq_ring_break(&vq->ring, "ring resized while shadowed");
		broke = true;
	} else {
		vq->num = num;
	}
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	if (broke) {
		svq_vq_fail(vq);
		return;
	}
	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		lower->config->set_vq_num(lower, idx, num);
	svq_lower_unlock(srcu);
}

/**
 * svq_vq_kick() - vdpa_config_ops.kick_vq
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Context: atomic (vhost-vdpa calls it from the kick eventfd's wakeup).
 */
void svq_vq_kick(struct vdpa_device *vdev, u16 idx)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int srcu;

	if (idx >= svq->nvqs)
		return;
	this_cpu_inc(svq->stats.pcpu->kicks);
	lower = svq_lower_lock(vdev, &srcu);
	if (lower) {
		if (READ_ONCE(svq->vqs[idx].shadow))
			svq_vq_relay_dirs(&svq->vqs[idx], lower, SVQ_RELAY_AVAIL);
		else
			lower->config->kick_vq(lower, idx);
	}
	svq_lower_unlock(srcu);
}

/*
 * The lower device's vq callback. In passthrough: count and call the
 * upper driver's callback; shadowed: relay. Runs in whatever context the
 * lower device signals from (vdpa_sim: its worker with BHs off; hardware:
 * hard interrupt).
 */
static irqreturn_t svq_vq_cb(void *private)
{
	struct svq_vq *vq = private;
	struct vdpa_callback cb;
	unsigned long flags;

	if (READ_ONCE(vq->shadow)) {
		/* the lower device is looked up (SRCU) only if it must be kicked */
		svq_vq_relay_dirs(vq, NULL, SVQ_RELAY_USED);
		return IRQ_HANDLED;
	}
	spin_lock_irqsave(&vq->cb_lock, flags);
	cb = vq->cb;
	spin_unlock_irqrestore(&vq->cb_lock, flags);
	this_cpu_inc(vq->svq->stats.pcpu->interrupts);
	return cb.callback ? cb.callback(cb.private) : IRQ_HANDLED;
}

/**
 * svq_vq_set_cb() - vdpa_config_ops.set_vq_cb
 * @vdev: the upper device
 * @idx: virtqueue index
 * @cb: the driver's callback
 *
 * The lower device always calls svq_vq_cb(), never the driver's callback
 * or its eventfd (@cb->trigger): a switch to shadow mode must see every
 * interrupt.
 */
void svq_vq_set_cb(struct vdpa_device *vdev, u16 idx, struct vdpa_callback *cb)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_callback lower_cb = {};
	struct vdpa_device *lower;
	unsigned long flags;
	struct svq_vq *vq;
	int srcu;

	if (idx >= svq->nvqs)
		return;
	vq = &svq->vqs[idx];
	spin_lock_irqsave(&vq->cb_lock, flags);
	/* a relay pass reads it under the ring lock */
	spin_lock(&vq->ring_lock);
	vq->cb.callback = cb->callback;
	vq->cb.private = cb->private;
	vq->cb.trigger = NULL;
	spin_unlock(&vq->ring_lock);
	spin_unlock_irqrestore(&vq->cb_lock, flags);

	if (cb->callback) {
		lower_cb.callback = svq_vq_cb;
		lower_cb.private = vq;
	}
	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		lower->config->set_vq_cb(lower, idx, &lower_cb);
	svq_lower_unlock(srcu);
}

/*
 * Shadow from device start: in shadow mode, and in auto mode while logging
 * or when the lower device cannot suspend (no switch possible later).
 */
static bool svq_wants_shadow(struct svq_dev *svq, struct vdpa_device *lower)
{
	switch (READ_ONCE(svq->mode)) {
	case SVQ_MODE_SHADOW:
		return true;
	case SVQ_MODE_AUTO:
		if (READ_ONCE(svq->logging))
			return true;
		if (lower->config->suspend && lower->config->resume)
			return false;
		dev_warn_once(&svq->vdpa.dev, "lower device cannot suspend: auto mode shadows from device start\n");
		return true;
	default:
		return false;
	}
}

/**
 * svq_vq_set_ready() - vdpa_config_ops.set_vq_ready
 * @vdev: the upper device
 * @idx: virtqueue index
 * @ready: enable or disable
 *
 * In shadow mode, enabling a virtqueue first sets up its shadow ring. If
 * that fails, the device reports NEEDS_RESET.
 */
void svq_vq_set_ready(struct vdpa_device *vdev, u16 idx, bool ready)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	struct svq_vq *vq;
	int srcu;

	if (idx >= svq->nvqs)
		return;
	vq = &svq->vqs[idx];
	lower = svq_lower_lock(vdev, &srcu);
	if (lower) {
		if (ready && !vq->shadow && svq_wants_shadow(svq, lower) &&
		    svq_vq_shadow_start(svq, lower, vq))
			svq_vq_fail(vq);
		else
			lower->config->set_vq_ready(lower, idx, ready);
	}
	svq_lower_unlock(srcu);
}

/**
 * svq_vq_set_state() - vdpa_config_ops.set_vq_state
 * @vdev: the upper device
 * @idx: virtqueue index
 * @state: where the driver's ring is (split: next available index)
 *
 * Return: 0, -EINVAL, or what the lower device returns.
 */
int svq_vq_set_state(struct vdpa_device *vdev, u16 idx, const struct vdpa_vq_state *state)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	if (idx >= svq->nvqs)
		return -EINVAL;
	svq->vqs[idx].guest_avail_idx = state->split.avail_index;
	svq->vqs[idx].state_saved = false;
	lower = svq_lower_lock(vdev, &srcu);
	if (lower && svq->vqs[idx].shadow)
		ret = -EBUSY;
	else if (lower)
		ret = lower->config->set_vq_state(lower, idx, state);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_vq_get_state() - vdpa_config_ops.get_vq_state
 * @vdev: the upper device
 * @idx: virtqueue index
 * @state: filled in
 *
 * A shadowed virtqueue is stopped first (QEMU 7.2 reads the state of data
 * queues while the device still runs when there is a control queue): the
 * lower device's virtqueue is disabled, what it completed is relayed and
 * logged, and the guest's used index is reported: chains in flight are
 * given back to the driver's ring, not lost. After a reset that stopped a
 * shadowed virtqueue, the index it stopped at.
 *
 * Context: process.
 * Return: 0, or what the lower device returns.
 */
int svq_vq_get_state(struct vdpa_device *vdev, u16 idx, struct vdpa_vq_state *state)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;
	struct svq_vq *vq;

	if (idx >= svq->nvqs)
		return -EINVAL;
	vq = &svq->vqs[idx];
	lower = svq_lower_lock(vdev, &srcu);
	if (lower && READ_ONCE(vq->shadow)) {
		lower->config->set_vq_ready(lower, idx, false);
		svq_vq_shadow_stop(svq, lower, vq);
	}
	if (lower && vq->state_saved) {
		state->split.avail_index = vq->guest_avail_idx;
		ret = 0;
	} else if (lower) {
		ret = lower->config->get_vq_state(lower, idx, state);
	}
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vq_ready() - vdpa_config_ops.get_vq_ready, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: what the lower device returns, or false once it is removed.
 */
bool svq_get_vq_ready(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	bool ret = false;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_ready(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vendor_vq_stats() - vdpa_config_ops.get_vendor_vq_stats, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 * @msg: netlink message
 * @extack: netlink extended ack
 *
 * Return: what the lower device returns, or -ENODEV once it is removed.
 */
int svq_get_vendor_vq_stats(struct vdpa_device *vdev, u16 idx, struct sk_buff *msg,
			    struct netlink_ext_ack *extack)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vendor_vq_stats(lower, idx, msg, extack);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vq_size() - vdpa_config_ops.get_vq_size, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
u16 svq_get_vq_size(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	u16 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_size(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vq_group() - vdpa_config_ops.get_vq_group, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
u32 svq_get_vq_group(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_group(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vq_desc_group() - vdpa_config_ops.get_vq_desc_group, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: what the lower device returns, or 0 once it is removed.
 */
u32 svq_get_vq_desc_group(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_desc_group(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_set_vq_affinity() - vdpa_config_ops.set_vq_affinity, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 * @cpu_mask: CPUs
 *
 * Return: what the lower device returns, or -ENODEV once it is removed.
 */
int svq_set_vq_affinity(struct vdpa_device *vdev, u16 idx,
			const struct cpumask *cpu_mask)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->set_vq_affinity(lower, idx, cpu_mask);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vq_affinity() - vdpa_config_ops.get_vq_affinity, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: what the lower device returns, or cpu_possible_mask once it is removed.
 */
const struct cpumask *svq_get_vq_affinity(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	const struct cpumask *ret = cpu_possible_mask;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_affinity(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_vq_dma_dev() - vdpa_config_ops.get_vq_dma_dev, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: what the lower device returns, or vdev->dma_dev once it is removed.
 */
struct device *svq_get_vq_dma_dev(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	struct device *ret = vdev->dma_dev;
	int srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->get_vq_dma_dev(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}
