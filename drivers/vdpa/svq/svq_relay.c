// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the shadow virtqueue's plumbing around the relay core
 * (svq_ring.c): starting and stopping a shadow ring, and relay passes.
 *
 * A shadowed virtqueue's lower device runs a kernel-owned ring instead of
 * the guest's, and the relay runs in the context that has something to
 * relay, with no thread hop: the guest's kick (atomic, from the kick
 * eventfd's wakeup) moves new available buffers, the lower device's
 * callback moves used ones back. Each pass has a budget; what is left
 * goes to a work item.
 *
 * A pass holds the virtqueue's ring lock and nothing else: whoever changes
 * the mappings, the dirty log or the driver's callback takes that lock
 * too (svq_iotlb_write_lock(), svq_vq_set_cb()), and the counters are
 * per CPU. Atomic operations are what a pass costs most after the relay
 * itself under emulation (TCG), so the lock and the ring protocol's
 * barriers are the only ones left. Logging adds one full barrier per used
 * pass and sets a log bit only when it finds it clear (svq_log_mark()).
 *
 * The guest's ring areas are reached through pointers that
 * svq_ring_map_guest() derives from the IOTLB copy; they are derived
 * again after any change of the mappings (svq->iotlb_gen) or of the
 * ring's addresses, so they never outlive what they were validated
 * against.
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "svq_dev.h"
#include "svq_trace.h"

#define SVQ_LOG_SHORT	"the device wrote memory the dirty log cannot cover"

/*
 * Chains per direction and pass in atomic context; a pass of the work item
 * may take more. Either way a pass also stops at the relay core's bounds
 * (SVQ_RING_PASS_DESCS, SVQ_RING_PASS_LOG_PAGES), and the work item drops
 * the ring lock between passes.
 */
#define SVQ_RELAY_BUDGET	64
#define SVQ_WORK_BUDGET		1024

/* @cb: the driver's callback, read under the ring lock */
static void svq_vq_signal_guest(struct svq_vq *vq, const struct vdpa_callback *cb)
{
	this_cpu_inc(vq->svq->stats.pcpu->interrupts);
	if (cb->callback)
		cb->callback(cb->private);
}

/**
 * svq_vq_fail() - a virtqueue broke: count it and ask for a device reset
 * @vq: the virtqueue
 *
 * Called once per violation: a broken ring is not relayed again (see
 * svq_vq_relay_locked()), so kicks on it count nothing.
 *
 * Context: any.
 */
void svq_vq_fail(struct svq_vq *vq)
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
 * One relay pass over @dirs: used buffers first (they free shadow
 * descriptors), with the dirty log if logging, then available ones; these
 * also when used ones freed descriptors an earlier pass lacked. Called
 * with vq->ring_lock held (interrupts off); the mappings and the log
 * cannot change meanwhile (svq_iotlb_write_lock()). Returns 0, -EIO for a
 * ring that broke before (nothing is done), or the relay core's error.
 */
static __always_inline int svq_vq_relay_locked(struct svq_vq *vq, unsigned int budget,
					       unsigned int dirs,
					       struct svq_relay_result *used,
					       struct svq_relay_result *avail)
{
	struct svq_dev *svq = vq->svq;
	const struct svq_log_bitmap *log = svq->log && !READ_ONCE(svq_fault_skip_log) ?
					   &svq->log->bitmap : NULL;
	int ret = 0;

	lockdep_assert_held(&vq->ring_lock);
	if (vq->ring.error)
		return -EIO;
	if (!vq->ring_mapped || vq->ring_map_gen != svq->iotlb_gen) {
		svq_ring_map_guest(&vq->ring, &vq->mem);
		vq->ring_map_gen = svq->iotlb_gen;
		vq->ring_mapped = true;
	}
	if (dirs & SVQ_RELAY_USED)
		ret = svq_ring_relay_used(&vq->ring, &vq->mem, log, budget, used);
	if (!ret && ((dirs & SVQ_RELAY_AVAIL) || (vq->avail_blocked && used->chains))) {
		ret = svq_ring_relay_avail(&vq->ring, &vq->mem, log, budget, avail);
		vq->avail_blocked = avail->blocked;
	}
	return ret;
}

/* Kick the lower device; @lower NULL: look it up (it may be gone). */
static void svq_vq_kick_lower(struct svq_vq *vq, struct vdpa_device *lower)
{
	int srcu;

	if (lower) {
		lower->config->kick_vq(lower, vq->idx);
		return;
	}
	lower = svq_lower_lock(&vq->svq->vdpa, &srcu);
	if (lower)
		lower->config->kick_vq(lower, vq->idx);
	svq_lower_unlock(srcu);
}

