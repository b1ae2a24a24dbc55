// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-net driver that runs outside the guest: it drives QEMU's
 * virtio-net-pci device through the qtest protocol (PCI config space,
 * MMIO and guest memory over a unix socket), with QEMU running a halting
 * firmware under TCG. Used to test the shadow device end to end with
 * Debian's unmodified QEMU 7.2 and -netdev vhost-vdpa.
 *
 * Usage: qtest_net SOCKET FRAMES [DST_SOCKET SRC_QMP MIGRATION_URI]
 *   Brings the device to DRIVER_OK, posts receive buffers, sends FRAMES
 *   sequence-numbered broadcast frames one by one and checks that each
 *   comes back, byte for byte, in the next receive buffer (vdpa_sim_net
 *   loops broadcast frames back). With the migration arguments, it then
 *   migrates the source (QMP, through tools/testing/svq/qemu/qmp.py) while
 *   sending frames, attaches to the destination, checks every receive
 *   buffer's bytes there (the device's writes during migration must have
 *   been logged), and sends FRAMES more. Prints a summary; exits 0 on
 *   success.
 */
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

static FILE *qt;
static const char *qmp_tool = "tools/testing/svq/qemu/qmp.py";

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

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

/* Make buffer @slot available: one descriptor of @len bytes. */
static void queue_add(struct queue *q, unsigned int slot, uint32_t len, int writable)
{
	uint8_t d[16] = {};
	uint64_t addr = BUF_BASE + (q->idx * QSIZE + slot) * BUF_SIZE;
	uint16_t flags = writable ? 2 : 0;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	mem_write(q->desc + 16 * slot, d, 16);
	qtest("writew 0x%llx %u", (unsigned long long)(q->avail + 4 + 2 * (q->avail_idx % QSIZE)),
	      slot);
	q->avail_idx++;
	qtest("writew 0x%llx %u", (unsigned long long)(q->avail + 2), q->avail_idx);
	qtest("writew 0x%llx %u", (unsigned long long)q->notify, q->idx);
}

/* Wait for the next used element; returns 0 and its id and length. */
static int queue_used(struct queue *q, uint32_t *id, uint32_t *len, int timeout_ms)
{
	uint32_t e[2];

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

static int qtest_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect %s: %s", path, strerror(errno));
	if (qt)
		fclose(qt);
	qt = fdopen(fd, "r+");
	return 0;
}

/* The source's migration status, from QMP query-migrate. */
static void migration_status(const char *qmp, char *buf, size_t len)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "python3 %s %s query-migrate | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"return\"].get(\"status\", \"none\"))'",
		 qmp_tool, qmp);
	p = popen(cmd, "r");
	if (!p || !fgets(buf, len, p))
		snprintf(buf, len, "unknown");
	if (p)
		pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
}

static unsigned int rx_seq[QSIZE];	/* frame last received in each rx buffer */
static struct queue rx, tx;

/* Put frame @n on the transmit queue. */
static int send_one(unsigned int n)
{
	uint8_t frame[BUF_SIZE];
	size_t len = make_frame(frame, n);

	mem_write(BUF_BASE + (QSIZE + n % QSIZE) * BUF_SIZE, frame, len);
	queue_add(&tx, n % QSIZE, len, 0);
	return 0;
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

	if (queue_used(&rx, &rx_id, &used_len, timeout_ms))
		return -ETIMEDOUT;
	if (rx_id >= QSIZE || used_len != len)
		die("frame %u: rx id %u len %u, want len %zu", n, rx_id, used_len, len);
	mem_read(BUF_BASE + rx_id * BUF_SIZE, got, len);
	if (memcmp(got + HDR_LEN, frame + HDR_LEN, len - HDR_LEN))
		die("frame %u: payload differs", n);
	rx_seq[rx_id] = n;
	if (queue_used(&tx, &id, &used_len, 5000))
		die("frame %u: tx not completed", n);
	queue_add(&rx, rx_id, BUF_SIZE, 1);
	return 0;
}

/* Every rx buffer holds, byte for byte, the last frame received in it. */
static void check_rx_buffers(unsigned int received)
{
	uint8_t frame[BUF_SIZE], got[BUF_SIZE];
	unsigned int i;

	for (i = 0; i < QSIZE && i < received; i++) {
		size_t len = make_frame(frame, rx_seq[i]);

		mem_read(BUF_BASE + i * BUF_SIZE, got, len);
		if (memcmp(got + HDR_LEN, frame + HDR_LEN, len - HDR_LEN))
			die("after migration: rx buffer %u does not hold frame %u", i, rx_seq[i]);
	}
}

