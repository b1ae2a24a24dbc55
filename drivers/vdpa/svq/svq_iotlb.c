// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: address spaces of an upper device.
 *
 * The module keeps its own copy of every mapping the upper device's driver
 * makes (set_map or dma_map), forwards the mappings unchanged to the lower
 * device (zero copy), and maps its shadow rings into the lower device at
 * IOVAs from an iova_domain over a window at the top of the lower device's
 * range. The window is withheld from the range the upper device reports,
 * so the driver's mappings never collide with it.
 *
 * The copy is what the relay validates guest addresses against, and how it
 * reaches guest memory: in PA mode a mapping's address is the physical
 * address of pinned pages. An address space the driver never mapped is
 * taken as identity only for a kernel driver that uses the lower device's
 * DMA API (virtio_vdpa): vdpa_sim and the DMA API then use physical
 * addresses. For any other driver (vhost-vdpa: a VMM in userspace) an
 * unmapped address is a fault, never a physical address.
 */

#include <linux/highmem.h>
#include <linux/iova.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vhost_iotlb.h>

#include "svq_dev.h"
#include "svq_ring.h"

#define SVQ_WINDOW_SIZE		SZ_16M
#define SVQ_MIN_RANGE		SZ_64M

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

/* Is all of [@first, @last] in one run of @runs? */
static bool svq_runs_cover(struct vhost_iotlb *runs, u64 first, u64 last)
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

/* The lower device's IOVA range; all of it when it does not say. */
static struct vdpa_iova_range svq_lower_range(struct vdpa_device *lower)
{
	struct vdpa_iova_range range = { .first = 0, .last = U64_MAX };

	if (lower->config->get_iova_range)
		range = lower->config->get_iova_range(lower);
	return range;
}

/**
 * svq_iotlb_init() - set up the address spaces and the shadow ring window
 * @svq: the upper device, with nothing mapped yet
 * @lower: the lower device
 *
 * Return: 0 or -ENOMEM.
 */
int svq_iotlb_init(struct svq_dev *svq, struct vdpa_device *lower)
{
	struct vdpa_iova_range range = svq_lower_range(lower);
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

	svq->range = range;
	if (range.last - range.first < SVQ_MIN_RANGE)
		return 0;	/* no room for shadow rings: passthrough only */
	svq->window_last = range.last;
	svq->window_first = (range.last - SVQ_WINDOW_SIZE + 1) & PAGE_MASK;
	svq->range.last = svq->window_first - 1;
	init_iova_domain(&svq->iovad, PAGE_SIZE, svq->window_first >> PAGE_SHIFT);
	svq->has_window = true;
	return 0;
}

/**
 * svq_iotlb_destroy() - free what svq_iotlb_init() set up
 * @svq: the upper device
 */
