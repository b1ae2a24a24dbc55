// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, native section: the relay core (drivers/vdpa/svq/svq_ring.c
 * and svq_log.c, unchanged) built by gcc -O2 for this machine (generic
 * x86-64 code, as a kernel is: no -march=native), next to the kernel's own
 * ring walker, drivers/vhost/vringh.c (unchanged, IOTLB variant: the one
 * vdpa_sim uses), on the same rings in the same process. No VM: seconds.
 *
 * The rings. One guest memory of 1 MiB at IOVA 0x100000, mapped by one
 * struct vhost_iotlb entry read-write (drivers/vhost/iotlb.c, also built
 * here) to this process's memory, which stands for physical memory. A
 * split ring of 256 entries with EVENT_IDX (and INDIRECT_DESC) in it: the
 * descriptor table at +0, the available ring at +0x1000, the used ring at
 * +0x2000, indirect tables (two entries each) at +0x3000, 12-byte
 * virtio-net headers at +0x5000 (16 bytes apart), 1518-byte buffers at
 * +0x10000 (2 KiB apart, never across a page). Every frame is a chain of
 * two buffers, the header and the frame, both device-readable (TX) or
 * both device-writable (RX); direct (two descriptors of the ring's
 * table) or indirect (one ring descriptor pointing to a table of two).
 *
 * A batch (1 or 64 frames): the model guest writes the descriptors and
 * the available entries and publishes the index; the host side's first
 * half runs (timed); the model device runs (ours only; not timed); the
 * host side's second half runs (timed); the guest reaps the used entries
 * and checks each (id and length, in order) and rearms used_event. The
 * guest and the device are the same code for both sides and never timed.
 *
 * Ours, first half: the ring lock (a spinlock, taken as the module takes
 * its ring lock around each pass), svq_ring_relay_avail(): read the
 * guest's available index and entries, walk each chain (indirect tables
 * read through svq_guest_mem_ops.read), validate every buffer
 * (svq_guest_mem_ops.access_ok: one look-up in the IOTLB of merged
 * runs), write the flattened chain into the shadow table and ring,
 * write avail_event (and mark it in the log) and look again, publish the
 * shadow index, read the device's avail_event; unlock. The model device
 * then reads the shadow ring, walks each shadow chain and writes the used
 * entries (length: the writable bytes) and the used index. Second half:
 * lock, svq_ring_relay_used(): read the device's used entries, mark the
 * written buffers in the dirty log (if logging), write the guest's used
 * entries, free the shadow descriptors, write used_event and look again,
 * publish the guest's used index, mark the used ring in the log, read the
 * guest's used_event; unlock. The guest's ring areas are reached through
 * svq_ring_map_guest()'s pointers (as the module does), the indirect
 * tables through read().
 *
 * vringh, first half: vringh_getdesc_iotlb() until it returns 0 (reads
 * the available index and entry, copies each descriptor, and each
 * indirect table entry, out of guest memory through iotlb_translate()
 * and an iov_iter, as vdpa_sim does); for each chain the buffers'
 * translation that vringh_iov_pull/push_iotlb() would do before copying
 * (iotlb_translate() with VHOST_MAP_RO or VHOST_MAP_WO, no copy:
 * bench_vringh_check_iov() in vringh_bench.c); then
 * vringh_notify_enable_iotlb() (writes avail_event, looks again). No
 * model device: vringh is the device. Second half:
 * vringh_complete_iotlb() per chain (used entry and index through the
 * IOTLB), then vringh_need_notify_iotlb() once (reads used_event). vringh
 * has no dirty log: one vringh row per group is set against all three of
 * ours (log off, already marked, cleared before each batch).
 *
 * So both sides read the same guest rings, validate every descriptor
 * against the same mapping, and return the same used entries; ours also
 * writes the shadow ring and takes the used entries back from it (and
 * logs), vringh also builds the iovecs and bvecs a copy would use.
 * Both sides' uncontended locks cost what the kernel's fast path does
 * (a compare-and-exchange); barriers are the kernel's x86-64 ones.
 *
 * Not modelled, on either side: the kernel's mitigations (retpolines,
 * return thunks: ours calls svq_guest_mem_ops through pointers, vringh's
 * accessors are inlined), preemption counting in spin_lock() and the
 * interrupt masking of the module's ring lock (ours), the hardened-
 * usercopy check of copy_from_iter() (vringh), the module's per-
 * virtqueue cache of page translations (ours: every read() looks the
 * mapping up), and cache lines moving between CPUs: guest, relay and
 * device share one core here, where a host has the guest's vCPU and the
 * device elsewhere. So the numbers are a floor for both sides.
 *
 * Measured: the two timed halves of every batch, with CLOCK_MONOTONIC
 * read around each (the cost of one empty interval, measured at start,
 * is subtracted); wall time of the whole run is kept too. A batch with a
 * half longer than 100 us (-x) is left out of the sum and counted: the
 * thread lost its CPU (the machine's 2 cores are shared with VMs; a half
 * of a batch of 64 takes under 10 us here). Each row runs ROUNDS times with N frames,
 * N sized so that one run takes about MS milliseconds of wall time (from
 * the faster of two warm-up runs of MS / 5; a run stops at 3 x MS); within
 * a round the four runs of a row group (vringh, ours without log, with
 * the log already marked, with the log cleared before each batch) rotate
 * their order. The report gives medians and the spread; every run is a
 * line of build/bench/native/native-STAMP.tsv.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/vhost_iotlb.h>
