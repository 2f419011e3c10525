// SPDX-License-Identifier: MIT
/*
 * The string commands of arrakis-kv and the command table. Replies and
 * error wording follow redis-server 7.0 (the comparison test checks them
 * byte for byte). A write command records its effect in srv->rec; the
 * caller sends that record to the log.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apps/kv/kv.h"
#include "apps/kv/record.h"

/* Reports a failed record encoding: the change could not be made durable. */
static void logged(struct kv_server *srv, int err)
{
	if (err)
		kv_log_op_failed(srv, err);
}

static void log_set_entry(struct kv_server *srv, const struct kv_entry *e)
{
	if (srv->log)
		logged(srv, kv_rec_set(&srv->rec, e->key, e->klen, e->val,
				       e->vlen, e->expire_ms));
}

static void log_del(struct kv_server *srv, const struct kv_str *key)
{
	if (srv->log)
		logged(srv, kv_rec_del(&srv->rec, key->p, key->len));
}

static void reply_entry(struct kv_conn *c, const struct kv_entry *e)
{
	if (e)
		reply_bulk(c, e->val, e->vlen);
	else
		reply_null(c);
}

static void reply_oom(struct kv_conn *c)
{
	reply_error(c, "ERR out of memory");
}

/* Stores key = val with the given expiry (0: none); NULL on no memory. */
static struct kv_entry *store(struct kv_server *srv, const struct kv_str *key,
			      const struct kv_str *val, int64_t expire_ms)
{
	struct kv_entry *e;
	bool created;

	e = kv_keyspace_upsert(&srv->ks, key->p, key->len, &created);
	if (!e)
		return NULL;
	if (kv_entry_set_value(&srv->ks, e, val->p, val->len)) {
		if (created)
			kv_keyspace_delete_entry(&srv->ks, e);
		return NULL;
	}
	kv_entry_set_expire(&srv->ks, e, expire_ms);
	return e;
}

static void cmd_ping(struct kv_conn *c, int argc, struct kv_str *argv)
{
	if (argc > 2)
		reply_arity(c, "ping");
	else if (argc == 2)
		reply_bulk(c, argv[1].p, argv[1].len);
	else
		reply_status(c, "PONG");
}

static void cmd_echo(struct kv_conn *c, int argc, struct kv_str *argv)
{
	reply_bulk(c, argv[1].p, argv[1].len);
}

static void cmd_quit(struct kv_conn *c, int argc, struct kv_str *argv)
{
	reply_ok(c);
	c->close_after_reply = true;
}

static void cmd_get(struct kv_conn *c, int argc, struct kv_str *argv)
{
	reply_entry(c, kv_lookup_read(c->srv, &argv[1]));
}

enum set_flags {
	SET_NX = 1 << 0,
	SET_XX = 1 << 1,
	SET_GET = 1 << 2,
	SET_KEEPTTL = 1 << 3,
	SET_EX = 1 << 4,
	SET_PX = 1 << 5,
	SET_EXAT = 1 << 6,
	SET_PXAT = 1 << 7,
};

#define SET_EXPIRES (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* One SET option; 0: not an option, else the flag (and *takes_arg). */
static unsigned set_option(const struct kv_str *opt, bool *takes_arg)
{
	static const struct {
		const char *name;
		unsigned flag;
		bool arg;
	} opts[] = {
		{"nx", SET_NX, false},	  {"xx", SET_XX, false},
		{"get", SET_GET, false},  {"keepttl", SET_KEEPTTL, false},
		{"ex", SET_EX, true},	  {"px", SET_PX, true},
		{"exat", SET_EXAT, true}, {"pxat", SET_PXAT, true},
	};
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (kv_str_eq(opt, opts[i].name)) {
			*takes_arg = opts[i].arg;
			return opts[i].flag;
		}
	}
	return 0;
}

