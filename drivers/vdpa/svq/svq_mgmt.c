// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the "vdpa/<lower>" management devices, and creating and
 * removing upper devices through them (vdpa dev add / vdpa dev del).
 */

#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <uapi/linux/vdpa.h>

#include "svq_compat.h"
#include "svq_lower.h"
#include "svq_mgmt.h"
#include "svq_ops.h"
#include "svq_sysfs.h"
#include "svq_vq.h"

struct device *svq_root_dev;
enum svq_mode svq_default_mode = SVQ_MODE_AUTO;

/*
 * The attributes of "vdpa dev add" describe the lower device, which exists
 * already: each one is accepted when it matches the lower device, or when
 * the lower device's own management device can change it to match.
 */
static int svq_check_net_attrs(struct svq_claim *sl,
			       const struct vdpa_dev_set_config *cfg)
{
	struct vdpa_device *lower = sl->vdev;
	u64 features = svq_lower_device_features(lower);
	struct device *dev = &lower->dev;
	u8 mac[ETH_ALEN];
	__virtio16 v16;

	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR)) {
		if (!is_valid_ether_addr(cfg->net.mac)) {
			dev_err_ratelimited(dev, "refused: the MAC address is zero or multicast\n");
			return -EINVAL;
		}
		svq_lower_read_config(lower, offsetof(struct virtio_net_config, mac),
				      mac, sizeof(mac));
		if (!ether_addr_equal(mac, cfg->net.mac)) {
			int ret = svq_lower_mgmt_set_mac(lower, cfg->net.mac);

			if (ret) {
				dev_err_ratelimited(dev, "mac %pM: cannot change the lower device's mac %pM (%d)\n",
						    cfg->net.mac, mac, ret);
				return ret;
			}
		}
	}
	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU)) {
		u16 mtu = ETH_DATA_LEN;

		if (features & BIT_ULL(VIRTIO_NET_F_MTU)) {
			svq_lower_read_config(lower, offsetof(struct virtio_net_config, mtu),
					      &v16, sizeof(v16));
			mtu = __virtio16_to_cpu(true, v16);
		}
		if (mtu != cfg->net.mtu) {
			dev_err_ratelimited(dev, "mtu %u: the lower device's mtu is %u\n",
					    cfg->net.mtu, mtu);
			return -EOPNOTSUPP;
		}
	}
	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP)) {
		u16 max_vqp = 1;

		if (features & BIT_ULL(VIRTIO_NET_F_MQ)) {
			unsigned int off = offsetof(struct virtio_net_config,
						    max_virtqueue_pairs);

			svq_lower_read_config(lower, off, &v16, sizeof(v16));
			max_vqp = __virtio16_to_cpu(true, v16);
		}
		if (cfg->net.max_vq_pairs > max_vqp) {
			dev_err_ratelimited(dev, "max_vqp %u: the lower device has %u queue pairs\n",
					    cfg->net.max_vq_pairs, max_vqp);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int svq_dev_add(struct vdpa_mgmt_dev *mgmt, const char *name,
		       const struct vdpa_dev_set_config *cfg)
{
	struct svq_claim *sl = container_of(mgmt, struct svq_claim, mgmt);
	struct vdpa_device *lower;
	u64 offered, features;
	struct svq_dev *svq;
	int ret;

	mutex_lock(&sl->lock);
	lower = sl->vdev;
	if (sl->removed) {
		ret = -ENODEV;
		goto unlock;
	}
	if (sl->upper) {
		dev_err_ratelimited(&lower->dev, "already has the upper device %s\n",
				    dev_name(&sl->upper->vdpa.dev));
		ret = -EBUSY;
		goto unlock;
	}
	offered = svq_features_offered(lower);
	features = offered;
	if (cfg->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES)) {
		features = cfg->device_features;
		if (features & ~offered) {
			dev_err_ratelimited(&lower->dev,
					    "device_features 0x%llx: 0x%llx not offered by the lower device\n",
					    features, features & ~offered);
			ret = -EINVAL;
			goto unlock;
		}
	}
	if (svq_lower_device_id(lower) == VIRTIO_ID_NET) {
		ret = svq_check_net_attrs(sl, cfg);
		if (ret)
			goto unlock;
	}
	if (!try_module_get(THIS_MODULE)) {
		ret = -ENODEV;
		goto unlock;
	}

	svq = vdpa_alloc_device(struct svq_dev, vdpa, svq_root_dev,
				svq_ops_for(lower), lower->ngroups,
				lower->nas, name, false);
	if (IS_ERR(svq)) {
		module_put(THIS_MODULE);
		ret = PTR_ERR(svq);
		goto unlock;
	}
	/* from here on, put_device() frees svq and drops the module reference */
	svq->owner = sl;
	svq->mode = svq_default_mode;
	svq->device_features = features;
	strscpy(svq->lower_name, sl->name, sizeof(svq->lower_name));
	svq->vdpa.dma_dev = lower->dma_dev;
	svq->vdpa.mdev = mgmt;
	svq->vdpa.dev.groups = svq_dev_groups;
	ret = svq_dev_init(svq, lower);
	if (ret)
		goto put;
	ret = _vdpa_register_device(&svq->vdpa, svq->nvqs);
	if (ret)
		goto put;
	sl->upper = svq;
	mutex_unlock(&sl->lock);
	dev_info(&svq->vdpa.dev, "stacked on %s, mode %s\n", sl->name,
		 svq_mode_names[svq->mode]);
	return 0;

put:
	put_device(&svq->vdpa.dev);
unlock:
	mutex_unlock(&sl->lock);
	return ret;
}

/*
 * Stop every use of the lower device by its upper device @svq, which stays
 * registered. The upper device's driver is unbound first, while the lower
 * device still serves it (vhost-vdpa's remove waits for its file to be
 * closed; virtio_vdpa frees its rings, allocated on the lower device's DMA
 * device). Then the lower device is detached: from then on the upper
 * device reports a maximum ring size of 0 against a minimum of 1, so
 * vdpa_dev_probe() refuses it to every driver, and the driver_override set
 * here keeps drivers_probe from trying. A driver that bound in between
 * (its probe passed that check before the detach) is unbound again, then
 * the lower device is reset with its callbacks cleared.
 *
 * Takes no vdpa core lock: device_release_driver() needs none (it is what
 * the sysfs unbind file does).
 */
static void svq_upper_quiesce(struct svq_claim *sl, struct svq_dev *svq)
{
	struct vdpa_device *lower = sl->vdev;
	struct device *dev = &svq->vdpa.dev;
	struct vdpa_callback no_cb = {};
	u16 i;

	lockdep_assert_held(&sl->lock);
	if (svq->quiesced)
		return;
	/* only this driver matches from now on, and it refuses upper devices */
	if (svq_set_driver_override(dev, SVQ_DRV_NAME))
		dev_dbg(dev, "no memory for driver_override\n");
	device_release_driver(dev);
	svq_lower_detach(svq);
	device_release_driver(dev);
	/* no driver can use it any more: drop the lower device's DMA device */
	device_lock(dev);
	svq->vdpa.dma_dev = dev;
	device_unlock(dev);
	svq_lower_reset_quiesced(lower);
	/* the lower device stopped: shadow rings can go */
	svq_vq_stop_all(svq, lower);
	/* and the IOMMU domain: the lower device may go to another driver */
	svq_lower_domain_release(svq);
	for (i = 0; i < svq->nvqs; i++)
		svq_lower_set_vq_cb(lower, i, &no_cb);
	svq->quiesced = true;
}

/**
 * svq_upper_lower_gone() - the lower device is unbinding from this driver
 * @sl: the claim record of the lower device
 * @deleting: the lower device is being deleted (off the bus already), so
 *	      vdpa_dev_lock is held until this returns (see svq_remove())
 *
 * Quiesces the upper device, if any, so that nothing uses the lower device
 * after return. When @deleting, the upper device is also unregistered;
 * otherwise it stays registered, dead, until svq_dev_del() unregisters it
 * (vdpa dev del, or the management device going away).
 *
 * Context: process context, the lower device's device_lock held.
 */
void svq_upper_lower_gone(struct svq_claim *sl, bool deleting)
{
	struct svq_dev *svq;

	mutex_lock(&sl->lock);
	sl->removed = true;
	svq = sl->upper;
	if (svq) {
		svq_upper_quiesce(sl, svq);
		if (deleting)
			sl->upper = NULL;
		else
			svq = NULL;
	}
	sl->vdev = NULL;
	mutex_unlock(&sl->lock);
	if (!svq)
		return;
	dev_info(&svq->vdpa.dev, "removed from %s\n", sl->name);
	/*
	 * _vdpa_unregister_device() minus its lockdep assertion: the lock
	 * is held, but perhaps by the thread deleting the lower device
	 * while this one unbinds it (svq_remove()).
	 */
	device_unregister(&svq->vdpa.dev);
}

/*
 * vdpa dev del, or the management device going away: vdpa_dev_lock held.
 * The upper device may be dead already (its lower device unbound).
 */
static void svq_dev_del(struct vdpa_mgmt_dev *mgmt, struct vdpa_device *vdev)
{
	struct svq_claim *sl = container_of(mgmt, struct svq_claim, mgmt);
	struct svq_dev *svq = vdpa_to_svq(vdev);

	mutex_lock(&sl->lock);
	svq_upper_quiesce(sl, svq);
	if (sl->upper == svq)
		sl->upper = NULL;
	mutex_unlock(&sl->lock);
	dev_info(&vdev->dev, "removed from %s\n", sl->name);
	_vdpa_unregister_device(vdev);
}

static const struct vdpa_mgmtdev_ops svq_mgmtdev_ops = {
	.dev_add = svq_dev_add,
	.dev_del = svq_dev_del,
};

/**
 * svq_mgmt_init() - describe the management device of a claimed device
 * @sl: the claim record, with @sl->vdev and @sl->name set
 *
 * The management device is named "vdpa/<lower>" and offers the lower
 * device's class, queue count and features, minus what the module masks.
 */
void svq_mgmt_init(struct svq_claim *sl)
{
	struct vdpa_device *lower = sl->vdev;

	sl->mgmt_dev.init_name = sl->name;
	sl->mgmt_dev.bus = lower->dev.bus;
	sl->id_table[0].device = svq_lower_device_id(lower);
	sl->id_table[0].vendor = VIRTIO_DEV_ANY_ID;
	sl->mgmt.device = &sl->mgmt_dev;
	sl->mgmt.ops = &svq_mgmtdev_ops;
	sl->mgmt.id_table = sl->id_table;
	sl->mgmt.config_attr_mask = BIT_ULL(VDPA_ATTR_DEV_FEATURES);
	if (sl->id_table[0].device == VIRTIO_ID_NET)
		sl->mgmt.config_attr_mask |= BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR) |
					     BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU) |
					     BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP);
	sl->mgmt.supported_features = svq_features_offered(lower);
	sl->mgmt.max_supported_vqs = lower->nvqs;
}
