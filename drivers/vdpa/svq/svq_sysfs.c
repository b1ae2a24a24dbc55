// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: sysfs attributes of upper devices
 * (Documentation/ABI/testing/sysfs-bus-vdpa-svq).
 */

#include <linux/device.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>

#include "svq_dirty.h"
#include "svq_sysfs.h"

const char * const svq_mode_names[] = {
	[SVQ_MODE_AUTO] = "auto",
	[SVQ_MODE_SHADOW] = "shadow",
	[SVQ_MODE_PASSTHROUGH] = "passthrough",
};

/**
 * svq_mode_parse() - parse a mode name (as written to sysfs or modprobe)
 * @buf: "auto", "shadow" or "passthrough", a trailing newline allowed
 * @mode: the parsed mode
 *
 * Return: 0, or -EINVAL for anything else.
 */
int svq_mode_parse(const char *buf, enum svq_mode *mode)
{
	int i = sysfs_match_string(svq_mode_names, buf);

	if (i < 0)
		return -EINVAL;
	*mode = i;
	return 0;
}

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
		dev_warn_ratelimited(dev, "mode: expected auto, shadow or passthrough\n");
		return -EINVAL;
	}
	if (mode != SVQ_MODE_PASSTHROUGH && !svq->has_window) {
		dev_warn_ratelimited(dev, "mode: the lower device's IOVA range has no room for shadow rings\n");
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

/**
 * struct svq_stat_attribute - a file of the stats directory
 * @attr: the attribute
 * @offset: where its counter is: in struct svq_pcpu_stats (summed over
 *	    the CPUs) or in struct svq_stats (an atomic64_t), by @attr's
 *	    show function
 */
struct svq_stat_attribute {
	struct device_attribute attr;
	size_t offset;
};

static size_t svq_stat_offset(struct device_attribute *attr)
{
	return container_of(attr, struct svq_stat_attribute, attr)->offset;
}

/* A per-CPU counter: the sum over all CPUs. */
static ssize_t svq_pcpu_stat_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct svq_dev *svq = dev_to_svq(dev);
	size_t offset = svq_stat_offset(attr);
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(unsigned long *)((void *)per_cpu_ptr(svq->stats.pcpu, cpu) +
						    offset));
	return sysfs_emit(buf, "%llu\n", sum);
}

static ssize_t svq_atomic_stat_show(struct device *dev, struct device_attribute *attr,
				    char *buf)
{
	atomic64_t *counter = (void *)&dev_to_svq(dev)->stats + svq_stat_offset(attr);

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

static struct svq_stat_attribute svq_stat_attr_kicks = {
	.attr = __ATTR(kicks, 0444, svq_pcpu_stat_show, NULL),
	.offset = offsetof(struct svq_pcpu_stats, kicks),
};

static struct svq_stat_attribute svq_stat_attr_interrupts = {
	.attr = __ATTR(interrupts, 0444, svq_pcpu_stat_show, NULL),
	.offset = offsetof(struct svq_pcpu_stats, interrupts),
};

static struct svq_stat_attribute svq_stat_attr_relayed_descs = {
	.attr = __ATTR(relayed_descs, 0444, svq_pcpu_stat_show, NULL),
	.offset = offsetof(struct svq_pcpu_stats, relayed_descs),
};

static struct svq_stat_attribute svq_stat_attr_pages_logged = {
	.attr = __ATTR(pages_logged, 0444, svq_pcpu_stat_show, NULL),
	.offset = offsetof(struct svq_pcpu_stats, pages_logged),
};

static struct svq_stat_attribute svq_stat_attr_errors = {
	.attr = __ATTR(errors, 0444, svq_atomic_stat_show, NULL),
	.offset = offsetof(struct svq_stats, errors),
};

static struct svq_stat_attribute svq_stat_attr_switches = {
	.attr = __ATTR(switches, 0444, svq_atomic_stat_show, NULL),
	.offset = offsetof(struct svq_stats, switches),
};

static struct svq_stat_attribute svq_stat_attr_last_switch_ns = {
	.attr = __ATTR(last_switch_ns, 0444, svq_atomic_stat_show, NULL),
	.offset = offsetof(struct svq_stats, last_switch_ns),
};

static struct attribute *svq_stats_attrs[] = {
	&svq_stat_attr_kicks.attr.attr,
	&svq_stat_attr_interrupts.attr.attr,
	&svq_stat_attr_relayed_descs.attr.attr,
	&svq_stat_attr_pages_logged.attr.attr,
	&svq_stat_attr_errors.attr.attr,
	&svq_stat_attr_switches.attr.attr,
	&svq_stat_attr_last_switch_ns.attr.attr,
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
