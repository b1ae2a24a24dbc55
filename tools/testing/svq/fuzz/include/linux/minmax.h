/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#ifndef SVQ_SHIM_LINUX_MINMAX_H
#define SVQ_SHIM_LINUX_MINMAX_H
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#endif
