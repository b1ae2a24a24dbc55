/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: a virtqueue's ops and life cycle (svq_vq.c).
 */
#ifndef _SVQ_VQ_H
#define _SVQ_VQ_H

#include "svq_dev.h"

void svq_vq_init(struct svq_dev *svq, struct svq_vq *vq, u16 idx);
int svq_vq_can_shadow(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq);
int svq_vq_shadow_start(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq);
void svq_vq_shadow_stop(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq);
void svq_vq_stop_all(struct svq_dev *svq, struct vdpa_device *lower);
int svq_vq_switch_all(struct svq_dev *svq, struct vdpa_device *lower, bool to_shadow);
void svq_vq_fill_all(struct svq_dev *svq);

int svq_vq_set_address(struct vdpa_device *vdev, u16 idx, u64 desc_area,
		       u64 driver_area, u64 device_area);
void svq_vq_set_num(struct vdpa_device *vdev, u16 idx, u32 num);
void svq_vq_kick(struct vdpa_device *vdev, u16 idx);
void svq_vq_set_cb(struct vdpa_device *vdev, u16 idx, struct vdpa_callback *cb);
void svq_vq_set_ready(struct vdpa_device *vdev, u16 idx, bool ready);
int svq_vq_set_state(struct vdpa_device *vdev, u16 idx, const struct vdpa_vq_state *state);
int svq_vq_get_state(struct vdpa_device *vdev, u16 idx, struct vdpa_vq_state *state);

#endif /* _SVQ_VQ_H */
