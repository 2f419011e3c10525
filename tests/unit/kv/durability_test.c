// SPDX-License-Identifier: MIT
/*
 * Durability in the core, with an in-memory log: replies of writes (and
 * everything after them on the connection) wait until their record is
 * durable, one durable report releases many connections (group commit),
 * replaying the log rebuilds the same keyspace, a rewrite running between
 * writes lets the log drop everything older and still replays to the same
 * data, and a failing log never acknowledges a write.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "apps/kv/kv.h"
#include "tests/unit/kv/kv_harness.h"

static int ready_calls;

static void on_ready(void *ctx, struct kv_conn *c)
{
	ready_calls++;
}

static void test_replies_wait_for_durability(void)
{
	struct kv_server *srv = test_server();
	struct mem_log log = {0};
	struct tconn a, b;

	kv_server_set_log(srv, &mem_log_ops, &log);
	kv_server_set_ready(srv, on_ready, NULL);
	tconn_open(&a, srv);
	tconn_open(&b, srv);

	CHECK_REPLY(&a, "PING\r\nSET k v\r\nGET k\r\n", "+PONG\r\n");
	CHECK_EQ(log.n, 1);
	/* Other clients are not held back by a's write. */
	CHECK_REPLY(&b, "PING\r\n", "+PONG\r\n");
	CHECK_REPLY(&a, "GET k\r\n", "");

	ready_calls = 0;
	kv_server_log_durable(srv, log.recs[0].lsn);
	CHECK_EQ(ready_calls, 1);
	tconn_drain(&a);
	CHECK_STREQ(a.out, "+OK\r\n$1\r\nv\r\n$1\r\nv\r\n");
	/* Reads alone produce no records. */
	CHECK_REPLY(&a, "GET k\r\nEXISTS k\r\nTTL k\r\n",
		    "$1\r\nv\r\n:1\r\n:-1\r\n");
	CHECK_EQ(log.n, 1);
	/* A failed write (wrong arity, bad option) logs nothing either. */
	CHECK_REPLY(&a, "SET k\r\nSET k v EX 0\r\nINCR k\r\n",
		    "-ERR wrong number of arguments for 'set' command\r\n"
		    "-ERR invalid expire time in 'set' command\r\n"
		    "-ERR value is not an integer or out of range\r\n");
	CHECK_EQ(log.n, 1);
	tconn_close(&a);
	tconn_close(&b);
	kv_server_destroy(srv);
	mem_log_free(&log);
}

static void test_group_commit(void)
{
	struct kv_server *srv = test_server();
	struct mem_log log = {0};
	struct tconn t[100];
	char req[64];
	int i;

	kv_server_set_log(srv, &mem_log_ops, &log);
	kv_server_set_ready(srv, on_ready, NULL);
	for (i = 0; i < 100; i++) {
		tconn_open(&t[i], srv);
		snprintf(req, sizeof(req), "SET key%d %d\r\n", i, i);
		CHECK_REPLY(&t[i], req, "");
	}
	CHECK_EQ(log.n, 100);
	ready_calls = 0;
	/* Half durable: exactly the first 50 writers hear back. */
	kv_server_log_durable(srv, log.recs[49].lsn);
	CHECK_EQ(ready_calls, 50);
	kv_server_log_durable(srv, log.recs[99].lsn);
	CHECK_EQ(ready_calls, 100);
	for (i = 0; i < 100; i++) {
		tconn_drain(&t[i]);
		CHECK_STREQ(t[i].out, "+OK\r\n");
		tconn_close(&t[i]);
	}
	kv_server_destroy(srv);
	mem_log_free(&log);
}

/* The keyspace as sorted "key=value@expiry" lines, for comparison. */
struct dump {
	int64_t now;
	char **lines;
	size_t n, cap;
};

