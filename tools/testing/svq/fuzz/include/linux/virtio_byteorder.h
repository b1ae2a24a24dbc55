/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: virtio byte order, little-endian host, modern devices. */
#ifndef SVQ_SHIM_LINUX_VIRTIO_BYTEORDER_H
#define SVQ_SHIM_LINUX_VIRTIO_BYTEORDER_H
#include <linux/virtio_types.h>
#define __virtio16_to_cpu(le, v)	((u16)(v))
#define __virtio32_to_cpu(le, v)	((u32)(v))
#define __virtio64_to_cpu(le, v)	((u64)(v))
#define __cpu_to_virtio16(le, v)	((__virtio16)(v))
#define __cpu_to_virtio32(le, v)	((__virtio32)(v))
#define __cpu_to_virtio64(le, v)	((__virtio64)(v))
#endif
