// SPDX-License-Identifier: MIT
/*
 * Connections and request processing of the arrakis-kv core: input in,
 * commands run in arrival order, replies out in the same order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "apps/kv/kv.h"
#include "apps/kv/record.h"

/* Buffers above this size are released when they become empty. */
#define KV_BUF_KEEP (16 * 1024)

void kv_config_defaults(struct kv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_query = 1024ull * 1024 * 1024;
	cfg->max_output = 4ull * 1024 * 1024;
	cfg->limits.max_bulk = RESP_MAX_BULK;
	cfg->limits.max_args = RESP_MAX_ARGS;
	cfg->limits.max_inline = RESP_MAX_INLINE;
	cfg->rewrite_min_bytes = 64ull * 1024 * 1024;
	cfg->rewrite_percent = 100;
	cfg->port = 6379;
	cfg->maxclients = 10000;
}

int kv_server_create(const struct kv_config *cfg, struct kv_server **out)
{
	struct kv_server *srv = calloc(1, sizeof(*srv));
	uint64_t seed[2] = {0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full};

	if (!srv)
		return -ENOMEM;
	/* A random hash key; the fixed one only if the kernel has none. */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed[0] ^= (uint64_t)(uintptr_t)srv;
	srv->cfg = *cfg;
	kv_keyspace_init(&srv->ks, seed);
	srv->next_conn_id = 1;
	*out = srv;
	return 0;
}

void kv_server_destroy(struct kv_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		kv_conn_close(srv->conns);
	kv_keyspace_clear(&srv->ks);
	kv_buf_free(&srv->rec);
	kv_buf_free(&srv->rw.batch);
	free(srv->argv);
	free(srv);
}

void kv_server_set_log(struct kv_server *srv, const struct kv_log_ops *ops,
		       void *ctx)
{
	srv->log = ops;
	srv->log_ctx = ctx;
}

void kv_server_set_ready(struct kv_server *srv, kv_ready_fn fn, void *ctx)
{
	srv->ready = fn;
	srv->ready_ctx = ctx;
}

void kv_server_set_time(struct kv_server *srv, int64_t unix_ms)
{
	srv->now_ms = unix_ms;
	if (!srv->start_ms)
		srv->start_ms = unix_ms;
}

uint64_t kv_server_dbsize(const struct kv_server *srv)
{
	return kv_keyspace_size(&srv->ks);
}

uint64_t kv_server_last_lsn(const struct kv_server *srv)
{
	return srv->last_lsn;
}

uint64_t kv_server_used_memory(const struct kv_server *srv)
{
	return srv->ks.mem + srv->conn_mem +
	       srv->nconns * sizeof(struct kv_conn);
}

static bool is_expired(const struct kv_server *srv, const struct kv_entry *e)
{
	return e->expire_ms && e->expire_ms <= srv->now_ms;
}

struct kv_entry *kv_lookup(struct kv_server *srv, const struct kv_str *key)
{
	struct kv_entry *e = kv_keyspace_find(&srv->ks, key->p, key->len);

	if (e && is_expired(srv, e)) {
		kv_keyspace_delete(&srv->ks, key->p, key->len);
		srv->stats.expired_keys++;
		return NULL;
	}
	return e;
}

struct kv_entry *kv_lookup_read(struct kv_server *srv, const struct kv_str *key)
{
	struct kv_entry *e = kv_lookup(srv, key);

	if (e)
		srv->stats.hits++;
	else
		srv->stats.misses++;
	return e;
}

struct kv_conn *kv_conn_open(struct kv_server *srv, void *io_ctx)
{
	struct kv_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->srv = srv;
	c->io = io_ctx;
	c->id = srv->next_conn_id++;
	c->created_ms = srv->now_ms;
	resp_parser_init(&c->parser);

	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	srv->stats.connections++;
	return c;
}

