/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the atomics the relay core uses. */
#ifndef SVQ_SHIM_LINUX_ATOMIC_H
#define SVQ_SHIM_LINUX_ATOMIC_H
typedef struct { long counter; } atomic_long_t;

static inline void atomic_long_or(long mask, atomic_long_t *v)
{
	__atomic_fetch_or(&v->counter, mask, __ATOMIC_RELAXED);
}
#endif
