// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the shadow virtqueue relay core on synthetic rings: a
 * fake guest (flat memory with a read-only window) and a fake device that
 * consumes the shadow ring. Each test runs twice: with the guest's ring
 * areas reached through checked accesses, and mapped
 * (svq_ring_map_guest()).
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio_byteorder.h>

#include "svq_ring.h"

#define G_BASE		0x100000ULL
#define G_SIZE		0x10000ULL
#define G_DESC		(G_BASE + 0x0000)
#define G_AVAIL		(G_BASE + 0x1000)
#define G_USED		(G_BASE + 0x2000)
#define G_INDIRECT	(G_BASE + 0x3000)
#define G_BUF		(G_BASE + 0x4000)
#define G_RO		(G_BASE + 0xc000)	/* read-only window, 8 KiB */
#define G_RO_END	(G_BASE + 0xe000)

struct fake {
	u8 guest[G_SIZE];
	struct svq_ring ring;
	struct svq_guest_mem mem;
	void *shadow;
	struct svq_head *heads;
	u16 guest_avail_idx;	/* the fake guest's next avail entry */
	u16 dev_last_avail;	/* the fake device's next shadow avail entry */
	u16 dev_used_idx;
	u64 log_words[8];
	struct svq_log_bitmap log;
	bool mapped;		/* map the guest's ring areas */
	unsigned int accesses;	/* checked reads and writes of guest memory */
	u64 huge_base;		/* more writable IOVA, never accessed by the relay */
	u64 huge_size;
	bool race;		/* the device uses a chain in the relay's first write */
	u16 race_id;
};

static bool in_guest(u64 iova, u64 len)
{
	return iova >= G_BASE && len <= G_SIZE && iova - G_BASE <= G_SIZE - len;
}

static bool hits_ro(u64 iova, u64 len)
{
	return iova < G_RO_END && iova + len > G_RO;
}

static int fake_read(void *ctx, u64 iova, void *buf, u32 len)
{
	struct fake *f = ctx;

	f->accesses++;
	if (!in_guest(iova, len))
		return -EFAULT;
	memcpy(buf, f->guest + (iova - G_BASE), len);
	return 0;
}

static void dev_use(struct fake *f, u16 id, u32 len);

static int fake_write(void *ctx, u64 iova, const void *buf, u32 len)
{
	struct fake *f = ctx;

	if (f->race) {
		/* a device on another CPU, between two steps of the relay */
		f->race = false;
		dev_use(f, f->race_id, 1);
	}
	f->accesses++;
	if (!in_guest(iova, len) || hits_ro(iova, len))
		return -EFAULT;
	memcpy(f->guest + (iova - G_BASE), buf, len);
	return 0;
}

static bool fake_access_ok(void *ctx, u64 iova, u64 len, u32 access)
{
	struct fake *f = ctx;

	if (f->huge_size && iova >= f->huge_base && len <= f->huge_size &&
	    iova - f->huge_base <= f->huge_size - len)
		return true;
	return in_guest(iova, len) && !((access & SVQ_ACCESS_WRITE) && hits_ro(iova, len));
}

static void *fake_map(void *ctx, u64 iova, u64 len, u32 access)
{
	struct fake *f = ctx;

	return fake_access_ok(ctx, iova, len, access) ? f->guest + (iova - G_BASE) : NULL;
}

static const struct svq_guest_mem_ops fake_mem_ops = {
	.read = fake_read,
	.write = fake_write,
	.access_ok = fake_access_ok,
	.map = fake_map,
};

static void *gptr(struct fake *f, u64 iova)
{
	return f->guest + (iova - G_BASE);
}

static struct vring_desc *gdesc(struct fake *f, u16 i)
{
	return (struct vring_desc *)gptr(f, G_DESC) + i;
}

static void set_desc(struct vring_desc *d, u64 addr, u32 len, u16 flags, u16 next)
{
	d->addr = __cpu_to_virtio64(true, addr);
	d->len = __cpu_to_virtio32(true, len);
	d->flags = __cpu_to_virtio16(true, flags);
	d->next = __cpu_to_virtio16(true, next);
}

static struct vring_avail *gavail(struct fake *f)
{
	return gptr(f, G_AVAIL);
}

static struct vring_used *gused(struct fake *f)
{
	return gptr(f, G_USED);
}

/* The guest makes chain @head available. */
static void guest_post(struct fake *f, u16 head)
{
	gavail(f)->ring[f->guest_avail_idx % f->ring.num] = __cpu_to_virtio16(true, head);
	f->guest_avail_idx++;
	gavail(f)->idx = __cpu_to_virtio16(true, f->guest_avail_idx);
}

