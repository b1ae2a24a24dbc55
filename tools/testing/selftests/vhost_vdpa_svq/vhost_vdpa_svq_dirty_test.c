// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty page logging through vhost-vdpa (patches/) on an upper device in
 * auto mode, driven the way QEMU 7.2 does (qemu-7.2-ioctl-traces/
 * src-log.trace): SET_LOG_BASE, SET_FEATURES with VHOST_F_LOG_ALL after
 * FEATURES_OK, SET_STATUS unchanged, SET_VRING_ADDR with VHOST_VRING_F_LOG
 * on running rings; at the end reset, IOTLB teardown, GET_VRING_BASE.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "vmm.h"

static const uint64_t LOG_ALL = 1ULL << VHOST_F_LOG_ALL;
/* one bit per 4 KiB page of IOVA: enough for the VMM's memory */
#define LOG_PAGES	((VMM_MEM_IOVA >> 12) + 1024 + 64)
#define LOG_WORDS	(LOG_PAGES / 64 + 1)
#define MAX_WRITTEN	8192

FIXTURE(dirty) {
	struct vmm_dev dev;
	struct vmm_net net;
	uint64_t *log;
	uint64_t acked;
	struct vmm_written written[MAX_WRITTEN];
};

static long attr_long(const char *attr)
{
	return vmm_attr_long("dsvq0", attr);
}

FIXTURE_SETUP(dirty)
{
	const char *why = vmm_missing();

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmm_dev_create_stacked(&self->dev, "dlower0", "dsvq0", ""));
	ASSERT_EQ(0, vmm_open(&self->dev));
	self->net.written = self->written;
	self->net.max_written = MAX_WRITTEN;
	ASSERT_EQ(0, vmm_net_start(&self->net, &self->dev, 64));
	self->acked = self->net.features;
	self->log = calloc(LOG_WORDS, sizeof(uint64_t));
	ASSERT_NE(NULL, self->log);
	ASSERT_EQ(0, vmm_net_loop(&self->net, 5, 0));
}

FIXTURE_TEARDOWN(dirty)
{
	vmm_net_stop(&self->net);
	vmm_dev_destroy(&self->dev);
	if (system("vdpa dev del dlower0"))
		TH_LOG("could not delete dlower0");
	free(self->log);
}

/* QEMU 7.2's migration start (vhost_log_global_start). */
static void migration_start(struct __test_metadata *_metadata,
			    struct _test_data_dirty *self, uint64_t *log)
{
	int fd = self->dev.fd;
	uint64_t backend;
	uint8_t status;
	unsigned int i;

	ASSERT_EQ(0, vmm_set_log_base(fd, (uint64_t)(uintptr_t)log));
	ASSERT_EQ(0, vmm_set_features(fd, self->acked | LOG_ALL));
	ASSERT_EQ(0, vmm_get_status(fd, &status));
	ASSERT_EQ(0, vmm_ioctl(fd, VHOST_VDPA_SET_STATUS, &status));
	ASSERT_EQ(0, vmm_ioctl(fd, VHOST_GET_BACKEND_FEATURES, &backend));
	ASSERT_EQ(0, vmm_ioctl(fd, VHOST_SET_BACKEND_FEATURES, &backend));
	for (i = 0; i < 2; i++) {
		struct vmm_vq *vq = i ? &self->net.tx : &self->net.rx;
		uint64_t desc = vq->ring_iova;
		uint64_t avail = desc + ((uint8_t *)vq->vring.avail - (uint8_t *)vq->vring.desc);
		uint64_t used = desc + ((uint8_t *)vq->vring.used - (uint8_t *)vq->vring.desc);

		ASSERT_EQ(0, vmm_set_vring_addr(fd, i, desc, avail, used,
						1 << VHOST_VRING_F_LOG));
	}
}

#ifndef VHOST_BACKEND_F_SUSPEND
#define VHOST_BACKEND_F_SUSPEND 0x4	/* as in linux/vhost_types.h */
#endif

/*
 * The device stops writing: VHOST_VDPA_SUSPEND, or on a lower device that
 * cannot suspend (vp_vdpa) what QEMU 7.2 does then, VHOST_GET_VRING_BASE
 * of each ring (the upper device stops a shadowed ring for it).
 */
static void device_stop(struct __test_metadata *_metadata, struct _test_data_dirty *self)
{
	uint64_t backend;
	unsigned int i, num;

	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_GET_BACKEND_FEATURES, &backend));
	if (backend & (1ULL << VHOST_BACKEND_F_SUSPEND)) {
		ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_SUSPEND, NULL));
		return;
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, i, &num));
}

