// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the one file that talks to the lower device's parent.
 *
 * Every call into the lower device's vdpa_config_ops (and its management
 * device's ops) is here, and so is every test of what the parent
 * implements. The rest of the driver asks this file; differences between
 * parents, and between kernel versions of the vdpa API, stay here.
 *
 * An upper device reaches its lower device under SRCU (svq_lower_lock()):
 * once the lower device is detached (svq_lower_detach()), the forwarders
 * below answer as for a device that is gone, and nothing reaches the
 * parent. Calls that take a lower device are made by a caller that holds
 * it.
 *
 * A parent without set_map and dma_map (vp_vdpa, ifcvf, pds_vdpa,
 * octeon_ep, snet, eni_vdpa) relies on the platform IOMMU: its device
 * reaches memory through the IOMMU domain of its DMA device. vhost-vdpa
 * allocates one for it and maps the guest there with iommu_map()
 * (drivers/vhost/vdpa.c: vhost_vdpa_alloc_domain(), vhost_vdpa_map()), and
 * so does the upper device here: it offers its driver dma_map, and
 * svq_lower_dma_map() and svq_lower_dma_unmap() of such a lower device map
 * into the upper device's own domain (svq_dev.domain), the driver's
 * mappings and the shadow rings alike. The domain is allocated and
 * attached at the first mapping, and detached and freed by
 * svq_lower_domain_release() when the driver's mappings go (a reset that
 * cleans them) and at removal: until then the DMA device keeps its default
 * domain, the one a kernel driver's DMA API uses (virtio_vdpa).
 */

#include <linux/cpumask.h>
#include <linux/iommu.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_net.h>
#include <uapi/linux/vdpa.h>

#include "svq_compat.h"
#include "svq_lower.h"

DEFINE_SRCU(svq_srcu);

#ifdef CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT
/*
 * Test-only switch, /sys/kernel/debug/vhost_vdpa_svq/fault_no_resume
 * (svq_relay_faults_init()): while set, lower devices are treated as
 * having no resume op (as on kernels before 6.3), so that the emulated
 * resume of a live switch is tested where resume exists.
 */
bool svq_lower_fault_no_resume;
#endif

/**
 * svq_lower_lock() - the lower device of an upper device, for one call
 * @svq: the upper device
 * @srcu_idx: for svq_lower_unlock()
 *
 * Context: any; pair with svq_lower_unlock().
 * Return: the lower device, or NULL once it is detached.
 */
struct vdpa_device *svq_lower_lock(struct svq_dev *svq, int *srcu_idx)
	__acquires(&svq_srcu)
{
	*srcu_idx = srcu_read_lock(&svq_srcu);
	return srcu_dereference(svq->lower, &svq_srcu);
}

/**
 * svq_lower_unlock() - end of the call started by svq_lower_lock()
 * @srcu_idx: what svq_lower_lock() returned in it
 */
void svq_lower_unlock(int srcu_idx)
	__releases(&svq_srcu)
{
	srcu_read_unlock(&svq_srcu, srcu_idx);
}

/**
 * svq_lower_attach() - the upper device starts using @lower
 * @svq: the upper device
 * @lower: the lower device
 */
void svq_lower_attach(struct svq_dev *svq, struct vdpa_device *lower)
{
	rcu_assign_pointer(svq->lower, lower);
}

/**
 * svq_lower_detach() - stop every use of the lower device
 * @svq: the upper device
 *
 * After return no op of @svq reaches the lower device any more: ops fail
 * with -ENODEV or report a device that needs a reset. The lower device's
 * callbacks may still run until the caller resets it.
 *
 * Context: process, may sleep.
 */
void svq_lower_detach(struct svq_dev *svq)
{
	rcu_assign_pointer(svq->lower, NULL);
	synchronize_srcu(&svq_srcu);
}

/* Does the parent rely on the platform IOMMU (no map op of its own)? */
static bool svq_lower_uses_iommu(struct vdpa_device *lower)
{
	return !lower->config->set_map && !lower->config->dma_map;
}

/**
 * svq_lower_unsupported() - why a device cannot be a lower device
 * @lower: the candidate
 *
 * A parent that relies on the platform IOMMU is taken under vhost-vdpa's
 * conditions for it: one address space and one virtqueue group, and a DMA
 * device behind an IOMMU that keeps DMA cache coherent.
 *
 * Return: the reason, for the kernel log, or NULL if it can.
 */