/* The device takes the next shadow chain; returns its head. */
static u16 dev_take(struct kunit *test, struct fake *f)
{
	u16 head;

	KUNIT_ASSERT_NE(test, __virtio16_to_cpu(true, f->ring.shadow_avail->idx),
			f->dev_last_avail);
	head = __virtio16_to_cpu(true, f->ring.shadow_avail->ring[f->dev_last_avail % f->ring.num]);
	f->dev_last_avail++;
	return head;
}

static void dev_use(struct fake *f, u16 id, u32 len)
{
	struct vring_used_elem *e = &f->ring.shadow_used->ring[f->dev_used_idx % f->ring.num];

	e->id = __cpu_to_virtio32(true, id);
	e->len = __cpu_to_virtio32(true, len);
	f->dev_used_idx++;
	f->ring.shadow_used->idx = __cpu_to_virtio16(true, f->dev_used_idx);
}

/* Where the guest's ring is; mapped if the test case's parameter says so. */
static void set_guest(struct fake *f, u64 desc, u64 avail, u64 used, u16 start)
{
	svq_ring_set_guest(&f->ring, desc, avail, used, start);
	if (f->mapped)
		svq_ring_map_guest(&f->ring, &f->mem);
}

static struct fake *fake_new(struct kunit *test, u16 num, bool event_idx, bool indirect,
			     u16 start)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->heads = kunit_kcalloc(test, num, sizeof(*f->heads), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->heads);
	f->shadow = kunit_kzalloc(test, svq_ring_shadow_size(num), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->shadow);
	f->mem.ops = &fake_mem_ops;
	f->mem.ctx = f;
	f->mapped = test->param_value && *(const bool *)test->param_value;
	svq_ring_init(&f->ring, num, f->shadow, f->heads, event_idx, indirect);
	set_guest(f, G_DESC, G_AVAIL, G_USED, start);
	f->guest_avail_idx = start;
	gavail(f)->idx = __cpu_to_virtio16(true, start);
	gused(f)->idx = __cpu_to_virtio16(true, start);
	f->log.bits = (unsigned long *)f->log_words;
	f->log.nbits = 64 * ARRAY_SIZE(f->log_words);
	return f;
}

static int relay_avail(struct fake *f, struct svq_relay_result *res)
{
	return svq_ring_relay_avail(&f->ring, &f->mem, NULL, 256, res);
}

static int relay_used(struct fake *f, struct svq_relay_result *res)
{
	return svq_ring_relay_used(&f->ring, &f->mem, NULL, 256, res);
}

static void svq_ring_test_in_order(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	struct svq_relay_result res;
	u16 i, head;

	for (i = 0; i < 3; i++) {
		set_desc(gdesc(f, i), G_BUF + i * 0x100, 0x100, VRING_DESC_F_WRITE, 0);
		guest_post(f, i);
	}
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_EQ(test, res.chains, 3);
	KUNIT_EXPECT_TRUE(test, res.notify);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, f->ring.shadow_avail->idx), 3);

	for (i = 0; i < 3; i++) {
		head = dev_take(test, f);
		KUNIT_EXPECT_EQ(test, __virtio64_to_cpu(true, f->ring.shadow_desc[head].addr),
				G_BUF + i * 0x100);
		KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, f->ring.shadow_desc[head].flags),
				VRING_DESC_F_WRITE);
		dev_use(f, head, 10 + i);
	}
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_EQ(test, res.chains, 3);
	KUNIT_EXPECT_TRUE(test, res.notify);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, gused(f)->idx), 3);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[i].id), i);
		KUNIT_EXPECT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[i].len), 10 + i);
	}
	KUNIT_EXPECT_EQ(test, f->ring.num_free, 8);
	KUNIT_EXPECT_EQ(test, svq_ring_inflight(&f->ring), 0);
	/* mapped: no checked access to the ring areas at all */
	if (f->mapped)
		KUNIT_EXPECT_EQ(test, f->accesses, 0);
	else
		KUNIT_EXPECT_GT(test, f->accesses, 0);
}

static void svq_ring_test_out_of_order(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	struct svq_relay_result res;
	u16 heads[4], i;

	for (i = 0; i < 4; i++) {
		/* chains of two: readable header, writable buffer */
		set_desc(gdesc(f, 2 * i), G_BUF + i * 0x200, 12, VRING_DESC_F_NEXT, 2 * i + 1);
		set_desc(gdesc(f, 2 * i + 1), G_BUF + i * 0x200 + 12, 100,
			 VRING_DESC_F_WRITE, 0);
		guest_post(f, 2 * i);
	}
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_EQ(test, res.chains, 4);
	KUNIT_EXPECT_EQ(test, res.descs, 8);
	for (i = 0; i < 4; i++)
		heads[i] = dev_take(test, f);
	dev_use(f, heads[2], 1);
	dev_use(f, heads[0], 2);
	dev_use(f, heads[3], 3);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[0].id), 4);
	KUNIT_EXPECT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[1].id), 0);
	KUNIT_EXPECT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[2].id), 6);
	KUNIT_EXPECT_EQ(test, f->ring.num_free, 6);
	KUNIT_EXPECT_EQ(test, svq_ring_inflight(&f->ring), 1);
	dev_use(f, heads[1], 4);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[3].id), 2);
	KUNIT_EXPECT_EQ(test, f->ring.num_free, 8);
}

