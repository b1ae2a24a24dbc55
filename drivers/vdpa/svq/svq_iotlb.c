// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the driver's mappings of an upper device's address
 * spaces.
 *
 * The module keeps its own copy of every mapping the upper device's driver
 * makes (set_map or dma_map) and forwards the mappings unchanged to the
 * lower device (zero copy), together with the shadow rings' (svq_window.c)
 * for a set_map lower device. The copy is what the relay validates guest
 * addresses against and reaches guest memory through (svq_guest.c): next
 * to it, the readable and the writable IOVA ranges are kept merged into
 * maximal runs, so that validating a buffer of any size is one look-up.
 *
 * An address space the driver never mapped is taken as identity only for
 * a kernel driver that uses the lower device's DMA API (virtio_vdpa). For
 * any other driver (vhost-vdpa: a VMM in userspace) an unmapped address
 * is a fault, never a physical address.
 */

#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/vhost_iotlb.h>

#include "svq_iotlb.h"
#include "svq_lower.h"

/* Mappings freed per hold of the write lock by svq_iotlb_dma_unmap(). */
#define SVQ_IOTLB_UNMAP_BATCH	64

/* Merge [@start, @last] into the maximal runs of @runs. */
static int svq_runs_add(struct vhost_iotlb *runs, u64 start, u64 last)
{
	u64 lo = start ? start - 1 : 0, hi = last == U64_MAX ? last : last + 1;
	struct vhost_iotlb_map *run;

	while ((run = vhost_iotlb_itree_first(runs, lo, hi))) {
		start = min(start, run->start);
		last = max(last, run->last);
		vhost_iotlb_map_free(runs, run);
	}
	return vhost_iotlb_add_range(runs, start, last, 0, VHOST_MAP_RW);
}

/* Take [@start, @last] out of the runs of @runs. */
static int svq_runs_del(struct vhost_iotlb *runs, u64 start, u64 last)
{
	struct vhost_iotlb_map *run;
	u64 first, end;
	int ret = 0;

	while (!ret && (run = vhost_iotlb_itree_first(runs, start, last))) {
		first = run->start;
		end = run->last;
		vhost_iotlb_map_free(runs, run);
		if (first < start)
			ret = vhost_iotlb_add_range(runs, first, start - 1, 0, VHOST_MAP_RW);
		if (!ret && end > last)
			ret = vhost_iotlb_add_range(runs, last + 1, end, 0, VHOST_MAP_RW);
	}
	return ret;
}

/**
 * svq_iotlb_runs_cover() - is all of [@first, @last] in one run?
 * @runs: the readable or writable runs of an address space
 * @first: first IOVA
 * @last: last IOVA
 *
 * Context: any; the caller keeps the mappings stable (iotlb_lock or a
 * ring lock).
 * Return: true if it is.
 */
bool svq_iotlb_runs_cover(struct vhost_iotlb *runs, u64 first, u64 last)
{
	struct vhost_iotlb_map *run = vhost_iotlb_itree_first(runs, first, first);

	return run && run->last >= last;
}

static int svq_maps_alloc(struct svq_maps *maps)
{
	maps->guest = vhost_iotlb_alloc(U32_MAX, 0);
	maps->readable = vhost_iotlb_alloc(U32_MAX, 0);
	maps->writable = vhost_iotlb_alloc(U32_MAX, 0);
	return maps->guest && maps->readable && maps->writable ? 0 : -ENOMEM;
}

static void svq_maps_free(struct svq_maps *maps)
{
	vhost_iotlb_free(maps->guest);
	vhost_iotlb_free(maps->readable);
	vhost_iotlb_free(maps->writable);
}

static void svq_maps_reset(struct svq_maps *maps)
{
	vhost_iotlb_reset(maps->guest);
	vhost_iotlb_reset(maps->readable);
	vhost_iotlb_reset(maps->writable);
}

