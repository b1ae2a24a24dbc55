/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the VMM's dirty log (svq_dirty.c).
 */
#ifndef _SVQ_DIRTY_H
#define _SVQ_DIRTY_H

#include "svq_dev.h"

void svq_log_init(struct svq_dev *svq);
void svq_log_destroy(struct svq_dev *svq);
int svq_log_set_base(struct svq_dev *svq, u64 uaddr);
void svq_log_grow(struct svq_dev *svq);
int svq_log_cover(struct svq_dev *svq);
bool svq_log_covers_mappings(struct svq_dev *svq);
void svq_log_drop(struct svq_dev *svq);
size_t svq_log_pinned_bytes(struct svq_dev *svq);

#endif /* _SVQ_DIRTY_H */
