// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: a virtqueue of an upper device: its ops and its life
 * cycle.
 *
 * A virtqueue runs in passthrough (the lower device runs the guest's ring;
 * ops are forwarded) or shadowed (the lower device runs a kernel-owned
 * ring that the relay fills from the guest's, svq_relay.c). It starts
 * shadowed when it is enabled in shadow mode (or in auto mode while
 * logging, or on a lower device that cannot suspend); a running device
 * switches all its virtqueues at once when logging starts or stops
 * (svq_vq_switch_all()). Reset, removal and get_vq_state stop a shadowed
 * virtqueue here too. Nothing else starts or stops one.
 *
 * Starting a shadow ring is two steps: preparing it (memory, IOVA, the
 * relay's context, the lower device's mapping), which changes nothing the
 * lower device runs, and pointing the lower device's virtqueue at it. A
 * live switch prepares every ring, gives a set_map lower device their
 * mappings in one set_map per address space, and only then suspends the
 * lower device: the suspended window reads each virtqueue's state and
 * swaps ring addresses, nothing else. A lower device without resume
 * (kernels before 6.3) is resumed by a reset and a replay of its
 * configuration (svq_vq_restart_lower()).
 */

#include <linux/bitmap.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "svq_compat.h"
#include "svq_guest.h"
#include "svq_iotlb.h"
#include "svq_lower.h"
#include "svq_relay.h"
#include "svq_vq.h"
#include "svq_window.h"

#include <trace/events/vhost_vdpa_svq.h>

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
	svq_relay_init(vq);
}

/**
 * svq_vq_can_shadow() - can this virtqueue be relayed through a shadow ring?
 * @svq: the upper device
 * @lower: the lower device, held
 * @vq: the virtqueue
 *
 * Asked before anything is changed (a switch asks before it suspends the
 * lower device): a legacy ring, or a size the relay cannot take, is
 * refused with one rate-limited line.
 *
 * Context: process.
 * Return: 0 or -EOPNOTSUPP.
 */
int svq_vq_can_shadow(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq)
{
	u64 features = svq_lower_get_driver_features(lower);

	if (features & BIT_ULL(VIRTIO_F_VERSION_1) && vq->num && vq->num <= SVQ_MAX_VQ_NUM &&
	    is_power_of_2(vq->num))
		return 0;
	dev_warn_ratelimited(&svq->vdpa.dev, "vq %u: cannot shadow a legacy or %u-entry ring\n",
			     vq->idx, vq->num);
	return -EOPNOTSUPP;
}

/*
 * Bytes at the start of the shadow ring that the lower device only reads:
 * the descriptor table and the available ring. The used ring starts on a
 * 4 KiB boundary; with larger pages it shares a page with them, and the
 * whole ring is writable (the relay follows nothing the device can write:
 * its links are in vq->heads).
 */
static size_t svq_vq_shadow_ro_size(const struct svq_vq *vq)
{
	size_t used = (void *)vq->ring.shadow_used - vq->shadow_mem;

	return IS_ALIGNED(used, PAGE_SIZE) ? used : 0;
}

/* Free what svq_vq_prepare() allocated and unmap its ring (uncommitted). */
static void svq_vq_unprepare(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq)
{
	if (vq->shadow_iova)
		svq_window_unmap(svq, lower, vq->asid, vq->shadow_iova, vq->shadow_size,
				 svq_vq_shadow_ro_size(vq));
	vq->shadow_iova = 0;
	svq_guest_mem_free(&vq->gctx);
	kfree(vq->heads);
	vq->heads = NULL;
	if (vq->shadow_mem)
		free_pages_exact(vq->shadow_mem, vq->shadow_size);
	vq->shadow_mem = NULL;
}

/*
 * Everything a shadow ring needs, before the lower device uses it: memory,
 * the relay's context of guest memory, an IOVA and the lower device's
 * mapping (for a set_map lower device, once svq_window_commit() runs).
 * The lower device's virtqueue is untouched. Context: process.
 */