/*
 * A pass from any context, then the notifications; @lower may be NULL (see
 * svq_vq_kick_lower()). True if the budget ran out. Inlined with the above
 * into each caller: a pass runs per kick and per interrupt.
 */
static __always_inline bool svq_vq_relay(struct svq_vq *vq, struct vdpa_device *lower,
					 unsigned int budget, unsigned int dirs)
{
	struct svq_relay_result used = {}, avail = {};
	struct svq_pcpu_stats __percpu *stats = vq->svq->stats.pcpu;
	unsigned long flags, pages_logged;
	struct vdpa_callback cb;
	int ret;

	spin_lock_irqsave(&vq->ring_lock, flags);
	if (!vq->shadow || vq->ring.error) {
		spin_unlock_irqrestore(&vq->ring_lock, flags);
		return false;
	}
	ret = svq_vq_relay_locked(vq, budget, dirs, &used, &avail);
	if (!ret && (used.log_short || avail.log_short) &&
	    (READ_ONCE(vq->svq->log_failed) || svq_log_covers_mappings(vq->svq))) {
		svq_ring_break(&vq->ring, SVQ_LOG_SHORT);
		ret = -ERANGE;
	}
	cb = vq->cb;
	spin_unlock_irqrestore(&vq->ring_lock, flags);

	if (ret)
		svq_vq_fail(vq);
	else if (used.log_short || avail.log_short)
		/* held until the log covers it; the work relays it then */
		svq_log_grow(vq->svq);
	pages_logged = used.pages_logged + avail.pages_logged;
	if (avail.chains || used.chains)
		trace_svq_relay(dev_name(&vq->svq->vdpa.dev), vq->idx, avail.chains,
				used.chains, pages_logged);
	if (avail.descs)
		this_cpu_add(stats->relayed_descs, avail.descs);
	if (pages_logged)
		this_cpu_add(stats->pages_logged, pages_logged);
	if (avail.notify)
		svq_vq_kick_lower(vq, lower);
	if (used.notify)
		svq_vq_signal_guest(vq, &cb);
	return !ret && (avail.more || used.more);
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
	/* the ring lock was dropped: another pass, after others had the CPU */
	if (more)
		queue_work(system_wq, &vq->relay_work);
}

/**
 * svq_vq_relay_init() - initialize the relay state of one virtqueue
 * @vq: the virtqueue
 */
void svq_vq_relay_init(struct svq_vq *vq)
{
	spin_lock_init(&vq->ring_lock);
	INIT_WORK(&vq->relay_work, svq_vq_relay_work);
}

/**
 * svq_vq_relay_dirs() - relay a shadowed virtqueue now; the rest goes to a
 * work item
 * @vq: the virtqueue (nothing happens unless it is shadowed)
 * @lower: the lower device, or NULL: then it is looked up only to kick it
 *	   (the lower device's own callback needs it only then)
 * @dirs: SVQ_RELAY_USED, SVQ_RELAY_AVAIL or both
 *
 * Context: any.
 */
void svq_vq_relay_dirs(struct svq_vq *vq, struct vdpa_device *lower, unsigned int dirs)
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

/*
 * Bytes at the start of the shadow ring that the lower device only reads:
 * the descriptor table and the available ring. The used ring starts on a
 * 4 KiB boundary; with larger pages it shares a page with them, and the
 * whole ring is writable.
 */
static size_t svq_vq_shadow_ro_size(const struct svq_vq *vq)
{
	size_t used = (void *)vq->ring.shadow_used - vq->shadow_mem;

	return IS_ALIGNED(used, PAGE_SIZE) ? used : 0;
}

