/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueue relay core of the vDPA shadow virtqueue. Rings have the
 * layout of include/uapi/linux/virtio_ring.h, little-endian
 * (VIRTIO_F_VERSION_1).
 *
 * Moves available buffers from a guest's split ring to a shadow ring that
 * the lower device runs, and used buffers back, validating everything read
 * from guest memory. No device plumbing here: guest memory is reached
 * through struct svq_guest_mem, and the file also builds in userspace
 * (tools/testing/svq/fuzz/).
 */
#ifndef _SVQ_RING_H
#define _SVQ_RING_H

#include <linux/types.h>
#include <uapi/linux/virtio_ring.h>

#include "svq_log.h"

/* Access a device needs to a buffer, for svq_guest_mem_ops.access_ok. */
#define SVQ_ACCESS_READ		1
#define SVQ_ACCESS_WRITE	2

/**
 * struct svq_guest_mem_ops - access to guest memory by IOVA
 * @read: copy @len bytes at @iova into @buf; 0 or -EFAULT if unmapped
 * @write: copy @len bytes from @buf to @iova; 0 or -EFAULT if not mapped
 *	   writable
 * @access_ok: is all of [@iova, @iova + @len) mapped with @access
 *	       (SVQ_ACCESS_READ and/or SVQ_ACCESS_WRITE) for the device?
 * @map: optional: a pointer through which all of [@iova, @iova + @len)
 *	 can be accessed directly, or NULL if it is not all mapped with
 *	 @access or not contiguous; the caller of svq_ring_map_guest()
 *	 keeps the pointer valid, or calls svq_ring_unmap_guest()
 *
 * Two- and four-byte accesses to naturally aligned addresses must be
 * single accesses (ring indices are shared with a running guest).
 */
struct svq_guest_mem_ops {
	int (*read)(void *ctx, u64 iova, void *buf, u32 len);
	int (*write)(void *ctx, u64 iova, const void *buf, u32 len);
	bool (*access_ok)(void *ctx, u64 iova, u64 len, u32 access);
	void *(*map)(void *ctx, u64 iova, u64 len, u32 access);
};

/**
 * struct svq_guest_mem - guest memory of one address space
 * @ops: accessors
 * @ctx: their context
 */
struct svq_guest_mem {
	const struct svq_guest_mem_ops *ops;
	void *ctx;
};

/* Longest chain the relay accepts, as vhost (UIO_MAXIOV) and QEMU do. */
#define SVQ_RING_MAX_CHAIN	1024
/*
 * What one relay pass may do, whatever the caller's budget of chains: it
 * starts no chain once it moved this many descriptors (so a pass touches
 * fewer than SVQ_RING_PASS_DESCS + SVQ_RING_MAX_CHAIN), and it marks at
 * most this many pages of the dirty log. What is left is for the next
 * pass (svq_relay_result.more).
 */
#define SVQ_RING_PASS_DESCS	512
#define SVQ_RING_PASS_LOG_PAGES	65536

/**
 * struct svq_head - what the relay keeps of a shadow descriptor, in memory
 *		     the lower device cannot reach (virtio_ring.c's desc_extra)
 * @addr: the buffer's IOVA, as validated and written to the shadow table
 * @len: its length
 * @write: the device may write it
 * @next: the next descriptor of its chain, or of the free list
 * @guest_head: (head descriptors) the guest's head descriptor id,
 *		returned in its used ring
 * @ndesc: (head descriptors) shadow descriptors the chain takes (0: not
 *	   in flight)
 */
struct svq_head {
	u64 addr;
	u32 len;
	bool write;
	u16 next;
	u16 guest_head;
	u16 ndesc;
};