static int svq_vq_prepare(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq)
{
	u64 features = svq_lower_get_driver_features(lower);
	int ret;

	ret = svq_vq_can_shadow(svq, lower, vq);
	if (ret)
		return ret;
	vq->shadow_size = PAGE_ALIGN(svq_ring_shadow_size(vq->num));
	vq->shadow_mem = alloc_pages_exact(vq->shadow_size, GFP_KERNEL | __GFP_ZERO);
	vq->heads = kcalloc(vq->num, sizeof(*vq->heads), GFP_KERNEL);
	if (!vq->shadow_mem || !vq->heads) {
		ret = -ENOMEM;
		goto err;
	}
	vq->asid = svq->group_asid[svq_lower_vq_group(lower, vq->idx)];
	/* only the kernel's own virtio driver may leave memory unmapped */
	svq_iotlb_set_identity_ok(svq, svq->vdpa.dev.driver &&
				  !strcmp(svq->vdpa.dev.driver->name, "virtio_vdpa"));
	/* the ring is not relayed yet: no pass reads it (vq->shadow is false) */
	svq_ring_init(&vq->ring, vq->num, vq->shadow_mem, vq->heads,
		      features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX),
		      features & BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC));
	ret = svq_window_map(svq, lower, vq->asid, virt_to_phys(vq->shadow_mem),
			     vq->shadow_size, svq_vq_shadow_ro_size(vq), &vq->shadow_iova);
	if (ret) {
		dev_warn_ratelimited(&svq->vdpa.dev, "vq %u: cannot map the shadow ring: %d\n",
				     vq->idx, ret);
		vq->shadow_iova = 0;
		goto err;
	}
	svq_guest_mem_init(svq, vq->asid, vq->num, &vq->gctx, &vq->mem);
	return 0;

err:
	svq_vq_unprepare(svq, lower, vq);
	return ret;
}

/*
 * Point the lower device's virtqueue (not running: disabled or suspended)
 * at the prepared shadow ring, which starts at the guest's available index
 * @avail_idx, and relay from now on.
 */
static int svq_vq_commit(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq,
			 u16 avail_idx)
{
	struct vdpa_vq_state state = {};
	unsigned long flags;
	u64 avail, used;
	int ret;

	avail = vq->shadow_iova + ((void *)vq->ring.shadow_avail - vq->shadow_mem);
	used = vq->shadow_iova + ((void *)vq->ring.shadow_used - vq->shadow_mem);
	ret = svq_lower_set_vq_address(lower, vq->idx, vq->shadow_iova, avail, used);
	if (!ret)
		ret = svq_lower_set_vq_state(lower, vq->idx, &state);
	if (ret)
		return ret;
	spin_lock_irqsave(&vq->ring_lock, flags);
	svq_ring_set_guest(&vq->ring, vq->guest_desc, vq->guest_driver, vq->guest_device,
			   avail_idx);
	vq->shadow = true;
	vq->ring_mapped = false;
	vq->avail_blocked = false;
	vq->state_saved = false;
	vq->log_wait = false;
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	return 0;
}

/*
 * Point the lower device's virtqueue (not running) back at the guest's
 * ring, at available index @avail_idx.
 */
static int svq_vq_to_guest_ring(struct vdpa_device *lower, struct svq_vq *vq, u16 avail_idx)
{
	struct vdpa_vq_state state = { .split.avail_index = avail_idx };
	int ret;

	ret = svq_lower_set_vq_address(lower, vq->idx, vq->guest_desc, vq->guest_driver,
				       vq->guest_device);
	if (!ret)
		ret = svq_lower_set_vq_state(lower, vq->idx, &state);
	vq->state_saved = false;
	return ret;
}

/**
 * svq_vq_shadow_start() - relay a virtqueue through a shadow ring
 * @svq: the upper device
 * @lower: the lower device, held; its virtqueue not ready
 * @vq: the virtqueue; the guest's ring starts at @vq->guest_avail_idx
 *
 * The caller then makes the lower device's virtqueue ready.
 *
 * Context: process.
 * Return: 0, -EOPNOTSUPP (legacy or odd-sized ring), -ENOMEM, -ENOSPC, or
 * what the lower device returns.
 */
int svq_vq_shadow_start(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq)
{
	int ret;

	ret = svq_vq_prepare(svq, lower, vq);
	if (ret)
		return ret;
	ret = svq_window_commit(svq, lower);
	if (!ret)
		ret = svq_vq_commit(svq, lower, vq, vq->guest_avail_idx);
	if (ret) {
		svq_vq_unprepare(svq, lower, vq);
		svq_window_commit(svq, lower);
	}
	return ret;
}