const char *svq_lower_unsupported(struct vdpa_device *lower)
{
	if (lower->use_va)
		return "parent maps user virtual addresses (use_va): not supported";
	if (!svq_lower_uses_iommu(lower))
		return NULL;
	if (lower->nas > 1 || lower->ngroups > 1)
		return "platform IOMMU parent with several address spaces or groups: not supported";
	if (!device_iommu_capable(vdpa_get_dma_dev(lower), IOMMU_CAP_CACHE_COHERENCY))
		return "parent relies on the platform IOMMU, its DMA device has no coherent IOMMU";
	return NULL;
}

/**
 * svq_lower_caps() - the optional ops of the lower device whose presence
 * an upper device's driver can see
 * @lower: the lower device
 *
 * vhost-vdpa decides by the presence of these ops how it maps memory
 * (dma_map or set_map), whether it offers VHOST_BACKEND_F_SUSPEND, keeps
 * mappings across a reset (reset_map) and offers
 * VHOST_BACKEND_F_DESC_ASID: the upper device has them exactly when the
 * lower device does. Its other optional ops are always offered, with the
 * answer of a parent that lacks them (see the svq_fwd_*() below).
 *
 * Return: SVQ_CAP_* bits.
 */
unsigned int svq_lower_caps(struct vdpa_device *lower)
{
	const struct vdpa_config_ops *ops = lower->config;
	unsigned int caps = 0;

	if (svq_lower_has_dma_map(lower))
		caps |= SVQ_CAP_DMA_MAP;
#if SVQ_VDPA_6_3
	if (ops->suspend && ops->resume)
		caps |= SVQ_CAP_SUSPEND;
#else
	/* the upper device offers suspend alone, as its lower device does */
	if (ops->suspend)
		caps |= SVQ_CAP_SUSPEND;
#endif
#if SVQ_VDPA_6_7
	if (ops->reset_map)
		caps |= SVQ_CAP_RESET_MAP;
	if (ops->get_vq_desc_group)
		caps |= SVQ_CAP_DESC_GROUP;
#endif
	return caps;
}

/**
 * svq_lower_device_id() - the lower device's virtio device id
 * @lower: the lower device
 *
 * Return: the id.
 */
u32 svq_lower_device_id(struct vdpa_device *lower)
{
	return lower->config->get_device_id(lower);
}

/**
 * svq_lower_device_features() - the lower device's virtio features
 * @lower: the lower device
 *
 * Return: the features.
 */
u64 svq_lower_device_features(struct vdpa_device *lower)
{
	return lower->config->get_device_features(lower);
}

/**
 * svq_lower_iova_range() - the lower device's IOVA range
 * @lower: the lower device
 *
 * For a parent that relies on the platform IOMMU and does not say, the
 * aperture of an IOMMU domain attached to its DMA device, which is what
 * vhost_vdpa_set_iova_range() reports after vhost_vdpa_alloc_domain()
 * attached one: an IOMMU driver may narrow the aperture to what the IOMMU
 * translates only when the domain is attached (intel-iommu allocates it
 * 57 bits wide). The domain is attached and freed here, at creation of
 * the upper device, when nothing uses the lower device.
 *
 * Return: the range the parent gives; that aperture; else all of the
 * 64-bit space.
 */
struct vdpa_iova_range svq_lower_iova_range(struct vdpa_device *lower)
{
	struct vdpa_iova_range range = { .first = 0, .last = U64_MAX };
	struct device *dma_dev = vdpa_get_dma_dev(lower);
	struct iommu_domain *domain;

	if (lower->config->get_iova_range)
		return lower->config->get_iova_range(lower);
	if (!svq_lower_uses_iommu(lower))
		return range;
	domain = svq_iommu_domain_alloc(dma_dev);
	if (IS_ERR(domain))
		return range;
	if (!iommu_attach_device(domain, dma_dev)) {
		if (domain->geometry.force_aperture) {
			range.first = domain->geometry.aperture_start;
			range.last = domain->geometry.aperture_end;
		}
		iommu_detach_device(domain, dma_dev);
	}
	iommu_domain_free(domain);
	return range;
}