/* Which options may not be combined with each one, as Redis decides. */
static unsigned set_conflicts(unsigned flag)
{
	switch (flag) {
	case SET_NX:
		return SET_XX;
	case SET_XX:
		return SET_NX;
	case SET_KEEPTTL:
		return SET_EXPIRES;
	case SET_EX:
		return SET_KEEPTTL | SET_PX | SET_EXAT | SET_PXAT;
	case SET_PX:
		return SET_KEEPTTL | SET_EX | SET_EXAT | SET_PXAT;
	case SET_EXAT:
		return SET_KEEPTTL | SET_EX | SET_PX | SET_PXAT;
	case SET_PXAT:
		return SET_KEEPTTL | SET_EX | SET_PX | SET_EXAT;
	}
	return 0;
}

static int parse_set_options(struct kv_conn *c, int argc, struct kv_str *argv,
			     unsigned *flags, struct kv_str **expire)
{
	int j;

	for (j = 3; j < argc; j++) {
		bool takes_arg = false;
		unsigned f = set_option(&argv[j], &takes_arg);

		if (!f || (*flags & set_conflicts(f)) ||
		    (takes_arg && j + 1 >= argc)) {
			reply_syntax_error(c);
			return -EINVAL;
		}
		*flags |= f;
		if (takes_arg)
			*expire = &argv[++j];
	}
	return 0;
}

/*
 * An expiry argument to an absolute Unix time in ms. Redis refuses zero,
 * negatives and anything that overflows.
 */
static int set_expire_time(struct kv_conn *c, const struct kv_str *arg,
			   unsigned flags, int64_t *out)
{
	bool seconds = flags & (SET_EX | SET_EXAT);
	bool relative = flags & (SET_EX | SET_PX);
	long long ms;

	if (kv_str_ll(arg, &ms)) {
		reply_not_integer(c);
		return -EINVAL;
	}
	if (ms <= 0 || (seconds && ms > LLONG_MAX / 1000))
		goto invalid;
	if (seconds)
		ms *= 1000;
	if (relative) {
		if (ms > LLONG_MAX - c->srv->now_ms)
			goto invalid;
		ms += c->srv->now_ms;
	}
	*out = ms;
	return 0;

invalid:
	reply_error(c, "ERR invalid expire time in 'set' command");
	return -EINVAL;
}

static void cmd_set(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_server *srv = c->srv;
	struct kv_str *expire_arg = NULL;
	unsigned flags = 0;
	int64_t expire = 0;
	struct kv_entry *e;

	if (parse_set_options(c, argc, argv, &flags, &expire_arg))
		return;
	if (expire_arg && set_expire_time(c, expire_arg, flags, &expire))
		return;

	e = kv_lookup(srv, &argv[1]);
	if (flags & SET_GET)
		reply_entry(c, e);
	if (((flags & SET_NX) && e) || ((flags & SET_XX) && !e)) {
		if (!(flags & SET_GET))
			reply_null(c);
		return;
	}
	if ((flags & SET_KEEPTTL) && e)
		expire = e->expire_ms;

	e = store(srv, &argv[1], &argv[2], expire);
	if (!e) {
		if (!(flags & SET_GET))
			reply_oom(c);
		return;
	}
	log_set_entry(srv, e);
	if (!(flags & SET_GET))
		reply_ok(c);
}

static void cmd_getset(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_server *srv = c->srv;
	struct kv_entry *e = kv_lookup(srv, &argv[1]);

	reply_entry(c, e);
	e = store(srv, &argv[1], &argv[2], 0);
	if (e)
		log_set_entry(srv, e);
}

static void cmd_del(struct kv_conn *c, int argc, struct kv_str *argv)
{
	long long n = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!kv_lookup(c->srv, &argv[i]))
			continue;
		kv_keyspace_delete(&c->srv->ks, argv[i].p, argv[i].len);
		log_del(c->srv, &argv[i]);
		n++;
	}
	reply_int(c, n);
}

static void cmd_exists(struct kv_conn *c, int argc, struct kv_str *argv)
{
	long long n = 0;
	int i;

	for (i = 1; i < argc; i++)
		n += kv_lookup(c->srv, &argv[i]) != NULL;
	reply_int(c, n);
}

static void cmd_mget(struct kv_conn *c, int argc, struct kv_str *argv)
{
	int i;

	reply_array(c, argc - 1);
	for (i = 1; i < argc; i++)
		reply_entry(c, kv_lookup_read(c->srv, &argv[i]));
}

