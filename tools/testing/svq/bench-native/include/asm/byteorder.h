/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: little-endian host. */
#ifndef SVQ_SHIM_ASM_BYTEORDER_H
#define SVQ_SHIM_ASM_BYTEORDER_H
#include <linux/types.h>
#define cpu_to_le16(x) ((__le16)(x))
#define cpu_to_le32(x) ((__le32)(x))
#define cpu_to_le64(x) ((__le64)(x))
#define le16_to_cpu(x) ((u16)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))
#endif