static void wait_unlink(struct kv_conn *c)
{
	struct kv_server *srv = c->srv;

	if (!c->waiting)
		return;
	if (c->wait_prev)
		c->wait_prev->wait_next = c->wait_next;
	else
		srv->waiting = c->wait_next;
	if (c->wait_next)
		c->wait_next->wait_prev = c->wait_prev;
	c->wait_prev = c->wait_next = NULL;
	c->waiting = false;
}

static void wait_link(struct kv_conn *c)
{
	struct kv_server *srv = c->srv;

	if (c->waiting)
		return;
	c->wait_prev = NULL;
	c->wait_next = srv->waiting;
	if (srv->waiting)
		srv->waiting->wait_prev = c;
	srv->waiting = c;
	c->waiting = true;
}

void kv_conn_close(struct kv_conn *c)
{
	struct kv_server *srv = c->srv;

	wait_unlink(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	srv->conn_mem -= c->in.cap + c->out.cap;

	kv_buf_free(&c->in);
	kv_buf_free(&c->out);
	resp_parser_free(&c->parser);
	free(c->barriers);
	free(c->name);
	free(c);
}

void *kv_conn_io(const struct kv_conn *c)
{
	return c->io;
}

void kv_conn_add_barrier(struct kv_conn *c, uint64_t pos, uint64_t lsn)
{
	if (c->nbarriers == c->barrier_cap) {
		size_t cap = c->barrier_cap ? c->barrier_cap * 2 : 4, i;
		struct kv_barrier *b = malloc(cap * sizeof(*b));

		if (!b) {
			c->close_now = true;
			return;
		}
		for (i = 0; i < c->nbarriers; i++)
			b[i] = c->barriers[(c->barrier_head + i) %
					   c->barrier_cap];
		free(c->barriers);
		c->barriers = b;
		c->barrier_cap = cap;
		c->barrier_head = 0;
	}
	c->barriers[(c->barrier_head + c->nbarriers) % c->barrier_cap] =
		(struct kv_barrier){pos, lsn};
	c->nbarriers++;
	wait_link(c);
}

/* Drops the barriers whose records are durable; true if any went. */
static bool release_barriers(struct kv_conn *c, uint64_t durable)
{
	bool released = false;

	while (c->nbarriers && c->barriers[c->barrier_head].lsn <= durable) {
		c->barrier_head = (c->barrier_head + 1) % c->barrier_cap;
		c->nbarriers--;
		released = true;
	}
	if (!c->nbarriers)
		wait_unlink(c);
	return released;
}

size_t kv_conn_output(struct kv_conn *c, const void **data)
{
	uint64_t end = c->out_base + c->out.len;

	/* A connection closed for cause sends nothing more. */
	if (c->close_now)
		end = c->out_base;
	else if (c->nbarriers)
		end = c->barriers[c->barrier_head].out_pos;
	*data = c->out.data;
	return (size_t)(end - c->out_base);
}

static void process(struct kv_conn *c);

void kv_conn_output_done(struct kv_conn *c, size_t n)
{
	size_t before = c->out.cap;

	kv_buf_consume(&c->out, n);
	c->out_base += n;
	c->srv->stats.net_output += n;
	kv_buf_shrink(&c->out, KV_BUF_KEEP);
	c->srv->conn_mem -= before - c->out.cap;
	if (!c->in_exec && c->in.len > c->in_pos && kv_conn_wants_input(c))
		process(c);
}

bool kv_conn_wants_input(const struct kv_conn *c)
{
	return !c->close_now && !c->close_after_reply &&
	       c->out.len < c->srv->cfg.max_output;
}

bool kv_conn_output_pending(const struct kv_conn *c)
{
	return c->out.len > 0;
}

void kv_server_count_rejected(struct kv_server *srv)
{
	srv->stats.rejected_connections++;
}

bool kv_conn_should_close(const struct kv_conn *c)
{
	return c->close_now || (c->close_after_reply && c->out.len == 0);
}

static struct kv_str *build_argv(struct kv_conn *c)
{
	struct kv_server *srv = c->srv;
	struct resp_parser *p = &c->parser;
	const char *base = c->in.data + c->in_pos;
	uint32_t i;

	if (p->argc > srv->argv_cap) {
		struct kv_str *v = realloc(srv->argv, p->argc * sizeof(*v));

		if (!v)
			return NULL;
		srv->argv = v;
		srv->argv_cap = p->argc;
	}
	for (i = 0; i < p->argc; i++) {
		srv->argv[i].p = base + p->argv[i].off;
		srv->argv[i].len = p->argv[i].len;
	}
	return srv->argv;
}

static void reply_unknown(struct kv_conn *c, int argc, struct kv_str *argv)
{
	char args[160];
	size_t used = 0;
	int i;

	/* Redis quotes the first arguments, up to 128 bytes of them. */
	args[0] = '\0';
	for (i = 1; i < argc && used < 128; i++) {
		int room = 128 - (int)used;
		int n = argv[i].len < (size_t)room ? (int)argv[i].len : room;

		used += (size_t)snprintf(args + used, sizeof(args) - used,
					 "'%.*s' ", n, argv[i].p);
	}
	reply_errorf(
		c, "ERR unknown command '%.*s', with args beginning with: %s",
		argv[0].len > 128 ? 128 : (int)argv[0].len, argv[0].p, args);
}

static bool check_arity(const struct kv_cmd *cmd, int argc)
{
	return cmd->arity > 0 ? argc == cmd->arity : argc >= -cmd->arity;
}

static bool over_maxmemory(struct kv_server *srv)
{
	return srv->cfg.maxmemory &&
	       kv_server_used_memory(srv) > srv->cfg.maxmemory;
}

/* An upper bound of the payload of the record a write can produce. */
static uint64_t args_size(int argc, const struct kv_str *argv)
{
	uint64_t n = 0;
	int i;

	for (i = 1; i < argc; i++)
		n += argv[i].len + 11;
	return n;
}

/* Runs one request; its reply is appended to the connection's output. */
static void exec_request(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_server *srv = c->srv;
	const struct kv_cmd *cmd = kv_cmd_lookup(&argv[0]);
	uint64_t reply_pos = c->out_base + c->out.len;

	srv->stats.commands++;
	if (!cmd) {
		reply_unknown(c, argc, argv);
		return;
	}
	if (!check_arity(cmd, argc)) {
		reply_arity(c, cmd->name);
		return;
	}
	if ((cmd->flags & KV_CMD_WRITE) && srv->log_error) {
		reply_errorf(c, "MISCONF Errors writing to the AOF file: %s",
			     strerror(srv->log_error));
		return;
	}
	if ((cmd->flags & KV_CMD_DENYOOM) && over_maxmemory(srv)) {
		reply_error(c, "OOM command not allowed when used memory > "
			       "'maxmemory'.");
		return;
	}

	if ((cmd->flags & KV_CMD_WRITE) &&
	    !kv_log_fits(c, args_size(argc, argv)))
		return;

	srv->rec.len = 0;
	cmd->fn(c, argc, argv);
	if (srv->rec.len)
		kv_persist_append(srv, c, reply_pos);
}

/* The input buffer keeps only the unparsed rest of the last request. */
static void compact_input(struct kv_conn *c)
{
	size_t before = c->in.cap;

	if (c->in_pos == c->in.len) {
		c->in.len = 0;
		kv_buf_shrink(&c->in, KV_BUF_KEEP);
	} else if (c->in_pos) {
		kv_buf_consume(&c->in, c->in_pos);
	}
	c->in_pos = 0;
	c->srv->conn_mem -= before - c->in.cap;
}

static void protocol_error(struct kv_conn *c)
{
	c->srv->stats.protocol_errors++;
	reply_errorf(c, "ERR %s", c->parser.error);
	c->close_after_reply = true;
}

static bool process_one(struct kv_conn *c)
{
	struct resp_parser *p = &c->parser;
	enum resp_result r;
	struct kv_str *argv;

	r = resp_parse(p, c->in.data + c->in_pos, c->in.len - c->in_pos,
		       &c->srv->cfg.limits);
	switch (r) {
	case RESP_NEED_MORE:
		return false;
	case RESP_ERROR:
		protocol_error(c);
		return false;
	case RESP_NOMEM:
		c->close_now = true;
		return false;
	case RESP_EMPTY:
		break;
	case RESP_REQUEST:
		argv = build_argv(c);
		if (!argv) {
			c->close_now = true;
			return false;
		}
		exec_request(c, (int)p->argc, argv);
		break;
	}
	c->in_pos += p->pos;
	resp_parser_reset(p);
	return true;
}

static void process(struct kv_conn *c)
{
	c->in_exec = true;
	while (kv_conn_wants_input(c) && c->in_pos < c->in.len)
		if (!process_one(c))
			break;
	c->in_exec = false;
	compact_input(c);
}

int kv_conn_feed(struct kv_conn *c, const void *data, size_t len)
{
	size_t before = c->in.cap;

	if (c->close_now || c->close_after_reply)
		return 0;
	c->srv->stats.net_input += len;
	if (c->in.len + len > c->srv->cfg.max_query) {
		/* Redis closes such a client without a reply. */
		c->srv->stats.input_limit_closes++;
		c->close_now = true;
		return -E2BIG;
	}
	if (kv_buf_append(&c->in, data, len)) {
		c->close_now = true;
		return -ENOMEM;
	}
	c->srv->conn_mem += c->in.cap - before;
	if (!c->in_exec)
		process(c);
	return c->close_now ? -ENOMEM : 0;
}

void kv_server_log_durable(struct kv_server *srv, uint64_t lsn)
{
	struct kv_conn *c, *next;

	if (lsn <= srv->durable_lsn)
		return;
	srv->durable_lsn = lsn;
	for (c = srv->waiting; c; c = next) {
		next = c->wait_next;
		if (release_barriers(c, lsn) && srv->ready)
			srv->ready(srv->ready_ctx, c);
	}
}

void kv_server_log_failed(struct kv_server *srv, int err)
{
	struct kv_conn *c, *next;

	srv->log_error = err < 0 ? -err : (err ? err : EIO);
	srv->stats.log_failures++;
	for (c = srv->waiting; c; c = next) {
		next = c->wait_next;
		c->close_now = true;
		wait_unlink(c);
		if (srv->ready)
			srv->ready(srv->ready_ctx, c);
	}
}

int kv_server_replay(struct kv_server *srv, const void *rec, size_t len)
{
	return kv_rec_apply(&srv->ks, rec, len);
}

/* Active expiry: walk a few buckets, drop entries whose time has come. */
struct expire_batch {
	struct kv_server *srv;
	struct kv_entry *found[64];
	unsigned n;
};

static void collect_expired(void *ctx, struct kv_entry *e)
{
	struct expire_batch *b = ctx;

	if (b->n < 64 && is_expired(b->srv, e))
		b->found[b->n++] = e;
}

static int active_expire(struct kv_server *srv, unsigned buckets)
{
	struct expire_batch b = {.srv = srv};
	unsigned i, removed = 0;

	if (!srv->ks.expires)
		return 0;
	while (buckets--) {
		b.n = 0;
		srv->expire_cursor = kv_keyspace_scan(
			&srv->ks, srv->expire_cursor, collect_expired, &b);
		for (i = 0; i < b.n; i++)
			kv_keyspace_delete_entry(&srv->ks, b.found[i]);
		srv->stats.expired_keys += b.n;
		removed += b.n;
		if (srv->expire_cursor == 0)
			break;
	}
	return (int)removed;
}

int kv_server_cron(struct kv_server *srv)
{
	int work = 0;

	work += active_expire(srv, 64);
	kv_keyspace_maybe_shrink(&srv->ks);
	if (kv_keyspace_rehash(&srv->ks, 100))
		work++;
	work += kv_rewrite_step(srv, 256);
	return work;
}
