// SPDX-License-Identifier: MIT
/*
 * A VSA over three files opened with O_DIRECT through io_uring: one logical
 * address space across the extents (a write straddling two extents lands
 * in both files at the right offsets), reads see writes, registered and
 * plain buffers both work, flush completes, and misaligned or out-of-range
 * requests fail at once with -EINVAL or -ERANGE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "lib/core/loop.h"
#include "lib/storage/vsa_impl.h"
#include "tests/check.h"

#define BS AK_VSA_BLOCK_SIZE

static const uint64_t sizes[3] = {4 * BS, 2 * BS, 8 * BS};
static char paths[3][512];
static int fds[3];

struct done {
	int count;
	int result;
};

static void on_done(void *ctx, int result)
{
	struct done *d = ctx;

	d->count++;
	d->result = result;
}

static void wait_for(struct ak_vsa *vsa, struct done *d, int count)
{
	while (d->count < count)
		CHECK_OK(ak_vsa_drain(vsa));
	CHECK_EQ(d->result, 0);
}

static void open_files(void)
{
	const char *dir = getenv("AK_BUILD_ROOT");

	for (int i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/vsa-test-%d-%d.img",
			 dir ? dir : ".", (int)getpid(), i);
		fds[i] = open(paths[i], O_RDWR | O_CREAT | O_TRUNC | O_DIRECT,
			      0600);
		if (fds[i] < 0 && errno == EINVAL)
			check_skip("the build directory's file system has no "
				   "O_DIRECT");
		CHECK(fds[i] >= 0);
		CHECK_OK(ftruncate(fds[i], (off_t)sizes[i]));
	}
}

static void test_errors(struct ak_vsa *vsa, uint8_t *buf)
{
	CHECK_EQ(ak_vsa_write(vsa, 1, buf, BS, NULL, NULL), -EINVAL);
	CHECK_EQ(ak_vsa_write(vsa, 0, buf, 100, NULL, NULL), -EINVAL);
	CHECK_EQ(ak_vsa_write(vsa, 0, buf + 1, BS, NULL, NULL), -EINVAL);
	CHECK_EQ(ak_vsa_write(vsa, 0, buf, 0, NULL, NULL), -EINVAL);
	CHECK_EQ(ak_vsa_read(vsa, 14 * BS, buf, BS, NULL, NULL), -ERANGE);
	CHECK_EQ(ak_vsa_read(vsa, 13 * BS, buf, 2 * BS, NULL, NULL), -ERANGE);
	CHECK_EQ(ak_vsa_read(vsa, UINT64_MAX - BS + 1, buf, BS, NULL, NULL),
		 -ERANGE);
	CHECK_EQ(ak_vsa_inflight(vsa), 0);
}

static void test_straddling_write(struct ak_vsa *vsa, uint8_t *buf,
				  uint8_t *back)
{
	struct done d = {0};
	static uint8_t file[BS] __attribute__((aligned(BS)));

	/* Logical blocks 3..6: file 0 block 3, file 1 blocks 0-1, file 2
	 * block 0. */
	for (int i = 0; i < 4 * (int)BS; i++)
		buf[i] = (uint8_t)(i / BS + 1);
	CHECK_OK(ak_vsa_write(vsa, 3 * BS, buf, 4 * BS, on_done, &d));
	CHECK_EQ(ak_vsa_inflight(vsa), 1);
	wait_for(vsa, &d, 1);
	CHECK_OK(ak_vsa_flush(vsa, on_done, &d));
	wait_for(vsa, &d, 2);

	CHECK_OK(ak_vsa_read(vsa, 3 * BS, back, 4 * BS, on_done, &d));
	wait_for(vsa, &d, 3);
	CHECK_MEMEQ(back, buf, 4 * BS);

	CHECK_EQ(pread(fds[0], file, BS, 3 * BS), (long)BS);
	CHECK_EQ(file[0], 1);
	CHECK_EQ(pread(fds[1], file, BS, BS), (long)BS);
	CHECK_EQ(file[0], 3);
	CHECK_EQ(pread(fds[2], file, BS, 0), (long)BS);
	CHECK_EQ(file[BS - 1], 4);
}

static void test_many_in_flight(struct ak_vsa *vsa, uint8_t *area)
{
	struct done d = {0};

	/* One block per request, from the registered area, all at once. */
	for (int i = 0; i < 14; i++) {
		memset(area + i * BS, 0x30 + i, BS);
		CHECK_OK(ak_vsa_write(vsa, (uint64_t)i * BS, area + i * BS, BS,
				      on_done, &d));
	}
	wait_for(vsa, &d, 14);
	memset(area, 0, 14 * BS);
	CHECK_OK(ak_vsa_read(vsa, 0, area, 14 * BS, on_done, &d));
	wait_for(vsa, &d, 15);
	for (int i = 0; i < 14; i++)
		CHECK_EQ(area[i * BS + 17], 0x30 + i);
}

/* Completions arrive through the event loop, which sleeps on the ring. */
static void test_event_loop(struct ak_vsa *vsa, uint8_t *buf)
{
	struct ak_loop *loop;
	struct done d = {0};

	CHECK_OK(ak_loop_create(&loop));
	CHECK_OK(ak_vsa_attach_loop(vsa, loop));
	CHECK_EQ(ak_vsa_attach_loop(vsa, loop), -EBUSY);
	CHECK_OK(ak_vsa_write(vsa, 0, buf, BS, on_done, &d));
	CHECK_OK(ak_vsa_flush(vsa, on_done, &d));
	for (int i = 0; i < 1000 && d.count < 2; i++)
		ak_loop_run_once(loop, 10 * 1000 * 1000);
	CHECK_EQ(d.count, 2);
	CHECK_EQ(d.result, 0);
	ak_vsa_detach_loop(vsa);
	ak_loop_destroy(loop);
}

int main(void)
{
	struct ak_vsa_opts opts = {.queue_depth = 32, .buffer_bytes = 64 * BS};
	struct ak_vsa *vsa;
	uint8_t *buf, *back, *area;
	size_t area_len;

	check_timeout(30);
	open_files();
	CHECK_OK(ak_vsa_open_fds(fds, sizes, 3, &opts, &vsa));
	CHECK_UEQ(ak_vsa_size(vsa), 14 * BS);
	area = ak_vsa_buffer(vsa, &area_len);
	CHECK(area != NULL);
	CHECK_UEQ(area_len, 64 * BS);
	CHECK_OK(posix_memalign((void **)&buf, BS, 8 * BS));
	CHECK_OK(posix_memalign((void **)&back, BS, 8 * BS));

	test_errors(vsa, buf);
	test_straddling_write(vsa, buf, back);
	test_many_in_flight(vsa, area);
	test_event_loop(vsa, buf);

	ak_vsa_close(vsa);
	for (int i = 0; i < 3; i++) {
		close(fds[i]);
		unlink(paths[i]);
	}
	free(buf);
	free(back);
	return 0;
}