static void cmd_mset(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_entry *e;
	int i;

	if (argc % 2 == 0) {
		reply_arity(c, "mset");
		return;
	}
	for (i = 1; i < argc; i += 2) {
		e = store(c->srv, &argv[i], &argv[i + 1], 0);
		if (!e) {
			reply_oom(c);
			return;
		}
		log_set_entry(c->srv, e);
	}
	reply_ok(c);
}

/* Redis's rule: at most 20 characters of strict integer syntax. */
static int entry_ll(const struct kv_entry *e, long long *v)
{
	return resp_parse_ll(e->val, e->vlen, v);
}

static void incr_by(struct kv_conn *c, const struct kv_str *key, long long incr)
{
	struct kv_server *srv = c->srv;
	struct kv_entry *e = kv_lookup(srv, key);
	long long v = 0;
	char tmp[24];
	struct kv_str val;

	if (e && entry_ll(e, &v)) {
		reply_not_integer(c);
		return;
	}
	if ((incr < 0 && v < 0 && incr < LLONG_MIN - v) ||
	    (incr > 0 && v > 0 && incr > LLONG_MAX - v)) {
		reply_error(c, "ERR increment or decrement would overflow");
		return;
	}
	v += incr;
	val.p = tmp;
	val.len = (size_t)snprintf(tmp, sizeof(tmp), "%lld", v);

	/* INCR keeps the key's time to live. */
	e = store(srv, key, &val, e ? e->expire_ms : 0);
	if (!e) {
		reply_oom(c);
		return;
	}
	log_set_entry(srv, e);
	reply_int(c, v);
}

static void cmd_incr(struct kv_conn *c, int argc, struct kv_str *argv)
{
	incr_by(c, &argv[1], 1);
}

static void cmd_decr(struct kv_conn *c, int argc, struct kv_str *argv)
{
	incr_by(c, &argv[1], -1);
}

static void cmd_incrby(struct kv_conn *c, int argc, struct kv_str *argv)
{
	long long incr;

	if (kv_str_ll(&argv[2], &incr)) {
		reply_not_integer(c);
		return;
	}
	incr_by(c, &argv[1], incr);
}

static void cmd_decrby(struct kv_conn *c, int argc, struct kv_str *argv)
{
	long long incr;

	if (kv_str_ll(&argv[2], &incr)) {
		reply_not_integer(c);
		return;
	}
	if (incr == LLONG_MIN) {
		reply_error(c, "ERR decrement would overflow");
		return;
	}
	incr_by(c, &argv[1], -incr);
}

static void cmd_append(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_server *srv = c->srv;
	struct kv_entry *e = kv_lookup(srv, &argv[1]);

	if (!e) {
		/* Logged as a SET: replay may still hold an expired entry. */
		e = store(srv, &argv[1], &argv[2], 0);
		if (e)
			log_set_entry(srv, e);
	} else if (e->vlen + argv[2].len > srv->cfg.limits.max_bulk) {
		reply_error(c, "ERR string exceeds maximum allowed size "
			       "(proto-max-bulk-len)");
		return;
	} else if (!kv_log_fits(c, (uint64_t)e->klen + e->vlen + argv[2].len)) {
		return;
	} else if (kv_entry_append(&srv->ks, e, argv[2].p, argv[2].len)) {
		e = NULL;
	} else if (srv->log) {
		logged(srv, kv_rec_append(&srv->rec, argv[1].p, argv[1].len,
					  argv[2].p, argv[2].len));
	}
	if (!e) {
		reply_oom(c);
		return;
	}
	reply_int(c, e->vlen);
}

static void cmd_strlen(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_entry *e = kv_lookup_read(c->srv, &argv[1]);

	reply_int(c, e ? e->vlen : 0);
}

enum expire_flags {
	EXP_NX = 1 << 0,
	EXP_XX = 1 << 1,
	EXP_GT = 1 << 2,
	EXP_LT = 1 << 3,
};

static int parse_expire_options(struct kv_conn *c, int argc,
				struct kv_str *argv, unsigned *flags)
{
	int j;

