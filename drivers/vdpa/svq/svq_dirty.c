// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the VMM's dirty log.
 *
 * set_log_base() pins the VMM's bitmap (only as much as the writable
 * mappings need: one bit per 4 KiB page of IOVA) and maps it into the
 * kernel, so the relay can set bits from atomic context. The log is
 * swapped under the writers' side of the IOTLB lock, which the relay
 * holds while marking (svq_iotlb_write_lock()): once set_log_base() or the
 * end of logging returns, the previous log is never written again.
 *
 * This file only keeps the log: what is marked, and when, is the relay's
 * (svq_relay.c, svq_ring.c); switching virtqueues when logging starts or
 * stops is the virtqueue life cycle's (svq_vq.c).
 */

#include <linux/mm.h>
#include <linux/ratelimit.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "svq_compat.h"
#include "svq_dirty.h"
#include "svq_iotlb.h"

#define CREATE_TRACE_POINTS
#include <trace/events/vhost_vdpa_svq.h>

/*
 * The largest log the module pins: 1 GiB of bitmap covers 32 TiB of IOVA.
 * A VMM's log covers its guest's memory; a writable mapping far above it
 * (one page at 2^60, say) would otherwise have the module pin terabytes.
 */
#define SVQ_LOG_MAX_BYTES	SZ_1G

/*
 * The lines a VMM can cause through the log (a refused base, a log that
 * cannot grow) share one rate limit: at most 10 every 5 s, whatever it
 * tries.
 */
