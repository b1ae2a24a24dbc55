// SPDX-License-Identifier: GPL-2.0
/*
 * Removing the lower device while a VMM holds the upper device's
 * /dev/vhost-vdpa-N open with traffic set up: "vdpa dev del" of the lower
 * device waits for the VMM to close (vhost-vdpa's remove does), then the
 * upper and lower devices are gone, 20 times in a row. The same with the
 * lower device unbound through sysfs instead of deleted, and with the
 * upper device deleted. The runner checks the kernel log and that every
 * module unloads afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmm.h"

static pid_t spawn(const char *cmd)
{
	pid_t pid = fork();

	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait up to @ms for @pid; returns its exit status, or -ETIMEDOUT. */
static int wait_ms(pid_t pid, int ms)
{
	int status;

	for (; ms > 0; ms -= 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Run @cmd every 50 ms until it exits with @want != 0 (1) or == 0 (0). */
static int wait_cmd(const char *cmd, int want_fail, int ms)
{
	for (; ms > 0; ms -= 50) {
		if ((system(cmd) != 0) == want_fail)
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

/*
 * Create @lower with @upper stacked on it, open the upper device as a VMM
 * with traffic running, and start @cmd: it must still be waiting 200 ms
 * later (vhost-vdpa's remove waits for the file to be closed), and finish
 * within 10 s once the VMM closes it. Returns 0, or the step that failed:
 * -1 setup, -2 fork, -3 @cmd did not wait, -4 @cmd did not finish or
 * failed.
 */
static int blocked_until_closed(const char *lower, const char *upper, const char *cmd)
{
	struct vmm_net net = {};
	struct vmm_dev dev;
	int waited, done;
	pid_t pid;

	if (vmm_dev_create_stacked(&dev, lower, upper, "") || vmm_open(&dev) ||
	    vmm_net_start(&net, &dev, 64) || vmm_net_loop(&net, 5, 0))
		return -1;
	pid = spawn(cmd);
	if (pid <= 0)
		return -2;
	waited = wait_ms(pid, 200);
	close(dev.fd);
	done = wait_ms(pid, 10000);
	munmap(net.mem.base, net.mem.size);
	if (waited != -ETIMEDOUT)
		return -3;
	return done ? -4 : 0;
}

FIXTURE(remove) {
};

FIXTURE_SETUP(remove)
{
	const char *why = vmm_missing();

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(remove)
{
}

/* 20 rounds take a while on a debug kernel under TCG */
TEST_F_TIMEOUT(remove, lower_while_open_20_times, 600)
{
	int round;

	for (round = 0; round < 20; round++) {
		ASSERT_EQ(0, blocked_until_closed("rlower0", "rsvq0", "vdpa dev del rlower0"))
			TH_LOG("round %d", round);
		EXPECT_NE(0, system("vdpa dev show rsvq0 2>/dev/null"));
		EXPECT_NE(0, system("vdpa dev show rlower0 2>/dev/null"));
	}
}

TEST_F_TIMEOUT(remove, upper_while_open, 120)
{
	ASSERT_EQ(0, blocked_until_closed("rlower1", "rsvq1", "vdpa dev del rsvq1"));
	/* the lower device stays claimed and takes a new upper device */
	EXPECT_EQ(0, system("vdpa dev add name rsvq1 mgmtdev vdpa/rlower1"));
	EXPECT_EQ(0, system("vdpa dev del rlower1"));
}

/*
 * Unbinding the lower device through sysfs waits for the VMM to close, like
 * its deletion; then the upper and management devices go, the lower device
 * stays, and binding it again gives a working stack.
 */
TEST_F_TIMEOUT(remove, lower_unbind_while_open, 120)
{
	const char *unbind = "echo rlower2 > /sys/bus/vdpa/drivers/vhost_vdpa_svq/unbind";

	ASSERT_EQ(0, blocked_until_closed("rlower2", "rsvq2", unbind));
	EXPECT_EQ(0, wait_cmd("vdpa dev show rsvq2 2>/dev/null", 1, 10000));
	EXPECT_EQ(0, wait_cmd("vdpa mgmtdev show vdpa/rlower2 2>/dev/null", 1, 10000));
	EXPECT_EQ(0, system("test ! -e /sys/bus/vdpa/devices/rlower2/driver"));
	/* bound again: a new management device takes a new upper device */
	ASSERT_EQ(0, system("echo rlower2 > /sys/bus/vdpa/drivers/vhost_vdpa_svq/bind"));
	EXPECT_EQ(0, wait_cmd("vdpa mgmtdev show vdpa/rlower2 >/dev/null 2>&1", 0, 10000));
	EXPECT_EQ(0, system("vdpa dev add name rsvq2 mgmtdev vdpa/rlower2"));
	EXPECT_EQ(0, system("vdpa dev del rlower2"));
	EXPECT_NE(0, system("vdpa dev show rsvq2 2>/dev/null"));
}

TEST_HARNESS_MAIN
