// SPDX-License-Identifier: GPL-2.0
/*
 * frame_loop - verified loopback traffic for the make demo L2 guest
 *
 * Runs inside a VM whose NIC loops every frame it transmits back into its
 * receive queue (virtio-net on vdpa_sim_net, directly or through a
 * vhost_vdpa_svq shadow device). It sends sequence-numbered broadcast
 * frames of ethertype 0x88b5 on an AF_PACKET socket, keeps up to WINDOW of
 * them in flight and checks that each one comes back exactly once, in
 * order and intact: the frame carries its length and a CRC-32, and its
 * payload is derived from its sequence number. A frame that is skipped is
 * lost, one that comes back after a later one is late (duplicate or
 * reordered), one that fails a check is corrupt; when nothing comes back
 * for STALL seconds, every frame still in flight is lost. Each is an error.
 *
 * Usage: frame_loop [-i IFNAME] [-n FRAMES] [-w WINDOW] [-t SECONDS]
 *		     [-s STALL] [-p PERIOD] [-c CONTROL] [-a MIN_AFTER_MARK]
 *		     [-F FAULT]
 *
 * IFNAME defaults to eth0, WINDOW to 32 frames in flight, STALL to 10 s.
 * With -n the program sends exactly FRAMES frames, waits for the ones in
 * flight and reports; the result is FAIL unless all FRAMES were sent
 * within SECONDS and verified. A progress line is printed every PERIOD
 * seconds (default 1; 0: none).
 *
 * CONTROL (a tty such as a second serial port, or a FIFO) takes lines:
 *   mark	start counting the frames verified after this point (the host
 *		sends it once the VM has been live-migrated)
 *   stop	stop sending, wait for the frames in flight, report, exit
 * Without "stop" (or -n) the program ends after SECONDS (default 600).
 *
 * Output, one line each on stdout:
 *   frame_loop: progress t=SECS sent=N verified=N inflight=N errors=N
 *   frame_loop: mark at t=SECS sent=N verified=N
 *   frame_loop: result sent=N verified=N after_mark=N lost=N late=N
 *		 corrupt=N socket_drops=N PASS|FAIL
 * plus one line per error (the first few of each kind).
 *
 * The result is PASS when every frame sent was verified, no error was
 * seen, at least MIN_AFTER_MARK (default 0) frames were verified after a
 * mark, and, with -n, FRAMES frames were sent. Exit status: 0 PASS, 1 FAIL, 2 usage or setup error.
 *
 * -F lose|duplicate|corrupt checks the checker: frame 100 is not sent,
 * sent twice, or sent with one payload byte flipped; the result must be
 * FAIL.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23
#endif

#define FRAME_ETHERTYPE	0x88b5		/* IEEE local experimental */
#define FRAME_MAGIC	0x53565146	/* "SVQF" */
#define FRAME_MIN	64
#define FRAME_MAX	1514

/* Frame layout after the Ethernet header, all fields big endian */
#define OFF_MAGIC	ETH_HLEN
#define OFF_RUN		(OFF_MAGIC + 4)
#define OFF_SEQ		(OFF_RUN + 4)
#define OFF_LEN		(OFF_SEQ + 8)
#define OFF_CRC		(OFF_LEN + 2)
#define OFF_PAYLOAD	(OFF_CRC + 4)

#define ERRORS_SHOWN	5		/* error lines printed per kind */

struct loop_stats {
	uint64_t sent;			/* frames handed to the socket */
	uint64_t verified;		/* came back in order and intact */
	uint64_t after_mark;		/* verified after the last mark */
	uint64_t lost;
	uint64_t late;
	uint64_t corrupt;
	uint64_t socket_drops;		/* PACKET_STATISTICS tp_drops */
};

static struct loop_stats st;
static uint32_t run_id;
static unsigned char src_mac[ETH_ALEN];
static struct timespec t_start;
static bool marked;

enum fault { FAULT_NONE, FAULT_LOSE, FAULT_DUPLICATE, FAULT_CORRUPT };
static enum fault fault;
#define FAULT_SEQ	100

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("frame_loop: error: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s)\n", strerror(errno));
	exit(2);
}

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t_start.tv_sec) +
	       (now.tv_nsec - t_start.tv_nsec) / 1e9;
}

static uint64_t errors(void)
{
	return st.lost + st.late + st.corrupt;
}

