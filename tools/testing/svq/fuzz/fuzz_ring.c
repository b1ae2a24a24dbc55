// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the relay core (svq_ring.c): the input is a hostile
 * guest's memory (descriptor table, available ring, indirect tables) and a
 * script of events (relays in both directions, the device completing
 * chains, the guest rewriting its memory). ASan and UBSan watch every
 * access; the harness checks the relay's own invariants. The script runs
 * on two copies of everything: one relay reaches the guest's ring areas
 * through checked accesses, the other through svq_ring_map_guest()'s
 * pointers, and the two must behave identically. While a ring is whole,
 * its dirty log must hold exactly the pages an independent model says the
 * device and the relay wrote.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../drivers/vdpa/svq/svq_ring.h"

#define G_BASE	0x10000ULL
#define G_SIZE	0x4000ULL
#define G_RO	(G_BASE + 0x3000)	/* last 4 KiB read-only */
#define NUM	8

struct fuzz_guest {
	uint8_t mem[G_SIZE];
};

/* One relay and what it works on. */
struct fuzz_relay {
	struct fuzz_guest g;
	uint8_t shadow[16384] __attribute__((aligned(4096)));
	struct svq_head heads[NUM];
	uint64_t log_words[G_SIZE / 4096 / 64 + 8];
	uint64_t expect_words[G_SIZE / 4096 / 64 + 8];	/* the model's log */
	struct svq_log_bitmap log;
	struct svq_guest_mem mem;
	struct svq_ring r;
	uint16_t dev_avail, dev_used;
};

static bool in_guest(uint64_t iova, uint64_t len)
{
	return iova >= G_BASE && len <= G_SIZE && iova - G_BASE <= G_SIZE - len;
}

static int g_read(void *ctx, uint64_t iova, void *buf, uint32_t len)
{
	struct fuzz_guest *g = ctx;

	if (!in_guest(iova, len))
		return -EFAULT;
	memcpy(buf, g->mem + (iova - G_BASE), len);
	return 0;
}

static int g_write(void *ctx, uint64_t iova, const void *buf, uint32_t len)
{
	struct fuzz_guest *g = ctx;

	if (!in_guest(iova, len) || iova + len > G_RO)
		return -EFAULT;
	memcpy(g->mem + (iova - G_BASE), buf, len);
	return 0;
}

static bool g_access_ok(void *ctx, uint64_t iova, uint64_t len, uint32_t access)
{
	(void)ctx;
	return in_guest(iova, len) && (!(access & SVQ_ACCESS_WRITE) || iova + len <= G_RO);
}

static void *g_map(void *ctx, uint64_t iova, uint64_t len, uint32_t access)
{
	struct fuzz_guest *g = ctx;

	return g_access_ok(ctx, iova, len, access) ? g->mem + (iova - G_BASE) : NULL;
}

static const struct svq_guest_mem_ops ops = { g_read, g_write, g_access_ok, g_map };

/* Every shadow descriptor is either free or in exactly one chain in flight. */
static void check_invariants(const struct svq_ring *r)
{
	unsigned int inflight = 0, i;

	for (i = 0; i < NUM; i++)
		inflight += r->heads[i].ndesc;
	assert(inflight + r->num_free == NUM);
	assert(svq_ring_inflight(r) <= NUM);
}

/* The model: the device or the relay wrote [@iova, @iova + @len). */
static void expect_written(struct fuzz_relay *f, uint64_t iova, uint64_t len)
{
	for (uint64_t p = iova >> 12; len && p <= (iova + len - 1) >> 12; p++)
		if (p < f->log.nbits)
			f->expect_words[p / 64] |= 1ULL << (p % 64);
}

/*
 * A used pass moved the device's used entries from @shadow_from and wrote
 * the guest's from @guest_from: the device wrote each chain's writable
 * buffers up to its used length, the relay the guest's elements and index.
 */
static void expect_used_pass(struct fuzz_relay *f, uint16_t shadow_from, uint16_t guest_from)
{
	const struct svq_ring *r = &f->r;
	uint16_t k, n = r->shadow_last_used - shadow_from;

	for (k = 0; k < n; k++) {
		const struct vring_used_elem *e =
			&r->shadow_used->ring[(uint16_t)(shadow_from + k) % NUM];
		uint32_t len = e->len, steps = 0;
		uint16_t i = e->id;

		/* the chain, by its NEXT flags: the free list only relinks its last */
		while (len && steps++ < NUM) {
			const struct vring_desc *d = &r->shadow_desc[i];

			if (d->flags & VRING_DESC_F_WRITE) {
				uint32_t w = len < d->len ? len : d->len;

				expect_written(f, d->addr, w);
				len -= w;
			}
			if (!(d->flags & VRING_DESC_F_NEXT))
				break;
			i = d->next;
		}
		expect_written(f, r->guest_used + 4 +
			       8 * ((uint16_t)(guest_from + k) % NUM), 8);
	}
	if (n)
		expect_written(f, r->guest_used + 2, 2);
}

