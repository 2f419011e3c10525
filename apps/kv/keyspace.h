/* SPDX-License-Identifier: MIT */
/*
 * The keyspace: a chained hash table of string keys and values with an
 * optional absolute expiry time (Unix milliseconds). It grows and shrinks by
 * incremental rehashing: two tables live side by side while buckets move
 * from the old one to the new one a few at a time, so no single operation
 * pays for moving the whole table. The hash is SipHash-1-3 with a random key,
 * so a client cannot choose keys that all land in one bucket.
 *
 * Expiry is not checked here; the server decides (lazily on access, actively
 * by sampling) when an entry with a past expiry is removed.
 */
#ifndef AK_KV_KEYSPACE_H
#define AK_KV_KEYSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_entry {
	struct kv_entry *next;
	uint64_t hash;
	int64_t expire_ms; /* 0: never */
	uint32_t klen;
	uint32_t vlen;
	uint32_t vcap;
	char *val;
	char key[];
};

struct kv_table {
	struct kv_entry **buckets;
	uint64_t
		mask; /* buckets - 1; the table is empty when buckets is NULL */
	uint64_t used;
};

struct kv_keyspace {
	struct kv_table t[2];
	int64_t rehash_idx; /* next bucket of t[0] to move; -1: not rehashing */
	uint64_t seed[2];
	uint64_t expires; /* entries with an expiry */
	uint64_t mem;	  /* bytes allocated for entries, values, buckets */
};

void kv_keyspace_init(struct kv_keyspace *ks, const uint64_t seed[2]);

/* Frees every entry and both tables. */
void kv_keyspace_clear(struct kv_keyspace *ks);

uint64_t kv_keyspace_size(const struct kv_keyspace *ks);

struct kv_entry *kv_keyspace_find(struct kv_keyspace *ks, const char *key,
				  size_t klen);

/*
 * Finds or inserts the key; a new entry has an empty value and no expiry.
 * *created tells which. NULL when memory ran out.
 */
struct kv_entry *kv_keyspace_upsert(struct kv_keyspace *ks, const char *key,
				    size_t klen, bool *created);

/* Replaces the value of e; -ENOMEM leaves it unchanged. */
int kv_entry_set_value(struct kv_keyspace *ks, struct kv_entry *e,
		       const void *val, size_t vlen);

/* Appends to the value of e; -ENOMEM leaves it unchanged. */
int kv_entry_append(struct kv_keyspace *ks, struct kv_entry *e,
		    const void *data, size_t len);

void kv_entry_set_expire(struct kv_keyspace *ks, struct kv_entry *e,
			 int64_t expire_ms);

/* Removes and frees the entry; returns false when the key is absent. */
bool kv_keyspace_delete(struct kv_keyspace *ks, const char *key, size_t klen);

/* Removes and frees an entry found by find or scan. */
void kv_keyspace_delete_entry(struct kv_keyspace *ks, struct kv_entry *e);

/* Moves up to n buckets to the new table; false when no rehash is left. */
bool kv_keyspace_rehash(struct kv_keyspace *ks, unsigned n);

/* Shrinks the table after many deletions (starts a rehash). */
void kv_keyspace_maybe_shrink(struct kv_keyspace *ks);

/*
 * Visits the entries of one cursor position and returns the next cursor
 * (0 when the walk is complete). Every entry present for the whole walk is
 * visited at least once, even across resizes, the guarantee of Redis's
 * SCAN; some may be visited twice. fn must not insert or delete.
 */
typedef void (*kv_scan_fn)(void *ctx, struct kv_entry *e);
uint64_t kv_keyspace_scan(struct kv_keyspace *ks, uint64_t cursor,
			  kv_scan_fn fn, void *ctx);

/* Approximate bytes an entry of this size takes, for memory accounting. */
size_t kv_entry_footprint(size_t klen, size_t vcap);

#endif