/* Stop relaying (the lower device stopped using the ring); keep the ring. */
static void svq_vq_shadow_halt(struct svq_vq *vq)
{
	svq_relay_stop(vq);
}

/**
 * svq_vq_shadow_stop() - stop relaying a virtqueue and free its shadow ring
 * @svq: the upper device
 * @lower: the lower device, which stopped using the shadow ring (suspended,
 *	   disabled or reset); NULL once it is gone
 * @vq: the virtqueue
 *
 * What the lower device completed is relayed (and logged) first; the
 * guest's used index is kept for get_vq_state(): chains still in flight
 * are rewound, not lost.
 *
 * Context: process.
 */
void svq_vq_shadow_stop(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq)
{
	if (!vq->shadow_mem)
		return;
	svq_vq_shadow_halt(vq);
	svq_vq_unprepare(svq, lower, vq);
	svq_window_commit(svq, lower);
}

/**
 * svq_vq_stop_all() - stop every shadowed virtqueue (device reset or removal)
 * @svq: the upper device
 * @lower: the lower device, reset already; NULL once it is gone
 *
 * Context: process.
 */
void svq_vq_stop_all(struct svq_dev *svq, struct vdpa_device *lower)
{
	u16 i;

	for (i = 0; i < svq->nvqs; i++) {
		if (!svq->vqs[i].shadow_mem)
			continue;
		svq_vq_shadow_halt(&svq->vqs[i]);
		svq_vq_unprepare(svq, lower, &svq->vqs[i]);
	}
	svq_window_commit(svq, lower);
}

/*
 * What the lower device calls for virtqueue @vq: the relay, always. A
 * driver that polls a ring sets no callback (Linux's virtio_net does not
 * for its control queue), but a shadow ring's completions reach the
 * driver's ring only through the relay; a parent that gives interrupt
 * vectors only to the virtqueues that have a callback at DRIVER_OK
 * (vp_vdpa) would otherwise never tell the relay.
 */
static struct vdpa_callback svq_vq_lower_cb(struct svq_vq *vq)
{
	struct vdpa_callback cb = {
		.callback = svq_relay_lower_cb,
		.private = vq,
	};

	return cb;
}

/*
 * Resume a suspended lower device that has no resume op, by a reset and a
 * replay of what it was given: its status up to FEATURES_OK, the driver's
 * features, the groups' address spaces, every mapping (the driver's and
 * the shadow rings'), the config callback, then per virtqueue its size,
 * rings (the guest's or the shadow ring), callback, state (read before
 * the reset) and readiness, and DRIVER_OK last. State a driver gave the
 * device in other ways (a control virtqueue's MAC filter, RX mode or
 * queue pairs) is not replayed. Returns 0 or the first error; the caller
 * then reports NEEDS_RESET.
 */
