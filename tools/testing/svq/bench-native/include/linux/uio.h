/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the iov_iter that vringh.c's IOTLB accessors copy
 * through; the copies are out of line as in the kernel (iov_iter.c here,
 * lib/iov_iter.c there).
 */
#ifndef SVQ_SHIM_LINUX_UIO_H
#define SVQ_SHIM_LINUX_UIO_H
#include <sys/uio.h>
#include <linux/bvec.h>
#include <linux/types.h>

struct kvec {
	void *iov_base;
	size_t iov_len;
};

enum iter_type { ITER_UBUF, ITER_IOVEC, ITER_BVEC, ITER_KVEC };
#define ITER_SOURCE 1	/* == WRITE */
#define ITER_DEST 0	/* == READ */

struct iov_iter {
	u8 iter_type;
	bool data_source;
	size_t iov_offset;
	size_t count;
	union {
		const struct iovec *__iov;
		const struct kvec *kvec;
		const struct bio_vec *bvec;
	};
	unsigned long nr_segs;
};

void iov_iter_init(struct iov_iter *i, unsigned int direction, const struct iovec *iov,
		   unsigned long nr_segs, size_t count);
void iov_iter_bvec(struct iov_iter *i, unsigned int direction, const struct bio_vec *bvec,
		   unsigned long nr_segs, size_t count);
size_t _copy_from_iter(void *addr, size_t bytes, struct iov_iter *i);
size_t _copy_to_iter(const void *addr, size_t bytes, struct iov_iter *i);

static inline size_t copy_from_iter(void *addr, size_t bytes, struct iov_iter *i)
{
	return _copy_from_iter(addr, bytes, i);
}

static inline size_t copy_to_iter(const void *addr, size_t bytes, struct iov_iter *i)
{
	return _copy_to_iter(addr, bytes, i);
}
#endif
