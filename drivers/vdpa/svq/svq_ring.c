// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueue relay core of the vDPA shadow virtqueue.
 *
 * The guest is hostile: every index, descriptor, length and address read
 * from its memory is checked before it reaches the shadow ring, the way
 * drivers/vhost/vringh.c checks rings. Chains are flattened into the
 * shadow descriptor table (indirect tables included), so the lower device
 * only ever reads descriptors the relay wrote and validated; data buffers
 * stay where the guest put them (zero copy).
 *
 * Locking is the caller's: one lock per ring serializes both directions.
 */

#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/virtio_byteorder.h>
#include <asm/barrier.h>
#include <kunit/visibility.h>

#include "svq_ring.h"

/* Both rings are little-endian (VIRTIO_F_VERSION_1). */
#define svq16_to_cpu(v)		__virtio16_to_cpu(true, v)
#define svq32_to_cpu(v)		__virtio32_to_cpu(true, v)
#define svq64_to_cpu(v)		__virtio64_to_cpu(true, v)
#define cpu_to_svq16(v)		__cpu_to_virtio16(true, v)
#define cpu_to_svq32(v)		__cpu_to_virtio32(true, v)
#define cpu_to_svq64(v)		__cpu_to_virtio64(true, v)

/* The shadow ring's layout: the legacy one, used ring 4 KiB aligned. */
#define SVQ_RING_ALIGN		4096

/**
 * svq_ring_shadow_size() - bytes of kernel memory for a shadow ring
 * @num: ring size
 *
 * Layout as in the virtio specification's legacy interface (vring_size()):
 * descriptor table, available ring (with used_event), used ring (with
 * avail_event) at the next 4 KiB boundary.
 *
 * Return: the size.
 */
size_t svq_ring_shadow_size(u16 num)
{
	return vring_size(num, SVQ_RING_ALIGN);
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_shadow_size);

/**
 * svq_ring_init() - set up a ring over zeroed shadow memory
 * @ring: the ring
 * @num: ring size, a power of two
 * @shadow: svq_ring_shadow_size(@num) zeroed bytes, 4 KiB aligned
 * @heads: @num zeroed entries, in memory the lower device cannot reach
 * @event_idx: VIRTIO_RING_F_EVENT_IDX negotiated
 * @indirect: VIRTIO_RING_F_INDIRECT_DESC negotiated
 */
void svq_ring_init(struct svq_ring *ring, u16 num, void *shadow, struct svq_head *heads,
		   bool event_idx, bool indirect)
{
	struct vring vr;
	u16 i;

	vring_init(&vr, num, shadow, SVQ_RING_ALIGN);
	*ring = (struct svq_ring) {
		.num = num,
		.event_idx = event_idx,
		.indirect = indirect,
		.shadow_desc = vr.desc,
		.shadow_avail = vr.avail,
		.shadow_used = vr.used,
		.num_free = num,
		.heads = heads,
	};
	for (i = 0; i < num - 1; i++)
		ring->heads[i].next = i + 1;
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_init);

/**
 * svq_ring_set_guest() - where the guest's ring is, and where to start
 * @ring: the ring
 * @desc: IOVA of the descriptor table
 * @avail: IOVA of the available ring
 * @used: IOVA of the used ring
 * @last_avail_idx: the first available entry to relay; also the used
 *		    index the guest is at (nothing is in flight)
 */
void svq_ring_set_guest(struct svq_ring *ring, u64 desc, u64 avail, u64 used,
			u16 last_avail_idx)
{
	svq_ring_set_guest_addr(ring, desc, avail, used);
	ring->guest_last_avail = last_avail_idx;
	ring->guest_used_idx = last_avail_idx;
	ring->guest_signalled_used = last_avail_idx;
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_set_guest);

/**
 * svq_ring_set_guest_addr() - the guest's ring moved (the indices did not)
 * @ring: the ring
 * @desc: IOVA of the descriptor table
 * @avail: IOVA of the available ring
 * @used: IOVA of the used ring
 *
 * Drops the mapping of the guest's ring areas, if any.
 */
void svq_ring_set_guest_addr(struct svq_ring *ring, u64 desc, u64 avail, u64 used)
{
	svq_ring_unmap_guest(ring);
	ring->guest_desc = desc;
	ring->guest_avail = avail;
	ring->guest_used = used;
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_set_guest_addr);