static void svq_ring_test_wraparound(struct kunit *test)
{
	u16 start = 65530, idx;
	struct fake *f = fake_new(test, 4, false, false, start);
	struct svq_relay_result res;
	unsigned int n;

	/* 40 chains through a ring of 4, across the 16-bit index wrap */
	for (n = 0; n < 40; n++) {
		u16 slot = n % 4;

		set_desc(gdesc(f, slot), G_BUF + slot * 0x100, 0x100, VRING_DESC_F_WRITE, 0);
		guest_post(f, slot);
		KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
		KUNIT_ASSERT_EQ(test, res.chains, 1);
		dev_use(f, dev_take(test, f), n);
		KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
		KUNIT_ASSERT_EQ(test, res.chains, 1);
		idx = start + n;
		KUNIT_ASSERT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[idx % 4].id), slot);
		KUNIT_ASSERT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[idx % 4].len), n);
	}
	idx = start + n;	/* n == 40 */
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, gused(f)->idx), idx);
	KUNIT_EXPECT_EQ(test, f->ring.guest_last_avail, idx);
}

static void svq_ring_test_indirect(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, true, 0);
	struct vring_desc *table = gptr(f, G_INDIRECT);
	struct svq_relay_result res;
	u16 head, i, flags;

	set_desc(&table[0], G_BUF, 12, VRING_DESC_F_NEXT, 2);
	set_desc(&table[2], G_BUF + 12, 50, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], G_BUF + 0x100, 1500, VRING_DESC_F_WRITE, 0);
	set_desc(gdesc(f, 5), G_INDIRECT, 3 * sizeof(*table), VRING_DESC_F_INDIRECT, 0);
	guest_post(f, 5);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_EQ(test, res.descs, 3);
	head = dev_take(test, f);
	/* flattened: read, read, write; NEXT on all but the last */
	for (i = head; ; i = __virtio16_to_cpu(true, f->ring.shadow_desc[i].next)) {
		flags = __virtio16_to_cpu(true, f->ring.shadow_desc[i].flags);
		KUNIT_EXPECT_FALSE(test, flags & VRING_DESC_F_INDIRECT);
		if (!(flags & VRING_DESC_F_NEXT))
			break;
	}
	KUNIT_EXPECT_EQ(test, __virtio64_to_cpu(true, f->ring.shadow_desc[i].addr), G_BUF + 0x100);
	KUNIT_EXPECT_EQ(test, flags, VRING_DESC_F_WRITE);
	dev_use(f, head, 1500);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_EQ(test, __virtio32_to_cpu(true, gused(f)->ring[0].id), 5);
	KUNIT_EXPECT_EQ(test, f->ring.num_free, 8);
}

static void svq_ring_test_event_idx(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, true, false, 0);
	__virtio16 *used_event = &gavail(f)->ring[8];
	__virtio16 *avail_event = (__virtio16 *)&gused(f)->ring[8];
	__virtio16 *dev_avail_event = (__virtio16 *)&f->ring.shadow_used->ring[8];
	struct svq_relay_result res;
	u16 i;

	for (i = 0; i < 4; i++)
		set_desc(gdesc(f, i), G_BUF + i * 0x100, 0x100, VRING_DESC_F_WRITE, 0);
	/* the device wants a kick only when entry 1 is added */
	*dev_avail_event = __cpu_to_virtio16(true, 1);
	guest_post(f, 0);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.notify);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, *avail_event), 1);
	guest_post(f, 1);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_TRUE(test, res.notify);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, *avail_event), 2);

	/* the guest wants an interrupt once used idx passes 1 */
	*used_event = __cpu_to_virtio16(true, 1);
	dev_use(f, dev_take(test, f), 1);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.notify);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, f->ring.shadow_avail->ring[8]), 1);
	dev_use(f, dev_take(test, f), 1);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_TRUE(test, res.notify);
}

