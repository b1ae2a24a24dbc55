/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: virtio byte order as include/linux/virtio_byteorder.h
 * has it (little-endian host).
 */
#ifndef SVQ_SHIM_LINUX_VIRTIO_BYTEORDER_H
#define SVQ_SHIM_LINUX_VIRTIO_BYTEORDER_H
#include <linux/virtio_types.h>
static inline bool virtio_legacy_is_little_endian(void)
{
	return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}
#define __virtio16_to_cpu(le, v)	((le) ? (u16)(v) : __builtin_bswap16((u16)(v)))
#define __virtio32_to_cpu(le, v)	((le) ? (u32)(v) : __builtin_bswap32((u32)(v)))
#define __virtio64_to_cpu(le, v)	((le) ? (u64)(v) : __builtin_bswap64((u64)(v)))
#define __cpu_to_virtio16(le, v)	((__virtio16)((le) ? (u16)(v) : __builtin_bswap16((u16)(v))))
#define __cpu_to_virtio32(le, v)	((__virtio32)((le) ? (u32)(v) : __builtin_bswap32((u32)(v))))
#define __cpu_to_virtio64(le, v)	((__virtio64)((le) ? (u64)(v) : __builtin_bswap64((u64)(v))))
#endif