static bool log_test(const uint64_t *log, uint64_t page)
{
	return log[page / 64] & (1ULL << (page % 64));
}

static void log_set(uint64_t *log, uint64_t iova, uint64_t len)
{
	uint64_t p;

	for (p = iova >> 12; len && p <= (iova + len - 1) >> 12; p++)
		log[p / 64] |= 1ULL << (p % 64);
}

TEST_F(dirty, log_all_offered)
{
	uint64_t features;

	ASSERT_EQ(0, vmm_get_features(self->dev.fd, &features));
	EXPECT_TRUE(features & LOG_ALL);
}

TEST_F(dirty, set_features_other_bits_ebusy)
{
	uint64_t other = (self->acked ^ (1ULL << VIRTIO_NET_F_MAC)) | LOG_ALL;

	EXPECT_EQ(-EBUSY, vmm_set_features(self->dev.fd, other));
	EXPECT_EQ(0, vmm_set_features(self->dev.fd, self->acked));
}

TEST_F(dirty, non_owner_set_log_base_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log) == -EPERM ?
		      0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(dirty, set_log_fd_still_enotty)
{
	int efd = -1;

	EXPECT_EQ(-ENOTTY, vmm_ioctl(self->dev.fd, VHOST_SET_LOG_FD, &efd));
}

/* On a running ring only a log flag change is accepted; a move is not. */
TEST_F(dirty, running_ring_move_einval)
{
	struct vmm_vq *rx = &self->net.rx;
	uint64_t desc = rx->ring_iova;
	uint64_t avail = desc + ((uint8_t *)rx->vring.avail - (uint8_t *)rx->vring.desc);
	uint64_t used = desc + ((uint8_t *)rx->vring.used - (uint8_t *)rx->vring.desc);

	if (!vmm_vhost_vdpa_has_resume(self->dev.fd))
		SKIP(return, "%s", "vhost-vdpa without resume moves running rings (6.1)");
	EXPECT_EQ(-EINVAL, vmm_set_vring_addr(self->dev.fd, 0, desc + 0x10000, avail, used,
					      1 << VHOST_VRING_F_LOG));
	EXPECT_EQ(0, vmm_set_vring_addr(self->dev.fd, 0, desc, avail, used,
					1 << VHOST_VRING_F_LOG));
	EXPECT_EQ(0, vmm_set_vring_addr(self->dev.fd, 0, desc, avail, used, 0));
	/* the ring still works where it was */
	EXPECT_EQ(0, vmm_net_loop(&self->net, 5, 5));
}

TEST_F(dirty, misaligned_log_base_refused)
{
	EXPECT_EQ(-EINVAL, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log + 4));
}

/*
 * After a final suspend: the pages marked in @log are exactly those the
 * device wrote (the rx buffers of self->written) and the used rings.
 */
static void expect_log_exact(struct __test_metadata *_metadata, struct _test_data_dirty *self,
			     const uint64_t *log)
{
	uint64_t *expect = calloc(LOG_WORDS, sizeof(uint64_t));
	uint64_t p, missing = 0, extra = 0;
	size_t i;

	ASSERT_NE(NULL, expect);
	for (i = 0; i < self->net.nwritten; i++)
		log_set(expect, self->written[i].iova, self->written[i].len);
	/* used element and index of both rings (64 entries: one page each) */
	log_set(expect, self->net.rx.ring_iova + 0x1000, 1);
	log_set(expect, self->net.tx.ring_iova + 0x1000, 1);
	for (p = 0; p < LOG_PAGES; p++) {
		if (log_test(expect, p) && !log_test(log, p) && missing++ < 5)
			TH_LOG("page 0x%llx written, not logged", (unsigned long long)p);
		if (!log_test(expect, p) && log_test(log, p) && extra++ < 5)
			TH_LOG("page 0x%llx logged, not written", (unsigned long long)p);
	}
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, extra);
	free(expect);
}

/* Logged traffic, then a final suspend: the log holds exactly what was written. */
TEST_F(dirty, log_matches_written_pages)
{
	char state[32];

	migration_start(_metadata, self, self->log);
	ASSERT_EQ(0, vmm_attr_read("dsvq0", "state", state, sizeof(state)));
	EXPECT_STREQ("shadow", state);
	self->net.nwritten = 0;
	ASSERT_EQ(0, vmm_net_loop(&self->net, 200, 5));
	device_stop(_metadata, self);
	expect_log_exact(_metadata, self, self->log);
	EXPECT_LT(0, attr_long("stats/pages_logged"));
	EXPECT_LT(0, attr_long("log_pinned_bytes"));
}