static void svq_ring_test_no_interrupt_flag(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	struct svq_relay_result res;

	set_desc(gdesc(f, 0), G_BUF, 0x100, VRING_DESC_F_WRITE, 0);
	guest_post(f, 0);
	f->ring.shadow_used->flags = __cpu_to_virtio16(true, VRING_USED_F_NO_NOTIFY);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.notify);
	gavail(f)->flags = __cpu_to_virtio16(true, VRING_AVAIL_F_NO_INTERRUPT);
	dev_use(f, dev_take(test, f), 1);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.notify);
}

static void svq_ring_test_blocked_until_used(struct kunit *test)
{
	struct fake *f = fake_new(test, 4, false, false, 0);
	struct svq_relay_result res;
	u16 i, first;

	for (i = 0; i < 3; i++) {
		set_desc(gdesc(f, i), G_BUF, 12, VRING_DESC_F_NEXT, 3);
		set_desc(gdesc(f, 3), G_BUF + 0x100, 100, VRING_DESC_F_WRITE, 0);
	}
	/* three chains of two share descriptor 3: fine for the relay */
	for (i = 0; i < 3; i++)
		guest_post(f, i);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_EQ(test, res.chains, 2);
	KUNIT_EXPECT_TRUE(test, res.blocked);
	KUNIT_EXPECT_EQ(test, f->ring.num_free, 0);
	first = dev_take(test, f);
	dev_use(f, first, 5);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_EXPECT_EQ(test, res.chains, 1);
	KUNIT_EXPECT_FALSE(test, res.blocked);
	KUNIT_EXPECT_EQ(test, svq_ring_inflight(&f->ring), 2);
}

static void svq_ring_test_log(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	struct svq_relay_result res;
	u64 page;

	/* G_BASE is page 0x100: a 3-page buffer at page 0x104, 2.5 pages written */
	set_desc(gdesc(f, 0), G_BUF, 12, VRING_DESC_F_NEXT, 1);
	set_desc(gdesc(f, 1), G_BUF + 0x800, 0x3000, VRING_DESC_F_WRITE, 0);
	guest_post(f, 0);
	f->log.bits = kunit_kzalloc(test, 0x200 / 8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->log.bits);
	f->log.nbits = 0x200;
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	dev_use(f, dev_take(test, f), 0x2000);
	KUNIT_ASSERT_EQ(test, svq_ring_relay_used(&f->ring, &f->mem, &f->log, 256, &res), 0);
	for (page = 0; page < 0x200; page++) {
		/* written: 0x104800..0x1067ff; used ring: page 0x102 */
		bool want = page == 0x104 || page == 0x105 || page == 0x106 || page == 0x102;

		KUNIT_EXPECT_EQ_MSG(test, test_bit(page, f->log.bits), want,
				    "page 0x%llx", page);
	}
	KUNIT_EXPECT_EQ(test, res.pages_logged, 4 + 1);	/* elem and idx: same page */
}

/* With event index, the avail pass's write of avail_event is logged. */
static void svq_ring_test_log_avail_event(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, true, false, 0);
	struct svq_relay_result res;

	set_desc(gdesc(f, 0), G_BUF, 64, 0, 0);
	guest_post(f, 0);
	KUNIT_ASSERT_EQ(test, svq_ring_relay_avail(&f->ring, &f->mem, &f->log, 256, &res), 0);
	KUNIT_EXPECT_EQ(test, res.chains, 1);
	/* avail_event: G_USED + 4 + 8 * 8, page 0x102; nothing else */
	KUNIT_EXPECT_EQ(test,
			__virtio16_to_cpu(true, *(__virtio16 *)gptr(f, G_USED + 4 + 8 * 8)), 1);
	KUNIT_EXPECT_EQ(test, f->log_words[0x102 / 64], BIT_ULL(0x102 % 64));
	KUNIT_EXPECT_EQ(test, res.pages_logged, 1);
}

/*
 * A used pass that fails still logs the elements it wrote, across the
 * ring's wrap-around: the guest's used ring starts 4 bytes before the page
 * at 0x103000, so elements 0-127 are on page 0x102 and 128-255 on 0x103.
 */
static void svq_ring_test_log_failed_pass(struct kunit *test)
{
	struct fake *f = fake_new(test, 256, false, false, 255);
	struct svq_relay_result res;
	unsigned int i;

	set_guest(f, G_DESC, G_AVAIL, G_BASE + 0x2bfc, 255);
	for (i = 0; i < 2; i++) {
		set_desc(gdesc(f, i), G_BUF + 64 * i, 64, 0, 0);
		guest_post(f, i);
	}
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	dev_use(f, dev_take(test, f), 0);	/* guest used element 255 */
	dev_use(f, dev_take(test, f), 0);	/* element 0 */
	dev_use(f, 7, 0);			/* not in flight */
	KUNIT_EXPECT_EQ(test, svq_ring_relay_used(&f->ring, &f->mem, &f->log, 256, &res), -EIO);
	KUNIT_EXPECT_EQ(test, f->log_words[0x102 / 64], BIT_ULL(0x102 % 64) | BIT_ULL(0x103 % 64));
	KUNIT_EXPECT_EQ(test, res.pages_logged, 2);
}