/*
 * Remove the driver's mappings that overlap [@start, @last] from @maps,
 * as vhost_iotlb_del_range() does, and their runs; what other mappings
 * still cover stays in the runs. On failure (no memory) the runs are
 * short: buffers there are refused, never wrongly allowed.
 */
static int svq_maps_del(struct svq_maps *maps, u64 start, u64 last)
{
	struct vhost_iotlb_map *map;
	u64 first = start, end = last;
	int ret;

	for (map = vhost_iotlb_itree_first(maps->guest, start, last); map;
	     map = vhost_iotlb_itree_next(map, start, last)) {
		first = min(first, map->start);
		end = max(end, map->last);
	}
	vhost_iotlb_del_range(maps->guest, start, last);
	ret = svq_runs_del(maps->readable, first, end);
	if (!ret)
		ret = svq_runs_del(maps->writable, first, end);
	for (map = vhost_iotlb_itree_first(maps->guest, first, end); !ret && map;
	     map = vhost_iotlb_itree_next(map, first, end)) {
		u64 s = max(first, map->start), l = min(end, map->last);

		if (map->perm & VHOST_MAP_RO)
			ret = svq_runs_add(maps->readable, s, l);
		if (!ret && (map->perm & VHOST_MAP_WO))
			ret = svq_runs_add(maps->writable, s, l);
	}
	return ret;
}

/*
 * Where to end a removal from @start so that it frees at most
 * SVQ_IOTLB_UNMAP_BATCH of the driver's mappings: the last IOVA of the
 * batch's last mapping, or @last.
 */
static u64 svq_maps_batch_last(struct svq_maps *maps, u64 start, u64 last)
{
	struct vhost_iotlb_map *map;
	unsigned int n = 0;

	for (map = vhost_iotlb_itree_first(maps->guest, start, last); map;
	     map = vhost_iotlb_itree_next(map, start, last))
		if (++n == SVQ_IOTLB_UNMAP_BATCH)
			return min(map->last, last);
	return last;
}

/*
 * Add a mapping of the driver's to @maps; if that fails, @maps is as it
 * was. Context: any (GFP_ATOMIC).
 */
static int svq_maps_add(struct svq_maps *maps, u64 start, u64 last, u64 pa, u32 perm)
{
	int ret = vhost_iotlb_add_range(maps->guest, start, last, pa, perm);

	if (ret)
		return ret;
	if (perm & VHOST_MAP_RO)
		ret = svq_runs_add(maps->readable, start, last);
	if (!ret && (perm & VHOST_MAP_WO))
		ret = svq_runs_add(maps->writable, start, last);
	if (ret)
		svq_maps_del(maps, start, last);
	return ret;
}

/**
 * svq_iotlb_init() - set up the address spaces
 * @svq: the upper device, with nothing mapped yet
 * @lower: the lower device
 *
 * Return: 0 or -ENOMEM.
 */
int svq_iotlb_init(struct svq_dev *svq, struct vdpa_device *lower)
{
	unsigned int i;

	rwlock_init(&svq->iotlb_lock);
	svq->nas = lower->nas;
	svq->as = kcalloc(svq->nas, sizeof(*svq->as), GFP_KERNEL);
	svq->group_asid = kcalloc(lower->ngroups, sizeof(*svq->group_asid), GFP_KERNEL);
	if (!svq->as || !svq->group_asid)
		return -ENOMEM;
	for (i = 0; i < svq->nas; i++) {
		svq->as[i].svq = svq;
		vhost_iotlb_init(&svq->as[i].shadow, U32_MAX, 0);
		if (svq_maps_alloc(&svq->as[i].maps))
			return -ENOMEM;
	}
	return 0;
}

/**
 * svq_iotlb_destroy() - free what svq_iotlb_init() set up
 * @svq: the upper device
 */
void svq_iotlb_destroy(struct svq_dev *svq)
{
	unsigned int i;

	for (i = 0; svq->as && i < svq->nas; i++) {
		svq_maps_free(&svq->as[i].maps);
		vhost_iotlb_reset(&svq->as[i].shadow);
	}
	kfree(svq->as);
	kfree(svq->group_asid);
}

