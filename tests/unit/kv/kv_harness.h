/* SPDX-License-Identifier: MIT */
/*
 * Test harness for the arrakis-kv core: a server with a settable clock,
 * connections fed from byte strings, their sendable output collected, and
 * an in-memory log whose durability the test controls.
 */
#ifndef AK_TESTS_KV_HARNESS_H
#define AK_TESTS_KV_HARNESS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps/kv/server.h"
#include "tests/check.h"

#define T0_MS 1700000000000ll

/* An in-memory log: records kept in order with their sequence numbers. */
struct mem_log {
	struct mem_rec {
		uint64_t lsn;
		size_t len;
		char *data;
	} * recs;
	size_t n, cap;
	uint64_t next_lsn;
	uint64_t trimmed; /* records up to here were trimmed */
	int fail_with;	  /* nonzero: append fails with this */
};

static inline int mem_log_append(void *ctx, const void *rec, size_t len,
				 uint64_t *lsn)
{
	struct mem_log *l = ctx;

	if (l->fail_with)
		return l->fail_with;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->recs = realloc(l->recs, l->cap * sizeof(*l->recs));
		CHECK(l->recs);
	}
	l->recs[l->n].lsn = ++l->next_lsn;
	l->recs[l->n].len = len;
	l->recs[l->n].data = malloc(len);
	CHECK(l->recs[l->n].data);
	memcpy(l->recs[l->n].data, rec, len);
	l->n++;
	*lsn = l->next_lsn;
	return 0;
}

static inline int mem_log_trim(void *ctx, uint64_t lsn)
{
	struct mem_log *l = ctx;
	size_t i, keep = 0;

	for (i = 0; i < l->n; i++) {
		if (l->recs[i].lsn <= lsn)
			free(l->recs[i].data);
		else
			l->recs[keep++] = l->recs[i];
	}
	l->n = keep;
	l->trimmed = lsn;
	return 0;
}

static inline void mem_log_free(struct mem_log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->recs[i].data);
	free(l->recs);
	memset(l, 0, sizeof(*l));
}

static inline size_t mem_log_bytes(const struct mem_log *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->recs[i].len;
	return n;
}

static const struct kv_log_ops mem_log_ops = {
	.append = mem_log_append,
	.trim = mem_log_trim,
};

static inline struct kv_server *test_server(void)
{
	struct kv_config cfg;
	struct kv_server *srv;

	kv_config_defaults(&cfg);
	CHECK_OK(kv_server_create(&cfg, &srv));
	kv_server_set_time(srv, T0_MS);
	return srv;
}

/* A connection that collects what it may send into out. */
struct tconn {
	struct kv_conn *c;
	char *out;
	size_t len, cap;
};

static inline void tconn_drain(struct tconn *t)
{
	const void *data;
	size_t n = kv_conn_output(t->c, &data);

	if (!n)
		return;
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->out = realloc(t->out, t->cap);
		CHECK(t->out);
	}
	memcpy(t->out + t->len, data, n);
	t->len += n;
	t->out[t->len] = '\0';
	kv_conn_output_done(t->c, n);
	tconn_drain(t); /* sending may have let more requests run */
}

static inline void tconn_open(struct tconn *t, struct kv_server *srv)
{
	memset(t, 0, sizeof(*t));
	t->c = kv_conn_open(srv, t);
	CHECK(t->c);
}

static inline void tconn_close(struct tconn *t)
{
	kv_conn_close(t->c);
	free(t->out);
	memset(t, 0, sizeof(*t));
}

static inline int tconn_send(struct tconn *t, const void *data, size_t len)
{
	int err = kv_conn_feed(t->c, data, len);

	tconn_drain(t);
	return err;
}

/* Sends s, returns everything replied since the last call (owned by t). */
static inline const char *tconn_req(struct tconn *t, const char *s)
{
	t->len = 0;
	if (t->out)
		t->out[0] = '\0';
	tconn_send(t, s, strlen(s));
	return t->out ? t->out : "";
}

#define CHECK_REPLY(t, req, want) CHECK_STREQ(tconn_req(t, req), want)

#endif