static int svq_vq_restart_lower(struct svq_dev *svq, struct vdpa_device *lower)
{
	u64 features = svq_lower_get_driver_features(lower);
	u8 status = svq_lower_get_status(lower);
	struct vdpa_vq_state *states;
	struct vdpa_callback cb;
	unsigned long *ready;
	unsigned long flags;
	unsigned int g;
	int ret = 0;
	u16 i;

	states = kcalloc(svq->nvqs, sizeof(*states), GFP_KERNEL);
	ready = bitmap_zalloc(svq->nvqs, GFP_KERNEL);
	if (!states || !ready) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < svq->nvqs && !ret; i++) {
		if (!svq->vqs[i].num)
			continue;
		if (svq_lower_get_vq_ready(lower, i))
			__set_bit(i, ready);
		ret = svq_lower_get_vq_state(lower, i, &states[i]);
	}
	if (!ret)
		ret = svq_lower_reset_clean(lower);
	if (ret)
		goto out;

	svq_lower_set_status(lower, status & (VIRTIO_CONFIG_S_ACKNOWLEDGE |
					      VIRTIO_CONFIG_S_DRIVER));
	ret = svq_lower_set_driver_features(lower, features);
	if (ret)
		goto out;
	svq_lower_set_status(lower, status & (VIRTIO_CONFIG_S_ACKNOWLEDGE |
					      VIRTIO_CONFIG_S_DRIVER |
					      VIRTIO_CONFIG_S_FEATURES_OK));
	for (g = 0; svq->nas > 1 && g < lower->ngroups && !ret; g++)
		ret = svq_lower_set_group_asid(lower, g, svq->group_asid[g]);
	if (!ret)
		ret = svq_iotlb_replay(svq, lower);
	for (i = 0; i < svq->nvqs && !ret; i++) {
		struct svq_vq *vq = &svq->vqs[i];

		if (vq->shadow_iova)
			ret = svq_window_replay(svq, lower, vq->asid, vq->shadow_iova,
						virt_to_phys(vq->shadow_mem), vq->shadow_size,
						svq_vq_shadow_ro_size(vq));
	}
	if (ret)
		goto out;
	spin_lock_irqsave(&svq->config_cb_lock, flags);
	cb = svq->config_cb;
	spin_unlock_irqrestore(&svq->config_cb_lock, flags);
	svq_lower_set_config_cb(lower, &cb);

	for (i = 0; i < svq->nvqs && !ret; i++) {
		struct svq_vq *vq = &svq->vqs[i];

		if (!vq->num)
			continue;
		svq_lower_set_vq_num(lower, i, vq->num);
		if (vq->shadow) {
			u64 avail = (void *)vq->ring.shadow_avail - vq->shadow_mem;
			u64 used = (void *)vq->ring.shadow_used - vq->shadow_mem;

			ret = svq_lower_set_vq_address(lower, i, vq->shadow_iova,
						       vq->shadow_iova + avail,
						       vq->shadow_iova + used);
		} else {
			ret = svq_lower_set_vq_address(lower, i, vq->guest_desc, vq->guest_driver,
						       vq->guest_device);
		}
		cb = svq_vq_lower_cb(vq);
		svq_lower_set_vq_cb(lower, i, &cb);
		if (!ret)
			ret = svq_lower_set_vq_state(lower, i, &states[i]);
		if (!ret && test_bit(i, ready))
			svq_lower_set_vq_ready(lower, i, true);
	}
	if (!ret)
		svq_lower_set_status(lower, status);
out:
	bitmap_free(ready);
	kfree(states);
	return ret;
}

/*
 * The live switch to shadow rings, with the lower device suspended: read
 * each prepared virtqueue's state, disable it, point it at its ring, fill
 * the rings with what the guest made available (svq_relay_fill(): receive
 * buffers are in place before the resume), enable them all. On failure
 * the virtqueues already switched go back to the guest's ring at the index
 * they were read at (the suspended device completed nothing meanwhile).
 * Returns 0 or the first error.
 */
static int svq_vq_switch_in(struct svq_dev *svq, struct vdpa_device *lower, unsigned long *todo)
{
	struct vdpa_vq_state state;
	unsigned long done = 0;
	int ret = 0;
	u16 i;

	for_each_set_bit(i, todo, svq->nvqs) {
		struct svq_vq *vq = &svq->vqs[i];

		state = (struct vdpa_vq_state) {};
		ret = svq_lower_get_vq_state(lower, i, &state);
		if (ret)
			break;
		vq->guest_avail_idx = state.split.avail_index;
		svq_lower_set_vq_ready(lower, i, false);
		ret = svq_vq_commit(svq, lower, vq, vq->guest_avail_idx);
		if (ret) {
			svq_vq_to_guest_ring(lower, vq, vq->guest_avail_idx);
			svq_lower_set_vq_ready(lower, i, true);
			break;
		}
		__set_bit(i, &done);
	}
	if (!ret) {
		for_each_set_bit(i, &done, svq->nvqs)
			svq_relay_fill(&svq->vqs[i]);
	} else {
		for_each_set_bit(i, &done, svq->nvqs) {
			struct svq_vq *vq = &svq->vqs[i];
			unsigned long flags;

			spin_lock_irqsave(&vq->ring_lock, flags);
			vq->shadow = false;
			spin_unlock_irqrestore(&vq->ring_lock, flags);
			cancel_work_sync(&vq->relay_work);
			svq_vq_to_guest_ring(lower, vq, vq->guest_avail_idx);
		}
	}
	for_each_set_bit(i, &done, svq->nvqs)
		svq_lower_set_vq_ready(lower, i, true);
	return ret;
}

/*
 * The live switch back, with the lower device suspended: relay (and log)
 * what it completed, then point each virtqueue at the guest's ring at the
 * guest's used index (chains in flight are given back), enable them all.
 */