/* Bytes of the guest's ring areas the relay may touch. */
static u64 svq_guest_desc_size(const struct svq_ring *ring)
{
	return sizeof(struct vring_desc) * ring->num;
}

static u64 svq_guest_avail_size(const struct svq_ring *ring)
{
	return offsetof(struct vring_avail, ring) +
	       sizeof(__virtio16) * (ring->num + ring->event_idx);
}

static u64 svq_guest_used_size(const struct svq_ring *ring)
{
	return offsetof(struct vring_used, ring) +
	       sizeof(struct vring_used_elem) * ring->num +
	       sizeof(__virtio16) * ring->event_idx;
}

/**
 * svq_ring_map_guest() - reach the guest's ring areas through pointers
 * @ring: the ring
 * @mem: guest memory; its map operation, if any, gives the pointers
 *
 * Each area the relay touches, with the access the relay needs (the
 * descriptor table and the available ring read, the used ring written),
 * is mapped whole if it is naturally aligned and @mem can map all of it;
 * the others stay reached through @mem's read and write operations, which
 * check every access. Either way the relay sees the same memory with the
 * same permissions: a mapped area only skips the per-access look-up.
 *
 * Context: any; the caller serializes it with the relay, and keeps the
 * pointers valid (the mappings of @mem unchanged) until it calls
 * svq_ring_unmap_guest() or this function again.
 */
void svq_ring_map_guest(struct svq_ring *ring, const struct svq_guest_mem *mem)
{
	void *(*map)(void *ctx, u64 iova, u64 len, u32 access) = mem->ops->map;

	svq_ring_unmap_guest(ring);
	if (!map)
		return;
	if (IS_ALIGNED(ring->guest_desc, 16))
		ring->map_desc = map(mem->ctx, ring->guest_desc, svq_guest_desc_size(ring),
				     SVQ_ACCESS_READ);
	if (IS_ALIGNED(ring->guest_avail, 2))
		ring->map_avail = map(mem->ctx, ring->guest_avail, svq_guest_avail_size(ring),
				      SVQ_ACCESS_READ);
	if (IS_ALIGNED(ring->guest_used, 4))
		ring->map_used = map(mem->ctx, ring->guest_used, svq_guest_used_size(ring),
				     SVQ_ACCESS_WRITE);
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_map_guest);

/**
 * svq_ring_unmap_guest() - forget the pointers of svq_ring_map_guest()
 * @ring: the ring
 *
 * Context: any; the caller serializes it with the relay.
 */
void svq_ring_unmap_guest(struct svq_ring *ring)
{
	ring->map_desc = NULL;
	ring->map_avail = NULL;
	ring->map_used = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_unmap_guest);

/**
 * svq_ring_inflight() - chains taken from the guest and not yet used
 * @ring: the ring
 *
 * Return: the number of chains.
 */
u16 svq_ring_inflight(const struct svq_ring *ring)
{
	return ring->guest_last_avail - ring->guest_used_idx;
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_inflight);

static int svq_fail(struct svq_ring *ring, int err, const char *why)
{
	if (!ring->error)
		ring->error = why;
	return err;
}

/**
 * svq_ring_break() - the ring cannot go on for a reason outside the relay
 * @ring: the ring
 * @why: the reason, kept in @ring->error unless there is one already
 *
 * Context: any; the caller serializes it with the relay.
 */
void svq_ring_break(struct svq_ring *ring, const char *why)
{
	svq_fail(ring, -EIO, why);
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_break);

static int svq_read16(const struct svq_guest_mem *mem, u64 iova, u16 *val)
{
	__virtio16 v;
	int ret = mem->ops->read(mem->ctx, iova, &v, sizeof(v));

	*val = svq16_to_cpu(v);
	return ret;
}

static int svq_write16(const struct svq_guest_mem *mem, u64 iova, u16 val)
{
	__virtio16 v = cpu_to_svq16(val);

	return mem->ops->write(mem->ctx, iova, &v, sizeof(v));
}

/*
 * The guest's ring areas, at byte offset @off (bounded by the caller):
 * through the ring's mapping if there is one, else checked accesses.
 */