#include <linux/vringh.h>
#include <uapi/linux/virtio_config.h>

#include "../../../../drivers/vdpa/svq/svq_ring.h"

long bench_vringh_check_iov(struct vringh *vrh, struct vringh_kiov *iov, u32 perm);

#define NUM		256
#define G_IOVA		0x100000ULL
#define G_SIZE		0x100000ULL
#define OFF_DESC	0x0
#define OFF_AVAIL	0x1000
#define OFF_USED	0x2000
#define OFF_INDIRECT	0x3000
#define OFF_HDR		0x5000
#define OFF_BUF		0x10000
#define RINGS_SIZE	0x5000		/* cleared before each run */
#define HDR_LEN		12
#define BUF_LEN		1518
#define BUF_STRIDE	2048
#define LOG_WORDS	((G_IOVA + G_SIZE) / 4096 / BITS_PER_LONG)

enum side { VRINGH, OURS };
enum logmode { LOG_OFF, LOG_MARKED, LOG_FRESH };
static const char *const logname[] = { "off", "marked", "fresh" };

struct cfg {
	bool rx;
	bool indirect;
	unsigned int batch;
	enum side side;
	enum logmode log;
};

static u8 *gmem;			/* the guest's memory, "physical" */
static struct vhost_iotlb *iotlb;	/* the driver's mapping of it */
static struct vhost_iotlb *runs_r, *runs_w;	/* its merged runs (ours) */
static spinlock_t iotlb_lock;		/* vringh's */
static unsigned long log_words[LOG_WORDS];
static const struct svq_log_bitmap log_bitmap = { log_words, LOG_WORDS * BITS_PER_LONG };

