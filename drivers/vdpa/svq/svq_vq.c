// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: virtqueue ops of an upper device, and the shadow
 * virtqueue's plumbing around the relay core (svq_ring.c).
 *
 * In passthrough the ops are forwarded. A shadowed virtqueue's lower
 * device runs a kernel-owned ring instead of the guest's, and the relay
 * runs in the context that has something to relay, with no thread hop:
 * the guest's kick (atomic, from the kick eventfd's wakeup) moves new
 * available buffers, the lower device's callback moves used ones back.
 * Each pass has a budget; what is left goes to a work item.
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "svq_dev.h"
#include "svq_trace.h"

/* Chains per direction and pass in atomic context; the work item does more. */
#define SVQ_RELAY_BUDGET	64
#define SVQ_WORK_BUDGET		1024

static void svq_vq_signal_guest(struct svq_vq *vq)
{
	struct vdpa_callback cb;
	unsigned long flags;

	spin_lock_irqsave(&vq->cb_lock, flags);
	cb = vq->cb;
	spin_unlock_irqrestore(&vq->cb_lock, flags);
	atomic64_inc(&vq->svq->stats.interrupts);
	if (cb.callback)
		cb.callback(cb.private);
}

static void svq_vq_fail(struct svq_vq *vq)
{
	struct svq_dev *svq = vq->svq;

	atomic64_inc(&svq->stats.errors);
	if (xchg(&svq->needs_reset, true))
		return;
	dev_err_ratelimited(&svq->vdpa.dev, "vq %u: %s: device needs reset\n",
			    vq->idx, vq->ring.error ?: "relay failed");
	schedule_work(&svq->config_work);
}

/*
 * One relay pass in both directions: used buffers first (they free shadow
 * descriptors), then available ones. Returns true if the budget ran out.
 */
/*
 * Relay used entries with the dirty log, if logging. Called with
 * vq->ring_lock held (interrupts off); the mappings and the log cannot
 * change meanwhile.
 */
static int svq_vq_relay_used(struct svq_vq *vq, unsigned int budget,
			     struct svq_relay_result *res)
{
	const struct svq_log_bitmap *log = NULL;
	struct svq_dev *svq = vq->svq;
	int ret;

	read_lock(&svq->iotlb_lock);
	read_lock(&svq->log_lock);
	if (svq->log && !READ_ONCE(svq_fault_skip_log))
		log = &svq->log->bitmap;
	ret = svq_ring_relay_used(&vq->ring, &vq->mem, log, budget, res);
	read_unlock(&svq->log_lock);
	read_unlock(&svq->iotlb_lock);
	atomic64_add(res->pages_logged, &svq->stats.pages_logged);
	return ret;
}

/* What a relay pass looks at: the shadow used ring, the guest's avail ring. */
#define SVQ_RELAY_USED		BIT(0)
#define SVQ_RELAY_AVAIL		BIT(1)
#define SVQ_RELAY_BOTH		(SVQ_RELAY_USED | SVQ_RELAY_AVAIL)

/*
 * One relay pass: used buffers first (they free shadow descriptors), then
 * available ones, for the directions @dirs asks. Available buffers are
 * also taken after used ones freed descriptors an earlier pass lacked.
 * Returns true if the budget ran out.
 */
static bool svq_vq_relay(struct svq_vq *vq, struct vdpa_device *lower, unsigned int budget,
			 unsigned int dirs)
{
	struct svq_relay_result used = {}, avail = {};
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&vq->ring_lock, flags);
	if (!vq->shadow) {
		spin_unlock_irqrestore(&vq->ring_lock, flags);
		return false;
	}
	if (dirs & SVQ_RELAY_USED)
		ret = svq_vq_relay_used(vq, budget, &used);
	if (!ret && ((dirs & SVQ_RELAY_AVAIL) || (vq->avail_blocked && used.chains))) {
		read_lock(&vq->svq->iotlb_lock);
		ret = svq_ring_relay_avail(&vq->ring, &vq->mem, budget, &avail);
		read_unlock(&vq->svq->iotlb_lock);
		vq->avail_blocked = avail.blocked;
	}
	spin_unlock_irqrestore(&vq->ring_lock, flags);

	if (ret)
		svq_vq_fail(vq);
	if (avail.chains || used.chains)
		trace_svq_relay(dev_name(&vq->svq->vdpa.dev), vq->idx, avail.chains,
				used.chains, used.pages_logged);
	atomic64_add(avail.descs, &vq->svq->stats.relayed_descs);
	if (avail.notify)
		lower->config->kick_vq(lower, vq->idx);
	if (used.notify)
		svq_vq_signal_guest(vq);
	return !ret && (avail.chains == budget || used.chains == budget);
}

