/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: an uncontended spinlock costs what the kernel's fast
 * path does (queued_spin_lock(): one atomic compare-and-exchange; the
 * unlock: a release store).
 */
#ifndef SVQ_SHIM_LINUX_SPINLOCK_H
#define SVQ_SHIM_LINUX_SPINLOCK_H
typedef struct { int val; } spinlock_t;
#define DEFINE_SPINLOCK(x) spinlock_t x = { 0 }
static inline void spin_lock_init(spinlock_t *l)
{
	l->val = 0;
}

static inline void spin_lock(spinlock_t *l)
{
	int unlocked = 0;

	while (!__atomic_compare_exchange_n(&l->val, &unlocked, 1, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED))
		unlocked = 0;
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->val, 0, __ATOMIC_RELEASE);
}
#endif