static void __printf(1, 2) __attribute__((noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_native: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static inline u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* --- the guest's memory as the relay reaches it (svq_guest.c, PA mode) --- */

/*
 * A model of the module's svq_guest.c without its per-virtqueue cache of
 * page translations: every access looks the IOVA up in the mapping and
 * copies at most to the end of the mapping and of the page; a buffer is
 * validated with one look-up in the merged runs; the ring areas are
 * mapped once (svq_ring_map_guest()).
 */
static __always_inline int gm_access(u64 iova, void *buf, u64 len, u32 need, bool write)
{
	if (!len || iova + len - 1 < iova)
		return -EFAULT;
	while (len) {
		struct vhost_iotlb_map *map = vhost_iotlb_itree_first(iotlb, iova, iova);
		u64 pa, chunk;
		void *va;

		if (!map || (map->perm & need) != need)
			return -EFAULT;
		pa = map->addr + (iova - map->start);
		chunk = map->last - iova + 1 ?: U64_MAX;
		chunk = min(chunk, PAGE_SIZE - (pa & (PAGE_SIZE - 1)));
		chunk = min(chunk, len);
		va = (void *)(uintptr_t)pa;
		if (chunk == 2 && !(pa & 1)) {
			if (write)
				WRITE_ONCE(*(u16 *)va, *(u16 *)buf);
			else
				*(u16 *)buf = READ_ONCE(*(u16 *)va);
		} else if (write) {
			memcpy(va, buf, chunk);
		} else {
			memcpy(buf, va, chunk);
		}
		buf += chunk;
		iova += chunk;
		len -= chunk;
	}
	return 0;
}

static int gm_read(void *ctx, u64 iova, void *buf, u32 len)
{
	return gm_access(iova, buf, len, VHOST_MAP_RO, false);
}

static int gm_write(void *ctx, u64 iova, const void *buf, u32 len)
{
	return gm_access(iova, (void *)buf, len, VHOST_MAP_WO, true);
}

static bool runs_cover(struct vhost_iotlb *runs, u64 first, u64 last)
{
	struct vhost_iotlb_map *run = vhost_iotlb_itree_first(runs, first, first);

	return run && run->last >= last;
}

static bool gm_access_ok(void *ctx, u64 iova, u64 len, u32 access)
{
	u64 last = iova + len - 1;

	if (!len || last < iova)
		return false;
	if ((access & SVQ_ACCESS_READ) && !runs_cover(runs_r, iova, last))
		return false;
	return !(access & SVQ_ACCESS_WRITE) || runs_cover(runs_w, iova, last);
}

static void *gm_map(void *ctx, u64 iova, u64 len, u32 access)
{
	u32 need = (access & SVQ_ACCESS_WRITE ? VHOST_MAP_WO : 0) |
		   (access & SVQ_ACCESS_READ ? VHOST_MAP_RO : 0);
	struct vhost_iotlb_map *map;
	u64 last = iova + len - 1, pa, at;

	if (!len || last < iova)
		return NULL;
	map = vhost_iotlb_itree_first(iotlb, iova, iova);
	if (!map || (map->perm & need) != need)
		return NULL;
	pa = map->addr + (iova - map->start);
	while (map->last < last) {
		at = map->last + 1;
		map = vhost_iotlb_itree_first(iotlb, at, at);
		if (!map || (map->perm & need) != need ||
		    map->addr + (at - map->start) != pa + (at - iova))
			return NULL;
	}
	return (void *)(uintptr_t)pa;
}

static const struct svq_guest_mem_ops gm_ops = {
	.read = gm_read,
	.write = gm_write,
	.access_ok = gm_access_ok,
	.map = gm_map,
};

/* --- the model guest --- */

struct guest {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 avail_idx, last_used;
	u32 posted, reaped;
};

static u16 guest_head(const struct cfg *c, u32 seq)
{
	return c->indirect ? seq % NUM : (seq % (NUM / 2)) * 2;
}

static void guest_init(struct guest *g)
{
	memset(gmem, 0, RINGS_SIZE);
	*g = (struct guest) {
		.desc = (void *)(gmem + OFF_DESC),
		.avail = (void *)(gmem + OFF_AVAIL),
		.used = (void *)(gmem + OFF_USED),
	};
}

/* Make @n chains available (header + frame) and publish the index. */
static void guest_post(struct guest *g, const struct cfg *c, unsigned int n)
{
	u16 wflag = c->rx ? VRING_DESC_F_WRITE : 0;

	while (n--) {
		u32 s = g->posted++;
		u16 b = s % NUM, head = guest_head(c, s), next = head + 1;
		struct vring_desc *d = &g->desc[head];

		if (c->indirect) {
			u64 off = OFF_INDIRECT + head * 2 * sizeof(*d);

			*d = (struct vring_desc) { .addr = G_IOVA + off, .len = 2 * sizeof(*d),
						   .flags = VRING_DESC_F_INDIRECT };
			d = (struct vring_desc *)(gmem + off);
			next = 1;
		}
		d[0] = (struct vring_desc) { .addr = G_IOVA + OFF_HDR + b * 16, .len = HDR_LEN,
					     .flags = wflag | VRING_DESC_F_NEXT, .next = next };
		d[1] = (struct vring_desc) { .addr = G_IOVA + OFF_BUF + b * BUF_STRIDE,
					     .len = BUF_LEN, .flags = wflag };
		g->avail->ring[g->avail_idx++ % NUM] = head;
	}
	virt_wmb();
	WRITE_ONCE(g->avail->idx, g->avail_idx);
	virt_mb();	/* then a guest reads avail_event for its kick */
}

/* Take @n used entries back, each as expected; rearm used_event. */
static void guest_reap(struct guest *g, const struct cfg *c, unsigned int n)
{
	u16 idx = READ_ONCE(g->used->idx);
	u32 len = c->rx ? HDR_LEN + BUF_LEN : 0;

	if ((u16)(idx - g->last_used) != n)
		die("guest: %u used entries, %u expected", (u16)(idx - g->last_used), n);
	virt_rmb();
	while (n--) {
		const struct vring_used_elem *e = &g->used->ring[g->last_used % NUM];
		u16 head = guest_head(c, g->reaped);

		if (e->id != head || e->len != len)
			die("guest: used entry %u: id %u len %u, expected %u and %u",
			    g->reaped, e->id, e->len, head, len);
		g->last_used++;
		g->reaped++;
	}
	WRITE_ONCE(g->avail->ring[NUM], g->last_used);	/* used_event */
	virt_mb();
}

/* With a fresh log, the pages the batch wrote must be marked. */
static void check_log(const struct guest *g, const struct cfg *c, unsigned int n)
{
	u64 pages[3] = { (G_IOVA + OFF_USED) >> 12 };
	unsigned int k, i;

	for (k = 0; k < n; k++) {
		u32 b = (g->reaped - 1 - k) % NUM;

		pages[1] = (G_IOVA + OFF_HDR + b * 16) >> 12;
		pages[2] = (G_IOVA + OFF_BUF + b * BUF_STRIDE) >> 12;
		for (i = 0; i < (c->rx ? 3 : 1); i++)
			if (!(log_words[pages[i] / BITS_PER_LONG] & (1UL << pages[i] % BITS_PER_LONG)))
				die("log: page %#llx written and not marked",
				    (unsigned long long)pages[i] << 12);
	}
}

/* --- ours: the relay core and a model device on the shadow ring --- */

struct ours {
	struct svq_ring r;
	void *shadow;
	struct svq_head heads[NUM];
	struct svq_guest_mem mem;
	spinlock_t lock;
	u16 dev_avail, dev_used;
};

static void ours_init(struct ours *o)
{
	size_t size = svq_ring_shadow_size(NUM);

	if (!o->shadow && posix_memalign(&o->shadow, 4096, size))
		die("no memory");
	memset(o->shadow, 0, size);
	memset(o->heads, 0, sizeof(o->heads));
	o->mem = (struct svq_guest_mem) { &gm_ops, NULL };
	spin_lock_init(&o->lock);
	o->dev_avail = o->dev_used = 0;
	svq_ring_init(&o->r, NUM, o->shadow, o->heads, true, true);
	svq_ring_set_guest(&o->r, G_IOVA + OFF_DESC, G_IOVA + OFF_AVAIL, G_IOVA + OFF_USED, 0);
	svq_ring_map_guest(&o->r, &o->mem);
	if (!o->r.map_desc || !o->r.map_avail || !o->r.map_used)
		die("ours: the guest's ring areas are not mapped");
}

static void ours_avail(struct ours *o, const struct svq_log_bitmap *log, unsigned int n)
{
	struct svq_relay_result res;
	int ret;

	spin_lock(&o->lock);
	ret = svq_ring_relay_avail(&o->r, &o->mem, log, NUM, &res);
	spin_unlock(&o->lock);
	if (ret || res.chains != n || res.blocked || res.more || res.log_short)
		die("ours: relay_avail %d (%s), %u chains of %u", ret,
		    o->r.error ?: "", res.chains, n);
}

static void ours_used(struct ours *o, const struct svq_log_bitmap *log, unsigned int n)
{
	struct svq_relay_result res;
	int ret;

	spin_lock(&o->lock);
	ret = svq_ring_relay_used(&o->r, &o->mem, log, NUM, &res);
	spin_unlock(&o->lock);
	if (ret || res.chains != n || res.more || res.log_short)
		die("ours: relay_used %d (%s), %u chains of %u", ret,
		    o->r.error ?: "", res.chains, n);
}

/* An in-order device on the shadow ring: uses each chain it sees. */
static void ours_device(struct ours *o)
{
	const struct svq_ring *r = &o->r;
	u16 avail = READ_ONCE(r->shadow_avail->idx);

	virt_rmb();
	while (o->dev_avail != avail) {
		u16 id = r->shadow_avail->ring[o->dev_avail++ % NUM], i = id;
		u32 len = 0;

		for (;;) {
			const struct vring_desc *d = &r->shadow_desc[i];

			if (d->flags & VRING_DESC_F_WRITE)
				len += d->len;
			if (!(d->flags & VRING_DESC_F_NEXT))
				break;
			i = d->next;
		}
		r->shadow_used->ring[o->dev_used++ % NUM] =
			(struct vring_used_elem) { .id = id, .len = len };
	}
	/* avail_event: kick me for the next one */
	WRITE_ONCE(*(__virtio16 *)&r->shadow_used->ring[NUM], o->dev_avail);
	virt_wmb();
	WRITE_ONCE(r->shadow_used->idx, o->dev_used);
	virt_mb();
}

/* --- vringh --- */

struct vr {
	struct vringh vrh;
	struct kvec rkv[8], wkv[8];
	struct vringh_kiov riov, wiov;
	u16 heads[NUM];
	u32 lens[NUM];
	unsigned int n;
};

static void vr_init(struct vr *v)
{
	u64 features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
		       (1ULL << VIRTIO_RING_F_INDIRECT_DESC);

	if (vringh_init_iotlb(&v->vrh, features, NUM, true,
			      (struct vring_desc *)(uintptr_t)(G_IOVA + OFF_DESC),
			      (struct vring_avail *)(uintptr_t)(G_IOVA + OFF_AVAIL),
			      (struct vring_used *)(uintptr_t)(G_IOVA + OFF_USED)))
		die("vringh_init_iotlb");
	vringh_set_iotlb(&v->vrh, iotlb, &iotlb_lock);
	vringh_kiov_init(&v->riov, v->rkv, ARRAY_SIZE(v->rkv));
	vringh_kiov_init(&v->wiov, v->wkv, ARRAY_SIZE(v->wkv));
	v->n = 0;
}

static void vr_avail(struct vr *v, unsigned int n)
{
	long rlen, wlen;
	u16 head;
	int ret;

	v->n = 0;
	while ((ret = vringh_getdesc_iotlb(&v->vrh, &v->riov, &v->wiov, &head,
					   GFP_ATOMIC)) == 1) {
		rlen = bench_vringh_check_iov(&v->vrh, &v->riov, VHOST_MAP_RO);
		wlen = bench_vringh_check_iov(&v->vrh, &v->wiov, VHOST_MAP_WO);
		if (rlen < 0 || wlen < 0)
			die("vringh: a buffer does not translate (%ld, %ld)", rlen, wlen);
		v->heads[v->n] = head;
		v->lens[v->n++] = wlen;		/* the device writes all of them */
	}
	if (ret < 0)
		die("vringh_getdesc_iotlb: %d", ret);
	if (!vringh_notify_enable_iotlb(&v->vrh))
		die("vringh: more available after the batch");
	if (v->n != n)
		die("vringh: %u chains of %u", v->n, n);
}

static void vr_used(struct vr *v)
{
	unsigned int k;

	for (k = 0; k < v->n; k++)
		if (vringh_complete_iotlb(&v->vrh, v->heads[k], v->lens[k]))
			die("vringh_complete_iotlb");
	if (vringh_need_notify_iotlb(&v->vrh) < 0)
		die("vringh_need_notify_iotlb");
}

/* --- runs --- */

struct result {
	u64 frames;	/* in the batches kept */
	u64 dropped;	/* batches left out: a half took over max_ns */
	u64 timed_ns;	/* the two halves of the batches kept, as measured */
	u64 wall_ns;
	double ns_per_frame;	/* timed, less the timer's own cost */
};

static double timer_ns;	/* one empty interval */
static u64 max_ns = 100000;	/* a longer half was preempted */
static struct ours ours;
static struct vr vr;

/* @frames frames in batches, or as many as fit in @limit_ns of wall time */
static void run(const struct cfg *c, u64 frames, u64 limit_ns, struct result *res)
{
	const struct svq_log_bitmap *log = c->side == OURS && c->log != LOG_OFF ?
					   &log_bitmap : NULL;
	u64 batches = frames / c->batch, b, t0, t1, t2, t3, timed = 0, start;
	struct guest g;

	guest_init(&g);
	if (c->side == OURS)
		ours_init(&ours);
	else
		vr_init(&vr);
	memset(log_words, c->log == LOG_MARKED ? 0xff : 0, sizeof(log_words));

	res->dropped = 0;
	start = now_ns();
	for (b = 0; b < batches; b++) {
		if (c->log == LOG_FRESH)
			memset(log_words, 0, sizeof(log_words));
		guest_post(&g, c, c->batch);
		if (c->side == OURS) {
			t0 = now_ns();
			ours_avail(&ours, log, c->batch);
			t1 = now_ns();
			ours_device(&ours);
			t2 = now_ns();
			ours_used(&ours, log, c->batch);
			t3 = now_ns();
		} else {
			t0 = now_ns();
			vr_avail(&vr, c->batch);
			t1 = now_ns();
			t2 = now_ns();
			vr_used(&vr);
			t3 = now_ns();
		}
		/* the CPU was taken away (2 cores shared with VMs): not ours to count */
		if (t1 - t0 > max_ns || t3 - t2 > max_ns)
			res->dropped++;
		else
			timed += (t1 - t0) + (t3 - t2);
		guest_reap(&g, c, c->batch);
		if (log && c->log == LOG_FRESH)
			check_log(&g, c, c->batch);
		if (t3 - start > limit_ns) {
			batches = b + 1;
			break;
		}
	}
	res->wall_ns = now_ns() - start;
	if (res->dropped == batches)
		die("every batch took over %llu ns (-x)", (unsigned long long)max_ns);
	res->frames = (batches - res->dropped) * c->batch;
	res->timed_ns = timed;
	res->ns_per_frame = (timed - 2 * (batches - res->dropped) * timer_ns) / res->frames;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The cost of one timed interval with nothing in it. */
static double measure_timer(void)
{
	double v[101];
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		u64 sum = 0;

		for (k = 0; k < 1000; k++) {
			u64 a = now_ns();

			sum += now_ns() - a;
		}
		v[i] = sum / 1000.0;
	}
	return median(v, ARRAY_SIZE(v));
}

static void cpu_model(char *buf, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512], *p;

	snprintf(buf, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) || !(p = strchr(line, ':')))
			continue;
		p += 1 + strspn(p + 1, " \t");
		p[strcspn(p, "\n")] = 0;
		snprintf(buf, size, "%s", p);
		break;
	}
	fclose(f);
}