/* Each malformed ring breaks the relay with an error, and it stays broken. */
static void expect_broken(struct kunit *test, struct fake *f, int ret, int err)
{
	struct svq_relay_result res;

	KUNIT_EXPECT_EQ(test, ret, err);
	KUNIT_EXPECT_NOT_NULL(test, f->ring.error);
	KUNIT_EXPECT_EQ(test, relay_avail(f, &res), -EIO);
	KUNIT_EXPECT_EQ(test, relay_used(f, &res), -EIO);
}

static void svq_ring_test_malformed(struct kunit *test)
{
	struct vring_desc *table;
	struct svq_relay_result res;
	struct fake *f;
	int i;

	/* loop in the descriptor table */
	f = fake_new(test, 8, false, false, 0);
	set_desc(gdesc(f, 0), G_BUF, 10, VRING_DESC_F_NEXT, 1);
	set_desc(gdesc(f, 1), G_BUF, 10, VRING_DESC_F_NEXT, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -ELOOP);

	/* head out of range */
	f = fake_new(test, 8, false, false, 0);
	guest_post(f, 8);
	expect_broken(test, f, relay_avail(f, &res), -EINVAL);

	/* next out of range */
	f = fake_new(test, 8, false, false, 0);
	set_desc(gdesc(f, 0), G_BUF, 10, VRING_DESC_F_NEXT, 200);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EINVAL);

	/* chain longer than the ring, through an indirect table */
	f = fake_new(test, 4, false, true, 0);
	table = gptr(f, G_INDIRECT);
	for (i = 0; i < 5; i++)
		set_desc(&table[i], G_BUF, 10, i < 4 ? VRING_DESC_F_NEXT : 0, i + 1);
	set_desc(gdesc(f, 0), G_INDIRECT, 5 * sizeof(*table), VRING_DESC_F_INDIRECT, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -ELOOP);

	/* indirect in indirect */
	f = fake_new(test, 8, false, true, 0);
	table = gptr(f, G_INDIRECT);
	set_desc(&table[0], G_INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(gdesc(f, 0), G_INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EINVAL);

	/* indirect not negotiated */
	f = fake_new(test, 8, false, false, 0);
	set_desc(gdesc(f, 0), G_INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EINVAL);

	/* indirect table length not a multiple of 16 */
	f = fake_new(test, 8, false, true, 0);
	set_desc(gdesc(f, 0), G_INDIRECT, 20, VRING_DESC_F_INDIRECT, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EINVAL);

	/* buffer outside the IOTLB */
	f = fake_new(test, 8, false, false, 0);
	set_desc(gdesc(f, 0), G_BASE + G_SIZE - 8, 16, 0, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EFAULT);

	/* device write to a read-only map */
	f = fake_new(test, 8, false, false, 0);
	set_desc(gdesc(f, 0), G_RO + 0x100, 16, VRING_DESC_F_WRITE, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EFAULT);

	/* available index jumps by more than the ring */
	f = fake_new(test, 8, false, false, 0);
	gavail(f)->idx = __cpu_to_virtio16(true, 9);
	expect_broken(test, f, relay_avail(f, &res), -EINVAL);

	/* readable after writable */
	f = fake_new(test, 8, false, false, 0);
	set_desc(gdesc(f, 0), G_BUF, 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(gdesc(f, 1), G_BUF, 10, 0, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EINVAL);

	/* descriptor table outside the IOTLB */
	f = fake_new(test, 8, false, false, 0);
	set_guest(f, G_BASE + G_SIZE, G_AVAIL, G_USED, 0);
	guest_post(f, 0);
	expect_broken(test, f, relay_avail(f, &res), -EFAULT);

	/* used ring in the read-only window */
	f = fake_new(test, 8, false, false, 0);
	set_guest(f, G_DESC, G_AVAIL, G_RO, 0);
	set_desc(gdesc(f, 0), G_BUF, 10, VRING_DESC_F_WRITE, 0);
	guest_post(f, 0);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	dev_use(f, dev_take(test, f), 1);
	expect_broken(test, f, relay_used(f, &res), -EFAULT);

	/* the device returns an id that is not in flight */
	f = fake_new(test, 8, false, false, 0);
	dev_use(f, 3, 1);
	expect_broken(test, f, relay_used(f, &res), -EIO);
}

/* Which ring areas svq_ring_map_guest() maps, and that moving them unmaps. */
static void svq_ring_test_map_rules(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, true, false, 0);
	struct svq_relay_result res;

	svq_ring_map_guest(&f->ring, &f->mem);
	KUNIT_EXPECT_PTR_EQ(test, f->ring.map_desc, gptr(f, G_DESC));
	KUNIT_EXPECT_PTR_EQ(test, f->ring.map_avail, gavail(f));
	KUNIT_EXPECT_PTR_EQ(test, f->ring.map_used, gused(f));

	/* moved: nothing stays mapped */
	svq_ring_set_guest_addr(&f->ring, G_DESC, G_AVAIL, G_USED);
	KUNIT_EXPECT_NULL(test, f->ring.map_desc);
	KUNIT_EXPECT_NULL(test, f->ring.map_avail);
	KUNIT_EXPECT_NULL(test, f->ring.map_used);

	/* misaligned areas are not mapped */
	svq_ring_set_guest_addr(&f->ring, G_DESC + 8, G_AVAIL + 1, G_USED + 2);
	svq_ring_map_guest(&f->ring, &f->mem);
	KUNIT_EXPECT_NULL(test, f->ring.map_desc);
	KUNIT_EXPECT_NULL(test, f->ring.map_avail);
	KUNIT_EXPECT_NULL(test, f->ring.map_used);

	/* readable only: the rings the relay reads are mapped, not the used ring */
	svq_ring_set_guest_addr(&f->ring, G_RO, G_RO + 0x800, G_RO + 0x1000);
	svq_ring_map_guest(&f->ring, &f->mem);
	KUNIT_EXPECT_PTR_EQ(test, f->ring.map_desc, gptr(f, G_RO));
	KUNIT_EXPECT_PTR_EQ(test, f->ring.map_avail, gptr(f, G_RO + 0x800));
	KUNIT_EXPECT_NULL(test, f->ring.map_used);

	/* partly outside the memory, by the event index field only */
	svq_ring_set_guest_addr(&f->ring, G_DESC, G_BASE + G_SIZE - 4 - 2 * 8,
				G_BASE + G_SIZE - 4 - 8 * 8);
	svq_ring_map_guest(&f->ring, &f->mem);
	KUNIT_EXPECT_NOT_NULL(test, f->ring.map_desc);
	KUNIT_EXPECT_NULL(test, f->ring.map_avail);
	KUNIT_EXPECT_NULL(test, f->ring.map_used);
	/* and the checked accesses catch the relay's write of avail_event */
	KUNIT_EXPECT_EQ(test, relay_avail(f, &res), -EFAULT);
}