/**
 * svq_lower_read_config() - read the lower device's config space
 * @lower: the lower device
 * @offset: where
 * @buf: into
 * @len: bytes
 */
void svq_lower_read_config(struct vdpa_device *lower, unsigned int offset, void *buf,
			   unsigned int len)
{
	lower->config->get_config(lower, offset, buf, len);
}

/**
 * svq_lower_mgmt_set_mac() - have the lower device's management device set
 * its MAC address
 * @lower: the lower device
 * @mac: the address
 *
 * Return: 0, -EOPNOTSUPP if its management device cannot (always before
 * 6.12, which added dev_set_attr), or its error.
 */
int svq_lower_mgmt_set_mac(struct vdpa_device *lower, const u8 *mac)
{
#if SVQ_VDPA_6_12
	struct vdpa_mgmt_dev *mdev = lower->mdev;
	struct vdpa_dev_set_config set = {
		.mask = BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR),
	};

	if (!mdev || !mdev->ops->dev_set_attr || !(mdev->config_attr_mask & set.mask))
		return -EOPNOTSUPP;
	memcpy(set.net.mac, mac, ETH_ALEN);
	return mdev->ops->dev_set_attr(mdev, lower, &set);
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * svq_lower_get_status() - the lower device's status
 * @lower: the lower device, held
 *
 * Return: the status.
 */
u8 svq_lower_get_status(struct vdpa_device *lower)
{
	return lower->config->get_status(lower);
}

/**
 * svq_lower_set_status() - set the lower device's status
 * @lower: the lower device, held
 * @status: the status
 */
void svq_lower_set_status(struct vdpa_device *lower, u8 status)
{
	lower->config->set_status(lower, status);
}

/**
 * svq_lower_reset() - reset the lower device
 * @lower: the lower device, held
 * @flags: VDPA_RESET_F_* (compat_reset), 0 for a plain reset; before 6.7
 *	   always 0
 *
 * Return: what the parent returns.
 */
int svq_lower_reset(struct vdpa_device *lower, u32 flags)
{
#if SVQ_VDPA_6_7
	if (flags && lower->config->compat_reset)
		return lower->config->compat_reset(lower, flags);
#endif
	return lower->config->reset(lower);
}

/**
 * svq_lower_reset_clean() - reset the lower device and its mappings
 * @lower: the lower device, held
 *
 * What every reset did before 6.7 (compat_reset with
 * VDPA_RESET_F_CLEAN_MAP since): the device is back to its initial state
 * and its parent's default mappings. The emulated resume
 * (svq_vq_switch_all()) uses it so that it replays the same things on
 * every kernel.
 *
 * Return: what the parent returns.
 */
int svq_lower_reset_clean(struct vdpa_device *lower)
{
	return svq_lower_reset(lower, VDPA_RESET_F_CLEAN_MAP);
}

/**
 * svq_lower_reset_quiesced() - reset the lower device of an upper device
 * that no driver uses any more, as the vdpa core resets a device
 * @lower: the lower device, claimed
 */
void svq_lower_reset_quiesced(struct vdpa_device *lower)
{
#if SVQ_VDPA_6_7
	vdpa_reset(lower, 0);
#else
	vdpa_reset(lower);
#endif
}

/**
 * svq_lower_set_driver_features() - the features the driver accepted, again
 * (a replay after a reset)
 * @lower: the lower device, held
 * @features: the features
 *
 * Return: what the parent returns.
 */
int svq_lower_set_driver_features(struct vdpa_device *lower, u64 features)
{
	return lower->config->set_driver_features(lower, features);
}

/**
 * svq_lower_get_driver_features() - the features the driver accepted
 * @lower: the lower device, held
 *
 * Return: the features.
 */
u64 svq_lower_get_driver_features(struct vdpa_device *lower)
{
	return lower->config->get_driver_features(lower);
}

/**
 * svq_lower_can_suspend() - can a running lower device be switched live?
 * @lower: the lower device, held
 *
 * A live switch suspends the lower device; it resumes it with resume, or
 * without one by a reset and a replay of its configuration
 * (svq_lower_can_resume()).
 *
 * Return: true if it has suspend.
 */
bool svq_lower_can_suspend(struct vdpa_device *lower)
{
	return lower->config->suspend;
}

