/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: "user" memory is this process's (vringh.c's *_user
 * variants build but are not measured).
 */
#ifndef SVQ_SHIM_LINUX_UACCESS_H
#define SVQ_SHIM_LINUX_UACCESS_H
#include <string.h>
#define get_user(x, ptr) ({ (x) = *(ptr); 0; })
#define put_user(x, ptr) ({ *(ptr) = (x); 0; })
#define __get_user(x, ptr) get_user(x, ptr)
#define __put_user(x, ptr) put_user(x, ptr)
static inline unsigned long copy_from_user(void *to, const void *from, unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}

static inline unsigned long copy_to_user(void *to, const void *from, unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}
#endif
