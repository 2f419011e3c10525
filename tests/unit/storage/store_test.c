// SPDX-License-Identifier: MIT
/*
 * The VSA store on a plain file: VSAs survive reopening; allocation never
 * overlaps and grows in place when it can; shrinking and deleting zero the
 * released bytes; a corrupt or stale copy of the extent table is detected,
 * logged and repaired from the other copy, keeping every VSA; a torn update
 * leaves the old table; two bad copies refuse to open.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "control/store.h"
#include "lib/core/log.h"
#include "tests/check.h"

#define MIB (1024ull * 1024ull)

static char path[512];
static char captured[4096];

static void capture(void *ctx, enum ak_log_level level, const char *msg)
{
	size_t used = strlen(captured);

	snprintf(captured + used, sizeof(captured) - used, "%s\n", msg);
}

static uint64_t allocated(struct ak_store *st)
{
	struct stat sb;

	CHECK_OK(fstat(ak_store_fd(st), &sb));
	return (uint64_t)sb.st_blocks * 512;
}

static struct ak_store *reopen(struct ak_store *st)
{
	ak_store_close(st);
	CHECK_OK(ak_store_open(path, 0, &st));
	return st;
}

static void fill(struct ak_store *st, uint64_t off, uint64_t len, uint8_t v)
{
	uint8_t buf[4096];

	memset(buf, v, sizeof(buf));
	for (uint64_t d = 0; d < len; d += sizeof(buf))
		CHECK_EQ(pwrite(ak_store_fd(st), buf, sizeof(buf),
				(off_t)(off + d)),
			 (long)sizeof(buf));
}

static void expect(struct ak_store *st, uint64_t off, uint64_t len, uint8_t v)
{
	uint8_t buf[4096], want[4096];

	memset(want, v, sizeof(want));
	for (uint64_t d = 0; d < len; d += sizeof(buf)) {
		CHECK_EQ(pread(ak_store_fd(st), buf, sizeof(buf),
			       (off_t)(off + d)),
			 (long)sizeof(buf));
		CHECK_MEMEQ(buf, want, sizeof(buf));
	}
}

static void test_create_and_reopen(void)
{
	struct ak_store *st;
	const struct ak_store_vsa *a, *b;

	CHECK_OK(ak_store_open(path, 16 * MIB, &st));
	CHECK_EQ(ak_store_count(st), 0);
	CHECK_UEQ(ak_store_data_bytes(st), 16 * MIB - AK_STORE_DATA_START);

	/* Sparse until a VSA takes blocks, which are then preallocated. */
	CHECK_LT(allocated(st), MIB);
	CHECK_OK(ak_store_create(st, "alpha", 1000, MIB));
	CHECK_GE(allocated(st), MIB);
	CHECK_OK(ak_store_create(st, "beta", 1001, 200 * 1024));
	CHECK_EQ(ak_store_create(st, "alpha", 1000, MIB), -EEXIST);
	CHECK_EQ(ak_store_create(st, "bad/name", 1000, MIB), -EINVAL);
	CHECK_EQ(ak_store_create(st, ".hidden", 1000, MIB), -EINVAL);
	CHECK_EQ(ak_store_create(st, "zero", 1000, 0), -EINVAL);
	CHECK_EQ(ak_store_create(st, "huge", 1000, 64 * MIB), -ENOSPC);

	st = reopen(st);
	CHECK_EQ(ak_store_count(st), 2);
	a = ak_store_find(st, "alpha");
	b = ak_store_find(st, "beta");
	CHECK(a && b);
	CHECK_UEQ(a->size, MIB);
	CHECK_UEQ(b->size, 256 * 1024); /* rounded up to the chunk */
	CHECK_EQ(a->owner_uid, 1000);
	CHECK_EQ(a->n_extents, 1);
	CHECK_UEQ(a->ext[0].offset, AK_STORE_DATA_START);
	CHECK_UEQ(b->ext[0].offset, AK_STORE_DATA_START + MIB);
	ak_store_close(st);
}