/*
 * The log harvested while the device writes, as QEMU's migration thread
 * does (here every 100 us): a page written after its bit was taken is
 * marked again, so what was taken plus what is left is still exact.
 */
TEST_F(dirty, log_harvested_during_traffic)
{
	uint64_t *taken = calloc(LOG_WORDS, sizeof(uint64_t));
	struct vmm_log_harvester h;

	ASSERT_NE(NULL, taken);
	migration_start(_metadata, self, self->log);
	self->net.nwritten = 0;
	ASSERT_EQ(0, vmm_log_harvester_start(&h, self->log, taken, LOG_WORDS, 100));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 4000, 5));
	EXPECT_EQ(0, vmm_net_stream(&self->net, 4000, 4005, 64));
	vmm_log_harvester_stop(&h);
	device_stop(_metadata, self);
	vmm_log_harvest(self->log, taken, LOG_WORDS);
	TH_LOG("%lu harvests during traffic", h.harvests);
	EXPECT_LT(10, h.harvests);
	expect_log_exact(_metadata, self, taken);
	free(taken);
}

/*
 * Memory mapped while logging, above what the log covered, and written by
 * the device at once: the log is pinned larger by a work item, and until
 * it covers the new pages no completion there reaches the guest, so the
 * log still holds exactly what was written. The checks of the rx frames
 * also show that nothing was lost while completions waited.
 */
TEST_F(dirty, log_covers_memory_mapped_during_traffic)
{
	long pinned;

	migration_start(_metadata, self, self->log);
	self->net.nwritten = 0;
	ASSERT_EQ(0, vmm_net_loop(&self->net, 50, 5));
	pinned = attr_long("log_pinned_bytes");
	/* 64 rx buffers of 2 KiB in 128 KiB above the 4 MiB the log covered */
	ASSERT_EQ(0, vmm_net_grow_mem(&self->net, 128 << 10));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 300, 55));
	EXPECT_EQ(0, vmm_net_stream(&self->net, 300, 355, 64));
	device_stop(_metadata, self);
	expect_log_exact(_metadata, self, self->log);
	EXPECT_LE(pinned, attr_long("log_pinned_bytes"));
	EXPECT_EQ(0, attr_long("stats/errors"));
}

TEST_F(dirty, log_base_change_mid_traffic)
{
	uint64_t *second = calloc(LOG_WORDS, sizeof(uint64_t));
	uint64_t *snapshot = malloc(LOG_WORDS * sizeof(uint64_t));

	ASSERT_NE(NULL, second);
	ASSERT_NE(NULL, snapshot);
	migration_start(_metadata, self, self->log);
	ASSERT_EQ(0, vmm_net_loop(&self->net, 50, 5));
	ASSERT_EQ(0, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)second));
	memcpy(snapshot, self->log, LOG_WORDS * sizeof(uint64_t));
	ASSERT_EQ(0, vmm_net_loop(&self->net, 50, 55));
	EXPECT_EQ(0, memcmp(snapshot, self->log, LOG_WORDS * sizeof(uint64_t)));
	/* the new log got the writes: the rx used ring's page at least */
	EXPECT_TRUE(log_test(second, (self->net.rx.ring_iova + 0x1000) >> 12));
	free(second);
	free(snapshot);
}

/* Logging toggled 1000 times under traffic: no frame lost or duplicated. */
TEST_F_TIMEOUT(dirty, switches_1000_no_loss, 600)
{
	unsigned int i, seq = 5;
	char state[32];

	ASSERT_EQ(0, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, vmm_set_features(self->dev.fd,
					      self->acked | (i % 2 ? 0 : LOG_ALL)));
		ASSERT_EQ(0, vmm_net_loop(&self->net, 2, seq)) TH_LOG("switch %u", i);
		seq += 2;
	}
	EXPECT_EQ(1000, attr_long("stats/switches"));
	/* the last switch turned logging off: back in passthrough */
	ASSERT_EQ(0, vmm_attr_read("dsvq0", "state", state, sizeof(state)));
	EXPECT_STREQ("passthrough", state);
	EXPECT_EQ(0, attr_long("stats/errors"));
	TH_LOG("last switch paused the device %ld ns", attr_long("stats/last_switch_ns"));
}