/*
 * With event index, a chain the device uses while the relay moves others
 * (after it read the used index, before it wrote used_event) is relayed
 * by the same pass: the device saw the old used_event and will not
 * interrupt for it.
 */
static void svq_ring_test_event_idx_used_race(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, true, false, 0);
	struct svq_relay_result res;
	u16 first;

	set_desc(gdesc(f, 0), G_BUF, 0x100, VRING_DESC_F_WRITE, 0);
	set_desc(gdesc(f, 1), G_BUF + 0x100, 0x100, VRING_DESC_F_WRITE, 0);
	guest_post(f, 0);
	guest_post(f, 1);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	first = dev_take(test, f);
	f->race_id = dev_take(test, f);
	dev_use(f, first, 1);
	f->race = true;		/* the checked write of the first used element */
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_FALSE(test, f->race);
	KUNIT_EXPECT_EQ(test, res.chains, 2);
	KUNIT_EXPECT_EQ(test, f->ring.shadow_last_used, f->dev_used_idx);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, gused(f)->idx), 2);
}

/* A chain is at most SVQ_RING_MAX_CHAIN descriptors, whatever the ring size. */
static void svq_ring_test_chain_limit(struct kunit *test)
{
	struct svq_relay_result res;
	unsigned int n;

	for (n = SVQ_RING_MAX_CHAIN; n <= SVQ_RING_MAX_CHAIN + 1; n++) {
		struct fake *f = fake_new(test, 2048, false, true, 0);
		struct vring_desc *table = gptr(f, G_BUF);
		unsigned int i;

		/* an indirect table of n 16-byte readable buffers, in itself */
		for (i = 0; i < n; i++)
			set_desc(&table[i], G_BUF, 16, i + 1 < n ? VRING_DESC_F_NEXT : 0, i + 1);
		set_desc(gdesc(f, 0), G_BUF, n * sizeof(*table), VRING_DESC_F_INDIRECT, 0);
		guest_post(f, 0);
		if (n == SVQ_RING_MAX_CHAIN) {
			KUNIT_EXPECT_EQ(test, relay_avail(f, &res), 0);
			KUNIT_EXPECT_EQ(test, res.descs, n);
		} else {
			KUNIT_EXPECT_EQ(test, relay_avail(f, &res), -E2BIG);
			KUNIT_EXPECT_NOT_NULL(test, f->ring.error);
		}
	}
}

