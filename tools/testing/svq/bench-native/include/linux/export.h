/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: nothing is exported. */
#ifndef SVQ_SHIM_LINUX_EXPORT_H
#define SVQ_SHIM_LINUX_EXPORT_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#endif
