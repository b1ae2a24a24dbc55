/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal userspace VMM for /dev/vhost-vdpa-N, shared by the selftests:
 * creates vdpa devices with the iproute2 vdpa tool, opens their vhost
 * character device and wraps the ioctls the tests issue.
 */
#ifndef SVQ_SELFTEST_VMM_H
#define SVQ_SELFTEST_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vhost.h>

/* A vdpa device created for one test and its vhost-vdpa file. */
struct vmm_dev {
	char name[32];
	int fd;
};

int vmm_dev_create(struct vmm_dev *dev, const char *name, const char *add_args);
void vmm_dev_destroy(struct vmm_dev *dev);
int vmm_open(struct vmm_dev *dev);

/* Each returns 0 or -errno. */
int vmm_ioctl(int fd, unsigned long req, void *arg);
int vmm_get_features(int fd, uint64_t *features);
int vmm_set_features(int fd, uint64_t features);
int vmm_get_status(int fd, uint8_t *status);
int vmm_add_status(int fd, uint8_t bits);
int vmm_set_vring_addr(int fd, unsigned int idx, uint64_t desc, uint64_t avail,
		       uint64_t used, unsigned int flags);
int vmm_set_log_base(int fd, uint64_t base);

#endif