static int svq_avail_read16(const struct svq_ring *ring, const struct svq_guest_mem *mem,
			    size_t off, u16 *val)
{
	if (ring->map_avail) {
		*val = svq16_to_cpu(READ_ONCE(*(__virtio16 *)((void *)ring->map_avail + off)));
		return 0;
	}
	return svq_read16(mem, ring->guest_avail + off, val);
}

static int svq_used_write16(const struct svq_ring *ring, const struct svq_guest_mem *mem,
			    size_t off, u16 val)
{
	if (ring->map_used) {
		WRITE_ONCE(*(__virtio16 *)((void *)ring->map_used + off), cpu_to_svq16(val));
		return 0;
	}
	return svq_write16(mem, ring->guest_used + off, val);
}

static int svq_used_write_elem(const struct svq_ring *ring, const struct svq_guest_mem *mem,
			       u16 slot, const struct vring_used_elem *e)
{
	if (ring->map_used) {
		WRITE_ONCE(ring->map_used->ring[slot].id, e->id);
		WRITE_ONCE(ring->map_used->ring[slot].len, e->len);
		return 0;
	}
	return mem->ops->write(mem->ctx, ring->guest_used + offsetof(struct vring_used, ring) +
			       sizeof(*e) * slot, e, sizeof(*e));
}

/* Entry @i of a descriptor table: the ring's (@indirect false) or not. */
static int svq_desc_read(const struct svq_ring *ring, const struct svq_guest_mem *mem,
			 u64 table, u32 i, bool indirect, struct vring_desc *d)
{
	if (!indirect && ring->map_desc) {
		memcpy(d, &ring->map_desc[i], sizeof(*d));
		return 0;
	}
	return mem->ops->read(mem->ctx, table + (u64)i * sizeof(*d), d, sizeof(*d));
}

/* State of the chain being flattened into the shadow table. */
struct svq_chain {
	u16 head;		/* first shadow descriptor */
	u16 last;		/* last shadow descriptor written */
	u16 ndesc;
	bool writable_seen;
};

/*
 * Validate one guest data descriptor and append it to the shadow chain.
 * Returns 0, -ENOSPC when the shadow table is full, or a ring error.
 */
static int svq_chain_add(struct svq_ring *ring, const struct svq_guest_mem *mem,
			 struct svq_chain *chain, const struct vring_desc *gd)
{
	u16 flags = svq16_to_cpu(gd->flags);
	u64 addr = svq64_to_cpu(gd->addr);
	u32 len = svq32_to_cpu(gd->len);
	bool writable = flags & VRING_DESC_F_WRITE;
	struct vring_desc *sd;
	struct svq_head *h;
	u16 i;

	if (chain->ndesc >= ring->num)
		return svq_fail(ring, -ELOOP, "descriptor chain longer than the ring (loop?)");
	if (chain->ndesc >= SVQ_RING_MAX_CHAIN)
		return svq_fail(ring, -E2BIG, "descriptor chain longer than 1024 descriptors");
	if (!writable && chain->writable_seen)
		return svq_fail(ring, -EINVAL, "readable descriptor after a writable one");
	if (len && addr + len - 1 < addr)
		return svq_fail(ring, -EINVAL, "descriptor wraps around the address space");
	/* a zero-length buffer must be mapped all the same (one byte) */
	if (!mem->ops->access_ok(mem->ctx, addr, len ?: 1,
				 writable ? SVQ_ACCESS_WRITE : SVQ_ACCESS_READ))
		return svq_fail(ring, -EFAULT, writable ?
				"writable descriptor outside a writable mapping" :
				"descriptor outside the mapped memory");
	if (!ring->num_free)
		return -ENOSPC;

	i = ring->free_head;
	h = &ring->heads[i];
	ring->free_head = h->next;
	ring->num_free--;
	h->addr = addr;
	h->len = len;
	h->write = writable;
	/* the chain follows the free list's order: h->next links it */
	sd = &ring->shadow_desc[i];
	sd->addr = cpu_to_svq64(addr);
	sd->len = cpu_to_svq32(len);
	sd->flags = cpu_to_svq16(writable ? VRING_DESC_F_WRITE : 0);
	sd->next = cpu_to_svq16(h->next);
	if (chain->ndesc)
		ring->shadow_desc[chain->last].flags |= cpu_to_svq16(VRING_DESC_F_NEXT);
	else
		chain->head = i;
	chain->last = i;
	chain->ndesc++;
	chain->writable_seen |= writable;
	return 0;
}

