// SPDX-License-Identifier: MIT
/*
 * arrakis-kv's log on a real VSA (a file through io_uring, O_DIRECT): a
 * write's reply comes only after the loop delivered its commit; a restart
 * replays every acknowledged write; an oversized write is refused before it
 * changes anything; a rewrite on a log full of overwrites trims it, and the
 * trimmed log still replays to the same data.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include <arrakis/vlog.h>
#include <arrakis/vsa.h>

#include "apps/kv/persist_vsa.h"
#include "lib/core/clock.h"
#include "lib/core/loop.h"
#include "tests/unit/kv/kv_harness.h"

static char path[512];
static int fd = -1;
static uint64_t size = 64ull << 20;

struct node {
	struct ak_loop *loop;
	struct ak_vsa *vsa;
	struct kv_server *srv;
	struct kv_persist *log;
};

static void node_open(struct node *n, uint64_t rewrite_min)
{
	struct kv_config cfg;

	kv_config_defaults(&cfg);
	cfg.rewrite_min_bytes = rewrite_min;
	CHECK_OK(ak_loop_create(&n->loop));
	CHECK_OK(ak_vsa_open_fds(&fd, &size, 1, NULL, &n->vsa));
	CHECK_OK(ak_vsa_attach_loop(n->vsa, n->loop));
	CHECK_OK(kv_server_create(&cfg, &n->srv));
	kv_server_set_time(n->srv, T0_MS);
	CHECK_OK(kv_persist_open_vsa(n->vsa, n->loop, n->srv, &n->log));
}

static void node_close(struct node *n)
{
	kv_persist_close(n->log);
	kv_server_destroy(n->srv);
	ak_vsa_close(n->vsa);
	ak_loop_destroy(n->loop);
}

/* Runs the loop until t has at least want bytes of replies. */
static void wait_replies(struct node *n, struct tconn *t, size_t want)
{
	uint64_t deadline = ak_now_ns() + 10 * AK_NSEC_PER_SEC;

	tconn_drain(t);
	while (t->len < want) {
		if (ak_now_ns() > deadline)
			check_fail("no reply after 10 s (%zu of %zu bytes)",
				   t->len, want);
		ak_loop_run_once(n->loop, 1000000);
		tconn_drain(t);
	}
}

/* Runs the loop until every reply of t was released and collected. */
static void settle(struct node *n, struct tconn *t)
{
	uint64_t deadline = ak_now_ns() + 10 * AK_NSEC_PER_SEC;

	tconn_drain(t);
	while (kv_conn_output_pending(t->c)) {
		if (ak_now_ns() > deadline)
			check_fail("replies still held after 10 s");
		ak_loop_run_once(n->loop, 1000000);
		tconn_drain(t);
	}
}

static void test_ack_after_commit_and_replay(void)
{
	struct node n;
	struct tconn t;
	char req[64], want[64];
	int i;

	node_open(&n, 64ull << 20);
	tconn_open(&t, n.srv);
	CHECK_REPLY(&t, "SET first 1\r\n", "");
	wait_replies(&n, &t, 5);
	CHECK_STREQ(t.out, "+OK\r\n");
	for (i = 0; i < 1000; i++) {
		snprintf(req, sizeof(req), "SET key%d val%d\r\n", i, i);
		tconn_req(&t, req);
		wait_replies(&n, &t, 5);
		CHECK_STREQ(t.out, "+OK\r\n");
	}
	CHECK_REPLY(&t, "INCRBY ctr 41\r\nINCR ctr\r\nEXPIRE key1 1000\r\n",
		    "");
	wait_replies(&n, &t, 13);
	CHECK_STREQ(t.out, ":41\r\n:42\r\n:1\r\n");
	/* Too large for one log record: refused, nothing changes. */
	{
		size_t big = KV_LOG_MAX_RECORD + 1;
		char *r = malloc(big + 64);
		int len = snprintf(r, 64,
				   "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n"
				   "$%zu\r\n",
				   big);

		memset(r + len, 'b', big);
		memcpy(r + len + big, "\r\n", 2);
		t.len = 0;
		tconn_send(&t, r, (size_t)len + big + 2);
		CHECK(!strncmp(t.out, "-ERR write of ", 14));
		free(r);
	}
	tconn_close(&t);
	node_close(&n);

	node_open(&n, 64ull << 20);
	CHECK_GE(kv_persist_replayed(n.log), 1003);
	tconn_open(&t, n.srv);
	for (i = 0; i < 1000; i += 37) {
		snprintf(req, sizeof(req), "GET key%d\r\n", i);
		snprintf(want, sizeof(want), "$%zu\r\nval%d\r\n",
			 strlen("val") + (size_t)snprintf(NULL, 0, "%d", i), i);
		CHECK_REPLY(&t, req, want);
	}
	CHECK_REPLY(&t, "GET ctr\r\nTTL key1\r\nEXISTS big\r\n",
		    "$2\r\n42\r\n:1000\r\n:0\r\n");
	tconn_close(&t);
	node_close(&n);
}

static void test_rewrite_trims(void)
{
	struct node n;
	struct tconn t;
	char req[128];
	int i;

	CHECK_OK(ftruncate(fd, 0));
	CHECK_OK(ftruncate(fd, (off_t)size));
	node_open(&n, 1ull << 20);
	tconn_open(&t, n.srv);
	/* 100 keys overwritten many times: the live data is tiny. */
	for (i = 0; i < 20000; i++) {
		snprintf(req, sizeof(req),
			 "SET key%d "
			 "value-%d-"
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n",
			 i % 100, i);
		tconn_req(&t, req);
		if (i % 50 == 49) {
			settle(&n, &t);
			kv_server_cron(n.srv);
		}
	}
	settle(&n, &t);
	for (i = 0; i < 100000 && kv_server_rewrite_running(n.srv); i++) {
		ak_loop_run_once(n.loop, 1000000);
		kv_server_cron(n.srv);
	}
	settle(&n, &t);
	CHECK(!kv_server_rewrite_running(n.srv));
	CHECK(strstr(tconn_req(&t, "INFO persistence\r\n"), "aof_rewrites:"));
	CHECK(!strstr(t.out, "aof_rewrites:0\r\n"));
	CHECK(strstr(t.out, "vlog_commits:"));
	tconn_close(&t);
	node_close(&n);

	node_open(&n, 1ull << 20);
	CHECK_LT(kv_persist_replayed(n.log), 20000);
	tconn_open(&t, n.srv);
	CHECK_REPLY(&t, "DBSIZE\r\n", ":100\r\n");
	CHECK_REPLY(&t, "GET key99\r\n",
		    "$55\r\nvalue-19999-"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n");
	CHECK_REPLY(&t, "GET key0\r\n",
		    "$55\r\nvalue-19900-"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n");
	tconn_close(&t);
	node_close(&n);
}

int main(void)
{
	const char *dir = getenv("AK_BUILD_ROOT");

	check_timeout(120);
	snprintf(path, sizeof(path), "%s/kv-log-test-%d.img", dir ? dir : ".",
		 (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0 && errno == EINVAL)
		check_skip("the build directory's file system has no O_DIRECT");
	CHECK(fd >= 0);
	unlink(path);
	CHECK_OK(ftruncate(fd, (off_t)size));
	test_ack_after_commit_and_replay();
	test_rewrite_trims();
	close(fd);
	return 0;
}