/**
 * svq_vq_can_shadow() - can this virtqueue be relayed through a shadow ring?
 * @svq: the upper device
 * @lower: the lower device
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
	u64 features = lower->config->get_driver_features(lower);

	if (features & BIT_ULL(VIRTIO_F_VERSION_1) && vq->num && vq->num <= 32768 &&
	    is_power_of_2(vq->num))
		return 0;
	dev_warn_ratelimited(&svq->vdpa.dev, "vq %u: cannot shadow a legacy or %u-entry ring\n",
			     vq->idx, vq->num);
	return -EOPNOTSUPP;
}

/**
 * svq_vq_shadow_start() - relay a virtqueue through a shadow ring
 * @svq: the upper device
 * @lower: the lower device, its virtqueue not ready
 * @vq: the virtqueue; the guest's ring starts at @vq->guest_avail_idx
 *
 * Allocates and maps the shadow ring and points the lower device's
 * virtqueue at it, from index 0. The device may write the used ring only:
 * the relay trusts the links of the descriptor table it wrote. The caller
 * then makes it ready.
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

	ret = svq_vq_can_shadow(svq, lower, vq);
	if (ret)
		return ret;
	vq->shadow_size = PAGE_ALIGN(svq_ring_shadow_size(vq->num));
	vq->shadow_mem = alloc_pages_exact(vq->shadow_size, GFP_KERNEL | __GFP_ZERO);
	vq->heads = kcalloc(vq->num, sizeof(*vq->heads), GFP_KERNEL);
	if (!vq->shadow_mem || !vq->heads) {
		ret = -ENOMEM;
		goto err_free;
	}
	vq->asid = lops->get_vq_group ? svq->group_asid[lops->get_vq_group(lower, vq->idx)] : 0;
	/* only the kernel's own virtio driver may leave memory unmapped */
	svq_iotlb_set_identity_ok(svq, svq->vdpa.dev.driver &&
				  !strcmp(svq->vdpa.dev.driver->name, "virtio_vdpa"));
	svq_ring_init(&vq->ring, vq->num, vq->shadow_mem, vq->heads,
		      features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX),
		      features & BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC));
	ret = svq_iotlb_map_shadow(svq, lower, vq->asid, virt_to_phys(vq->shadow_mem),
				   vq->shadow_size, svq_vq_shadow_ro_size(vq), &vq->shadow_iova);
	if (ret) {
		dev_warn_ratelimited(&svq->vdpa.dev, "vq %u: cannot map the shadow ring: %d\n",
				     vq->idx, ret);
		goto err_free;
	}

	svq_ring_set_guest(&vq->ring, vq->guest_desc, vq->guest_driver, vq->guest_device,
			   vq->guest_avail_idx);
	svq_iotlb_guest_mem(svq, vq->asid, vq->num, &vq->gctx, &vq->mem);
	avail = vq->shadow_iova + ((void *)vq->ring.shadow_avail - vq->shadow_mem);
	used = vq->shadow_iova + ((void *)vq->ring.shadow_used - vq->shadow_mem);
	ret = lops->set_vq_address(lower, vq->idx, vq->shadow_iova, avail, used);
	if (!ret)
		ret = lops->set_vq_state(lower, vq->idx, &state);
	if (ret)
		goto err_unmap;
	spin_lock_irqsave(&vq->ring_lock, flags);
	vq->shadow = true;
	vq->ring_mapped = false;
	vq->avail_blocked = false;
	vq->state_saved = false;
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	return 0;

err_unmap:
	svq_iotlb_unmap_shadow(svq, lower, vq->asid, vq->shadow_iova, vq->shadow_size,
			       svq_vq_shadow_ro_size(vq));
err_free:
	svq_iotlb_guest_mem_free(&vq->gctx);
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
	struct svq_relay_result res, none;
	bool notify = false, tried = false;
	struct vdpa_callback cb;
	unsigned long flags;
	int ret;

	/*
	 * Bounded passes until everything the device completed is relayed;
	 * a write outside the log waits for the log to cover the mappings.
	 */
	for (;;) {
		spin_lock_irqsave(&vq->ring_lock, flags);
		if (!vq->shadow) {
			spin_unlock_irqrestore(&vq->ring_lock, flags);
			return;
		}
		ret = svq_vq_relay_locked(vq, vq->num, SVQ_RELAY_USED, &res, &none);
		if (!ret && res.log_short && (tried || svq_log_covers_mappings(svq))) {
			svq_ring_break(&vq->ring, SVQ_LOG_SHORT);
			ret = -ERANGE;
		}
		if (ret != -EIO)
			this_cpu_add(svq->stats.pcpu->pages_logged, res.pages_logged);
		notify |= !ret && res.notify;
		if (ret || !(res.more || res.log_short))
			break;
		spin_unlock_irqrestore(&vq->ring_lock, flags);
		if (res.log_short) {
			svq_log_cover(svq);	/* once: it says why if it fails */
			tried = true;
		}
		cond_resched();
	}
	vq->guest_avail_idx = vq->ring.guest_used_idx;
	vq->state_saved = true;
	vq->shadow = false;
	cb = vq->cb;
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	if (ret && ret != -EIO)
		svq_vq_fail(vq);
	if (notify)
		svq_vq_signal_guest(vq, &cb);

	cancel_work_sync(&vq->relay_work);
	svq_iotlb_unmap_shadow(svq, lower, vq->asid, vq->shadow_iova, vq->shadow_size,
			       svq_vq_shadow_ro_size(vq));
	free_pages_exact(vq->shadow_mem, vq->shadow_size);
	svq_iotlb_guest_mem_free(&vq->gctx);
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
