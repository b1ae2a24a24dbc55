// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM (or anyone who may write the upper device's sysfs files)
 * must not be able to make the host do: allocate or pin a dirty log for a
 * mapping at a huge IOVA (a kernel warning, or terabytes pinned), or fill
 * the kernel log, or have its input echoed there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/virtio_config.h>

#include "kselftest_harness.h"
#include "vmm.h"

static const uint64_t LOG_ALL = 1ULL << VHOST_F_LOG_ALL;
#define HUGE_IOVA	0x1000000000000000ULL	/* 2^60 */
/* one bit per 4 KiB page of IOVA: enough for the VMM's 4 MiB */
#define LOG_WORDS	(((VMM_MEM_IOVA >> 12) + 1024 + 64) / 64 + 1)
#define FLOOD		200
#define FLOOD_MAX_LINES	20

FIXTURE(limits) {
	struct vmm_dev dev;
	struct vmm_net net;
	uint64_t *log;
	struct vmm_kmsg kmsg;
};

FIXTURE_SETUP(limits)
{
	const char *why = vmm_missing();

	self->kmsg.fd = -1;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmm_kmsg_start(&self->kmsg));
	ASSERT_EQ(0, vmm_dev_create_stacked(&self->dev, "llower0", "lsvq0", ""));
	ASSERT_EQ(0, vmm_open(&self->dev));
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, 64));
	ASSERT_EQ(0, vmm_net_loop(&self->net, 3, 0));
	self->log = calloc(LOG_WORDS, sizeof(uint64_t));
	ASSERT_NE(NULL, self->log);
	/* a WARN_ONCE() that fired earlier would hide this test's */
	vmm_clear_warn_once();
}

FIXTURE_TEARDOWN(limits)
{
	vmm_net_stop(&self->net);
	vmm_dev_destroy(&self->dev);
	if (system("vdpa dev del llower0"))
		TH_LOG("could not delete llower0");
	vmm_kmsg_stop(&self->kmsg);
	free(self->log);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* No warning or stack trace in the kernel log since the fixture started. */
static void expect_no_kernel_warning(struct __test_metadata *_metadata, struct vmm_kmsg *k)
{
	ASSERT_EQ(0, vmm_kmsg_collect(k));
	if (k->warnings)
		TH_LOG("kernel: %s", k->warning);
	EXPECT_EQ(0, k->warnings);
}

/*
 * A writable page at IOVA 2^60, then a log base: a log covering it would
 * be 2^45 bytes. The base is refused at once (-EINVAL or -ENOMEM), with
 * no kernel warning (kvmalloc() of more than INT_MAX bytes warns).
 */
TEST_F(limits, huge_iova_then_log_base)
{
	struct vmm_mem page;
	uint64_t t0, ns;
	int r;

	ASSERT_EQ(0, vmm_mem_map(self->dev.fd, &page, HUGE_IOVA, 4096));
	t0 = now_ns();
	r = vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log);
	ns = now_ns() - t0;
	TH_LOG("SET_LOG_BASE: %d (%s) after %llu us", r, strerror(-r),
	       (unsigned long long)ns / 1000);
	EXPECT_TRUE(r == -EINVAL || r == -ENOMEM);
	EXPECT_LT(ns, 100 * 1000000ULL);
	EXPECT_EQ(0, vmm_mem_unmap(self->dev.fd, &page));
	expect_no_kernel_warning(_metadata, &self->kmsg);
}

/*
 * Logging on (a log covering the VMM's 4 MiB), then a writable page at
 * IOVA 2^60: the map may succeed or fail, but growing the log to cover it
 * must be refused without a kernel warning.
 */