/**
 * svq_lower_can_resume() - can a suspended lower device be resumed?
 * @lower: the lower device, held
 *
 * Return: true if it has resume (an op since 6.3; always false before),
 * unless the fault_no_resume test switch is set.
 */
bool svq_lower_can_resume(struct vdpa_device *lower)
{
#ifdef CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT
	if (READ_ONCE(svq_lower_fault_no_resume))
		return false;
#endif
#if SVQ_VDPA_6_3
	return lower->config->resume;
#else
	return false;
#endif
}

/**
 * svq_lower_suspend() - suspend the lower device
 * @lower: the lower device, held
 *
 * Return: what the parent returns, -EOPNOTSUPP without suspend.
 */
int svq_lower_suspend(struct vdpa_device *lower)
{
	return lower->config->suspend ? lower->config->suspend(lower) : -EOPNOTSUPP;
}

/**
 * svq_lower_resume() - resume the lower device
 * @lower: the lower device, held
 *
 * Return: what the parent returns, -EOPNOTSUPP without resume (always
 * before 6.3).
 */
int svq_lower_resume(struct vdpa_device *lower)
{
#if SVQ_VDPA_6_3
	return lower->config->resume ? lower->config->resume(lower) : -EOPNOTSUPP;
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * svq_lower_vq_group() - the group of a virtqueue
 * @lower: the lower device, held
 * @idx: the virtqueue
 *
 * Return: its group; 0 when the parent has one group.
 */
u32 svq_lower_vq_group(struct vdpa_device *lower, u16 idx)
{
	return lower->config->get_vq_group ? lower->config->get_vq_group(lower, idx) : 0;
}

/**
 * svq_lower_set_vq_address() - where a virtqueue's rings are
 * @lower: the lower device, held
 * @idx: the virtqueue
 * @desc: IOVA of the descriptor table
 * @driver: IOVA of the available ring
 * @device: IOVA of the used ring
 *
 * Return: what the parent returns.
 */
int svq_lower_set_vq_address(struct vdpa_device *lower, u16 idx, u64 desc, u64 driver,
			     u64 device)
{
	return lower->config->set_vq_address(lower, idx, desc, driver, device);
}

/**
 * svq_lower_set_vq_num() - a virtqueue's size
 * @lower: the lower device, held
 * @idx: the virtqueue
 * @num: entries
 */
void svq_lower_set_vq_num(struct vdpa_device *lower, u16 idx, u32 num)
{
	lower->config->set_vq_num(lower, idx, num);
}

/**
 * svq_lower_set_vq_state() - where a virtqueue starts
 * @lower: the lower device, held
 * @idx: the virtqueue
 * @state: the state
 *
 * Return: what the parent returns.
 */
int svq_lower_set_vq_state(struct vdpa_device *lower, u16 idx, const struct vdpa_vq_state *state)
{
	return lower->config->set_vq_state(lower, idx, state);
}

/**
 * svq_lower_get_vq_state() - where a virtqueue is
 * @lower: the lower device, held
 * @idx: the virtqueue
 * @state: filled in
 *
 * Return: what the parent returns.
 */
int svq_lower_get_vq_state(struct vdpa_device *lower, u16 idx, struct vdpa_vq_state *state)
{
	return lower->config->get_vq_state(lower, idx, state);
}

/**
 * svq_lower_set_vq_ready() - enable or disable a virtqueue
 * @lower: the lower device, held
 * @idx: the virtqueue
 * @ready: enable
 */
void svq_lower_set_vq_ready(struct vdpa_device *lower, u16 idx, bool ready)
{
	lower->config->set_vq_ready(lower, idx, ready);
}

/**
 * svq_lower_get_vq_ready() - is a virtqueue enabled?
 * @lower: the lower device, held
 * @idx: the virtqueue
 *
 * Return: what the parent returns.
 */
bool svq_lower_get_vq_ready(struct vdpa_device *lower, u16 idx)
{
	return lower->config->get_vq_ready(lower, idx);
}

/**
 * svq_lower_set_vq_cb() - the callback of a virtqueue
 * @lower: the lower device, held
 * @idx: the virtqueue
 * @cb: the callback
 */
void svq_lower_set_vq_cb(struct vdpa_device *lower, u16 idx, struct vdpa_callback *cb)
{
	lower->config->set_vq_cb(lower, idx, cb);
}

/**
 * svq_lower_set_config_cb() - the config change callback
 * @lower: the lower device, held
 * @cb: the callback
 */
void svq_lower_set_config_cb(struct vdpa_device *lower, struct vdpa_callback *cb)
{
	lower->config->set_config_cb(lower, cb);
}

/**
 * svq_lower_kick_vq() - notify a virtqueue
 * @lower: the lower device, held
 * @idx: the virtqueue
 *
 * Context: any.
 */
void svq_lower_kick_vq(struct vdpa_device *lower, u16 idx)
{
	lower->config->kick_vq(lower, idx);
}

/**
 * svq_lower_set_group_asid() - the address space of a virtqueue group
 * @lower: the lower device, held
 * @group: the group
 * @asid: the address space
 *
 * Return: what the parent returns, -EOPNOTSUPP without the op.
 */
int svq_lower_set_group_asid(struct vdpa_device *lower, unsigned int group, unsigned int asid)
{
	if (!lower->config->set_group_asid)
		return -EOPNOTSUPP;
	return lower->config->set_group_asid(lower, group, asid);
}

/**
 * svq_lower_has_dma_map() - does the lower device take mappings one by one?
 * @lower: the lower device
 *
 * Return: true for dma_map/dma_unmap and for the platform IOMMU (the upper
 * device's domain, svq_lower_dma_map()), false for set_map.
 */
bool svq_lower_has_dma_map(struct vdpa_device *lower)
{
	return (lower->config->dma_map && lower->config->dma_unmap) ||
	       svq_lower_uses_iommu(lower);
}

/**
 * svq_lower_set_map() - replace the mappings of an address space
 * @lower: the lower device, held
 * @asid: the address space
 * @iotlb: the mappings
 *
 * Return: what the parent returns.
 */
int svq_lower_set_map(struct vdpa_device *lower, unsigned int asid, struct vhost_iotlb *iotlb)
{
	return lower->config->set_map(lower, asid, iotlb);
}

/* The IOMMU_* permissions of a VHOST_MAP_* one, as vhost-vdpa gives them. */
static int svq_lower_iommu_prot(u32 perm)
{
	int prot = IOMMU_CACHE;

	if (perm & VHOST_MAP_RO)
		prot |= IOMMU_READ;
	if (perm & VHOST_MAP_WO)
		prot |= IOMMU_WRITE;
	return prot;
}

/*
 * Allocate the upper device's IOMMU domain and attach it to the lower
 * device's DMA device, as vhost_vdpa_alloc_domain() does.
 */
static int svq_lower_domain_attach(struct svq_dev *svq, struct vdpa_device *lower)
{
	struct device *dma_dev = vdpa_get_dma_dev(lower);
	struct iommu_domain *domain;
	int ret;

	svq->domain_maps = vhost_iotlb_alloc(U32_MAX, 0);
	if (!svq->domain_maps)
		return -ENOMEM;
	domain = svq_iommu_domain_alloc(dma_dev);
	ret = IS_ERR(domain) ? PTR_ERR(domain) : iommu_attach_device(domain, dma_dev);
	if (ret) {
		if (!IS_ERR(domain))
			iommu_domain_free(domain);
		vhost_iotlb_free(svq->domain_maps);
		svq->domain_maps = NULL;
		return ret;
	}
	svq->domain = domain;
	svq->domain_dev = get_device(dma_dev);
	return 0;
}

/**
 * svq_lower_domain_release() - unmap everything a lower device that relies
 * on the platform IOMMU was given: detach and free the upper device's
 * IOMMU domain
 * @svq: the upper device
 *
 * The DMA device is back on its default domain. Called when the driver's
 * mappings are gone (a reset that cleans them) and at removal, with the
 * lower device reset; nothing without a domain.
 *
 * Context: process; takes svq->map_lock.
 */
void svq_lower_domain_release(struct svq_dev *svq)
{
	mutex_lock(&svq->map_lock);
	if (svq->domain) {
		iommu_detach_device(svq->domain, svq->domain_dev);
		iommu_domain_free(svq->domain);
		put_device(svq->domain_dev);
		vhost_iotlb_free(svq->domain_maps);
		svq->domain_maps = NULL;
		svq->domain = NULL;
		svq->domain_dev = NULL;
	}
	mutex_unlock(&svq->map_lock);
}

/**
 * svq_lower_dma_map() - add a mapping
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: the address space
 * @iova: first IOVA
 * @size: bytes
 * @pa: physical address
 * @perm: VHOST_MAP_*
 * @opaque: for the parent
 *
 * A lower device that relies on the platform IOMMU gets the mapping in
 * @svq's domain, attached first if it is not yet, and noted in
 * svq->domain_maps.
 *
 * Context: process; the caller holds svq->map_lock.
 * Return: what the parent or iommu_map() returns.
 */
int svq_lower_dma_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, u64 size, u64 pa, u32 perm, void *opaque)
{
	int ret;

	if (!svq_lower_uses_iommu(lower))
		return lower->config->dma_map(lower, asid, iova, size, pa, perm, opaque);
	lockdep_assert_held(&svq->map_lock);
	if (asid)
		return -EINVAL;
	if (!svq->domain) {
		ret = svq_lower_domain_attach(svq, lower);
		if (ret)
			return ret;
	}
	ret = svq_iommu_map(svq->domain, iova, pa, size, svq_lower_iommu_prot(perm));
	if (ret)
		return ret;
	ret = vhost_iotlb_add_range(svq->domain_maps, iova, iova + size - 1, pa, perm);
	if (ret)
		iommu_unmap(svq->domain, iova, size);
	return ret;
}