	for (j = 3; j < argc; j++) {
		if (kv_str_eq(&argv[j], "nx"))
			*flags |= EXP_NX;
		else if (kv_str_eq(&argv[j], "xx"))
			*flags |= EXP_XX;
		else if (kv_str_eq(&argv[j], "gt"))
			*flags |= EXP_GT;
		else if (kv_str_eq(&argv[j], "lt"))
			*flags |= EXP_LT;
		else {
			reply_errorf(
				c, "ERR Unsupported option %.*s",
				(int)(argv[j].len > 256 ? 256 : argv[j].len),
				argv[j].p);
			return -EINVAL;
		}
	}
	if ((*flags & EXP_NX) && (*flags & (EXP_XX | EXP_GT | EXP_LT))) {
		reply_error(c, "ERR NX and XX, GT or LT options at the same "
			       "time are not compatible");
		return -EINVAL;
	}
	if ((*flags & EXP_GT) && (*flags & EXP_LT)) {
		reply_error(c, "ERR GT and LT options at the same time are "
			       "not compatible");
		return -EINVAL;
	}
	return 0;
}

/* Whether the NX/XX/GT/LT condition lets the new expiry replace cur. */
static bool expire_allowed(unsigned flags, int64_t cur, int64_t when)
{
	if ((flags & EXP_NX) && cur)
		return false;
	if ((flags & EXP_XX) && !cur)
		return false;
	/* A key without expiry counts as living forever. */
	if ((flags & EXP_GT) && (!cur || when <= cur))
		return false;
	if ((flags & EXP_LT) && cur && when >= cur)
		return false;
	return true;
}

static void expire_generic(struct kv_conn *c, int argc, struct kv_str *argv,
			   bool seconds, const char *name)
{
	struct kv_server *srv = c->srv;
	unsigned flags = 0;
	long long when;
	struct kv_entry *e;

	if (parse_expire_options(c, argc, argv, &flags))
		return;
	if (kv_str_ll(&argv[2], &when)) {
		reply_not_integer(c);
		return;
	}
	if (seconds && (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000))
		goto invalid;
	if (seconds)
		when *= 1000;
	if (when > LLONG_MAX - srv->now_ms)
		goto invalid;
	when += srv->now_ms;

	e = kv_lookup(srv, &argv[1]);
	if (!e || !expire_allowed(flags, e->expire_ms, when)) {
		reply_int(c, 0);
		return;
	}
	if (when <= srv->now_ms) {
		kv_keyspace_delete_entry(&srv->ks, e);
		log_del(srv, &argv[1]);
	} else {
		kv_entry_set_expire(&srv->ks, e, when);
		if (srv->log)
			logged(srv, kv_rec_expireat(&srv->rec, argv[1].p,
						    argv[1].len, when));
	}
	reply_int(c, 1);
	return;

invalid:
	reply_errorf(c, "ERR invalid expire time in '%s' command", name);
}

static void cmd_expire(struct kv_conn *c, int argc, struct kv_str *argv)
{
	expire_generic(c, argc, argv, true, "expire");
}

static void cmd_pexpire(struct kv_conn *c, int argc, struct kv_str *argv)
{
	expire_generic(c, argc, argv, false, "pexpire");
}

static void ttl_generic(struct kv_conn *c, struct kv_str *key, bool ms)
{
	struct kv_entry *e = kv_lookup_read(c->srv, key);
	long long ttl;

	if (!e) {
		reply_int(c, -2);
		return;
	}
	if (!e->expire_ms) {
		reply_int(c, -1);
		return;
	}
	ttl = e->expire_ms - c->srv->now_ms;
	if (ttl < 0)
		ttl = 0;
	reply_int(c, ms ? ttl : (ttl + 500) / 1000);
}

static void cmd_ttl(struct kv_conn *c, int argc, struct kv_str *argv)
{
	ttl_generic(c, &argv[1], false);
}

static void cmd_pttl(struct kv_conn *c, int argc, struct kv_str *argv)
{
	ttl_generic(c, &argv[1], true);
}

static void cmd_persist(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_server *srv = c->srv;
	struct kv_entry *e = kv_lookup(srv, &argv[1]);

	if (!e || !e->expire_ms) {
		reply_int(c, 0);
		return;
	}
	kv_entry_set_expire(&srv->ks, e, 0);
	if (srv->log)
		logged(srv,
		       kv_rec_expireat(&srv->rec, argv[1].p, argv[1].len, 0));
	reply_int(c, 1);
}

