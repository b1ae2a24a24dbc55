// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-net driver that runs outside the guest: it drives QEMU's
 * virtio-net-pci device through the qtest protocol (PCI config space,
 * MMIO and guest memory over a unix socket), with QEMU running a halting
 * firmware under TCG. Used to test the shadow device end to end with
 * Debian's unmodified QEMU 7.2 and -netdev vhost-vdpa.
 *
 * Usage: qtest_net -w DIR [-f FRAMES] [-c] [-q PAIRS] [-t] [-r]
 *                  [-m MIGRATIONS -x START_CMD]
 *   DIR holds the sockets of two QEMU processes, sides "a" and "b":
 *   a.qtest, a.qmp, b.qtest, b.qmp (see qemu72.sh); side a runs.
 *   The driver brings the device to DRIVER_OK, posts receive buffers,
 *   sends FRAMES sequence-numbered broadcast frames one by one and checks
 *   that each comes back, byte for byte, in the next receive buffer
 *   (vdpa_sim_net loops broadcast frames back). With -c it also
 *   negotiates the control queue and sets the MAC address through it.
 *   With -q 2 (implies -c) it negotiates VIRTIO_NET_F_MQ on a device with
 *   two queue pairs (QEMU: mq=on), turns both on through the control
 *   queue, and sends frame n through pair n % 2; every check below is
 *   made for both pairs.
 *
 *   Each migration (-m, ping-pong a -> b -> a ...) runs "START_CMD SIDE
 *   incoming" to start the destination, migrates with QMP while sending
 *   frames, attaches to the destination and checks the device's side of
 *   the guest memory there: the used rings and indices, and every receive
 *   buffer byte for byte (the device's writes during migration must have
 *   been logged); then FRAMES more frames. A frame in flight at the
 *   switch-over must arrive on the destination within 5 s, or it is lost.
 *   With -r (a QEMU that may stop before it takes a notified frame: 10.1's
 *   shadow virtqueue) the driver then notifies its transmit queue once
 *   more, as a guest's next transmit would, and says the frame needed it;
 *   still nothing is a lost frame. Without -r (our device under QEMU 7.2)
 *   a frame that needs it fails: it would hide a lost notification.
 *
 *   With -t it also prints "timing:" lines for make bench: the frame rate
 *   on the source (FRAMES less a tenth for warm-up) and on each
 *   destination, and per migration QEMU's "total-time", "downtime" and
 *   "setup-time" (query-migrate, in ms) and the frame rate while it ran
 *   (frames verified while QEMU reported "setup" or "active", over the
 *   time from the QMP "migrate" to the last of them). -t changes nothing
 *   else.
 *
 * Exit status: 0 when everything checked out, 3 when the destination's
 * memory lacks something the device wrote (a page missing from the dirty
 * log), 1 for any other failure.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BAR_ADDR	0xfe000000ULL
#define RING_BASE	0x100000ULL	/* guest RAM used by this driver */
#define BUF_BASE	0x200000ULL
#define BUF_SIZE	2048
#define QSIZE		64
#define HDR_LEN		12		/* struct virtio_net_hdr_v1 */
#define MIN_DURING	5		/* frames while memory is copied */

#define BIT(nr)		(1u << (nr))
#define F_MAC		BIT(5)
#define F_CTRL_VQ	BIT(17)
#define F_MQ		BIT(22)
#define F_CTRL_MAC_ADDR	BIT(23)
#define MAX_PAIRS	2

#define EXIT_LOST	3		/* device writes missing on the destination */

static FILE *qt;
static int timing;		/* -t */
static int renotify;		/* -r: a second notification may deliver the frame in flight */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* errx() prints "qtest_net: message" and exits */
#define die(...)	errx(1, __VA_ARGS__)
#define lost(...)	errx(EXIT_LOST, __VA_ARGS__)

