// SPDX-License-Identifier: MIT
/*
 * Crash consistency of the persistent log on the crash-simulating disk.
 *
 * A workload appends records (polling at random moments, so appends pile
 * up behind commits), trims the head so the log wraps, and lets it grow.
 * Then, for power cuts after every event (small runs: every subset of the
 * blocks the cut may or may not have kept; large runs: sampled cuts and
 * subsets), the disk image is recovered with ak_vlog_open() and read back:
 *  - every record whose completion fired before the cut, and that no trim
 *    requested before the cut dropped, is there, in order, with its bytes;
 *  - nothing else: every record returned was appended before the cut with
 *    exactly those bytes, and sequence numbers run without gaps. (A record
 *    whose write reached the platter but whose flush had not completed may
 *    be returned: its callback had not fired, and no disk can tell.)
 * A second session is then run on recovered images with fixed-size
 * records, so that stale records of the crashed session sit exactly where
 * the new session's records go, and checked the same way.
 */
#include <errno.h>
#include <stdlib.h>

#include <arrakis/vlog.h>

#include "lib/storage/vsa_crash.h"
#include "tests/check.h"

#define BS    AK_VSA_BLOCK_SIZE
#define NEVER UINT64_MAX

struct rec {
	uint32_t len;
	uint8_t *data;
	uint64_t append_ev; /* events recorded when it was appended */
	uint64_t ack_ev;    /* events recorded when its callback ran */
	bool adopted;	    /* recovered from the previous session */
};

struct trim {
	uint64_t ev;
	uint64_t seq;
};

struct run {
	struct ak_vsa *vsa;
	struct ak_vlog *log;
	uint64_t first_seq; /* seq of recs[0] */
	struct rec *recs;
	size_t n, cap;
	struct trim *trims;
	size_t n_trims, cap_trims;
	uint64_t required_from; /* trimmed before this session */
	uint64_t rng;
	unsigned fixed_len; /* 0: random lengths */
	bool do_trim;
	unsigned from_callbacks; /* appends callbacks may still make */
	unsigned trim_after;	 /* appends before the first trim */
	uint64_t states;
};

static uint64_t rnd(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

static void append_one(struct run *r);

static struct rec *rec_add(struct run *r)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->recs = realloc(r->recs, r->cap * sizeof(*r->recs));
		CHECK(r->recs != NULL);
	}
	return &r->recs[r->n++];
}

static void on_ack(void *ctx, int result, uint64_t seq)
{
	struct run *r = ctx;

	CHECK_EQ(result, 0);
	CHECK(seq >= r->first_seq && seq - r->first_seq < r->n);
	CHECK_UEQ(r->recs[seq - r->first_seq].ack_ev, NEVER);
	r->recs[seq - r->first_seq].ack_ev = ak_vsa_crash_events(r->vsa);

	/* Applications append from completion callbacks too. */
	if (r->from_callbacks && rnd(r) % 8 == 0) {
		r->from_callbacks--;
		append_one(r);
	}
}

static uint32_t pick_len(struct run *r)
{
	uint64_t x = rnd(r) % 100;

	if (r->fixed_len)
		return r->fixed_len;
	if (x < 70)
		return (uint32_t)(rnd(r) % 200);
	if (x < 95)
		return (uint32_t)(200 + rnd(r) % 2800);
	return (uint32_t)(3000 + rnd(r) % 6000);
}

/* Trims all but the last 8 acknowledged records once half full. */
static void maybe_trim(struct run *r)
{
	struct ak_vlog_cursor c = ak_vlog_head(r->log);
	struct ak_vlog_cursor end = ak_vlog_durable_end(r->log);
	static uint8_t scratch[16384];

	if (!r->do_trim || ak_vlog_used(r->log) < ak_vlog_capacity(r->log) / 2)
		return;
	while (c.seq + 8 < end.seq)
		CHECK(ak_vlog_read(r->log, &c, scratch, sizeof(scratch)) >= 0);
	if (c.seq == ak_vlog_head(r->log).seq)
		return;
	if (r->n_trims == r->cap_trims) {
		r->cap_trims = r->cap_trims ? r->cap_trims * 2 : 64;
		r->trims = realloc(r->trims, r->cap_trims * sizeof(*r->trims));
		CHECK(r->trims != NULL);
	}
	/* Noted before the call: its header write is the next event. */
	r->trims[r->n_trims++] =
		(struct trim){ak_vsa_crash_events(r->vsa), c.seq};
	CHECK_OK(ak_vlog_trim(r->log, c, NULL, NULL));
}

static void append_one(struct run *r)
{
	struct rec *rec = rec_add(r);

	rec->len = pick_len(r);
	rec->data = malloc(rec->len ? rec->len : 1);
	for (uint32_t k = 0; k < rec->len; k++)
		rec->data[k] = (uint8_t)rnd(r);
	rec->append_ev = ak_vsa_crash_events(r->vsa);
	rec->ack_ev = NEVER;
	rec->adopted = false;
	CHECK_OK(ak_vlog_append(r->log, rec->data, rec->len, on_ack, r, NULL));
}