/* Print one error line, the first ERRORS_SHOWN of each kind only. */
static void report_error(uint64_t count, const char *fmt, ...)
{
	va_list ap;

	if (count > ERRORS_SHOWN)
		return;
	printf("frame_loop: ERROR t=%.1f ", elapsed());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static uint32_t crc_table[256];

static void crc32_init(void)
{
	uint32_t crc;
	int i, bit;

	for (i = 0; i < 256; i++) {
		crc = i;
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
		crc_table[i] = crc;
	}
}

/* CRC-32 (IEEE 802.3), one table lookup per byte */
static uint32_t crc32_le(const unsigned char *p, size_t len)
{
	uint32_t crc = 0xffffffff;

	while (len--)
		crc = (crc >> 8) ^ crc_table[(crc ^ *p++) & 0xff];
	return ~crc;
}

static void put_be16(unsigned char *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static void put_be32(unsigned char *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static void put_be64(unsigned char *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

static uint16_t get_be16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static uint32_t get_be32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

/* Frame lengths cycle through every size from FRAME_MIN to FRAME_MAX. */
static unsigned int frame_len(uint64_t seq)
{
	return FRAME_MIN + (seq * 7919) % (FRAME_MAX - FRAME_MIN + 1);
}

/*
 * Fill (or, with @check, compare) the payload derived from @seq: an
 * xorshift32 stream, one step per 4 bytes, stored little endian.
 */
static bool frame_payload(unsigned char *frame, unsigned int len, uint64_t seq,
			  bool check)
{
	uint32_t x = (uint32_t)(seq * 2654435761u) ^ run_id ^ len;
	unsigned char word[4];
	unsigned int i, n;

	x |= !x;			/* xorshift32 stays at 0 from 0 */
	for (i = OFF_PAYLOAD; i < len; i += n) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		word[0] = x;
		word[1] = x >> 8;
		word[2] = x >> 16;
		word[3] = x >> 24;
		n = len - i < 4 ? len - i : 4;
		if (!check)
			memcpy(frame + i, word, n);
		else if (memcmp(frame + i, word, n))
			return false;
	}
	return true;
}

static unsigned int frame_build(unsigned char *frame, uint64_t seq)
{
	unsigned int len = frame_len(seq);

	memset(frame, 0xff, ETH_ALEN);			/* broadcast */
	memcpy(frame + ETH_ALEN, src_mac, ETH_ALEN);
	put_be16(frame + 2 * ETH_ALEN, FRAME_ETHERTYPE);
	put_be32(frame + OFF_MAGIC, FRAME_MAGIC);
	put_be32(frame + OFF_RUN, run_id);
	put_be64(frame + OFF_SEQ, seq);
	put_be16(frame + OFF_LEN, len);
	put_be32(frame + OFF_CRC, 0);
	frame_payload(frame, len, seq, false);
	put_be32(frame + OFF_CRC, crc32_le(frame, len));
	return len;
}

/*
 * Check one received frame: on success store its sequence number in @seq.
 * Returns NULL when intact, or what is wrong with it.
 */
static const char *frame_check(unsigned char *frame, ssize_t len, uint64_t *seq)
{
	uint32_t crc;

	if (len < OFF_PAYLOAD || len > FRAME_MAX)
		return "bad length";
	if (get_be32(frame + OFF_MAGIC) != FRAME_MAGIC)
		return "bad magic";
	if (get_be32(frame + OFF_RUN) != run_id)
		return "from another run";
	if (get_be16(frame + OFF_LEN) != len)
		return "length differs from header";
	crc = get_be32(frame + OFF_CRC);
	put_be32(frame + OFF_CRC, 0);
	if (crc32_le(frame, len) != crc)
		return "bad CRC-32";
	*seq = get_be64(frame + OFF_SEQ);
	if (frame_len(*seq) != len)
		return "length does not match sequence number";
	if (!frame_payload(frame, len, *seq, true))
		return "payload does not match sequence number";
	return NULL;
}

static int open_socket(const char *ifname)
{
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	int fd, one = 1, rcvbuf = 4 << 20;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK,
		    htons(FRAME_ETHERTYPE));
	if (fd < 0)
		die("socket(AF_PACKET)");
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		die("interface name %s too long", ifname);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die("SIOCGIFHWADDR %s", ifname);
	memcpy(src_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(FRAME_ETHERTYPE);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		die("if_nametoindex %s", ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind %s", ifname);
	/* Our own transmissions are not the loopback we are looking for */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) < 0)
		die("PACKET_IGNORE_OUTGOING");
	/* Room for a full window: past net.core.rmem_max if we may */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("SO_RCVBUF");
	return fd;
}

static int open_control(const char *path)
{
	struct termios tio;
	int fd;

	fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY);	/* a FIFO: no EOF */
	if (fd < 0)
		die("open %s", path);
	if (isatty(fd)) {
		if (tcgetattr(fd, &tio) < 0)
			die("tcgetattr %s", path);
		cfmakeraw(&tio);
		if (tcsetattr(fd, TCSANOW, &tio) < 0)
			die("tcsetattr %s", path);
	}
	return fd;
}

static void update_socket_drops(int fd)
{
	struct tpacket_stats ps;
	socklen_t len = sizeof(ps);

	/* Reading the statistics resets them */
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &ps, &len) < 0)
		die("PACKET_STATISTICS");
	st.socket_drops += ps.tp_drops;
}

