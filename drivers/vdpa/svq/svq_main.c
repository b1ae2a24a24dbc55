// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: in-kernel shadow virtqueues for vDPA devices.
 *
 * The module sits on the vDPA bus twice. As a vdpa driver it claims a
 * lower device (one whose driver_override names this driver, or that the
 * "claim" parameter lists) and registers a management device for it,
 * "vdpa/<lower>". "vdpa dev add ... mgmtdev vdpa/<lower>" then creates an
 * upper device that vhost-vdpa or virtio_vdpa bind to. See
 * Documentation/driver-api/vdpa-svq.rst.
 *
 * Locking: the lower device's remove() runs in two contexts
 * (svq_remove()). When the lower device is deleted, the vdpa core holds
 * its global vdpa_dev_lock; on a sysfs unbind it does not, and remove()
 * must not take it: "vdpa dev del" of the lower device holds it while it
 * waits for the lower device's device_lock, which the unbinding thread
 * holds around remove(). So remove() quiesces the upper device without
 * any vdpa core lock, and unregisters it only in the first context; after
 * an unbind the dead upper device goes with the management device.
 * Management devices are registered and unregistered from an ordered
 * workqueue, outside any vdpa core path.
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "svq_compat.h"
#include "svq_lower.h"
#include "svq_mgmt.h"
#include "svq_relay.h"
#include "svq_sysfs.h"

static struct workqueue_struct *svq_wq;
static struct vdpa_driver svq_driver;

static LIST_HEAD(svq_lowers);
static DEFINE_MUTEX(svq_lowers_lock);

static int svq_mode_param_set(const char *val, const struct kernel_param *kp)
{
	enum svq_mode mode;

	if (svq_mode_parse(val, &mode)) {
		pr_err_ratelimited(SVQ_DRV_NAME ": mode: expected auto, shadow or passthrough\n");
		return -EINVAL;
	}
	*(enum svq_mode *)kp->arg = mode;
	return 0;
}

static int svq_mode_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", svq_mode_names[*(enum svq_mode *)kp->arg]);
}

static const struct kernel_param_ops svq_mode_param_ops = {
	.set = svq_mode_param_set,
	.get = svq_mode_param_get,
};
module_param_cb(mode, &svq_mode_param_ops, &svq_default_mode, 0644);
MODULE_PARM_DESC(mode,
		 "Relay mode of new upper devices: auto (passthrough, shadow while dirty logging is on; default), shadow, passthrough");

static char *claim;
module_param(claim, charp, 0644);
MODULE_PARM_DESC(claim,
		 "Comma-separated names of vDPA devices to claim as lower devices when they appear (default: none)");

/* Is @name in the claim parameter? */
static bool svq_claim_param_has(const char *name)
{
	const char *p, *end;
	bool found = false;
	size_t len = strlen(name);

	kernel_param_lock(THIS_MODULE);
	for (p = claim; p && *p && !found; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		found = end - p == len && !strncmp(p, name, len);
	}
	kernel_param_unlock(THIS_MODULE);
	return found;
}

/* Point a device named in "claim" at this driver before anyone probes it. */
static int svq_bus_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct device *dev = data;

	if (action != BUS_NOTIFY_ADD_DEVICE || dev->parent == svq_root_dev)
		return NOTIFY_DONE;
	if (svq_has_driver_override(dev) || !svq_claim_param_has(dev_name(dev)))
		return NOTIFY_DONE;
	if (svq_set_driver_override(dev, SVQ_DRV_NAME))
		dev_warn(dev, "cannot claim for " SVQ_DRV_NAME "\n");
	return NOTIFY_OK;
}

static struct notifier_block svq_bus_nb = {
	.notifier_call = svq_bus_notify,
};

static void svq_register_work(struct work_struct *work)
{
	struct svq_claim *sl = container_of(work, struct svq_claim, register_work);
	int ret;

	/* the unregister work, queued behind us, undoes this if removed */
	ret = vdpa_mgmtdev_register(&sl->mgmt);
	if (ret) {
		pr_err(SVQ_DRV_NAME ": %s: management device registration failed: %d\n",
		       sl->name, ret);
		return;
	}
	sl->mgmt_registered = true;
}

static void svq_unregister_work(struct work_struct *work)
{
	struct svq_claim *sl = container_of(work, struct svq_claim, unregister_work);

	if (sl->mgmt_registered)
		vdpa_mgmtdev_unregister(&sl->mgmt);
	mutex_lock(&svq_lowers_lock);
	list_del(&sl->node);
	mutex_unlock(&svq_lowers_lock);
	mutex_destroy(&sl->lock);
	kfree(sl);
}

static int svq_probe(struct vdpa_device *vdev)
{
	struct device *dev = &vdev->dev;
	const char *why;
	struct svq_claim *sl;

	/* only devices whose driver_override names us (never our own) */
	if (dev->parent == svq_root_dev || !svq_driver_override_is(dev, &svq_driver.driver))
		return -ENODEV;
	why = svq_lower_unsupported(vdev);
	if (why) {
		dev_err_ratelimited(dev, "%s\n", why);
		return -EINVAL;
	}
	if (strlen(dev_name(dev)) >= sizeof(sl->name)) {
		dev_err(dev, "device name longer than %zu characters\n",
			sizeof(sl->name) - 1);
		return -EINVAL;
	}

	sl = kzalloc(sizeof(*sl), GFP_KERNEL);
	if (!sl)
		return -ENOMEM;
	sl->vdev = vdev;
	strscpy(sl->name, dev_name(dev), sizeof(sl->name));
	mutex_init(&sl->lock);
	INIT_WORK(&sl->register_work, svq_register_work);
	INIT_WORK(&sl->unregister_work, svq_unregister_work);
	svq_mgmt_init(sl);
	dev_set_drvdata(dev, sl);

	mutex_lock(&svq_lowers_lock);
	list_add_tail(&sl->node, &svq_lowers);
	mutex_unlock(&svq_lowers_lock);
	queue_work(svq_wq, &sl->register_work);
	dev_info(dev, "claimed: create the upper device with 'vdpa dev add name <name> mgmtdev vdpa/%s'\n",
		 sl->name);
	return 0;
}

