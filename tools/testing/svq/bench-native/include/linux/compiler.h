/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#ifndef SVQ_SHIM_LINUX_COMPILER_H
#define SVQ_SHIM_LINUX_COMPILER_H
#include <asm/barrier.h>
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, val) (*(volatile typeof(x) *)&(x) = (val))
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __cold __attribute__((__cold__))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __must_check __attribute__((__warn_unused_result__))
#define __maybe_unused __attribute__((__unused__))
#define noinline __attribute__((__noinline__))
#define __user
#define __force
#endif