/*
 * A pass starts no chain once it moved SVQ_RING_PASS_DESCS descriptors,
 * whatever the caller's budget of chains; the next pass goes on.
 */
static void svq_ring_test_pass_bound(struct kunit *test)
{
	struct fake *f = fake_new(test, 1024, false, false, 0);
	struct vring_desc *table = gptr(f, G_BASE + 0x4000);
	struct svq_relay_result res;
	unsigned int i, total = 0;

	/* 1024 descriptors (16 KiB) do not fit below the available ring */
	set_guest(f, G_BASE + 0x4000, G_AVAIL, G_BASE + 0x9000, 0);
	for (i = 0; i < 600; i++) {
		set_desc(&table[i], G_BASE + 0x2000 + (i % 64) * 16, 16, 0, 0);
		guest_post(f, i);
	}
	KUNIT_ASSERT_EQ(test, svq_ring_relay_avail(&f->ring, &f->mem, NULL, 1024, &res), 0);
	KUNIT_EXPECT_EQ(test, res.chains, SVQ_RING_PASS_DESCS);
	KUNIT_EXPECT_TRUE(test, res.more);
	total += res.chains;
	KUNIT_ASSERT_EQ(test, svq_ring_relay_avail(&f->ring, &f->mem, NULL, 1024, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.more);
	total += res.chains;
	KUNIT_EXPECT_EQ(test, total, 600);
}

/*
 * The pages of one huge completion are logged over several passes, at most
 * SVQ_RING_PASS_LOG_PAGES a pass; the guest sees the completion once all
 * are logged.
 */
static void svq_ring_test_log_bounded(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	u64 pages = 2 * SVQ_RING_PASS_LOG_PAGES + 10, page, marked = 0;
	struct svq_relay_result res;
	unsigned int passes = 0;

	f->huge_base = SZ_1G;
	f->huge_size = pages << SVQ_LOG_PAGE_SHIFT;
	f->log.nbits = (SZ_1G >> SVQ_LOG_PAGE_SHIFT) + pages;
	f->log.bits = kunit_kzalloc(test, BITS_TO_LONGS(f->log.nbits) * sizeof(long),
				    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->log.bits);
	/* starts mid-page: one page more than its length in pages */
	set_desc(gdesc(f, 0), SZ_1G + 0x800, f->huge_size - 0x1000, VRING_DESC_F_WRITE, 0);
	guest_post(f, 0);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	dev_use(f, dev_take(test, f), f->huge_size - 0x1000);
	do {
		KUNIT_ASSERT_EQ(test, svq_ring_relay_used(&f->ring, &f->mem, &f->log, 256, &res),
				0);
		KUNIT_EXPECT_LE(test, res.pages_logged, SVQ_RING_PASS_LOG_PAGES + 1);
		if (res.more)
			KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, gused(f)->idx), 0);
		passes++;
	} while (res.more && passes < 10);
	KUNIT_EXPECT_EQ(test, passes, 3);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, gused(f)->idx), 1);
	for (page = SZ_1G >> SVQ_LOG_PAGE_SHIFT; page < f->log.nbits; page++)
		marked += test_bit(page, f->log.bits);
	KUNIT_EXPECT_EQ(test, marked, pages);
}

/*
 * A completion whose writes the log does not cover is held, not relayed
 * unlogged; it goes once the log covers it.
 */
static void svq_ring_test_log_short(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	struct svq_relay_result res;

	f->log.bits = kunit_kzalloc(test, 0x200 / 8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->log.bits);
	f->log.nbits = 0x104;		/* up to, not including, G_BUF's page */
	set_desc(gdesc(f, 0), G_BUF, 0x100, VRING_DESC_F_WRITE, 0);
	guest_post(f, 0);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	dev_use(f, dev_take(test, f), 0x100);
	KUNIT_ASSERT_EQ(test, svq_ring_relay_used(&f->ring, &f->mem, &f->log, 256, &res), 0);
	KUNIT_EXPECT_TRUE(test, res.log_short);
	KUNIT_EXPECT_EQ(test, res.chains, 0);
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, gused(f)->idx), 0);
	KUNIT_EXPECT_NULL(test, f->ring.error);

	f->log.nbits = 0x200;		/* a larger log */
	KUNIT_ASSERT_EQ(test, svq_ring_relay_used(&f->ring, &f->mem, &f->log, 256, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.log_short);
	KUNIT_EXPECT_EQ(test, res.chains, 1);
	KUNIT_EXPECT_TRUE(test, test_bit(0x104, f->log.bits));
	KUNIT_EXPECT_EQ(test, __virtio16_to_cpu(true, gused(f)->idx), 1);
}

