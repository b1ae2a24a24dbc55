/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the driver's mappings of an upper device (svq_iotlb.c).
 */
#ifndef _SVQ_IOTLB_H
#define _SVQ_IOTLB_H

#include "svq_dev.h"

int svq_iotlb_init(struct svq_dev *svq, struct vdpa_device *lower);
void svq_iotlb_destroy(struct svq_dev *svq);
unsigned long svq_iotlb_write_lock(struct svq_dev *svq)
	__acquires(&svq->iotlb_lock);
void svq_iotlb_write_unlock(struct svq_dev *svq, unsigned long flags)
	__releases(&svq->iotlb_lock);
bool svq_iotlb_runs_cover(struct vhost_iotlb *runs, u64 first, u64 last);
int svq_iotlb_push(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		   struct vhost_iotlb *driver_iotlb);
int svq_iotlb_set_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      struct vhost_iotlb *iotlb);
int svq_iotlb_dma_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, u64 size, u64 pa, u32 perm, void *opaque);
int svq_iotlb_dma_unmap(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			u64 iova, u64 size);
int svq_iotlb_replay(struct svq_dev *svq, struct vdpa_device *lower);
void svq_iotlb_forget(struct svq_dev *svq, unsigned int asid);
bool svq_iotlb_writable_last(struct svq_dev *svq, unsigned int asid, u64 *last);
void svq_iotlb_set_identity_ok(struct svq_dev *svq, bool identity_ok);

#endif /* _SVQ_IOTLB_H */
