/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: sysfs attributes of upper devices, and mode names
 * (svq_sysfs.c).
 */
#ifndef _SVQ_SYSFS_H
#define _SVQ_SYSFS_H

#include "svq_dev.h"

extern const char * const svq_mode_names[];
int svq_mode_parse(const char *buf, enum svq_mode *mode);
extern const struct attribute_group *svq_dev_groups[];

#endif /* _SVQ_SYSFS_H */