static void workload(struct run *r, unsigned appends)
{
	for (unsigned i = 0; i < appends; i++) {
		append_one(r);
		for (uint64_t p = rnd(r) % 4; p; p--)
			ak_vsa_poll(r->vsa);
		if (i % 16 == 0 && i >= r->trim_after)
			maybe_trim(r);
	}
	while (ak_vsa_inflight(r->vsa))
		ak_vsa_poll(r->vsa);
}

static int grow_crash_disk(void *ctx, struct ak_vsa *vsa, uint64_t min)
{
	return ak_vsa_crash_grow(vsa, min);
}

static const struct ak_vlog_opts log_opts = {
	.max_record = 16384,
	.grow = grow_crash_disk,
};

/* ---- checking one power-cut state ---- */

struct subset {
	uint64_t mask; /* exhaustive: item i kept when bit i is set */
	int mode;      /* 0 mask, 1 random half, 2 none, 3 all */
	struct run *r;
};

static bool choose(void *ctx, unsigned item)
{
	struct subset *s = ctx;

	switch (s->mode) {
	case 0:
		return (s->mask >> item) & 1;
	case 1:
		return rnd(s->r) & 1;
	case 2:
		return false;
	default:
		return true;
	}
}

static uint64_t required_from(const struct run *r, uint64_t cut)
{
	uint64_t from = r->required_from;

	for (size_t i = 0; i < r->n_trims; i++)
		if (r->trims[i].ev < cut && r->trims[i].seq > from)
			from = r->trims[i].seq;
	return from;
}

/*
 * Recovers the state and checks it; on success returns the recovered log
 * (open on its own simulated disk) when keep is set.
 */
static struct ak_vlog *check_state(struct run *r, uint64_t cut,
				   struct subset *s, uint8_t *img,
				   struct ak_vsa **keep_vsa)
{
	static uint8_t got[16384];
	uint64_t from = required_from(r, cut);
	uint64_t need_first = NEVER, need_last = 0, seq_first = NEVER;
	struct ak_vlog_cursor c;
	struct ak_vsa *vsa;
	struct ak_vlog *log;
	uint64_t count = 0;
	int len;

	ak_vsa_crash_image(r->vsa, cut, choose, s, img);
	CHECK_OK(ak_vsa_crash_open(img, ak_vsa_size(r->vsa), 0, &vsa));
	CHECK_OK(ak_vlog_open(vsa, &log_opts, &log));

	for (size_t i = 0; i < r->n; i++) {
		uint64_t seq = r->first_seq + i;

		if (r->recs[i].ack_ev <= cut && seq >= from) {
			if (need_first == NEVER)
				need_first = seq;
			need_last = seq;
		}
	}

	c = ak_vlog_head(log);
	seq_first = c.seq;
	while ((len = ak_vlog_read(log, &c, got, sizeof(got))) >= 0) {
		uint64_t seq = c.seq - 1;
		const struct rec *rec;

		if (seq < r->first_seq || seq - r->first_seq >= r->n)
			check_fail("cut %llu: recovered unknown seq %llu",
				   (unsigned long long)cut,
				   (unsigned long long)seq);
		rec = &r->recs[seq - r->first_seq];
		if (!rec->adopted && rec->append_ev >= cut)
			check_fail("cut %llu: seq %llu appended after the cut",
				   (unsigned long long)cut,
				   (unsigned long long)seq);
		CHECK_EQ(len, (int)rec->len);
		CHECK_MEMEQ(got, rec->data, rec->len);
		count++;
	}
	CHECK_EQ(len, -ENOENT);
	if (need_first != NEVER &&
	    (seq_first > need_first || seq_first + count <= need_last))
		check_fail("cut %llu: acknowledged %llu..%llu, recovered "
			   "%llu..%llu",
			   (unsigned long long)cut,
			   (unsigned long long)need_first,
			   (unsigned long long)need_last,
			   (unsigned long long)seq_first,
			   (unsigned long long)(seq_first + count - 1));
	r->states++;

	if (keep_vsa) {
		*keep_vsa = vsa;
		return log;
	}
	ak_vlog_close(log);
	ak_vsa_close(vsa);
	return NULL;
}

/* ---- runs ---- */

static void run_start(struct run *r, const uint8_t *img, uint64_t size,
		      uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->rng = seed;
	CHECK_OK(ak_vsa_crash_open(img, size, 0, &r->vsa));
	CHECK_OK(ak_vlog_open(r->vsa, &log_opts, &r->log));
	r->first_seq = ak_vlog_head(r->log).seq;
	r->required_from = r->first_seq;
}

static void run_free(struct run *r)
{
	ak_vlog_close(r->log);
	ak_vsa_close(r->vsa);
	for (size_t i = 0; i < r->n; i++)
		free(r->recs[i].data);
	free(r->recs);
	free(r->trims);
}

