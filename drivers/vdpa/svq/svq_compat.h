/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the kernel versions it builds against (6.1 and 6.12),
 * and every difference between them outside svq_lower.c.
 *
 * One shim per interface that changed, each naming the upstream change
 * and the version it appeared in. svq_lower.c tests the SVQ_VDPA_*
 * conditions below for the parent's ops; the ops tables of the upper
 * device (svq_ops.c) list a member only where it exists, through the
 * SVQ_VDPA_*_OPS() wrappers. Nothing else in the driver tests the
 * kernel version.
 */
#ifndef _SVQ_COMPAT_H
#define _SVQ_COMPAT_H

#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/vdpa.h>
#include <linux/version.h>

/*
 * Built against kernel a.b.c or later. This is LINUX_VERSION_CODE, made
 * from its parts (<linux/version.h>, since 5.16): checkpatch refuses the
 * name itself, rightly for code merged into one kernel version, and this
 * header is the module's only place that is not.
 */
#define SVQ_SINCE(a, b, c)	(KERNEL_VERSION(a, b, c) <=			\
				 KERNEL_VERSION(LINUX_VERSION_MAJOR,		\
						LINUX_VERSION_PATCHLEVEL,	\
						LINUX_VERSION_SUBLEVEL))

/*
 * vdpa_config_ops members that 6.1 does not have. Each condition is the
 * first release with the members; SVQ_VDPA_*_OPS(...) is its arguments
 * (designated initializers of a vdpa_config_ops) there, nothing before.
 */

/* 6.3: resume ("vdpa: Add resume operation"); set_vq_affinity and
 * get_vq_affinity ("vdpa: Add set/get_vq_affinity callbacks in
 * vdpa_config_ops"); get_vq_dma_dev ("vdpa: introduce get_vq_dma_device()")
 */
#define SVQ_VDPA_6_3	SVQ_SINCE(6, 3, 0)
/* 6.7: reset_map and compat_reset, vdpa_reset()'s flags and
 * VDPA_RESET_F_CLEAN_MAP ("vdpa: introduce .reset_map operation callback",
 * "vdpa: introduce .compat_reset operation callback"); get_backend_features
 * ("vdpa: add get_backend_features vdpa operation"); get_vq_desc_group
 * ("vdpa: introduce dedicated descriptor group for virtqueue")
 */
#define SVQ_VDPA_6_7	SVQ_SINCE(6, 7, 0)
/* 6.10: get_vq_size ("vdpa: introduce get_vq_size to vdpa_config_ops") */
#define SVQ_VDPA_6_10	SVQ_SINCE(6, 10, 0)
/* 6.12: vdpa_mgmtdev_ops.dev_set_attr ("vdpa: support set mac address
 * from vdpa tool")
 */
#define SVQ_VDPA_6_12	SVQ_SINCE(6, 12, 0)

#if SVQ_VDPA_6_3
#define SVQ_VDPA_6_3_OPS(...)	__VA_ARGS__
#else
#define SVQ_VDPA_6_3_OPS(...)
#endif
#if SVQ_VDPA_6_7
#define SVQ_VDPA_6_7_OPS(...)	__VA_ARGS__
#else
#define SVQ_VDPA_6_7_OPS(...)
/* only compat_reset (6.7) passes it: svq_ops.c's reset never sees it set */
#define VDPA_RESET_F_CLEAN_MAP	1
#endif
#if SVQ_VDPA_6_10
#define SVQ_VDPA_6_10_OPS(...)	__VA_ARGS__
#else
#define SVQ_VDPA_6_10_OPS(...)
#endif

/*
 * VIRTIO_F_NOTIFICATION_DATA: in the uapi since 6.4 ("virtio: add
 * VIRTIO_F_NOTIFICATION_DATA feature support"); the upper device masks it.
 */
#if !SVQ_SINCE(6, 4, 0)
#define VIRTIO_F_NOTIFICATION_DATA	38
#endif

/*
 * pin_user_pages_remote() lost its vmas argument in 6.5 ("mm/gup: remove
 * vmas parameter from pin_user_pages_remote()").
 */
#if SVQ_SINCE(6, 5, 0)
#define svq_pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked) \
	pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked)
#else
#define svq_pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked) \
	pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, NULL, locked)
#endif

/*
 * The IOMMU domain of a lower device that relies on the platform IOMMU
 * (svq_lower.c): iommu_map() took a gfp argument in 6.3 ("iommu: Add a gfp
 * parameter to iommu_map()"), and iommu_paging_domain_alloc() allocates a
 * domain for a device since 6.11 ("iommu: Add iommu_paging_domain_alloc()
 * interface"), where iommu_domain_alloc() took its bus before.
 */
#if SVQ_SINCE(6, 3, 0)
#define svq_iommu_map(domain, iova, pa, size, prot) \
	iommu_map(domain, iova, pa, size, prot, GFP_KERNEL)
#else
#define svq_iommu_map(domain, iova, pa, size, prot) \
	iommu_map(domain, iova, pa, size, prot)
#endif

/* Return: the domain, or an ERR_PTR() */
static inline struct iommu_domain *svq_iommu_domain_alloc(struct device *dev)
{
#if SVQ_SINCE(6, 11, 0)
	return iommu_paging_domain_alloc(dev);
#else
	return iommu_domain_alloc(dev->bus) ?: ERR_PTR(-ENODEV);
#endif
}

/*
 * __assign_str() lost its source argument in 6.10 ("tracing/treewide:
 * Remove second parameter of __assign_str()"): since, the field's
 * __string() names the source. <trace/events/vhost_vdpa_svq.h> is
 * included after this header.
 */
#if SVQ_SINCE(6, 10, 0)
/* @src is the one __string(@field, @src) names: evaluated for nothing */
#define svq_assign_str(field, src)	do { __assign_str(field); (void)(src); } while (0)
#else
#define svq_assign_str(field, src)	__assign_str(field, src)
#endif

/*
 * driver_override of a vdpa device: a field of struct vdpa_device set with
 * driver_set_override() until the vdpa core moved to the device core's
 * own ("vdpa: use generic driver_override infrastructure", in 6.12.114
 * as a stable backport). Sparse cannot follow the cleanup guard the
 * device core's helpers take their lock with, and reports a context
 * imbalance in every caller: it checks the callers against stand-ins.
 */
#if SVQ_SINCE(6, 12, 114)
static inline int svq_set_driver_override(struct device *dev, const char *name)
{
	return device_set_driver_override(dev, name);
}

static inline bool svq_has_driver_override(struct device *dev)
{
#ifdef __CHECKER__
	return false;
#else
	return device_has_driver_override(dev);
#endif
}

static inline bool svq_driver_override_is(struct device *dev, const struct device_driver *drv)
{
#ifdef __CHECKER__
	return false;
#else
	return device_match_driver_override(dev, drv) > 0;
#endif
}
#else
static inline int svq_set_driver_override(struct device *dev, const char *name)
{
	return driver_set_override(dev, &dev_to_vdpa(dev)->driver_override, name,
				   strlen(name));
}

/* read as the vdpa core's vdpa_dev_match() reads it */
static inline bool svq_has_driver_override(struct device *dev)
{
	return READ_ONCE(dev_to_vdpa(dev)->driver_override);
}

static inline bool svq_driver_override_is(struct device *dev, const struct device_driver *drv)
{
	const char *name = READ_ONCE(dev_to_vdpa(dev)->driver_override);

	return name && !strcmp(name, drv->name);
}
#endif

#endif /* _SVQ_COMPAT_H */