/* Send the frame numbered st.sent; false when the socket is full. */
static bool send_next(int fd)
{
	unsigned char frame[FRAME_MAX];
	unsigned int len = frame_build(frame, st.sent);
	ssize_t ret;

	if (st.sent == FAULT_SEQ && fault == FAULT_LOSE) {
		st.sent++;
		return true;
	}
	if (st.sent == FAULT_SEQ && fault == FAULT_CORRUPT)
		frame[len - 1] ^= 0x01;
	if (st.sent == FAULT_SEQ && fault == FAULT_DUPLICATE &&
	    send(fd, frame, len, 0) != len)
		die("send");
	ret = send(fd, frame, len, 0);
	if (ret < 0 && (errno == EAGAIN || errno == ENOBUFS))
		return false;	/* not sent: the same number goes out later */
	if (ret < 0)
		die("send");
	if (ret != len)
		die("send: %zd of %u bytes", ret, len);
	st.sent++;
	return true;
}

/*
 * Receive every frame waiting on the socket and account for it against
 * @expected, the next sequence number due. Returns true if any was in order.
 */
static bool receive_all(int fd, uint64_t *expected)
{
	unsigned char frame[FRAME_MAX + 64];
	struct sockaddr_ll from;
	bool progress = false;
	const char *what;
	socklen_t fromlen;
	uint64_t seq;
	ssize_t len;

	for (;;) {
		fromlen = sizeof(from);
		len = recvfrom(fd, frame, sizeof(frame), MSG_TRUNC,
			       (struct sockaddr *)&from, &fromlen);
		if (len < 0 && errno == EAGAIN)
			return progress;
		if (len < 0)
			die("recvfrom");
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		what = frame_check(frame, len, &seq);
		if (!what && seq >= st.sent)
			what = "sequence number never sent";
		if (what) {
			st.corrupt++;
			report_error(st.corrupt, "corrupt frame (%zd bytes): %s",
				     len, what);
			continue;
		}
		if (seq < *expected) {
			st.late++;
			report_error(st.late,
				     "late frame %llu (expected %llu): duplicate or reordered",
				     (unsigned long long)seq,
				     (unsigned long long)*expected);
			continue;
		}
		if (seq > *expected) {
			st.lost += seq - *expected;
			report_error(st.lost, "lost frames %llu..%llu",
				     (unsigned long long)*expected,
				     (unsigned long long)seq - 1);
		}
		*expected = seq + 1;
		st.verified++;
		if (marked)
			st.after_mark++;
		progress = true;
	}
}

/* Read control lines; returns true when told to stop. */
static bool read_control(int fd)
{
	static char line[64];
	static size_t used;
	bool stop = false;
	ssize_t ret;
	char c;

	while ((ret = read(fd, &c, 1)) == 1) {
		if (c != '\n' && c != '\r') {
			if (used < sizeof(line) - 1)
				line[used++] = c;
			continue;
		}
		line[used] = '\0';
		used = 0;
		if (!strcmp(line, "mark")) {
			marked = true;
			st.after_mark = 0;
			printf("frame_loop: mark at t=%.1f sent=%llu verified=%llu\n",
			       elapsed(), (unsigned long long)st.sent,
			       (unsigned long long)st.verified);
			fflush(stdout);
		} else if (!strcmp(line, "stop")) {
			stop = true;
		} else if (line[0]) {
			printf("frame_loop: unknown control line '%s'\n", line);
		}
	}
	if (ret < 0 && errno != EAGAIN)
		die("read control");
	return stop;
}