/* Records recovered from the previous session count as acknowledged. */
static void adopt_recovered(struct run *r)
{
	static uint8_t buf[16384];
	struct ak_vlog_cursor c = ak_vlog_head(r->log);
	int len;

	while ((len = ak_vlog_read(r->log, &c, buf, sizeof(buf))) >= 0) {
		struct rec *rec = rec_add(r);

		rec->len = (uint32_t)len;
		rec->data = malloc(len ? (size_t)len : 1);
		memcpy(rec->data, buf, (size_t)len);
		rec->append_ev = 0;
		rec->ack_ev = 0;
		rec->adopted = true;
	}
}

/* Every cut, every subset (sampled beyond 2^12 subsets). */
static void check_exhaustive(struct run *r)
{
	uint64_t end = ak_vsa_crash_events(r->vsa);
	uint8_t *img = malloc(ak_vsa_size(r->vsa));

	for (uint64_t cut = 0; cut <= end; cut++) {
		unsigned n = ak_vsa_crash_optional(r->vsa, cut);
		uint64_t total = n <= 12 ? 1ull << n : 4096;

		for (uint64_t m = 0; m < total; m++) {
			struct subset s = {
				.mask = n <= 12 ? m : rnd(r),
				.mode = n <= 12 ? 0 : 1,
				.r = r,
			};

			check_state(r, cut, &s, img, NULL);
		}
	}
	free(img);
}

static void test_small_exhaustive(uint64_t seed, unsigned appends,
				  unsigned fixed_len)
{
	struct run r, r2;
	uint64_t states;
	uint8_t *img;

	run_start(&r, NULL, 64 * BS, seed);
	r.fixed_len = fixed_len;
	r.from_callbacks = seed % 3 ? 2 : 0;
	workload(&r, appends);
	check_exhaustive(&r);
	states = r.states;

	/* Second sessions on a few crashed states of the first. */
	img = malloc(ak_vsa_size(r.vsa));
	for (int k = 0; k < 10; k++) {
		uint64_t cut = rnd(&r) % (ak_vsa_crash_events(r.vsa) + 1);
		/* Every other block kept: records missing between kept ones
		 * are the stale tails a new session must not resurrect. */
		struct subset s = {
			.mask = 0xaaaaaaaaaaaaaaaaull, .mode = k % 2, .r = &r};

		ak_vsa_crash_image(r.vsa, cut, choose, &s, img);
		run_start(&r2, img, ak_vsa_size(r.vsa), seed * 7 + (uint64_t)k);
		r2.fixed_len = fixed_len;
		adopt_recovered(&r2);
		workload(&r2, appends);
		check_exhaustive(&r2);
		states += r2.states;
		run_free(&r2);
	}
	free(img);
	printf("# seed %llu, %u appends: %llu states checked\n",
	       (unsigned long long)seed, appends, (unsigned long long)states);
	run_free(&r);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_large_sampled(unsigned appends, unsigned cuts)
{
	uint64_t *at = malloc(cuts * sizeof(*at));
	struct ak_vlog_stats st;
	struct run r;
	uint8_t *img;
	uint64_t end;

	/* Starts small so the log grows, then trims keep it wrapping. */
	run_start(&r, NULL, 32 * BS, 0x9e3779b97f4a7c15ull);
	r.do_trim = true;
	r.trim_after = appends / 10;
	r.from_callbacks = appends / 10;
	workload(&r, appends);
	ak_vlog_get_stats(r.log, &st);
	CHECK_GT(st.grows, 0);
	CHECK_GT(ak_vlog_head(r.log).pos, 4 * ak_vlog_capacity(r.log));

	end = ak_vsa_crash_events(r.vsa);
	for (unsigned i = 0; i < cuts; i++)
		at[i] = rnd(&r) % (end + 1);
	at[0] = end;
	qsort(at, cuts, sizeof(*at), cmp_u64);

	img = malloc(ak_vsa_size(r.vsa));
	for (unsigned i = 0; i < cuts; i++)
		for (int mode = 1; mode <= 3; mode++) {
			struct subset s = {.mode = mode, .r = &r};

			check_state(&r, at[i], &s, img, NULL);
		}
	printf("# %u appends, %llu commits, %llu grows, %zu trims: %llu "
	       "sampled states checked\n",
	       appends, (unsigned long long)st.commits,
	       (unsigned long long)st.grows, r.n_trims,
	       (unsigned long long)r.states);
	free(img);
	free(at);
	run_free(&r);
}

int main(int argc, char **argv)
{
	unsigned large = argc > 1 ? (unsigned)atoi(argv[1]) : 10000;

	check_timeout(300);
	for (uint64_t seed = 1; seed <= 8; seed++)
		test_small_exhaustive(seed, 6, 0);
	for (uint64_t seed = 11; seed <= 14; seed++)
		test_small_exhaustive(seed, 6, seed % 2 ? 4072 : 3000);
	test_large_sampled(large, 1500);
	return 0;
}
