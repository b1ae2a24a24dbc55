/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the relay's access to guest memory (svq_guest.c).
 */
#ifndef _SVQ_GUEST_H
#define _SVQ_GUEST_H

#include "svq_dev.h"

void svq_guest_mem_init(struct svq_dev *svq, unsigned int asid, u32 tlb_entries,
			struct svq_guest_ctx *ctx, struct svq_guest_mem *mem);
void svq_guest_mem_free(struct svq_guest_ctx *ctx);

#endif /* _SVQ_GUEST_H */
