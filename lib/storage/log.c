// SPDX-License-Identifier: MIT
/*
 * The persistent log (arrakis/vlog.h).
 *
 * On the VSA: two header blocks, then the data area used as a circle. A
 * record lives at a logical byte position `pos` that only grows; its place
 * in the data area is (base_phys + pos - base_pos) mod capacity, where the
 * header holds base_pos, base_phys and capacity (a grow changes them).
 *
 * Durability rules the recovery relies on:
 *  - A commit rewrites the partial block before the new records with the
 *    same bytes it already held, so tearing that block never harms the
 *    durable records in it.
 *  - Each open starts a new epoch, made durable before any append; records
 *    carry their epoch, and recovery accepts a chain of records only while
 *    the sequence numbers follow one another and epochs never go down. A
 *    record written but not flushed in an earlier session can sit right
 *    after the recovered end with the "right" sequence number; the epoch
 *    rule refuses it once a later session wrote in between.
 *  - Space before the head is reused only after the new head is durable.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <arrakis/vlog.h>

#include "lib/storage/crc32c.h"
#include "lib/storage/vsa_impl.h"

#define BLK		AK_VSA_BLOCK_SIZE
#define LOG_MAGIC	"AKVLOG01"
#define LOG_VERSION	1u
#define LOG_REC_MAGIC	0x52474c41u /* "ALGR" */
#define LOG_DATA_OFF	(2ull * BLK)
#define LOG_DEFAULT_MAX (64u * 1024u)
#define LOG_WINDOW	(1u << 20)

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the log's on-disk format is little-endian");

struct log_header {
	char magic[8];
	uint32_t version;
	uint32_t crc;
	uint64_t hseq; /* header writes; the higher valid copy wins */
	uint64_t epoch;
	uint64_t head_pos;
	uint64_t head_seq;
	uint64_t base_pos;
	uint64_t base_phys;
	uint64_t capacity;
	uint32_t max_record;
	uint32_t reserved;
};
_Static_assert(sizeof(struct log_header) == 80, "log header layout");

struct log_rec {
	uint32_t crc; /* CRC32C of the rest of the header and the payload */
	uint32_t len;
	uint64_t seq;
	uint32_t epoch;
	uint32_t magic;
};
_Static_assert(sizeof(struct log_rec) == 24, "log record layout");

struct log_waiter {
	uint64_t seq;
	ak_vlog_cb cb;
	void *ctx;
};

struct ak_vlog {
	struct ak_vsa *vsa;
	struct ak_vlog_opts opts;
	struct log_header hdr; /* the last header written */

	/* Records: [head, durable) durable, [durable, written) being
	 * committed, [written, tail) only in memory (pend). */
	struct ak_vlog_cursor head; /* for readers */
	uint64_t reuse_pos;	    /* durable head: space before is free */
	struct ak_vlog_cursor durable;
	uint64_t tail;
	uint64_t next_seq;

	uint8_t *pend;
	size_t pend_len, pend_cap;
	uint64_t pend_pos;
	uint8_t *tail_blk; /* the block holding pend_pos, as on disk */

	uint8_t *wbuf; /* one commit's write, block-aligned */
	size_t wbuf_cap;
	bool commit_inflight;
	bool acking; /* inside completion callbacks */
	unsigned writes_pending;
	int commit_err;
	uint64_t batch_tail;
	uint64_t batch_last_seq;
	int failed;

	struct log_waiter *waiters;
	size_t w_head, w_count, w_cap;

	/* Header write for trims: one at a time, redone if dirty. */
	bool hdr_inflight;
	bool hdr_dirty;
	struct log_header hdr_pending;
	uint8_t *hdr_buf;
	ak_vsa_cb trim_cb;
	void *trim_ctx;

	/* Read window for recovery and readers. */
	uint8_t *win;
	uint64_t win_pos;
	uint64_t win_len;

	struct ak_vlog_stats stats;
};

static uint64_t align_down(uint64_t v)
{
	return v / BLK * BLK;
}

static uint64_t align_up(uint64_t v)
{
	return (v + BLK - 1) / BLK * BLK;
}

