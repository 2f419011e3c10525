// SPDX-License-Identifier: MIT
/*
 * The persistent log's behaviour on the simulated disk and on a real file
 * through io_uring: callbacks fire only after the flush; appends waiting
 * behind a commit share the next one (group commit); records read back in
 * order from the head or from any cursor; reopening recovers exactly what
 * was durable; trimming makes space that wrapping reuses; a full log grows
 * its VSA (also when the live records wrap) and keeps every record;
 * oversized records and a full log without growth fail cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include <arrakis/vlog.h>

#include "lib/storage/vsa_crash.h"
#include "lib/storage/vsa_impl.h"
#include "tests/check.h"

#define BS AK_VSA_BLOCK_SIZE

struct acks {
	uint64_t count;
	uint64_t last_seq;
	int errors;
};

static void on_ack(void *ctx, int result, uint64_t seq)
{
	struct acks *a = ctx;

	if (result)
		a->errors++;
	CHECK(a->count == 0 || seq == a->last_seq + 1);
	a->count++;
	a->last_seq = seq;
}

static void drain(struct ak_vsa *vsa)
{
	while (ak_vsa_inflight(vsa))
		CHECK_OK(ak_vsa_drain(vsa));
}

/* Record i's payload: its length and bytes derive from i. */
static size_t payload(uint64_t i, uint8_t *buf)
{
	size_t len = (i * 37) % 700;

	for (size_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(i + k * 7);
	return len;
}

static void append_n(struct ak_vlog *log, struct acks *a, uint64_t from,
		     uint64_t n)
{
	uint8_t buf[1024];

	for (uint64_t i = from; i < from + n; i++)
		CHECK_OK(ak_vlog_append(log, buf, payload(i, buf), on_ack, a,
					NULL));
}

/* Reads from cursor to the end; checks records first.. in order. */
static uint64_t read_all(struct ak_vlog *log, struct ak_vlog_cursor c,
			 uint64_t first)
{
	uint8_t got[1024], want[1024];
	uint64_t n = 0;
	int len;

	while ((len = ak_vlog_read(log, &c, got, sizeof(got))) >= 0) {
		CHECK_EQ(len, (int)payload(first + n, want));
		CHECK_MEMEQ(got, want, (size_t)len);
		n++;
	}
	CHECK_EQ(len, -ENOENT);
	return n;
}

static void test_durability_and_group_commit(void)
{
	struct ak_vlog_stats st;
	struct ak_vsa *vsa;
	struct ak_vlog *log;
	struct acks a = {0};
	struct ak_vlog_cursor mid;
	uint8_t buf[1024];

	CHECK_OK(ak_vsa_crash_open(NULL, 256 * BS, 0, &vsa));
	CHECK_OK(ak_vlog_open(vsa, NULL, &log));
	CHECK_UEQ(ak_vlog_capacity(log), 254 * BS);

	/* The write and its flush are one chain; the callback waits for the
	 * flush, which the simulated disk completes at the next poll. */
	append_n(log, &a, 0, 1);
	CHECK_EQ(a.count, 0);
	CHECK_EQ(ak_vlog_durable_end(log).seq, 0);
	ak_vsa_poll(vsa);
	CHECK_EQ(a.count, 1);
	CHECK_EQ(ak_vlog_durable_end(log).seq, 1);

	/* 1 commit for the first append, 1 for the 31 behind it. */
	append_n(log, &a, 1, 32);
	drain(vsa);
	CHECK_EQ(a.count, 33);
	CHECK_EQ(a.errors, 0);
	ak_vlog_get_stats(log, &st);
	CHECK_UEQ(st.appends, 33);
	CHECK_UEQ(st.commits, 3);

	CHECK_EQ(read_all(log, ak_vlog_head(log), 0), 33);
	CHECK_OK(ak_vlog_append(log, buf, payload(33, buf), on_ack, &a, &mid));
	drain(vsa);
	CHECK_EQ(read_all(log, mid, 33), 1);
	CHECK_EQ(ak_vlog_append(log, buf, 64 * 1024 + 1, NULL, NULL, NULL),
		 -EMSGSIZE);

	/* Reopen: everything durable is recovered, in a new epoch. */
	ak_vlog_close(log);
	CHECK_OK(ak_vlog_open(vsa, NULL, &log));
	ak_vlog_get_stats(log, &st);
	CHECK_UEQ(st.recovered, 34);
	CHECK_EQ(read_all(log, ak_vlog_head(log), 0), 34);
	CHECK_UEQ(ak_vlog_durable_end(log).seq, 34);
	ak_vlog_close(log);
	ak_vsa_close(vsa);
}

struct chain {
	struct ak_vlog *log;
	struct acks acks;
	uint64_t left;
};

static void chain_ack(void *ctx, int result, uint64_t seq)
{
	struct chain *c = ctx;
	uint8_t buf[1024];

	on_ack(&c->acks, result, seq);
	if (c->left) {
		c->left--;
		CHECK_OK(ak_vlog_append(c->log, buf, payload(seq + 32, buf),
					chain_ack, c, NULL));
	}
}

/*
 * Callbacks that append keep 32 records in flight: the appends made while
 * one commit's callbacks run all go into the next commit, one at a time.
 */
static void test_append_from_callbacks(void)
{
	struct chain c = {.left = 32 * 20};
	struct ak_vlog_stats st;
	struct ak_vsa *vsa;
	uint8_t buf[1024];

	CHECK_OK(ak_vsa_crash_open(NULL, 256 * BS, 0, &vsa));
	CHECK_OK(ak_vlog_open(vsa, NULL, &c.log));
	for (uint64_t i = 0; i < 32; i++)
		CHECK_OK(ak_vlog_append(c.log, buf, payload(i, buf), chain_ack,
					&c, NULL));
	while (ak_vsa_inflight(vsa)) {
		CHECK_LE(ak_vsa_inflight(vsa), 1);
		ak_vsa_poll(vsa);
	}
	CHECK_EQ(c.acks.count, 32 * 21);
	CHECK_EQ(c.acks.errors, 0);
	ak_vlog_get_stats(c.log, &st);
	CHECK_LE(st.commits, 23);
	CHECK_EQ(read_all(c.log, ak_vlog_head(c.log), 0), 32 * 21);
	ak_vlog_close(c.log);
	ak_vsa_close(vsa);
}

static void test_trim_and_wrap(void)
{
	struct ak_vsa *vsa;
	struct ak_vlog *log;
	struct ak_vlog_opts opts = {.max_record = 4096, .no_grow = 1};
	struct acks a = {0};
	struct ak_vlog_cursor cur;
	uint8_t buf[1024];
	uint64_t i;

	/* 14 blocks of data: records wrap around many times. */
	CHECK_OK(ak_vsa_crash_open(NULL, 16 * BS, 0, &vsa));
	CHECK_OK(ak_vlog_open(vsa, &opts, &log));
	for (i = 0; i < 2000; i++) {
		int ret = ak_vlog_append(log, buf, payload(i, buf), on_ack, &a,
					 &cur);

		if (ret == -ENOSPC) {
			/* Keep the last 10 records, trim the rest. */
			drain(vsa);
			cur = ak_vlog_head(log);
			for (uint64_t k = cur.seq; k + 10 < i; k++)
				CHECK(ak_vlog_read(log, &cur, buf,
						   sizeof(buf)) >= 0);
			CHECK_OK(ak_vlog_trim(log, cur, NULL, NULL));
			drain(vsa);
			i--;
			continue;
		}
		CHECK_OK(ret);
		if (i % 3 == 0)
			ak_vsa_poll(vsa);
	}
	drain(vsa);
	CHECK_EQ(a.count, 2000);
	CHECK_GT(ak_vlog_head(log).pos, 10 * ak_vlog_capacity(log));

	cur = ak_vlog_head(log);
	CHECK_EQ(read_all(log, cur, cur.seq), 2000 - cur.seq);
	ak_vlog_close(log);
	CHECK_OK(ak_vlog_open(vsa, &opts, &log));
	CHECK_UEQ(ak_vlog_head(log).seq, cur.seq);
	CHECK_EQ(read_all(log, ak_vlog_head(log), cur.seq), 2000 - cur.seq);

	/* Full, no growth allowed: -ENOSPC, and the log still works. */
	while ((i = (uint64_t)ak_vlog_append(log, buf, 1000, NULL, NULL,
					     NULL)) == 0)
		;
	CHECK_EQ((int)i, -ENOSPC);
	drain(vsa);
	ak_vlog_close(log);
	ak_vsa_close(vsa);
}

static int crash_grow(void *ctx, struct ak_vsa *vsa, uint64_t min_size)
{
	int *grows = ctx;

	(*grows)++;
	return ak_vsa_crash_grow(vsa, min_size);
}

static void test_grow(bool wrapped)
{
	int grows = 0;
	struct ak_vlog_opts opts = {
		.max_record = 4096, .grow = crash_grow, .grow_ctx = &grows};
	struct ak_vlog_cursor cur;
	struct ak_vsa *vsa;
	struct ak_vlog *log;
	struct acks a = {0};
	uint8_t buf[1024];
	uint64_t first = 0, n;

	CHECK_OK(ak_vsa_crash_open(NULL, 16 * BS, 0, &vsa));
	CHECK_OK(ak_vlog_open(vsa, &opts, &log));
	if (wrapped) {
		/* Fill 3/4, trim half, so the next records wrap. */
		append_n(log, &a, 0, 100);
		drain(vsa);
		cur = ak_vlog_head(log);
		for (first = 0; first < 60; first++)
			CHECK(ak_vlog_read(log, &cur, buf, sizeof(buf)) >= 0);
		CHECK_OK(ak_vlog_trim(log, cur, NULL, NULL));
		drain(vsa);
		append_n(log, &a, 100, 50);
		drain(vsa);
		CHECK_EQ(grows, 0);
		CHECK_LT(ak_vlog_durable_end(log).pos - ak_vlog_head(log).pos,
			 ak_vlog_capacity(log));
		n = 150;
	} else {
		n = 0;
	}
	append_n(log, &a, n, 400);
	drain(vsa);
	CHECK_GT(grows, 0);
	CHECK_EQ(a.count, n + 400);
	CHECK_EQ(a.errors, 0);
	CHECK_EQ(read_all(log, ak_vlog_head(log), first), n + 400 - first);

	ak_vlog_close(log);
	CHECK_OK(ak_vlog_open(vsa, &opts, &log));
	CHECK_EQ(read_all(log, ak_vlog_head(log), first), n + 400 - first);
	ak_vlog_close(log);
	ak_vsa_close(vsa);
}

static void test_on_io_uring(void)
{
	const char *dir = getenv("AK_BUILD_ROOT");
	uint64_t size = 512 * BS;
	struct ak_vsa *vsa;
	struct ak_vlog *log;
	struct acks a = {0};
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/log-test-%d.img", dir ? dir : ".",
		 (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0 && errno == EINVAL)
		check_skip("the build directory's file system has no O_DIRECT");
	CHECK(fd >= 0);
	CHECK_OK(ftruncate(fd, (off_t)size));

	CHECK_OK(ak_vsa_open_fds(&fd, &size, 1, NULL, &vsa));
	CHECK_OK(ak_vlog_open(vsa, NULL, &log));
	append_n(log, &a, 0, 300);
	drain(vsa);
	CHECK_EQ(a.count, 300);
	ak_vlog_close(log);
	ak_vsa_close(vsa);

	CHECK_OK(ak_vsa_open_fds(&fd, &size, 1, NULL, &vsa));
	CHECK_OK(ak_vlog_open(vsa, NULL, &log));
	CHECK_EQ(read_all(log, ak_vlog_head(log), 0), 300);
	ak_vlog_close(log);
	ak_vsa_close(vsa);
	close(fd);
	unlink(path);
}

int main(void)
{
	check_timeout(60);
	test_durability_and_group_commit();
	test_append_from_callbacks();
	test_trim_and_wrap();
	test_grow(false);
	test_grow(true);
	test_on_io_uring();
	return 0;
}
