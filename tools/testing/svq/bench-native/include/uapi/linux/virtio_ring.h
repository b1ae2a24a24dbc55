/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the system's uapi header is the kernel's. */
#include <linux/virtio_ring.h>