static void svq_vq_relay_work(struct work_struct *work)
{
	struct svq_vq *vq = container_of(work, struct svq_vq, relay_work);
	struct vdpa_device *lower;
	bool more;
	int srcu;

	lower = svq_lower_lock(&vq->svq->vdpa, &srcu);
	more = lower && svq_vq_relay(vq, lower, SVQ_WORK_BUDGET, SVQ_RELAY_BOTH);
	svq_lower_unlock(srcu);
	if (more)
		queue_work(system_wq, &vq->relay_work);
}

/* Relay @dirs now; leave the rest to the work item. Context: any. */
static void svq_vq_relay_dirs(struct svq_vq *vq, struct vdpa_device *lower, unsigned int dirs)
{
	if (svq_vq_relay(vq, lower, SVQ_RELAY_BUDGET, dirs))
		queue_work(system_wq, &vq->relay_work);
}

/**
 * svq_vq_relay_now() - relay a shadowed virtqueue both ways; the rest goes
 * to a work item
 * @vq: the virtqueue (nothing happens unless it is shadowed)
 * @lower: the lower device
 *
 * Context: any.
 */
void svq_vq_relay_now(struct svq_vq *vq, struct vdpa_device *lower)
{
	svq_vq_relay_dirs(vq, lower, SVQ_RELAY_BOTH);
}

/**
 * svq_vq_shadow_start() - relay a virtqueue through a shadow ring
 * @svq: the upper device
 * @lower: the lower device, its virtqueue not ready
 * @vq: the virtqueue; the guest's ring starts at @vq->guest_avail_idx
 *
 * Allocates and maps the shadow ring and points the lower device's
 * virtqueue at it, from index 0. The caller then makes it ready.
 *
 * Context: process.
 * Return: 0, -EOPNOTSUPP (legacy or odd-sized ring), -ENOMEM, -ENOSPC, or
 * what the lower device returns.
 */
int svq_vq_shadow_start(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq)
{
	const struct vdpa_config_ops *lops = lower->config;
	u64 features = lops->get_driver_features(lower);
	struct vdpa_vq_state state = {};
	unsigned long flags;
	u64 avail, used;
	int ret;

	if (!(features & BIT_ULL(VIRTIO_F_VERSION_1)) || !vq->num || vq->num > 32768 ||
	    !is_power_of_2(vq->num)) {
		dev_warn(&svq->vdpa.dev, "vq %u: cannot shadow a legacy or %u-entry ring\n",
			 vq->idx, vq->num);
		return -EOPNOTSUPP;
	}
	vq->shadow_size = PAGE_ALIGN(svq_ring_shadow_size(vq->num));
	vq->shadow_mem = alloc_pages_exact(vq->shadow_size, GFP_KERNEL | __GFP_ZERO);
	vq->heads = kcalloc(vq->num, sizeof(*vq->heads), GFP_KERNEL);
	if (!vq->shadow_mem || !vq->heads) {
		ret = -ENOMEM;
		goto err_free;
	}
	vq->asid = lops->get_vq_group ? svq->group_asid[lops->get_vq_group(lower, vq->idx)] : 0;
	/* only the kernel's own virtio driver may leave memory unmapped */
	WRITE_ONCE(svq->identity_ok, svq->vdpa.dev.driver &&
		   !strcmp(svq->vdpa.dev.driver->name, "virtio_vdpa"));
	ret = svq_iotlb_map_shadow(svq, lower, vq->asid, virt_to_phys(vq->shadow_mem),
				   vq->shadow_size, &vq->shadow_iova);
	if (ret) {
		dev_warn(&svq->vdpa.dev, "vq %u: cannot map the shadow ring: %d\n", vq->idx, ret);
		goto err_free;
	}

	svq_ring_init(&vq->ring, vq->num, vq->shadow_mem, vq->heads,
		      features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX),
		      features & BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC));
	svq_ring_set_guest(&vq->ring, vq->guest_desc, vq->guest_driver, vq->guest_device,
			   vq->guest_avail_idx);
	svq_iotlb_guest_mem(svq, vq->asid, &vq->mem);
	avail = vq->shadow_iova + ((void *)vq->ring.shadow_avail - vq->shadow_mem);
	used = vq->shadow_iova + ((void *)vq->ring.shadow_used - vq->shadow_mem);
	ret = lops->set_vq_address(lower, vq->idx, vq->shadow_iova, avail, used);
	if (!ret)
		ret = lops->set_vq_state(lower, vq->idx, &state);
	if (ret)
		goto err_unmap;
	spin_lock_irqsave(&vq->ring_lock, flags);
	vq->shadow = true;
	vq->avail_blocked = false;
	vq->state_saved = false;
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	return 0;