/**
 * svq_iotlb_write_lock() - keep every reader out of the mappings
 * @svq: the upper device
 *
 * Takes @svq->iotlb_lock for writing, interrupts off, and every
 * virtqueue's ring lock. A relay pass holds its ring lock only: it reads
 * the IOTLB copies, @svq->log and @svq->identity_ok with no atomic
 * operation of its own, at the price of this loop on every change (rare,
 * from process context). The other readers take @svq->iotlb_lock.
 *
 * Context: any; not under a ring lock.
 * Return: the interrupt flags for svq_iotlb_write_unlock().
 */
unsigned long svq_iotlb_write_lock(struct svq_dev *svq)
	__acquires(&svq->iotlb_lock)
{
	unsigned long flags;
	u16 i;

	write_lock_irqsave(&svq->iotlb_lock, flags);
	for (i = 0; svq->vqs && i < svq->nvqs; i++) {
		spin_lock_nest_lock(&svq->vqs[i].ring_lock, &svq->iotlb_lock);
		/* sparse: balanced by svq_iotlb_write_unlock() */
		__release(&svq->vqs[i].ring_lock);
	}
	return flags;
}

/**
 * svq_iotlb_write_unlock() - end of svq_iotlb_write_lock()
 * @svq: the upper device
 * @flags: what svq_iotlb_write_lock() returned
 */
void svq_iotlb_write_unlock(struct svq_dev *svq, unsigned long flags)
	__releases(&svq->iotlb_lock)
{
	u16 i;

	for (i = 0; svq->vqs && i < svq->nvqs; i++) {
		__acquire(&svq->vqs[i].ring_lock);
		spin_unlock(&svq->vqs[i].ring_lock);
	}
	write_unlock_irqrestore(&svq->iotlb_lock, flags);
}

/* Copy every mapping of @from into @to. */
static int svq_iotlb_copy(struct vhost_iotlb *to, struct vhost_iotlb *from)
{
	struct vhost_iotlb_map *map;
	int ret;

	for (map = vhost_iotlb_itree_first(from, 0, U64_MAX); map;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX)) {
		ret = vhost_iotlb_add_range(to, map->start, map->last, map->addr, map->perm);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * svq_iotlb_push() - give a set_map lower device the driver's mappings of
 * @asid plus the shadow rings'
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: address space
 * @driver_iotlb: the driver's mappings
 *
 * An address space the driver never mapped is identity below the shadow
 * ring window.
 *
 * Context: process; the caller holds svq->map_lock.
 * Return: what the lower device returns, or -ENOMEM.
 */
int svq_iotlb_push(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		   struct vhost_iotlb *driver_iotlb)
{
	struct svq_as *as = &svq->as[asid];
	struct vhost_iotlb *merged;
	int ret;

	if (as->has_map && !as->shadow.nmaps)
		return svq_lower_set_map(lower, asid, driver_iotlb);
	if (!as->has_map && !as->shadow.nmaps && svq_lower_caps(lower) & SVQ_CAP_RESET_MAP)
		return svq_lower_reset_map(lower, asid);
	merged = vhost_iotlb_alloc(U32_MAX, 0);
	if (!merged)
		return -ENOMEM;
	if (as->has_map)
		ret = svq_iotlb_copy(merged, driver_iotlb);
	else
		ret = vhost_iotlb_add_range(merged, 0, svq->window_first - 1, 0, VHOST_MAP_RW);
	if (!ret)
		ret = svq_iotlb_copy(merged, &as->shadow);
	if (!ret)
		ret = svq_lower_set_map(lower, asid, merged);
	vhost_iotlb_free(merged);
	return ret;
}

/**
 * svq_iotlb_set_map() - the driver replaces the mappings of an address
 * space: keep a copy, and forward them (plus the shadow rings')
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: address space
 * @iotlb: the driver's mappings
 *
 * Return: 0 or a negative errno, from the copy or the lower device.
 */
int svq_iotlb_set_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      struct vhost_iotlb *iotlb)
{
	struct vhost_iotlb_map *map;
	struct svq_maps copy, old;
	unsigned long flags;
	int ret;

	if (asid >= svq->nas)
		return -EINVAL;
	ret = svq_maps_alloc(&copy);
	for (map = vhost_iotlb_itree_first(iotlb, 0, U64_MAX); !ret && map;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX))
		ret = svq_maps_add(&copy, map->start, map->last, map->addr, map->perm);
	if (ret) {
		svq_maps_free(&copy);
		return ret;
	}
	mutex_lock(&svq->map_lock);
	flags = svq_iotlb_write_lock(svq);
	old = svq->as[asid].maps;
	svq->as[asid].maps = copy;
	svq->as[asid].has_map = true;
	svq->iotlb_gen++;
	svq_iotlb_write_unlock(svq, flags);
	svq_maps_free(&old);
	ret = svq_iotlb_push(svq, lower, asid, iotlb);
	mutex_unlock(&svq->map_lock);
	return ret;
}

