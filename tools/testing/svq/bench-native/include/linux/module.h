/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: no module information. */
#ifndef SVQ_SHIM_LINUX_MODULE_H
#define SVQ_SHIM_LINUX_MODULE_H
#include <linux/export.h>
#define MODULE_VERSION(x)
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#endif
