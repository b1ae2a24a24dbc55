/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: little-endian bit operations (x86-64 host). */
#ifndef SVQ_SHIM_LINUX_BITOPS_H
#define SVQ_SHIM_LINUX_BITOPS_H
#include <linux/types.h>

#define BITS_PER_LONG (8 * (int)sizeof(long))

static inline void set_bit_le(int nr, void *addr)
{
	unsigned long *word = (unsigned long *)addr + nr / BITS_PER_LONG;

	__atomic_fetch_or(word, 1UL << (nr % BITS_PER_LONG), __ATOMIC_RELAXED);
}

static inline int test_bit_le(int nr, const void *addr)
{
	const unsigned long *word = (const unsigned long *)addr + nr / BITS_PER_LONG;

	return (__atomic_load_n(word, __ATOMIC_RELAXED) >> (nr % BITS_PER_LONG)) & 1;
}
#endif