static void cmd_dbsize(struct kv_conn *c, int argc, struct kv_str *argv)
{
	reply_int(c, (long long)kv_keyspace_size(&c->srv->ks));
}

static void cmd_flush(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_server *srv = c->srv;

	if (argc > 2 || (argc == 2 && !kv_str_eq(&argv[1], "sync") &&
			 !kv_str_eq(&argv[1], "async"))) {
		reply_syntax_error(c);
		return;
	}
	kv_keyspace_clear(&srv->ks);
	if (srv->log)
		logged(srv, kv_rec_flush(&srv->rec));
	reply_ok(c);
}

static void cmd_select(struct kv_conn *c, int argc, struct kv_str *argv)
{
	long long db;

	if (kv_str_ll(&argv[1], &db))
		reply_not_integer(c);
	else if (db < INT_MIN || db > INT_MAX)
		reply_error(c, "ERR value is out of range, value must between "
			       "-2147483648 and 2147483647");
	else if (db != 0)
		reply_error(c, "ERR DB index is out of range");
	else
		reply_ok(c);
}

static void cmd_type(struct kv_conn *c, int argc, struct kv_str *argv)
{
	reply_status(c, kv_lookup(c->srv, &argv[1]) ? "string" : "none");
}

/* Entries found by KEYS or SCAN, replied once the walk is done. */
struct key_list {
	struct kv_server *srv;
	struct kv_entry **v;
	size_t n, cap;
	bool oom;
};

static void collect_key(void *ctx, struct kv_entry *e)
{
	struct key_list *l = ctx;

	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct kv_entry **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = e;
}

/* Replies the listed keys that are live and match the pattern. */
static void reply_keys(struct kv_conn *c, struct key_list *l,
		       const struct kv_str *pat, bool only_strings)
{
	size_t i, kept = 0;
	bool all = !pat || (pat->len == 1 && pat->p[0] == '*');

	for (i = 0; i < l->n; i++) {
		struct kv_entry *e = l->v[i];

		if (!only_strings ||
		    (e->expire_ms && e->expire_ms <= c->srv->now_ms))
			continue;
		if (!all &&
		    !kv_glob_match(pat->p, pat->len, e->key, e->klen, false))
			continue;
		l->v[kept++] = e;
	}
	reply_array(c, (long long)kept);
	for (i = 0; i < kept; i++)
		reply_bulk(c, l->v[i]->key, l->v[i]->klen);
}

static void cmd_keys(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct key_list l = {.srv = c->srv};
	uint64_t cursor = 0;

	do {
		cursor = kv_keyspace_scan(&c->srv->ks, cursor, collect_key, &l);
	} while (cursor && !l.oom);
	if (l.oom)
		reply_oom(c);
	else
		reply_keys(c, &l, &argv[1], true);
	free(l.v);
}