static int svq_vq_switch_out(struct svq_dev *svq, struct vdpa_device *lower, unsigned long *todo)
{
	int ret = 0, err;
	u16 i;

	for_each_set_bit(i, todo, svq->nvqs) {
		struct svq_vq *vq = &svq->vqs[i];

		svq_vq_shadow_halt(vq);
		svq_lower_set_vq_ready(lower, i, false);
		err = svq_vq_to_guest_ring(lower, vq, vq->guest_avail_idx);
		ret = ret ?: err;
	}
	for_each_set_bit(i, todo, svq->nvqs)
		svq_lower_set_vq_ready(lower, i, true);
	return ret;
}

/**
 * svq_vq_switch_all() - switch every ready virtqueue of a running device
 * @svq: the upper device; the caller holds its switch_lock
 * @lower: the lower device, held; it can suspend
 * @to_shadow: to shadow rings, or back to passthrough
 *
 * To shadow: every ring is prepared and mapped before the lower device is
 * suspended; a virtqueue that cannot be shadowed fails the switch before
 * anything changed. Back: the rings are freed after the lower device
 * resumed. The suspended window is timed (stats/last_switch_ns) and
 * traced. Without resume, the window ends with a reset of the lower
 * device and a replay of its configuration (svq_vq_restart_lower()).
 *
 * Context: process.
 * Return: 0, or the first error (the device then reports NEEDS_RESET if
 * the lower device was left in a state it did not choose).
 */
int svq_vq_switch_all(struct svq_dev *svq, struct vdpa_device *lower, bool to_shadow)
{
	u64 start, pause = 0;
	unsigned long *todo;
	int ret = 0, err;
	u16 i;

	lockdep_assert_held(&svq->switch_lock);
	todo = bitmap_zalloc(svq->nvqs, GFP_KERNEL);
	if (!todo)
		return -ENOMEM;
	for (i = 0; i < svq->nvqs; i++)
		if (svq->vqs[i].shadow != to_shadow && svq_lower_get_vq_ready(lower, i))
			__set_bit(i, todo);
	if (to_shadow) {
		for_each_set_bit(i, todo, svq->nvqs) {
			ret = svq_vq_prepare(svq, lower, &svq->vqs[i]);
			if (ret)
				break;
		}
		if (!ret)
			ret = svq_window_commit(svq, lower);
		if (ret)
			goto unprepare;
	}

	start = local_clock();
	ret = svq_lower_suspend(lower);
	if (!ret) {
		ret = to_shadow ? svq_vq_switch_in(svq, lower, todo) :
				  svq_vq_switch_out(svq, lower, todo);
		err = svq_lower_can_resume(lower) ? svq_lower_resume(lower) :
						    svq_vq_restart_lower(svq, lower);
		if (err)
			WRITE_ONCE(svq->needs_reset, true);
		ret = ret ?: err;
	}
	pause = local_clock() - start;
	if (ret && !to_shadow)
		WRITE_ONCE(svq->needs_reset, true);
	if (ret)
		dev_err_ratelimited(&svq->vdpa.dev, "switch to %s failed: %d\n",
				    to_shadow ? "shadow" : "passthrough", ret);

	svq_relay_fault_resume_delay();
	/* buffers added meanwhile; a resumed device may not look by itself */
	for_each_set_bit(i, todo, svq->nvqs) {
		if (svq->vqs[i].shadow)
			svq_relay_now(&svq->vqs[i], lower);
		svq_lower_kick_vq(lower, i);
	}
	trace_svq_switch(dev_name(&svq->vdpa.dev), to_shadow, pause, ret);
	atomic64_inc(&svq->stats.switches);
	atomic64_set(&svq->stats.last_switch_ns, pause);
unprepare:
	/* rings that are not (or no longer) relayed go, after the resume */
	for_each_set_bit(i, todo, svq->nvqs)
		if (!svq->vqs[i].shadow && svq->vqs[i].shadow_mem)
			svq_vq_unprepare(svq, lower, &svq->vqs[i]);
	svq_window_commit(svq, lower);
	bitmap_free(todo);
	return ret;
}