static uint64_t rec_size(uint64_t len)
{
	return (sizeof(struct log_rec) + len + 7) & ~7ull;
}

static void *aligned_alloc_zero(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, BLK, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

/* Data-area offset of logical position pos. */
static uint64_t log_phys(const struct ak_vlog *log, uint64_t pos)
{
	const struct log_header *h = &log->hdr;

	return (h->base_phys + (pos - h->base_pos)) % h->capacity;
}

/* ---- synchronous I/O, for open, recovery, grow and readers ---- */

struct sync_io {
	int done;
	int result;
};

static void sync_done(void *ctx, int result)
{
	struct sync_io *s = ctx;

	s->done = 1;
	s->result = result;
}

static int sync_wait(struct ak_vsa *vsa, struct sync_io *s, int submitted)
{
	if (submitted)
		return submitted;
	while (!s->done) {
		int ret = vsa->ops->reap(vsa, true);

		if (ret < 0 && ret != -EINTR && ret != -EAGAIN)
			return ret;
	}
	return s->result;
}

static int sync_rw(struct ak_vsa *vsa, bool write, uint64_t off, void *buf,
		   size_t len)
{
	struct sync_io s = {0};

	if (write)
		return sync_wait(
			vsa, &s,
			ak_vsa_write(vsa, off, buf, len, sync_done, &s));
	return sync_wait(vsa, &s,
			 ak_vsa_read(vsa, off, buf, len, sync_done, &s));
}

static int sync_flush(struct ak_vsa *vsa)
{
	struct sync_io s = {0};

	return sync_wait(vsa, &s, ak_vsa_flush(vsa, sync_done, &s));
}

/* Reads or writes logical [pos, pos+len) (block-aligned), split at the wrap. */
static int log_sync_io(struct ak_vlog *log, bool write, uint64_t pos,
		       uint8_t *buf, uint64_t len)
{
	while (len) {
		uint64_t phys = log_phys(log, pos);
		uint64_t run = log->hdr.capacity - phys;
		int ret;

		if (run > len)
			run = len;
		ret = sync_rw(log->vsa, write, LOG_DATA_OFF + phys, buf, run);
		if (ret)
			return ret;
		pos += run;
		buf += run;
		len -= run;
	}
	return 0;
}

/*
 * Makes [pos, pos+len) of the log readable through the window and returns
 * a pointer to it. len is at most the largest record.
 */
static int log_view(struct ak_vlog *log, uint64_t pos, uint64_t len,
		    const uint8_t **out)
{
	uint64_t start, span;
	int ret;

	if (pos >= log->win_pos && pos + len <= log->win_pos + log->win_len) {
		*out = log->win + (pos - log->win_pos);
		return 0;
	}

	start = align_down(pos);
	span = LOG_WINDOW;
	if (span > log->hdr.capacity)
		span = log->hdr.capacity;
	log->win_len = 0;
	ret = log_sync_io(log, false, start, log->win, span);
	if (ret)
		return ret;
	log->win_pos = start;
	log->win_len = span;
	if (pos + len > start + span)
		return -EINVAL;
	*out = log->win + (pos - start);
	return 0;
}

/* ---- headers ---- */

static uint32_t header_crc(const struct log_header *h)
{
	struct log_header c = *h;

	c.crc = 0;
	return ak_crc32c(0, &c, sizeof(c));
}

static bool header_valid(const struct log_header *h, uint64_t vsa_size)
{
	return !memcmp(h->magic, LOG_MAGIC, sizeof(h->magic)) &&
	       h->crc == header_crc(h) && h->version == LOG_VERSION &&
	       h->capacity && h->capacity % BLK == 0 &&
	       LOG_DATA_OFF + h->capacity <= vsa_size &&
	       h->base_phys < h->capacity && h->head_pos >= h->base_pos &&
	       h->max_record && h->max_record <= LOG_WINDOW / 2;
}

static void header_encode(struct log_header *h, uint8_t *blk)
{
	memcpy(h->magic, LOG_MAGIC, sizeof(h->magic));
	h->version = LOG_VERSION;
	h->crc = header_crc(h);
	memset(blk, 0, BLK);
	memcpy(blk, h, sizeof(*h));
}

/* Writes header h (its hseq picks the copy) and flushes, synchronously. */
static int header_write_sync(struct ak_vlog *log, struct log_header *h)
{
	int ret;

	header_encode(h, log->hdr_buf);
	ret = sync_rw(log->vsa, true, (h->hseq % 2) * BLK, log->hdr_buf, BLK);
	if (ret)
		return ret;
	ret = sync_flush(log->vsa);
	if (ret)
		return ret;
	log->hdr = *h;
	return 0;
}

static int header_load(struct ak_vlog *log, struct log_header *out)
{
	struct log_header h[2];
	bool valid[2], magic_seen = false;
	int ret;

	for (int i = 0; i < 2; i++) {
		ret = sync_rw(log->vsa, false, (uint64_t)i * BLK, log->hdr_buf,
			      BLK);
		if (ret)
			return ret;
		memcpy(&h[i], log->hdr_buf, sizeof(h[i]));
		valid[i] = header_valid(&h[i], ak_vsa_size(log->vsa));
		magic_seen |= !memcmp(h[i].magic, LOG_MAGIC, 8);
	}
	if (!valid[0] && !valid[1])
		return magic_seen ? -EUCLEAN : -ENOENT;
	if (valid[0] && valid[1])
		*out = h[0].hseq > h[1].hseq ? h[0] : h[1];
	else
		*out = valid[0] ? h[0] : h[1];
	return 0;
}

static int log_format(struct ak_vlog *log)
{
	uint64_t size = ak_vsa_size(log->vsa);
	struct log_header h = {
		.hseq = 0,
		.epoch = 0,
		.max_record = log->opts.max_record,
	};

	if (size < LOG_DATA_OFF + 4ull * BLK)
		return -ENOSPC;
	h.capacity = align_down(size - LOG_DATA_OFF);
	return header_write_sync(log, &h);
}

/* ---- recovery ---- */

/*
 * Checks the record at pos: returns its total size, or 0 when the chain
 * ends there (see the rules at the top of this file).
 */
static uint64_t record_check(struct ak_vlog *log, uint64_t pos, uint64_t seq,
			     uint32_t min_epoch, uint32_t *epoch)
{
	const uint8_t *p;
	struct log_rec r;
	uint64_t size;

	if (pos + sizeof(r) - log->reuse_pos > log->hdr.capacity ||
	    log_view(log, pos, sizeof(r), &p))
		return 0;
	memcpy(&r, p, sizeof(r));
	if (r.magic != LOG_REC_MAGIC || r.seq != seq ||
	    r.len > log->hdr.max_record || r.epoch < min_epoch ||
	    r.epoch > log->hdr.epoch)
		return 0;

	size = rec_size(r.len);
	if (pos + size - log->reuse_pos > log->hdr.capacity ||
	    log_view(log, pos, size, &p))
		return 0;
	if (ak_crc32c(0, p + 4, sizeof(r) - 4 + r.len) != r.crc)
		return 0;
	*epoch = r.epoch;
	return size;
}

static int log_recover(struct ak_vlog *log)
{
	uint64_t pos = log->hdr.head_pos, seq = log->hdr.head_seq;
	uint32_t epoch = 0;
	const uint8_t *p;
	uint64_t size;
	int ret;

	log->reuse_pos = pos;
	while ((size = record_check(log, pos, seq, epoch, &epoch))) {
		pos += size;
		seq++;
		log->stats.recovered++;
	}

	log->head =
		(struct ak_vlog_cursor){log->hdr.head_pos, log->hdr.head_seq};
	log->durable = (struct ak_vlog_cursor){pos, seq};
	log->tail = log->pend_pos = log->batch_tail = pos;
	log->next_seq = seq;

	/* Keep the on-disk bytes of the block the next commit rewrites. */
	if (pos % BLK) {
		ret = log_view(log, align_down(pos), BLK, &p);
		if (ret)
			return ret;
		memcpy(log->tail_blk, p, pos % BLK);
	}
	return 0;
}

/* ---- open and close ---- */

static int log_alloc(struct ak_vlog *log)
{
	uint32_t max = log->opts.max_record;

	log->tail_blk = aligned_alloc_zero(BLK);
	log->hdr_buf = aligned_alloc_zero(BLK);
	log->win = aligned_alloc_zero(LOG_WINDOW);
	log->pend_cap = align_up(max + sizeof(struct log_rec)) + BLK;
	log->wbuf_cap = log->pend_cap + 2 * BLK;
	log->wbuf = aligned_alloc_zero(log->wbuf_cap);
	log->pend = malloc(log->pend_cap);
	log->w_cap = 64;
	log->waiters = calloc(log->w_cap, sizeof(*log->waiters));
	if (!log->tail_blk || !log->hdr_buf || !log->win || !log->wbuf ||
	    !log->pend || !log->waiters)
		return -ENOMEM;
	return 0;
}

static void log_free(struct ak_vlog *log)
{
	free(log->tail_blk);
	free(log->hdr_buf);
	free(log->win);
	free(log->wbuf);
	free(log->pend);
	free(log->waiters);
	free(log);
}

int ak_vlog_open(struct ak_vsa *vsa, const struct ak_vlog_opts *opts,
		 struct ak_vlog **out)
{
	struct ak_vlog *log = calloc(1, sizeof(*log));
	struct log_header h;
	int ret;

	if (!log)
		return -ENOMEM;
	log->vsa = vsa;
	if (opts)
		log->opts = *opts;
	if (!log->opts.max_record)
		log->opts.max_record = LOG_DEFAULT_MAX;
	ret = -EINVAL;
	if (log->opts.max_record > LOG_WINDOW / 2)
		goto err_free;
	ret = log_alloc(log);
	if (ret)
		goto err_free;

	ret = header_load(log, &h);
	if (ret == -ENOENT) {
		ret = log_format(log);
		h = log->hdr;
	}
	if (ret)
		goto err_free;
	log->hdr = h;
	log->opts.max_record = h.max_record;

	ret = log_recover(log);
	if (ret)
		goto err_free;

	/* A new session: its epoch must be durable before its records. */
	h.epoch++;
	h.hseq++;
	ret = header_write_sync(log, &h);
	if (ret)
		goto err_free;
	*out = log;
	return 0;

err_free:
	log_free(log);
	return ret;
}

void ak_vlog_close(struct ak_vlog *log)
{
	if (!log)
		return;
	while (log->commit_inflight || log->hdr_inflight)
		if (ak_vsa_drain(log->vsa) || !ak_vsa_inflight(log->vsa))
			break;
	log_free(log);
}

/* ---- group commit ---- */

static void commit_start(struct ak_vlog *log);
static int wbuf_reserve(struct ak_vlog *log);

static void waiters_ack(struct ak_vlog *log, uint64_t last_seq, int result)
{
	while (log->w_count) {
		struct log_waiter w = log->waiters[log->w_head];

		if (w.seq > last_seq)
			break;
		log->w_head = (log->w_head + 1) % log->w_cap;
		log->w_count--;
		if (w.cb)
			w.cb(w.ctx, result, w.seq);
	}
}

static void commit_flushed(void *ctx, int result)
{
	struct ak_vlog *log = ctx;

	if (result == 0 && log->commit_err == 0) {
		log->durable = (struct ak_vlog_cursor){log->batch_tail,
						       log->batch_last_seq + 1};
	} else {
		log->failed = result ? result : log->commit_err;
	}
	log->commit_inflight = false;

	/* Appends made by the callbacks wait, and all go in one commit. */
	log->acking = true;
	waiters_ack(log, log->failed ? UINT64_MAX : log->batch_last_seq,
		    log->failed);
	log->acking = false;
	if (log->pend_len && !log->failed && !log->commit_inflight)
		commit_start(log);
}

static void commit_written(void *ctx, int result)
{
	struct ak_vlog *log = ctx;
	int ret;

	if (result && !log->commit_err)
		log->commit_err = result;
	if (--log->writes_pending)
		return;
	if (log->commit_err) {
		commit_flushed(log, log->commit_err);
		return;
	}
	ret = ak_vsa_flush(log->vsa, commit_flushed, log);
	if (ret)
		commit_flushed(log, ret);
}

/* Builds the commit's write: the partial block, the records, zeros. */
static uint64_t commit_fill(struct ak_vlog *log, uint64_t *from)
{
	uint64_t start = align_down(log->pend_pos);
	uint64_t head = log->pend_pos - start;
	uint64_t len = align_up(head + log->pend_len);

	memcpy(log->wbuf, log->tail_blk, head);
	memcpy(log->wbuf + head, log->pend, log->pend_len);
	memset(log->wbuf + head + log->pend_len, 0, len - head - log->pend_len);

	/* The last partial block is the next commit's first. */
	log->batch_tail = log->pend_pos + log->pend_len;
	if (log->batch_tail % BLK)
		memcpy(log->tail_blk, log->wbuf + align_down(len - 1), BLK);
	*from = start;
	return len;
}

static void commit_start(struct ak_vlog *log)
{
	uint64_t pos, len, off = 0;
	int ret;

	ret = wbuf_reserve(log);
	if (ret) {
		log->failed = ret;
		waiters_ack(log, UINT64_MAX, ret);
		return;
	}
	len = commit_fill(log, &pos);
	log->win_len = 0; /* the read window may hold these blocks' past */
	log->batch_last_seq = log->next_seq - 1;
	log->pend_pos = log->batch_tail;
	log->pend_len = 0;
	log->commit_inflight = true;
	log->commit_err = 0;
	log->writes_pending = 1; /* held until every piece is issued */
	log->stats.commits++;

	/* The usual case, no wrap: write and flush as one linked chain. */
	if (log_phys(log, pos) + len <= log->hdr.capacity) {
		ret = ak_vsa_write_durable(log->vsa,
					   LOG_DATA_OFF + log_phys(log, pos),
					   log->wbuf, len, commit_flushed, log);
		if (ret)
			commit_flushed(log, ret);
		return;
	}

	while (off < len && !ret) {
		uint64_t phys = log_phys(log, pos + off);
		uint64_t run = log->hdr.capacity - phys;

		if (run > len - off)
			run = len - off;
		log->writes_pending++;
		ret = ak_vsa_write(log->vsa, LOG_DATA_OFF + phys,
				   log->wbuf + off, run, commit_written, log);
		if (ret)
			log->writes_pending--;
		off += run;
	}
	commit_written(log, ret);
}

static int waiter_push(struct ak_vlog *log, uint64_t seq, ak_vlog_cb cb,
		       void *ctx)
{
	if (log->w_count == log->w_cap) {
		size_t ncap = log->w_cap * 2;
		struct log_waiter *w = malloc(ncap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		for (size_t i = 0; i < log->w_count; i++)
			w[i] = log->waiters[(log->w_head + i) % log->w_cap];
		free(log->waiters);
		log->waiters = w;
		log->w_head = 0;
		log->w_cap = ncap;
	}
	log->waiters[(log->w_head + log->w_count) % log->w_cap] =
		(struct log_waiter){seq, cb, ctx};
	log->w_count++;
	return 0;
}

static int pend_reserve(struct ak_vlog *log, uint64_t need)
{
	size_t ncap = log->pend_cap;
	uint8_t *p;

	if (log->pend_len + need <= log->pend_cap)
		return 0;
	while (ncap < log->pend_len + need)
		ncap *= 2;
	p = realloc(log->pend, ncap);
	if (!p)
		return -ENOMEM;
	log->pend = p;
	log->pend_cap = ncap;
	return 0;
}

/* Sizes the write buffer for pend (no commit is in flight). */
static int wbuf_reserve(struct ak_vlog *log)
{
	size_t need = align_up(BLK + log->pend_len);
	uint8_t *w;

	if (need <= log->wbuf_cap)
		return 0;
	w = aligned_alloc_zero(need * 2);
	if (!w)
		return -ENOMEM;
	free(log->wbuf);
	log->wbuf = w;
	log->wbuf_cap = need * 2;
	return 0;
}

static bool log_fits(const struct ak_vlog *log, uint64_t size)
{
	return align_up(log->tail + size) - align_down(log->reuse_pos) <=
	       log->hdr.capacity;
}

static int log_grow(struct ak_vlog *log, uint64_t size);

static void rec_encode(struct ak_vlog *log, uint8_t *dst, const void *data,
		       size_t len)
{
	struct log_rec r = {
		.len = (uint32_t)len,
		.seq = log->next_seq,
		.epoch = (uint32_t)log->hdr.epoch,
		.magic = LOG_REC_MAGIC,
	};
	uint64_t size = rec_size(len);

	memcpy(dst, &r, sizeof(r));
	memcpy(dst + sizeof(r), data, len);
	memset(dst + sizeof(r) + len, 0, size - sizeof(r) - len);
	r.crc = ak_crc32c(0, dst + 4, sizeof(r) - 4 + len);
	memcpy(dst, &r.crc, sizeof(r.crc));
}

int ak_vlog_append(struct ak_vlog *log, const void *data, size_t len,
		   ak_vlog_cb cb, void *ctx, struct ak_vlog_cursor *where)
{
	uint64_t size = rec_size(len);
	int ret;

	if (log->failed)
		return log->failed;
	if (len > log->opts.max_record)
		return -EMSGSIZE;
	if (!log_fits(log, size)) {
		ret = log_grow(log, size);
		if (ret)
			return ret;
	}
	ret = pend_reserve(log, size);
	if (ret)
		return ret;
	ret = waiter_push(log, log->next_seq, cb, ctx);
	if (ret)
		return ret;

	rec_encode(log, log->pend + log->pend_len, data, len);
	if (where)
		*where = (struct ak_vlog_cursor){log->tail, log->next_seq};
	log->pend_len += size;
	log->tail += size;
	log->next_seq++;
	log->stats.appends++;
	log->stats.bytes += len;

	if (!log->commit_inflight && !log->acking)
		commit_start(log);
	return 0;
}

/* ---- trimming ---- */

static void trim_header_done(void *ctx, int result);

static void trim_header_start(struct ak_vlog *log)
{
	int ret;

	log->hdr_pending = log->hdr;
	log->hdr_pending.head_pos = log->head.pos;
	log->hdr_pending.head_seq = log->head.seq;
	log->hdr_pending.hseq++;
	header_encode(&log->hdr_pending, log->hdr_buf);
	log->hdr_inflight = true;
	log->hdr_dirty = false;
	ret = ak_vsa_write(log->vsa, (log->hdr_pending.hseq % 2) * BLK,
			   log->hdr_buf, BLK, trim_header_done, log);
	if (ret)
		trim_header_done(log, ret);
}

static void trim_header_flushed(void *ctx, int result)
{
	struct ak_vlog *log = ctx;
	ak_vsa_cb cb = log->trim_cb;

	log->hdr_inflight = false;
	if (result == 0) {
		log->hdr = log->hdr_pending;
		log->reuse_pos = log->hdr.head_pos;
	}
	if (log->hdr_dirty) {
		trim_header_start(log);
		return;
	}
	log->trim_cb = NULL;
	if (cb)
		cb(log->trim_ctx, result);
}

static void trim_header_done(void *ctx, int result)
{
	struct ak_vlog *log = ctx;
	int ret;

	if (result) {
		trim_header_flushed(log, result);
		return;
	}
	ret = ak_vsa_flush(log->vsa, trim_header_flushed, log);
	if (ret)
		trim_header_flushed(log, ret);
}

int ak_vlog_trim(struct ak_vlog *log, struct ak_vlog_cursor upto, ak_vsa_cb cb,
		 void *ctx)
{
	if (upto.pos < log->head.pos || upto.pos > log->durable.pos ||
	    upto.seq < log->head.seq || upto.seq > log->durable.seq)
		return -EINVAL;
	if (upto.pos == log->head.pos)
		return 0;

	log->head = upto;
	log->trim_cb = cb;
	log->trim_ctx = ctx;
	if (log->hdr_inflight)
		log->hdr_dirty = true;
	else
		trim_header_start(log);
	return 0;
}

/* ---- growing ---- */

static int default_grow(void *ctx, struct ak_vsa *vsa, uint64_t min_size)
{
	return ak_vsa_grow(vsa, min_size);
}

/* Waits until no commit or header write is in flight. */
static int log_quiesce(struct ak_vlog *log)
{
	while (log->commit_inflight || log->hdr_inflight) {
		int ret = ak_vsa_drain(log->vsa);

		if (ret)
			return ret;
	}
	return log->failed;
}

/*
 * Remaps the data area onto a larger VSA. When the live records wrap
 * around the end of the old area, the wrapped part is copied right after
 * it first, so the live records are contiguous in the new mapping; the new
 * header is written only once the copy is durable.
 */
static int log_remap(struct ak_vlog *log, uint64_t new_cap)
{
	struct log_header h = log->hdr;
	uint64_t start = align_down(log->reuse_pos);
	uint64_t end = align_up(log->tail);
	uint64_t phys = log_phys(log, start);
	uint64_t old_cap = h.capacity;
	int ret;

	if (phys + (end - start) > old_cap) {
		uint64_t wrapped = phys + (end - start) - old_cap;

		for (uint64_t off = 0; off < wrapped; off += LOG_WINDOW) {
			uint64_t run = wrapped - off < LOG_WINDOW
					       ? wrapped - off
					       : LOG_WINDOW;

			ret = sync_rw(log->vsa, false, LOG_DATA_OFF + off,
				      log->win, run);
			if (!ret)
				ret = sync_rw(log->vsa, true,
					      LOG_DATA_OFF + old_cap + off,
					      log->win, run);
			if (ret)
				return ret;
		}
		ret = sync_flush(log->vsa);
		if (ret)
			return ret;
	}
	log->win_len = 0;

	h.base_pos = start;
	h.base_phys = phys;
	h.capacity = new_cap;
	h.hseq++;
	return header_write_sync(log, &h);
}

static int log_grow(struct ak_vlog *log, uint64_t size)
{
	uint64_t old = ak_vsa_size(log->vsa), want, new_cap;
	int (*grow)(void *, struct ak_vsa *, uint64_t) =
		log->opts.grow ? log->opts.grow : default_grow;
	int ret;

	if (log->opts.no_grow)
		return -ENOSPC;
	ret = log_quiesce(log);
	if (ret)
		return ret;
	if (log_fits(log, size))
		return 0;

	/* Double, so that the copy of a wrapped part always fits. */
	want = old + log->hdr.capacity + align_up(size);
	ret = grow(log->opts.grow_ctx, log->vsa, want);
	if (ret)
		return ret;
	new_cap = align_down(ak_vsa_size(log->vsa) - LOG_DATA_OFF);
	if (new_cap < log->hdr.capacity * 2)
		return -ENOSPC;
	ret = log_remap(log, new_cap);
	if (ret)
		return ret;
	log->stats.grows++;
	return log_fits(log, size) ? 0 : -ENOSPC;
}

/* ---- reading and state ---- */

int ak_vlog_read(struct ak_vlog *log, struct ak_vlog_cursor *cursor, void *buf,
		 size_t cap)
{
	uint32_t epoch = 0;
	const uint8_t *p;
	struct log_rec r;
	uint64_t size;

	if (cursor->pos == log->durable.pos)
		return -ENOENT;
	if (cursor->pos < log->head.pos || cursor->pos > log->durable.pos)
		return -EINVAL;

	size = record_check(log, cursor->pos, cursor->seq, 0, &epoch);
	if (!size)
		return -EINVAL;
	if (log_view(log, cursor->pos, size, &p))
		return -EIO;
	memcpy(&r, p, sizeof(r));
	if (r.len > cap)
		return -ENOBUFS;
	memcpy(buf, p + sizeof(r), r.len);
	cursor->pos += size;
	cursor->seq++;
	return (int)r.len;
}

struct ak_vlog_cursor ak_vlog_head(const struct ak_vlog *log)
{
	return log->head;
}

struct ak_vlog_cursor ak_vlog_durable_end(const struct ak_vlog *log)
{
	return log->durable;
}

uint64_t ak_vlog_capacity(const struct ak_vlog *log)
{
	return log->hdr.capacity;
}

uint64_t ak_vlog_used(const struct ak_vlog *log)
{
	return log->tail - log->reuse_pos;
}

void ak_vlog_get_stats(const struct ak_vlog *log, struct ak_vlog_stats *out)
{
	*out = log->stats;
}