/**
 * svq_lower_dma_unmap() - remove mappings
 * @svq: the upper device
 * @lower: the lower device, held
 * @asid: the address space
 * @iova: first IOVA
 * @size: bytes
 *
 * Context: process; the caller holds svq->map_lock.
 * For the platform IOMMU, the mappings @svq's domain has in the range go,
 * whole (what is not mapped there is left alone, and is no error).
 *
 * Return: what the parent returns; 0 for the platform IOMMU.
 */
int svq_lower_dma_unmap(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			u64 iova, u64 size)
{
	struct vhost_iotlb_map *map;

	if (!svq_lower_uses_iommu(lower))
		return lower->config->dma_unmap(lower, asid, iova, size);
	lockdep_assert_held(&svq->map_lock);
	if (!svq->domain || asid)
		return 0;
	/* whole mappings, as vhost_iotlb_del_range() removes them */
	while ((map = vhost_iotlb_itree_first(svq->domain_maps, iova, iova + size - 1))) {
		iommu_unmap(svq->domain, map->start, map->size);
		vhost_iotlb_map_free(svq->domain_maps, map);
	}
	return 0;
}

/**
 * svq_lower_reset_map() - back to the parent's default mapping
 * @lower: the lower device, held
 * @asid: the address space
 *
 * Return: what the parent returns, -EOPNOTSUPP without the op (always
 * before 6.7).
 */
