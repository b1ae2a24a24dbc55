/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#ifndef SVQ_SHIM_LINUX_ALIGN_H
#define SVQ_SHIM_LINUX_ALIGN_H
#define IS_ALIGNED(x, a) (((x) & ((typeof(x))(a) - 1)) == 0)
#endif