/**
 * struct svq_ring - one relayed split virtqueue
 * @num: ring size (a power of two, up to 32768)
 * @event_idx: VIRTIO_RING_F_EVENT_IDX negotiated (both rings)
 * @indirect: VIRTIO_RING_F_INDIRECT_DESC negotiated (guest ring)
 * @guest_desc: IOVA of the guest's descriptor table
 * @guest_avail: IOVA of the guest's available ring
 * @guest_used: IOVA of the guest's used ring
 * @guest_last_avail: next guest available entry to relay
 * @guest_used_idx: next guest used entry to fill
 * @guest_signalled_used: guest used index at the last interrupt decision
 * @map_desc: the guest's descriptor table mapped readable, or NULL: then
 *	      it is reached through svq_guest_mem_ops.read
 * @map_avail: the guest's available ring mapped readable, or NULL
 * @map_used: the guest's used ring mapped writable, or NULL
 * @shadow_desc: the shadow descriptor table (kernel memory)
 * @shadow_avail: the shadow available ring
 * @shadow_used: the shadow used ring
 * @shadow_avail_idx: next shadow available entry
 * @shadow_kicked_avail: shadow available index at the last kick decision
 * @shadow_last_used: next shadow used entry to relay back
 * @free_head: first free shadow descriptor (free list linked by
 *	       @heads[].next)
 * @num_free: number of free shadow descriptors
 * @heads: per shadow descriptor, what the relay follows and frees
 * @log_done: bytes of the used length of the chain at @shadow_last_used
 *	      already marked in the dirty log by an earlier pass
 * @error: what the guest (or device) did wrong, once the ring is broken
 */
struct svq_ring {
	u16 num;
	bool event_idx;
	bool indirect;

	u64 guest_desc;
	u64 guest_avail;
	u64 guest_used;
	u16 guest_last_avail;
	u16 guest_used_idx;
	u16 guest_signalled_used;
	struct vring_desc *map_desc;
	struct vring_avail *map_avail;
	struct vring_used *map_used;

	struct vring_desc *shadow_desc;
	struct vring_avail *shadow_avail;
	struct vring_used *shadow_used;
	u16 shadow_avail_idx;
	u16 shadow_kicked_avail;
	u16 shadow_last_used;
	u16 free_head;
	u16 num_free;
	struct svq_head *heads;
	u32 log_done;

	const char *error;
};

/**
 * struct svq_relay_result - what one relay pass did
 * @chains: chains moved
 * @descs: descriptors moved
 * @pages_logged: log bits set
 * @notify: the other side must be notified (kick the device, or signal
 *	    the guest)
 * @blocked: relay_avail stopped for want of free shadow descriptors
 * @more: the pass stopped on its budget or on a bound of one pass (see
 *	  SVQ_RING_PASS_DESCS): there is more to relay now
 * @log_short: the pass stopped because the dirty log does not cover what
 *	       was written: nothing was lost, the same work waits for a
 *	       larger log
 */
struct svq_relay_result {
	unsigned int chains;
	unsigned int descs;
	unsigned long pages_logged;
	bool notify;
	bool blocked;
	bool more;
	bool log_short;
};

size_t svq_ring_shadow_size(u16 num);
void svq_ring_init(struct svq_ring *ring, u16 num, void *shadow, struct svq_head *heads,
		   bool event_idx, bool indirect);
void svq_ring_set_guest(struct svq_ring *ring, u64 desc, u64 avail, u64 used,
			u16 last_avail_idx);
void svq_ring_set_guest_addr(struct svq_ring *ring, u64 desc, u64 avail, u64 used);
void svq_ring_map_guest(struct svq_ring *ring, const struct svq_guest_mem *mem);
void svq_ring_unmap_guest(struct svq_ring *ring);
int svq_ring_relay_avail(struct svq_ring *ring, const struct svq_guest_mem *mem,
			 const struct svq_log_bitmap *log, unsigned int budget,
			 struct svq_relay_result *res);
int svq_ring_relay_used(struct svq_ring *ring, const struct svq_guest_mem *mem,
			const struct svq_log_bitmap *log, unsigned int budget,
			struct svq_relay_result *res);
u16 svq_ring_inflight(const struct svq_ring *ring);
void svq_ring_break(struct svq_ring *ring, const char *why);

#endif /* _SVQ_RING_H */