static void test_grow_keeps_data(void)
{
	struct ak_store *st;
	const struct ak_store_vsa *a, *b;
	uint64_t a0;

	CHECK_OK(ak_store_open(path, 0, &st));
	a = ak_store_find(st, "alpha");
	a0 = a->ext[0].offset;
	fill(st, a0, MIB, 0xa1);

	/* beta sits right after alpha: alpha grows by a second extent. */
	CHECK_OK(ak_store_resize(st, "alpha", 2 * MIB));
	st = reopen(st);
	a = ak_store_find(st, "alpha");
	CHECK_UEQ(a->size, 2 * MIB);
	CHECK_EQ(a->n_extents, 2);
	CHECK_UEQ(a->ext[0].offset, a0);
	CHECK_UEQ(a->ext[0].length, MIB);
	expect(st, a0, MIB, 0xa1);

	/* alpha's second extent is last on the store: it grows in place. */
	CHECK_OK(ak_store_resize(st, "alpha", 3 * MIB));
	a = ak_store_find(st, "alpha");
	CHECK_EQ(a->n_extents, 2);
	CHECK_UEQ(a->ext[1].length, 2 * MIB);
	b = ak_store_find(st, "beta");
	CHECK_UEQ(a->ext[1].offset, b->ext[0].offset + b->size);
	ak_store_close(st);
}

static void test_shrink_and_delete_zero(void)
{
	struct ak_store *st;
	const struct ak_store_vsa *a, *c;
	struct ak_store_extent second;

	CHECK_OK(ak_store_open(path, 0, &st));
	a = ak_store_find(st, "alpha");
	second = a->ext[1];
	fill(st, second.offset, second.length, 0x5a);

	CHECK_OK(ak_store_resize(st, "alpha", MIB));
	a = ak_store_find(st, "alpha");
	CHECK_EQ(a->n_extents, 1);
	expect(st, second.offset, second.length, 0);
	expect(st, a->ext[0].offset, MIB, 0xa1);

	/* The released space goes to the next VSA, which reads zeros. */
	CHECK_OK(ak_store_create(st, "gamma", 2000, second.length));
	c = ak_store_find(st, "gamma");
	CHECK_UEQ(c->ext[0].offset, second.offset);

	fill(st, c->ext[0].offset, c->size, 0x77);
	second = c->ext[0];
	CHECK_OK(ak_store_delete(st, "gamma"));
	CHECK(ak_store_find(st, "gamma") == NULL);
	expect(st, second.offset, second.length, 0);
	CHECK_EQ(ak_store_delete(st, "gamma"), -ENOENT);
	CHECK_EQ(ak_store_resize(st, "gamma", MIB), -ENOENT);
	ak_store_close(st);
}

static void test_fragmented_allocation(void)
{
	struct ak_store *st;
	const struct ak_store_vsa *big;
	uint64_t before;
	char name[16];

	CHECK_OK(ak_store_open(path, 0, &st));
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "frag%d", i);
		CHECK_OK(ak_store_create(st, name, 0, AK_STORE_CHUNK));
	}
	for (int i = 0; i < 8; i += 2) {
		snprintf(name, sizeof(name), "frag%d", i);
		CHECK_OK(ak_store_delete(st, name));
	}
	before = ak_store_free_bytes(st);
	CHECK_OK(ak_store_create(st, "big", 0, before));
	CHECK_UEQ(ak_store_free_bytes(st), 0);
	big = ak_store_find(st, "big");
	CHECK_GT(big->n_extents, 1);
	/* Reopening validates that no two extents overlap. */
	st = reopen(st);
	CHECK_OK(ak_store_delete(st, "big"));
	for (int i = 1; i < 8; i += 2) {
		snprintf(name, sizeof(name), "frag%d", i);
		CHECK_OK(ak_store_delete(st, name));
	}
	ak_store_close(st);
}

static void read_copy(int fd, unsigned which, uint8_t *buf)
{
	CHECK_EQ(pread(fd, buf, AK_STORE_SLOT, (off_t)which * AK_STORE_SLOT),
		 (long)AK_STORE_SLOT);
}