/* One qtest command; returns the value after "OK " (0 if none). */
static uint64_t qtest(const char *fmt, ...)
{
	char line[8192], *p;
	va_list ap;

	va_start(ap, fmt);
	vfprintf(qt, fmt, ap);
	va_end(ap);
	fputc('\n', qt);
	fflush(qt);
	do {
		if (!fgets(line, sizeof(line), qt))
			die("%s: connection closed", __func__);
	} while (!strncmp(line, "IRQ", 3));	/* interrupt notices */
	if (strncmp(line, "OK", 2))
		die("%s: %s", __func__, line);
	p = line + 2;
	return *p == ' ' ? strtoull(p + 1, NULL, 0) : 0;
}

static uint32_t pci_read(int devfn, int off, int size)
{
	uint32_t v;

	qtest("outl 0xcf8 0x%x", 0x80000000u | devfn << 8 | (off & ~3));
	v = qtest("inl 0xcfc");
	return (v >> ((off & 3) * 8)) & (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
}

static void pci_write32(int devfn, int off, uint32_t v)
{
	qtest("outl 0xcf8 0x%x", 0x80000000u | devfn << 8 | off);
	qtest("outl 0xcfc 0x%x", v);
}

static void mem_write(uint64_t addr, const void *buf, size_t len)
{
	static char hex[2 * 4096 + 1];
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", b[i]);
	qtest("write 0x%llx %zu 0x%s", (unsigned long long)addr, len, hex);
}

static void mem_read(uint64_t addr, void *buf, size_t len)
{
	char line[2 * 4096 + 64], *p;
	uint8_t *b = buf;
	size_t i;

	fprintf(qt, "read 0x%llx %zu\n", (unsigned long long)addr, len);
	fflush(qt);
	if (!fgets(line, sizeof(line), qt) || strncmp(line, "OK 0x", 5))
		die("qtest read: %s", line);
	p = line + 5;
	for (i = 0; i < len; i++) {
		unsigned int v = 0;

		if (sscanf(p + 2 * i, "%2x", &v) != 1)
			die("qtest read: short reply");
		b[i] = v;
	}
}

/* virtio-pci modern capability locations */
static uint64_t common, notify;
static uint32_t notify_mult;

#define C_DFSELECT	0x00
#define C_DF		0x04
#define C_GFSELECT	0x08
#define C_GF		0x0c
#define C_STATUS	0x14
#define C_Q_SELECT	0x16
#define C_Q_SIZE	0x18
#define C_Q_ENABLE	0x1c
#define C_Q_NOFF	0x1e
#define C_Q_DESC	0x20
#define C_Q_AVAIL	0x28
#define C_Q_USED	0x30

static int find_device(void)
{
	int devfn;

	for (devfn = 0; devfn < 256; devfn += 8)
		if (pci_read(devfn, 0, 2) == 0x1af4 && pci_read(devfn, 2, 2) == 0x1041)
			return devfn;
	die("no modern virtio-net-pci device (disable-legacy=on?)");
	return -1;
}

static void map_caps(int devfn)
{
	int cap = pci_read(devfn, 0x34, 1);

	pci_write32(devfn, 0x20, (uint32_t)BAR_ADDR | 0x4);	/* BAR4, 64-bit memory */
	pci_write32(devfn, 0x24, 0);
	pci_write32(devfn, 0x04, pci_read(devfn, 0x04, 2) | 0x6);	/* memory, bus master */
	for (; cap; cap = pci_read(devfn, cap + 1, 1)) {
		int type = pci_read(devfn, cap + 3, 1), bar = pci_read(devfn, cap + 4, 1);
		uint64_t off = pci_read(devfn, cap + 8, 4);

		if (pci_read(devfn, cap, 1) != 0x09 || bar != 4)
			continue;
		if (type == 1) {
			common = BAR_ADDR + off;
		} else if (type == 2) {
			notify = BAR_ADDR + off;
			notify_mult = pci_read(devfn, cap + 16, 4);
		}
	}
	if (!common || !notify)
		die("virtio capabilities not found");
}

struct queue {
	unsigned int idx;
	uint64_t desc, avail, used, notify;
	uint16_t avail_idx, last_used;
	uint16_t avail_ring[QSIZE];
	uint32_t used_seen[QSIZE][2];	/* used elements consumed: id, len */
};

static void setup_queue(struct queue *q, unsigned int idx)
{
	q->idx = idx;
	q->desc = RING_BASE + idx * 0x4000;
	q->avail = q->desc + 16 * QSIZE;
	q->used = q->desc + 0x1000;
	qtest("writew 0x%llx %u", (unsigned long long)(common + C_Q_SELECT), idx);
	if (qtest("readw 0x%llx", (unsigned long long)(common + C_Q_SIZE)) < QSIZE)
		die("queue %u too small", idx);
	qtest("writew 0x%llx %u", (unsigned long long)(common + C_Q_SIZE), QSIZE);
	qtest("writeq 0x%llx 0x%llx", (unsigned long long)(common + C_Q_DESC),
	      (unsigned long long)q->desc);
	qtest("writeq 0x%llx 0x%llx", (unsigned long long)(common + C_Q_AVAIL),
	      (unsigned long long)q->avail);
	qtest("writeq 0x%llx 0x%llx", (unsigned long long)(common + C_Q_USED),
	      (unsigned long long)q->used);
	q->notify = notify + qtest("readw 0x%llx", (unsigned long long)(common + C_Q_NOFF)) *
			     notify_mult;
	qtest("writew 0x%llx 1", (unsigned long long)(common + C_Q_ENABLE));
}

struct buf {
	uint64_t addr;
	uint32_t len;
	int writable;
};

/* Make a chain of @n buffers available, in descriptors @head.. @head + n - 1. */
static void queue_add(struct queue *q, unsigned int head, const struct buf *bufs,
		      unsigned int n)
{
	uint8_t desc[QSIZE][16];
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t *d = desc[i];
		uint16_t flags = (bufs[i].writable ? 2 : 0) | (i + 1 < n ? 1 : 0);
		uint16_t next = head + i + 1;

		memcpy(d, &bufs[i].addr, 8);
		memcpy(d + 8, &bufs[i].len, 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
	}
	mem_write(q->desc + 16 * head, desc, 16 * n);
	q->avail_ring[q->avail_idx % QSIZE] = head;
	qtest("writew 0x%llx %u", (unsigned long long)(q->avail + 4 + 2 * (q->avail_idx % QSIZE)),
	      head);
	q->avail_idx++;
	qtest("writew 0x%llx %u", (unsigned long long)(q->avail + 2), q->avail_idx);
	qtest("writew 0x%llx %u", (unsigned long long)q->notify, q->idx);
}

/* Wait for the next used element; returns 0 and its id and length. */
static int queue_used(struct queue *q, uint32_t *id, uint32_t *len, int timeout_ms)
{
	uint32_t *e = q->used_seen[q->last_used % QSIZE];

	while ((uint16_t)qtest("readw 0x%llx", (unsigned long long)(q->used + 2)) ==
	       q->last_used) {
		struct timespec ts = { 0, 1000000 };

		if (timeout_ms-- <= 0)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
	mem_read(q->used + 4 + 8 * (q->last_used % QSIZE), e, 8);
	q->last_used++;
	*id = e[0];
	*len = e[1];
	return 0;
}

/*
 * On the destination, the device's side of the queue: the used index is
 * where the driver left it (or up to @in_flight ahead), and the used
 * elements the driver consumed are still there.
 */
static void queue_check(const struct queue *q, const char *name, unsigned int in_flight)
{
	uint16_t used_idx = qtest("readw 0x%llx", (unsigned long long)(q->used + 2));
	uint16_t ahead = used_idx - q->last_used, pos;
	unsigned int k;

	if (ahead > in_flight)
		lost("destination: %s used index %u, the driver consumed %u", name, used_idx,
		     q->last_used);
	for (k = 1; k <= QSIZE - in_flight && k <= q->last_used; k++) {
		uint32_t e[2];

		pos = q->last_used - k;
		mem_read(q->used + 4 + 8 * (pos % QSIZE), e, 8);
		if (memcmp(e, q->used_seen[pos % QSIZE], sizeof(e)))
			lost("destination: %s used element %u is (%u, %u), was (%u, %u)", name,
			     pos, e[0], e[1], q->used_seen[pos % QSIZE][0],
			     q->used_seen[pos % QSIZE][1]);
	}
}

static size_t make_frame(uint8_t *f, unsigned int seq)
{
	size_t len = 60 + (seq * 7919) % 1441, i;

	memset(f, 0, HDR_LEN);
	memset(f + HDR_LEN, 0xff, 6);
	memcpy(f + HDR_LEN + 6, "\x52\x54\x00\x00\x00\x02", 6);
	f[HDR_LEN + 12] = 0x88;
	f[HDR_LEN + 13] = 0xb5;
	memcpy(f + HDR_LEN + 14, &seq, 4);
	for (i = HDR_LEN + 18; i < HDR_LEN + len; i++)
		f[i] = (uint8_t)(seq * 31 + i);
	return HDR_LEN + len;
}

static FILE *unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	FILE *f;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect %s: %s", path, strerror(errno));
	f = fdopen(fd, "r+");
	if (!f)
		die("fdopen: %s", strerror(errno));
	return f;
}

static void qtest_connect(const char *path)
{
	if (qt)
		fclose(qt);
	qt = unix_connect(path);
}

/* QMP: one connection per QEMU, commands answered one line each. */
static FILE *qmp_open(const char *path)
{
	char line[4096];
	FILE *f = unix_connect(path);

	if (!fgets(line, sizeof(line), f))	/* greeting */
		die("QMP %s: no greeting", path);
	return f;
}

/* Run @cmd (a JSON object); returns the reply, or dies on an error reply. */
static const char *qmp_cmd(FILE *f, const char *cmd)
{
	static char line[16384];

	fprintf(f, "%s\n", cmd);
	fflush(f);
	do {
		if (!fgets(line, sizeof(line), f))
			die("QMP: connection closed after %s", cmd);
	} while (!strstr(line, "\"return\"") && !strstr(line, "\"error\""));	/* events */
	if (strstr(line, "\"error\""))
		die("QMP: %s: %s", cmd, line);
	return line;
}

/* The migration status from query-migrate ("none" before any). */
static const char *migration_status(FILE *qmp, char *buf, size_t len)
{
	const char *reply = qmp_cmd(qmp, "{\"execute\": \"query-migrate\"}");
	const char *p = strstr(reply, "\"status\": \"");

	snprintf(buf, len, "%s", p ? p + strlen("\"status\": \"") : "none");
	buf[strcspn(buf, "\"")] = '\0';
	return reply;
}

/* The number after "@key": in @reply, or -1 when it is absent. */
static long long json_number(const char *reply, const char *key)
{
	char pattern[64];
	const char *p;

	snprintf(pattern, sizeof(pattern), "\"%s\": ", key);
	p = strstr(reply, pattern);
	return p ? strtoll(p + strlen(pattern), NULL, 10) : -1;
}

/*
 * -t: print query-migrate's times of a completed migration. QEMU 7.2 can
 * answer "completed" before it has filled them in (total-time 0): ask
 * again, for up to 5 s.
 */
static void print_migration_times(FILE *qmp, const char *reply, unsigned int migration,
				  double secs, unsigned int during)
{
	struct timespec ts = { 0, 100000000 };
	char status[64];
	int i;

	for (i = 0; i < 50 && json_number(reply, "total-time") <= 0; i++) {
		nanosleep(&ts, NULL);
		reply = migration_status(qmp, status, sizeof(status));
	}
	printf("timing: migration %u: total-time %lld ms, downtime %lld ms, setup-time %lld ms, ",
	       migration, json_number(reply, "total-time"), json_number(reply, "downtime"),
	       json_number(reply, "setup-time"));
	printf("%u frames in %.3f s during, %.1f frames/s during\n", during, secs,
	       secs > 0 ? during / secs : 0);
}

/* frame last received in each rx buffer of each queue pair */
static unsigned int rx_seq[MAX_PAIRS][QSIZE];
static struct queue rx[MAX_PAIRS], tx[MAX_PAIRS], cvq;
static unsigned int pairs = 1;	/* -q: frame n goes through pair n % pairs */
static int use_cvq;

#define RX_BUF(p, slot)	(BUF_BASE + ((p) * 2 * QSIZE + (slot)) * BUF_SIZE)
#define TX_BUF(p, slot)	(BUF_BASE + ((p) * 2 * QSIZE + QSIZE + (slot)) * BUF_SIZE)
#define CVQ_BUF		(BUF_BASE + MAX_PAIRS * 2 * QSIZE * BUF_SIZE)
#define PAIR(n)		((n) % pairs)
/*
 * Transmit slot of frame @n in its pair: one fewer than the receive
 * buffers, so that a stale transmit buffer (63 frames of the pair
 * earlier) and a stale receive buffer (64 earlier) can be told apart.
 */
#define TX_SLOT(n)	(((n) / pairs) % (QSIZE - 1))

static void rx_post(unsigned int p, unsigned int slot)
{
	struct buf b = { RX_BUF(p, slot), BUF_SIZE, 1 };

	queue_add(&rx[p], slot, &b, 1);
}

/* Put frame @n on the transmit queue of its pair. */
static void send_one(unsigned int n)
{
	uint8_t frame[BUF_SIZE];
	struct buf b = { TX_BUF(PAIR(n), TX_SLOT(n)), make_frame(frame, n), 0 };

	mem_write(b.addr, frame, b.len);
	queue_add(&tx[PAIR(n)], TX_SLOT(n), &b, 1);
}

/*
 * Receive frame @n and verify it; returns 0, or -ETIMEDOUT if nothing came
 * back (the device stopped for the migration's switch-over).
 */
static int receive_one(unsigned int n, int timeout_ms)
{
	uint8_t frame[BUF_SIZE], got[BUF_SIZE];
	size_t len = make_frame(frame, n);
	uint32_t id, rx_id, used_len;
	unsigned int p = PAIR(n);

	if (queue_used(&rx[p], &rx_id, &used_len, timeout_ms))
		return -ETIMEDOUT;
	if (rx_id >= QSIZE || used_len != len)
		die("frame %u: rx %u id %u len %u, want len %zu", n, p, rx_id, used_len, len);
	mem_read(RX_BUF(p, rx_id), got, len);
	if (memcmp(got + HDR_LEN, frame + HDR_LEN, len - HDR_LEN)) {
		uint32_t got_seq, tx_seq;

		memcpy(&got_seq, got + HDR_LEN + 14, 4);
		mem_read(TX_BUF(p, TX_SLOT(n)) + HDR_LEN + 14, &tx_seq, 4);
		fprintf(stderr, "frame %u: rx %u buffer %u holds frame %u (tx buffer: frame %u)\n",
			n, p, rx_id, got_seq, tx_seq);
		for (id = 0; id < QSIZE; id++) {
			mem_read(RX_BUF(p, id) + HDR_LEN + 14, &got_seq, 4);
			if (got_seq == n)
				die("frame %u: found in rx %u buffer %u", n, p, id);
		}
		die("frame %u: in no rx %u buffer", n, p);
	}
	rx_seq[p][rx_id] = n;
	if (queue_used(&tx[p], &id, &used_len, 5000))
		die("frame %u: tx %u not completed", n, p);
	if (id != TX_SLOT(n))
		die("frame %u: tx %u completed descriptor %u", n, p, id);
	rx_post(p, rx_id);
	return 0;
}

static void send_verified(unsigned int *n, unsigned int count, const char *where)
{
	unsigned int end = *n + count;

	for (; *n < end; ++*n) {
		send_one(*n);
		if (receive_one(*n, 5000))
			die("%s: frame %u: nothing received", where, *n);
	}
}

/*
 * Every rx buffer of every pair holds, byte for byte, the last frame
 * received in it; except buffer @skip of pair @skip_pair, which the device
 * may be filling (@skip -1: none). @received frames went through in all.
 */
static void check_rx_buffers(unsigned int received, unsigned int skip_pair, int skip)
{
	uint8_t frame[BUF_SIZE], got[BUF_SIZE];
	unsigned int i, p;

	for (p = 0; p < pairs; p++) {
		/* frames of pair p so far; the first QSIZE filled buffers 0, 1, ... */
		unsigned int of_pair = received / pairs + (p < received % pairs);

		for (i = 0; i < QSIZE && i < of_pair; i++) {
			size_t len = make_frame(frame, rx_seq[p][i]);

			if (p == skip_pair && (int)i == skip)
				continue;
			mem_read(RX_BUF(p, i), got, len);
			if (memcmp(got + HDR_LEN, frame + HDR_LEN, len - HDR_LEN))
				lost("destination: rx %u buffer %u does not hold frame %u", p, i,
				     rx_seq[p][i]);
		}
	}
}

/* A command of @len bytes (class, command, data) the device must ack. */
static void cvq_command(const uint8_t *cmd, uint32_t len)
{
	struct buf b[] = {
		{ CVQ_BUF, 2, 0 }, { CVQ_BUF + 2, len - 2, 0 }, { CVQ_BUF + 16, 1, 1 },
	};
	uint8_t ack = 0xff;
	uint32_t id;

	mem_write(CVQ_BUF, cmd, len);
	mem_write(CVQ_BUF + 16, &ack, 1);
	queue_add(&cvq, 0, b, 3);
	if (queue_used(&cvq, &id, &len, 5000))
		die("control queue: command %u.%u not completed", cmd[0], cmd[1]);
	mem_read(CVQ_BUF + 16, &ack, 1);
	if (id != 0 || ack != 0)
		die("control queue: command %u.%u: id %u ack %u", cmd[0], cmd[1], id, ack);
}

/* VIRTIO_NET_CTRL_MAC_ADDR_SET */
static void cvq_set_mac(unsigned int last_byte)
{
	uint8_t cmd[8] = { 1, 1, 0x52, 0x54, 0x00, 0x00, 0x01, last_byte };

	cvq_command(cmd, sizeof(cmd));
}

/* VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET: every pair on */
static void cvq_set_pairs(void)
{
	uint8_t cmd[4] = { 4, 0, pairs, 0 };

	cvq_command(cmd, sizeof(cmd));
}

static void device_init(void)
{
	uint32_t features;
	unsigned int i, p;

	map_caps(find_device());
	qtest("writeb 0x%llx 0", (unsigned long long)(common + C_STATUS));
	qtest("writeb 0x%llx 3", (unsigned long long)(common + C_STATUS));	/* ACK|DRIVER */
	qtest("writel 0x%llx 1", (unsigned long long)(common + C_DFSELECT));
	if (!(qtest("readl 0x%llx", (unsigned long long)(common + C_DF)) & 1))
		die("no VIRTIO_F_VERSION_1");
	qtest("writel 0x%llx 0", (unsigned long long)(common + C_DFSELECT));
	features = F_MAC;
	if (use_cvq) {
		features |= F_CTRL_VQ | F_CTRL_MAC_ADDR | (pairs > 1 ? F_MQ : 0);
		if ((qtest("readl 0x%llx", (unsigned long long)(common + C_DF)) & features) !=
		    features)
			die("the device offers no control queue with CTRL_MAC_ADDR%s",
			    pairs > 1 ? " and MQ" : "");
	}
	qtest("writel 0x%llx 0", (unsigned long long)(common + C_GFSELECT));
	qtest("writel 0x%llx 0x%x", (unsigned long long)(common + C_GF), features);
	qtest("writel 0x%llx 1", (unsigned long long)(common + C_GFSELECT));
	qtest("writel 0x%llx 1", (unsigned long long)(common + C_GF));	/* VERSION_1 */
	qtest("writeb 0x%llx 0xb", (unsigned long long)(common + C_STATUS));
	if (!(qtest("readb 0x%llx", (unsigned long long)(common + C_STATUS)) & 8))
		die("FEATURES_OK refused");
	for (p = 0; p < pairs; p++) {
		setup_queue(&rx[p], 2 * p);
		setup_queue(&tx[p], 2 * p + 1);
	}
	/* the device has (and the driver set) pairs queue pairs */
	if (use_cvq)
		setup_queue(&cvq, 2 * pairs);
	qtest("writeb 0x%llx 0xf", (unsigned long long)(common + C_STATUS));	/* DRIVER_OK */
	for (p = 0; p < pairs; p++)
		for (i = 0; i < QSIZE; i++)
			rx_post(p, i);
}

/*
 * Migrate from side @src to side @dst while sending frames. Returns the
 * frame still in flight at the switch-over, or -1.
 */
static int migrate_to(const char *dir, const char *start_cmd, char src, char dst,
		      unsigned int *n, unsigned int *during, unsigned int migration)
{
	char path[512], cmd[700], status[64];
	const char *reply;
	int pending = -1;
	double start, last;
	FILE *qmp;

	snprintf(cmd, sizeof(cmd), "%s %c incoming", start_cmd, dst);
	if (system(cmd))
		die("%s: could not start the destination", cmd);
	snprintf(path, sizeof(path), "%s/%c.qmp", dir, src);
	qmp = qmp_open(path);
	qmp_cmd(qmp, "{\"execute\": \"qmp_capabilities\"}");
	/* slow enough that frames flow while memory is copied */
	qmp_cmd(qmp,
		"{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-bandwidth\": 33554432}}");
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"unix:%s/%c.mig\"}}", dir,
		 dst);
	/*
	 * This driver is no guest CPU: QEMU does not stop it with the VM, and
	 * a frame it writes while the last dirty pages are copied can reach
	 * the destination torn (seen: new descriptor, old payload). So the
	 * migration pauses before the switch-over (a stock capability), the
	 * driver finishes the frame it is writing, and only then lets the
	 * migration copy the last pages.
	 */
	qmp_cmd(qmp,
		"{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": [{\"capability\": \"pause-before-switchover\", \"state\": true}]}}");
	qmp_cmd(qmp, cmd);
	start = now();
	last = start;
	*during = 0;
	for (;;) {
		reply = migration_status(qmp, status, sizeof(status));
		if (strcmp(status, "active") && strcmp(status, "setup"))
			break;
		send_one(*n);
		/* wait for it, or for the VM to stop: the pause is downtime */
		while (receive_one(*n, 20)) {
			reply = migration_status(qmp, status, sizeof(status));
			if (strcmp(status, "active") && strcmp(status, "setup"))
				break;
		}
		if (strcmp(status, "active") && strcmp(status, "setup")) {
			pending = (*n)++;	/* in flight: the destination delivers it */
			break;
		}
		++*n;
		++*during;
		last = now();
	}
	while (!strcmp(status, "active") || !strcmp(status, "setup"))
		migration_status(qmp, status, sizeof(status));
	if (!strcmp(status, "pre-switchover"))
		qmp_cmd(qmp,
			"{\"execute\": \"migrate-continue\", \"arguments\": {\"state\": \"pre-switchover\"}}");
	while (!strcmp(status, "pre-switchover") || !strcmp(status, "device"))
		reply = migration_status(qmp, status, sizeof(status));
	if (timing && !strcmp(status, "completed"))
		print_migration_times(qmp, reply, migration, last - start, *during);
	fclose(qmp);
	if (strcmp(status, "completed"))
		die("migration %c -> %c: %s", src, dst, status);
	if (*during < MIN_DURING)
		die("migration %c -> %c: only %u frames while it ran, too few to test", src, dst,
		    *during);
	return pending;
}

/*
 * send_verified(), and with -t the frame rate of all but the first tenth
 * of the frames (warm-up).
 */
static void send_timed(unsigned int *n, unsigned int count, const char *where)
{
	unsigned int warm = count / 10;
	double secs;

	if (!timing || count == warm) {
		send_verified(n, count, where);
		return;
	}
	send_verified(n, warm, where);
	secs = now();
	send_verified(n, count - warm, where);
	secs = now() - secs;
	printf("timing: %s: %u frames in %.3f s, %.1f frames/s\n", where, count - warm, secs,
	       (count - warm) / secs);
}

/*
 * On the destination: everything the device wrote is there, then traffic.
 * Returns 1 when the frame in flight came only after a second notification.
 */
static int check_destination(int pending, unsigned int *n, unsigned int frames)
{
	unsigned int pp = pending >= 0 ? PAIR((unsigned int)pending) : 0, p;
	int renotified = 0;
	char name[16];

	for (p = 0; p < pairs; p++) {
		unsigned int in_flight = pending >= 0 && p == pp;

		snprintf(name, sizeof(name), "rx %u", p);
		queue_check(&rx[p], name, in_flight);
		snprintf(name, sizeof(name), "tx %u", p);
		queue_check(&tx[p], name, in_flight);
	}
	if (use_cvq)
		queue_check(&cvq, "control", 0);
	/* the frame in flight goes to the next rx buffer: receive_one checks it */
	check_rx_buffers(*n, pp, pending >= 0 ? rx[pp].avail_ring[rx[pp].last_used % QSIZE] : -1);
	if (pending >= 0 && receive_one(pending, 5000)) {
		if (!renotify)
			die("frame %d, in flight at the switch-over, lost", pending);
		/*
		 * Not sent: notify its transmit queue once more, as a guest's
		 * next transmit would. A destination that was never told of
		 * the frame sends it now (QEMU 10.1's shadow virtqueue can stop
		 * before it takes a frame the driver notified, and nothing
		 * notifies the destination); a frame the source's QEMU dropped
		 * (QEMU 7.2's x-svq) stays lost.
		 */
		qtest("writew 0x%llx %u", (unsigned long long)tx[pp].notify, tx[pp].idx);
		if (receive_one(pending, 5000))
			die("frame %d, in flight at the switch-over, lost", pending);
		renotified = 1;
	}
	send_timed(n, frames, "destination");
	check_rx_buffers(*n, 0, -1);
	return renotified;
}

int main(int argc, char **argv)
{
	unsigned int frames = 30, migrations = 0, n = 0, during, i;
	const char *dir = NULL, *start_cmd = NULL;
	char path[600], side = 'a';
	int opt, pending, renotified;

	while ((opt = getopt(argc, argv, "w:f:cq:trm:x:")) != -1) {
		switch (opt) {
		case 'w':
			dir = optarg;
			break;
		case 'f':
			frames = atoi(optarg);
			break;
		case 'c':
			use_cvq = 1;
			break;
		case 'q':
			pairs = atoi(optarg);
			use_cvq = 1;
			break;
		case 't':
			timing = 1;
			break;
		case 'r':
			renotify = 1;
			break;
		case 'm':
			migrations = atoi(optarg);
			break;
		case 'x':
			start_cmd = optarg;
			break;
		default:
			dir = NULL;
		}
	}
	if (!dir || optind != argc || (migrations && !start_cmd) || !pairs ||
	    pairs > MAX_PAIRS)
		die("usage: qtest_net -w DIR [-f FRAMES] [-c] [-q PAIRS] [-t] [-r]%s",
		    " [-m MIGRATIONS -x START_CMD]");
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(path, sizeof(path), "%s/a.qtest", dir);
	qtest_connect(path);
	device_init();
	if (use_cvq)
		cvq_set_mac(side);
	if (pairs > 1)
		cvq_set_pairs();
	send_timed(&n, frames, "source");
	printf("side a: %u frames verified\n", frames);
	/* 48 MiB of non-zero guest memory: a migration takes a while */
	if (migrations)
		qtest("memset 0x1000000 0x3000000 0x5a");

	for (i = 0; i < migrations; i++) {
		char dst = side == 'a' ? 'b' : 'a';

		printf("migration %u, %c -> %c: starting at frame %u\n", i + 1, side, dst, n);
		pending = migrate_to(dir, start_cmd, side, dst, &n, &during, i + 1);
		snprintf(path, sizeof(path), "%s/%c.qtest", dir, dst);
		qtest_connect(path);
		renotified = check_destination(pending, &n, frames);
		if (use_cvq)
			cvq_set_mac(dst);
		printf("migration %u, %c -> %c: %u frames while it ran", i + 1, side, dst, during);
		if (pending >= 0)
			printf(", one in flight at the switch-over delivered%s",
			       renotified ? " only after a second notification" : "");
		printf("; ");
		printf("destination memory checked, %u more frames verified\n", frames);
		side = dst;
	}
	printf("%u frames verified, %u migrations\n", n, migrations);
	return 0;
}
