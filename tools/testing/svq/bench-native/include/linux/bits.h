/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#ifndef SVQ_SHIM_LINUX_BITS_H
#define SVQ_SHIM_LINUX_BITS_H
#define BIT_ULL(nr) (1ULL << (nr))
#define BITS_PER_LONG (8 * (int)sizeof(long))
#define GENMASK(h, l) \
	((~0UL << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#endif
