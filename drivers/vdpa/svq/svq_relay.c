// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: relay passes of a shadowed virtqueue, around the relay
 * core (svq_ring.c).
 *
 * A shadowed virtqueue's lower device runs a kernel-owned ring instead of
 * the guest's, and the relay runs in the context that has something to
 * relay, with no thread hop: the guest's kick (atomic, from the kick
 * eventfd's wakeup) moves new available buffers, the lower device's
 * callback moves used ones back. A pass is bounded by what it does (the
 * relay core's SVQ_RING_PASS_* bounds and a budget of chains); what is
 * left goes to a work item, which runs more passes, dropping the lock in
 * between.
 *
 * A pass holds the virtqueue's ring lock and nothing else: whoever changes
 * the mappings, the dirty log or the driver's callback takes that lock
 * too (svq_iotlb_write_lock(), svq_vq_set_cb()), and the counters are
 * per CPU. Logging adds one full barrier per used pass and sets a log bit
 * only when it finds it clear (svq_log_mark()).
 *
 * The guest's ring areas are reached through pointers that
 * svq_ring_map_guest() derives from the IOTLB copy; they are derived
 * again after any change of the mappings (svq->iotlb_gen) or of the
 * ring's addresses, so they never outlive what they were validated
 * against.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "svq_compat.h"
#include "svq_dirty.h"
#include "svq_lower.h"
#include "svq_relay.h"
#include "svq_window.h"

#include <trace/events/vhost_vdpa_svq.h>

#define SVQ_LOG_SHORT	"the device wrote memory the dirty log cannot cover"

/*
 * Chains per direction and pass in atomic context; a pass of the work item
 * may take more. Either way a pass also stops at the relay core's bounds
 * (SVQ_RING_PASS_DESCS, SVQ_RING_PASS_LOG_PAGES).
 */
#define SVQ_RELAY_BUDGET	64
#define SVQ_WORK_BUDGET		1024

#ifdef CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT
/*
 * Test-only fault switch, /sys/kernel/debug/vhost_vdpa_svq/fault_skip_log:
 * when set, the relay of every device stops marking the dirty log, so a
 * migration test can prove that it detects the pages it then misses.
 */
static bool svq_fault_skip_log;
/*
 * fault_resume_delay_ms: how long a live switch waits between the lower
 * device's resume and its relay passes (at most a second), so that a test
 * can show the shadow rings were filled before the resume.
 */
static u32 svq_fault_resume_delay_ms;
static struct dentry *svq_debugfs_dir;

/**
 * svq_relay_faults_init() - create the fault switches (test builds only):
 * fault_skip_log, fault_resume_delay_ms, fault_no_resume
 * (svq_lower_fault_no_resume) and fault_no_ring_map (svq_window_fault_no_map)
 */
void svq_relay_faults_init(void)
{
	svq_debugfs_dir = debugfs_create_dir(SVQ_DRV_NAME, NULL);
	debugfs_create_bool("fault_skip_log", 0600, svq_debugfs_dir, &svq_fault_skip_log);
	debugfs_create_u32("fault_resume_delay_ms", 0600, svq_debugfs_dir,
			   &svq_fault_resume_delay_ms);
	debugfs_create_bool("fault_no_resume", 0600, svq_debugfs_dir, &svq_lower_fault_no_resume);
	debugfs_create_bool("fault_no_ring_map", 0600, svq_debugfs_dir, &svq_window_fault_no_map);
}

/**
 * svq_relay_faults_exit() - remove the fault switch
 */
void svq_relay_faults_exit(void)
{
	debugfs_remove(svq_debugfs_dir);
}

static bool svq_relay_skip_log(void)
{
	return READ_ONCE(svq_fault_skip_log);
}

/**
 * svq_relay_fault_resume_delay() - (test builds) wait fault_resume_delay_ms
 *
 * Context: process.
 */
void svq_relay_fault_resume_delay(void)
{
	u32 ms = READ_ONCE(svq_fault_resume_delay_ms);

	if (ms)
		msleep(min(ms, 1000U));
}
#else
void svq_relay_faults_init(void) {}
void svq_relay_faults_exit(void) {}
void svq_relay_fault_resume_delay(void) {}

static bool svq_relay_skip_log(void)
{
	return false;
}
#endif

/* @cb: the driver's callback, read under the ring lock */
static void svq_relay_signal_guest(struct svq_vq *vq, const struct vdpa_callback *cb)
{
	this_cpu_inc(vq->svq->stats.pcpu->interrupts);
	if (cb->callback)
		cb->callback(cb->private);
}

/*
 * NEEDS_RESET: say why in the kernel log, and tell the driver with a
 * config change notification, from process context (a relay pass can run
 * inside an eventfd wakeup, where another eventfd may not be signalled).
 */
static void svq_relay_notify_work(struct work_struct *work)
{
	struct svq_dev *svq = container_of(work, struct svq_dev, config_work);
	struct svq_vq *vq = &svq->vqs[READ_ONCE(svq->failed_vq)];
	struct vdpa_callback cb;
	unsigned long flags;

	/* said here, not in the pass: a console is slow, the kick is atomic */
	dev_err_ratelimited(&svq->vdpa.dev, "vq %u: %s: device needs reset\n", vq->idx,
			    READ_ONCE(vq->ring.error) ?: "relay failed");
	spin_lock_irqsave(&svq->config_cb_lock, flags);
	cb = svq->config_cb;
	spin_unlock_irqrestore(&svq->config_cb_lock, flags);
	if (cb.callback)
		cb.callback(cb.private);
}

/**
 * svq_relay_dev_init() - initialize an upper device's relay state
 * @svq: the upper device
 */
void svq_relay_dev_init(struct svq_dev *svq)
{
	spin_lock_init(&svq->config_cb_lock);
	INIT_WORK(&svq->config_work, svq_relay_notify_work);
}

/**
 * svq_relay_fail() - a virtqueue broke: count it and ask for a device reset
 * @vq: the virtqueue
 *
 * Called once per violation: a broken ring is not relayed again (see
 * svq_relay_locked()), so kicks on it count nothing.
 *
 * Context: any.
 */
void svq_relay_fail(struct svq_vq *vq)
{
	struct svq_dev *svq = vq->svq;

	atomic64_inc(&svq->stats.errors);
	if (xchg(&svq->needs_reset, true))
		return;
	WRITE_ONCE(svq->failed_vq, vq->idx);
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
static __always_inline int svq_relay_locked(struct svq_vq *vq, unsigned int budget,
					    unsigned int dirs, struct svq_relay_result *used,
					    struct svq_relay_result *avail)
{
	struct svq_dev *svq = vq->svq;
	const struct svq_log_bitmap *log = svq->log && !svq_relay_skip_log() ?
					   &svq->log->bitmap : NULL;
	int ret = 0;

	lockdep_assert_held(&vq->ring_lock);
	*used = (struct svq_relay_result) {};
	*avail = (struct svq_relay_result) {};
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
	if (!ret && (used->log_short || avail->log_short)) {
		/* the log cannot grow to cover it: it never will */
		if (READ_ONCE(svq->log_failed) || svq_log_covers_mappings(svq)) {
			svq_ring_break(&vq->ring, SVQ_LOG_SHORT);
			ret = -ERANGE;
		} else {
			vq->log_wait = true;
		}
	}
	return ret;
}

/* Kick the lower device; @lower NULL: look it up (it may be gone). */
static void svq_relay_kick_lower(struct svq_vq *vq, struct vdpa_device *lower)
{
	int srcu;

	if (lower) {
		svq_lower_kick_vq(lower, vq->idx);
		return;
	}
	lower = svq_lower_lock(vq->svq, &srcu);
	if (lower)
		svq_lower_kick_vq(lower, vq->idx);
	svq_lower_unlock(srcu);
}

/*
 * One pass from any context, counted and traced; @cb gets the driver's
 * callback as it was during the pass. Nothing happens (and 0 is returned)
 * unless the virtqueue is shadowed and its ring whole. Inlined into each
 * caller: a pass runs per kick and per interrupt.
 */
static __always_inline int svq_relay_pass(struct svq_vq *vq, unsigned int budget,
					  unsigned int dirs, struct svq_relay_result *used,
					  struct svq_relay_result *avail, struct vdpa_callback *cb)
{
	struct svq_pcpu_stats __percpu *stats = vq->svq->stats.pcpu;
	unsigned long flags, pages_logged;
	int ret;

	spin_lock_irqsave(&vq->ring_lock, flags);
	if (!vq->shadow || vq->ring.error) {
		spin_unlock_irqrestore(&vq->ring_lock, flags);
		*used = (struct svq_relay_result) {};
		*avail = (struct svq_relay_result) {};
		return 0;
	}
	/* svq_relay_locked() fills both results */
	ret = svq_relay_locked(vq, budget, dirs, used, avail);
	*cb = vq->cb;
	spin_unlock_irqrestore(&vq->ring_lock, flags);

	if (ret)
		svq_relay_fail(vq);
	pages_logged = used->pages_logged + avail->pages_logged;
	if (avail->chains || used->chains)
		trace_svq_relay(dev_name(&vq->svq->vdpa.dev), vq->idx, avail->chains,
				used->chains, pages_logged);
	if (avail->descs)
		this_cpu_add(stats->relayed_descs, avail->descs);
	if (pages_logged)
		this_cpu_add(stats->pages_logged, pages_logged);
	return ret;
}

/*
 * A pass from any context, then the notifications; @lower may be NULL (see
 * svq_relay_kick_lower()). True if there is more to do now: the budget or
 * a bound ran out, or a completion waits for the log.
 */
static __always_inline bool svq_relay(struct svq_vq *vq, struct vdpa_device *lower,
				      unsigned int budget, unsigned int dirs)
{
	struct svq_relay_result used, avail;
	struct vdpa_callback cb;
	int ret;

	ret = svq_relay_pass(vq, budget, dirs, &used, &avail, &cb);
	if (avail.notify)
		svq_relay_kick_lower(vq, lower);
	if (used.notify)
		svq_relay_signal_guest(vq, &cb);
	return !ret && (avail.more || used.more || used.log_short || avail.log_short);
}

/*
 * What a pass left: more passes, each with the lock taken and dropped;
 * first a larger log if a completion waits for one.
 */
static void svq_relay_work(struct work_struct *work)
{
	struct svq_vq *vq = container_of(work, struct svq_vq, relay_work);
	struct vdpa_device *lower;
	bool more;
	int srcu;

	if (READ_ONCE(vq->log_wait)) {
		WRITE_ONCE(vq->log_wait, false);
		svq_log_cover(vq->svq);
	}
	lower = svq_lower_lock(vq->svq, &srcu);
	more = lower && svq_relay(vq, lower, SVQ_WORK_BUDGET, SVQ_RELAY_BOTH);
	svq_lower_unlock(srcu);
	if (more)
		queue_work(system_wq, &vq->relay_work);
}

/**
 * svq_relay_init() - initialize the relay state of one virtqueue
 * @vq: the virtqueue
 */
void svq_relay_init(struct svq_vq *vq)
{
	spin_lock_init(&vq->ring_lock);
	INIT_WORK(&vq->relay_work, svq_relay_work);
}

/**
 * svq_relay_dirs() - relay a shadowed virtqueue now; the rest goes to a
 * work item
 * @vq: the virtqueue (nothing happens unless it is shadowed)
 * @lower: the lower device, or NULL: then it is looked up only to kick it
 *	   (the lower device's own callback needs it only then)
 * @dirs: SVQ_RELAY_USED, SVQ_RELAY_AVAIL or both
 *
 * Context: any.
 */
void svq_relay_dirs(struct svq_vq *vq, struct vdpa_device *lower, unsigned int dirs)
{
	if (svq_relay(vq, lower, SVQ_RELAY_BUDGET, dirs))
		queue_work(system_wq, &vq->relay_work);
}

/**
 * svq_relay_now() - relay a shadowed virtqueue both ways; the rest goes to
 * a work item
 * @vq: the virtqueue (nothing happens unless it is shadowed)
 * @lower: the lower device
 *
 * Context: any.
 */
void svq_relay_now(struct svq_vq *vq, struct vdpa_device *lower)
{
	svq_relay_dirs(vq, lower, SVQ_RELAY_BOTH);
}

/**
 * svq_relay_fill() - move what the guest made available to the shadow ring
 * of a suspended lower device, without a kick
 * @vq: the virtqueue, shadowed while its lower device is suspended
 *
 * A live switch fills every shadow ring before the lower device resumes:
 * relayed after the resume instead, a transmit kick taken on another CPU
 * could reach the device before the receive buffers, and the device would
 * drop that frame (receive ring empty). The caller kicks the lower device
 * after the resume; what one pass leaves is relayed then.
 *
 * Context: process.
 */
void svq_relay_fill(struct svq_vq *vq)
{
	struct svq_relay_result used, avail;
	struct vdpa_callback cb;

	svq_relay_pass(vq, SVQ_WORK_BUDGET, SVQ_RELAY_AVAIL, &used, &avail, &cb);
}

/**
 * svq_relay_stop() - relay what the lower device completed, then stop
 * relaying
 * @vq: the virtqueue; its lower device stopped using the shadow ring
 *	(suspended, disabled, reset or gone)
 *
 * What the lower device completed is relayed (and logged, with a larger
 * log first if it needs one) in bounded passes; the guest's used index is
 * kept in @vq->guest_avail_idx for get_vq_state(): chains still in flight
 * are rewound, not lost. After return no relay pass or work runs on @vq.
 *
 * Context: process.
 */
void svq_relay_stop(struct svq_vq *vq)
{
	struct svq_relay_result res, none;
	struct svq_dev *svq = vq->svq;
	bool notify = false, tried = false;
	struct vdpa_callback cb;
	unsigned long flags;
	int ret;

	for (;;) {
		spin_lock_irqsave(&vq->ring_lock, flags);
		if (!vq->shadow) {
			spin_unlock_irqrestore(&vq->ring_lock, flags);
			return;
		}
		ret = svq_relay_locked(vq, vq->num, SVQ_RELAY_USED, &res, &none);
		if (!ret && res.log_short && tried) {
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
	vq->log_wait = false;
	cb = vq->cb;
	spin_unlock_irqrestore(&vq->ring_lock, flags);
	if (ret && ret != -EIO)
		svq_relay_fail(vq);
	if (notify)
		svq_relay_signal_guest(vq, &cb);
	cancel_work_sync(&vq->relay_work);
}

/**
 * svq_relay_lower_cb() - the lower device's virtqueue callback
 * @private: the virtqueue
 *
 * In passthrough: count and call the upper driver's callback; shadowed:
 * relay. Runs in whatever context the lower device signals from
 * (vdpa_sim: its worker with BHs off; hardware: hard interrupt).
 *
 * Return: what the driver's callback returns, IRQ_HANDLED otherwise.
 */
irqreturn_t svq_relay_lower_cb(void *private)
{
	struct svq_vq *vq = private;
	struct vdpa_callback cb;
	unsigned long flags;

	if (READ_ONCE(vq->shadow)) {
		/* the lower device is looked up (SRCU) only if it must be kicked */
		svq_relay_dirs(vq, NULL, SVQ_RELAY_USED);
		return IRQ_HANDLED;
	}
	spin_lock_irqsave(&vq->cb_lock, flags);
	cb = vq->cb;
	spin_unlock_irqrestore(&vq->cb_lock, flags);
	/* a driver that polls the ring set none */
	if (!cb.callback)
		return IRQ_HANDLED;
	this_cpu_inc(vq->svq->stats.pcpu->interrupts);
	return cb.callback(cb.private);
}
