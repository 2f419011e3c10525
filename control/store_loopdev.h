/* SPDX-License-Identifier: MIT */
/*
 * Bounded block devices over the store: one loop device per VSA extent,
 * configured with the extent's offset and size limit and direct I/O, so the
 * kernel refuses any access outside the extent. Set up through
 * /dev/loop-control and LOOP_CONFIGURE, with autoclear: the device goes
 * away when its last fd (ours or the application's) is closed.
 */
#ifndef AK_CONTROL_STORE_LOOPDEV_H
#define AK_CONTROL_STORE_LOOPDEV_H

#include <stdbool.h>
#include <stdint.h>

struct ak_loopdev {
	int index;	/* N of /dev/loopN */
	int fd;		/* /dev/loopN, opened read-write with O_DIRECT */
	bool direct_io; /* the kernel accepted LO_FLAGS_DIRECT_IO */
};

/*
 * Binds a free loop device to [offset, offset+length) of backing_fd.
 * offset and length must be multiples of 4096. -EINVAL bad range, -EBUSY
 * when no free device could be claimed, -ENOENT no loop support.
 */
int ak_loopdev_attach(int backing_fd, uint64_t offset, uint64_t length,
		      struct ak_loopdev *out);

/* Closes our fd; the kernel detaches once no one else holds the device. */
void ak_loopdev_release(struct ak_loopdev *dev);

#endif
