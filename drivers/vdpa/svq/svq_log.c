// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty page log marking for the vDPA shadow virtqueue.
 *
 * The log has the layout vhost-net uses (drivers/vhost/vhost.c, log_write()):
 * bit N stands for the page [N * 4 KiB, (N + 1) * 4 KiB) of IOVA, bits are
 * numbered in little-endian 64-bit words, and every bit is set with an
 * atomic operation because the VMM harvests the log concurrently with an
 * atomic exchange of whole words.
 */

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <kunit/visibility.h>

#include "svq_log.h"

/**
 * svq_log_mark() - mark the pages of a device write in the dirty log
 * @log: the mapped log
 * @iova: first byte written
 * @len: number of bytes written
 *
 * Sets the bit of every page that [@iova, @iova + @len) touches, like
 * vhost's log_write(). A zero @len marks nothing. Pages past the end of
 * the log are not marked: the part inside is, and -ERANGE tells the
 * caller that the device wrote memory the log does not cover.
 *
 * Only a clear bit is set, with an atomic operation; a set one is only
 * read. A page is written many times between two harvests of the log,
 * and an atomic operation costs far more than a read (under emulation
 * most). So the caller orders the writes it logs before the call with a
 * full barrier (virt_mb()): a bit read as set may be harvested at the
 * same time, and the harvester (an atomic exchange of the word, then a
 * read of the page, as QEMU does) must then see those writes. With full
 * barriers on both sides, it cannot both take the bit before it was read
 * here and miss a write that came before that read.
 *
 * Context: any context, including hard interrupt.
 * Return: the number of pages marked, -EINVAL if the range wraps around
 * the 64-bit IOVA space, or -ERANGE as described above.
 */
long svq_log_mark(const struct svq_log_bitmap *log, u64 iova, u64 len)
{
	u64 first, last, page;
	long marked = 0;

	if (!len)
		return 0;
	if (iova + len - 1 < iova)
		return -EINVAL;

	first = iova >> SVQ_LOG_PAGE_SHIFT;
	last = (iova + len - 1) >> SVQ_LOG_PAGE_SHIFT;
	if (first >= log->nbits)
		return -ERANGE;

	for (page = first; page <= last; page++) {
		unsigned long *word;

		if (page >= log->nbits)
			return -ERANGE;
		/* the bit operations take an int: address the word ourselves */
		word = log->bits + page / BITS_PER_LONG;
		if (!test_bit_le(page % BITS_PER_LONG, word))
			set_bit_le(page % BITS_PER_LONG, word);
		marked++;
	}
	return marked;
}
EXPORT_SYMBOL_IF_KUNIT(svq_log_mark);
