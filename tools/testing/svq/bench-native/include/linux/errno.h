/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the uapi error numbers. */
#include_next <linux/errno.h>
