// SPDX-License-Identifier: MIT
/*
 * The keyspace hash table: inserts, finds and deletes through growth and
 * shrinking with incremental rehash in progress, memory accounting back to
 * zero, and the scan guarantee (every key present for the whole walk is
 * seen) while the table resizes between steps.
 */
#include "apps/kv/keyspace.h"
#include "tests/check.h"

#define N 100000

static const uint64_t seed[2] = {1, 2};

static size_t key_of(char *buf, size_t i)
{
	return (size_t)snprintf(buf, 32, "key:%zu", i);
}

static void test_grow_and_shrink(void)
{
	struct kv_keyspace ks;
	char k[32];
	size_t i, kl;
	bool created;

	kv_keyspace_init(&ks, seed);
	for (i = 0; i < N; i++) {
		struct kv_entry *e;

		kl = key_of(k, i);
		e = kv_keyspace_upsert(&ks, k, kl, &created);
		CHECK(e && created);
		CHECK_OK(kv_entry_set_value(&ks, e, k, kl));
		/* Every earlier key stays reachable during the rehash. */
		if (i % 997 == 0) {
			size_t j = i / 2;

			kl = key_of(k, j);
			e = kv_keyspace_find(&ks, k, kl);
			CHECK(e);
			CHECK_MEMEQ(e->val, k, kl);
		}
	}
	CHECK_UEQ(kv_keyspace_size(&ks), N);
	kl = key_of(k, 5);
	CHECK(kv_keyspace_upsert(&ks, k, kl, &created) && !created);

	for (i = 0; i < N; i += 2) {
		kl = key_of(k, i);
		CHECK(kv_keyspace_delete(&ks, k, kl));
		CHECK(!kv_keyspace_delete(&ks, k, kl));
	}
	CHECK_UEQ(kv_keyspace_size(&ks), N / 2);
	for (i = 1; i < N; i += 2) {
		kl = key_of(k, i);
		CHECK(kv_keyspace_delete(&ks, k, kl));
		if (i % 1001 == 1) {
			kv_keyspace_maybe_shrink(&ks);
			kv_keyspace_rehash(&ks, 50);
		}
	}
	CHECK_UEQ(kv_keyspace_size(&ks), 0);
	while (kv_keyspace_rehash(&ks, 100))
		;
	kv_keyspace_maybe_shrink(&ks);
	while (kv_keyspace_rehash(&ks, 100))
		;
	CHECK_LE(ks.t[0].mask + 1, 16);
	kv_keyspace_clear(&ks);
	CHECK_UEQ(ks.mem, 0);
}

struct seen {
	unsigned char *hit;
	size_t n;
};

static void mark(void *ctx, struct kv_entry *e)
{
	struct seen *s = ctx;
	size_t i = 0, j;

	for (j = 4; j < e->klen; j++)
		i = i * 10 + (size_t)(e->key[j] - '0');
	CHECK_LT(i, s->n);
	s->hit[i] = 1;
}

/* Keys 0..n/2 stay for the whole walk; others come and go meanwhile. */
static void test_scan_across_resizes(void)
{
	struct kv_keyspace ks;
	struct seen s;
	uint64_t cursor = 0;
	size_t i, n = 20000, added = n / 2, steps = 0;
	char k[32];
	bool created;

	kv_keyspace_init(&ks, seed);
	s.n = n * 4;
	s.hit = calloc(s.n, 1);
	CHECK(s.hit);
	for (i = 0; i < n / 2; i++) {
		size_t kl = key_of(k, i);

		CHECK(kv_keyspace_upsert(&ks, k, kl, &created));
	}
	do {
		cursor = kv_keyspace_scan(&ks, cursor, mark, &s);
		/* Grow the table hard while the walk runs, then shrink it. */
		if (steps < 200) {
			size_t j;

			for (j = 0; j < 100; j++, added++) {
				size_t kl = key_of(k, added);

				CHECK(kv_keyspace_upsert(&ks, k, kl, &created));
			}
		} else if (added > n / 2) {
			size_t kl = key_of(k, --added);

			kv_keyspace_delete(&ks, k, kl);
			kv_keyspace_maybe_shrink(&ks);
		}
		steps++;
	} while (cursor);
	for (i = 0; i < n / 2; i++)
		if (!s.hit[i])
			check_fail("key %zu never visited (%zu steps)", i,
				   steps);
	kv_keyspace_clear(&ks);
	free(s.hit);
}

int main(void)
{
	check_timeout(60);
	test_grow_and_shrink();
	test_scan_across_resizes();
	return 0;
}