static FILE *report;

static void __printf(1, 2) out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (report) {
		va_start(ap, fmt);
		vfprintf(report, fmt, ap);
		va_end(ap);
	}
}

#define KINDS	4	/* vringh, ours with log off, marked, fresh */
#define GROUPS	8	/* TX/RX x batch 1/64 x direct/indirect */
#define MAX_ROUNDS 50

static void group_cfg(unsigned int grp, unsigned int kind, struct cfg *c)
{
	*c = (struct cfg) {
		.rx = grp & 4,
		.batch = grp & 2 ? 64 : 1,
		.indirect = grp & 1,
		.side = kind ? OURS : VRINGH,
		.log = kind ? kind - 1 : LOG_OFF,
	};
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_native [-r ROUNDS] [-t MS] [-o DIR]\n"
		"  -r  runs of each row (default 5; the median is reported)\n"
		"  -t  wall milliseconds of one run (default 100)\n"
		"  -o  directory for the raw numbers and the report (default: none)\n"
		"  -x  leave out a batch whose half took longer (ns, default 100000: the\n"
		"      thread was preempted; counted in the report and the raw numbers)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static double ns[GROUPS][KINDS][MAX_ROUNDS];
	static u64 frames[GROUPS][KINDS];
	unsigned int rounds = 5, ms = 100, grp, kind, r, i;
	u64 all_batches = 0, all_dropped = 0;
	const char *dir = NULL;
	char cpu[256], stamp[32], path[4096];
	struct utsname un;
	FILE *tsv = NULL;
	double load[3] = { 0 };
	u64 t_start = now_ns();
	time_t now = time(NULL);
	int opt;

	while ((opt = getopt(argc, argv, "r:t:o:x:h")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 't':
			ms = atoi(optarg);
			break;
		case 'o':
			dir = optarg;
			break;
		case 'x':
			max_ns = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!rounds || rounds > MAX_ROUNDS || !ms)
		usage();

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	if (dir) {
		snprintf(path, sizeof(path), "%s/native-%s.tsv", dir, stamp);
		tsv = fopen(path, "w");
		if (!tsv)
			die("%s: %s", path, strerror(errno));
		fprintf(tsv, "round\tposition\tside\tdir\tbatch\tchain\tlog\tframes_planned\t"
			"frames\tbatches_dropped\ttimed_ns\ttimer_ns_per_interval\tns_per_frame\t"
			"wall_ns\n");
		snprintf(path, sizeof(path), "%s/native-%s.txt", dir, stamp);
		report = fopen(path, "w");
		if (!report)
			die("%s: %s", path, strerror(errno));
	}

	/* the guest's memory, mapped read-write, one entry */
	if (posix_memalign((void **)&gmem, 2 << 20, G_SIZE))
		die("no memory");
	memset(gmem, 0, G_SIZE);
	iotlb = vhost_iotlb_alloc(U32_MAX, 0);
	runs_r = vhost_iotlb_alloc(U32_MAX, 0);
	runs_w = vhost_iotlb_alloc(U32_MAX, 0);
	if (!iotlb || !runs_r || !runs_w ||
	    vhost_iotlb_add_range(iotlb, G_IOVA, G_IOVA + G_SIZE - 1, (uintptr_t)gmem,
				  VHOST_MAP_RW) ||
	    vhost_iotlb_add_range(runs_r, G_IOVA, G_IOVA + G_SIZE - 1, 0, VHOST_MAP_RW) ||
	    vhost_iotlb_add_range(runs_w, G_IOVA, G_IOVA + G_SIZE - 1, 0, VHOST_MAP_RW))
		die("no memory");
	spin_lock_init(&iotlb_lock);

	timer_ns = measure_timer();
	cpu_model(cpu, sizeof(cpu));
	uname(&un);
	getloadavg(load, 3);

	/*
	 * Warm up, and size each row's runs: two runs of a fifth of MS, N
	 * from the faster (the other may have been preempted).
	 */
	for (grp = 0; grp < GROUPS; grp++) {
		for (kind = 0; kind < KINDS; kind++) {
			double fastest = 0;
			struct result res;
			struct cfg c;
			u64 n;

			group_cfg(grp, kind, &c);
			for (i = 0; i < 2; i++) {
				run(&c, U64_MAX / 2, ms * 200000ULL, &res);
				fastest = max(fastest, (double)res.frames / res.wall_ns);
			}
			n = fastest * ms * 1000000;
			frames[grp][kind] = max(n / 64 * 64, (u64)64 * 16);
		}
	}

	for (r = 0; r < rounds; r++) {
		for (grp = 0; grp < GROUPS; grp++) {
			for (i = 0; i < KINDS; i++) {
				struct result res;
				struct cfg c;

				kind = (i + r) % KINDS;
				group_cfg(grp, kind, &c);
				/* a run stops at 3 x MS even under load */
				run(&c, frames[grp][kind], ms * 3000000ULL, &res);
				ns[grp][kind][r] = res.ns_per_frame;
				all_batches += res.frames / c.batch + res.dropped;
				all_dropped += res.dropped;
				if (tsv)
					fprintf(tsv, "%u\t%u\t%s\t%s\t%u\t%s\t%s\t%llu\t%llu\t%llu\t%llu\t"
						"%.2f\t%.3f\t%llu\n",
						r + 1, i + 1, c.side == OURS ? "ours" : "vringh",
						c.rx ? "rx" : "tx", c.batch,
						c.indirect ? "indirect" : "direct",
						c.side == OURS ? logname[c.log] : "none",
						(unsigned long long)frames[grp][kind],
						(unsigned long long)res.frames,
						(unsigned long long)res.dropped,
						(unsigned long long)res.timed_ns, timer_ns,
						res.ns_per_frame, (unsigned long long)res.wall_ns);
			}
		}
	}

	out("native relay benchmark (no VM): relay core (drivers/vdpa/svq) vs vringh.c (IOTLB)\n");
	out("CPU: %s; %ld online; one thread; %s %s; gcc %s -O2\n", cpu,
	    sysconf(_SC_NPROCESSORS_ONLN), un.sysname, un.release, __VERSION__);
	out("load average at start %.2f %.2f %.2f; ring 256, EVENT_IDX, 2-buffer chains "
	    "(12 B header + %u B frame)\n", load[0], load[1], load[2], BUF_LEN);
	out("%u runs per row, median (spread: (max - min) / median); timer %.1f ns per "
	    "interval, subtracted (2 per batch)\n", rounds, timer_ns);
	out("batches left out as preempted (a half over %llu ns): %llu of %llu (%.2f%%)\n",
	    (unsigned long long)max_ns, (unsigned long long)all_dropped,
	    (unsigned long long)all_batches, 100.0 * all_dropped / all_batches);
	out("ns/frame: host-side work only (ours: relay passes; vringh: getdesc.. complete),"
	    " one core; fps = 1e9 / ns\n\n");
	out("%-3s %5s %-8s %-6s | %9s %7s %6s | %9s %7s %6s | %11s | %s\n",
	    "dir", "batch", "chain", "log", "ours ns", "Mfps", "spread",
	    "vringh ns", "Mfps", "spread", "ours/vringh", "ours at 64 B / 1518 B");
	for (grp = 0; grp < GROUPS; grp++) {
		double vmed, vmin, vmax;

		for (kind = 0; kind < KINDS; kind++) {
			double v[MAX_ROUNDS], med, lo, hi;
			struct cfg c;

			memcpy(v, ns[grp][kind], sizeof(double) * rounds);
			med = median(v, rounds);
			lo = v[0];
			hi = v[rounds - 1];
			if (kind == 0) {
				vmed = med;
				vmin = lo;
				vmax = hi;
				continue;
			}
			group_cfg(grp, kind, &c);
			out("%-3s %5u %-8s %-6s | %9.1f %7.2f %5.0f%% | %9.1f %7.2f %5.0f%% | %11.2f |"
			    " %5.1f / %5.0f Gbit/s\n",
			    c.rx ? "RX" : "TX", c.batch, c.indirect ? "indirect" : "direct",
			    logname[c.log], med, 1e3 / med, 100 * (hi - lo) / med,
			    vmed, 1e3 / vmed, 100 * (vmax - vmin) / vmed, vmed / med,
			    (64 + 20) * 8 / med, (1518 + 20) * 8 / med);
		}
	}
	out("\nours/vringh: ratio of frames/s (above 1: ours moves more frames per second"
	    " on one core).\nvringh has no dirty log: its runs of a group are set against"
	    " ours with the log off, marked and fresh.\nGbit/s: the line rate whose frame rate"
	    " ours' ns/frame sustains on one core, wire size = frame + 20 B.\n\n");
	out("what a link needs, ns per frame (wire size = frame + 20 B of preamble and"
	    " inter-frame gap):\n");
	out("%-8s %10s %10s %10s\n", "frame", "10 Gbit/s", "25 Gbit/s", "100 Gbit/s");
	for (i = 0; i < 2; i++) {
		unsigned int size = i ? 1518 : 64;
		double bits = (size + 20) * 8.0;

		out("%4u B   %10.1f %10.1f %10.1f\n", size, bits / 10, bits / 25, bits / 100);
	}
	out("\nnative section took %.1f s", (now_ns() - t_start) / 1e9);
	if (dir)
		out("; raw numbers: %s/native-%s.tsv", dir, stamp);
	out("\n");
	if (tsv)
		fclose(tsv);
	if (report)
		fclose(report);
	return 0;
}