/*
 * The relay follows and frees chains by its own links: a device that
 * rewrites the shadow table's next fields (or anything else in it) cannot
 * send it anywhere. Here every next points at its own descriptor; the
 * free list must still hand out each descriptor exactly once.
 */
static void svq_ring_test_private_links(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	struct svq_relay_result res;
	u16 i, a, b, head, seen;

	for (i = 0; i < 6; i++)
		set_desc(gdesc(f, i), G_BUF + i * 0x100, 0x100,
			 (i % 3 == 2 ? 0 : VRING_DESC_F_NEXT), i + 1);
	guest_post(f, 0);
	guest_post(f, 3);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	a = dev_take(test, f);
	b = dev_take(test, f);
	for (i = 0; i < 8; i++) {
		f->ring.shadow_desc[i].next = __cpu_to_virtio16(true, i);
		f->ring.shadow_desc[i].len = __cpu_to_virtio32(true, U32_MAX);
	}
	dev_use(f, a, 0);
	dev_use(f, b, 0);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_EQ(test, f->ring.num_free, 8);

	/* a chain of all 8: eight different shadow descriptors */
	for (i = 0; i < 8; i++)
		set_desc(gdesc(f, i), G_BUF + i * 0x100, 0x100, i < 7 ? VRING_DESC_F_NEXT : 0,
			 i + 1);
	guest_post(f, 0);
	KUNIT_ASSERT_EQ(test, relay_avail(f, &res), 0);
	KUNIT_ASSERT_EQ(test, res.descs, 8);
	head = dev_take(test, f);
	seen = 0;
	for (i = head; ; i = __virtio16_to_cpu(true, f->ring.shadow_desc[i].next)) {
		KUNIT_ASSERT_LT(test, i, 8);
		KUNIT_EXPECT_FALSE(test, seen & BIT(i));
		seen |= BIT(i);
		if (!(__virtio16_to_cpu(true, f->ring.shadow_desc[i].flags) & VRING_DESC_F_NEXT))
			break;
	}
	KUNIT_EXPECT_EQ(test, seen, 0xff);
	dev_use(f, head, 0);
	KUNIT_ASSERT_EQ(test, relay_used(f, &res), 0);
	KUNIT_EXPECT_EQ(test, f->ring.num_free, 8);
}

/* A zero-length buffer must be mapped like any other. */
static void svq_ring_test_zero_length(struct kunit *test)
{
	struct fake *f = fake_new(test, 8, false, false, 0);
	struct svq_relay_result res;

	set_desc(gdesc(f, 0), G_BUF, 0, 0, 0);
	guest_post(f, 0);
	KUNIT_EXPECT_EQ(test, relay_avail(f, &res), 0);
	set_desc(gdesc(f, 1), 0x10, 0, 0, 0);
	guest_post(f, 1);
	KUNIT_EXPECT_EQ(test, relay_avail(f, &res), -EFAULT);
}

static const bool svq_ring_test_map_params[] = { false, true };

static void svq_ring_test_map_desc(const bool *mapped, char *desc)
{
	strscpy(desc, *mapped ? "mapped" : "checked", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(svq_ring_test_map, svq_ring_test_map_params, svq_ring_test_map_desc);

static struct kunit_case svq_ring_test_cases[] = {
	KUNIT_CASE_PARAM(svq_ring_test_in_order, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_out_of_order, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_wraparound, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_indirect, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_event_idx, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_no_interrupt_flag, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_blocked_until_used, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_log, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_log_avail_event, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_log_failed_pass, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_malformed, svq_ring_test_map_gen_params),
	KUNIT_CASE(svq_ring_test_map_rules),
	KUNIT_CASE(svq_ring_test_event_idx_used_race),
	KUNIT_CASE(svq_ring_test_chain_limit),
	KUNIT_CASE(svq_ring_test_pass_bound),
	KUNIT_CASE_PARAM(svq_ring_test_log_bounded, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_log_short, svq_ring_test_map_gen_params),
	KUNIT_CASE_PARAM(svq_ring_test_private_links, svq_ring_test_map_gen_params),
	KUNIT_CASE(svq_ring_test_zero_length),
	{}
};

static struct kunit_suite svq_ring_test_suite = {
	.name = "vhost_vdpa_svq_ring",
	.test_cases = svq_ring_test_cases,
};

kunit_test_suite(svq_ring_test_suite);
