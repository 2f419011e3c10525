// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "control/store_loopdev.h"

#define LOOPDEV_BLOCK 4096u
/* Other processes claim free devices too; retry when we lose a race. */
#define LOOPDEV_TRIES 64

static int loopdev_configure(int fd, int backing_fd, uint64_t offset,
			     uint64_t length)
{
	struct loop_config cfg = {
		.fd = (uint32_t)backing_fd,
		.block_size = LOOPDEV_BLOCK,
		.info =
			{
				.lo_offset = offset,
				.lo_sizelimit = length,
				.lo_flags =
					LO_FLAGS_DIRECT_IO | LO_FLAGS_AUTOCLEAR,
			},
	};

	return ioctl(fd, LOOP_CONFIGURE, &cfg) ? -errno : 0;
}

static int loopdev_claim(int ctl_fd, int backing_fd, uint64_t offset,
			 uint64_t length, struct ak_loopdev *out)
{
	char path[32];
	int index, fd, ret;

	index = ioctl(ctl_fd, LOOP_CTL_GET_FREE);
	if (index < 0)
		return -errno;

	snprintf(path, sizeof(path), "/dev/loop%d", index);
	fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO ? -EBUSY : -errno;

	ret = loopdev_configure(fd, backing_fd, offset, length);
	if (ret) {
		close(fd);
		return ret;
	}
	out->index = index;
	out->fd = fd;
	return 0;
}

int ak_loopdev_attach(int backing_fd, uint64_t offset, uint64_t length,
		      struct ak_loopdev *out)
{
	struct loop_info64 info;
	int ctl_fd, ret = -EBUSY;

	if (offset % LOOPDEV_BLOCK || length % LOOPDEV_BLOCK || length == 0)
		return -EINVAL;

	ctl_fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0)
		return -errno;

	/* A device another process bound between GET_FREE and CONFIGURE
	 * answers EBUSY: ask for the next free one. */
	for (int i = 0; i < LOOPDEV_TRIES && ret == -EBUSY; i++)
		ret = loopdev_claim(ctl_fd, backing_fd, offset, length, out);
	close(ctl_fd);
	if (ret)
		return ret;

	out->direct_io = ioctl(out->fd, LOOP_GET_STATUS64, &info) == 0 &&
			 (info.lo_flags & LO_FLAGS_DIRECT_IO);
	return 0;
}

void ak_loopdev_release(struct ak_loopdev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
	dev->index = -1;
}