static void dump_entry(void *ctx, struct kv_entry *e)
{
	struct dump *d = ctx;
	char *line;

	if (e->expire_ms && e->expire_ms <= d->now)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->lines = realloc(d->lines, d->cap * sizeof(*d->lines));
		CHECK(d->lines);
	}
	CHECK(asprintf(&line, "%.*s=%.*s@%lld", (int)e->klen, e->key,
		       (int)e->vlen, e->val, (long long)e->expire_ms) > 0);
	d->lines[d->n++] = line;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct dump dump_server(struct kv_server *srv)
{
	struct dump d = {.now = srv->now_ms};
	uint64_t cursor = 0;

	do {
		cursor = kv_keyspace_scan(&srv->ks, cursor, dump_entry, &d);
	} while (cursor);
	qsort(d.lines, d.n, sizeof(*d.lines), cmp_line);
	return d;
}

static void check_same(struct kv_server *a, struct kv_server *b)
{
	struct dump da = dump_server(a), db = dump_server(b);
	size_t i;

	for (i = 0; i < da.n && i < db.n; i++)
		if (strcmp(da.lines[i], db.lines[i]))
			check_fail("live \"%s\", replayed \"%s\"", da.lines[i],
				   db.lines[i]);
	CHECK_UEQ(da.n, db.n);
	for (i = 0; i < da.n; i++) {
		CHECK_STREQ(da.lines[i], db.lines[i]);
		free(da.lines[i]);
		free(db.lines[i]);
	}
	free(da.lines);
	free(db.lines);
}

static struct kv_server *replayed(const struct mem_log *log, int64_t now)
{
	struct kv_server *srv = test_server();
	size_t i;

	kv_server_set_time(srv, now);
	for (i = 0; i < log->n; i++)
		CHECK_OK(kv_server_replay(srv, log->recs[i].data,
					  log->recs[i].len));
	return srv;
}

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* A random write of every kind, on a small set of keys so they collide. */
static void random_write(struct tconn *t, unsigned *seed)
{
	unsigned k = rnd(seed) % 200, v = rnd(seed);
	char req[128];

	switch (rnd(seed) % 13) {
	case 0:
		snprintf(req, sizeof(req), "SET k%u v%u EX %u\r\n", k, v,
			 1 + v % 50);
		break;
	case 1:
		snprintf(req, sizeof(req), "DEL k%u k%u\r\n", k, k + 1);
		break;
	case 2:
		snprintf(req, sizeof(req), "INCRBY n%u %u\r\n", k % 20, v);
		break;
	case 3:
		snprintf(req, sizeof(req), "APPEND k%u -%u\r\n", k, v);
		break;
	case 4:
		snprintf(req, sizeof(req), "PEXPIRE k%u %u\r\n", k, v % 3000);
		break;
	case 5:
		snprintf(req, sizeof(req), "PERSIST k%u\r\n", k);
		break;
	case 6:
		snprintf(req, sizeof(req), "MSET k%u a%u k%u b%u\r\n", k, v,
			 k + 7, v);
		break;
	case 7:
		snprintf(req, sizeof(req), "GETSET k%u g%u\r\n", k, v);
		break;
	case 8:
		snprintf(req, sizeof(req), "SET k%u x%u KEEPTTL\r\n", k, v);
		break;
	case 9:
		snprintf(req, sizeof(req), "SET k%u y%u NX PX %u\r\n", k, v,
			 1 + v % 900);
		break;
	case 10:
		snprintf(req, sizeof(req), "EXPIRE k%u -1\r\n", k);
		break;
	case 11:
		snprintf(req, sizeof(req), "%s\r\n",
			 v % 100 == 0 ? "FLUSHALL" : "DECR n1");
		break;
	default:
		snprintf(req, sizeof(req), "SET k%u v%u\r\n", k, v);
		break;
	}
	tconn_req(t, req);
}

