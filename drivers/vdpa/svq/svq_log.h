/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty page log marking for the vDPA shadow virtqueue.
 *
 * This file is part of the relay core: it has no device plumbing and also
 * builds in userspace (tools/testing/svq/fuzz/).
 */
#ifndef _SVQ_LOG_H
#define _SVQ_LOG_H

#include <linux/bits.h>
#include <linux/types.h>

/* One log bit covers one VHOST_PAGE_SIZE page of IOVA, as in vhost. */
#define SVQ_LOG_PAGE_SHIFT	12
#define SVQ_LOG_PAGE_SIZE	BIT_ULL(SVQ_LOG_PAGE_SHIFT)

/**
 * struct svq_log_bitmap - a mapped vhost dirty log
 * @bits: kernel mapping of the first 64-bit word of the log
 * @nbits: number of pages the log covers, starting at IOVA 0
 */
struct svq_log_bitmap {
	unsigned long *bits;
	u64 nbits;
};

long svq_log_mark(const struct svq_log_bitmap *log, u64 iova, u64 len);

#endif /* _SVQ_LOG_H */