/**
 * svq_iotlb_dma_map() - the driver adds a mapping: keep it, forward it
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: address space
 * @iova: first IOVA
 * @size: bytes
 * @pa: physical address (PA mode)
 * @perm: VHOST_MAP_RO, _WO or _RW
 * @opaque: passed to the lower device
 *
 * Return: 0 or a negative errno.
 */
int svq_iotlb_dma_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, u64 size, u64 pa, u32 perm, void *opaque)
{
	unsigned long flags;
	int ret;

	if (asid >= svq->nas || !size)
		return -EINVAL;
	mutex_lock(&svq->map_lock);
	flags = svq_iotlb_write_lock(svq);
	ret = svq_maps_add(&svq->as[asid].maps, iova, iova + size - 1, pa, perm);
	if (!ret)
		svq->as[asid].has_map = true;
	svq->iotlb_gen++;
	svq_iotlb_write_unlock(svq, flags);
	if (!ret)
		ret = svq_lower_dma_map(svq, lower, asid, iova, size, pa, perm, opaque);
	if (ret) {
		flags = svq_iotlb_write_lock(svq);
		svq_maps_del(&svq->as[asid].maps, iova, iova + size - 1);
		svq->iotlb_gen++;
		svq_iotlb_write_unlock(svq, flags);
	}
	mutex_unlock(&svq->map_lock);
	return ret;
}

/**
 * svq_iotlb_dma_unmap() - the driver removes mappings: from the copy, and
 * from the lower device
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: address space
 * @iova: first IOVA
 * @size: bytes
 *
 * Return: what the lower device returns.
 */
int svq_iotlb_dma_unmap(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			u64 iova, u64 size)
{
	u64 start = iova, last = iova + size - 1, end;
	unsigned long flags;
	int ret;

	if (asid >= svq->nas || !size)
		return -EINVAL;
	mutex_lock(&svq->map_lock);
	/*
	 * At most SVQ_IOTLB_UNMAP_BATCH of the driver's mappings are freed
	 * per hold of the write lock (interrupts off): vhost-vdpa unmaps
	 * one mapping a call, but the range is the driver's choice.
	 */
	do {
		flags = svq_iotlb_write_lock(svq);
		end = svq_maps_batch_last(&svq->as[asid].maps, start, last);
		svq_maps_del(&svq->as[asid].maps, start, end);
		svq->iotlb_gen++;
		svq_iotlb_write_unlock(svq, flags);
		start = end + 1;
	} while (end < last);
	ret = svq_lower_dma_unmap(svq, lower, asid, iova, size);
	mutex_unlock(&svq->map_lock);
	return ret;
}

/**
 * svq_iotlb_replay() - give a lower device that was reset (and so lost its
 * mappings) the driver's mappings again
 * @svq: the upper device
 * @lower: the lower device, held
 *
 * A set_map lower device gets one set_map per address space the driver
 * mapped or a shadow ring uses (with the shadow rings' mappings); a
 * dma_map one gets each of the driver's mappings, each unmapped first in
 * case the parent kept it. Shadow rings of a dma_map lower device are
 * the caller's (svq_window_replay()).
 *
 * Context: process; the caller holds svq->switch_lock.
 * Return: 0, or the first error of the lower device.
 */