void svq_iotlb_destroy(struct svq_dev *svq)
{
	unsigned int i;

	if (svq->has_window)
		put_iova_domain(&svq->iovad);
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

/*
 * Give a set_map lower device the driver's mappings of @asid plus the
 * shadow rings'. An address space the driver never mapped is identity
 * below the window. Context: process; the caller holds svq->map_lock.
 */
static int svq_iotlb_push(struct svq_dev *svq, struct vdpa_device *lower,
			  unsigned int asid, struct vhost_iotlb *driver_iotlb)
{
	struct svq_as *as = &svq->as[asid];
	struct vhost_iotlb *merged;
	int ret;

	if (as->has_map && !as->shadow.nmaps)
		return lower->config->set_map(lower, asid, driver_iotlb);
	if (!as->has_map && !as->shadow.nmaps && lower->config->reset_map)
		return lower->config->reset_map(lower, asid);
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
		ret = lower->config->set_map(lower, asid, merged);
	vhost_iotlb_free(merged);
	return ret;
}

/* The driver replaces the mappings of an address space. */
static int svq_iotlb_set_map(struct svq_dev *svq, struct vdpa_device *lower,
			     unsigned int asid, struct vhost_iotlb *iotlb)
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

/* The driver adds a mapping. */
static int svq_iotlb_dma_map(struct svq_dev *svq, struct vdpa_device *lower,
			     unsigned int asid, u64 iova, u64 size, u64 pa, u32 perm,
			     void *opaque)
{
	unsigned long flags;
	int ret;

	if (asid >= svq->nas || !size)
		return -EINVAL;
	flags = svq_iotlb_write_lock(svq);
	ret = svq_maps_add(&svq->as[asid].maps, iova, iova + size - 1, pa, perm);
	if (!ret)
		svq->as[asid].has_map = true;
	svq->iotlb_gen++;
	svq_iotlb_write_unlock(svq, flags);
	if (ret)
		return ret;
	ret = lower->config->dma_map(lower, asid, iova, size, pa, perm, opaque);
	if (ret) {
		flags = svq_iotlb_write_lock(svq);
		svq_maps_del(&svq->as[asid].maps, iova, iova + size - 1);
		svq->iotlb_gen++;
		svq_iotlb_write_unlock(svq, flags);
	}
	return ret;
}

/* The driver removes mappings. */
static int svq_iotlb_dma_unmap(struct svq_dev *svq, struct vdpa_device *lower,
			       unsigned int asid, u64 iova, u64 size)
{
	unsigned long flags;

	if (asid >= svq->nas || !size)
		return -EINVAL;
	flags = svq_iotlb_write_lock(svq);
	svq_maps_del(&svq->as[asid].maps, iova, iova + size - 1);
	svq->iotlb_gen++;
	svq_iotlb_write_unlock(svq, flags);
	return lower->config->dma_unmap(lower, asid, iova, size);
}

/**
 * svq_iotlb_forget() - the driver's mappings of @asid are gone (reset_map,
 * or a reset that cleans the maps)
 * @svq: the upper device
 * @asid: address space
 */
void svq_iotlb_forget(struct svq_dev *svq, unsigned int asid)
{
	unsigned long flags;

	if (asid >= svq->nas)
		return;
	flags = svq_iotlb_write_lock(svq);
	svq_maps_reset(&svq->as[asid].maps);
	svq->as[asid].has_map = false;
	svq->iotlb_gen++;
	svq_iotlb_write_unlock(svq, flags);
}

/**
 * svq_set_map() - vdpa_config_ops.set_map: the driver's whole mappings
 * @vdev: the upper device
 * @asid: address space
 * @iotlb: the driver's mappings, copied and forwarded (plus shadow rings)
 *
 * Return: 0 or a negative errno, from the copy or the lower device.
 */
int svq_set_map(struct vdpa_device *vdev, unsigned int asid, struct vhost_iotlb *iotlb)
{
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = svq_iotlb_set_map(vdpa_to_svq(vdev), lower, asid, iotlb);
	svq_lower_unlock(srcu);
	if (!ret)
		svq_log_grow(vdpa_to_svq(vdev));
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
int svq_dma_map(struct vdpa_device *vdev, unsigned int asid, u64 iova, u64 size, u64 pa,
		u32 perm, void *opaque)
{
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = svq_iotlb_dma_map(vdpa_to_svq(vdev), lower, asid, iova, size, pa, perm,
					opaque);
	svq_lower_unlock(srcu);
	if (!ret)
		svq_log_grow(vdpa_to_svq(vdev));
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
int svq_dma_unmap(struct vdpa_device *vdev, unsigned int asid, u64 iova, u64 size)
{
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = svq_iotlb_dma_unmap(vdpa_to_svq(vdev), lower, asid, iova, size);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_reset_map() - vdpa_config_ops.reset_map: back to the default mapping
 * @vdev: the upper device
 * @asid: address space
 *
 * Return: what the lower device returns, -ENODEV without one.
 */
int svq_reset_map(struct vdpa_device *vdev, unsigned int asid)
{
	struct vdpa_device *lower;
	int ret = -ENODEV, srcu;

	svq_iotlb_forget(vdpa_to_svq(vdev), asid);
	lower = svq_lower_lock(vdev, &srcu);
	if (lower)
		ret = lower->config->reset_map(lower, asid);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_get_iova_range() - vdpa_config_ops.get_iova_range
 * @vdev: the upper device
 *
 * Return: the lower device's range minus the shadow ring window.
 */
struct vdpa_iova_range svq_get_iova_range(struct vdpa_device *vdev)
{
	return vdpa_to_svq(vdev)->range;
}

/* Unmap both parts of a shadow ring from a lower device with dma_map. */
static void svq_shadow_dma_unmap(struct vdpa_device *lower, unsigned int asid, u64 start,
				 size_t size, size_t ro_size)
{
	if (ro_size)
		lower->config->dma_unmap(lower, asid, start, ro_size);
	if (size > ro_size)
		lower->config->dma_unmap(lower, asid, start + ro_size, size - ro_size);
}

/* Map both parts of a shadow ring into a lower device with dma_map. */
static int svq_shadow_dma_map(struct vdpa_device *lower, unsigned int asid, u64 start,
			      phys_addr_t pa, size_t size, size_t ro_size)
{
	const struct vdpa_config_ops *ops = lower->config;
	int ret = 0;

	if (ro_size)
		ret = ops->dma_map(lower, asid, start, ro_size, pa, VHOST_MAP_RO, NULL);
	if (!ret && size > ro_size) {
		ret = ops->dma_map(lower, asid, start + ro_size, size - ro_size, pa + ro_size,
				   VHOST_MAP_RW, NULL);
		if (ret && ro_size)
			ops->dma_unmap(lower, asid, start, ro_size);
	}
	return ret;
}

/* The same in the IOTLB copy that set_map parents are given. */
static int svq_shadow_iotlb_add(struct vhost_iotlb *iotlb, u64 start, phys_addr_t pa,
				size_t size, size_t ro_size)
{
	int ret = 0;

	if (ro_size)
		ret = vhost_iotlb_add_range(iotlb, start, start + ro_size - 1, pa, VHOST_MAP_RO);
	if (!ret && size > ro_size)
		ret = vhost_iotlb_add_range(iotlb, start + ro_size, start + size - 1,
					    pa + ro_size, VHOST_MAP_RW);
	return ret;
}

/**
 * svq_iotlb_map_shadow() - map shadow ring memory into the lower device
 * @svq: the upper device
 * @lower: the lower device
 * @asid: address space of the virtqueue
 * @pa: physical address of the ring (contiguous)
 * @size: bytes, page aligned
 * @ro_size: bytes at the start that the device may only read (the
 *	     descriptor table and the available ring), page aligned; the rest
 *	     (the used ring) it may also write
 * @iova: the IOVA given to it, out
 *
 * Return: 0, -ENOSPC without a window or room in it, or what the lower
 * device returns.
 */
int svq_iotlb_map_shadow(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			 phys_addr_t pa, size_t size, size_t ro_size, u64 *iova)
{
	unsigned long npages = size >> PAGE_SHIFT;
	struct iova *area;
	u64 start;
	int ret;

	if (!svq->has_window || asid >= svq->nas)
		return -ENOSPC;
	area = alloc_iova(&svq->iovad, npages, svq->window_last >> PAGE_SHIFT, true);
	if (!area)
		return -ENOSPC;
	start = (u64)area->pfn_lo << PAGE_SHIFT;

	mutex_lock(&svq->map_lock);
	if (lower->config->dma_map && !svq->as[asid].has_map) {
		/* mapping anything would drop the lower device's own DMA mapping */
		ret = -EOPNOTSUPP;
	} else if (lower->config->dma_map) {
		ret = svq_shadow_dma_map(lower, asid, start, pa, size, ro_size);
	} else {
		ret = svq_shadow_iotlb_add(&svq->as[asid].shadow, start, pa, size, ro_size);
		if (!ret)
			ret = svq_iotlb_push(svq, lower, asid, svq->as[asid].maps.guest);
		if (ret)
			vhost_iotlb_del_range(&svq->as[asid].shadow, start, start + size - 1);
	}
	mutex_unlock(&svq->map_lock);
	if (ret) {
		__free_iova(&svq->iovad, area);
		return ret;
	}
	*iova = start;
	return 0;
}

/**
 * svq_iotlb_unmap_shadow() - undo svq_iotlb_map_shadow()
 * @svq: the upper device
 * @lower: the lower device, NULL once it is gone
 * @asid: address space
 * @iova: what svq_iotlb_map_shadow() returned
 * @size: bytes
 * @ro_size: as given to svq_iotlb_map_shadow()
 */
void svq_iotlb_unmap_shadow(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			    u64 iova, size_t size, size_t ro_size)
{
	mutex_lock(&svq->map_lock);
	if (lower && lower->config->dma_map) {
		svq_shadow_dma_unmap(lower, asid, iova, size, ro_size);
	} else {
		vhost_iotlb_del_range(&svq->as[asid].shadow, iova, iova + size - 1);
		if (lower)
			svq_iotlb_push(svq, lower, asid, svq->as[asid].maps.guest);
	}
	mutex_unlock(&svq->map_lock);
	free_iova(&svq->iovad, iova >> PAGE_SHIFT);
}

#define SVQ_TLB_VALID	1ULL
#define SVQ_TLB_MAX	1024

/*
 * Cache the translation of @iova's page that @map gave, if the whole page
 * is in @map and no other mapping overlaps it (so that a look-up at any
 * address of the page finds @map), at the same offset in a physical page.
 * The caller checked pfn_valid() of that physical page.
 */
static void svq_tlb_fill(struct svq_guest_ctx *ctx, struct svq_tlb_entry *e,
			 struct vhost_iotlb_map *map, u64 iova)
{
	struct vhost_iotlb *iotlb = ctx->as->maps.guest;
	u64 page = iova & PAGE_MASK, last = page + PAGE_SIZE - 1;

	if (map->start > page || map->last < last ||
	    !IS_ALIGNED(map->addr - map->start, PAGE_SIZE) ||
	    vhost_iotlb_itree_first(iotlb, page, last) != map ||
	    vhost_iotlb_itree_next(map, page, last))
		return;
	e->iova = page | SVQ_TLB_VALID;
	e->pa = ((map->addr + (page - map->start)) & PAGE_MASK) |
		(map->perm & (VHOST_MAP_RO | VHOST_MAP_WO));
}

/*
 * Translate @iova for an access that needs the VHOST_MAP_* permissions
 * @need: its physical address in @pa, and in @chunk how many bytes from
 * there the same translation covers (up to the end of the mapping or of
 * the physical page). The driver's mapping that a look-up at @iova finds
 * must allow the access, and the page must be RAM; an address space the
 * driver never mapped is identity only if identity_ok. A valid entry of
 * the virtqueue's cache (same IOTLB generation) stands for the same
 * look-up and checks.
 */
static bool svq_guest_translate(struct svq_guest_ctx *ctx, u64 iova, u32 need, u64 *pa,
				u64 *chunk)
{
	struct svq_as *as = ctx->as;
	struct svq_dev *svq = as->svq;
	struct svq_tlb_entry *e = NULL;
	struct vhost_iotlb_map *map;

	if (ctx->tlb && as->has_map) {
		if (unlikely(ctx->gen != svq->iotlb_gen)) {
			memset(ctx->tlb, 0, sizeof(*ctx->tlb) * (ctx->tlb_mask + 1));
			ctx->gen = svq->iotlb_gen;
		}
		e = &ctx->tlb[(iova >> PAGE_SHIFT) & ctx->tlb_mask];
		if (e->iova == ((iova & PAGE_MASK) | SVQ_TLB_VALID)) {
			if ((e->pa & need) != need)
				return false;
			*pa = (e->pa & PAGE_MASK) + offset_in_page(iova);
			*chunk = PAGE_SIZE - offset_in_page(iova);
			return true;
		}
	}
	if (as->has_map) {
		map = vhost_iotlb_itree_first(as->maps.guest, iova, iova);
		if (!map || (map->perm & need) != need)
			return false;
		*pa = map->addr + (iova - map->start);
		*chunk = map->last - iova + 1 ?: U64_MAX;
	} else if (READ_ONCE(svq->identity_ok)) {
		*pa = iova;
		*chunk = U64_MAX;
	} else {
		/* userspace drivers must map what the device touches */
		return false;
	}
	*chunk = min_t(u64, *chunk, PAGE_SIZE - offset_in_page(*pa));
	if (!pfn_valid(PHYS_PFN(*pa)))
		return false;
	if (e)
		svq_tlb_fill(ctx, e, map, iova);
	return true;
}

/*
 * Guest memory access for the relay. Context: any; the caller holds the
 * virtqueue's ring lock, which keeps the mappings unchanged (see
 * svq_iotlb_write_lock()) and serializes the uses of @ctx.
 * @write: copy into guest memory.
 * Inlined into each accessor: the relay validates every buffer with it.
 */
static __always_inline int svq_guest_access(struct svq_guest_ctx *ctx, u64 iova, void *buf,
					    u64 len, u32 access, bool write)
{
	u32 need = (access & SVQ_ACCESS_WRITE ? VHOST_MAP_WO : 0) |
		   (access & SVQ_ACCESS_READ ? VHOST_MAP_RO : 0);

	if (!len || iova + len - 1 < iova)
		return -EFAULT;
	while (len) {
		u64 pa, chunk;
		void *va;

		if (!svq_guest_translate(ctx, iova, need, &pa, &chunk))
			return -EFAULT;
		chunk = min(chunk, len);
		if (buf) {
			va = kmap_local_page(pfn_to_page(PHYS_PFN(pa))) + offset_in_page(pa);
			if (chunk == 2 && IS_ALIGNED(pa, 2)) {
				if (write)
					WRITE_ONCE(*(u16 *)va, *(u16 *)buf);
				else
					*(u16 *)buf = READ_ONCE(*(u16 *)va);
			} else if (write) {
				memcpy(va, buf, chunk);
			} else {
				memcpy(buf, va, chunk);
			}
			kunmap_local(va);
			buf += chunk;
		}
		iova += chunk;
		len -= chunk;
	}
	return 0;
}

static int svq_guest_read(void *ctx, u64 iova, void *buf, u32 len)
{
	return svq_guest_access(ctx, iova, buf, len, SVQ_ACCESS_READ, false);
}

static int svq_guest_write(void *ctx, u64 iova, const void *buf, u32 len)
{
	/* the relay writes the used ring: it needs a writable mapping */
	return svq_guest_access(ctx, iova, (void *)buf, len, SVQ_ACCESS_WRITE, true);
}

/*
 * May the device access all of [@iova, @iova + @len) with @access? One
 * look-up per kind of access in the merged runs of the driver's mappings,
 * however large the buffer: the relay validates every buffer of every
 * chain with it, in atomic context. Context: as svq_guest_access().
 */
static bool svq_guest_access_ok(void *ctx, u64 iova, u64 len, u32 access)
{
	struct svq_as *as = ((struct svq_guest_ctx *)ctx)->as;
	u64 last = iova + len - 1;

	if (!len || last < iova)
		return false;
	if (!as->has_map)
		return READ_ONCE(as->svq->identity_ok);
	if ((access & SVQ_ACCESS_READ) && !svq_runs_cover(as->maps.readable, iova, last))
		return false;
	return !(access & SVQ_ACCESS_WRITE) || svq_runs_cover(as->maps.writable, iova, last);
}

/*
 * A pointer to all of [@iova, @iova + @len) if svq_guest_access() would
 * allow every access to it with @access, and its pages are contiguous
 * lowmem; NULL otherwise. It stays valid while svq->iotlb_gen does: the
 * pages of a mapping stay pinned until the driver removes the mapping,
 * which bumps the generation. Context: any; the caller holds the
 * virtqueue's ring lock (see svq_iotlb_write_lock()).
 */
static void *svq_guest_map(void *ctx, u64 iova, u64 len, u32 access)
{
	struct svq_as *as = ((struct svq_guest_ctx *)ctx)->as;
	u32 need = (access & SVQ_ACCESS_WRITE ? VHOST_MAP_WO : 0) |
		   (access & SVQ_ACCESS_READ ? VHOST_MAP_RO : 0);
	u64 last = iova + len - 1, pa, at;
	struct vhost_iotlb_map *map;
	unsigned long pfn;

	if (!len || last < iova)
		return NULL;
	if (as->has_map) {
		/* the look-ups svq_guest_access() does, and PA contiguity */
		map = vhost_iotlb_itree_first(as->maps.guest, iova, iova);
		if (!map || (map->perm & need) != need)
			return NULL;
		pa = map->addr + (iova - map->start);
		while (map->last < last) {
			at = map->last + 1;
			map = vhost_iotlb_itree_first(as->maps.guest, at, at);
			if (!map || (map->perm & need) != need ||
			    map->addr + (at - map->start) != pa + (at - iova))
				return NULL;
		}
	} else if (READ_ONCE(as->svq->identity_ok)) {
		pa = iova;
	} else {
		return NULL;
	}
	if (pa + len - 1 < pa)
		return NULL;
	for (pfn = PHYS_PFN(pa); pfn <= PHYS_PFN(pa + len - 1); pfn++)
		if (!pfn_valid(pfn) || PageHighMem(pfn_to_page(pfn)))
			return NULL;
	/* lowmem: the direct map is contiguous where physical memory is */
	return page_address(pfn_to_page(PHYS_PFN(pa))) + offset_in_page(pa);
}

static const struct svq_guest_mem_ops svq_guest_mem_ops = {
	.read = svq_guest_read,
	.write = svq_guest_write,
	.access_ok = svq_guest_access_ok,
	.map = svq_guest_map,
};

/**
 * svq_iotlb_guest_mem() - guest memory of an address space, for the relay
 * of one virtqueue
 * @svq: the upper device
 * @asid: address space
 * @tlb_entries: how many page translations to cache (rounded down to a
 *		 power of two, at most 1024); without memory for them, none
 * @ctx: the virtqueue's context of the accesses, set up
 * @mem: filled in
 *
 * Context: process. svq_iotlb_guest_mem_free() frees the cache.
 */
void svq_iotlb_guest_mem(struct svq_dev *svq, unsigned int asid, u32 tlb_entries,
			 struct svq_guest_ctx *ctx, struct svq_guest_mem *mem)
{
	tlb_entries = tlb_entries ? rounddown_pow_of_two(min(tlb_entries, SVQ_TLB_MAX)) : 0;
	ctx->as = &svq->as[min(asid, svq->nas - 1)];
	ctx->tlb = tlb_entries ? kcalloc(tlb_entries, sizeof(*ctx->tlb),
					 GFP_KERNEL | __GFP_NOWARN) : NULL;
	ctx->tlb_mask = tlb_entries - 1;
	ctx->gen = READ_ONCE(svq->iotlb_gen) - 1;	/* flushed before first use */
	mem->ops = &svq_guest_mem_ops;
	mem->ctx = ctx;
}

/**
 * svq_iotlb_guest_mem_free() - free what svq_iotlb_guest_mem() allocated
 * @ctx: the virtqueue's context of the accesses
 */
void svq_iotlb_guest_mem_free(struct svq_guest_ctx *ctx)
{
	kfree(ctx->tlb);
	ctx->tlb = NULL;
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
