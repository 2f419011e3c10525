// SPDX-License-Identifier: MIT
/*
 * The kernel enforces a VSA's bounds: two adjacent VSAs of a store file get
 * one loop device each (offset, size limit, direct I/O); writing at or
 * across the end of the first fails, and the second's bytes are unchanged.
 * Releasing the devices detaches them. Needs root and loop devices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "control/store.h"
#include "control/store_loopdev.h"
#include "tests/check.h"

#define MIB (1024ull * 1024ull)
#define BS  4096u

static bool loop_bound(int index)
{
	char path[96];
	struct stat sb;

	snprintf(path, sizeof(path), "/sys/block/loop%d/loop/backing_file",
		 index);
	return stat(path, &sb) == 0;
}

static void wait_detached(int index)
{
	for (int i = 0; i < 200 && loop_bound(index); i++)
		usleep(10000);
	CHECK(!loop_bound(index));
}

int main(void)
{
	const char *dir = getenv("AK_BUILD_ROOT");
	const struct ak_store_vsa *a, *b;
	struct ak_loopdev la, lb;
	struct ak_store *st;
	uint8_t *buf, *back;
	char path[512];
	int index_a, index_b;
	ssize_t n;

	check_timeout(60);
	if (geteuid() != 0)
		check_skip("needs root for loop devices");
	if (access("/dev/loop-control", R_OK | W_OK))
		check_skip("no /dev/loop-control on this machine");

	snprintf(path, sizeof(path), "%s/loopdev-test-%d.img", dir ? dir : ".",
		 (int)getpid());
	unlink(path);
	CHECK_OK(ak_store_open(path, 8 * MIB, &st));
	CHECK_OK(ak_store_create(st, "first", 0, MIB));
	CHECK_OK(ak_store_create(st, "second", 0, MIB));
	a = ak_store_find(st, "first");
	b = ak_store_find(st, "second");
	CHECK_UEQ(a->ext[0].offset + a->ext[0].length, b->ext[0].offset);

	CHECK_OK(ak_loopdev_attach(ak_store_fd(st), a->ext[0].offset,
				   a->ext[0].length, &la));
	CHECK_OK(ak_loopdev_attach(ak_store_fd(st), b->ext[0].offset,
				   b->ext[0].length, &lb));
	CHECK_NE(la.index, lb.index);
	if (!la.direct_io)
		printf("# the kernel refused direct I/O on the loop device\n");

	CHECK_OK(posix_memalign((void **)&buf, BS, 2 * BS));
	CHECK_OK(posix_memalign((void **)&back, BS, BS));

	/* The neighbour's first block, written through its own device. */
	memset(buf, 0xbb, BS);
	CHECK_EQ(pwrite(lb.fd, buf, BS, 0), (long)BS);
	CHECK_OK(fsync(lb.fd));

	/* The last block of the first VSA is fine; past it is not. */
	memset(buf, 0xaa, 2 * BS);
	CHECK_EQ(pwrite(la.fd, buf, BS, (off_t)(MIB - BS)), (long)BS);
	n = pwrite(la.fd, buf, BS, (off_t)MIB);
	CHECK_EQ(n, -1);
	CHECK(errno == ENOSPC || errno == EIO || errno == EINVAL);
	n = pwrite(la.fd, buf, 2 * BS, (off_t)(MIB - BS));
	CHECK(n == (ssize_t)BS || n == -1);
	CHECK_EQ(pread(la.fd, back, BS, (off_t)MIB), 0); /* end of device */
	CHECK_OK(fsync(la.fd));

	/* The neighbour's bytes, read from the store file itself. */
	CHECK_EQ(pread(ak_store_fd(st), back, BS, (off_t)b->ext[0].offset),
		 (long)BS);
	memset(buf, 0xbb, BS);
	CHECK_MEMEQ(back, buf, BS);
	CHECK_EQ(pread(lb.fd, back, BS, 0), (long)BS);
	CHECK_MEMEQ(back, buf, BS);

	index_a = la.index;
	index_b = lb.index;
	ak_loopdev_release(&la);
	ak_loopdev_release(&lb);
	wait_detached(index_a);
	wait_detached(index_b);

	ak_store_close(st);
	unlink(path);
	free(buf);
	free(back);
	return 0;
}