int svq_iotlb_replay(struct svq_dev *svq, struct vdpa_device *lower)
{
	bool dma_map = svq_lower_has_dma_map(lower);
	struct vhost_iotlb_map *map;
	unsigned int asid;
	int ret = 0;

	mutex_lock(&svq->map_lock);
	for (asid = 0; !ret && asid < svq->nas; asid++) {
		struct svq_as *as = &svq->as[asid];

		if (!dma_map) {
			if (as->has_map || as->shadow.nmaps)
				ret = svq_iotlb_push(svq, lower, asid, as->maps.guest);
			if (!ret)
				as->shadow_dirty = false;
			continue;
		}
		for (map = vhost_iotlb_itree_first(as->maps.guest, 0, U64_MAX); !ret && map;
		     map = vhost_iotlb_itree_next(map, 0, U64_MAX)) {
			u64 size = map->last - map->start + 1;

			svq_lower_dma_unmap(svq, lower, asid, map->start, size);
			ret = svq_lower_dma_map(svq, lower, asid, map->start, size, map->addr,
						map->perm, NULL);
		}
	}
	mutex_unlock(&svq->map_lock);
	return ret;
}

/**
 * svq_iotlb_forget() - the driver's mappings of @asid are gone (reset_map,
 * or a reset that cleans the maps)
 * @svq: the upper device
 * @asid: address space
 *
 * The copy is swapped for an empty one with interrupts off and freed
 * after: freeing tens of thousands of mappings (a VMM's choice) took 16 ms
 * under the lock on the debug kernel.
 *
 * Context: process.
 */
void svq_iotlb_forget(struct svq_dev *svq, unsigned int asid)
{
	struct svq_maps empty, old;
	unsigned long flags;
	bool swapped;

	if (asid >= svq->nas)
		return;
	swapped = !svq_maps_alloc(&empty);
	flags = svq_iotlb_write_lock(svq);
	if (swapped) {
		old = svq->as[asid].maps;
		svq->as[asid].maps = empty;
	} else {
		/* no memory for an empty copy: empty this one in place */
		svq_maps_reset(&svq->as[asid].maps);
	}
	svq->as[asid].has_map = false;
	svq->iotlb_gen++;
	svq_iotlb_write_unlock(svq, flags);
	svq_maps_free(swapped ? &old : &empty);
}

/**
 * svq_iotlb_writable_last() - the last IOVA the driver maps writable
 * @svq: the upper device
 * @asid: address space
 * @last: set to it
 *
 * Context: any; the caller keeps the mappings stable (iotlb_lock or a ring
 * lock). One look-up: the writable runs do not overlap, so the one that
 * starts last ends last.
 * Return: false if nothing is mapped writable.
 */
bool svq_iotlb_writable_last(struct svq_dev *svq, unsigned int asid, u64 *last)
{
	struct rb_node *node = rb_last(&svq->as[asid].maps.writable->root.rb_root);

	if (!node)
		return false;
	*last = rb_entry(node, struct vhost_iotlb_map, rb)->last;
	return true;
}

/**
 * svq_iotlb_set_identity_ok() - whether an address space the driver never
 * mapped is identity (the kernel's own virtio driver) or faults
 * @svq: the upper device
 * @identity_ok: the new value
 *
 * Context: any.
 */
void svq_iotlb_set_identity_ok(struct svq_dev *svq, bool identity_ok)
{
	unsigned long flags;

	if (READ_ONCE(svq->identity_ok) == identity_ok)
		return;
	flags = svq_iotlb_write_lock(svq);
	WRITE_ONCE(svq->identity_ok, identity_ok);
	svq->iotlb_gen++;
	svq_iotlb_write_unlock(svq, flags);
}
