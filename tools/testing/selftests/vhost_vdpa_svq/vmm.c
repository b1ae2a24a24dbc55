// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal userspace VMM for /dev/vhost-vdpa-N: see vmm.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

static int run(const char *fmt, const char *a, const char *b)
{
	char cmd[512];
	int r;

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	r = system(cmd);
	return r == 0 ? 0 : -EIO;
}

/*
 * vmm_dev_create - "vdpa dev add name NAME ADD_ARGS" (e.g. ADD_ARGS =
 * "mgmtdev vdpasim_net"); any stale device of that name is removed first.
 */
int vmm_dev_create(struct vmm_dev *dev, const char *name, const char *add_args)
{
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->fd = -1;
	run("vdpa dev del %s 2>/dev/null%s", name, "");
	return run("vdpa dev add name %s %s", name, add_args);
}

void vmm_dev_destroy(struct vmm_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
	run("vdpa dev del %s%s", dev->name, "");
}

/* vmm_open - open the vhost-vdpa character device bound to @dev. */
int vmm_open(struct vmm_dev *dev)
{
	char path[300];
	struct dirent *de;
	int tries;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/vdpa/devices/%s", dev->name);
	dir = opendir(path);
	if (!dir)
		return -errno;
	path[0] = '\0';
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "vhost-vdpa-", 11))
			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
	closedir(dir);
	if (!path[0])
		return -ENODEV;
	/* devtmpfs creates the node asynchronously */
	for (tries = 0; tries < 50; tries++) {
		dev->fd = open(path, O_RDWR);
		if (dev->fd >= 0 || errno != ENOENT)
			break;
		usleep(100000);
	}
	return dev->fd >= 0 ? 0 : -errno;
}

int vmm_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int vmm_get_features(int fd, uint64_t *features)
{
	return vmm_ioctl(fd, VHOST_GET_FEATURES, features);
}

int vmm_set_features(int fd, uint64_t features)
{
	return vmm_ioctl(fd, VHOST_SET_FEATURES, &features);
}

int vmm_get_status(int fd, uint8_t *status)
{
	return vmm_ioctl(fd, VHOST_VDPA_GET_STATUS, status);
}

/* vmm_add_status - OR @bits into the device status, as QEMU does. */
int vmm_add_status(int fd, uint8_t bits)
{
	uint8_t status;
	int r;

	r = vmm_get_status(fd, &status);
	if (r)
		return r;
	status |= bits;
	return vmm_ioctl(fd, VHOST_VDPA_SET_STATUS, &status);
}

int vmm_set_vring_addr(int fd, unsigned int idx, uint64_t desc, uint64_t avail,
		       uint64_t used, unsigned int flags)
{
	struct vhost_vring_addr addr = {
		.index = idx,
		.flags = flags,
		.desc_user_addr = desc,
		.avail_user_addr = avail,
		.used_user_addr = used,
	};

	return vmm_ioctl(fd, VHOST_SET_VRING_ADDR, &addr);
}

int vmm_set_log_base(int fd, uint64_t base)
{
	return vmm_ioctl(fd, VHOST_SET_LOG_BASE, &base);
}
