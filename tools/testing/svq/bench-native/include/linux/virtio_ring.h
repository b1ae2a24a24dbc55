/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the system's uapi virtio_ring.h, plus the barrier
 * helpers of the kernel's include/linux/virtio_ring.h.
 */
#ifndef SVQ_SHIM_LINUX_VIRTIO_RING_H
#define SVQ_SHIM_LINUX_VIRTIO_RING_H
#include <linux/types.h>
#include_next <linux/virtio_ring.h>
#include <asm/barrier.h>

static inline void virtio_mb(bool weak_barriers)
{
	if (weak_barriers)
		virt_mb();
	else
		mb();
}

static inline void virtio_rmb(bool weak_barriers)
{
	if (weak_barriers)
		virt_rmb();
	else
		dma_rmb();
}

static inline void virtio_wmb(bool weak_barriers)
{
	if (weak_barriers)
		virt_wmb();
	else
		dma_wmb();
}
#endif
