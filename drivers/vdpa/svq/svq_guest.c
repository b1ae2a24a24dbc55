// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost_vdpa_svq: the relay's access to guest memory (struct
 * svq_guest_mem_ops of svq_ring.h), through the copy of the driver's
 * mappings (svq_iotlb.c).
 *
 * In PA mode a mapping's address is the physical address of pages that
 * vhost-vdpa pinned; the relay reaches them with kmap_local_page(). Each
 * virtqueue caches page translations, and the guest's ring areas can be
 * reached through one pointer each (svq_ring_map_guest()); both stand for
 * the same look-ups and checks and are dropped when the mappings change
 * (svq_dev.iotlb_gen). Validating a device buffer (access_ok) is one
 * look-up in the merged runs of the mappings, whatever its size.
 */

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vhost_iotlb.h>

#include "svq_guest.h"
#include "svq_iotlb.h"

#define SVQ_TLB_VALID	1ULL
#define SVQ_TLB_MAX	1024

/*
 * Cache the translation of @iova's page that @map gave, if the whole page
 * is in @map and no other mapping overlaps it (so that a look-up at any
 * address of the page finds @map), at the same offset in a physical page.
 * The caller checked pfn_valid() of that physical page.
 */
static void svq_tlb_fill(struct svq_guest_ctx *ctx, struct svq_tlb_entry *e,
			 struct vhost_iotlb_map *map, u64 iova)
{
	struct vhost_iotlb *iotlb = ctx->as->maps.guest;
	u64 page = iova & PAGE_MASK, last = page + PAGE_SIZE - 1;

	if (map->start > page || map->last < last ||
	    !IS_ALIGNED(map->addr - map->start, PAGE_SIZE) ||
	    vhost_iotlb_itree_first(iotlb, page, last) != map ||
	    vhost_iotlb_itree_next(map, page, last))
		return;
	e->iova = page | SVQ_TLB_VALID;
	e->pa = ((map->addr + (page - map->start)) & PAGE_MASK) |
		(map->perm & (VHOST_MAP_RO | VHOST_MAP_WO));
}

/*
 * Translate @iova for an access that needs the VHOST_MAP_* permissions
 * @need: its physical address in @pa, and in @chunk how many bytes from
 * there the same translation covers (up to the end of the mapping or of
 * the physical page). The driver's mapping that a look-up at @iova finds
 * must allow the access, and the page must be RAM; an address space the
 * driver never mapped is identity only if identity_ok. A valid entry of
 * the virtqueue's cache (same IOTLB generation) stands for the same
 * look-up and checks.
 */
static bool svq_guest_translate(struct svq_guest_ctx *ctx, u64 iova, u32 need, u64 *pa,
				u64 *chunk)
{
	struct svq_as *as = ctx->as;
	struct svq_dev *svq = as->svq;
	struct svq_tlb_entry *e = NULL;
	struct vhost_iotlb_map *map;

	if (ctx->tlb && as->has_map) {
		if (unlikely(ctx->gen != svq->iotlb_gen)) {
			memset(ctx->tlb, 0, sizeof(*ctx->tlb) * (ctx->tlb_mask + 1));
			ctx->gen = svq->iotlb_gen;
		}
		e = &ctx->tlb[(iova >> PAGE_SHIFT) & ctx->tlb_mask];
		if (e->iova == ((iova & PAGE_MASK) | SVQ_TLB_VALID)) {
			if ((e->pa & need) != need)
				return false;
			*pa = (e->pa & PAGE_MASK) + offset_in_page(iova);
			*chunk = PAGE_SIZE - offset_in_page(iova);
			return true;
		}
	}
	if (as->has_map) {
		map = vhost_iotlb_itree_first(as->maps.guest, iova, iova);
		if (!map || (map->perm & need) != need)
			return false;
		*pa = map->addr + (iova - map->start);
		*chunk = map->last - iova + 1 ?: U64_MAX;
	} else if (READ_ONCE(svq->identity_ok)) {
		*pa = iova;
		*chunk = U64_MAX;
	} else {
		/* userspace drivers must map what the device touches */
		return false;
	}
	*chunk = min_t(u64, *chunk, PAGE_SIZE - offset_in_page(*pa));
	if (!pfn_valid(PHYS_PFN(*pa)))
		return false;
	if (e)
		svq_tlb_fill(ctx, e, map, iova);
	return true;
}

/*
 * Guest memory access for the relay. Context: any; the caller holds the
 * virtqueue's ring lock, which keeps the mappings unchanged (see
 * svq_iotlb_write_lock()) and serializes the uses of @ctx.
 * @write: copy into guest memory.
 * Inlined into each accessor: the relay validates every buffer with it.
 */
static __always_inline int svq_guest_access(struct svq_guest_ctx *ctx, u64 iova, void *buf,
					    u64 len, u32 access, bool write)
{
	u32 need = (access & SVQ_ACCESS_WRITE ? VHOST_MAP_WO : 0) |
		   (access & SVQ_ACCESS_READ ? VHOST_MAP_RO : 0);

	if (!len || iova + len - 1 < iova)
		return -EFAULT;
	while (len) {
		u64 pa, chunk;
		void *va;

		if (!svq_guest_translate(ctx, iova, need, &pa, &chunk))
			return -EFAULT;
		chunk = min(chunk, len);
		if (buf) {
			va = kmap_local_page(pfn_to_page(PHYS_PFN(pa))) + offset_in_page(pa);
			if (chunk == 2 && IS_ALIGNED(pa, 2)) {
				if (write)
					WRITE_ONCE(*(u16 *)va, *(u16 *)buf);
				else
					*(u16 *)buf = READ_ONCE(*(u16 *)va);
			} else if (write) {
				memcpy(va, buf, chunk);
			} else {
				memcpy(buf, va, chunk);
			}
			kunmap_local(va);
			buf += chunk;
		}
		iova += chunk;
		len -= chunk;
	}
	return 0;
}

