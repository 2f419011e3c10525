/* SPDX-License-Identifier: MIT */
/*
 * Log records: the effect of one write command, in a compact encoding that
 * replays to the same keyspace whenever it is applied in log order. Effects,
 * not commands: INCR is logged as the SET of its result, a relative expiry
 * as an absolute Unix time, so replay never depends on the clock or on what
 * the command saw.
 *
 * A record is a sequence of operations, applied all or none:
 *   SET      op key value expire_ms   (expire_ms 0: no expiry)
 *   DEL      op key
 *   APPEND   op key data
 *   EXPIREAT op key expire_ms         (0: persist)
 *   FLUSH    op
 * op is one byte; key, value and data are a LEB128 length and the bytes;
 * expire_ms is a LEB128 number.
 *
 * Replay stores entries with their expiry even when it has passed, and
 * expires nothing midway: the keys a command saw alive when it ran are then
 * exactly as it saw them, and what has expired by the end goes the usual
 * (lazy or active) way. For this to hold, the server logs APPEND and
 * EXPIREAT only for keys that were alive, and a SET when APPEND creates.
 */
#ifndef AK_KV_RECORD_H
#define AK_KV_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "apps/kv/buf.h"
#include "apps/kv/keyspace.h"

enum kv_op {
	KV_OP_SET = 1,
	KV_OP_DEL = 2,
	KV_OP_APPEND = 3,
	KV_OP_EXPIREAT = 4,
	KV_OP_FLUSH = 5,
};

int kv_rec_set(struct kv_buf *b, const char *key, size_t klen, const char *val,
	       size_t vlen, int64_t expire_ms);
int kv_rec_del(struct kv_buf *b, const char *key, size_t klen);
int kv_rec_append(struct kv_buf *b, const char *key, size_t klen,
		  const char *data, size_t len);
int kv_rec_expireat(struct kv_buf *b, const char *key, size_t klen,
		    int64_t expire_ms);
int kv_rec_flush(struct kv_buf *b);

/*
 * Applies a record to the keyspace. -EBADMSG when the record is malformed
 * (nothing applied), -ENOMEM when memory ran out midway.
 */
int kv_rec_apply(struct kv_keyspace *ks, const void *rec, size_t len);

#endif
