// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "apps/kv/record.h"

static int put_u64(struct kv_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	return kv_buf_append(b, tmp, n);
}

static int put_str(struct kv_buf *b, const char *s, size_t len)
{
	int err = put_u64(b, len);

	return err ? err : kv_buf_append(b, s, len);
}

static int put_op(struct kv_buf *b, enum kv_op op, const char *key, size_t klen)
{
	unsigned char o = (unsigned char)op;
	int err = kv_buf_append(b, &o, 1);

	return err ? err : put_str(b, key, klen);
}

int kv_rec_set(struct kv_buf *b, const char *key, size_t klen, const char *val,
	       size_t vlen, int64_t expire_ms)
{
	int err = put_op(b, KV_OP_SET, key, klen);

	if (!err)
		err = put_str(b, val, vlen);
	if (!err)
		err = put_u64(b, (uint64_t)expire_ms);
	return err;
}

int kv_rec_del(struct kv_buf *b, const char *key, size_t klen)
{
	return put_op(b, KV_OP_DEL, key, klen);
}

int kv_rec_append(struct kv_buf *b, const char *key, size_t klen,
		  const char *data, size_t len)
{
	int err = put_op(b, KV_OP_APPEND, key, klen);

	return err ? err : put_str(b, data, len);
}

int kv_rec_expireat(struct kv_buf *b, const char *key, size_t klen,
		    int64_t expire_ms)
{
	int err = put_op(b, KV_OP_EXPIREAT, key, klen);

	return err ? err : put_u64(b, (uint64_t)expire_ms);
}

int kv_rec_flush(struct kv_buf *b)
{
	unsigned char o = KV_OP_FLUSH;

	return kv_buf_append(b, &o, 1);
}

struct reader {
	const unsigned char *p;
	size_t left;
};

static int get_u64(struct reader *r, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (!r->left)
			return -EBADMSG;
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		r->left--;
		if (!(*r->p++ & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -EBADMSG;
}

static int get_str(struct reader *r, const char **s, size_t *len)
{
	uint64_t n;

	if (get_u64(r, &n) || n > r->left || n > UINT32_MAX)
		return -EBADMSG;
	*s = (const char *)r->p;
	*len = (size_t)n;
	r->p += n;
	r->left -= n;
	return 0;
}

/* One decoded operation. */
struct op {
	enum kv_op op;
	const char *key, *val;
	size_t klen, vlen;
	uint64_t expire;
};

static int get_op(struct reader *r, struct op *o)
{
	memset(o, 0, sizeof(*o));
	if (!r->left)
		return -EBADMSG;
	o->op = *r->p++;
	r->left--;

	switch (o->op) {
	case KV_OP_FLUSH:
		return 0;
	case KV_OP_DEL:
		return get_str(r, &o->key, &o->klen);
	case KV_OP_APPEND:
		if (get_str(r, &o->key, &o->klen))
			return -EBADMSG;
		return get_str(r, &o->val, &o->vlen);
	case KV_OP_EXPIREAT:
		if (get_str(r, &o->key, &o->klen))
			return -EBADMSG;
		return get_u64(r, &o->expire);
	case KV_OP_SET:
		if (get_str(r, &o->key, &o->klen) ||
		    get_str(r, &o->val, &o->vlen))
			return -EBADMSG;
		return get_u64(r, &o->expire);
	}
	return -EBADMSG;
}

static int apply_set(struct kv_keyspace *ks, const struct op *o)
{
	struct kv_entry *e;
	bool created;

	e = kv_keyspace_upsert(ks, o->key, o->klen, &created);
	if (!e)
		return -ENOMEM;
	if (kv_entry_set_value(ks, e, o->val, o->vlen)) {
		if (created)
			kv_keyspace_delete(ks, o->key, o->klen);
		return -ENOMEM;
	}
	kv_entry_set_expire(ks, e, (int64_t)o->expire);
	return 0;
}

static int apply_append(struct kv_keyspace *ks, const struct op *o)
{
	struct kv_entry *e;
	bool created;

	e = kv_keyspace_upsert(ks, o->key, o->klen, &created);
	if (!e)
		return -ENOMEM;
	if (kv_entry_append(ks, e, o->val, o->vlen)) {
		if (created)
			kv_keyspace_delete(ks, o->key, o->klen);
		return -ENOMEM;
	}
	return 0;
}

static int apply_op(struct kv_keyspace *ks, const struct op *o)
{
	struct kv_entry *e;

	switch (o->op) {
	case KV_OP_SET:
		return apply_set(ks, o);
	case KV_OP_DEL:
		kv_keyspace_delete(ks, o->key, o->klen);
		return 0;
	case KV_OP_APPEND:
		return apply_append(ks, o);
	case KV_OP_EXPIREAT:
		e = kv_keyspace_find(ks, o->key, o->klen);
		if (e)
			kv_entry_set_expire(ks, e, (int64_t)o->expire);
		return 0;
	case KV_OP_FLUSH:
		kv_keyspace_clear(ks);
		return 0;
	}
	return -EBADMSG;
}

int kv_rec_apply(struct kv_keyspace *ks, const void *rec, size_t len)
{
	struct reader r = {rec, len};
	struct op o;
	int err;

	if (len == 0)
		return -EBADMSG;
	while (r.left)
		if (get_op(&r, &o))
			return -EBADMSG;

	r.p = rec;
	r.left = len;
	while (r.left) {
		get_op(&r, &o);
		err = apply_op(ks, &o);
		if (err)
			return err;
	}
	return 0;
}