static DEFINE_RATELIMIT_STATE(svq_log_ratelimit, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

#define svq_log_warn(dev, fmt, ...)						\
	do {									\
		if (__ratelimit(&svq_log_ratelimit))				\
			dev_warn(dev, fmt, ##__VA_ARGS__);			\
	} while (0)

/*
 * Pages of IOVA the driver's writable mappings reach, over all address
 * spaces: the device never writes read-only ones (firmware), and the VMM's
 * bitmap need not cover them (QEMU sizes it by guest RAM). Context: the
 * caller keeps the mappings stable (iotlb_lock or a ring lock).
 */
static u64 svq_log_pages_needed_locked(struct svq_dev *svq)
{
	u64 last = 0;
	bool any = false;
	unsigned int i;

	for (i = 0; i < svq->nas; i++) {
		u64 end;

		if (svq_iotlb_writable_last(svq, i, &end)) {
			last = max(last, end);
			any = true;
		}
	}
	return any ? (last >> SVQ_LOG_PAGE_SHIFT) + 1 : 0;
}

static u64 svq_log_pages_needed(struct svq_dev *svq)
{
	unsigned long flags;
	u64 pages;

	read_lock_irqsave(&svq->iotlb_lock, flags);
	pages = svq_log_pages_needed_locked(svq);
	read_unlock_irqrestore(&svq->iotlb_lock, flags);
	return pages;
}

/**
 * svq_log_covers_mappings() - does the dirty log cover every writable
 * mapping?
 * @svq: the upper device
 *
 * A relay pass asks when the log does not cover what the device wrote:
 * if the log covers every writable mapping, no larger log will help (the
 * VMM unmapped a buffer the device was writing).
 *
 * Context: any; the caller holds a ring lock of @svq.
 * Return: true if it does (or nothing logs).
 */
bool svq_log_covers_mappings(struct svq_dev *svq)
{
	return !svq->log || svq->log->bitmap.nbits >= svq_log_pages_needed_locked(svq);
}

static void svq_log_unpin(struct svq_dirty_log *log)
{
	if (!log)
		return;
	if (log->vaddr)
		vunmap(log->vaddr);
	if (log->npinned) {
		unpin_user_pages_dirty_lock(log->pages, log->npinned, true);
		atomic64_sub(log->npinned, &log->mm->pinned_vm);
	}
	kvfree(log->pages);
	mmdrop(log->mm);
	kfree(log);
}

/*
 * Pin and map the first @nbits bits of the bitmap at @uaddr in @mm (the
 * vhost owner's), charged to its pinned_vm against @lock_limit pages (its
 * RLIMIT_MEMLOCK), as vhost-vdpa charges the guest memory it pins. Takes
 * the mmap lock: the caller holds none.
 */
static struct svq_dirty_log *svq_log_pin(struct mm_struct *mm, u64 uaddr, u64 nbits,
					 unsigned long lock_limit)
{
	u64 bytes = DIV_ROUND_UP(nbits, 64) * 8;
	struct svq_dirty_log *log;
	unsigned long npages;
	long pinned;

	if (bytes > SVQ_LOG_MAX_BYTES)
		return ERR_PTR(-EINVAL);
	log = kzalloc(sizeof(*log), GFP_KERNEL);
	if (!log)
		return ERR_PTR(-ENOMEM);
	mmgrab(mm);
	log->mm = mm;
	log->uaddr = uaddr;
	log->lock_limit = lock_limit;
	log->bitmap.nbits = nbits;
	if (!nbits)
		return log;
	npages = DIV_ROUND_UP(offset_in_page(uaddr) + bytes, PAGE_SIZE);
	log->pages = kvcalloc(npages, sizeof(*log->pages), GFP_KERNEL);
	if (!log->pages) {
		svq_log_unpin(log);
		return ERR_PTR(-ENOMEM);
	}
	if (!mmget_not_zero(mm)) {
		svq_log_unpin(log);
		return ERR_PTR(-ESRCH);
	}
	mmap_read_lock(mm);
	if (npages + atomic64_read(&mm->pinned_vm) > lock_limit)
		pinned = -ENOMEM;
	else
		pinned = svq_pin_user_pages_remote(mm, uaddr & PAGE_MASK, npages,
						   FOLL_WRITE | FOLL_LONGTERM, log->pages, NULL);
	if (pinned > 0) {
		log->npinned = pinned;
		atomic64_add(pinned, &mm->pinned_vm);
	}
	mmap_read_unlock(mm);
	mmput(mm);
	if (pinned != npages) {
		svq_log_unpin(log);
		return ERR_PTR(pinned < 0 ? pinned : -EFAULT);
	}
	log->vaddr = vmap(log->pages, npages, VM_MAP, PAGE_KERNEL);
	if (!log->vaddr) {
		svq_log_unpin(log);
		return ERR_PTR(-ENOMEM);
	}
	log->bitmap.bits = log->vaddr + offset_in_page(uaddr);
	return log;
}

/*
 * Install @log (NULL: none); the old one is unused once this returns.
 * The caller holds log_lock.
 */
static void svq_log_install(struct svq_dev *svq, struct svq_dirty_log *log)
{
	struct svq_dirty_log *old;
	unsigned long flags;

	lockdep_assert_held(&svq->log_lock);
	flags = svq_iotlb_write_lock(svq);
	old = svq->log;
	svq->log = log;
	WRITE_ONCE(svq->log_failed, false);
	svq_iotlb_write_unlock(svq, flags);
	svq_log_unpin(old);
}

/* Why a log could not be pinned, for the one line the VMM may cause. */
static const char *svq_log_why(int err)
{
	switch (err) {
	case -EINVAL:
		return "the writable mappings reach too high an IOVA for a log";
	case -ENOMEM:
		return "RLIMIT_MEMLOCK exceeded or out of memory";
	case -EFAULT:
		return "not writable memory of the VMM";
	default:
		return "the VMM is gone";
	}
}

/**
 * svq_log_pinned_bytes() - memory pinned for the dirty log
 * @svq: the upper device
 *
 * Return: bytes.
 */
size_t svq_log_pinned_bytes(struct svq_dev *svq)
{
	unsigned long flags;
	size_t bytes;

	read_lock_irqsave(&svq->iotlb_lock, flags);
	bytes = svq->log ? svq->log->npinned * PAGE_SIZE : 0;
	read_unlock_irqrestore(&svq->iotlb_lock, flags);
	return bytes;
}

/**
 * svq_log_set_base() - the VMM's bitmap (vhost_vdpa_log_ops.set_log_base)
 * @svq: the upper device
 * @uaddr: the VMM's bitmap, 8-byte aligned
 *
 * Pins as much of the bitmap as the writable mappings need, charged to
 * the caller's RLIMIT_MEMLOCK.
 *
 * Context: the vhost owner's, process (pins its memory).
 * Return: 0, -EINVAL for a misaligned bitmap or one that would be larger
 * than SVQ_LOG_MAX_BYTES, -EFAULT if it is not writable memory, -ENOMEM
 * (RLIMIT_MEMLOCK or memory).
 */
int svq_log_set_base(struct svq_dev *svq, u64 uaddr)
{
	struct device *dev = &svq->vdpa.dev;
	struct svq_dirty_log *log;
	u64 nbits;
	int ret = 0;

	if (!IS_ALIGNED(uaddr, sizeof(u64))) {
		svq_log_warn(dev, "dirty log base refused: not 8-byte aligned\n");
		return -EINVAL;
	}
	mutex_lock(&svq->log_lock);
	nbits = svq_log_pages_needed(svq);
	log = svq_log_pin(current->mm, uaddr, nbits, PFN_DOWN(rlimit(RLIMIT_MEMLOCK)));
	if (IS_ERR(log)) {
		ret = PTR_ERR(log);
		svq_log_warn(dev, "dirty log base refused (%d): %s\n", ret, svq_log_why(ret));
	} else {
		svq_log_install(svq, log);
	}
	mutex_unlock(&svq->log_lock);
	trace_svq_log_base(dev_name(dev), uaddr, nbits, ret);
	return ret;
}

/*
 * Make the log cover every writable mapping, pinning a larger part of the
 * VMM's bitmap if needed. On failure relay passes that find a write
 * outside the log break their ring. Context: process, no mmap lock; the
 * caller holds log_lock. Returns 0 or the error.
 */
static int svq_log_cover_locked(struct svq_dev *svq)
{
	struct svq_dirty_log *log;
	u64 nbits;

	lockdep_assert_held(&svq->log_lock);
	nbits = svq_log_pages_needed(svq);
	if (!svq->log || nbits <= svq->log->bitmap.nbits)
		return 0;
	log = svq_log_pin(svq->log->mm, svq->log->uaddr, nbits, svq->log->lock_limit);
	if (IS_ERR(log)) {
		WRITE_ONCE(svq->log_failed, true);
		svq_log_warn(&svq->vdpa.dev, "cannot grow the dirty log (%ld): %s\n",
			     PTR_ERR(log), svq_log_why(PTR_ERR(log)));
		return PTR_ERR(log);
	}
	svq_log_install(svq, log);
	return 0;
}

/**
 * svq_log_cover() - make the dirty log cover every writable mapping now
 * @svq: the upper device
 *
 * Context: process, holding no mmap lock (the stop path of a virtqueue).
 * Return: 0, or why a larger log could not be pinned.
 */
int svq_log_cover(struct svq_dev *svq)
{
	int ret;

	mutex_lock(&svq->log_lock);
	ret = svq_log_cover_locked(svq);
	mutex_unlock(&svq->log_lock);
	return ret;
}

/* Pin a larger part of the log, from the owner's mm (see svq_log_grow()). */
static void svq_log_grow_work(struct work_struct *work)
{
	svq_log_cover(container_of(work, struct svq_dev, log_grow_work));
}

/**
 * svq_log_grow() - the driver mapped more, or the device wrote outside the
 * log: cover it
 * @svq: the upper device
 *
 * Called after a mapping change, possibly with the owner's mmap lock held
 * (vhost-vdpa pins guest memory around the call): the pinning is left to a
 * work item. Until it ran, a completion whose writes the log does not
 * cover is held back (see svq_ring_relay_used()), and its virtqueue's
 * relay work covers the log itself: no write reaches the guest unlogged.
 * QEMU also sets a new, larger log base itself when memory is added during
 * migration.
 *
 * Context: any.
 */
void svq_log_grow(struct svq_dev *svq)
{
	if (READ_ONCE(svq->log))
		schedule_work(&svq->log_grow_work);
}

/**
 * svq_log_init() - initialize the dirty log state of an upper device
 * @svq: the upper device
 */
void svq_log_init(struct svq_dev *svq)
{
	mutex_init(&svq->log_lock);
	INIT_WORK(&svq->log_grow_work, svq_log_grow_work);
}

/**
 * svq_log_drop() - logging stopped: the log goes
 * @svq: the upper device
 *
 * Called after the shadow virtqueues were stopped or switched back (their
 * last completions logged).
 */
void svq_log_drop(struct svq_dev *svq)
{
	mutex_lock(&svq->log_lock);
	svq_log_install(svq, NULL);
	mutex_unlock(&svq->log_lock);
}

/**
 * svq_log_destroy() - the upper device goes: nothing may grow the log
 * @svq: the upper device
 */
void svq_log_destroy(struct svq_dev *svq)
{
	cancel_work_sync(&svq->log_grow_work);
	svq_log_drop(svq);
	mutex_destroy(&svq->log_lock);
}
