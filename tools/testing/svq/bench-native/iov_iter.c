// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace stand-in for the parts of lib/iov_iter.c (Linux 6.12) that
 * vringh.c's IOTLB accessors call: iov_iter_bvec(), iov_iter_init(),
 * _copy_from_iter() and _copy_to_iter(). The bvec walk is the kernel's
 * iterate_bvec() (a mapping and a memcpy() per page part); iovec and kvec
 * iterators (not measured) are walked the same way without pages.
 * Not modelled: the hardened-usercopy check in copy_from_iter()'s inline
 * wrapper (check_copy_size()), which costs vringh more in a kernel.
 */
#include <string.h>
#include <linux/kernel.h>
#include <linux/uio.h>

void iov_iter_init(struct iov_iter *i, unsigned int direction, const struct iovec *iov,
		   unsigned long nr_segs, size_t count)
{
	*i = (struct iov_iter) {
		.iter_type = ITER_IOVEC,
		.data_source = direction,
		.__iov = iov,
		.nr_segs = nr_segs,
		.iov_offset = 0,
		.count = count,
	};
}

void iov_iter_bvec(struct iov_iter *i, unsigned int direction, const struct bio_vec *bvec,
		   unsigned long nr_segs, size_t count)
{
	WARN_ON(direction & ~1u);
	*i = (struct iov_iter) {
		.iter_type = ITER_BVEC,
		.data_source = direction,
		.bvec = bvec,
		.nr_segs = nr_segs,
		.iov_offset = 0,
		.count = count,
	};
}

/* iterate_bvec() of include/linux/iov_iter.h, with a memcpy() as the step */
static __always_inline size_t iterate_bvec(struct iov_iter *iter, size_t len, void *buf,
					   bool to_iter)
{
	const struct bio_vec *p = iter->bvec;
	size_t progress = 0, skip = iter->iov_offset;

	do {
		size_t offset = p->bv_offset + skip, part;
		void *kaddr = kmap_local_page(p->bv_page + offset / PAGE_SIZE);

		part = min3(len, (size_t)(p->bv_len - skip),
			    (size_t)(PAGE_SIZE - offset % PAGE_SIZE));
		if (to_iter)
			memcpy(kaddr + offset % PAGE_SIZE, buf + progress, part);
		else
			memcpy(buf + progress, kaddr + offset % PAGE_SIZE, part);
		kunmap_local(kaddr);
		len -= part;
		progress += part;
		skip += part;
		if (skip >= p->bv_len) {
			skip = 0;
			p++;
		}
	} while (len);

	iter->nr_segs -= p - iter->bvec;
	iter->bvec = p;
	iter->iov_offset = skip;
	iter->count -= progress;
	return progress;
}

/* the same for iovec and kvec iterators (same layout), without pages */
static size_t iterate_iovec(struct iov_iter *iter, size_t len, void *buf, bool to_iter)
{
	const struct iovec *p = iter->__iov;
	size_t progress = 0, skip = iter->iov_offset;

	do {
		size_t part = min(len, p->iov_len - skip);

		if (to_iter)
			memcpy(p->iov_base + skip, buf + progress, part);
		else
			memcpy(buf + progress, p->iov_base + skip, part);
		len -= part;
		progress += part;
		skip += part;
		if (skip >= p->iov_len) {
			skip = 0;
			p++;
		}
	} while (len);

	iter->nr_segs -= p - iter->__iov;
	iter->__iov = p;
	iter->iov_offset = skip;
	iter->count -= progress;
	return progress;
}

/* iterate_and_advance2() of include/linux/iov_iter.h */
static __always_inline size_t iterate_and_advance(struct iov_iter *iter, size_t len, void *buf,
						  bool to_iter)
{
	if (unlikely(iter->count < len))
		len = iter->count;
	if (unlikely(!len))
		return 0;
	if (iter->iter_type == ITER_BVEC)
		return iterate_bvec(iter, len, buf, to_iter);
	return iterate_iovec(iter, len, buf, to_iter);
}

size_t _copy_from_iter(void *addr, size_t bytes, struct iov_iter *i)
{
	if (WARN_ON_ONCE(!i->data_source))
		return 0;
	return iterate_and_advance(i, bytes, addr, false);
}

size_t _copy_to_iter(const void *addr, size_t bytes, struct iov_iter *i)
{
	if (WARN_ON_ONCE(i->data_source))
		return 0;
	return iterate_and_advance(i, bytes, (void *)addr, true);
}