TEST_F(limits, log_base_then_huge_iova)
{
	struct vmm_mem page;
	int r, unmapped = 0;

	ASSERT_EQ(0, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log));
	ASSERT_EQ(0, vmm_set_features(self->dev.fd, self->net.features | LOG_ALL));
	ASSERT_EQ(0, vmm_net_loop(&self->net, 3, 3));
	r = vmm_mem_map(self->dev.fd, &page, HUGE_IOVA, 4096);
	TH_LOG("map at 2^60 while logging: %d (%s)", r, strerror(-r));
	/* the log grows from a work item */
	usleep(500000);
	if (!r)
		unmapped = vmm_mem_unmap(self->dev.fd, &page);
	else
		munmap(page.base, 4096);
	EXPECT_EQ(0, unmapped);
	expect_no_kernel_warning(_metadata, &self->kmsg);
	EXPECT_EQ(0, vmm_set_features(self->dev.fd, self->net.features));
}

/*
 * 200 log bases a VMM gets wrong: misaligned, aligned but unmapped,
 * read-only memory. Each is refused; the kernel log gets at most 20 lines.
 */
TEST_F(limits, bad_log_bases_do_not_flood_the_log)
{
	size_t ro_size = LOG_WORDS * sizeof(uint64_t) + 4096;
	void *ro = mmap(NULL, ro_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i, refused = 0;
	uint64_t base;

	ASSERT_NE(MAP_FAILED, ro);
	/* count from here on */
	vmm_kmsg_stop(&self->kmsg);
	ASSERT_EQ(0, vmm_kmsg_start(&self->kmsg));
	for (i = 0; i < FLOOD; i++) {
		switch (i % 3) {
		case 0:
			base = (uint64_t)(uintptr_t)self->log | 1;
			break;
		case 1:
			base = 0x10;
			break;
		default:
			base = (uint64_t)(uintptr_t)ro;
			break;
		}
		refused += vmm_set_log_base(self->dev.fd, base) != 0;
	}
	ASSERT_EQ(0, vmm_kmsg_collect(&self->kmsg));
	TH_LOG("%u bad log bases, %u refused: %u new kernel log lines (first: %s)", FLOOD,
	       refused, self->kmsg.lines, self->kmsg.first);
	EXPECT_EQ(FLOOD, refused);
	EXPECT_LE(self->kmsg.lines, FLOOD_MAX_LINES);
	EXPECT_EQ(0, self->kmsg.warnings);
	munmap(ro, ro_size);
}

/*
 * 200 writes of 4000 bytes of binary garbage to the upper device's mode
 * attribute: each fails, the mode stays, the kernel log gets at most 20
 * lines and none echoes the garbage (/dev/kmsg would show it as \xNN).
 */
TEST_F(limits, mode_garbage_does_not_flood_the_log)
{
	unsigned int i, failed = 0;
	char garbage[4000], before[32], after[32];
	int fd;

	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i % 2 ? 0x80 + (i * 37) % 0x7f : 1 + (i * 13) % 0x1f);
	ASSERT_EQ(0, vmm_attr_read("lsvq0", "mode", before, sizeof(before)));
	/* count from here on */
	vmm_kmsg_stop(&self->kmsg);
	ASSERT_EQ(0, vmm_kmsg_start(&self->kmsg));
	fd = open("/sys/bus/vdpa/devices/lsvq0/mode", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < FLOOD; i++) {
		failed += write(fd, garbage, sizeof(garbage)) < 0;
		lseek(fd, 0, SEEK_SET);
	}
	close(fd);
	ASSERT_EQ(0, vmm_kmsg_collect(&self->kmsg));
	ASSERT_EQ(0, vmm_attr_read("lsvq0", "mode", after, sizeof(after)));
	TH_LOG("%u garbage writes, %u failed: %u new kernel log lines (first: %s)", FLOOD,
	       failed, self->kmsg.lines, self->kmsg.first);
	if (self->kmsg.escaped)
		TH_LOG("echoed: %s", self->kmsg.escaped_line);
	EXPECT_EQ(FLOOD, failed);
	EXPECT_STREQ(before, after);
	EXPECT_LE(self->kmsg.lines, FLOOD_MAX_LINES);
	EXPECT_EQ(0, self->kmsg.escaped);
}

TEST_HARNESS_MAIN
