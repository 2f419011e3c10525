/* SPDX-License-Identifier: MIT */
/*
 * Internals of the arrakis-kv core shared by its files: the server and
 * connection structures, reply writers and the command table.
 */
#ifndef AK_KV_KV_H
#define AK_KV_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apps/kv/buf.h"
#include "apps/kv/keyspace.h"
#include "apps/kv/resp.h"
#include "apps/kv/server.h"

#define KV_VERSION "0.1.0"
/* The Redis version whose protocol and replies arrakis-kv follows. */
#define KV_REDIS_VERSION "7.0.15"

struct kv_str {
	const char *p;
	size_t len;
};

/* A reply that must wait until log record lsn is durable. */
struct kv_barrier {
	uint64_t out_pos; /* stream position where the reply starts */
	uint64_t lsn;
};

struct kv_conn {
	struct kv_server *srv;
	void *io;
	uint64_t id;
	char *name;
	int64_t created_ms;

	struct kv_buf in;
	size_t in_pos; /* start of the request being parsed */
	struct resp_parser parser;

	struct kv_buf out;
	uint64_t out_base; /* stream position of out.data[0] */
	struct kv_barrier *barriers;
	size_t nbarriers, barrier_head, barrier_cap;

	bool close_after_reply; /* QUIT or a protocol error */
	bool close_now;		/* input limit, memory, failed log */
	bool in_exec;

	struct kv_conn *prev, *next;	       /* all connections */
	struct kv_conn *wait_prev, *wait_next; /* waiting for durability */
	bool waiting;
};

struct kv_stats {
	uint64_t connections;
	uint64_t commands;
	uint64_t rejected_connections;
	uint64_t expired_keys;
	uint64_t hits, misses;
	uint64_t error_replies;
	uint64_t protocol_errors;
	uint64_t input_limit_closes;
	uint64_t net_input, net_output;
	uint64_t log_records, log_bytes_total;
	uint64_t log_failures;
	uint64_t rewrites;
};

struct kv_rewrite {
	bool running;
	uint64_t cursor;
	uint64_t start_lsn;   /* last record before the rewrite began */
	uint64_t last_lsn;    /* last record the rewrite appended */
	uint64_t start_bytes; /* log_bytes_total when it began */
	bool emitted;	      /* the walk is complete */
	struct kv_buf batch;
};

struct kv_server {
	struct kv_config cfg;
	struct kv_keyspace ks;
	int64_t now_ms;
	int64_t start_ms;

	const struct kv_log_ops *log;
	void *log_ctx;
	uint64_t last_lsn;    /* of the last record appended */
	uint64_t durable_lsn; /* every record up to here is durable */
	int log_error;	      /* nonzero once the log failed */
	uint64_t log_bytes;   /* bytes in the log since its last trim */
	uint64_t log_base;    /* log_bytes right after the last rewrite */
	uint32_t max_record;  /* the log's largest record; 0: no limit */
	struct kv_buf rec;    /* the record the current command builds */

	kv_ready_fn ready;
	void *ready_ctx;

	struct kv_conn *conns;
	struct kv_conn *waiting;
	uint64_t nconns;
	uint64_t next_conn_id;
	uint64_t conn_mem;

	struct kv_str *argv;
	size_t argv_cap;
	uint64_t expire_cursor;
	struct kv_rewrite rw;
	struct kv_stats stats;
};

/* Replies; a reply that cannot be buffered closes the connection. */
void reply_raw(struct kv_conn *c, const char *s, size_t len);
void reply_ok(struct kv_conn *c);
void reply_status(struct kv_conn *c, const char *s);
/* msg starts with the error code ("ERR ...", "WRONGTYPE ..."). */
void reply_error(struct kv_conn *c, const char *msg);
void reply_errorf(struct kv_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void reply_int(struct kv_conn *c, long long v);
void reply_bulk(struct kv_conn *c, const char *s, size_t len);
void reply_cstr(struct kv_conn *c, const char *s);
void reply_null(struct kv_conn *c);
void reply_array(struct kv_conn *c, long long n);

void reply_syntax_error(struct kv_conn *c);
void reply_not_integer(struct kv_conn *c);
void reply_arity(struct kv_conn *c, const char *cmd);
void reply_subcommand(struct kv_conn *c, const char *cmd,
		      const struct kv_str *sub);

enum kv_cmd_flags {
	KV_CMD_WRITE = 1 << 0,	 /* changes data: refused if the log failed */
	KV_CMD_DENYOOM = 1 << 1, /* may grow memory: refused over maxmemory */
	KV_CMD_FAST = 1 << 2,
};

struct kv_cmd {
	const char *name;
	int arity; /* n: exactly n arguments; -n: at least n */
	unsigned flags;
	void (*fn)(struct kv_conn *c, int argc, struct kv_str *argv);
	int first_key, last_key, key_step; /* for COMMAND */
};

extern const struct kv_cmd kv_commands[];
extern const size_t kv_ncommands;

const struct kv_cmd *kv_cmd_lookup(const struct kv_str *name);

/* The keyspace seen by commands: expired keys are removed on access. */
struct kv_entry *kv_lookup(struct kv_server *srv, const struct kv_str *key);
struct kv_entry *kv_lookup_read(struct kv_server *srv,
				const struct kv_str *key);

/* The current command's log record could not be built. */
void kv_log_op_failed(struct kv_server *srv, int err);

/* Bytes a record for an entry of these sizes takes at most. */
#define KV_REC_OVERHEAD 32

/*
 * With a record size limit, whether a write of payload bytes fits; replies
 * the error when it does not.
 */
bool kv_log_fits(struct kv_conn *c, uint64_t payload);

bool kv_str_eq(const struct kv_str *s, const char *lit);
int kv_str_ll(const struct kv_str *s, long long *out);

/* Redis's glob matching for KEYS and SCAN MATCH. */
bool kv_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
		   bool nocase);

/* Sections of INFO and the other server commands (admin.c). */
void kv_cmd_info(struct kv_conn *c, int argc, struct kv_str *argv);
void kv_cmd_config(struct kv_conn *c, int argc, struct kv_str *argv);
void kv_cmd_command(struct kv_conn *c, int argc, struct kv_str *argv);
void kv_cmd_client(struct kv_conn *c, int argc, struct kv_str *argv);
void kv_cmd_hello(struct kv_conn *c, int argc, struct kv_str *argv);

/* Persistence (persist.c). */
int kv_persist_append(struct kv_server *srv, struct kv_conn *c,
		      uint64_t reply_pos);
int kv_rewrite_step(struct kv_server *srv, unsigned buckets);
void kv_conn_add_barrier(struct kv_conn *c, uint64_t pos, uint64_t lsn);

#endif
