/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: what vringh.c, iotlb.c and the rbtree use of kernel.h. */
#ifndef SVQ_SHIM_LINUX_KERNEL_H
#define SVQ_SHIM_LINUX_KERNEL_H
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/stddef.h>
#include <linux/types.h>

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define KERN_NOTICE ""
#define printk(...) fprintf(stderr, __VA_ARGS__)
#define vprintk(fmt, ap) vfprintf(stderr, fmt, ap)

#define WARN_ON(cond) ({ bool __c = !!(cond); \
	if (unlikely(__c)) fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #cond, __FILE__, __LINE__); \
	unlikely(__c); })
#define WARN_ON_ONCE(cond) WARN_ON(cond)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)
#define BUG_ON(cond) do { if (unlikely(cond)) abort(); } while (0)
#endif