static void print_usage_and_exit(void)
{
	puts("usage: frame_loop [-i IFNAME] [-n FRAMES] [-w WINDOW] [-t SECONDS]\n"
	     "                  [-s STALL] [-p PERIOD] [-c CONTROL] [-a MIN_AFTER_MARK]\n"
	     "                  [-F lose|duplicate|corrupt]");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int window = 32, seconds = 600, stall = 10, period = 1;
	const char *ifname = "eth0", *control = NULL;
	double now, last_progress = 0, last_rx = 0;
	uint64_t expected = 0, min_after = 0, count = 0;
	struct pollfd pfd[2];
	bool stopping = false, pass;
	int opt, nfds = 1;

	while ((opt = getopt(argc, argv, "i:n:w:t:s:p:c:a:F:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			if (!count)
				print_usage_and_exit();
			break;
		case 'w':
			window = strtoul(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			stall = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			period = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			control = optarg;
			break;
		case 'a':
			min_after = strtoull(optarg, NULL, 0);
			break;
		case 'F':
			if (!strcmp(optarg, "lose"))
				fault = FAULT_LOSE;
			else if (!strcmp(optarg, "duplicate"))
				fault = FAULT_DUPLICATE;
			else if (!strcmp(optarg, "corrupt"))
				fault = FAULT_CORRUPT;
			else
				print_usage_and_exit();
			break;
		default:
			print_usage_and_exit();
		}
	}
	if (optind != argc || !window || !stall)
		print_usage_and_exit();

	setvbuf(stdout, NULL, _IOLBF, 0);
	crc32_init();
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	run_id = (uint32_t)t_start.tv_nsec ^ (uint32_t)getpid() << 16;
	pfd[0].fd = open_socket(ifname);
	pfd[0].events = POLLIN;
	if (control) {
		pfd[1].fd = open_control(control);
		pfd[1].events = POLLIN;
		nfds = 2;
	}
	printf("frame_loop: %s, window %u, frames of %d..%d bytes, ethertype 0x%04x, run %08x\n",
	       ifname, window, FRAME_MIN, FRAME_MAX, FRAME_ETHERTYPE, run_id);
	if (count)
		printf("frame_loop: sending %llu frames, at most %u s\n",
		       (unsigned long long)count, seconds);

	for (;;) {
		while (!stopping && st.sent - expected < window &&
		       send_next(pfd[0].fd)) {
			if (count && st.sent >= count)
				stopping = true;
		}
		if (poll(pfd, nfds, 100) < 0 && errno != EINTR)
			die("poll");
		now = elapsed();
		if (receive_all(pfd[0].fd, &expected))
			last_rx = now;
		if (nfds > 1 && read_control(pfd[1].fd))
			stopping = true;
		if (now >= seconds)
			stopping = true;
		if (st.sent == expected)
			last_rx = now;	/* nothing in flight: nothing overdue */
		else if (now - last_rx >= stall) {
			st.lost += st.sent - expected;
			report_error(st.lost,
				     "stall: %llu frames in flight (%llu..%llu) not back after %u s",
				     (unsigned long long)(st.sent - expected),
				     (unsigned long long)expected,
				     (unsigned long long)st.sent - 1, stall);
			expected = st.sent;
			last_rx = now;
		}
		if ((period && now - last_progress >= period) ||
		    (stopping && st.sent == expected)) {
			update_socket_drops(pfd[0].fd);
			printf("frame_loop: progress t=%.1f sent=%llu verified=%llu",
			       now, (unsigned long long)st.sent,
			       (unsigned long long)st.verified);
			printf(" inflight=%llu errors=%llu\n",
			       (unsigned long long)(st.sent - expected),
			       (unsigned long long)errors());
			last_progress = now;
		}
		if (stopping && st.sent == expected)
			break;
	}
	/* A duplicate of the last frames would come after them: linger */
	while (poll(pfd, 1, 500) > 0)
		receive_all(pfd[0].fd, &expected);
	update_socket_drops(pfd[0].fd);

	pass = !errors() && st.verified == st.sent && st.verified &&
	       (!min_after || (marked && st.after_mark >= min_after)) &&
	       st.sent >= count;
	printf("frame_loop: result sent=%llu verified=%llu after_mark=%llu",
	       (unsigned long long)st.sent, (unsigned long long)st.verified,
	       (unsigned long long)st.after_mark);
	printf(" lost=%llu late=%llu corrupt=%llu socket_drops=%llu %s\n",
	       (unsigned long long)st.lost, (unsigned long long)st.late,
	       (unsigned long long)st.corrupt,
	       (unsigned long long)st.socket_drops, pass ? "PASS" : "FAIL");
	return pass ? 0 : 1;
}