static int svq_chain_walk_indirect(struct svq_ring *ring, const struct svq_guest_mem *mem,
				   struct svq_chain *chain, u64 table, u32 entries);

/* Flatten the guest's indirect table described by @gd into the chain. */
static int svq_chain_add_indirect(struct svq_ring *ring, const struct svq_guest_mem *mem,
				  struct svq_chain *chain, const struct vring_desc *gd)
{
	u64 table = svq64_to_cpu(gd->addr);
	u32 len = svq32_to_cpu(gd->len);

	if (!ring->indirect)
		return svq_fail(ring, -EINVAL, "indirect descriptor not negotiated");
	if (chain->ndesc)
		return svq_fail(ring, -EINVAL, "indirect descriptor inside a chain");
	if (svq16_to_cpu(gd->flags) & VRING_DESC_F_NEXT)
		return svq_fail(ring, -EINVAL, "indirect descriptor with NEXT");
	if (!len || len % sizeof(struct vring_desc))
		return svq_fail(ring, -EINVAL, "indirect table length not a multiple of 16");
	if (table + len - 1 < table)
		return svq_fail(ring, -EINVAL, "indirect table wraps around the address space");
	return svq_chain_walk_indirect(ring, mem, chain, table,
				       len / sizeof(struct vring_desc));
}

/*
 * Flatten the chain starting at entry @first of a descriptor table of
 * @entries entries at @table: the guest's ring (@indirect false) or an
 * indirect table. A chain visits each entry at most once. Inlined, so
 * that the ring's walk costs the relay no call per chain.
 */
static __always_inline int svq_chain_walk(struct svq_ring *ring,
					  const struct svq_guest_mem *mem,
					  struct svq_chain *chain, u64 table, u32 entries,
					  u16 first, bool indirect)
{
	struct vring_desc d;
	u32 i = first, seen = 0;
	u16 flags;
	int ret;

	for (;;) {
		if (++seen > entries)
			return svq_fail(ring, -ELOOP, "descriptor chain loops");
		if (svq_desc_read(ring, mem, table, i, indirect, &d))
			return svq_fail(ring, -EFAULT, "descriptor outside the mapped memory");
		flags = svq16_to_cpu(d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (indirect)
				return svq_fail(ring, -EINVAL,
						"indirect descriptor in an indirect table");
			return svq_chain_add_indirect(ring, mem, chain, &d);
		}
		ret = svq_chain_add(ring, mem, chain, &d);
		if (ret)
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = svq16_to_cpu(d.next);
		if (i >= entries)
			return svq_fail(ring, -EINVAL, "descriptor next out of the table");
	}
}

/* The walk of an indirect table (which cannot hold another). */
static int svq_chain_walk_indirect(struct svq_ring *ring, const struct svq_guest_mem *mem,
				   struct svq_chain *chain, u64 table, u32 entries)
{
	return svq_chain_walk(ring, mem, chain, table, entries, 0, true);
}

/* Mark [@iova, @iova + @len) in @log, if logging, and count the pages in @res. */
static void svq_log_guest(const struct svq_log_bitmap *log, u64 iova, u32 len,
			  struct svq_relay_result *res)
{
	long marked;

	if (!log)
		return;
	marked = svq_log_mark(log, iova, len);
	if (marked > 0)
		res->pages_logged += marked;
}

/* Does @log cover [@iova, @iova + @len)? */
static bool svq_log_covers(const struct svq_log_bitmap *log, u64 iova, u64 len)
{
	return !log || ((iova + len - 1) >> SVQ_LOG_PAGE_SHIFT) < log->nbits;
}

/*
 * Log the writable buffers of the completed chain at shadow head @head,
 * up to @len bytes (its used length), from byte @ring->log_done on, and
 * at most @pages_left pages (counted down). The chain is read from the
 * relay's own copy (@ring->heads), never from the shadow table. Returns
 * 0 once all of it is logged, -EAGAIN when @pages_left ran out first
 * (@ring->log_done says how far it got), or -ERANGE when the log does
 * not cover a buffer (what came before stays logged).
 */