static void test_replay(void)
{
	struct kv_server *srv = test_server(), *copy;
	struct mem_log log = {0};
	unsigned seed = 7;
	struct tconn t;
	int i;

	kv_server_set_log(srv, &mem_log_ops, &log);
	tconn_open(&t, srv);
	for (i = 0; i < 20000; i++) {
		if (i % 100 == 0)
			kv_server_set_time(srv, T0_MS + i);
		random_write(&t, &seed);
		kv_server_log_durable(srv, log.next_lsn);
	}
	/* Replay drops what has expired by then, as the server would. */
	kv_server_set_time(srv, T0_MS + 20000);
	for (i = 0; i < 100; i++)
		kv_server_cron(srv);
	copy = replayed(&log, T0_MS + 20000);
	CHECK_GT(kv_server_dbsize(copy), 50);
	check_same(srv, copy);
	kv_server_destroy(copy);
	tconn_close(&t);
	kv_server_destroy(srv);
	mem_log_free(&log);
}

static void test_rewrite_while_serving(void)
{
	struct kv_config cfg;
	struct kv_server *srv, *copy;
	struct mem_log log = {0};
	unsigned seed = 99;
	struct tconn t;
	size_t before;
	int i, round;

	kv_config_defaults(&cfg);
	cfg.rewrite_min_bytes = 256 * 1024;
	CHECK_OK(kv_server_create(&cfg, &srv));
	kv_server_set_time(srv, T0_MS);
	kv_server_set_log(srv, &mem_log_ops, &log);
	tconn_open(&t, srv);

	for (round = 0; round < 3; round++) {
		/* Enough writes to pass the threshold, with cron between. */
		for (i = 0; i < 20000; i++) {
			random_write(&t, &seed);
			if (i % 10 == 0) {
				kv_server_log_durable(srv, log.next_lsn);
				kv_server_cron(srv);
			}
		}
		kv_server_log_durable(srv, log.next_lsn);
		while (kv_server_rewrite_running(srv)) {
			random_write(&t, &seed);
			kv_server_log_durable(srv, log.next_lsn);
			kv_server_cron(srv);
		}
	}
	CHECK_GT(log.trimmed, 0);
	CHECK(strstr(tconn_req(&t, "INFO persistence\r\n"), "aof_rewrites:"));

	before = mem_log_bytes(&log);
	CHECK_OK(kv_server_rewrite_start(srv));
	for (i = 0; kv_server_rewrite_running(srv); i++) {
		if (i % 3 == 0)
			random_write(&t, &seed);
		kv_server_log_durable(srv, log.next_lsn);
		kv_rewrite_step(srv, 4);
	}
	CHECK_LT(mem_log_bytes(&log), before);

	copy = replayed(&log, T0_MS);
	check_same(srv, copy);
	kv_server_destroy(copy);
	tconn_close(&t);
	kv_server_destroy(srv);
	mem_log_free(&log);
}

static void test_log_failure(void)
{
	struct kv_server *srv = test_server();
	struct mem_log log = {0};
	struct tconn a, b;

	kv_server_set_log(srv, &mem_log_ops, &log);
	tconn_open(&a, srv);
	tconn_open(&b, srv);
	CHECK_REPLY(&a, "SET k v\r\n", "");
	/* The log reports failure: a's write was never acknowledged. */
	kv_server_log_failed(srv, -EIO);
	CHECK(kv_conn_should_close(a.c));
	tconn_drain(&a);
	CHECK_EQ(a.len, 0);
	CHECK_REPLY(&b, "SET k v\r\n",
		    "-MISCONF Errors writing to the AOF file: "
		    "Input/output error\r\n");
	CHECK_REPLY(&b, "GET nothing\r\n", "$-1\r\n");
	tconn_close(&a);
	tconn_close(&b);
	kv_server_destroy(srv);
	mem_log_free(&log);

	/* An append that fails closes the writer without a reply. */
	srv = test_server();
	kv_server_set_log(srv, &mem_log_ops, &log);
	tconn_open(&a, srv);
	log.fail_with = -ENOSPC;
	CHECK_REPLY(&a, "SET k v\r\n", "");
	CHECK(kv_conn_should_close(a.c));
	tconn_close(&a);
	kv_server_destroy(srv);
	mem_log_free(&log);
}

int main(void)
{
	check_timeout(120);
	test_replies_wait_for_durability();
	test_group_commit();
	test_replay();
	test_rewrite_while_serving();
	test_log_failure();
	return 0;
}