int main(int argc, char **argv)
{
	unsigned int frames, n = 0, during = 0, i;
	int pending = -1;
	char status[64] = "";
	int devfn;

	if (argc != 3 && argc != 6)
		die("usage: qtest_net SOCKET FRAMES [DST_SOCKET SRC_QMP MIGRATION_URI]");
	frames = atoi(argv[2]);
	if (getenv("SVQ_REPO")) {
		static char path[512];

		snprintf(path, sizeof(path), "%s/tools/testing/svq/qemu/qmp.py",
			 getenv("SVQ_REPO"));
		qmp_tool = path;
	}
	qtest_connect(argv[1]);
	devfn = find_device();
	map_caps(devfn);
	qtest("writeb 0x%llx 0", (unsigned long long)(common + C_STATUS));
	qtest("writeb 0x%llx 3", (unsigned long long)(common + C_STATUS));	/* ACK|DRIVER */
	qtest("writel 0x%llx 1", (unsigned long long)(common + C_DFSELECT));
	if (!(qtest("readl 0x%llx", (unsigned long long)(common + C_DF)) & 1))
		die("no VIRTIO_F_VERSION_1");
	qtest("writel 0x%llx 0", (unsigned long long)(common + C_GFSELECT));
	qtest("writel 0x%llx 0x20", (unsigned long long)(common + C_GF));	/* MAC */
	qtest("writel 0x%llx 1", (unsigned long long)(common + C_GFSELECT));
	qtest("writel 0x%llx 1", (unsigned long long)(common + C_GF));	/* VERSION_1 */
	qtest("writeb 0x%llx 0xb", (unsigned long long)(common + C_STATUS));
	if (!(qtest("readb 0x%llx", (unsigned long long)(common + C_STATUS)) & 8))
		die("FEATURES_OK refused");
	setup_queue(&rx, 0);
	setup_queue(&tx, 1);
	qtest("writeb 0x%llx 0xf", (unsigned long long)(common + C_STATUS));	/* DRIVER_OK */
	for (i = 0; i < QSIZE; i++)
		queue_add(&rx, i, BUF_SIZE, 1);

	for (; n < frames; n++) {
		send_one(n);
		if (receive_one(n, 5000))
			die("frame %u: nothing received", n);
	}
	printf("source: %u frames verified\n", n);
	if (argc == 3)
		return 0;

	/* migrate while sending */
	{
		char cmd[512];

		/* 80 MiB of non-zero guest memory: migration takes a while */
		qtest("memset 0x1000000 0x5000000 0x5a");
		/* slow enough that frames flow while memory is copied */
		snprintf(cmd, sizeof(cmd),
			 "python3 %s %s migrate-set-parameters '{\"max-bandwidth\": 33554432}' >/dev/null",
			 qmp_tool, argv[4]);
		if (system(cmd))
			die("migrate-set-parameters refused");
		snprintf(cmd, sizeof(cmd), "python3 %s %s migrate '{\"uri\": \"%s\"}' >/dev/null",
			 qmp_tool, argv[4], argv[5]);
		if (system(cmd))
			die("migrate refused");
	}
	for (;;) {
		migration_status(argv[4], status, sizeof(status));
		if (strcmp(status, "active") && strcmp(status, "setup"))
			break;
		send_one(n);
		if (receive_one(n, 2000)) {
			pending = n++;	/* in flight: the destination delivers it */
			break;
		}
		n++;
		during++;
	}
	while (!strcmp(status, "active") || !strcmp(status, "setup") ||
	       !strcmp(status, "device"))
		migration_status(argv[4], status, sizeof(status));
	if (strcmp(status, "completed"))
		die("migration %s", status);
	printf("during migration: %u frames verified\n", during);

	qtest_connect(argv[3]);
	/* a frame still in flight at the switch-over arrives on the destination */
	/*
	 * qtest writes memory even while the source VM is stopped: if the
	 * frame in flight was written after the final memory copy, the guest
	 * never made it available. Make it available again on the destination.
	 */
	if (pending >= 0 &&
	    (uint16_t)qtest("readw 0x%llx", (unsigned long long)(tx.avail + 2)) !=
	    tx.avail_idx) {
		tx.avail_idx--;
		send_one(pending);
		printf("frame %d was made available after the switch-over: sent again\n",
		       pending);
	}
	if (pending >= 0 && receive_one(pending, 5000))
		die("frame %d, in flight at the switch-over, lost", pending);
	if (pending >= 0)
		printf("frame %d, in flight at the switch-over, delivered by the destination\n",
		       pending);
	check_rx_buffers(n);
	for (i = 0; i < frames; i++, n++) {
		send_one(n);
		if (receive_one(n, 5000))
			die("destination: frame %u: nothing received", n);
	}
	check_rx_buffers(n);
	printf("destination: rx buffers intact, %u more frames verified\n", frames);
	return 0;
}