static int svq_log_chain(struct svq_ring *ring, const struct svq_log_bitmap *log, u16 head,
			 u32 len, unsigned long *pages_left, struct svq_relay_result *res)
{
	u16 i = head, n = ring->heads[head].ndesc;
	u32 pos = 0;

	while (n-- && pos < len) {
		const struct svq_head *d = &ring->heads[i];
		u32 w = min_t(u32, len - pos, d->len), skip;
		u64 addr, end, pages;
		long marked;

		i = d->next;
		if (!d->write)
			continue;
		if (pos + w <= ring->log_done) {
			pos += w;
			continue;
		}
		skip = ring->log_done > pos ? ring->log_done - pos : 0;
		addr = d->addr + skip;
		end = d->addr + w;
		pages = ((end - 1) >> SVQ_LOG_PAGE_SHIFT) - (addr >> SVQ_LOG_PAGE_SHIFT) + 1;
		if (pages > *pages_left)	/* up to the last page the bound allows */
			end = ((addr >> SVQ_LOG_PAGE_SHIFT) + *pages_left) << SVQ_LOG_PAGE_SHIFT;
		if (end > addr) {
			marked = svq_log_mark(log, addr, end - addr);
			if (marked < 0)
				return -ERANGE;
			res->pages_logged += marked;
			*pages_left -= marked;
			ring->log_done = pos + (end - d->addr);
		}
		if (end < d->addr + w)
			return -EAGAIN;
		pos += w;
	}
	return 0;
}

/*
 * Log the guest's used elements from index @first to the current one, and
 * the used index if @idx: one range (two if it wraps) instead of one call
 * per element. After a full barrier (see svq_log_mark()).
 */
static void svq_log_used_ring(const struct svq_ring *ring, const struct svq_log_bitmap *log,
			      u16 first, bool idx, struct svq_relay_result *res)
{
	u64 elems = ring->guest_used + offsetof(struct vring_used, ring);
	u16 slot = first & (ring->num - 1);
	u16 count = ring->guest_used_idx - first;
	u16 upto_end = min_t(u16, count, ring->num - slot);

	svq_log_guest(log, elems + sizeof(struct vring_used_elem) * slot,
		      sizeof(struct vring_used_elem) * upto_end, res);
	if (count > upto_end)
		svq_log_guest(log, elems, sizeof(struct vring_used_elem) * (count - upto_end),
			      res);
	if (idx)
		svq_log_guest(log, ring->guest_used + offsetof(struct vring_used, idx),
			      sizeof(__virtio16), res);
}

/**
 * svq_ring_relay_avail() - move guest available buffers to the shadow ring
 * @ring: the ring
 * @mem: guest memory
 * @log: dirty log to mark the relay's write of the guest's avail_event
 *	 (with event index), or NULL
 * @budget: at most this many chains (and see SVQ_RING_PASS_DESCS)
 * @res: what was done; @res->notify says to kick the device
 *
 * Stops early, with @res->blocked set, when the shadow table has no room
 * for the next chain; the chain is taken again after used buffers return.
 * Stops early with @res->more set on @budget or on a bound of one pass.
 * With event index, also tells the guest (avail_event) where the relay
 * stands, so that the guest kicks for the next buffer.
 *
 * Context: any; the caller serializes calls on one ring.
 * Return: 0, or a negative errno once the guest broke the ring
 * (@ring->error says how): the ring must not be used again.
 */
int svq_ring_relay_avail(struct svq_ring *ring, const struct svq_guest_mem *mem,
			 const struct svq_log_bitmap *log, unsigned int budget,
			 struct svq_relay_result *res)
{
	u16 avail_idx, pending, num = ring->num;
	int ret;

	*res = (struct svq_relay_result) {};
	if (ring->error)
		return -EIO;
again:
	if (svq_avail_read16(ring, mem, offsetof(struct vring_avail, idx), &avail_idx))
		return svq_fail(ring, -EFAULT, "available ring outside the mapped memory");
	pending = avail_idx - ring->guest_last_avail;
	if (pending > num)
		return svq_fail(ring, -EINVAL, "available index moved by more than the ring size");
	/* entries are read after the index */
	virt_rmb();