/* Run event @ev (at script position @i) on @f. */
static int fuzz_event(struct fuzz_relay *f, uint8_t ev, size_t i, struct svq_relay_result *res)
{
	struct svq_ring *r = &f->r;
	uint16_t shadow_from = r->shadow_last_used, guest_from = r->guest_used_idx;
	unsigned int budget = 1 + (ev >> 2) % 4;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	switch (ev & 3) {
	case 0:
		ret = svq_ring_relay_avail(r, &f->mem, &f->log, budget, res);
		/* with event index: the relay wrote avail_event */
		if (!ret && r->event_idx && !res->blocked && !res->more && !res->log_short)
			expect_written(f, r->guest_used + 4 + 8 * NUM, 2);
		break;
	case 1:	/* the device completes the next chain it saw */
		if (f->dev_avail != r->shadow_avail->idx) {
			uint16_t id = r->shadow_avail->ring[f->dev_avail++ % NUM];

			r->shadow_used->ring[f->dev_used % NUM].id = id;
			r->shadow_used->ring[f->dev_used % NUM].len = ev * 97;
			r->shadow_used->idx = ++f->dev_used;
		}
		break;
	case 2:
		ret = svq_ring_relay_used(r, &f->mem, &f->log, budget, res);
		if (!ret)
			expect_used_pass(f, shadow_from, guest_from);
		break;
	case 3:	/* the guest rewrites a byte of its rings */
		f->g.mem[(ev * 131 + i) % 0x2100] ^= ev;
		break;
	}
	if (ev == 0xff) {	/* the guest makes one more entry available */
		uint16_t *idx = (uint16_t *)(f->g.mem + 0x1002);

		f->g.mem[0x1004 + (*idx % NUM) * 2] = i % NUM;
		(*idx)++;
	}
	if (ret)
		assert(r->error);
	/* a broken ring is never used again: its state does not matter */
	if (!r->error) {
		check_invariants(r);
		assert(!memcmp(f->log_words, f->expect_words, sizeof(f->log_words)));
	}
	return ret;
}

static void fuzz_relay_init(struct fuzz_relay *f, const struct fuzz_guest *g, uint8_t flags,
			    uint8_t start, bool mapped)
{
	static const struct svq_guest_mem_ops unmapped_ops = { g_read, g_write, g_access_ok, NULL };

	memset(f, 0, sizeof(*f));
	f->g = *g;
	f->log.bits = (unsigned long *)f->log_words;
	f->log.nbits = 64 * 8;
	f->mem.ops = mapped ? &ops : &unmapped_ops;
	f->mem.ctx = &f->g;
	assert(svq_ring_shadow_size(NUM) <= sizeof(f->shadow));
	svq_ring_init(&f->r, NUM, f->shadow, f->heads, flags & 1, flags & 2);
	/* flags bit 2: the used ring in the read-only part */
	svq_ring_set_guest(&f->r, G_BASE, G_BASE + 0x1000, flags & 4 ? G_RO : G_BASE + 0x2000,
			   start);
	svq_ring_map_guest(&f->r, &f->mem);
	assert(mapped == !!f->r.map_desc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_relay a, b;
	static struct fuzz_guest g;
	size_t n;

	uint8_t flags, start;

	if (size < 2)
		return 0;
	flags = data[0];
	start = data[1];
	/*
	 * Input: flags, start index, descriptor table (8 x 16 bytes), available
	 * ring (2 + 2 + 8 x 2 bytes), an indirect table at +0x800 (4 x 16
	 * bytes), then events. Addresses mostly land near the guest window.
	 */
	memset(g.mem, 0, sizeof(g.mem));
	n = size - 2;
	memcpy(g.mem, data + 2, n < 128 ? n : 128);
	if (n > 128)
		memcpy(g.mem + 0x1000, data + 130, n - 128 < 20 ? n - 128 : 20);
	if (n > 148)
		memcpy(g.mem + 0x800, data + 150, n - 148 < 64 ? n - 148 : 64);
	for (size_t d = 0; d < 12; d++) {
		uint64_t *addr = (uint64_t *)(g.mem + (d < 8 ? d * 16 : 0x800 + (d - 8) * 16));

		if (*addr & 7)
			*addr = G_BASE + *addr % (G_SIZE + 0x200);
	}
	data += n > 212 ? 212 : n;
	size -= n > 212 ? 212 : n;
	n = size - 2;
	fuzz_relay_init(&a, &g, flags, start, false);
	fuzz_relay_init(&b, &g, flags, start, true);

	/* the script: the guest memory bytes double as events */
	for (size_t i = 0; i < n && i < 64; i++) {
		struct svq_relay_result ra, rb;
		int reta = fuzz_event(&a, data[2 + i], i, &ra);
		int retb = fuzz_event(&b, data[2 + i], i, &rb);

		/* checked or mapped: the same outcome, the same memory */
		assert(reta == retb && !a.r.error == !b.r.error);
		assert(!a.r.error || !strcmp(a.r.error, b.r.error));
		assert(ra.chains == rb.chains && ra.descs == rb.descs &&
		       ra.pages_logged == rb.pages_logged && ra.notify == rb.notify &&
		       ra.blocked == rb.blocked && ra.more == rb.more &&
		       ra.log_short == rb.log_short);
		assert(!memcmp(a.g.mem, b.g.mem, sizeof(a.g.mem)));
		assert(!memcmp(a.shadow, b.shadow, sizeof(a.shadow)));
		assert(!memcmp(a.log_words, b.log_words, sizeof(a.log_words)));
	}
	return 0;
}