err_unmap:
	svq_iotlb_unmap_shadow(svq, lower, vq->asid, vq->shadow_iova, vq->shadow_size);
err_free:
	kfree(vq->heads);
	vq->heads = NULL;
	if (vq->shadow_mem)
		free_pages_exact(vq->shadow_mem, vq->shadow_size);
	vq->shadow_mem = NULL;
	return ret;
}

/**
 * svq_vq_shadow_stop() - stop relaying a virtqueue
 * @svq: the upper device
 * @lower: the lower device, which stopped using the shadow ring (suspended
 *	   or reset); NULL once removed
 * @vq: the virtqueue
 *
 * What the lower device completed is relayed (and logged) first; the
 * guest's used index is kept in @vq->guest_avail_idx for get_vq_state():
 * chains still in flight are rewound, not lost.
 *
 * Context: process.
 */
void svq_vq_shadow_stop(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq)
{
	struct svq_relay_result res;
	unsigned long flags;

	spin_lock_irqsave(&vq->ring_lock, flags);
	if (!vq->shadow) {
		spin_unlock_irqrestore(&vq->ring_lock, flags);
		return;
	}
	if (svq_vq_relay_used(vq, vq->num, &res))
		svq_vq_fail(vq);
	vq->guest_avail_idx = vq->ring.guest_used_idx;
	vq->state_saved = true;
	vq->shadow = false;
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	if (res.notify)
		svq_vq_signal_guest(vq);

	cancel_work_sync(&vq->relay_work);
	svq_iotlb_unmap_shadow(svq, lower, vq->asid, vq->shadow_iova, vq->shadow_size);
	free_pages_exact(vq->shadow_mem, vq->shadow_size);
	kfree(vq->heads);
	vq->shadow_mem = NULL;
	vq->heads = NULL;
}

/**
 * svq_vq_stop_all() - stop every shadowed virtqueue (device reset or removal)
 * @svq: the upper device
 * @lower: the lower device, reset already; NULL once removed
 */
void svq_vq_stop_all(struct svq_dev *svq, struct vdpa_device *lower)
{
	u16 i;

	for (i = 0; i < svq->nvqs; i++)
		svq_vq_shadow_stop(svq, lower, &svq->vqs[i]);
}

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
	spin_lock_init(&vq->ring_lock);
	INIT_WORK(&vq->relay_work, svq_vq_relay_work);
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
		vq->ring.guest_desc = desc_area;
		vq->ring.guest_avail = driver_area;
		vq->ring.guest_used = device_area;
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
 */
void svq_vq_set_num(struct vdpa_device *vdev, u16 idx, u32 num)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int srcu;

	if (idx >= svq->nvqs)
		return;
	svq->vqs[idx].num = num;
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
	atomic64_inc(&svq->stats.kicks);
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
	struct vdpa_device *lower;
	struct vdpa_callback cb;
	unsigned long flags;
	int srcu;

	if (READ_ONCE(vq->shadow)) {
		lower = svq_lower_lock(&vq->svq->vdpa, &srcu);
		if (lower)
			svq_vq_relay_dirs(vq, lower, SVQ_RELAY_USED);
		svq_lower_unlock(srcu);
		return IRQ_HANDLED;
	}
	spin_lock_irqsave(&vq->cb_lock, flags);
	cb = vq->cb;
	spin_unlock_irqrestore(&vq->cb_lock, flags);
	atomic64_inc(&vq->svq->stats.interrupts);
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
	vq->cb.callback = cb->callback;
	vq->cb.private = cb->private;
	vq->cb.trigger = NULL;
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
 * svq_kick_vq_with_data() - vdpa_config_ops.kick_vq_with_data, forwarded to the lower device
 * @vdev: the upper device
 * @data: notification data
 */
void svq_kick_vq_with_data(struct vdpa_device *vdev, u32 data)
{
	struct vdpa_device *lower;
	int srcu;

	atomic64_inc(&vdpa_to_svq(vdev)->stats.kicks);
	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		lower->config->kick_vq_with_data(lower, data);
	svq_lower_unlock(srcu);
}

/**
 * svq_get_vq_ready() - vdpa_config_ops.get_vq_ready, forwarded to the lower device
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
 * Return: what the lower device returns; without one (removed), a
 * value saying the device is gone or needs a reset.
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
