/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the IOVA window of the shadow rings (svq_window.c).
 */
#ifndef _SVQ_WINDOW_H
#define _SVQ_WINDOW_H

#include "svq_dev.h"

/* test-only (CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT): leave shadow rings out */
extern bool svq_window_fault_no_map;

void svq_window_init(struct svq_dev *svq, struct vdpa_device *lower);
void svq_window_destroy(struct svq_dev *svq);
int svq_window_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		   phys_addr_t pa, size_t size, size_t ro_size, u64 *iova);
void svq_window_unmap(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, size_t size, size_t ro_size);
int svq_window_replay(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, phys_addr_t pa, size_t size, size_t ro_size);
int svq_window_commit(struct svq_dev *svq, struct vdpa_device *lower);

#endif /* _SVQ_WINDOW_H */
