/* SPDX-License-Identifier: MIT */
/*
 * The arrakis-kv server core, free of I/O. A transport hands it the bytes
 * each connection received and sends what it says is ready; a log backend
 * stores the records it produces and reports when they are durable. The
 * same core runs over the Arrakis TCP API and the VSA log in the server,
 * and over plain buffers and an in-memory log in the tests.
 *
 * Durability: every write command produces one record (see record.h). When
 * a log is attached, the command's reply, and every later reply on that
 * connection, is held back until the log reports the record durable, so a
 * client never sees a write acknowledged that a crash could lose. Records
 * of many connections share a flush (group commit, in the log). When the
 * log has grown enough, the server rewrites the live data into it in small
 * steps while serving, then lets the log trim everything before.
 */
#ifndef AK_KV_SERVER_H
#define AK_KV_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apps/kv/resp.h"

struct kv_server;
struct kv_conn;

struct kv_log_ops {
	/*
	 * Appends a record (copied before return) and gives its sequence
	 * number, larger than every earlier one. Durability is reported later
	 * through kv_server_log_durable(). Negative errno on failure.
	 */
	int (*append)(void *ctx, const void *rec, size_t len, uint64_t *lsn);
	/*
	 * A rewrite begins: the records appended from now on are the ones a
	 * later trim keeps. NULL when the log trims by sequence number alone.
	 */
	void (*mark)(void *ctx);
	/*
	 * Records up to and including lsn (the last one before the latest
	 * mark) are no longer needed.
	 */
	int (*trim)(void *ctx, uint64_t lsn);
	/*
	 * Optional: writes "name:value\r\n" lines about the log for INFO
	 * persistence into buf (len bytes, NUL-terminated).
	 */
	void (*info)(void *ctx, char *buf, size_t len);
};

struct kv_config {
	uint64_t maxmemory;  /* 0: no limit */
	uint64_t max_query;  /* per-connection unparsed input */
	uint64_t max_output; /* stop reading a client past this */
	struct resp_limits limits;
	uint64_t rewrite_min_bytes; /* log size before the first rewrite */
	unsigned rewrite_percent;   /* growth over the last rewrite's size */
	uint16_t port;		    /* reported by INFO and CONFIG GET */
	uint32_t maxclients;	    /* reported; the transport enforces it */
};

/* Redis's defaults: 1 GB query buffer, 512 MB bulks, 64 MB first rewrite. */
void kv_config_defaults(struct kv_config *cfg);

int kv_server_create(const struct kv_config *cfg, struct kv_server **out);
void kv_server_destroy(struct kv_server *srv);

/* Attaches the durable log; NULL ops: keep data in memory only. */
void kv_server_set_log(struct kv_server *srv, const struct kv_log_ops *ops,
		       void *ctx);

/*
 * The log's largest record. Writes whose record could exceed it are
 * refused before they change anything, so every value stays small enough
 * to be rewritten as one record. 0: no limit.
 */
void kv_server_set_log_limit(struct kv_server *srv, uint32_t max_record);

/*
 * Called when output of a connection became sendable outside of its own
 * kv_conn_feed() (a durable record released held replies).
 */
typedef void (*kv_ready_fn)(void *ctx, struct kv_conn *conn);
void kv_server_set_ready(struct kv_server *srv, kv_ready_fn fn, void *ctx);

/* The wall clock, Unix milliseconds; expiry and TTLs are measured on it. */
void kv_server_set_time(struct kv_server *srv, int64_t unix_ms);

/*
 * Periodic housekeeping, every few milliseconds: active expiry, table
 * rehashing, a step of a log rewrite. Returns the work done (0: idle).
 */
int kv_server_cron(struct kv_server *srv);

/* Records up to and including lsn are durable: release their replies. */
void kv_server_log_durable(struct kv_server *srv, uint64_t lsn);

/*
 * The log failed: connections waiting for durability are closed (their
 * writes' outcome is unknown to them) and later writes get -MISCONF.
 */
void kv_server_log_failed(struct kv_server *srv, int err);

/* Rebuilds data at start: applies one record read back from the log. */
int kv_server_replay(struct kv_server *srv, const void *rec, size_t len);

/* Tells the rewrite logic how large the replayed log was. */
void kv_server_replayed(struct kv_server *srv, uint64_t bytes,
			uint64_t last_lsn);

uint64_t kv_server_dbsize(const struct kv_server *srv);
uint64_t kv_server_last_lsn(const struct kv_server *srv);
uint64_t kv_server_used_memory(const struct kv_server *srv);
bool kv_server_rewrite_running(const struct kv_server *srv);

/* Starts a log rewrite now (also started by size, from cron). */
int kv_server_rewrite_start(struct kv_server *srv);

/* A new client; io_ctx is the transport's, returned by kv_conn_io(). */
struct kv_conn *kv_conn_open(struct kv_server *srv, void *io_ctx);
void kv_conn_close(struct kv_conn *c);
void *kv_conn_io(const struct kv_conn *c);

/*
 * Takes bytes received from the client and runs every complete request.
 * -E2BIG when the unparsed input would pass max_query (the client must be
 * disconnected, as Redis does), -ENOMEM when memory ran out.
 */
int kv_conn_feed(struct kv_conn *c, const void *data, size_t len);

/*
 * The replies ready to send: not held for durability, and none once the
 * connection must close for cause (kv_conn_should_close() after an input
 * limit, a failed log, no memory).
 */
size_t kv_conn_output(struct kv_conn *c, const void **data);

/* n bytes of kv_conn_output() were sent; may run buffered requests. */
void kv_conn_output_done(struct kv_conn *c, size_t n);

/* False while the client has too many unsent replies: stop reading. */
bool kv_conn_wants_input(const struct kv_conn *c);

/* Replies not yet sent, held for durability or not. */
bool kv_conn_output_pending(const struct kv_conn *c);

/* A client refused by the transport (maxclients), for INFO. */
void kv_server_count_rejected(struct kv_server *srv);

/* True when the connection should be closed now (after QUIT, an error). */
bool kv_conn_should_close(const struct kv_conn *c);

#endif
