// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: sysfs attributes of upper devices
 * (Documentation/ABI/testing/sysfs-bus-vdpa-svq).
 */

#include <linux/device.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>

#include "svq_dev.h"

static struct svq_dev *dev_to_svq(struct device *dev)
{
	return vdpa_to_svq(dev_to_vdpa(dev));
}

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", svq_mode_names[READ_ONCE(dev_to_svq(dev)->mode)]);
}

static ssize_t mode_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct svq_dev *svq = dev_to_svq(dev);
	enum svq_mode mode;

	if (svq_mode_parse(buf, &mode)) {
		dev_warn(dev, "mode: expected auto, shadow or passthrough\n");
		return -EINVAL;
	}
	if (mode != SVQ_MODE_PASSTHROUGH && !svq->has_window) {
		dev_warn(dev, "mode: the lower device's IOVA range has no room for shadow rings\n");
		return -EOPNOTSUPP;
	}
	WRITE_ONCE(svq->mode, mode);
	return count;
}
static DEVICE_ATTR_RW(mode);

/* "shadow" while any virtqueue is relayed through a shadow ring */
static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct svq_dev *svq = dev_to_svq(dev);
	bool shadow = false;
	u16 i;

	for (i = 0; i < svq->nvqs; i++)
		shadow |= READ_ONCE(svq->vqs[i].shadow);
	return sysfs_emit(buf, "%s\n", shadow ? "shadow" : "passthrough");
}
static DEVICE_ATTR_RO(state);

static ssize_t lower_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_to_svq(dev)->lower_name);
}
static DEVICE_ATTR_RO(lower);

/* Kernel memory of the shadow rings and their bookkeeping, in bytes. */
static ssize_t shadow_bytes_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	struct svq_dev *svq = dev_to_svq(dev);
	size_t bytes = 0;
	u16 i;

	for (i = 0; i < svq->nvqs; i++)
		if (READ_ONCE(svq->vqs[i].shadow))
			bytes += svq->vqs[i].shadow_size +
				 svq->vqs[i].num * sizeof(*svq->vqs[i].heads);
	return sysfs_emit(buf, "%zu\n", bytes);
}
static DEVICE_ATTR_RO(shadow_bytes);

/* Memory pinned for the dirty log, in bytes. */
static ssize_t log_pinned_bytes_show(struct device *dev, struct device_attribute *attr,
				     char *buf)
{
	return sysfs_emit(buf, "%zu\n", svq_log_pinned_bytes(dev_to_svq(dev)));
}
static DEVICE_ATTR_RO(log_pinned_bytes);

static struct attribute *svq_dev_attrs[] = {
	&dev_attr_mode.attr,
	&dev_attr_state.attr,
	&dev_attr_lower.attr,
	&dev_attr_shadow_bytes.attr,
	&dev_attr_log_pinned_bytes.attr,
	NULL,
};

static const struct attribute_group svq_dev_group = {
	.attrs = svq_dev_attrs,
};

static ssize_t svq_stat_show(char *buf, atomic64_t *counter)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

/* The sum over all CPUs of the per-CPU counter at @offset. */
static ssize_t svq_pcpu_stat_show(char *buf, struct svq_dev *svq, size_t offset)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(unsigned long *)((void *)per_cpu_ptr(svq->stats.pcpu, cpu) +
						    offset));
	return sysfs_emit(buf, "%llu\n", sum);
}

static ssize_t kicks_show(struct device *dev,
			  struct device_attribute *attr, char *buf)
{
	return svq_pcpu_stat_show(buf, dev_to_svq(dev),
				  offsetof(struct svq_pcpu_stats, kicks));
}
static DEVICE_ATTR_RO(kicks);

static ssize_t interrupts_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return svq_pcpu_stat_show(buf, dev_to_svq(dev),
				  offsetof(struct svq_pcpu_stats, interrupts));
}
static DEVICE_ATTR_RO(interrupts);

static ssize_t relayed_descs_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return svq_pcpu_stat_show(buf, dev_to_svq(dev),
				  offsetof(struct svq_pcpu_stats, relayed_descs));
}
static DEVICE_ATTR_RO(relayed_descs);

static ssize_t pages_logged_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return svq_pcpu_stat_show(buf, dev_to_svq(dev),
				  offsetof(struct svq_pcpu_stats, pages_logged));
}
static DEVICE_ATTR_RO(pages_logged);

static ssize_t errors_show(struct device *dev,
			   struct device_attribute *attr, char *buf)
{
	return svq_stat_show(buf, &dev_to_svq(dev)->stats.errors);
}
static DEVICE_ATTR_RO(errors);

static ssize_t switches_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return svq_stat_show(buf, &dev_to_svq(dev)->stats.switches);
}
static DEVICE_ATTR_RO(switches);

static ssize_t last_switch_ns_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return svq_stat_show(buf, &dev_to_svq(dev)->stats.last_switch_ns);
}
static DEVICE_ATTR_RO(last_switch_ns);

static struct attribute *svq_stats_attrs[] = {
	&dev_attr_kicks.attr,
	&dev_attr_interrupts.attr,
	&dev_attr_relayed_descs.attr,
	&dev_attr_pages_logged.attr,
	&dev_attr_errors.attr,
	&dev_attr_switches.attr,
	&dev_attr_last_switch_ns.attr,
	NULL,
};

static const struct attribute_group svq_stats_group = {
	.name = "stats",
	.attrs = svq_stats_attrs,
};

const struct attribute_group *svq_dev_groups[] = {
	&svq_dev_group,
	&svq_stats_group,
	NULL,
};
