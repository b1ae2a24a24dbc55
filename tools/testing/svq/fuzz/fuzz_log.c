// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: svq_log_mark() against a page-by-page reference model
 * of vhost's log_write() (drivers/vhost/vhost.c), with guard words around the
 * log and ASan/UBSan watching every access.
 *
 * Input: a log size and a sequence of (iova, len) writes.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../drivers/vdpa/svq/svq_log.h"

#define MAX_WORDS 64
#define GUARD 0xa5a5a5a5a5a5a5a5ULL

struct input_reader {
	const uint8_t *data;
	size_t size;
};

static uint64_t take(struct input_reader *in, size_t n)
{
	uint64_t v = 0;

	n = n < in->size ? n : in->size;
	memcpy(&v, in->data, n);
	in->data += n;
	in->size -= n;
	return v;
}

/*
 * The reference: mark page by page in native unsigned longs, as vhost and
 * QEMU number the bits; a range reaching past nbits marks nothing.
 */
static long model_mark(unsigned long *words, uint64_t nbits, uint64_t iova, uint64_t len)
{
	uint64_t page, first, last;

	if (!len)
		return 0;
	if (iova + len - 1 < iova)
		return -EINVAL;
	first = iova / 4096;
	last = (iova + len - 1) / 4096;
	if (last >= nbits)
		return -ERANGE;
	for (page = first; page <= last; page++)
		words[page / (8 * sizeof(long))] |= 1UL << (page % (8 * sizeof(long)));
	return last - first + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_reader in = { data, size };
	uint64_t words[MAX_WORDS + 2], model[MAX_WORDS];
	struct svq_log_bitmap log;
	unsigned int nwords;

	nwords = take(&in, 1) % MAX_WORDS + 1;
	words[0] = GUARD;
	words[nwords + 1] = GUARD;
	memset(words + 1, 0, nwords * 8);
	memset(model, 0, sizeof(model));
	log.bits = (unsigned long *)(words + 1);
	log.nbits = nwords * 64 - take(&in, 1) % 64;

	while (in.size) {
		uint64_t iova = take(&in, 8), len = take(&in, 4);
		long got, want;

		/* keep most writes near the log so that they land in it */
		if (iova & 1)
			iova = (iova >> 1) % (log.nbits * 4096 + 8192);
		got = svq_log_mark(&log, iova, len);
		want = model_mark((unsigned long *)model, log.nbits, iova, len);
		assert(got == want);
		assert(!memcmp(words + 1, model, nwords * 8));
	}
	assert(words[0] == GUARD && words[nwords + 1] == GUARD);
	return 0;
}