	while (pending && res->chains < budget && res->descs < SVQ_RING_PASS_DESCS) {
		u16 slot = ring->guest_last_avail & (num - 1);
		u16 saved_free = ring->free_head, saved_num_free = ring->num_free;
		struct svq_chain chain = {};
		u16 head;

		if (svq_avail_read16(ring, mem, offsetof(struct vring_avail, ring) +
				     sizeof(__virtio16) * slot, &head))
			return svq_fail(ring, -EFAULT, "available ring outside the mapped memory");
		if (head >= num)
			return svq_fail(ring, -EINVAL, "available head out of the ring");
		ret = svq_chain_walk(ring, mem, &chain, ring->guest_desc, num, head, false);
		if (ret == -ENOSPC) {
			/* the free list's links are untouched: roll back */
			ring->free_head = saved_free;
			ring->num_free = saved_num_free;
			res->blocked = true;
			break;
		}
		if (ret)
			return ret;

		ring->heads[chain.head].guest_head = head;
		ring->heads[chain.head].ndesc = chain.ndesc;
		ring->shadow_avail->ring[ring->shadow_avail_idx & (num - 1)] =
			cpu_to_svq16(chain.head);
		ring->shadow_avail_idx++;
		ring->guest_last_avail++;
		pending--;
		res->chains++;
		res->descs += chain.ndesc;
	}

	res->more = pending && !res->blocked;
	if (ring->event_idx && !res->blocked && !res->more) {
		u64 avail_event = offsetof(struct vring_used, ring) +
				  sizeof(struct vring_used_elem) * num;

		if (!svq_log_covers(log, ring->guest_used + avail_event, sizeof(__virtio16))) {
			res->log_short = true;
			goto publish;
		}
		/* kick me for the next one; then look again, the guest may not */
		if (svq_used_write16(ring, mem, avail_event, ring->guest_last_avail))
			return svq_fail(ring, -EFAULT, "used ring not writable");
		/* avail_event before reading the index again (and the log) */
		virt_mb();
		svq_log_guest(log, ring->guest_used + avail_event, sizeof(__virtio16), res);
		if (svq_avail_read16(ring, mem, offsetof(struct vring_avail, idx),
				     &avail_idx))
			return svq_fail(ring, -EFAULT, "available ring outside the mapped memory");
		if (avail_idx != ring->guest_last_avail)
			goto again;
	}
publish:
	if (!res->chains)
		return 0;

	/* descriptors and entries before the index */
	dma_wmb();
	WRITE_ONCE(ring->shadow_avail->idx, cpu_to_svq16(ring->shadow_avail_idx));
	/* the index before reading the device's notification suppression */
	virt_mb();
	if (ring->event_idx) {
		__virtio16 *avail_event = (__virtio16 *)&ring->shadow_used->ring[num];

		res->notify = vring_need_event(svq16_to_cpu(READ_ONCE(*avail_event)),
					       ring->shadow_avail_idx,
					       ring->shadow_kicked_avail);
	} else {
		res->notify = !(svq16_to_cpu(READ_ONCE(ring->shadow_used->flags)) &
				VRING_USED_F_NO_NOTIFY);
	}
	ring->shadow_kicked_avail = ring->shadow_avail_idx;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_relay_avail);

/*
 * A pass that wrote guest used elements from index @first on failed: log
 * what it wrote all the same, then return @err.
 */
static int svq_used_fail(struct svq_ring *ring, const struct svq_log_bitmap *log, u16 first,
			 struct svq_relay_result *res, int err, const char *why)
{
	if (log) {
		/* the elements before the log's bit tests */
		virt_mb();
		svq_log_used_ring(ring, log, first, false, res);
	}
	return svq_fail(ring, err, why);
}

/**
 * svq_ring_relay_used() - move used buffers from the shadow ring to the guest
 * @ring: the ring
 * @mem: guest memory
 * @log: dirty log to mark what the device wrote and what the relay writes
 *	 to the guest's used ring, or NULL
 * @budget: at most this many used entries (and see SVQ_RING_PASS_DESCS
 *	    and SVQ_RING_PASS_LOG_PAGES)
 * @res: what was done; @res->notify says to signal the guest
 *
 * A chain whose buffers reach pages the log does not cover stays in the
 * shadow used ring (@res->log_short): the guest never sees a completion
 * whose writes are not logged. A chain too large to log in one pass is
 * logged over several (@res->more).
 *
 * Context: any; the caller serializes calls on one ring.
 * Return: 0, -EIO if the device returned an id that is not in flight, or
 * -EFAULT if the guest's used ring is not writable; the ring is then broken.
 */
