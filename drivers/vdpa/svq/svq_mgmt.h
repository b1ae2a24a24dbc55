/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: management devices, vdpa dev add and del (svq_mgmt.c).
 */
#ifndef _SVQ_MGMT_H
#define _SVQ_MGMT_H

#include "svq_dev.h"

extern struct device *svq_root_dev;
extern enum svq_mode svq_default_mode;

void svq_mgmt_init(struct svq_claim *sl);
void svq_upper_lower_gone(struct svq_claim *sl, bool deleting);

#endif /* _SVQ_MGMT_H */