static void write_copy(int fd, unsigned which, const uint8_t *buf)
{
	CHECK_EQ(pwrite(fd, buf, AK_STORE_SLOT, (off_t)which * AK_STORE_SLOT),
		 (long)AK_STORE_SLOT);
}

static void test_corrupt_active_copy(void)
{
	struct ak_store *st;
	int fd = open(path, O_RDWR);
	uint8_t byte;

	CHECK(fd >= 0);
	/* Flip one byte inside alpha's entry in copy 0, the active one. */
	CHECK_EQ(pread(fd, &byte, 1, 70), 1);
	byte ^= 0x40;
	CHECK_EQ(pwrite(fd, &byte, 1, 70), 1);

	captured[0] = 0;
	ak_log_set_handler(capture, NULL);
	CHECK_OK(ak_store_open(path, 0, &st));
	ak_log_set_handler(NULL, NULL);
	CHECK(strstr(captured, "copy 0 of the extent table is corrupt"));
	CHECK(strstr(captured, "using copy 1"));
	CHECK_EQ(ak_store_loaded_copy(st), 1);
	CHECK_EQ(ak_store_count(st), 2);
	CHECK(ak_store_find(st, "alpha") && ak_store_find(st, "beta"));

	/* Repaired: the next open is quiet and reads copy 0. */
	captured[0] = 0;
	ak_log_set_handler(capture, NULL);
	st = reopen(st);
	ak_log_set_handler(NULL, NULL);
	CHECK_STREQ(captured, "");
	CHECK_EQ(ak_store_loaded_copy(st), 0);
	ak_store_close(st);
	close(fd);
}

static void test_interrupted_updates(void)
{
	static uint8_t old0[AK_STORE_SLOT], old1[AK_STORE_SLOT];
	static uint8_t junk[AK_STORE_SLOT];
	struct ak_store *st;
	int fd = open(path, O_RDWR);

	CHECK(fd >= 0);
	read_copy(fd, 0, old0);
	read_copy(fd, 1, old1);
	CHECK_OK(ak_store_open(path, 0, &st));
	CHECK_OK(ak_store_create(st, "delta", 0, MIB));
	ak_store_close(st);

	/* Crash after copy 1 was written, before copy 0: the new table. */
	write_copy(fd, 0, old0);
	CHECK_OK(ak_store_open(path, 0, &st));
	CHECK(ak_store_find(st, "delta") != NULL);
	ak_store_close(st);

	/* Crash while copy 1 was written (torn): the old table. */
	write_copy(fd, 0, old0);
	memcpy(junk, old1, sizeof(junk));
	memset(junk + 100, 0xee, 1000);
	write_copy(fd, 1, junk);
	CHECK_OK(ak_store_open(path, 0, &st));
	CHECK(ak_store_find(st, "delta") == NULL);
	CHECK_EQ(ak_store_count(st), 2);
	ak_store_close(st);

	/* Both copies bad: refuse rather than guess. */
	memset(junk, 0xee, 4096);
	write_copy(fd, 0, junk);
	memcpy(junk, old1, sizeof(junk));
	memset(junk + 64, 0, 8); /* alpha's name */
	write_copy(fd, 1, junk);
	ak_log_set_handler(capture, NULL);
	CHECK_EQ(ak_store_open(path, 0, &st), -EUCLEAN);
	ak_log_set_handler(NULL, NULL);
	close(fd);
}

int main(void)
{
	const char *dir = getenv("AK_BUILD_ROOT");

	check_timeout(60);
	snprintf(path, sizeof(path), "%s/store-test-%d.img", dir ? dir : ".",
		 (int)getpid());
	unlink(path);
	test_create_and_reopen();
	test_grow_keeps_data();
	test_shrink_and_delete_zero();
	test_fragmented_allocation();
	test_corrupt_active_copy();
	test_interrupted_updates();
	unlink(path);
	return 0;
}
