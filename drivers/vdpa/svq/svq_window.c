// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the IOVA window of the shadow rings.
 *
 * Shadow rings are mapped into the lower device at IOVAs from an
 * iova_domain over a window at the top of the lower device's range. The
 * window is withheld from the range the upper device reports, so the
 * driver's mappings never collide with it. A lower device with dma_map
 * gets each ring's mappings at once; one with set_map gets them with the
 * driver's, in one set_map per address space, when the caller commits
 * (svq_window_commit()): a switch maps every virtqueue's ring first, then
 * commits once, before it suspends the lower device.
 */

#include <linux/iova.h>
#include <linux/sizes.h>
#include <linux/vhost_iotlb.h>

#include "svq_iotlb.h"
#include "svq_lower.h"
#include "svq_window.h"

#define SVQ_WINDOW_SIZE		SZ_16M
#define SVQ_MIN_RANGE		SZ_64M

#ifdef CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT
/*
 * Test-only switch, /sys/kernel/debug/vhost_vdpa_svq/fault_no_ring_map
 * (svq_relay_faults_init()): while set, svq_window_map() gives a lower
 * device with dma_map (or the platform IOMMU) no mapping of the ring, so
 * that a test shows the device then cannot reach it.
 */
bool svq_window_fault_no_map;

static bool svq_window_skip_map(void)
{
	return READ_ONCE(svq_window_fault_no_map);
}
#else
static bool svq_window_skip_map(void)
{
	return false;
}
#endif

/**
 * svq_window_init() - take the shadow ring window out of the range
 * @svq: the upper device
 * @lower: the lower device
 *
 * The upper device's range is the lower device's minus the window; a
 * range under 64 MiB has no window (passthrough only).
 */
void svq_window_init(struct svq_dev *svq, struct vdpa_device *lower)
{
	struct vdpa_iova_range range = svq_lower_iova_range(lower);

	svq->range = range;
	if (range.last - range.first < SVQ_MIN_RANGE)
		return;
	svq->window_last = range.last;
	svq->window_first = (range.last - SVQ_WINDOW_SIZE + 1) & PAGE_MASK;
	svq->range.last = svq->window_first - 1;
	init_iova_domain(&svq->iovad, PAGE_SIZE, svq->window_first >> PAGE_SHIFT);
	svq->has_window = true;
}

/**
 * svq_window_destroy() - free what svq_window_init() set up
 * @svq: the upper device
 */
void svq_window_destroy(struct svq_dev *svq)
{
	if (svq->has_window)
		put_iova_domain(&svq->iovad);
}

/* Unmap both parts of a shadow ring from a lower device with dma_map. */
static void svq_window_dma_unmap(struct svq_dev *svq, struct vdpa_device *lower,
				 unsigned int asid, u64 start, size_t size, size_t ro_size)
{
	if (ro_size)
		svq_lower_dma_unmap(svq, lower, asid, start, ro_size);
	if (size > ro_size)
		svq_lower_dma_unmap(svq, lower, asid, start + ro_size, size - ro_size);
}

/* Map both parts of a shadow ring into a lower device with dma_map. */
static int svq_window_dma_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			      u64 start, phys_addr_t pa, size_t size, size_t ro_size)
{
	int ret = 0;

	if (ro_size)
		ret = svq_lower_dma_map(svq, lower, asid, start, ro_size, pa, VHOST_MAP_RO, NULL);
	if (!ret && size > ro_size) {
		ret = svq_lower_dma_map(svq, lower, asid, start + ro_size, size - ro_size,
					pa + ro_size, VHOST_MAP_RW, NULL);
		if (ret && ro_size)
			svq_lower_dma_unmap(svq, lower, asid, start, ro_size);
	}
	return ret;
}

/* The same in the IOTLB that set_map lower devices are given. */
static int svq_window_iotlb_add(struct vhost_iotlb *iotlb, u64 start, phys_addr_t pa,
				size_t size, size_t ro_size)
{
	int ret = 0;

	if (ro_size)
		ret = vhost_iotlb_add_range(iotlb, start, start + ro_size - 1, pa, VHOST_MAP_RO);
	if (!ret && size > ro_size)
		ret = vhost_iotlb_add_range(iotlb, start + ro_size, start + size - 1,
					    pa + ro_size, VHOST_MAP_RW);
	if (ret)
		vhost_iotlb_del_range(iotlb, start, start + size - 1);
	return ret;
}