/* A VMM thread that switches logging, and one that maps and unmaps memory. */
struct racer {
	int fd;
	uint64_t features;
	bool stop;		/* read with __atomic_load_n() */
	unsigned int rounds;
	int err;
};

static void *switch_logging(void *arg)
{
	struct racer *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED) && !r->err) {
		r->err = vmm_set_features(r->fd, r->features | (r->rounds % 2 ? 0 : LOG_ALL));
		r->rounds++;
		usleep(2000);
	}
	return NULL;
}

static void *map_unmap(void *arg)
{
	struct racer *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED) && !r->err) {
		struct vmm_mem extra;

		/* 64 KiB above the guest's 4 MiB, inside the log's reach */
		r->err = vmm_mem_map(r->fd, &extra, VMM_MEM_IOVA + (4 << 20) + (64 << 10),
				     64 << 10);
		if (!r->err)
			r->err = vmm_mem_unmap(r->fd, &extra);
		r->rounds++;
	}
	return NULL;
}

/*
 * Everything at once, on every CPU the VM has: traffic (kicks from this
 * thread, completions from vdpa_sim's worker), logging switched on and off
 * by one VMM thread and mappings changed by another (each change takes
 * every ring lock). No frame is lost or duplicated, no ring breaks, and
 * the device ends in passthrough. Run under lockdep by make check-debug.
 */
TEST_F_TIMEOUT(dirty, concurrent_traffic_switches_mappings, 600)
{
	struct racer sw = { .fd = self->dev.fd, .features = self->acked };
	struct racer mm = { .fd = self->dev.fd };
	unsigned int seq = 3205, more;
	pthread_t t_sw, t_mm;
	char state[32];
	int r;

	ASSERT_EQ(0, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log));
	ASSERT_EQ(0, pthread_create(&t_sw, NULL, switch_logging, &sw));
	ASSERT_EQ(0, pthread_create(&t_mm, NULL, map_unmap, &mm));
	EXPECT_EQ(0, vmm_net_stream(&self->net, 3000, 5, 32));
	r = vmm_net_loop(&self->net, 200, 3005);
	EXPECT_EQ(0, r);
	/* a slow switch (a parent without resume) or map: more traffic, bounded */
	for (more = 0; !r && more < 40 &&
	     (__atomic_load_n(&sw.rounds, __ATOMIC_RELAXED) <= 10 ||
	      __atomic_load_n(&mm.rounds, __ATOMIC_RELAXED) <= 10); more++) {
		r = vmm_net_stream(&self->net, 500, seq, 32);
		seq += 500;
	}
	EXPECT_EQ(0, r);
	__atomic_store_n(&sw.stop, true, __ATOMIC_RELAXED);
	__atomic_store_n(&mm.stop, true, __ATOMIC_RELAXED);
	pthread_join(t_sw, NULL);
	pthread_join(t_mm, NULL);
	EXPECT_EQ(0, sw.err);
	EXPECT_EQ(0, mm.err);
	TH_LOG("%u frames, %u logging switches, %u map/unmap rounds during traffic",
	       seq - 5, sw.rounds, mm.rounds);
	EXPECT_LT(10, sw.rounds);
	EXPECT_LT(10, mm.rounds);
	ASSERT_EQ(0, vmm_set_features(self->dev.fd, self->acked));
	ASSERT_EQ(0, vmm_attr_read("dsvq0", "state", state, sizeof(state)));
	EXPECT_STREQ("passthrough", state);
	EXPECT_EQ(0, attr_long("stats/errors"));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 20, seq));
}

#define RESUME_DELAY "/sys/kernel/debug/vhost_vdpa_svq/fault_resume_delay_ms"

/*
 * A live switch fills the shadow rings while the lower device is still
 * suspended. With the relay passes after its resume held back 20 ms
 * (fault_resume_delay_ms), a transmit kick taken meanwhile reaches the
 * device before the switch relays anything else: had the receive ring not
 * been filled, the device would find it empty and drop that frame.
 */
