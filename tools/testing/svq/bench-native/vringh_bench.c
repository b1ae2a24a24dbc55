// SPDX-License-Identifier: GPL-2.0-only
/*
 * drivers/vhost/vringh.c of the kernel sources, unchanged (extracted by
 * the Makefile from linux-source-6.12 into build/bench-native/linux/),
 * built with the shims in include/ and CONFIG_VHOST_IOTLB, plus one
 * helper for the benchmark.
 *
 * vringh_getdesc_iotlb() translates the descriptor table and indirect
 * tables through the IOTLB but not the buffers: vringh checks a buffer
 * when the device copies it (vringh_iov_pull_iotlb()/push_iotlb() ->
 * copy_from_iotlb()/copy_to_iotlb() -> iotlb_translate()). The benchmark
 * copies no data on either side, so bench_vringh_check_iov() does that
 * translation alone: iotlb_translate() over each buffer with the
 * permission the copy would need, exactly as copy_from_iotlb() and
 * copy_to_iotlb() call it, and no copy.
 */
#include "vringh.c"

/**
 * bench_vringh_check_iov() - translate every buffer of @iov as a copy would
 * @vrh: the vringh (its IOTLB and lock)
 * @iov: riov (@perm VHOST_MAP_RO) or wiov (@perm VHOST_MAP_WO) of
 *	 vringh_getdesc_iotlb()
 * @perm: the permission
 *
 * Return: the bytes of all buffers, or a negative errno (unmapped, or
 * not with @perm).
 */
long bench_vringh_check_iov(struct vringh *vrh, struct vringh_kiov *iov, u32 perm)
{
	struct bio_vec bvec[IOTLB_IOV_STRIDE];
	struct iotlb_vec ivec;
	long total = 0;
	unsigned int i;

	ivec.iov.bvec = bvec;
	ivec.count = IOTLB_IOV_STRIDE;
	for (i = 0; i < iov->used; i++) {
		u64 addr = (u64)(uintptr_t)iov->iov[i].iov_base;
		u64 len = iov->iov[i].iov_len, done = 0;

		while (done < len) {
			u64 translated;
			int ret = iotlb_translate(vrh, addr + done, len - done, &translated,
						  &ivec, perm);

			if (ret < 0 && ret != -ENOBUFS)
				return ret;
			done += translated;
		}
		total += len;
	}
	return total;
}
