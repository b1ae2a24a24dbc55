// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty page log marking for the vDPA shadow virtqueue.
 *
 * The log has the layout vhost uses (drivers/vhost/vhost.c, log_write()
 * and set_bit_to_user()) and QEMU harvests (vhost_dev_sync_region()):
 * bit N stands for the page [N * 4 KiB, (N + 1) * 4 KiB) of IOVA, in
 * native unsigned longs (bit N is bit N % BITS_PER_LONG of long
 * N / BITS_PER_LONG, on any host), and every bit is set with an atomic
 * operation because the VMM harvests the log concurrently with an atomic
 * exchange of whole words.
 */

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <kunit/visibility.h>

#include "svq_log.h"

/* Set @mask in *@word unless all of it is set already. */
static void svq_log_set_mask(unsigned long *word, unsigned long mask)
{
	if ((READ_ONCE(*word) & mask) != mask)
		atomic_long_or(mask, (atomic_long_t *)word);
}

/**
 * svq_log_mark() - mark the pages of a device write in the dirty log
 * @log: the mapped log
 * @iova: first byte written
 * @len: number of bytes written
 *
 * Sets the bit of every page that [@iova, @iova + @len) touches, like
 * vhost's log_write(). A zero @len marks nothing. A range that reaches
 * past the end of the log marks nothing: -ERANGE tells the caller that
 * the device wrote memory the log does not cover, so that it can cover
 * it first.
 *
 * The bits of a word are set with one atomic operation, and only when
 * some are found clear: a page is written many times between two
 * harvests of the log, and an atomic operation costs far more than a read
 * (under emulation most). So the caller orders the writes it logs before
 * the call with a full barrier (virt_mb()): a bit read as set may be
 * harvested at the same time, and the harvester (an atomic exchange of
 * the word, then a read of the page, as QEMU does) must then see those
 * writes. With full barriers on both sides, it cannot both take the bit
 * before it was read here and miss a write that came before that read.
 *
 * The cost is one word operation per BITS_PER_LONG pages (plus one at
 * each end), whatever @len.
 *
 * Context: any context, including hard interrupt.
 * Return: the number of pages marked, -EINVAL if the range wraps around
 * the 64-bit IOVA space, or -ERANGE as described above.
 */
long svq_log_mark(const struct svq_log_bitmap *log, u64 iova, u64 len)
{
	u64 first, last, word, last_word;
	unsigned long *bits = log->bits;

	if (!len)
		return 0;
	if (iova + len - 1 < iova)
		return -EINVAL;

	first = iova >> SVQ_LOG_PAGE_SHIFT;
	last = (iova + len - 1) >> SVQ_LOG_PAGE_SHIFT;
	if (last >= log->nbits)
		return -ERANGE;

	word = first / BITS_PER_LONG;
	last_word = last / BITS_PER_LONG;
	if (word == last_word) {
		svq_log_set_mask(bits + word, GENMASK(last % BITS_PER_LONG,
						      first % BITS_PER_LONG));
		return last - first + 1;
	}
	svq_log_set_mask(bits + word, GENMASK(BITS_PER_LONG - 1, first % BITS_PER_LONG));
	while (++word < last_word)
		svq_log_set_mask(bits + word, ~0UL);
	svq_log_set_mask(bits + last_word, GENMASK(last % BITS_PER_LONG, 0));
	return last - first + 1;
}
EXPORT_SYMBOL_IF_KUNIT(svq_log_mark);