/**
 * svq_window_map() - map shadow ring memory for the lower device
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: address space of the virtqueue
 * @pa: physical address of the ring (contiguous)
 * @size: bytes, page aligned
 * @ro_size: bytes at the start that the device may only read (the
 *	     descriptor table and the available ring), page aligned; the rest
 *	     (the used ring) it may also write
 * @iova: the IOVA given to it, out
 *
 * A set_map lower device sees the mapping after svq_window_commit().
 *
 * Context: process.
 * Return: 0, -ENOSPC without a window or room in it, -EOPNOTSUPP for a
 * dma_map (or platform-IOMMU) lower device whose address space the kernel's
 * virtio driver (identity_ok) never mapped, or what the lower device
 * returns.
 */
int svq_window_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		   phys_addr_t pa, size_t size, size_t ro_size, u64 *iova)
{
	struct svq_as *as = &svq->as[asid];
	struct iova *area;
	u64 start;
	int ret;

	if (!svq->has_window || asid >= svq->nas)
		return -ENOSPC;
	area = alloc_iova(&svq->iovad, size >> PAGE_SHIFT, svq->window_last >> PAGE_SHIFT, true);
	if (!area)
		return -ENOSPC;
	start = (u64)area->pfn_lo << PAGE_SHIFT;

	mutex_lock(&svq->map_lock);
	if (svq_lower_has_dma_map(lower) && !as->has_map && READ_ONCE(svq->identity_ok)) {
		/*
		 * mapping anything would drop the lower device's own DMA
		 * mapping (or its default IOMMU domain), which the kernel's
		 * virtio driver uses; another driver maps what it uses, and
		 * QEMU 7.2 enables rings before it maps memory
		 */
		ret = -EOPNOTSUPP;
	} else if (svq_lower_has_dma_map(lower)) {
		ret = svq_window_skip_map() ? 0 :
		      svq_window_dma_map(svq, lower, asid, start, pa, size, ro_size);
	} else {
		ret = svq_window_iotlb_add(&as->shadow, start, pa, size, ro_size);
		as->shadow_dirty |= !ret;
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
 * svq_window_unmap() - undo svq_window_map()
 * @svq: the upper device
 * @lower: the lower device, held; NULL once it is gone
 * @asid: address space
 * @iova: what svq_window_map() returned
 * @size: bytes
 * @ro_size: as given to svq_window_map()
 *
 * A set_map lower device stops seeing the mapping after
 * svq_window_commit().
 *
 * Context: process.
 */
void svq_window_unmap(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, size_t size, size_t ro_size)
{
	struct svq_as *as = &svq->as[asid];

	mutex_lock(&svq->map_lock);
	if (lower && svq_lower_has_dma_map(lower)) {
		svq_window_dma_unmap(svq, lower, asid, iova, size, ro_size);
	} else {
		vhost_iotlb_del_range(&as->shadow, iova, iova + size - 1);
		as->shadow_dirty = true;
	}
	mutex_unlock(&svq->map_lock);
	free_iova(&svq->iovad, iova >> PAGE_SHIFT);
}

/**
 * svq_window_replay() - map a shadow ring again into a dma_map lower device
 * that was reset (and so lost its mappings)
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: address space
 * @iova: what svq_window_map() returned
 * @pa: as given to svq_window_map()
 * @size: as given to svq_window_map()
 * @ro_size: as given to svq_window_map()
 *
 * A set_map lower device got the shadow rings with svq_iotlb_replay().
 *
 * Context: process.
 * Return: 0 or what the lower device returns.
 */
int svq_window_replay(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, phys_addr_t pa, size_t size, size_t ro_size)
{
	int ret = 0;

	mutex_lock(&svq->map_lock);
	if (svq_lower_has_dma_map(lower)) {
		svq_window_dma_unmap(svq, lower, asid, iova, size, ro_size);
		ret = svq_window_dma_map(svq, lower, asid, iova, pa, size, ro_size);
	}
	mutex_unlock(&svq->map_lock);
	return ret;
}

/**
 * svq_window_commit() - give a set_map lower device the shadow rings
 * mapped and unmapped since the last commit
 * @svq: the upper device
 * @lower: the lower device, held; NULL once it is gone
 *
 * One set_map per address space that changed.
 *
 * Context: process.
 * Return: 0, or the first error of the lower device (the address spaces
 * whose set_map failed stay to be committed).
 */
int svq_window_commit(struct svq_dev *svq, struct vdpa_device *lower)
{
	unsigned int i;
	int ret = 0, err;

	mutex_lock(&svq->map_lock);
	for (i = 0; i < svq->nas; i++) {
		struct svq_as *as = &svq->as[i];

		if (!as->shadow_dirty)
			continue;
		if (!lower) {
			as->shadow_dirty = false;
			continue;
		}
		err = svq_iotlb_push(svq, lower, i, as->maps.guest);
		if (!err)
			as->shadow_dirty = false;
		ret = ret ?: err;
	}
	mutex_unlock(&svq->map_lock);
	return ret;
}