TEST_F_TIMEOUT(dirty, switch_fills_rings_before_resume, 300)
{
	struct racer sw = { .fd = self->dev.fd, .features = self->acked };
	unsigned int seq = 5;
	pthread_t t_sw;
	int r = 0;

	if (access(RESUME_DELAY, W_OK))
		SKIP(return, "%s", "no " RESUME_DELAY " (CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT)");
	ASSERT_EQ(0, vmm_set_log_base(self->dev.fd, (uint64_t)(uintptr_t)self->log));
	ASSERT_EQ(0, vmm_file_write(RESUME_DELAY, "20"));
	ASSERT_EQ(0, pthread_create(&t_sw, NULL, switch_logging, &sw));
	/* 100 switches, each with traffic on both sides of it */
	while (!r && __atomic_load_n(&sw.rounds, __ATOMIC_RELAXED) < 100) {
		r = vmm_net_stream(&self->net, 200, seq, 32);
		seq += 200;
	}
	EXPECT_EQ(0, r);
	__atomic_store_n(&sw.stop, true, __ATOMIC_RELAXED);
	pthread_join(t_sw, NULL);
	EXPECT_EQ(0, vmm_file_write(RESUME_DELAY, "0"));
	EXPECT_EQ(0, sw.err);
	TH_LOG("%u frames, %u logging switches", seq - 5, sw.rounds);
	ASSERT_EQ(0, vmm_set_features(self->dev.fd, self->acked));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 20, seq));
}

/* QEMU 7.2's stop: reset, IOTLB teardown, then GET_VRING_BASE. */
TEST_F(dirty, qemu72_stop_sequence)
{
	unsigned int rx_base, tx_base;
	uint8_t status = 0;

	migration_start(_metadata, self, self->log);
	ASSERT_EQ(0, vmm_net_loop(&self->net, 30, 5));
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_SET_STATUS, &status));
	ASSERT_EQ(0, vmm_mem_unmap(self->dev.fd, &self->net.mem));
	self->net.mem.base = NULL;
	ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, 0, &rx_base));
	ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, 1, &tx_base));
	/* 35 frames sent and received; rx buffers still posted are given back */
	EXPECT_EQ(35, tx_base);
	EXPECT_EQ(35, rx_base);
	EXPECT_EQ(0, attr_long("log_pinned_bytes"));
}

/* A suspended shadowed device's driver moves a ring; traffic goes on there. */
TEST_F(dirty, shadow_ring_moved_while_suspended)
{
	struct vmm_vq *tx = &self->net.tx;
	size_t size = vring_size(tx->num, 4096);
	uint64_t iova = vmm_mem_alloc(&self->net.mem, size, 4096), avail, used;

	if (!vmm_vhost_vdpa_has_resume(self->dev.fd))
		SKIP(return, "%s", "vhost-vdpa without VHOST_VDPA_RESUME (6.1)");
	ASSERT_NE(0, iova);
	migration_start(_metadata, self, self->log);
	ASSERT_EQ(0, vmm_net_loop(&self->net, 10, 5));
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_SUSPEND, NULL));
	memcpy(vmm_mem_ptr(&self->net.mem, iova), tx->vring.desc, size);
	memset(tx->vring.desc, 0, size);	/* the old ring is gone */
	vring_init(&tx->vring, tx->num, vmm_mem_ptr(&self->net.mem, iova), 4096);
	tx->ring_iova = iova;
	avail = iova + ((uint8_t *)tx->vring.avail - (uint8_t *)tx->vring.desc);
	used = iova + ((uint8_t *)tx->vring.used - (uint8_t *)tx->vring.desc);
	ASSERT_EQ(0, vmm_set_vring_addr(self->dev.fd, 1, iova, avail, used,
					1 << VHOST_VRING_F_LOG));
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_RESUME, NULL));
	EXPECT_EQ(0, vmm_net_loop(&self->net, 20, 15));
}

/* With a control queue QEMU 7.2 reads the data queues' bases before the reset. */
TEST_F(dirty, qemu72_live_get_vring_base)
{
	unsigned int rx_base, tx_base, again;
	uint8_t status = 0;

	migration_start(_metadata, self, self->log);
	ASSERT_EQ(0, vmm_net_loop(&self->net, 30, 5));
	ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, 0, &rx_base));
	ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, 1, &tx_base));
	EXPECT_EQ(35, rx_base);
	EXPECT_EQ(35, tx_base);
	/* the queues stopped: a frame sent now goes nowhere */
	EXPECT_NE(0, vmm_net_loop(&self->net, 1, 35));
	ASSERT_EQ(0, vmm_ioctl(self->dev.fd, VHOST_VDPA_SET_STATUS, &status));
	ASSERT_EQ(0, vmm_get_vring_base(self->dev.fd, 0, &again));
	EXPECT_EQ(rx_base, again);
}

TEST_HARNESS_MAIN