static int parse_cursor(const struct kv_str *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s->len == 0 || s->len > 20)
		return -EINVAL;
	for (i = 0; i < s->len; i++) {
		unsigned d = (unsigned char)s->p[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

struct scan_args {
	uint64_t cursor;
	long long count;
	struct kv_str *pattern;
	bool strings; /* false when TYPE asks for another type */
};

static int parse_scan(struct kv_conn *c, int argc, struct kv_str *argv,
		      struct scan_args *a)
{
	int i;

	if (parse_cursor(&argv[1], &a->cursor)) {
		reply_error(c, "ERR invalid cursor");
		return -EINVAL;
	}
	for (i = 2; i < argc; i += 2) {
		if (i + 1 >= argc) {
			reply_syntax_error(c);
			return -EINVAL;
		}
		if (kv_str_eq(&argv[i], "count")) {
			if (kv_str_ll(&argv[i + 1], &a->count)) {
				reply_not_integer(c);
				return -EINVAL;
			}
			if (a->count < 1) {
				reply_syntax_error(c);
				return -EINVAL;
			}
		} else if (kv_str_eq(&argv[i], "match")) {
			a->pattern = &argv[i + 1];
		} else if (kv_str_eq(&argv[i], "type")) {
			a->strings = kv_str_eq(&argv[i + 1], "string");
		} else {
			reply_syntax_error(c);
			return -EINVAL;
		}
	}
	return 0;
}

static void cmd_scan(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct scan_args a = {.count = 10, .strings = true};
	struct key_list l = {.srv = c->srv};
	long long budget;
	char cur[24];

	if (parse_scan(c, argc, argv, &a))
		return;
	/* Like Redis: at most count*10 buckets for about count keys. */
	budget = a.count * 10;
	do {
		a.cursor = kv_keyspace_scan(&c->srv->ks, a.cursor, collect_key,
					    &l);
	} while (a.cursor && budget-- && l.n < (size_t)a.count && !l.oom);
	if (l.oom) {
		reply_oom(c);
		free(l.v);
		return;
	}
	reply_array(c, 2);
	snprintf(cur, sizeof(cur), "%llu", (unsigned long long)a.cursor);
	reply_cstr(c, cur);
	reply_keys(c, &l, a.pattern, a.strings);
	free(l.v);
}

#define W  KV_CMD_WRITE
#define WM (KV_CMD_WRITE | KV_CMD_DENYOOM)
#define F  KV_CMD_FAST

const struct kv_cmd kv_commands[] = {
	{"get", 2, F, cmd_get, 1, 1, 1},
	{"set", -3, WM, cmd_set, 1, 1, 1},
	{"ping", -1, F, cmd_ping, 0, 0, 0},
	{"incr", 2, WM | F, cmd_incr, 1, 1, 1},
	{"mset", -3, WM, cmd_mset, 1, -1, 2},
	{"mget", -2, F, cmd_mget, 1, -1, 1},
	{"del", -2, W, cmd_del, 1, -1, 1},
	{"exists", -2, F, cmd_exists, 1, -1, 1},
	{"echo", 2, F, cmd_echo, 0, 0, 0},
	{"getset", 3, WM, cmd_getset, 1, 1, 1},
	{"decr", 2, WM | F, cmd_decr, 1, 1, 1},
	{"incrby", 3, WM | F, cmd_incrby, 1, 1, 1},
	{"decrby", 3, WM | F, cmd_decrby, 1, 1, 1},
	{"append", 3, WM, cmd_append, 1, 1, 1},
	{"strlen", 2, F, cmd_strlen, 1, 1, 1},
	{"expire", -3, W | F, cmd_expire, 1, 1, 1},
	{"pexpire", -3, W | F, cmd_pexpire, 1, 1, 1},
	{"ttl", 2, F, cmd_ttl, 1, 1, 1},
	{"pttl", 2, F, cmd_pttl, 1, 1, 1},
	{"persist", 2, W | F, cmd_persist, 1, 1, 1},
	{"dbsize", 1, F, cmd_dbsize, 0, 0, 0},
	{"flushall", -1, W, cmd_flush, 0, 0, 0},
	{"flushdb", -1, W, cmd_flush, 0, 0, 0},
	{"select", 2, 0, cmd_select, 0, 0, 0},
	{"keys", 2, 0, cmd_keys, 0, 0, 0},
	{"scan", -2, 0, cmd_scan, 0, 0, 0},
	{"type", 2, F, cmd_type, 1, 1, 1},
	{"info", -1, 0, kv_cmd_info, 0, 0, 0},
	{"config", -2, 0, kv_cmd_config, 0, 0, 0},
	{"command", -1, 0, kv_cmd_command, 0, 0, 0},
	{"client", -2, 0, kv_cmd_client, 0, 0, 0},
	{"hello", -1, F, kv_cmd_hello, 0, 0, 0},
	{"quit", -1, F, cmd_quit, 0, 0, 0},
};

const size_t kv_ncommands = sizeof(kv_commands) / sizeof(kv_commands[0]);

const struct kv_cmd *kv_cmd_lookup(const struct kv_str *name)
{
	size_t i;

	for (i = 0; i < kv_ncommands; i++) {
		const char *n = kv_commands[i].name;

		if (name->len == strlen(n) &&
		    strncasecmp(name->p, n, name->len) == 0)
			return &kv_commands[i];
	}
	return NULL;
}
