/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: relay passes of a shadowed virtqueue (svq_relay.c).
 */
#ifndef _SVQ_RELAY_H
#define _SVQ_RELAY_H

#include <linux/interrupt.h>

#include "svq_dev.h"

/* What a relay pass looks at: the shadow used ring, the guest's avail ring. */
#define SVQ_RELAY_USED		BIT(0)
#define SVQ_RELAY_AVAIL		BIT(1)
#define SVQ_RELAY_BOTH		(SVQ_RELAY_USED | SVQ_RELAY_AVAIL)

void svq_relay_faults_init(void);
void svq_relay_faults_exit(void);
void svq_relay_fault_resume_delay(void);
void svq_relay_dev_init(struct svq_dev *svq);
void svq_relay_init(struct svq_vq *vq);
void svq_relay_fail(struct svq_vq *vq);
void svq_relay_dirs(struct svq_vq *vq, struct vdpa_device *lower, unsigned int dirs);
void svq_relay_now(struct svq_vq *vq, struct vdpa_device *lower);
void svq_relay_fill(struct svq_vq *vq);
void svq_relay_stop(struct svq_vq *vq);
irqreturn_t svq_relay_lower_cb(void *private);

#endif /* _SVQ_RELAY_H */