/**
 * svq_vq_fill_all() - fill every shadow ring with what the guest made
 * available
 * @svq: the upper device; its lower device is about to start (DRIVER_OK)
 *
 * So that receive buffers are in place before a transmit kick can reach
 * the device (see svq_relay_fill()). The caller kicks every virtqueue once
 * the lower device runs.
 *
 * Context: process.
 */
void svq_vq_fill_all(struct svq_dev *svq)
{
	u16 i;

	for (i = 0; i < svq->nvqs; i++)
		svq_relay_fill(&svq->vqs[i]);	/* nothing unless shadowed */
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
	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		ret = vq->shadow ? 0 : svq_lower_set_vq_address(lower, idx, desc_area,
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
		svq_relay_fail(vq);
		return;
	}
	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		svq_lower_set_vq_num(lower, idx, num);
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
	lower = svq_lower_lock(svq, &srcu);
	if (lower) {
		if (READ_ONCE(svq->vqs[idx].shadow))
			svq_relay_dirs(&svq->vqs[idx], lower, SVQ_RELAY_AVAIL);
		else
			svq_lower_kick_vq(lower, idx);
	}
	svq_lower_unlock(srcu);
}

/**
 * svq_vq_set_cb() - vdpa_config_ops.set_vq_cb
 * @vdev: the upper device
 * @idx: virtqueue index
 * @cb: the driver's callback
 *
 * The lower device always calls svq_relay_lower_cb(), never the driver's
 * callback or its eventfd (@cb->trigger), also when the driver sets none: a
 * switch to shadow mode must see every interrupt, and a shadow ring every
 * completion (svq_vq_lower_cb()).
 */
void svq_vq_set_cb(struct vdpa_device *vdev, u16 idx, struct vdpa_callback *cb)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_callback lower_cb;
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

	lower_cb = svq_vq_lower_cb(vq);
	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		svq_lower_set_vq_cb(lower, idx, &lower_cb);
	svq_lower_unlock(srcu);
}

/*
 * Shadow from device start: in shadow mode, and in auto mode while logging
 * or when the lower device cannot suspend (no switch possible later).
 */
static bool svq_vq_wants_shadow(struct svq_dev *svq, struct vdpa_device *lower)
{
	switch (READ_ONCE(svq->mode)) {
	case SVQ_MODE_SHADOW:
		return true;
	case SVQ_MODE_AUTO:
		if (READ_ONCE(svq->logging))
			return true;
		if (svq_lower_can_suspend(lower))
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
	lower = svq_lower_lock(svq, &srcu);
	if (lower) {
		if (ready && !vq->shadow && svq_vq_wants_shadow(svq, lower) &&
		    svq_vq_shadow_start(svq, lower, vq))
			svq_relay_fail(vq);
		else
			svq_lower_set_vq_ready(lower, idx, ready);
	}
	svq_lower_unlock(srcu);
}

/**
 * svq_vq_set_state() - vdpa_config_ops.set_vq_state
 * @vdev: the upper device
 * @idx: virtqueue index
 * @state: where the driver's ring is (split: next available index)
 *
 * The index is kept for a shadow ring; the lower device gets it too, unless
 * it cannot take it (-EOPNOTSUPP) and the virtqueue is shadowed from
 * device start.
 *
 * Return: 0, -EINVAL, -EBUSY while shadowed, or what the lower device
 * returns.
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
	lower = svq_lower_lock(svq, &srcu);
	if (lower && svq->vqs[idx].shadow) {
		ret = -EBUSY;
	} else if (lower) {
		ret = svq_lower_set_vq_state(lower, idx, state);
		/*
		 * A lower device that only takes its initial state (vp_vdpa)
		 * never runs the guest's ring when it is shadowed from device
		 * start: its shadow ring starts at 0 (svq_vq_commit()).
		 */
		if (ret == -EOPNOTSUPP && svq_vq_wants_shadow(svq, lower))
			ret = 0;
	}
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
	lower = svq_lower_lock(svq, &srcu);
	if (lower && READ_ONCE(vq->shadow)) {
		svq_lower_set_vq_ready(lower, idx, false);
		svq_vq_shadow_stop(svq, lower, vq);
	}
	if (lower && vq->state_saved) {
		state->split.avail_index = vq->guest_avail_idx;
		ret = 0;
	} else if (lower) {
		ret = svq_lower_get_vq_state(lower, idx, state);
	}
	svq_lower_unlock(srcu);
	return ret;
}