static int svq_guest_read(void *ctx, u64 iova, void *buf, u32 len)
{
	return svq_guest_access(ctx, iova, buf, len, SVQ_ACCESS_READ, false);
}

static int svq_guest_write(void *ctx, u64 iova, const void *buf, u32 len)
{
	/* the relay writes the used ring: it needs a writable mapping */
	return svq_guest_access(ctx, iova, (void *)buf, len, SVQ_ACCESS_WRITE, true);
}

/*
 * May the device access all of [@iova, @iova + @len) with @access? One
 * look-up per kind of access in the merged runs of the driver's mappings,
 * however large the buffer: the relay validates every buffer of every
 * chain with it, in atomic context. Context: as svq_guest_access().
 */
static bool svq_guest_access_ok(void *ctx, u64 iova, u64 len, u32 access)
{
	struct svq_as *as = ((struct svq_guest_ctx *)ctx)->as;
	u64 last = iova + len - 1;

	if (!len || last < iova)
		return false;
	if (!as->has_map)
		return READ_ONCE(as->svq->identity_ok);
	if ((access & SVQ_ACCESS_READ) && !svq_iotlb_runs_cover(as->maps.readable, iova, last))
		return false;
	return !(access & SVQ_ACCESS_WRITE) || svq_iotlb_runs_cover(as->maps.writable, iova, last);
}

/*
 * A pointer to all of [@iova, @iova + @len) if svq_guest_access() would
 * allow every access to it with @access, and its pages are contiguous
 * lowmem; NULL otherwise. It stays valid while svq->iotlb_gen does: the
 * pages of a mapping stay pinned until the driver removes the mapping,
 * which bumps the generation. Context: any; the caller holds the
 * virtqueue's ring lock (see svq_iotlb_write_lock()).
 */
static void *svq_guest_map(void *ctx, u64 iova, u64 len, u32 access)
{
	struct svq_as *as = ((struct svq_guest_ctx *)ctx)->as;
	u32 need = (access & SVQ_ACCESS_WRITE ? VHOST_MAP_WO : 0) |
		   (access & SVQ_ACCESS_READ ? VHOST_MAP_RO : 0);
	u64 last = iova + len - 1, pa, at;
	struct vhost_iotlb_map *map;
	unsigned long pfn;

	if (!len || last < iova)
		return NULL;
	if (as->has_map) {
		/* the look-ups svq_guest_access() does, and PA contiguity */
		map = vhost_iotlb_itree_first(as->maps.guest, iova, iova);
		if (!map || (map->perm & need) != need)
			return NULL;
		pa = map->addr + (iova - map->start);
		while (map->last < last) {
			at = map->last + 1;
			map = vhost_iotlb_itree_first(as->maps.guest, at, at);
			if (!map || (map->perm & need) != need ||
			    map->addr + (at - map->start) != pa + (at - iova))
				return NULL;
		}
	} else if (READ_ONCE(as->svq->identity_ok)) {
		pa = iova;
	} else {
		return NULL;
	}
	if (pa + len - 1 < pa)
		return NULL;
	for (pfn = PHYS_PFN(pa); pfn <= PHYS_PFN(pa + len - 1); pfn++)
		if (!pfn_valid(pfn) || PageHighMem(pfn_to_page(pfn)))
			return NULL;
	/* lowmem: the direct map is contiguous where physical memory is */
	return page_address(pfn_to_page(PHYS_PFN(pa))) + offset_in_page(pa);
}

static const struct svq_guest_mem_ops svq_guest_mem_ops = {
	.read = svq_guest_read,
	.write = svq_guest_write,
	.access_ok = svq_guest_access_ok,
	.map = svq_guest_map,
};

/**
 * svq_guest_mem_init() - guest memory of an address space, for the relay
 * of one virtqueue
 * @svq: the upper device
 * @asid: address space
 * @tlb_entries: how many page translations to cache (rounded down to a
 *		 power of two, at most 1024); without memory for them, none
 * @ctx: the virtqueue's context of the accesses, set up
 * @mem: filled in
 *
 * Context: process. svq_guest_mem_free() frees the cache.
 */
void svq_guest_mem_init(struct svq_dev *svq, unsigned int asid, u32 tlb_entries,
			struct svq_guest_ctx *ctx, struct svq_guest_mem *mem)
{
	tlb_entries = tlb_entries ? rounddown_pow_of_two(min(tlb_entries, SVQ_TLB_MAX)) : 0;
	ctx->as = &svq->as[min(asid, svq->nas - 1)];
	ctx->tlb = tlb_entries ? kcalloc(tlb_entries, sizeof(*ctx->tlb),
					 GFP_KERNEL | __GFP_NOWARN) : NULL;
	ctx->tlb_mask = tlb_entries - 1;
	ctx->gen = READ_ONCE(svq->iotlb_gen) - 1;	/* flushed before first use */
	mem->ops = &svq_guest_mem_ops;
	mem->ctx = ctx;
}

/**
 * svq_guest_mem_free() - free what svq_guest_mem_init() allocated
 * @ctx: the virtqueue's context of the accesses
 */
void svq_guest_mem_free(struct svq_guest_ctx *ctx)
{
	kfree(ctx->tlb);
	ctx->tlb = NULL;
}