int svq_ring_relay_used(struct svq_ring *ring, const struct svq_guest_mem *mem,
			const struct svq_log_bitmap *log, unsigned int budget,
			struct svq_relay_result *res)
{
	u16 used_idx, num = ring->num, first = ring->guest_used_idx;
	unsigned long pages_left = SVQ_RING_PASS_LOG_PAGES;
	int ret;

	*res = (struct svq_relay_result) {};
	if (ring->error)
		return -EIO;
	if (!log)
		ring->log_done = 0;	/* logging stopped in the middle of a chain */
again:
	used_idx = svq16_to_cpu(READ_ONCE(ring->shadow_used->idx));
	if (log)
		/* entries after the index, device writes before the log's bit tests */
		virt_mb();
	else
		/* entries are read after the index */
		dma_rmb();
	if (ring->shadow_last_used != used_idx &&
	    !svq_log_covers(log, ring->guest_used, svq_guest_used_size(ring))) {
		res->log_short = true;
		return 0;
	}

	while (ring->shadow_last_used != used_idx) {
		const struct vring_used_elem *e =
			&ring->shadow_used->ring[ring->shadow_last_used & (num - 1)];
		u32 id = svq32_to_cpu(e->id), len = svq32_to_cpu(e->len);
		struct vring_used_elem ge;
		struct svq_head *h;
		u16 last, n, slot;

		if (res->chains >= budget || res->descs >= SVQ_RING_PASS_DESCS) {
			res->more = true;
			break;
		}
		if (id >= num || !ring->heads[id].ndesc)
			return svq_used_fail(ring, log, first, res, -EIO,
					     "device used a descriptor not in flight");
		h = &ring->heads[id];
		if (log) {
			ret = svq_log_chain(ring, log, id, len, &pages_left, res);
			if (ret == -EAGAIN)
				res->more = true;
			else if (ret)
				res->log_short = true;
			if (ret)
				break;
		}
		ring->log_done = 0;

		ge.id = cpu_to_svq32(h->guest_head);
		ge.len = cpu_to_svq32(len);
		slot = ring->guest_used_idx & (num - 1);
		if (svq_used_write_elem(ring, mem, slot, &ge))
			return svq_used_fail(ring, log, first, res, -EFAULT,
					     "used ring not writable");

		/* give the chain back to the free list, by the relay's own links */
		for (last = id, n = 1; n < h->ndesc; n++)
			last = ring->heads[last].next;
		ring->heads[last].next = ring->free_head;
		ring->free_head = id;
		ring->num_free += h->ndesc;
		res->descs += h->ndesc;
		h->ndesc = 0;

		ring->guest_used_idx++;
		ring->shadow_last_used++;
		res->chains++;
	}

	if (ring->event_idx && !res->more && !res->log_short) {
		/* interrupt us for the next used entry */
		WRITE_ONCE(ring->shadow_avail->ring[num], cpu_to_svq16(ring->shadow_last_used));
		/*
		 * then look again: an entry the device used before it could
		 * see used_event would never be signalled (virtqueue_poll())
		 */
		virt_mb();
		if (svq16_to_cpu(READ_ONCE(ring->shadow_used->idx)) != ring->shadow_last_used)
			goto again;
	}
	if (!res->chains)
		return 0;

	/* used entries before the index */
	virt_wmb();
	if (svq_used_write16(ring, mem, offsetof(struct vring_used, idx), ring->guest_used_idx))
		return svq_used_fail(ring, log, first, res, -EFAULT, "used ring not writable");

	/* the index before reading the driver's interrupt suppression (and the log) */
	virt_mb();
	if (log)
		svq_log_used_ring(ring, log, first, true, res);
	if (ring->event_idx) {
		u16 used_event;

		if (svq_avail_read16(ring, mem, offsetof(struct vring_avail, ring) +
				     sizeof(__virtio16) * num, &used_event))
			return svq_fail(ring, -EFAULT, "available ring outside the mapped memory");
		res->notify = vring_need_event(used_event, ring->guest_used_idx,
					       ring->guest_signalled_used);
	} else {
		u16 flags;

		if (svq_avail_read16(ring, mem, offsetof(struct vring_avail, flags), &flags))
			return svq_fail(ring, -EFAULT, "available ring outside the mapped memory");
		res->notify = !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	ring->guest_signalled_used = ring->guest_used_idx;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(svq_ring_relay_used);
