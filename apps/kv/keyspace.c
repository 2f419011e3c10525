// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps/kv/keyspace.h"

#define KS_MIN_BUCKETS	16
#define KS_EMPTY_VISITS 10 /* empty buckets skipped per bucket moved */

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIP_ROUND(v0, v1, v2, v3)                                              \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = rotl(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = rotl(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = rotl(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = rotl(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = rotl(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = rotl(v2, 32);                                             \
	} while (0)

/* SipHash-1-3 (Aumasson and Bernstein): one round per word, three final. */
static uint64_t siphash13(const uint64_t k[2], const void *data, size_t len)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ull;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ull;
	uint64_t v3 = k[1] ^ 0x7465646279746573ull;
	const unsigned char *p = data;
	uint64_t m, last = (uint64_t)len << 56;
	size_t i, words = len / 8;

	for (i = 0; i < words; i++, p += 8) {
		memcpy(&m, p, 8);
		v3 ^= m;
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < len % 8; i++)
		last |= (uint64_t)p[i] << (8 * i);
	v3 ^= last;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

size_t kv_entry_footprint(size_t klen, size_t vcap)
{
	return sizeof(struct kv_entry) + klen + vcap;
}

void kv_keyspace_init(struct kv_keyspace *ks, const uint64_t seed[2])
{
	memset(ks, 0, sizeof(*ks));
	ks->rehash_idx = -1;
	ks->seed[0] = seed[0];
	ks->seed[1] = seed[1];
}

static void free_entry(struct kv_keyspace *ks, struct kv_entry *e)
{
	ks->mem -= kv_entry_footprint(e->klen, e->vcap);
	if (e->expire_ms)
		ks->expires--;
	free(e->val);
	free(e);
}

static void free_table(struct kv_keyspace *ks, struct kv_table *t)
{
	uint64_t i;

	if (!t->buckets)
		return;
	for (i = 0; i <= t->mask; i++) {
		struct kv_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free_entry(ks, e);
		}
	}
	ks->mem -= (t->mask + 1) * sizeof(*t->buckets);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

void kv_keyspace_clear(struct kv_keyspace *ks)
{
	free_table(ks, &ks->t[0]);
	free_table(ks, &ks->t[1]);
	ks->rehash_idx = -1;
}

uint64_t kv_keyspace_size(const struct kv_keyspace *ks)
{
	return ks->t[0].used + ks->t[1].used;
}

static bool rehashing(const struct kv_keyspace *ks)
{
	return ks->rehash_idx >= 0;
}

static int table_alloc(struct kv_keyspace *ks, struct kv_table *t,
		       uint64_t buckets)
{
	t->buckets = calloc(buckets, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->mask = buckets - 1;
	t->used = 0;
	ks->mem += buckets * sizeof(*t->buckets);
	return 0;
}

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t s = KS_MIN_BUCKETS;

	while (s < n)
		s *= 2;
	return s;
}

/* Starts moving everything into a table of the given size. */
static int resize(struct kv_keyspace *ks, uint64_t buckets)
{
	if (rehashing(ks))
		return 0;
	if (!ks->t[0].buckets)
		return table_alloc(ks, &ks->t[0], buckets);
	if (buckets == ks->t[0].mask + 1)
		return 0;
	if (table_alloc(ks, &ks->t[1], buckets))
		return -ENOMEM;
	ks->rehash_idx = 0;
	return 0;
}

static void move_bucket(struct kv_keyspace *ks, uint64_t idx)
{
	struct kv_entry *e = ks->t[0].buckets[idx], *next;

	for (; e; e = next) {
		uint64_t to = e->hash & ks->t[1].mask;

		next = e->next;
		e->next = ks->t[1].buckets[to];
		ks->t[1].buckets[to] = e;
		ks->t[0].used--;
		ks->t[1].used++;
	}
	ks->t[0].buckets[idx] = NULL;
}

static void finish_rehash(struct kv_keyspace *ks)
{
	ks->mem -= (ks->t[0].mask + 1) * sizeof(*ks->t[0].buckets);
	free(ks->t[0].buckets);
	ks->t[0] = ks->t[1];
	memset(&ks->t[1], 0, sizeof(ks->t[1]));
	ks->rehash_idx = -1;
}

bool kv_keyspace_rehash(struct kv_keyspace *ks, unsigned n)
{
	unsigned empty_left = n * KS_EMPTY_VISITS;

	if (!rehashing(ks))
		return false;
	while (n && ks->t[0].used) {
		uint64_t idx = (uint64_t)ks->rehash_idx;

		if (!ks->t[0].buckets[idx]) {
			ks->rehash_idx++;
			if (--empty_left == 0)
				return true;
			continue;
		}
		move_bucket(ks, idx);
		ks->rehash_idx++;
		n--;
	}
	if (ks->t[0].used == 0) {
		finish_rehash(ks);
		return false;
	}
	return true;
}

void kv_keyspace_maybe_shrink(struct kv_keyspace *ks)
{
	uint64_t size = ks->t[0].mask + 1;

	if (rehashing(ks) || !ks->t[0].buckets || size <= KS_MIN_BUCKETS)
		return;
	if (ks->t[0].used * 8 < size)
		resize(ks, pow2_at_least(ks->t[0].used));
}

static struct kv_entry **find_link(struct kv_table *t, uint64_t hash,
				   const char *key, size_t klen)
{
	struct kv_entry **link;

	if (!t->buckets)
		return NULL;
	for (link = &t->buckets[hash & t->mask]; *link; link = &(*link)->next) {
		struct kv_entry *e = *link;

		if (e->hash == hash && e->klen == klen &&
		    memcmp(e->key, key, klen) == 0)
			return link;
	}
	return NULL;
}

static struct kv_entry **lookup(struct kv_keyspace *ks, uint64_t hash,
				const char *key, size_t klen,
				struct kv_table **in)
{
	struct kv_entry **link;
	int i;

	for (i = 0; i < (rehashing(ks) ? 2 : 1); i++) {
		link = find_link(&ks->t[i], hash, key, klen);
		if (link) {
			*in = &ks->t[i];
			return link;
		}
	}
	return NULL;
}

struct kv_entry *kv_keyspace_find(struct kv_keyspace *ks, const char *key,
				  size_t klen)
{
	uint64_t hash = siphash13(ks->seed, key, klen);
	struct kv_table *t;
	struct kv_entry **link;

	kv_keyspace_rehash(ks, 1);
	link = lookup(ks, hash, key, klen, &t);
	return link ? *link : NULL;
}

static struct kv_entry *insert(struct kv_keyspace *ks, uint64_t hash,
			       const char *key, size_t klen)
{
	struct kv_table *t = rehashing(ks) ? &ks->t[1] : &ks->t[0];
	struct kv_entry *e = malloc(sizeof(*e) + klen);

	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = hash;
	e->klen = (uint32_t)klen;
	memcpy(e->key, key, klen);
	e->next = t->buckets[hash & t->mask];
	t->buckets[hash & t->mask] = e;
	t->used++;
	ks->mem += kv_entry_footprint(klen, 0);
	return e;
}

struct kv_entry *kv_keyspace_upsert(struct kv_keyspace *ks, const char *key,
				    size_t klen, bool *created)
{
	uint64_t hash = siphash13(ks->seed, key, klen);
	struct kv_entry **link;
	struct kv_table *t;

	kv_keyspace_rehash(ks, 1);
	link = lookup(ks, hash, key, klen, &t);
	if (link) {
		*created = false;
		return *link;
	}

	/* Grow at load factor 1, as Redis does. */
	if (!ks->t[0].buckets ||
	    (!rehashing(ks) && ks->t[0].used >= ks->t[0].mask + 1)) {
		if (resize(ks, pow2_at_least((ks->t[0].used + 1) * 2)))
			return NULL;
	}
	*created = true;
	return insert(ks, hash, key, klen);
}

int kv_entry_set_value(struct kv_keyspace *ks, struct kv_entry *e,
		       const void *val, size_t vlen)
{
	if (vlen > e->vcap || (e->vcap > 64 && vlen < e->vcap / 4)) {
		char *v = malloc(vlen ? vlen : 1);

		if (!v)
			return -ENOMEM;
		free(e->val);
		ks->mem += (vlen ? vlen : 1) - (uint64_t)e->vcap;
		e->val = v;
		e->vcap = (uint32_t)(vlen ? vlen : 1);
	}
	if (vlen)
		memcpy(e->val, val, vlen);
	e->vlen = (uint32_t)vlen;
	return 0;
}

int kv_entry_append(struct kv_keyspace *ks, struct kv_entry *e,
		    const void *data, size_t len)
{
	size_t want = (size_t)e->vlen + len;

	if (want > e->vcap) {
		size_t cap = want < 1024 * 1024 ? want * 2 : want + 1024 * 1024;
		char *v;

		if (cap > UINT32_MAX)
			cap = want;
		v = realloc(e->val, cap);
		if (!v)
			return -ENOMEM;
		ks->mem += cap - (uint64_t)e->vcap;
		e->val = v;
		e->vcap = (uint32_t)cap;
	}
	if (len)
		memcpy(e->val + e->vlen, data, len);
	e->vlen = (uint32_t)want;
	return 0;
}

void kv_entry_set_expire(struct kv_keyspace *ks, struct kv_entry *e,
			 int64_t expire_ms)
{
	if (!e->expire_ms && expire_ms)
		ks->expires++;
	else if (e->expire_ms && !expire_ms)
		ks->expires--;
	e->expire_ms = expire_ms;
}

bool kv_keyspace_delete(struct kv_keyspace *ks, const char *key, size_t klen)
{
	uint64_t hash = siphash13(ks->seed, key, klen);
	struct kv_entry **link, *e;
	struct kv_table *t;

	kv_keyspace_rehash(ks, 1);
	link = lookup(ks, hash, key, klen, &t);
	if (!link)
		return false;
	e = *link;
	*link = e->next;
	t->used--;
	free_entry(ks, e);
	return true;
}

void kv_keyspace_delete_entry(struct kv_keyspace *ks, struct kv_entry *e)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct kv_table *t = &ks->t[i];
		struct kv_entry **link;

		if (!t->buckets)
			continue;
		for (link = &t->buckets[e->hash & t->mask]; *link;
		     link = &(*link)->next) {
			if (*link == e) {
				*link = e->next;
				t->used--;
				free_entry(ks, e);
				return;
			}
		}
	}
}

static uint64_t rev64(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ull) |
	    ((v & 0x5555555555555555ull) << 1);
	v = ((v >> 2) & 0x3333333333333333ull) |
	    ((v & 0x3333333333333333ull) << 2);
	v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) |
	    ((v & 0x0f0f0f0f0f0f0f0full) << 4);
	return __builtin_bswap64(v);
}