int svq_lower_reset_map(struct vdpa_device *lower, unsigned int asid)
{
#if SVQ_VDPA_6_7
	return lower->config->reset_map ? lower->config->reset_map(lower, asid) : -EOPNOTSUPP;
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * The forwarders: vdpa_config_ops of the upper device that only pass the
 * call on. Each says what it answers once the lower device is detached,
 * and, for an op the parent may lack, what it answers then (the answer of
 * the vdpa core or vhost-vdpa for a parent without it).
 */

/**
 * svq_fwd_get_vq_align() - vdpa_config_ops.get_vq_align
 * @vdev: the upper device
 *
 * Return: the lower device's, or PAGE_SIZE once it is detached.
 */
u32 svq_fwd_get_vq_align(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = PAGE_SIZE;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_vq_align(lower);
	svq_lower_unlock(srcu);
	return ret;
}

#if SVQ_VDPA_6_7
/**
 * svq_fwd_get_backend_features() - vdpa_config_ops.get_backend_features
 * @vdev: the upper device
 *
 * Return: the lower device's, or 0 without the op or once it is detached.
 */
u64 svq_fwd_get_backend_features(const struct vdpa_device *vdev)
{
	/* the op takes a const device, which svq_lower_lock() only reads */
	struct svq_dev *svq = vdpa_to_svq((struct vdpa_device *)vdev);
	struct vdpa_device *lower;
	u64 ret = 0;
	int srcu;

	lower = svq_lower_lock(svq, &srcu);
	if (lower && lower->config->get_backend_features)
		ret = lower->config->get_backend_features(lower);
	svq_lower_unlock(srcu);
	return ret;
}
#endif

/**
 * svq_fwd_set_driver_features() - vdpa_config_ops.set_driver_features
 * @vdev: the upper device
 * @features: features the driver accepts, limited to the upper device's
 *
 * Return: the lower device's answer, or -ENODEV once it is detached.
 */
int svq_fwd_set_driver_features(struct vdpa_device *vdev, u64 features)
{
	struct svq_dev *svq = vdpa_to_svq(vdev);
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(svq, &srcu);
	if (lower)
		ret = lower->config->set_driver_features(lower, features & svq->device_features);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_driver_features() - vdpa_config_ops.get_driver_features
 * @vdev: the upper device
 *
 * Return: the lower device's, or 0 once it is detached.
 */
u64 svq_fwd_get_driver_features(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u64 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_driver_features(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_vq_num_max() - vdpa_config_ops.get_vq_num_max
 * @vdev: the upper device
 *
 * Return: the lower device's, or 0 once it is detached.
 */
u16 svq_fwd_get_vq_num_max(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u16 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_vq_num_max(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_vq_num_min() - vdpa_config_ops.get_vq_num_min
 * @vdev: the upper device
 *
 * Return: the lower device's (1 without the op); once it is detached, 1:
 * above svq_fwd_get_vq_num_max()'s 0, so that vdpa_dev_probe() refuses
 * the device to every driver.
 */
u16 svq_fwd_get_vq_num_min(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u16 ret = 1;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower && lower->config->get_vq_num_min)
		ret = lower->config->get_vq_num_min(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_device_id() - vdpa_config_ops.get_device_id
 * @vdev: the upper device
 *
 * Return: the lower device's, or 0 once it is detached.
 */
u32 svq_fwd_get_device_id(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_device_id(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_vendor_id() - vdpa_config_ops.get_vendor_id
 * @vdev: the upper device
 *
 * Return: the lower device's, or 0 once it is detached.
 */
u32 svq_fwd_get_vendor_id(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_vendor_id(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_suspend() - vdpa_config_ops.suspend (offered with SVQ_CAP_SUSPEND)
 * @vdev: the upper device
 *
 * Return: the lower device's answer, or -ENODEV once it is detached.
 */
int svq_fwd_suspend(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = svq_lower_suspend(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_resume() - vdpa_config_ops.resume (offered with SVQ_CAP_SUSPEND)
 * @vdev: the upper device
 *
 * Return: the lower device's answer, or -ENODEV once it is detached.
 */
int svq_fwd_resume(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = svq_lower_resume(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_config_size() - vdpa_config_ops.get_config_size
 * @vdev: the upper device
 *
 * Return: the lower device's, or 0 once it is detached.
 */
size_t svq_fwd_get_config_size(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	size_t ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_config_size(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_config() - vdpa_config_ops.get_config
 * @vdev: the upper device
 * @offset: offset in the config space
 * @buf: buffer, zeroed once the lower device is detached
 * @len: bytes
 */
void svq_fwd_get_config(struct vdpa_device *vdev, unsigned int offset, void *buf,
			unsigned int len)
{
	struct vdpa_device *lower;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		lower->config->get_config(lower, offset, buf, len);
	else
		memset(buf, 0, len);
	svq_lower_unlock(srcu);
}

/**
 * svq_fwd_set_config() - vdpa_config_ops.set_config
 * @vdev: the upper device
 * @offset: offset in the config space
 * @buf: buffer
 * @len: bytes
 */
void svq_fwd_set_config(struct vdpa_device *vdev, unsigned int offset, const void *buf,
			unsigned int len)
{
	struct vdpa_device *lower;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		lower->config->set_config(lower, offset, buf, len);
	svq_lower_unlock(srcu);
}

/**
 * svq_fwd_get_generation() - vdpa_config_ops.get_generation
 * @vdev: the upper device
 *
 * Return: the lower device's, or 0 without the op or once it is detached.
 */
u32 svq_fwd_get_generation(struct vdpa_device *vdev)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower && lower->config->get_generation)
		ret = lower->config->get_generation(lower);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_vq_ready() - vdpa_config_ops.get_vq_ready
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: the lower device's, or false once it is detached.
 */
bool svq_fwd_get_vq_ready(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	bool ret = false;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_vq_ready(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}

/**
 * svq_fwd_get_vendor_vq_stats() - vdpa_config_ops.get_vendor_vq_stats
 * @vdev: the upper device
 * @idx: virtqueue index
 * @msg: netlink message
 * @extack: netlink extended ack
 *
 * Return: the lower device's answer; -EOPNOTSUPP without the op (as the
 * vdpa core answers), -ENODEV once it is detached.
 */
int svq_fwd_get_vendor_vq_stats(struct vdpa_device *vdev, u16 idx, struct sk_buff *msg,
				struct netlink_ext_ack *extack)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_vendor_vq_stats ?
		      lower->config->get_vendor_vq_stats(lower, idx, msg, extack) : -EOPNOTSUPP;
	svq_lower_unlock(srcu);
	return ret;
}

#if SVQ_VDPA_6_10
/**
 * svq_fwd_get_vq_size() - vdpa_config_ops.get_vq_size
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: the lower device's; without the op its maximum size (what
 * virtio_vdpa uses then); 0 once it is detached.
 */
u16 svq_fwd_get_vq_size(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	u16 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->get_vq_size ? lower->config->get_vq_size(lower, idx) :
		      lower->config->get_vq_num_max(lower);
	svq_lower_unlock(srcu);
	return ret;
}
#endif

/**
 * svq_fwd_get_vq_group() - vdpa_config_ops.get_vq_group
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: the lower device's; 0 without the op (one group) or once it is
 * detached.
 */
u32 svq_fwd_get_vq_group(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = svq_lower_vq_group(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}

#if SVQ_VDPA_6_7
/**
 * svq_fwd_get_vq_desc_group() - vdpa_config_ops.get_vq_desc_group (offered
 * with SVQ_CAP_DESC_GROUP)
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: the lower device's, or 0 once it is detached.
 */
u32 svq_fwd_get_vq_desc_group(struct vdpa_device *vdev, u16 idx)
{
	struct vdpa_device *lower;
	u32 ret = 0;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower && lower->config->get_vq_desc_group)
		ret = lower->config->get_vq_desc_group(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}
#endif

#if SVQ_VDPA_6_3
/**
 * svq_fwd_set_vq_affinity() - vdpa_config_ops.set_vq_affinity
 * @vdev: the upper device
 * @idx: virtqueue index
 * @cpu_mask: CPUs
 *
 * Return: the lower device's answer; 0 without the op (nothing to set);
 * -ENODEV once it is detached.
 */
int svq_fwd_set_vq_affinity(struct vdpa_device *vdev, u16 idx, const struct cpumask *cpu_mask)
{
	struct vdpa_device *lower;
	int ret = -ENODEV;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower)
		ret = lower->config->set_vq_affinity ?
		      lower->config->set_vq_affinity(lower, idx, cpu_mask) : 0;
	svq_lower_unlock(srcu);
	return ret;
}
#endif

#if SVQ_VDPA_6_3
/**
 * svq_fwd_get_vq_affinity() - vdpa_config_ops.get_vq_affinity
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: the lower device's; cpu_possible_mask without the op or once it
 * is detached.
 */
const struct cpumask *svq_fwd_get_vq_affinity(struct vdpa_device *vdev, u16 idx)
{
	const struct cpumask *ret = cpu_possible_mask;
	struct vdpa_device *lower;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower && lower->config->get_vq_affinity)
		ret = lower->config->get_vq_affinity(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}
#endif

#if SVQ_VDPA_6_3
/**
 * svq_fwd_get_vq_dma_dev() - vdpa_config_ops.get_vq_dma_dev
 * @vdev: the upper device
 * @idx: virtqueue index
 *
 * Return: the lower device's; the upper device's DMA device (the lower
 * device's, until it is detached) without the op or once it is detached.
 */
struct device *svq_fwd_get_vq_dma_dev(struct vdpa_device *vdev, u16 idx)
{
	struct device *ret = vdev->dma_dev;
	struct vdpa_device *lower;
	int srcu;

	lower = svq_lower_lock(vdpa_to_svq(vdev), &srcu);
	if (lower && lower->config->get_vq_dma_dev)
		ret = lower->config->get_vq_dma_dev(lower, idx);
	svq_lower_unlock(srcu);
	return ret;
}
#endif
