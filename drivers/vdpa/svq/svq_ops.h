/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the upper device's vdpa_config_ops (svq_ops.c).
 */
#ifndef _SVQ_OPS_H
#define _SVQ_OPS_H

#include "svq_dev.h"

const struct vdpa_config_ops *svq_ops_for(struct vdpa_device *lower);
int svq_dev_init(struct svq_dev *svq, struct vdpa_device *lower);
u64 svq_features_offered(struct vdpa_device *lower);

#endif /* _SVQ_OPS_H */