static int svq_match_ptr(struct device *dev, const void *data)
{
	return dev == data;
}

/*
 * Is @vdev being deleted? device_del() takes a device off its bus's list
 * (bus_remove_device(), drivers/base/bus.c:632-633) before it unbinds the
 * driver (bus.c:637), so a device being deleted is no longer found there.
 */
static bool svq_lower_deleting(struct vdpa_device *vdev)
{
	struct device *dev = bus_find_device(vdev->dev.bus, NULL, &vdev->dev,
					     svq_match_ptr);

	put_device(dev);
	return !dev;
}

/*
 * The lower device unbinds. Line numbers are Linux 6.12's.
 *
 * Deleted (vdpa dev del, its parent's management device or driver going
 * away): every deletion of a vdpa device is a device_unregister() by
 * _vdpa_unregister_device() or vdpa_unregister_device() (vdpa.c:248,259),
 * under vdpa_dev_lock held for writing. If this thread is not that one
 * (a sysfs unbind won the race for the device_lock), that thread holds the
 * lock and waits for our device_lock (device_release_driver(), bus.c:637)
 * until we return. Either way no other vdpa core operation runs until
 * then, and the upper device is unregistered here with what
 * _vdpa_unregister_device() does.
 *
 * Unbound through sysfs (unbind_store(), bus.c:235-250, takes only the
 * device_lock) or at module exit (no upper device then): vdpa_dev_lock is
 * not held and must not be taken, because a concurrent deletion of the
 * lower device holds it and waits for our device_lock:
 * vdpa_unregister_device() or vdpa_mgmtdev_unregister() here would
 * deadlock. The upper device is only quiesced: its driver unbinds (without
 * any vdpa core lock, like its own sysfs unbind), the lower device is
 * detached and reset, so nothing uses it after return. The dead upper
 * device stays registered until the unregister work (vdpa_dev_lock taken
 * there, with no device_lock held) removes the management device and it.
 *
 * The snapshot is safe: a device seen off the bus stays off, and one seen
 * on it only makes us leave the upper device to the work, which is right
 * in both cases.
 */
static void svq_remove(struct vdpa_device *vdev)
{
	struct svq_claim *sl = dev_get_drvdata(&vdev->dev);

	svq_upper_lower_gone(sl, svq_lower_deleting(vdev));
	queue_work(svq_wq, &sl->unregister_work);
}

static struct vdpa_driver svq_driver = {
	.driver = {
		.name = SVQ_DRV_NAME,
	},
	.probe = svq_probe,
	.remove = svq_remove,
};

/* At load, claim the unbound devices the parameter names. */
static int svq_claim_existing(struct device *dev, void *unused)
{
	if (dev->driver || svq_has_driver_override(dev) ||
	    !svq_claim_param_has(dev_name(dev)))
		return 0;
	if (!svq_set_driver_override(dev, SVQ_DRV_NAME) &&
	    device_attach(dev) < 0)
		dev_warn(dev, "could not be claimed\n");
	return 0;
}

static int __init vhost_vdpa_svq_init(void)
{
	int ret;

	ret = iova_cache_get();
	if (ret)
		return ret;
	svq_wq = alloc_ordered_workqueue(SVQ_DRV_NAME, 0);
	if (!svq_wq) {
		ret = -ENOMEM;
		goto err_cache;
	}
	svq_root_dev = root_device_register(SVQ_DRV_NAME);
	if (IS_ERR(svq_root_dev)) {
		ret = PTR_ERR(svq_root_dev);
		goto err_wq;
	}
	ret = vdpa_register_driver(&svq_driver);
	if (ret)
		goto err_root;
	ret = bus_register_notifier(svq_driver.driver.bus, &svq_bus_nb);
	if (ret)
		goto err_driver;
	bus_for_each_dev(svq_driver.driver.bus, NULL, NULL, svq_claim_existing);
	svq_relay_faults_init();
	return 0;

err_driver:
	vdpa_unregister_driver(&svq_driver);
	flush_workqueue(svq_wq);
err_root:
	root_device_unregister(svq_root_dev);
err_wq:
	destroy_workqueue(svq_wq);
err_cache:
	iova_cache_put();
	return ret;
}
module_init(vhost_vdpa_svq_init);

static void __exit vhost_vdpa_svq_exit(void)
{
	svq_relay_faults_exit();
	bus_unregister_notifier(svq_driver.driver.bus, &svq_bus_nb);
	vdpa_unregister_driver(&svq_driver);
	/* runs the unregister works: management devices and claim records */
	destroy_workqueue(svq_wq);
	root_device_unregister(svq_root_dev);
	iova_cache_put();
}
module_exit(vhost_vdpa_svq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel shadow virtqueue for vDPA devices");
