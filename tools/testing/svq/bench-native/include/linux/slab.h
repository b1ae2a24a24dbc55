/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the allocator is malloc (never called in a measurement). */
#ifndef SVQ_SHIM_LINUX_SLAB_H
#define SVQ_SHIM_LINUX_SLAB_H
#include <stdlib.h>
#include <linux/list.h>
#include <linux/types.h>
#define GFP_KERNEL 0u
#define GFP_ATOMIC 1u
#define kmalloc(size, gfp) malloc(size)
#define kzalloc(size, gfp) calloc(1, size)
#define kmalloc_array(n, size, gfp) calloc(n, size)
#define krealloc_array(p, n, size, gfp) realloc(p, (n) * (size))
#define kfree(p) free(p)
#endif
