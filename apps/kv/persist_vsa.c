// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <arrakis/vlog.h>

#include "apps/kv/persist_vsa.h"
#include "lib/core/loop.h"

/*
 * The core's sequence numbers start at 1 (0 is "nothing yet"), the log's
 * at 0: lsn = seq + 1.
 */
struct kv_persist {
	struct kv_server *srv;
	struct ak_vlog *log;
	uint64_t replayed;
	/* The first record after the rewrite's mark: where trimming stops. */
	bool marked, have_mark;
	struct ak_vlog_cursor mark;
	/* Durability is reported to the server once per loop iteration. */
	struct ak_loop *loop;
	struct ak_poller poller;
	uint64_t durable_seq, reported_seq;
};

static void on_durable(void *ctx, int result, uint64_t seq)
{
	struct kv_persist *p = ctx;

	if (result)
		kv_server_log_failed(p->srv, result);
	else if (seq + 1 > p->durable_seq)
		p->durable_seq = seq + 1;
}

/*
 * A commit completes many records at once; releasing the waiting clients
 * once for all of them, not once per record, keeps group commit cheap.
 */
static int report_durable(void *ctx, uint64_t now_ns)
{
	struct kv_persist *p = ctx;

	if (p->durable_seq == p->reported_seq)
		return 0;
	p->reported_seq = p->durable_seq;
	kv_server_log_durable(p->srv, p->durable_seq);
	return 1;
}

static int log_append(void *ctx, const void *rec, size_t len, uint64_t *lsn)
{
	struct kv_persist *p = ctx;
	struct ak_vlog_cursor where;
	int err;

	err = ak_vlog_append(p->log, rec, len, on_durable, p, &where);
	if (err)
		return err;
	if (p->marked && !p->have_mark) {
		p->mark = where;
		p->have_mark = true;
	}
	*lsn = where.seq + 1;
	return 0;
}

static void log_mark(void *ctx)
{
	struct kv_persist *p = ctx;

	p->marked = true;
	p->have_mark = false;
}

/*
 * Drops every record before the first one appended after the mark; with
 * none appended since, everything durable goes (the data was empty).
 */
static int log_trim(void *ctx, uint64_t lsn)
{
	struct kv_persist *p = ctx;
	struct ak_vlog_cursor upto =
		p->have_mark ? p->mark : ak_vlog_durable_end(p->log);

	p->marked = false;
	return ak_vlog_trim(p->log, upto, NULL, NULL);
}

/* The log's own view: capacity, use, and how well commits are shared. */
static void log_info(void *ctx, char *buf, size_t len)
{
	struct kv_persist *p = ctx;
	struct ak_vlog_stats st;

	ak_vlog_get_stats(p->log, &st);
	snprintf(buf, len,
		 "vlog_capacity:%llu\r\nvlog_used:%llu\r\n"
		 "vlog_appends:%llu\r\nvlog_commits:%llu\r\n"
		 "vlog_grows:%llu\r\n",
		 (unsigned long long)ak_vlog_capacity(p->log),
		 (unsigned long long)ak_vlog_used(p->log),
		 (unsigned long long)st.appends, (unsigned long long)st.commits,
		 (unsigned long long)st.grows);
}

static const struct kv_log_ops vlog_ops = {
	.append = log_append,
	.mark = log_mark,
	.trim = log_trim,
	.info = log_info,
};

static int replay(struct kv_persist *p)
{
	struct ak_vlog_cursor c = ak_vlog_head(p->log);
	uint64_t last = 0, bytes = 0;
	char *buf = malloc(KV_LOG_MAX_RECORD);
	int len, err = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		uint64_t seq = c.seq;

		len = ak_vlog_read(p->log, &c, buf, KV_LOG_MAX_RECORD);
		if (len < 0)
			break;
		err = kv_server_replay(p->srv, buf, (size_t)len);
		if (err)
			break;
		last = seq + 1;
		bytes += (size_t)len;
		p->replayed++;
	}
	free(buf);
	if (!err && len != -ENOENT)
		err = len;
	if (err)
		return err;
	kv_server_replayed(p->srv, bytes, last);
	return 0;
}

int kv_persist_open_vsa(struct ak_vsa *vsa, struct ak_loop *loop,
			struct kv_server *srv, struct kv_persist **out)
{
	struct ak_vlog_opts opts = {.max_record = KV_LOG_MAX_RECORD};
	struct kv_persist *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->srv = srv;
	err = ak_vlog_open(vsa, &opts, &p->log);
	if (err)
		goto free_p;
	err = replay(p);
	if (err)
		goto close_log;
	kv_server_set_log(srv, &vlog_ops, p);
	kv_server_set_log_limit(srv, KV_LOG_MAX_RECORD);
	p->durable_seq = p->reported_seq = kv_server_last_lsn(srv);
	p->loop = loop;
	p->poller =
		(struct ak_poller){.poll = report_durable, .fd = -1, .ctx = p};
	ak_loop_add_poller(loop, &p->poller);
	*out = p;
	return 0;

close_log:
	ak_vlog_close(p->log);
free_p:
	free(p);
	return err;
}

uint64_t kv_persist_replayed(const struct kv_persist *p)
{
	return p->replayed;
}

void kv_persist_close(struct kv_persist *p)
{
	if (!p)
		return;
	ak_vlog_close(p->log);
	report_durable(p, 0);
	ak_loop_del_poller(p->loop, &p->poller);
	kv_server_set_log(p->srv, NULL, NULL);
	free(p);
}