/* Adds one to the cursor's bits above mask, counting from the top bit. */
static uint64_t next_cursor(uint64_t v, uint64_t mask)
{
	v |= ~mask;
	return rev64(rev64(v) + 1);
}

static void visit_bucket(struct kv_table *t, uint64_t idx, kv_scan_fn fn,
			 void *ctx)
{
	struct kv_entry *e;

	for (e = t->buckets[idx & t->mask]; e; e = e->next)
		fn(ctx, e);
}

/*
 * The cursor counts with its bits reversed, so growing or shrinking the
 * table (which adds or drops high bits of the bucket index) never sends
 * the walk back over buckets it has not seen: Pieter Noordhuis's
 * reverse-binary iteration, which Redis's SCAN documents.
 */
uint64_t kv_keyspace_scan(struct kv_keyspace *ks, uint64_t cursor,
			  kv_scan_fn fn, void *ctx)
{
	struct kv_table *small, *large;

	if (kv_keyspace_size(ks) == 0 || !ks->t[0].buckets)
		return 0;
	if (!rehashing(ks)) {
		visit_bucket(&ks->t[0], cursor, fn, ctx);
		return next_cursor(cursor, ks->t[0].mask);
	}

	small = &ks->t[0];
	large = &ks->t[1];
	if (small->mask > large->mask) {
		small = &ks->t[1];
		large = &ks->t[0];
	}
	visit_bucket(small, cursor, fn, ctx);
	/* Then every bucket of the larger table that folds onto that one. */
	do {
		visit_bucket(large, cursor, fn, ctx);
		cursor = next_cursor(cursor, large->mask);
	} while (cursor & (small->mask ^ large->mask));
	return cursor;
}
