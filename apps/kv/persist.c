// SPDX-License-Identifier: MIT
/*
 * Durability of the arrakis-kv core: a write's record goes to the log and
 * its reply waits for it; a rewrite re-emits the live data so the log can
 * drop everything older.
 *
 * Why a rewrite may run while writes continue: it notes the last record
 * before it starts (start_lsn), then walks the keyspace, appending a SET of
 * each live entry's value at the moment it is visited. Every write after
 * start_lsn is in the log too, in order. Replaying only the records after
 * start_lsn therefore gives the current data: a key untouched since the
 * rewrite began comes from its rewrite record; a key changed before its
 * visit is emitted with the change already applied (and the change's own
 * record, earlier in the log, is overwritten by it); a key changed after
 * its visit has that change later in the log; a deleted key is either
 * never visited or its DEL follows. The walk visits every key present for
 * its whole duration (the scan guarantee), which covers every other case.
 */
#include <errno.h>
#include <string.h>

#include "apps/kv/kv.h"
#include "apps/kv/record.h"

/* Rewrite records are batched to about this size. */
#define KV_REWRITE_BATCH (64 * 1024)

static int log_append(struct kv_server *srv, const struct kv_buf *rec,
		      uint64_t *lsn)
{
	int err = srv->log->append(srv->log_ctx, rec->data, rec->len, lsn);

	if (err)
		return err;
	srv->last_lsn = *lsn;
	srv->log_bytes += rec->len;
	srv->stats.log_records++;
	srv->stats.log_bytes_total += rec->len;
	return 0;
}

int kv_persist_append(struct kv_server *srv, struct kv_conn *c,
		      uint64_t reply_pos)
{
	uint64_t lsn;
	int err;

	if (!srv->log)
		return 0;
	err = log_append(srv, &srv->rec, &lsn);
	if (err) {
		/*
		 * The change is in memory but will not survive a crash: the
		 * client must not take it as acknowledged, so the connection
		 * closes, and later writes are refused.
		 */
		kv_server_log_failed(srv, err);
		c->close_now = true;
		return err;
	}
	kv_conn_add_barrier(c, reply_pos, lsn);
	return 0;
}

/* The rec buffer ran out of memory: the command's effect cannot be logged. */
void kv_log_op_failed(struct kv_server *srv, int err)
{
	if (srv->log)
		kv_server_log_failed(srv, err);
}

void kv_server_set_log_limit(struct kv_server *srv, uint32_t max_record)
{
	srv->max_record = max_record;
}

bool kv_log_fits(struct kv_conn *c, uint64_t payload)
{
	struct kv_server *srv = c->srv;

	if (!srv->log || !srv->max_record ||
	    payload + KV_REC_OVERHEAD <= srv->max_record)
		return true;
	reply_errorf(c,
		     "ERR write of %llu bytes exceeds the durable log's "
		     "record size (%u bytes)",
		     (unsigned long long)payload, srv->max_record);
	return false;
}

bool kv_server_rewrite_running(const struct kv_server *srv)
{
	return srv->rw.running;
}

int kv_server_rewrite_start(struct kv_server *srv)
{
	struct kv_rewrite *rw = &srv->rw;

	if (!srv->log || rw->running || srv->log_error)
		return -EBUSY;
	rw->running = true;
	rw->emitted = false;
	rw->cursor = 0;
	rw->start_lsn = srv->last_lsn;
	rw->last_lsn = srv->last_lsn;
	rw->start_bytes = srv->stats.log_bytes_total;
	rw->batch.len = 0;
	if (srv->log->mark)
		srv->log->mark(srv->log_ctx);
	return 0;
}

void kv_server_replayed(struct kv_server *srv, uint64_t bytes,
			uint64_t last_lsn)
{
	srv->log_bytes = bytes;
	srv->last_lsn = last_lsn;
	srv->durable_lsn = last_lsn;
}

struct emit_ctx {
	struct kv_server *srv;
	int err;
};

static int flush_batch(struct kv_server *srv);

static void emit_entry(void *ctx, struct kv_entry *e)
{
	struct emit_ctx *ec = ctx;
	struct kv_server *srv = ec->srv;
	uint64_t size = (uint64_t)e->klen + e->vlen + KV_REC_OVERHEAD;

	if (ec->err || (e->expire_ms && e->expire_ms <= srv->now_ms))
		return;
	/* Appending to the log here is safe: the keyspace does not change. */
	if (srv->max_record && srv->rw.batch.len + size > srv->max_record)
		ec->err = flush_batch(srv);
	if (!ec->err)
		ec->err = kv_rec_set(&srv->rw.batch, e->key, e->klen, e->val,
				     e->vlen, e->expire_ms);
}

static int flush_batch(struct kv_server *srv)
{
	struct kv_rewrite *rw = &srv->rw;
	uint64_t lsn;
	int err;

	if (!rw->batch.len)
		return 0;
	err = log_append(srv, &rw->batch, &lsn);
	rw->batch.len = 0;
	if (err)
		return err;
	rw->last_lsn = lsn;
	return 0;
}

static void rewrite_abort(struct kv_server *srv, int err)
{
	srv->rw.running = false;
	kv_buf_free(&srv->rw.batch);
	kv_server_log_failed(srv, err);
}

/* Once every rewrite record is durable, the older records can go. */
static int rewrite_finish(struct kv_server *srv)
{
	struct kv_rewrite *rw = &srv->rw;
	int err = 0;

	if (srv->durable_lsn < rw->last_lsn)
		return 0;
	if (rw->start_lsn && srv->log->trim)
		err = srv->log->trim(srv->log_ctx, rw->start_lsn);
	rw->running = false;
	kv_buf_free(&rw->batch);
	if (err)
		return err;
	srv->log_bytes = srv->stats.log_bytes_total - rw->start_bytes;
	srv->log_base = srv->log_bytes;
	srv->stats.rewrites++;
	return 1;
}

static bool rewrite_due(const struct kv_server *srv)
{
	uint64_t base = srv->log_base > srv->cfg.rewrite_min_bytes
				? srv->log_base
				: srv->cfg.rewrite_min_bytes;
	uint64_t grow = srv->log_base * srv->cfg.rewrite_percent / 100;

	return srv->log_bytes > base && srv->log_bytes > srv->log_base + grow;
}

int kv_rewrite_step(struct kv_server *srv, unsigned buckets)
{
	struct kv_rewrite *rw = &srv->rw;
	struct emit_ctx ec = {srv, 0};
	int err;

	if (!rw->running) {
		if (!srv->log || srv->log_error || !rewrite_due(srv))
			return 0;
		kv_server_rewrite_start(srv);
	}
	if (rw->emitted) {
		err = rewrite_finish(srv);
		if (err < 0)
			rewrite_abort(srv, err);
		return err > 0;
	}

	/*
	 * The batch is appended before this step returns: a command run
	 * later must land in the log after the values this step captured.
	 */
	while (buckets-- && !rw->emitted && !ec.err) {
		rw->cursor =
			kv_keyspace_scan(&srv->ks, rw->cursor, emit_entry, &ec);
		rw->emitted = rw->cursor == 0;
		if (!ec.err && rw->batch.len >= KV_REWRITE_BATCH)
			ec.err = flush_batch(srv);
	}
	if (!ec.err)
		ec.err = flush_batch(srv);
	if (ec.err)
		rewrite_abort(srv, ec.err);
	return 1;
}
