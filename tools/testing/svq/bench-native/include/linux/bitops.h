/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#ifndef SVQ_SHIM_LINUX_BITOPS_H
#define SVQ_SHIM_LINUX_BITOPS_H
#include <linux/bits.h>
#endif
